//! `baogao kwic QUERY`: the concordance, one line per mention — left
//! context, match, right context — aligned on the match.
//!
//! The lines come from [`crate::analysis::kwic`](mod@crate::analysis::kwic); their number is the
//! `mentions` that `count` reports for the same query and filters. Here we
//! only sort and lay them out. Alignment is by *display* width (a CJK
//! character takes two terminal columns, as `unicode-width` says), so the
//! matches of every line start in the same column: the left context is
//! right-aligned, and the report's place and year before it are padded to
//! one width. The report id comes last, after the (padded) right context,
//! where its length does not disturb the alignment.

use std::io::Write;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use termcolor::{Color, ColorSpec, WriteColor};
use unicode_width::UnicodeWidthStr;

use super::args::FilterArgs;
use super::{parse_query, warn_unmatched_places, Ctx, Exit, UsageError};
use crate::analysis::{self, KwicLine, KwicSort};
use crate::output::{csv, human, json};

/// `baogao kwic`.
#[derive(Debug, Args)]
#[command(after_long_help = KWIC_AFTER_HELP)]
pub struct KwicArgs {
    /// The query (as for search); every mention of its words (those not
    /// under NOT) is a line.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Characters of context on each side of the match.
    #[arg(long, short = 'w', default_value_t = 20, value_name = "N")]
    pub width: usize,
    /// Order of the lines: report (report and passage order), left (by the
    /// left context read backwards from the match), right (by the right
    /// context), year, place.
    #[arg(long, value_enum, default_value_t = SortArg::Report, value_name = "ORDER")]
    pub sort: SortArg,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// JSON Lines output: one `line` per mention, then a `summary`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: one row per mention.
    #[arg(long)]
    pub csv: bool,
}

/// `--sort` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Report and passage order.
    Report,
    /// By the left context, read backwards from the match.
    Left,
    /// By the right context.
    Right,
    /// By year, then report order.
    Year,
    /// By place (province, city, county, township), then year.
    Place,
}

impl From<SortArg> for KwicSort {
    fn from(s: SortArg) -> KwicSort {
        match s {
            SortArg::Report => KwicSort::Report,
            SortArg::Left => KwicSort::Left,
            SortArg::Right => KwicSort::Right,
            SortArg::Year => KwicSort::Year,
            SortArg::Place => KwicSort::Place,
        }
    }
}

/// The output shapes of `kwic`, for `kwic --help`.
const KWIC_AFTER_HELP: &str = "\
Output shapes:
  --json  one line per mention: {\"type\": \"line\", \"data\": {report, path, year,
          place, left, match, right, passage, start, end}} — report is the
          id, place a label (渠县有庆镇, 全国), passage the passage ordinal,
          start/end character offsets of the match into the passage's
          original text (half-open); left/right are the context as printed
          (line breaks as spaces). Then a \"summary\": {lines, passages, reports}.
  --csv   report,path,year,place,passage,start,end,left,match,right
  The number of lines equals the mentions `count` gives for the same query
  and filters.";

/// `kwic --json` lines (kept next to their only writer, like `trend`'s).
#[derive(Serialize)]
struct LineJson<'a> {
    report: &'a str,
    path: &'a str,
    year: Option<i32>,
    place: String,
    left: &'a str,
    #[serde(rename = "match")]
    matched: &'a str,
    right: &'a str,
    passage: u64,
    passage_id: String,
    start: usize,
    end: usize,
    /// A `NEAR` co-occurrence's other word (characters of the passage).
    partner: Option<Span>,
}

#[derive(Serialize)]
struct Span {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct SummaryJson {
    lines: usize,
    passages: usize,
    reports: usize,
}

/// Runs `baogao kwic`.
pub fn run(ctx: &Ctx, a: KwicArgs) -> Result<Exit> {
    let (matcher, filters) = parse_query(ctx, &a.query, &a.filters)?;
    let matcher = matcher
        .filter(|m| !m.positive_words().is_empty())
        .ok_or_else(|| UsageError("kwic needs words to show, not only filters or NOT".into()))?;
    let reader = ctx.backend()?;
    warn_unmatched_places(&*reader, &filters);
    let mut lines = analysis::kwic(&*reader, &matcher, &filters, a.width)?;
    analysis::kwic::sort(&mut lines, a.sort.into());
    let passages = {
        let mut p: Vec<(&str, u64)> =
            lines.iter().map(|l| (l.report.id.as_str(), l.ordinal)).collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    };
    let reports = {
        let mut r: Vec<&str> = lines.iter().map(|l| l.report.id.as_str()).collect();
        r.sort_unstable();
        r.dedup();
        r.len()
    };

    let mut out = ctx.stdout(a.json || a.csv);
    if a.json {
        for l in &lines {
            json::line(&mut out, "line", &line_json(l))?;
        }
        json::line(&mut out, "summary", &SummaryJson { lines: lines.len(), passages, reports })?;
    } else if a.csv {
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                let j = line_json(l);
                vec![
                    j.report.to_string(),
                    j.path.to_string(),
                    j.year.map(|y| y.to_string()).unwrap_or_default(),
                    j.place,
                    j.passage.to_string(),
                    j.start.to_string(),
                    j.end.to_string(),
                    j.left.to_string(),
                    j.matched.to_string(),
                    j.right.to_string(),
                ]
            })
            .collect();
        csv::write_table(
            &mut out,
            &[
                "report", "path", "year", "place", "passage", "start", "end", "left", "match",
                "right",
            ],
            &rows,
        )?;
    } else {
        print_human(&mut out, &lines)?;
        writeln!(
            out,
            "{} {} in {} {} of {} {}",
            lines.len(),
            if lines.len() == 1 { "mention" } else { "mentions" },
            passages,
            if passages == 1 { "passage" } else { "passages" },
            reports,
            if reports == 1 { "report" } else { "reports" },
        )?;
    }
    out.flush()?;
    Ok(Exit::matched(!lines.is_empty()))
}

fn line_json(l: &KwicLine) -> LineJson<'_> {
    LineJson {
        report: &l.report.id,
        path: &l.report.path,
        year: l.report.year,
        place: l.report.place_label(),
        left: &l.left,
        matched: &l.matched,
        right: &l.right,
        passage: l.ordinal,
        passage_id: crate::index::passage_id(&l.report.id, l.ordinal),
        start: l.start,
        end: l.end,
        partner: l.partner.as_ref().map(|r| Span { start: r.start, end: r.end }),
    }
}

/// The `place year` label in front of a line.
fn source_label(l: &KwicLine) -> String {
    let year = l.report.year.map(|y| y.to_string()).unwrap_or_else(|| "—".into());
    human::sanitize(&format!("{} {year}", l.report.place_label()))
}

/// Prints the lines aligned on the match: `source  left match right  id`,
/// one space on each side of the match.
fn print_human(out: &mut dyn WriteColor, lines: &[KwicLine]) -> std::io::Result<()> {
    let shown: Vec<[String; 4]> = lines
        .iter()
        .map(|l| {
            [
                source_label(l),
                human::sanitize(&l.left),
                human::sanitize(&l.matched),
                human::sanitize(&l.right),
            ]
        })
        .collect();
    let width = |i: usize| shown.iter().map(|s| s[i].width()).max().unwrap_or(0);
    let (source_w, left_w, right_w) = (width(0), width(1), width(3));
    let mut dim = ColorSpec::new();
    dim.set_fg(Some(Color::Cyan));
    let mut hot = ColorSpec::new();
    hot.set_fg(Some(Color::Red)).set_bold(true);
    for (l, [source, left, matched, right]) in lines.iter().zip(&shown) {
        out.set_color(&dim)?;
        write!(out, "{}", human::pad(source, source_w))?;
        out.reset()?;
        // A NEAR partner inside the context is highlighted like the match.
        let left_start = l.start - l.left.chars().count();
        write!(out, "  {}", " ".repeat(left_w.saturating_sub(left.width())))?;
        write_context(out, &l.left, left_start, l.partner.as_ref(), &hot)?;
        write!(out, " ")?;
        out.set_color(&hot)?;
        write!(out, "{matched}")?;
        out.reset()?;
        write!(out, " ")?;
        write_context(out, &l.right, l.end, l.partner.as_ref(), &hot)?;
        write!(out, "{}  ", " ".repeat(right_w.saturating_sub(right.width())))?;
        out.set_color(&dim)?;
        write!(out, "{}", l.report.id)?;
        out.reset()?;
        writeln!(out)?;
    }
    Ok(())
}

/// Writes one side of the context (`text`, which starts at character
/// `start` of the passage), with the part that falls in `partner` in the
/// `hot` colour.
fn write_context(
    out: &mut dyn WriteColor,
    text: &str,
    start: usize,
    partner: Option<&std::ops::Range<usize>>,
    hot: &ColorSpec,
) -> std::io::Result<()> {
    let chars: Vec<char> = text.chars().collect();
    let end = start + chars.len();
    let (a, b) = match partner {
        Some(p) if p.start < end && p.end > start => {
            (p.start.max(start) - start, p.end.min(end) - start)
        }
        _ => (chars.len(), chars.len()),
    };
    let piece = |r: std::ops::Range<usize>| human::sanitize(&chars[r].iter().collect::<String>());
    write!(out, "{}", piece(0..a))?;
    if a < b {
        out.set_color(hot)?;
        write!(out, "{}", piece(a..b))?;
        out.reset()?;
    }
    write!(out, "{}", piece(b..chars.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use clap::Parser;

    #[test]
    fn flags_parse() {
        let cli = Cli::try_parse_from(["baogao", "kwic", "枫桥经验", "--sort", "left", "-w", "8"])
            .unwrap();
        let Command::Kwic(k) = cli.command else { panic!() };
        assert_eq!((k.sort, k.width), (SortArg::Left, 8));
        assert!(Cli::try_parse_from(["baogao", "kwic", "x", "--sort", "weekday"]).is_err());
        assert!(Cli::try_parse_from(["baogao", "kwic", "x", "--json", "--csv"]).is_err());
        let cli = Cli::try_parse_from(["baogao", "kwic", "x"]).unwrap();
        let Command::Kwic(k) = cli.command else { panic!() };
        assert_eq!((k.sort, k.width), (SortArg::Report, 20));
    }
}
