//! Charts: bars and sparklines for the terminal, line and bar charts as
//! SVG.
//!
//! `trend` (see [`crate::cli::trend`]) draws with these; they know nothing
//! about reports or queries, only labelled series of values where `None`
//! is a *gap* (a group with no text at all, such as a year without
//! reports) — drawn as a break (no bar), never as a zero, since "nothing was
//! written" and "it was written and never said X" are different findings.
//!
//! A line says "from here to there": it is only drawn across categories
//! that have an order and a distance (years, decades: [`ChartKind::Lines`]).
//! Categories without one (townships, provinces, reports, sections) get
//! grouped bars ([`ChartKind::Bars`]): a line from one township to the next
//! would draw a trend that does not exist. The caller decides which.
//!
//! The terminal pieces use the Unicode block elements (eighth blocks for
//! bars, `▁…█` for sparklines), which every CJK-capable terminal font has;
//! labels are padded by display width (a CJK character takes two columns).
//! The SVG is hand-written (no dependency): a few dozen elements, all text
//! XML-escaped, with a CJK font-family fallback list so that Chinese labels
//! render on Linux, macOS and Windows alike.

use std::fmt::Write as _;

/// Fonts for Chinese labels, in order of preference, ending in the generic
/// family.
pub const CJK_FONTS: &str = "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"PingFang SC\", \
     \"Microsoft YaHei\", \"WenQuanYi Micro Hei\", sans-serif";

/// Colors of the series, in order (repeated after the last). Chosen to be
/// told apart by most color-blind readers (Okabe–Ito).
pub const PALETTE: [&str; 7] =
    ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

/// A horizontal bar of `value / max` of `width` columns, with eighth-block
/// resolution; empty for zero, at least one eighth for any positive value
/// (so that "rare" stays visible next to "never").
pub fn bar(value: f64, max: f64, width: usize) -> String {
    // Written so that NaN (a rate over no text) also draws nothing.
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(value) || !positive(max) || width == 0 {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * (width * 8) as f64).round().max(1.0) as usize;
    let mut s = "█".repeat(eighths / 8);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    s.push_str(PARTS[eighths % 8]);
    s
}

/// A sparkline: one character per value, `▁` (lowest, zero) to `█` (the
/// maximum), a space for a gap.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const TICKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().fold(0.0f64, |m, &v| m.max(v));
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) if max > 0.0 => TICKS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize],
            Some(_) => TICKS[0],
        })
        .collect()
}

/// One series of a [`Chart`]: a line, or one bar per category.
#[derive(Debug, Clone)]
pub struct Series {
    /// The legend label.
    pub label: String,
    /// One value per x label; `None` is a gap.
    pub values: Vec<Option<f64>>,
}

/// How a [`Chart`] draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// One line per series, for ordered categories (years, decades).
    Lines,
    /// Grouped bars (one bar per series side by side in each category),
    /// for categories without an order (places, reports, sections).
    Bars,
}

/// A chart over categories (years, places, …), in the order given.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Lines or bars.
    pub kind: ChartKind,
    /// The title, above the plot.
    pub title: String,
    /// What the y axis measures.
    pub y_label: String,
    /// The categories along the x axis, evenly spaced.
    pub x_labels: Vec<String>,
    /// The lines, or the bars of each category.
    pub series: Vec<Series>,
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newline are not
            // allowed in XML 1.0 at all, not even escaped.
            c if c.is_control() && c != '\t' && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Ticks for a value axis from 0: a "nice" step (1, 2 or 5 times a power
/// of ten) giving about five intervals, and the axis maximum (a multiple of
/// the step, at least `max`).
pub fn nice_ticks(max: f64) -> (f64, Vec<f64>) {
    let max = if max > 0.0 && max.is_finite() { max } else { 1.0 };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(mag * 10.0);
    let top = (max / step).ceil() * step;
    let n = (top / step).round() as usize;
    (top, (0..=n).map(|i| i as f64 * step).collect())
}

/// Formats a tick value without float noise (`0.2`, not
/// `0.20000000000000001`).
fn tick_label(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Rough display width of a label in pixels at `size` (CJK characters are
/// square, Latin ones about half as wide) — enough to decide how many
/// labels fit, without font metrics.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.6 * size } else { size }).sum()
}

/// Renders a chart as a standalone SVG document: axes with ticks and grid
/// lines, a legend, and the series. [`ChartKind::Lines`]: one `<path
/// class="series">` per series (a gap starts a new sub-path, so the line
/// breaks) and a dot per value (so that a value between two gaps still
/// shows). [`ChartKind::Bars`]: one `<rect class="bar">` per value, the
/// series side by side within each category; a zero is a bar one pixel
/// high on the axis, a gap has no bar.
pub fn svg(chart: &Chart) -> String {
    const W: f64 = 960.0;
    const H: f64 = 520.0;
    const FONT: f64 = 12.0;
    let legend_w = chart
        .series
        .iter()
        .map(|s| text_width(&s.label, FONT))
        .fold(0.0, f64::max)
        .clamp(60.0, 240.0)
        + 50.0;
    let n = chart.x_labels.len().max(1);
    let longest = chart.x_labels.iter().map(|l| text_width(l, FONT)).fold(0.0, f64::max);
    // Labels longer than a year are rotated, and take room below the axis.
    let rotate = chart.x_labels.iter().any(|l| l.chars().count() > 4);
    let (left, top, right) = (70.0, 50.0, W - legend_w);
    let bottom = H - if rotate { 30.0 + longest.min(140.0) * 0.71 } else { 50.0 };
    let (pw, ph) = (right - left, bottom - top);
    let max =
        chart.series.iter().flat_map(|s| s.values.iter().flatten()).fold(0.0f64, |m, &v| m.max(v));
    let (ymax, ticks) = nice_ticks(max);
    let x = |i: usize| left + (i as f64 + 0.5) * pw / n as f64;
    let y = |v: f64| bottom - v / ymax * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">
<style>
text {{ font-family: {CJK_FONTS}; font-size: {FONT}px; fill: #222; }}
.title {{ font-size: 16px; font-weight: bold; }}
.axis {{ stroke: #444; stroke-width: 1; }}
.grid {{ stroke: #ddd; stroke-width: 1; }}
.series {{ fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }}
.bar {{ stroke: none; }}
</style>
<rect width="100%" height="100%" fill="white"/>
<text class="title" x="{left}" y="28">{}</text>"#,
        xml_escape(&chart.title)
    );
    // Value axis: grid lines and ticks.
    for t in &ticks {
        let ty = y(*t);
        let _ = writeln!(
            s,
            r#"<line class="grid" x1="{left}" y1="{ty:.1}" x2="{right}" y2="{ty:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            ty + 4.0,
            tick_label(*t)
        );
    }
    let _ = writeln!(
        s,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        top + ph / 2.0,
        xml_escape(&chart.y_label)
    );
    // Category axis: as many labels as fit, evenly picked.
    let slot = if rotate { FONT * 1.4 } else { longest.max(FONT) + 8.0 };
    let every = ((n as f64 * slot) / pw).ceil().max(1.0) as usize;
    for (i, label) in chart.x_labels.iter().enumerate() {
        let tx = x(i);
        let _ = write!(
            s,
            r#"<line class="axis" x1="{tx:.1}" y1="{bottom}" x2="{tx:.1}" y2="{:.1}"/>"#,
            bottom + if i % every == 0 { 5.0 } else { 2.5 }
        );
        if i % every == 0 {
            let label = xml_escape(label);
            if rotate {
                let _ = write!(
                    s,
                    r#"<text transform="translate({tx:.1} {:.1}) rotate(-45)" text-anchor="end">{label}</text>"#,
                    bottom + 14.0
                );
            } else {
                let _ = write!(
                    s,
                    r#"<text x="{tx:.1}" y="{:.1}" text-anchor="middle">{label}</text>"#,
                    bottom + 18.0
                );
            }
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        r#"<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/><line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>"#
    );
    // The lines or bars, then the legend.
    let slot = pw / n as f64;
    let bar_w = slot * 0.8 / chart.series.len().max(1) as f64;
    for (k, series) in chart.series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        if chart.kind == ChartKind::Bars {
            for (i, v) in series.values.iter().enumerate() {
                let Some(v) = v else { continue };
                let bx = left + i as f64 * slot + slot * 0.1 + k as f64 * bar_w;
                let h = (bottom - y(*v)).max(1.0);
                let _ = write!(
                    s,
                    r#"<rect class="bar" x="{bx:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{color}"><title>{}: {}</title></rect>"#,
                    bottom - h,
                    (bar_w - 1.0).max(1.0),
                    xml_escape(&chart.x_labels[i]),
                    tick_label(*v)
                );
            }
            s.push('\n');
            let ly = top + 10.0 + k as f64 * 22.0;
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="16" height="10" fill="{color}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                right + 20.0,
                ly - 5.0,
                right + 46.0,
                ly + 4.0,
                xml_escape(&series.label)
            );
            continue;
        }
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in series.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ =
                        write!(d, "{}{:.1},{:.1} ", if pen_down { 'L' } else { 'M' }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = writeln!(
            s,
            r#"<path class="series" stroke="{color}" d="{}"><title>{}</title></path>"#,
            d.trim_end(),
            xml_escape(&series.label)
        );
        for (i, v) in series.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="2.5" fill="{color}"/>"#,
                    x(i),
                    y(*v)
                );
            }
        }
        s.push('\n');
        let ly = top + 10.0 + k as f64 * 22.0;
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            right + 16.0,
            right + 40.0,
            right + 46.0,
            ly + 4.0,
            xml_escape(&series.label)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_have_eighths() {
        assert_eq!(bar(1.0, 1.0, 4), "████");
        assert_eq!(bar(0.5, 1.0, 3), "█▌");
        assert_eq!(bar(0.0, 1.0, 4), "");
        assert_eq!(bar(0.0001, 1.0, 4), "▏", "a positive value is never invisible");
        assert_eq!(bar(f64::NAN, 1.0, 4), "");
    }

    #[test]
    fn sparklines_show_gaps() {
        assert_eq!(sparkline(&[Some(0.0), Some(1.0), None, Some(0.5)]), "▁█ ▅");
        assert_eq!(sparkline(&[Some(0.0), None]), "▁ ");
    }

    #[test]
    fn ticks_are_nice() {
        assert_eq!(nice_ticks(4.3), (5.0, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]));
        assert_eq!(nice_ticks(0.0).0, 1.0);
        let (top, t) = nice_ticks(0.73);
        assert!(top >= 0.73 && t.len() <= 7, "{top} {t:?}");
        assert_eq!(tick_label(0.2 + 0.1 - 0.1), "0.2");
    }

    #[test]
    fn svg_escapes_and_breaks_at_gaps() {
        let chart = Chart {
            kind: ChartKind::Lines,
            title: "a<b & \"c\"".into(),
            y_label: "per 10k".into(),
            x_labels: vec!["1960".into(), "1961".into(), "1962".into(), "1963".into()],
            series: vec![Series {
                label: "依法<行政>".into(),
                values: vec![Some(1.0), Some(2.0), None, Some(0.5)],
            }],
        };
        let s = svg(&chart);
        assert!(s.contains("a&lt;b &amp; &quot;c&quot;"));
        assert!(s.contains("依法&lt;行政&gt;"));
        let path = s.lines().find(|l| l.contains(r#"class="series""#)).unwrap();
        assert_eq!(path.matches('M').count(), 2, "a gap starts a new sub-path: {path}");
        assert_eq!(s.matches("<circle").count(), 3);
        assert!(s.contains("Noto Sans CJK SC"));
    }

    #[test]
    fn bars_for_unordered_categories() {
        let chart = Chart {
            kind: ChartKind::Bars,
            title: "t".into(),
            y_label: "mentions".into(),
            x_labels: vec!["有庆镇".into(), "巴阳镇".into(), "燕山乡".into()],
            series: vec![
                Series { label: "a".into(), values: vec![Some(2.0), None, Some(0.0)] },
                Series { label: "b".into(), values: vec![Some(1.0), Some(4.0), Some(3.0)] },
            ],
        };
        let s = svg(&chart);
        assert!(!s.contains("class=\"series\"") && !s.contains("<circle"), "no lines: {s}");
        assert_eq!(s.matches("<rect class=\"bar\"").count(), 5, "one per value, none for a gap");
        // The two bars of a category stand side by side, a's left of b's.
        let xs: Vec<f64> = s
            .match_indices("<rect class=\"bar\" x=\"")
            .map(|(i, m)| {
                let rest = &s[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(xs[0] < xs[2] && xs[2] < xs[3], "{xs:?}");
    }
}
