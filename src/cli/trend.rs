//! `baogao trend QUERY… --by KEY`: one column per query, one row per group,
//! cells = mentions per 10,000 characters of the group's text (mentions
//! with `--raw`; any `--measure`), with bars (and, over years or decades,
//! sparklines) in the terminal and, with `--svg FILE`, a chart: lines over
//! years and decades, grouped bars over places, levels, sections, reports.
//!
//! The numbers come from [`crate::analysis::trend`](mod@crate::analysis::trend), which runs `count`
//! per query: a trend cell is the `count` group of that query. This module
//! only lays them out. Gaps (a group without text; with `--by year`, every
//! year without reports between the first and the last) print as `—`, are
//! `null` in JSON, empty in CSV and a break in the SVG line.
//!
//! Every query takes the same filter flags: filters *inside* a query
//! (`year:2020`) are refused, since the columns would then cover
//! different reports and no longer be comparable.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;
use termcolor::{Color, ColorSpec, WriteColor};
use unicode_width::UnicodeWidthStr;

use super::args::FilterArgs;
use super::{flag_filters, warn_unmatched_places, Ctx, Exit, UsageError};
use crate::analysis::count::UNKNOWN;
use crate::analysis::{self, Group, GroupBy, Measure, Trend};
use crate::output::chart::{self, Chart, ChartKind, Series};
use crate::output::{csv, human, json};
use crate::query::{self, Expr, Matcher};

/// Width of all the bar lanes together, in terminal columns.
const BARS_WIDTH: usize = 40;
/// Narrowest lane per query.
const MIN_LANE: usize = 8;
/// Terminal colors of the series, in order (as [`chart::PALETTE`] in SVG).
const COLORS: [Color; 6] =
    [Color::Blue, Color::Red, Color::Green, Color::Magenta, Color::Yellow, Color::Cyan];

/// `baogao trend`.
#[derive(Debug, Args)]
#[command(after_long_help = TREND_AFTER_HELP)]
pub struct TrendArgs {
    /// The queries, one per column; quote a query with spaces
    /// ("法律顾问 全覆盖" is one query with two words).
    #[arg(required = true, value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Group by: year, decade, township, county, city, province, level, section,
    /// report.
    #[arg(long, default_value = "year", value_name = "KEY")]
    pub by: String,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// What the cells show: rate (mentions per 10,000 characters of the
    /// group's text, the default), share (% of the group's reports that
    /// mention it), mentions, or reports (that mention it).
    #[arg(long, default_value = "rate", value_name = "MEASURE")]
    pub measure: String,
    /// Show and chart mentions instead of rates (`--measure mentions`).
    #[arg(long, conflicts_with = "measure")]
    pub raw: bool,
    /// Also write the chart as SVG to FILE: lines over years and decades,
    /// grouped bars over any other key (places have no order to draw a
    /// line along).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// JSON Lines output: one `row` per group, then a `summary`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: the key, reports, chars, then one column per query.
    #[arg(long)]
    pub csv: bool,
}

/// The output shapes of `trend`, for `trend --help`.
const TREND_AFTER_HELP: &str = "\
Output shapes:
  --json  one line per group: {\"type\": \"row\", \"data\": {key, reports, chars,
          series: [{query, mentions, passages_matching, reports_matching,
          reports_share, per_10k_chars}, …]}} with one series entry per query,
          in order (every measure, whatever --measure says); in a
          gap (a group without text, or a year without reports) the four
          figures are null. Then a \"summary\": {by, queries, rows, gaps,
          reports, chars, series: [totals per query]}.
  --csv   KEY,reports,chars,QUERY1,QUERY2,… with the --measure of each cell
          (rates per 10,000 characters by default; share as a fraction);
          empty cells in gaps.
  Every cell is the figure `count QUERY --by KEY` gives for that group.";

/// `trend --json` row and summary series entries.
///
/// The wire types of `trend` live here rather than in
/// [`crate::output::json`] because nothing else emits them; they follow
/// the same rules (serialize-only, borrowing).
#[derive(Serialize)]
struct SeriesJson<'a> {
    query: &'a str,
    mentions: Option<usize>,
    passages_matching: Option<usize>,
    reports_matching: Option<usize>,
    reports_share: Option<f64>,
    per_10k_chars: Option<f64>,
}

impl<'a> SeriesJson<'a> {
    fn new(query: &'a str, g: Option<&Group>) -> Self {
        SeriesJson {
            query,
            mentions: g.map(|g| g.mentions),
            passages_matching: g.map(|g| g.passages_matching),
            reports_matching: g.map(|g| g.reports_matching),
            reports_share: g.map(|g| (g.reports_share() * 10_000.0).round() / 10_000.0),
            per_10k_chars: g.map(|g| round3(g.per_10k_chars())),
        }
    }
}

#[derive(Serialize)]
struct RowJson<'a> {
    key: &'a str,
    reports: usize,
    chars: u64,
    series: Vec<SeriesJson<'a>>,
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    by: &'a str,
    queries: &'a [String],
    rows: usize,
    gaps: usize,
    reports: usize,
    chars: u64,
    series: Vec<SeriesJson<'a>>,
}

/// Rounded as `count --json` rounds, so the two agree to the digit.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Runs `baogao trend`.
pub fn run(ctx: &Ctx, a: TrendArgs) -> Result<Exit> {
    if let Some(path) = &a.svg {
        super::guard::check_output(path, "--svg", &ctx.corpus, &ctx.index)?;
    }
    let by = GroupBy::parse(&a.by).ok_or_else(|| {
        UsageError(format!("unknown --by key {:?}; use one of: {}", a.by, GroupBy::NAMES))
    })?;
    let measure = if a.raw {
        Measure::Mentions
    } else {
        Measure::parse(&a.measure).ok_or_else(|| {
            UsageError(format!(
                "unknown --measure {:?}; use rate, share, mentions or reports",
                a.measure
            ))
        })?
    };
    let filters = flag_filters(&a.filters)?;
    let labels: Vec<String> = a.queries.iter().map(|q| q.trim().to_string()).collect();
    let expand = |e: Expr| ctx.expand_concepts(e);
    let matchers = labels.iter().map(|q| matcher_of(q, &expand)).collect::<Result<Vec<_>>>()?;
    let reader = ctx.backend()?;
    warn_unmatched_places(&*reader, &filters);
    let trend = analysis::trend(&*reader, &matchers, &filters, by)?;

    if let Some(path) = &a.svg {
        let svg = chart::svg(&svg_chart(&trend, &labels, measure));
        std::fs::write(path, svg)
            .with_context(|| format!("cannot write the SVG chart to {}", path.display()))?;
        eprintln!("baogao: wrote the chart to {}", path.display());
    }

    let mut out = ctx.stdout(a.json || a.csv);
    if a.json {
        for row in &trend.rows {
            let series = labels
                .iter()
                .zip(&row.cells)
                .map(|(q, c)| SeriesJson::new(q, c.as_ref()))
                .collect();
            json::line(
                &mut out,
                "row",
                &RowJson { key: &row.key, reports: row.reports, chars: row.chars, series },
            )?;
        }
        let first = trend.totals.first();
        json::line(
            &mut out,
            "summary",
            &SummaryJson {
                by: by.name(),
                queries: &labels,
                rows: trend.rows.len(),
                gaps: trend.rows.iter().filter(|r| r.is_gap()).count(),
                reports: first.map_or(0, |g| g.reports),
                chars: first.map_or(0, |g| g.chars),
                series: labels
                    .iter()
                    .zip(&trend.totals)
                    .map(|(q, g)| SeriesJson::new(q, Some(g)))
                    .collect(),
            },
        )?;
    } else if a.csv {
        let mut headers: Vec<&str> = vec![by.name(), "reports", "chars"];
        headers.extend(labels.iter().map(String::as_str));
        let rows: Vec<Vec<String>> = trend
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.key.clone(), r.reports.to_string(), r.chars.to_string()];
                row.extend(r.cells.iter().map(|c| match c {
                    None => String::new(),
                    Some(g) if measure == Measure::Share => format!("{:.4}", g.reports_share()),
                    Some(g) => measure.format(g, 3),
                }));
                row
            })
            .collect();
        csv::write_table(&mut out, &headers, &rows)?;
    } else {
        print_human(&mut out, &trend, &labels, measure)?;
    }
    out.flush()?;
    let matched = trend.totals.iter().any(|g| g.mentions > 0 || g.passages_matching > 0);
    Ok(Exit::matched(matched))
}

/// One trend query: words to count, no filters of its own; `expand`
/// replaces its concepts (`@name`).
fn matcher_of(q: &str, expand: &dyn Fn(Expr) -> Result<Expr>) -> Result<Matcher> {
    let parsed = query::parse(q).map_err(|e| UsageError(format!("bad query {q:?}: {e}")))?;
    if !parsed.filters.is_empty() {
        return Err(UsageError(format!(
            "trend query {q:?} has filters of its own; give filters as flags (--year, --level, …) so that every column covers the same reports"
        ))
        .into());
    }
    let expr = parsed.expr.map(expand).transpose()?;
    let matcher = expr
        .as_ref()
        .map(Matcher::from_expr)
        .transpose()
        .map_err(|e| UsageError(format!("bad query {q:?}: {e}")))?
        .filter(|m| !m.positive_words().is_empty())
        .ok_or_else(|| UsageError(format!("trend query {q:?} has no words to count")))?;
    Ok(matcher)
}

/// The SVG chart of a trend: lines over an ordered key (year, decade),
/// grouped bars over any other. On a time line the `(unknown)` year or
/// decade is left out: it has no place on it (the table and JSON still
/// show it).
fn svg_chart(trend: &Trend, labels: &[String], measure: Measure) -> Chart {
    let ordered = trend.by.is_ordered();
    let rows: Vec<_> = trend.rows.iter().filter(|r| !(ordered && r.key == UNKNOWN)).collect();
    Chart {
        kind: if ordered { ChartKind::Lines } else { ChartKind::Bars },
        title: format!("{} — by {}", labels.join(" · "), trend.by.name()),
        y_label: measure.label().into(),
        x_labels: rows.iter().map(|r| r.key.clone()).collect(),
        series: labels
            .iter()
            .enumerate()
            .map(|(i, l)| Series {
                label: l.clone(),
                values: rows
                    .iter()
                    .map(|r| r.cells[i].as_ref().map(|g| measure.value(g)))
                    .collect(),
            })
            .collect(),
    }
}

/// The human table: key, reports, one value column per query, then one
/// bar lane per query (all bars on one scale, so lanes compare), then a
/// sparkline per query.
fn print_human(
    out: &mut dyn WriteColor,
    trend: &Trend,
    labels: &[String],
    measure: Measure,
) -> std::io::Result<()> {
    let fmt = |g: &Option<Group>| match g {
        None => "—".to_string(),
        Some(g) => measure.format(g, 2),
    };
    let names = super::place_names(trend.by, trend.rows.iter().map(|r| r.key.as_str()));
    let key_of = |key: &str| human::sanitize(&super::shown(&names, key));
    let mut headers: Vec<String> = vec![trend.by.name().to_string(), "reports".to_string()];
    headers.extend(labels.iter().map(|l| human::sanitize(l)));
    let cells: Vec<Vec<String>> = trend
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![key_of(&r.key), r.reports.to_string()];
            row.extend(r.cells.iter().map(fmt));
            row
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.width());
        }
    }
    let lane = (BARS_WIDTH / labels.len().max(1)).max(MIN_LANE);
    let max = trend
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().flatten())
        .map(|g| measure.value(g))
        .fold(0.0f64, f64::max);
    let text = |row: &[String]| -> String {
        row.iter()
            .enumerate()
            .map(|(i, c)| if i == 0 { human::pad(c, widths[i]) } else { human::rpad(c, widths[i]) })
            .collect::<Vec<_>>()
            .join("  ")
    };

    out.set_color(ColorSpec::new().set_bold(true))?;
    write!(out, "{}", text(&headers))?;
    if labels.len() > 1 {
        // Name the lanes too, so they can be told apart without color.
        let names: Vec<String> =
            labels.iter().map(|l| human::truncate(&human::sanitize(l), lane / 2)).collect();
        write!(out, "  ")?;
        for (i, n) in names.iter().enumerate() {
            let n = if i + 1 == names.len() { n.clone() } else { human::pad(n, lane) };
            write!(out, " {n}")?;
        }
    }
    out.reset()?;
    writeln!(out)?;
    for (row, r) in cells.iter().zip(&trend.rows) {
        write!(out, "{}", text(row))?;
        let bars: Vec<String> = r
            .cells
            .iter()
            .map(|c| {
                c.as_ref().map(|g| chart::bar(measure.value(g), max, lane)).unwrap_or_default()
            })
            .collect();
        // Lanes up to the last non-empty bar, so that lines carry no
        // trailing blanks.
        let used = bars.iter().rposition(|b| !b.is_empty()).map_or(0, |p| p + 1);
        if used > 0 {
            write!(out, "  ")?;
        }
        for (i, b) in bars[..used].iter().enumerate() {
            out.set_color(ColorSpec::new().set_fg(Some(COLORS[i % COLORS.len()])))?;
            write!(out, " {}", if i + 1 == used { b.clone() } else { human::pad(b, lane) })?;
            out.reset()?;
        }
        writeln!(out)?;
    }

    // Sparklines: the whole series at a glance, gaps as spaces. A sparkline
    // is a line chart, so only over an ordered key (years, decades); over
    // places or reports only each query's peak is named.
    let ordered = trend.by.is_ordered();
    if trend.rows.len() > 1 {
        writeln!(out)?;
        let label_w = labels.iter().map(|l| l.width()).max().unwrap_or(0);
        for (i, l) in labels.iter().enumerate() {
            let values: Vec<Option<f64>> =
                trend.rows.iter().map(|r| r.cells[i].as_ref().map(|g| measure.value(g))).collect();
            let peak = trend
                .rows
                .iter()
                .filter_map(|r| r.cells[i].as_ref().map(|g| (measure.value(g), &r.key)))
                .fold(None::<(f64, &String)>, |best, (v, k)| match best {
                    Some((b, _)) if b >= v => best,
                    _ => Some((v, k)),
                });
            write!(out, "{}", human::pad(&human::sanitize(l), label_w))?;
            if ordered {
                write!(out, "  ")?;
                out.set_color(ColorSpec::new().set_fg(Some(COLORS[i % COLORS.len()])))?;
                write!(out, "{}", chart::sparkline(&values))?;
                out.reset()?;
            }
            match peak {
                Some((v, k)) if v > 0.0 => {
                    let v = match measure {
                        Measure::Mentions | Measure::Reports => format!("{v}"),
                        Measure::Share => format!("{v:.1}%"),
                        Measure::Rate => format!("{v:.2}"),
                    };
                    writeln!(out, "  max {v} ({})", key_of(k))?
                }
                _ => writeln!(out, "  no mentions")?,
            }
        }
        if let (true, Some(first), Some(last)) = (ordered, trend.rows.first(), trend.rows.last()) {
            writeln!(
                out,
                "{}  {} … {}",
                " ".repeat(label_w),
                key_of(&first.key),
                key_of(&last.key)
            )?;
        }
    }
    writeln!(out, "{}; — = no text in the group", measure.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_words_without_filters() {
        let matcher_of = |q: &str| super::matcher_of(q, &Ok);
        assert!(matcher_of("依法行政").is_ok());
        assert!(matcher_of("法律顾问 全覆盖").is_ok());
        let err = matcher_of("依法行政 year:2020").unwrap_err().to_string();
        assert!(err.contains("flags"), "{err}");
        assert!(matcher_of("NOT 依法行政").is_err());
        assert!(matcher_of("(依法").is_err());
    }

    #[test]
    fn json_figures_round_like_count() {
        let g = Group { mentions: 1, chars: 30_000, ..Group::default() };
        let s = SeriesJson::new("q", Some(&g));
        assert_eq!(s.per_10k_chars, Some(0.333));
        assert_eq!(SeriesJson::new("q", None).mentions, None);
    }
}
