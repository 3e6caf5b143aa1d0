//! Bar charts as SVG, like the study's figures: one horizontal bar per category of the
//! first dimension, stacked (or grouped) by the second, in counts or row percentages,
//! with a legend and value labels. Written by hand — no plotting or font library — so
//! every bar's value is in the file as data (`data-value`) for tests and reuse.

use std::fmt::Write as _;

use super::table::html_escape;

/// How the second dimension's values are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// One bar per row, segments side by side along it (with --percent row: to 100%).
    Stacked,
    /// One thin bar per value, grouped under each row.
    Grouped,
}

/// The data of a chart: `values[row][series]`.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub rows: Vec<String>,
    pub series: Vec<String>,
    pub values: Vec<Vec<f64>>,
    /// Values are percentages (labels get a % sign; stacked bars span 0–100).
    pub percent: bool,
    pub layout: Layout,
}

/// A colour-blind-safe palette (Okabe–Ito), then greys.
const PALETTE: &[&str] = &[
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#999999", "#666666", "#BBBBBB", "#333333",
];

/// Approximate width of text in the chart's font (for layout; SVG viewers measure
/// the real text).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.56
}

/// Black or white, whichever reads better on `background` (`#rrggbb`).
fn ink_on(background: &str) -> &'static str {
    let channel = |i: usize| {
        u8::from_str_radix(background.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64
    };
    let luma = 0.299 * channel(1) + 0.587 * channel(3) + 0.114 * channel(5);
    if luma > 150.0 { "black" } else { "white" }
}

fn number(v: f64, percent: bool) -> String {
    if percent {
        format!("{v:.1}%")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl Chart {
    /// The chart as a standalone SVG document.
    pub fn svg(&self) -> String {
        let font = 13.0;
        let label_w = self
            .rows
            .iter()
            .map(|r| text_width(r, font))
            .fold(60.0, f64::max)
            .min(260.0)
            + 16.0;
        let plot_w = 560.0;
        let bar_h = match self.layout {
            Layout::Stacked => 26.0,
            Layout::Grouped => 12.0 * self.series.len().max(1) as f64 + 8.0,
        };
        let gap = 10.0;
        let top = 44.0;
        let legend_rows = self.series.len().div_ceil(3).max(1) as f64;
        let plot_h = self.rows.len() as f64 * (bar_h + gap);
        let width = label_w + plot_w + 70.0;
        let height = top + plot_h + 30.0 + legend_rows * 20.0 + 16.0;
        let max = match (self.layout, self.percent) {
            (Layout::Stacked, true) => 100.0,
            (Layout::Stacked, false) => self
                .values
                .iter()
                .map(|r| r.iter().sum::<f64>())
                .fold(1.0, f64::max),
            (Layout::Grouped, _) => self.values.iter().flatten().copied().fold(1.0, f64::max),
        };
        // Round the axis up to a multiple of a "nice" step (1, 2 or 5 times a power of ten).
        let step = if self.percent && self.layout == Layout::Stacked {
            25.0
        } else {
            let raw = max / 4.0;
            let magnitude = 10f64.powf(raw.log10().floor());
            [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|&s| s >= raw)
                .unwrap_or(raw)
        };
        let steps = (max / step).ceil().max(1.0) as usize;
        let max = step * steps as f64;
        let scale = plot_w / max;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="Helvetica, Arial, sans-serif" font-size="{font}">"#
        );
        let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="24" font-size="15" font-weight="bold">{}</text>"#,
            label_w,
            html_escape(&self.title)
        );
        // Axis and grid.
        for k in 0..=steps {
            let v = step * k as f64;
            let x = label_w + v * scale;
            let _ = writeln!(
                out,
                r##"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
                top + plot_h,
                top + plot_h + 16.0,
                if self.percent {
                    format!("{v:.0}%")
                } else {
                    number(v.round(), false)
                }
            );
        }
        for (i, row) in self.rows.iter().enumerate() {
            let y = top + i as f64 * (bar_h + gap);
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
                label_w - 8.0,
                y + bar_h / 2.0,
                html_escape(row)
            );
            let mut x = label_w;
            for (j, series) in self.series.iter().enumerate() {
                let v = self
                    .values
                    .get(i)
                    .and_then(|r| r.get(j))
                    .copied()
                    .unwrap_or(0.0);
                let colour = PALETTE[j % PALETTE.len()];
                let (bx, by, bw, bh) = match self.layout {
                    Layout::Stacked => (x, y, v * scale, bar_h),
                    Layout::Grouped => (label_w, y + 4.0 + j as f64 * 12.0, v * scale, 10.0),
                };
                let _ = writeln!(
                    out,
                    r#"<rect class="bar" x="{bx:.1}" y="{by:.1}" width="{bw:.1}" height="{bh:.1}" fill="{colour}" data-row="{}" data-series="{}" data-value="{}"><title>{}: {}</title></rect>"#,
                    html_escape(row),
                    html_escape(series),
                    number(v, self.percent).trim_end_matches('%'),
                    html_escape(&format!("{row} / {series}")),
                    number(v, self.percent)
                );
                // Value labels where they fit.
                let label = number(v, self.percent);
                if v > 0.0 {
                    match self.layout {
                        Layout::Stacked if bw > text_width(&label, 11.0) + 4.0 => {
                            let _ = writeln!(
                                out,
                                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" dominant-baseline="middle" font-size="11" fill="{}">{label}</text>"#,
                                bx + bw / 2.0,
                                by + bh / 2.0,
                                ink_on(colour)
                            );
                        }
                        Layout::Grouped => {
                            let _ = writeln!(
                                out,
                                r#"<text x="{:.1}" y="{:.1}" dominant-baseline="middle" font-size="10">{label}</text>"#,
                                bx + bw + 3.0,
                                by + bh / 2.0
                            );
                        }
                        Layout::Stacked => {}
                    }
                }
                if self.layout == Layout::Stacked {
                    x += bw;
                }
            }
        }
        // Legend, three entries per line.
        let legend_top = top + plot_h + 34.0;
        for (j, series) in self.series.iter().enumerate() {
            let lx = label_w + (j % 3) as f64 * (plot_w / 3.0);
            let ly = legend_top + (j / 3) as f64 * 20.0;
            let _ = writeln!(
                out,
                r#"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" dominant-baseline="middle">{}</text>"#,
                ly - 6.0,
                PALETTE[j % PALETTE.len()],
                lx + 18.0,
                ly,
                html_escape(series)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_their_values_and_labels_are_escaped() {
        let chart = Chart {
            title: "Impact by <stage>".into(),
            rows: vec!["Environment".into(), "Training & eval".into()],
            series: vec!["Crash".into(), "Lower accuracy".into()],
            values: vec![vec![82.8, 2.5], vec![27.8, 34.4]],
            percent: true,
            layout: Layout::Stacked,
        };
        let svg = chart.svg();
        assert!(svg.contains(r#"data-row="Environment" data-series="Crash" data-value="82.8""#));
        assert!(svg.contains(
            r#"data-row="Training &amp; eval" data-series="Lower accuracy" data-value="34.4""#
        ));
        assert!(!svg.contains("<stage>"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 4);
    }
}
