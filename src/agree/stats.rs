//! Agreement statistics over a reliability data matrix: units (records, turns,
//! sentences, documents) × coders, each cell a category or missing.
//!
//! * percent agreement — of all pairs of values given to one unit by two coders, the
//!   share that agree (for two coders: the share of units both coded alike);
//! * Cohen's kappa (two coders; units where both gave a value);
//! * Fleiss' kappa (any number of coders; units every coder gave a value, as Fleiss'
//!   formula needs the same number of ratings per unit);
//! * Krippendorff's alpha, nominal (any number of coders, missing values allowed; units
//!   with fewer than two values cannot be paired and are left out);
//! * the confusion matrix of two coders.
//!
//! A statistic that has no value for the data — no unit to compare, or only one
//! category in use, so that chance agreement is already perfect and the formula
//! divides by zero — is an [`Estimate::Undefined`] saying why, never NaN.
//!
//! Identical units are stored once with a count ([`Ratings::add`]), so presence/absence
//! data over hundreds of thousands of turns costs a handful of distinct rows.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

/// Why a statistic has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Undefined {
    /// No unit holds values of the coders compared (for Fleiss' kappa: of every coder).
    NoPairs,
    /// Every value given is the same category: chance agreement is 1 and the
    /// statistic is 0 / 0.
    OneCategory,
    /// Fewer than two coders.
    TooFewCoders,
}

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Undefined::NoPairs => "no unit was coded by the coders compared",
            Undefined::OneCategory => {
                "every value is the same category, so chance agreement is already perfect (0 / 0)"
            }
            Undefined::TooFewCoders => "fewer than two coders",
        })
    }
}

/// A statistic's value, or why it has none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimate {
    Value(f64),
    Undefined(Undefined),
}

impl Estimate {
    /// The value, if defined.
    pub fn value(self) -> Option<f64> {
        match self {
            Estimate::Value(v) => Some(v),
            Estimate::Undefined(_) => None,
        }
    }

    /// Why it is undefined, if it is.
    pub fn undefined(self) -> Option<Undefined> {
        match self {
            Estimate::Value(_) => None,
            Estimate::Undefined(u) => Some(u),
        }
    }

    /// Three decimals (`0.342`, never `-0.000`), or `undefined`.
    pub fn three(self) -> String {
        match self {
            Estimate::Value(v) => three(v),
            Estimate::Undefined(_) => "undefined".into(),
        }
    }

    /// The Landis & Koch band of the value (see [`band`]), if defined.
    pub fn band(self) -> Option<&'static str> {
        self.value().map(band)
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Estimate::Value(v) => f.write_str(&three(*v)),
            Estimate::Undefined(why) => write!(f, "undefined, because {why}"),
        }
    }
}

/// JSON: the number, or `{"undefined": "<reason>"}`.
impl Serialize for Estimate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Estimate::Value(v) => s.serialize_f64(*v),
            Estimate::Undefined(why) => {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("undefined", why)?;
                map.end()
            }
        }
    }
}

/// A number with three decimals, rounded half away from zero on the decimal value
/// (`0.3425` → `0.343`), without a minus sign on zero.
pub fn three(v: f64) -> String {
    let rounded = (v * 1000.0).round() / 1000.0;
    let text = format!("{rounded:.3}");
    if text == "-0.000" {
        "0.000".into()
    } else {
        text
    }
}

/// The interpretation band of a kappa (or alpha) value after Landis & Koch (1977):
/// below 0 poor, to 0.20 slight, to 0.40 fair, to 0.60 moderate, to 0.80 substantial,
/// above almost perfect (bounds on the value rounded to three decimals).
pub fn band(v: f64) -> &'static str {
    let v = (v * 1000.0).round() / 1000.0;
    if v < 0.0 {
        "poor"
    } else if v <= 0.2 {
        "slight"
    } else if v <= 0.4 {
        "fair"
    } else if v <= 0.6 {
        "moderate"
    } else if v <= 0.8 {
        "substantial"
    } else {
        "almost perfect"
    }
}

/// Reliability data: units × coders, each cell a category (0, 1, …) or missing.
/// Identical units are kept once with their count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ratings {
    coders: usize,
    units: BTreeMap<Vec<Option<u32>>, u64>,
}

impl Ratings {
    /// No units yet, for this many coders.
    pub fn new(coders: usize) -> Ratings {
        Ratings {
            coders,
            units: BTreeMap::new(),
        }
    }

    /// Builds ratings from rows of one unit each.
    pub fn from_units<'a>(
        coders: usize,
        units: impl IntoIterator<Item = &'a [Option<u32>]>,
    ) -> Ratings {
        let mut r = Ratings::new(coders);
        for u in units {
            r.add(u, 1);
        }
        r
    }

    /// Adds `count` units with these values (one per coder, in coder order).
    ///
    /// # Panics
    /// When `values` does not hold one cell per coder (a programming error).
    pub fn add(&mut self, values: &[Option<u32>], count: u64) {
        assert_eq!(values.len(), self.coders, "one value per coder");
        if count == 0 {
            return;
        }
        match self.units.get_mut(values) {
            Some(n) => *n += count,
            None => {
                self.units.insert(values.to_vec(), count);
            }
        }
    }

    /// The number of coders.
    pub fn coders(&self) -> usize {
        self.coders
    }

    /// Every distinct unit with its count.
    pub fn units(&self) -> impl Iterator<Item = (&[Option<u32>], u64)> {
        self.units.iter().map(|(u, &n)| (u.as_slice(), n))
    }

    /// All units, counting repeats.
    pub fn len(&self) -> u64 {
        self.units.values().sum()
    }

    /// True when there are no units.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Units with at least two values (pairable: they count for alpha and agreement).
    pub fn pairable(&self) -> u64 {
        self.units()
            .filter(|(u, _)| u.iter().flatten().count() >= 2)
            .map(|(_, n)| n)
            .sum()
    }

    /// Units with a value from every coder (they count for Fleiss' kappa).
    pub fn complete(&self) -> u64 {
        self.units()
            .filter(|(u, _)| u.iter().all(Option::is_some))
            .map(|(_, n)| n)
            .sum()
    }

    /// The two coders' values where both gave one, with counts.
    pub fn pairs(&self, a: usize, b: usize) -> BTreeMap<(u32, u32), u64> {
        let mut out = BTreeMap::new();
        for (u, n) in self.units() {
            if let (Some(x), Some(y)) = (u[a], u[b]) {
                *out.entry((x, y)).or_insert(0) += n;
            }
        }
        out
    }

    /// The ratings of two coders only (coder `a` first).
    pub fn pair(&self, a: usize, b: usize) -> Ratings {
        let mut out = Ratings::new(2);
        for (u, n) in self.units() {
            out.add(&[u[a], u[b]], n);
        }
        out
    }
}

/// Counts a unit's values (the coders who gave none left out) into `counts`, cleared
/// first; returns how many values there were.
fn count_values(unit: &[Option<u32>], counts: &mut BTreeMap<u32, u64>) -> u64 {
    counts.clear();
    let mut m = 0u64;
    for v in unit.iter().flatten() {
        *counts.entry(*v).or_insert(0) += 1;
        m += 1;
    }
    m
}

/// Percent agreement as a proportion: of all pairs of values that two different coders
/// gave one unit, the share that are equal (each unit with `m` values has m(m−1)/2
/// pairs). For two coders, the share of units coded by both that they coded alike.
pub fn percent_agreement(r: &Ratings) -> Estimate {
    let (mut agree, mut pairs) = (0u64, 0u64);
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    for (u, n) in r.units() {
        let m = count_values(u, &mut counts);
        if m < 2 {
            continue;
        }
        pairs += n * m * (m - 1) / 2;
        agree += n * counts
            .values()
            .map(|c| c * c.saturating_sub(1) / 2)
            .sum::<u64>();
    }
    if r.coders() < 2 {
        return Estimate::Undefined(Undefined::TooFewCoders);
    }
    if pairs == 0 {
        return Estimate::Undefined(Undefined::NoPairs);
    }
    Estimate::Value(agree as f64 / pairs as f64)
}

/// Cohen's kappa of coders `a` and `b` over the units both coded:
/// κ = (p_o − p_e) / (1 − p_e), with p_e from each coder's own category shares.
pub fn cohen_kappa(r: &Ratings, a: usize, b: usize) -> Estimate {
    if r.coders() < 2 || a == b {
        return Estimate::Undefined(Undefined::TooFewCoders);
    }
    let pairs = r.pairs(a, b);
    let n: u64 = pairs.values().sum();
    if n == 0 {
        return Estimate::Undefined(Undefined::NoPairs);
    }
    let mut rows: BTreeMap<u32, u64> = BTreeMap::new();
    let mut cols: BTreeMap<u32, u64> = BTreeMap::new();
    let mut agree = 0u64;
    for (&(x, y), &k) in &pairs {
        *rows.entry(x).or_insert(0) += k;
        *cols.entry(y).or_insert(0) += k;
        if x == y {
            agree += k;
        }
    }
    // Σ row_c · col_c, exactly: chance agreement is 1 only when it equals n².
    let chance: u128 = rows
        .iter()
        .map(|(c, &k)| u128::from(k) * u128::from(cols.get(c).copied().unwrap_or(0)))
        .sum();
    let n2 = u128::from(n) * u128::from(n);
    if chance == n2 {
        return Estimate::Undefined(Undefined::OneCategory);
    }
    let (n, nf2) = (n as f64, n2 as f64);
    let po = agree as f64 / n;
    let pe = chance as f64 / nf2;
    Estimate::Value((po - pe) / (1.0 - pe))
}

/// Fleiss' kappa over the units every coder coded:
/// κ = (P̄ − P_e) / (1 − P_e), P̄ the mean share of agreeing pairs per unit and P_e the
/// sum of squared overall category shares.
pub fn fleiss_kappa(r: &Ratings) -> Estimate {
    let m = r.coders() as u64;
    if m < 2 {
        return Estimate::Undefined(Undefined::TooFewCoders);
    }
    let mut units = 0u64;
    let mut agree_pairs = 0u64;
    let mut totals: BTreeMap<u32, u64> = BTreeMap::new();
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    for (u, n) in r.units() {
        if u.iter().any(Option::is_none) {
            continue;
        }
        counts.clear();
        for v in u.iter().flatten() {
            *counts.entry(*v).or_insert(0) += 1;
        }
        for (&c, &k) in &counts {
            *totals.entry(c).or_insert(0) += k * n;
            agree_pairs += n * k * (k - 1);
        }
        units += n;
    }
    if units == 0 {
        return Estimate::Undefined(Undefined::NoPairs);
    }
    let ratings = u128::from(units) * u128::from(m);
    let sum_sq: u128 = totals
        .values()
        .map(|&t| u128::from(t) * u128::from(t))
        .sum();
    if sum_sq == ratings * ratings {
        return Estimate::Undefined(Undefined::OneCategory);
    }
    let p_bar = agree_pairs as f64 / (units as f64 * (m * (m - 1)) as f64);
    let p_e = sum_sq as f64 / (ratings as f64 * ratings as f64);
    Estimate::Value((p_bar - p_e) / (1.0 - p_e))
}

/// Krippendorff's alpha for nominal data, missing values allowed:
/// α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k, from the coincidence matrix o of the
/// pairable values (each unit with m ≥ 2 values adds 1/(m − 1) per ordered pair of
/// values from different coders), n_c its marginals and n the pairable values.
pub fn krippendorff_alpha(r: &Ratings) -> Estimate {
    if r.coders() < 2 {
        return Estimate::Undefined(Undefined::TooFewCoders);
    }
    // Disagreeing coincidences, and the marginals n_c (Σ_k o_ck = values of c in
    // pairable units).
    let mut disagree = 0.0f64;
    let mut marginals: BTreeMap<u32, u64> = BTreeMap::new();
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    for (u, n) in r.units() {
        let m = count_values(u, &mut counts);
        if m < 2 {
            continue;
        }
        // Ordered pairs of values from different coders that differ: m² − Σ k_c².
        let same: u64 = counts.values().map(|k| k * k).sum();
        disagree += (n * (m * m - same)) as f64 / (m - 1) as f64;
        for (&c, &k) in &counts {
            *marginals.entry(c).or_insert(0) += k * n;
        }
    }
    let total: u64 = marginals.values().sum();
    if total < 2 {
        return Estimate::Undefined(Undefined::NoPairs);
    }
    // Σ_{c≠k} n_c n_k = n² − Σ n_c².
    let t = u128::from(total);
    let expected = t * t
        - marginals
            .values()
            .map(|&c| u128::from(c) * u128::from(c))
            .sum::<u128>();
    if expected == 0 {
        return Estimate::Undefined(Undefined::OneCategory);
    }
    Estimate::Value(1.0 - (total - 1) as f64 * disagree / expected as f64)
}

/// The confusion matrix of coders `a` (rows) and `b` (columns) over the units both
/// coded, `categories` × `categories` (category numbers at or past it are left out).
pub fn confusion(r: &Ratings, a: usize, b: usize, categories: usize) -> Vec<Vec<u64>> {
    let mut m = vec![vec![0u64; categories]; categories];
    for ((x, y), n) in r.pairs(a, b) {
        if let Some(cell) = m
            .get_mut(x as usize)
            .and_then(|row| row.get_mut(y as usize))
        {
            *cell += n;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ratings of two coders from labels (the same label, the same category).
    fn two(a: &str, b: &str) -> Ratings {
        let mut names: Vec<String> = Vec::new();
        let mut id = |s: &str| -> u32 {
            match names.iter().position(|n| n == s) {
                Some(i) => i as u32,
                None => {
                    names.push(s.to_string());
                    (names.len() - 1) as u32
                }
            }
        };
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
        assert_eq!(a.len(), b.len());
        let mut r = Ratings::new(2);
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (id(x), id(y));
            r.add(&[Some(x), Some(y)], 1);
        }
        r
    }

    fn close(e: Estimate, want: f64) {
        let v = e.value().unwrap_or_else(|| panic!("undefined: {e}"));
        assert!((v - want).abs() < 1e-12, "{v} != {want}");
    }

    // Reference values computed with scikit-learn 1.9.1:
    //   from sklearn.metrics import cohen_kappa_score
    //   cohen_kappa_score(a.split(), b.split())
    // on the same label lists as below; repr() of the result pasted here.
    #[test]
    fn cohens_kappa_matches_scikit_learn() {
        let r = two(
            "a b c a a b c c a b a a c b b a c a b a",
            "a b c a b b c a a b a c c b a a c a b b",
        );
        close(cohen_kappa(&r, 0, 1), 0.6168582375478928);
        let r = two(
            "yes yes no yes no yes yes yes no yes",
            "yes no no yes no yes yes yes yes yes",
        );
        close(cohen_kappa(&r, 0, 1), 0.5238095238095238);
        // A category only one coder used (w), another used by both.
        let r = two("x x y y z z x y", "x w y y z x x w");
        close(cohen_kappa(&r, 0, 1), 0.4893617021276596);
        // Worse than chance.
        let r = two("p q p q p q", "q p q p p q");
        close(cohen_kappa(&r, 0, 1), -0.33333333333333326);
        // Perfect agreement on two categories.
        close(cohen_kappa(&two("u v u", "u v u"), 0, 1), 1.0);
    }

    // Reference values computed with statsmodels 0.15.0:
    //   from statsmodels.stats.inter_rater import fleiss_kappa, aggregate_raters
    //   fleiss_kappa(aggregate_raters(np.array(rows))[0])   # three coders' rows below
    //   fleiss_kappa(np.array(table))                      # the counts table below
    #[test]
    fn fleiss_kappa_matches_statsmodels() {
        let rows = [
            [0, 0, 0],
            [0, 0, 1],
            [1, 1, 1],
            [2, 2, 2],
            [0, 1, 2],
            [1, 1, 0],
            [2, 2, 1],
            [0, 0, 0],
        ];
        let mut r = Ratings::new(3);
        for row in rows {
            r.add(&row.map(Some), 1);
        }
        close(fleiss_kappa(&r), 0.425531914893617);
        // Five coders, ten units, four categories, given as counts per category.
        let table = [
            [5, 0, 0, 0],
            [2, 3, 0, 0],
            [0, 0, 5, 0],
            [1, 1, 1, 2],
            [0, 4, 1, 0],
            [3, 0, 0, 2],
            [0, 0, 0, 5],
            [4, 1, 0, 0],
            [0, 2, 2, 1],
            [1, 0, 4, 0],
        ];
        let mut r = Ratings::new(5);
        for counts in table {
            let mut unit = Vec::new();
            for (c, k) in counts.iter().enumerate() {
                unit.extend(std::iter::repeat_n(Some(c as u32), *k));
            }
            r.add(&unit, 1);
        }
        close(fleiss_kappa(&r), 0.4471413160733549);
        // For two coders Fleiss' kappa is Scott's pi, not Cohen's kappa; with equal
        // marginals the two agree.
        let r = two("a b a b", "a b b a");
        close(fleiss_kappa(&r), cohen_kappa(&r, 0, 1).value().unwrap());
    }

    /// Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), the example
    /// of 4 coders × 12 units with missing values: nominal α = 0.743.
    #[test]
    fn krippendorffs_alpha_reproduces_his_worked_example() {
        let rows: [[u32; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let mut r = Ratings::new(4);
        let units: Vec<Vec<Option<u32>>> = (0..12)
            .map(|unit| {
                rows.iter()
                    .map(|row| Some(row[unit]).filter(|&v| v != 0))
                    .collect()
            })
            .collect();
        for values in &units {
            r.add(values, 1);
        }
        // Unit 12 has a single value: not pairable.
        assert_eq!(r.pairable(), 11);
        let alpha = krippendorff_alpha(&r).value().unwrap();
        assert_eq!(three(alpha), "0.743");
        // Exactly: 1 − (n − 1)·D / E with n = 40 pairable values.
        assert!((alpha - 0.7434210526315789).abs() < 1e-9, "{alpha}");
        assert_eq!(band(alpha), "substantial");
    }

    #[test]
    fn undefined_cases_say_why_and_never_give_nan() {
        let empty = Ratings::new(2);
        for e in [
            percent_agreement(&empty),
            cohen_kappa(&empty, 0, 1),
            fleiss_kappa(&empty),
            krippendorff_alpha(&empty),
        ] {
            assert_eq!(e, Estimate::Undefined(Undefined::NoPairs));
        }
        // Only one category in use: agreement is perfect, the statistics are 0 / 0.
        let one = two("a a a", "a a a");
        close(percent_agreement(&one), 1.0);
        for e in [
            cohen_kappa(&one, 0, 1),
            fleiss_kappa(&one),
            krippendorff_alpha(&one),
        ] {
            assert_eq!(e, Estimate::Undefined(Undefined::OneCategory));
            assert!(e.to_string().starts_with("undefined, because every value"));
            assert_eq!(e.three(), "undefined");
        }
        // Units coded by one coder only: nothing to pair.
        let mut lone = Ratings::new(2);
        lone.add(&[Some(0), None], 3);
        lone.add(&[None, Some(1)], 2);
        assert_eq!(
            cohen_kappa(&lone, 0, 1),
            Estimate::Undefined(Undefined::NoPairs)
        );
        assert_eq!(
            krippendorff_alpha(&lone),
            Estimate::Undefined(Undefined::NoPairs)
        );
        assert_eq!(
            cohen_kappa(&Ratings::new(1), 0, 0),
            Estimate::Undefined(Undefined::TooFewCoders)
        );
        assert_eq!(
            serde_json::to_string(&cohen_kappa(&one, 0, 1)).unwrap(),
            r#"{"undefined":"one-category"}"#
        );
        assert_eq!(serde_json::to_string(&Estimate::Value(0.5)).unwrap(), "0.5");
    }

    #[test]
    fn counted_units_equal_repeated_units() {
        let mut counted = Ratings::new(3);
        counted.add(&[Some(1), Some(1), None], 40);
        counted.add(&[Some(0), Some(1), Some(1)], 3);
        counted.add(&[Some(0), Some(0), Some(0)], 7);
        let mut repeated = Ratings::new(3);
        for _ in 0..40 {
            repeated.add(&[Some(1), Some(1), None], 1);
        }
        for _ in 0..3 {
            repeated.add(&[Some(0), Some(1), Some(1)], 1);
        }
        for _ in 0..7 {
            repeated.add(&[Some(0), Some(0), Some(0)], 1);
        }
        assert_eq!(counted, repeated);
        assert_eq!(counted.len(), 50);
        assert_eq!(counted.complete(), 10);
        // Percent agreement of three coders counts pairs: 40 of 40, 1 of 3 (×3), 3 of 3 (×7): 64 of 70.
        close(percent_agreement(&counted), 64.0 / 70.0);
    }

    #[test]
    fn confusion_matrix_and_bands() {
        let r = two("a b a b b", "a b b b a");
        assert_eq!(confusion(&r, 0, 1, 2), vec![vec![1, 1], vec![1, 2]]);
        assert_eq!(three(0.3425), "0.343");
        assert_eq!(three(-0.0001), "0.000");
        assert_eq!(band(-0.1), "poor");
        assert_eq!(band(0.2), "slight");
        assert_eq!(band(0.342), "fair");
        assert_eq!(band(0.65), "substantial");
        assert_eq!(band(0.8004), "substantial");
        assert_eq!(band(0.888), "almost perfect");
    }
}
