//! Coding rounds: reproducible samples of documents to double-code (`gloss sample`),
//! kept in `rounds.yaml` so that agreement can be reported per round.
//!
//! The draw is reproducible on every platform: the candidates are the documents sorted
//! by id (byte order), and the only randomness is SplitMix64 (Steele, Lea & Flood,
//! "Fast splittable pseudorandom number generators", OOPSLA 2014; the constants of
//! Vigna's reference `splitmix64.c`), a 64-bit generator written out here in a few
//! lines, with unbiased bounded draws by rejection. A partial Fisher–Yates shuffle
//! takes the first `n`; stratified draws give each stratum its proportional share
//! (largest remainders, ties to the stratum first by name) and shuffle each stratum in
//! name order with the same generator. Same documents, same seed → same sample.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::corpus::DocKind;
use crate::corpus::load::Corpus;
use crate::project::Project;
use crate::project::config::yaml_error;
use crate::{Error, Result};

/// The rounds file in the project folder.
pub const ROUNDS_FILE: &str = "rounds.yaml";

/// SplitMix64: a 64-bit state advanced by a constant, each output a mix of the state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..bound` (`bound` > 0): draws at or above the largest
    /// multiple of `bound` are rejected, so no value is favoured.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "an empty range");
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }
}

/// Takes `n` of `items` at random (a partial Fisher–Yates shuffle), in draw order.
fn take<T>(items: &mut Vec<T>, n: usize, rng: &mut SplitMix64) -> Vec<T> {
    let n = n.min(items.len());
    for i in 0..n {
        let j = i + rng.below((items.len() - i) as u64) as usize;
        items.swap(i, j);
    }
    items.drain(..n).collect()
}

/// One named round: the documents drawn and the coders assigned to all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    pub name: String,
    pub coders: Vec<String>,
    pub seed: u64,
    /// Documents asked for.
    pub n: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stratify_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub created: String,
    /// The documents drawn, sorted by id.
    pub documents: Vec<String>,
}

/// The contents of `rounds.yaml`, rounds in the order they were drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rounds {
    #[serde(default)]
    pub rounds: Vec<Round>,
}

impl Rounds {
    /// The path of the rounds file.
    pub fn path(project: &Project) -> PathBuf {
        project.root.join(ROUNDS_FILE)
    }

    /// Reads `rounds.yaml` (no file: no rounds).
    pub fn load(project: &Project) -> Result<Rounds> {
        let path = Self::path(project);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Rounds::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        Self::parse(&path, &text)
    }

    /// Parses the text of a rounds file, checking that names are unique.
    pub fn parse(path: &std::path::Path, text: &str) -> Result<Rounds> {
        if text.trim().is_empty() {
            return Ok(Rounds::default());
        }
        let rounds: Rounds = serde_yaml::from_str(text).map_err(|e| yaml_error(path, &e))?;
        let mut names = BTreeSet::new();
        for r in &rounds.rounds {
            if !names.insert(r.name.as_str()) {
                return Err(Error::parse(
                    path,
                    format!("round {:?} is named twice", r.name),
                ));
            }
        }
        Ok(rounds)
    }

    /// The round with this name.
    pub fn get(&self, name: &str) -> Option<&Round> {
        self.rounds.iter().find(|r| r.name == name)
    }

    /// The round with this name, or an error listing the rounds there are.
    pub fn find(&self, name: &str) -> Result<&Round> {
        self.get(name).ok_or_else(|| {
            Error::Input(if self.rounds.is_empty() {
                format!("no round {name:?}: no rounds yet (gloss sample --round NAME draws one)")
            } else {
                format!(
                    "no round {name:?}; the rounds are {}",
                    self.rounds
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })
    }

    /// Documents (as stored) of the rounds that assigned every one of `coders`.
    pub fn assigned_to_all(&self, coders: &[String]) -> HashSet<&str> {
        self.rounds
            .iter()
            .filter(|r| coders.iter().all(|c| r.coders.contains(c)))
            .flat_map(|r| r.documents.iter().map(String::as_str))
            .collect()
    }

    /// The YAML written to `rounds.yaml`.
    pub fn render(&self) -> String {
        let body = serde_yaml::to_string(self).unwrap_or_default();
        format!(
            "# Coding rounds drawn by `gloss sample` (documents double-coded per round).\n{body}"
        )
    }

    /// Adds a round under a lock (`.gloss/locks/rounds.lock`): the file is re-read after
    /// the lock is taken, so two processes adding rounds at once never lose one, and
    /// written atomically and durably.
    pub fn add(project: &Project, round: Round) -> Result<Rounds> {
        let locks = project.locks_dir();
        std::fs::create_dir_all(&locks).map_err(|e| Error::io(&locks, e))?;
        let lock_path = locks.join("rounds.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
        let mut rounds = Rounds::load(project)?;
        if rounds.get(&round.name).is_some() {
            return Err(Error::Input(format!(
                "there is already a round {:?}; name the new one differently",
                round.name
            )));
        }
        rounds.rounds.push(round);
        crate::textio::write_atomic(&Self::path(project), rounds.render().as_bytes())?;
        Ok(rounds)
    }
}

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    pub n: usize,
    pub seed: u64,
    /// A document attribute (`repo`, or any attribute) whose values are the strata;
    /// documents without it form the stratum `(none)`.
    pub stratify_by: Option<String>,
    /// Only documents of this kind.
    pub kind: Option<DocKind>,
    /// Documents not to draw (those of earlier rounds).
    pub skip: BTreeSet<String>,
}

/// The stratum of a document.
fn stratum(doc: &crate::corpus::Document, attr: &str) -> String {
    if attr == "kind" {
        return doc.kind.name().to_string();
    }
    doc.attributes
        .get(attr)
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "(none)".into())
}

/// Per stratum: how many documents were drawn, of how many.
pub type Strata = BTreeMap<String, (usize, usize)>;

/// Draws the sample: document ids sorted by id, and per stratum how many were drawn of
/// how many (one stratum, `all`, when not stratified).
pub fn draw(corpus: &Corpus, opts: &SampleOptions) -> Result<(Vec<String>, Strata)> {
    let mut candidates: Vec<&crate::corpus::Document> = corpus
        .docs
        .iter()
        .filter(|d| opts.kind.is_none_or(|k| d.kind == k))
        .filter(|d| !opts.skip.contains(&d.id))
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    if opts.n == 0 {
        return Err(Error::Input(
            "draw at least one document (--n 1 or more)".into(),
        ));
    }
    if opts.n > candidates.len() {
        return Err(Error::Input(format!(
            "cannot draw {} documents: {} are left to draw{}",
            opts.n,
            candidates.len(),
            if opts.skip.is_empty() {
                ""
            } else {
                " (documents of earlier rounds are not drawn again)"
            }
        )));
    }
    let mut rng = SplitMix64::new(opts.seed);
    let mut report = BTreeMap::new();
    let mut chosen: Vec<String> = match &opts.stratify_by {
        None => {
            let mut ids: Vec<&str> = candidates.iter().map(|d| d.id.as_str()).collect();
            report.insert("all".to_string(), (opts.n, ids.len()));
            take(&mut ids, opts.n, &mut rng)
                .into_iter()
                .map(String::from)
                .collect()
        }
        Some(attr) => {
            let mut strata: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for d in &candidates {
                strata
                    .entry(stratum(d, attr))
                    .or_default()
                    .push(d.id.as_str());
            }
            let total = candidates.len();
            // Proportional shares: floors, then the largest remainders (ties by name).
            let mut quota: BTreeMap<String, usize> = BTreeMap::new();
            let mut rest: Vec<(usize, String)> = Vec::new();
            for (name, ids) in &strata {
                let exact = opts.n * ids.len();
                quota.insert(name.clone(), exact / total);
                rest.push((exact % total, name.clone()));
            }
            let mut left = opts.n - quota.values().sum::<usize>();
            rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, name) in rest {
                if left == 0 {
                    break;
                }
                if let Some(q) = quota.get_mut(&name) {
                    *q += 1;
                    left -= 1;
                }
            }
            let mut out = Vec::new();
            for (name, ids) in &mut strata {
                let q = quota.get(name.as_str()).copied().unwrap_or(0);
                report.insert(name.clone(), (q, ids.len()));
                out.extend(take(ids, q, &mut rng).into_iter().map(String::from));
            }
            out
        }
    };
    chosen.sort();
    Ok((chosen, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{AttrValue, Document, Turn};

    // Reference outputs from a separate implementation of Vigna's splitmix64.c (Python,
    // 64-bit masks): seed 1234567 is the example of Vigna's page.
    #[test]
    fn splitmix64_gives_the_reference_sequence() {
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut r = SplitMix64::new(7);
        assert_eq!(
            [r.next_u64(), r.next_u64(), r.next_u64()],
            [
                7_191_089_600_892_374_487,
                309_689_372_594_955_804,
                16_616_101_746_815_609_346
            ]
        );
        let mut r = SplitMix64::new(1);
        assert!((0..1000).all(|_| r.below(3) < 3));
    }

    fn corpus(n: usize) -> Corpus {
        let docs: Vec<Document> = (0..n)
            .map(|i| Document {
                id: format!("issues/o/r{}#{i}", i % 3),
                kind: crate::corpus::DocKind::Issue,
                title: String::new(),
                attributes: [("repo".to_string(), AttrValue::One(format!("o/r{}", i % 3)))]
                    .into_iter()
                    .filter(|_| i % 10 != 9)
                    .collect(),
                turns: vec![Turn {
                    speaker: "a".into(),
                    time: None,
                    text: "t".into(),
                }],
            })
            .collect();
        let sources = vec![PathBuf::from("x"); docs.len()];
        Corpus::from_docs(docs, sources).unwrap()
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_in_any_document_order() {
        let c = corpus(100);
        let opts = SampleOptions {
            n: 10,
            seed: 7,
            ..Default::default()
        };
        let (a, _) = draw(&c, &opts).unwrap();
        let mut reversed: Vec<Document> = c.docs.iter().rev().cloned().collect();
        reversed.rotate_left(13);
        let sources = vec![PathBuf::from("x"); reversed.len()];
        let c2 = Corpus::from_docs(reversed, sources).unwrap();
        let (b, _) = draw(&c2, &opts).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 10);
        let (other, _) = draw(
            &c,
            &SampleOptions {
                seed: 8,
                ..opts.clone()
            },
        )
        .unwrap();
        assert_ne!(a, other);
        // The exact draw is part of the contract (a change here changes users' samples);
        // the same draw was computed by a separate Python implementation of SplitMix64,
        // the rejection rule and the partial Fisher–Yates shuffle over the sorted ids.
        assert_eq!(
            a,
            [
                "issues/o/r0#12",
                "issues/o/r0#24",
                "issues/o/r0#78",
                "issues/o/r0#99",
                "issues/o/r1#1",
                "issues/o/r1#37",
                "issues/o/r1#73",
                "issues/o/r1#85",
                "issues/o/r2#2",
                "issues/o/r2#65"
            ]
        );
        let skip: BTreeSet<String> = a.iter().cloned().collect();
        let (next, _) = draw(
            &c,
            &SampleOptions {
                skip,
                ..opts.clone()
            },
        )
        .unwrap();
        assert!(next.iter().all(|d| !a.contains(d)));
        assert!(draw(&c, &SampleOptions { n: 101, ..opts }).is_err());
    }

    #[test]
    fn strata_get_proportional_shares() {
        let c = corpus(100);
        let (ids, report) = draw(
            &c,
            &SampleOptions {
                n: 20,
                seed: 7,
                stratify_by: Some("repo".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(ids.len(), 20);
        // 100 documents: 10 without a repo, and 30 per repo (34/33/33 less the ones
        // without): each stratum gets its share of 20.
        let total: usize = report.values().map(|(k, _)| k).sum();
        assert_eq!(total, 20);
        for (name, (k, of)) in &report {
            let share = 20.0 * *of as f64 / 100.0;
            assert!((*k as f64 - share).abs() < 1.0, "{name}: {k} of {of}");
            let drawn = ids
                .iter()
                .filter(|id| stratum(c.get(id).unwrap(), "repo") == *name)
                .count();
            assert_eq!(drawn, *k, "{name}");
        }
        assert!(report.contains_key("(none)"));
    }
}
