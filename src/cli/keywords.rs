//! `baogao keywords`: the words overused in one sub-corpus against another
//! (keyness; the statistics are in [`crate::analysis::keyness`]).
//!
//! # The two sides
//!
//! Side A (the target) is given by the ordinary filter flags (`--year 2019
//! --level national`) and/or `--where "year:2019 level:national"`; both
//! merge. Side B (the reference) is `--vs`, read as *a change to A*:
//!
//! - a bare value (`--vs 2012`) replaces the values of A's one filter
//!   field, or of `year` when A has several fields (`--year 2019 --level
//!   national --vs 2012` compares national 2019 with national 2012);
//! - a filter query (`--vs "year:2012..2015"`, `--vs "county:渠县
//!   level:township"`) replaces the values of each field it names, and a
//!   place field (township, county, city, province, place) replaces all of
//!   A's place fields, so `--township 有庆镇 --vs county:渠县` compares the
//!   township with its county rather than with itself.
//!
//! Fields `--vs` does not name are shared by both sides. The header (and
//! the JSON summary) spell both sides out in full, and a warning says when
//! they share passages (keyness assumes two separate samples).
//!
//! # Output
//!
//! Human: one table per direction, ranked by G². `--json`: one `keyword`
//! line per row, `{side: "a"|"b", rank, word, count_a, count_b, per_10k_a,
//! per_10k_b, g2, log_ratio}`, then a `summary` `{a: SIDE, b: SIDE,
//! tested, significant, min_count, min_g2, min_chars, top, elapsed_ms}` where `SIDE` is
//! `{filters, reports, passages, words}`. `--csv`: a header and the same
//! rows as the JSON lines. Exit 0 with rows, 1 with none, 2 for an error
//! (an empty side, words in a filter string).

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::Args;
use serde::Serialize;
use termcolor::WriteColor;

use super::args::FilterArgs;
use super::{flag_filters, warn_unmatched_places, Ctx, Exit, UsageError};
use crate::analysis::keyness::{self, KeynessOptions, Keyword, Side};
use crate::output::{csv, human, json};
use crate::query::parse::FilterField;
use crate::query::{self, Filters};

/// `baogao keywords`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    baogao keywords --year 2019 --vs 2012 --level national\n  \
    baogao keywords --where \"year:2016..2019 level:national\" --vs \"year:2012..2015\"\n  \
    baogao keywords --township 有庆镇 --vs county:渠县")]
pub struct KeywordsArgs {
    /// Side A as filters (`"year:2019 level:national"`), merged with the
    /// filter flags.
    #[arg(long = "where", value_name = "FILTERS")]
    pub where_: Option<String>,
    /// Side B: a bare value of A's filter field (`--year 2019 --vs 2012`),
    /// or filters that replace A's (`--vs "year:2012..2015"`).
    #[arg(long, value_name = "FILTERS", required = true)]
    pub vs: String,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Leave out words seen fewer than N times in both sides together.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_count: u64,
    /// Show at most N words per direction.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// Leave out words shorter than N characters (1 brings back single
    /// characters, mostly function words and fragments).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_chars: usize,
    /// Leave out words whose G² is below this (3.84: p < 0.05, one degree
    /// of freedom; 0 keeps every word).
    #[arg(long, default_value_t = keyness::G2_P05, value_name = "G2")]
    pub min_g2: f64,
    /// JSON Lines output: one `keyword` per row, then a `summary`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: a header, then one row per word.
    #[arg(long)]
    pub csv: bool,
}

/// Runs `baogao keywords`.
pub fn run(ctx: &Ctx, args: KeywordsArgs) -> Result<Exit> {
    let started = Instant::now();
    let (a_filters, b_filters) = sides(&args)?;
    if a_filters == b_filters {
        bail!(UsageError(format!(
            "both sides are the same ({}); --vs must change something",
            describe(&a_filters)
        )));
    }
    let reader = ctx.backend()?;
    warn_unmatched_places(&*reader, &a_filters);
    // B usually shares A's places: warn about them once.
    if PLACE_FIELDS.iter().any(|&f| values(&a_filters, f) != values(&b_filters, f)) {
        warn_unmatched_places(&*reader, &b_filters);
    }
    let searcher = &*reader;
    let side = |filters: &Filters, name: &str| -> Result<SideData> {
        let passages = searcher.all_matches(None, filters)?;
        if passages.is_empty() {
            bail!(UsageError(format!(
                "side {name} ({}) has no passages: no indexed report matches it (see `baogao reports`)",
                describe(filters)
            )));
        }
        let keys: HashSet<(String, u64)> =
            passages.iter().map(|(p, _)| (p.report.id.clone(), p.ordinal)).collect();
        let reports = passages.iter().map(|(p, _)| p.report.id.as_str()).collect::<HashSet<_>>();
        let texts: Vec<&str> = passages.iter().map(|(_, norm)| norm.as_str()).collect();
        let counts = keyness::count_words(&texts);
        Ok(SideData {
            filters: describe(filters),
            reports: reports.len(),
            passages: passages.len(),
            counts,
            keys,
        })
    };
    let a = side(&a_filters, "A")?;
    let b = side(&b_filters, "B")?;
    let shared = a.keys.intersection(&b.keys).count();
    if shared > 0 {
        eprintln!(
            "baogao: warning: {shared} passages are on both sides; keyness compares two separate sub-corpora, so the shared text dilutes the differences"
        );
    }
    let opts = KeynessOptions {
        min_count: args.min_count,
        top: args.top,
        min_g2: args.min_g2,
        min_chars: args.min_chars,
    };
    let table = keyness::keyness(&a.counts, &b.counts, &opts);
    let rows: Vec<(usize, &Keyword)> = table
        .a
        .iter()
        .enumerate()
        .chain(table.b.iter().enumerate())
        .map(|(i, k)| (i + 1, k))
        .collect();

    let mut out = ctx.stdout(args.json || args.csv);
    if args.json {
        for &(rank, k) in &rows {
            json::line(&mut out, "keyword", &KeywordJson::new(rank, k))?;
        }
        json::line(
            &mut out,
            "summary",
            &SummaryJson {
                a: a.json(),
                b: b.json(),
                tested: table.tested,
                significant: table.significant,
                min_count: args.min_count,
                min_g2: args.min_g2,
                min_chars: args.min_chars,
                top: args.top,
                elapsed_ms: started.elapsed().as_millis() as u64,
            },
        )?;
    } else if args.csv {
        let csv_rows: Vec<Vec<String>> = rows
            .iter()
            .map(|&(rank, k)| {
                vec![
                    k.side.as_str().to_string(),
                    rank.to_string(),
                    k.word.clone(),
                    k.count_a.to_string(),
                    k.count_b.to_string(),
                    format!("{:.4}", k.per_10k_a),
                    format!("{:.4}", k.per_10k_b),
                    format!("{:.4}", k.g2),
                    format!("{:.4}", k.log_ratio),
                ]
            })
            .collect();
        csv::write_table(&mut out, &CSV_HEADERS, &csv_rows)?;
    } else {
        print_human(&mut out, &a, &b, &table, &opts)?;
    }
    out.flush()?;
    Ok(if rows.is_empty() { Exit::NoMatch } else { Exit::Success })
}

/// The CSV columns (the fields of a JSON `keyword` line).
const CSV_HEADERS: [&str; 9] =
    ["side", "rank", "word", "count_a", "count_b", "per_10k_a", "per_10k_b", "g2", "log_ratio"];

/// One side, counted.
struct SideData {
    filters: String,
    reports: usize,
    passages: usize,
    counts: keyness::WordCounts,
    /// (report id, ordinal) of each passage, to detect overlap.
    keys: HashSet<(String, u64)>,
}

impl SideData {
    fn json(&self) -> SideJson<'_> {
        SideJson {
            filters: &self.filters,
            reports: self.reports,
            passages: self.passages,
            words: self.counts.tokens,
        }
    }
}

/// `summary.data.a` / `.b`.
#[derive(Serialize)]
struct SideJson<'a> {
    filters: &'a str,
    reports: usize,
    passages: usize,
    words: u64,
}

/// `summary.data`.
#[derive(Serialize)]
struct SummaryJson<'a> {
    a: SideJson<'a>,
    b: SideJson<'a>,
    tested: usize,
    significant: usize,
    min_count: u64,
    min_g2: f64,
    min_chars: usize,
    top: usize,
    elapsed_ms: u64,
}

/// `keyword.data`.
#[derive(Serialize)]
struct KeywordJson<'a> {
    side: &'static str,
    rank: usize,
    word: &'a str,
    count_a: u64,
    count_b: u64,
    per_10k_a: f64,
    per_10k_b: f64,
    g2: f64,
    log_ratio: f64,
}

impl<'a> KeywordJson<'a> {
    fn new(rank: usize, k: &'a Keyword) -> Self {
        KeywordJson {
            side: k.side.as_str(),
            rank,
            word: &k.word,
            count_a: k.count_a,
            count_b: k.count_b,
            per_10k_a: round(k.per_10k_a),
            per_10k_b: round(k.per_10k_b),
            g2: round(k.g2),
            log_ratio: round(k.log_ratio),
        }
    }
}

/// Four decimals are plenty for these statistics and keep lines short.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn print_human(
    out: &mut termcolor::BufferedStandardStream,
    a: &SideData,
    b: &SideData,
    table: &keyness::KeynessTable,
    opts: &KeynessOptions,
) -> Result<()> {
    for (name, s) in [("A", a), ("B", b)] {
        writeln!(
            out,
            "{name}  {}  ({} {}, {} passages, {} words)",
            s.filters,
            s.reports,
            if s.reports == 1 { "report" } else { "reports" },
            s.passages,
            s.counts.tokens
        )?;
    }
    writeln!(
        out,
        "{} words of {}+ characters seen {}+ times; {} differ with G² ≥ {} (3.84: p < 0.05; 10.83: p < 0.001)",
        table.tested, opts.min_chars, opts.min_count, table.significant, opts.min_g2
    )?;
    for (side, rows) in [(Side::A, &table.a), (Side::B, &table.b)] {
        let label = match side {
            Side::A => format!("Overused in A ({})", a.filters),
            Side::B => format!("Overused in B ({})", b.filters),
        };
        writeln!(out)?;
        out.set_color(termcolor::ColorSpec::new().set_bold(true).set_fg(Some(match side {
            Side::A => termcolor::Color::Green,
            Side::B => termcolor::Color::Magenta,
        })))?;
        writeln!(out, "{label}")?;
        out.reset()?;
        if rows.is_empty() {
            writeln!(out, "  (none)")?;
            continue;
        }
        let body: Vec<Vec<String>> = rows
            .iter()
            .enumerate()
            .map(|(i, k)| {
                vec![
                    (i + 1).to_string(),
                    k.word.clone(),
                    k.count_a.to_string(),
                    k.count_b.to_string(),
                    format!("{:.1}", k.per_10k_a),
                    format!("{:.1}", k.per_10k_b),
                    format!("{:.1}", k.g2),
                    format!("{:+.2}", k.log_ratio),
                ]
            })
            .collect();
        human::print_table(
            out,
            &["#", "word", "A", "B", "A/10k", "B/10k", "G²", "log₂ratio"],
            &body,
            2,
        )?;
    }
    writeln!(
        out,
        "\nA/10k, B/10k: per 10,000 words; log₂ratio: +1 = twice as frequent in A, −1 = twice as frequent in B (a zero count taken as 0.5)"
    )?;
    Ok(())
}

/// The two sides' filters (see the module docs).
fn sides(args: &KeywordsArgs) -> Result<(Filters, Filters)> {
    let mut a = flag_filters(&args.filters)?;
    if let Some(w) = &args.where_ {
        a.merge(filter_query("--where", w)?);
    }
    let vs = args.vs.trim();
    let mut b = a.clone();
    if vs.contains(':') || vs.contains('：') {
        let change = filter_query("--vs", vs)?;
        let named: Vec<FilterField> =
            FilterField::ALL.into_iter().filter(|&f| !values(&change, f).is_empty()).collect();
        if named.iter().any(|f| PLACE_FIELDS.contains(f)) {
            PLACE_FIELDS.iter().for_each(|&f| clear(&mut b, f));
        }
        named.iter().for_each(|&f| clear(&mut b, f));
        b.merge(change);
    } else {
        let set: Vec<FilterField> =
            FilterField::ALL.into_iter().filter(|&f| !values(&a, f).is_empty()).collect();
        let field = match set.as_slice() {
            [] => bail!(UsageError(format!(
                "--vs {vs:?} is a bare value, but side A has no filter for it to replace; give A with a filter flag (--year 2022 --vs 2012) or write --vs field:value"
            ))),
            [one] => *one,
            several if several.contains(&FilterField::Year) => FilterField::Year,
            several => bail!(UsageError(format!(
                "--vs {vs:?} is ambiguous: side A filters on {}; write --vs field:value",
                several.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            ))),
        };
        clear(&mut b, field);
        b.add(field, vs).map_err(|e| {
            UsageError(format!("invalid --vs value {vs:?} for {}: {e}", field.name()))
        })?;
    }
    Ok((a, b))
}

/// Fields that name a place: one replaces them all.
const PLACE_FIELDS: [FilterField; 5] = [
    FilterField::Township,
    FilterField::County,
    FilterField::City,
    FilterField::Province,
    FilterField::Place,
];

/// Parses a filter-only query (`year:2012..2015 level:national`).
fn filter_query(flag: &str, text: &str) -> Result<Filters> {
    let q = query::parse(text).map_err(|e| UsageError(format!("bad {flag} filters: {e}")))?;
    if let Some(expr) = &q.expr {
        let words = expr.positive_words();
        bail!(UsageError(format!(
            "{flag} takes only filters (like \"year:2012..2015 level:national\"), not words: {}",
            if words.is_empty() { text.to_string() } else { words.join(" ") }
        )));
    }
    Ok(q.filters)
}

/// The filter values of a field, rendered as typed in a query.
fn values(f: &Filters, field: FilterField) -> Vec<String> {
    match field {
        FilterField::Year => f.years.iter().map(|y| y.to_string()).collect(),
        FilterField::Township => f.township.clone(),
        FilterField::County => f.county.clone(),
        FilterField::City => f.city.clone(),
        FilterField::Province => f.province.clone(),
        FilterField::Place => f.place.clone(),
        FilterField::Level => f.level.iter().map(|l| l.as_str().to_string()).collect(),
        FilterField::Section => f.section.iter().map(|s| s.as_str().to_string()).collect(),
    }
}

/// Removes every value of a field.
fn clear(f: &mut Filters, field: FilterField) {
    match field {
        FilterField::Year => f.years.clear(),
        FilterField::Township => f.township.clear(),
        FilterField::County => f.county.clear(),
        FilterField::City => f.city.clear(),
        FilterField::Province => f.province.clear(),
        FilterField::Place => f.place.clear(),
        FilterField::Level => f.level.clear(),
        FilterField::Section => f.section.clear(),
    }
}

/// Filters as a query string (`year:2019 level:national`; several values
/// of a field are alternatives, written `year:2012|2013`).
pub fn describe(f: &Filters) -> String {
    let parts: Vec<String> = FilterField::ALL
        .into_iter()
        .filter_map(|field| {
            let v = values(f, field);
            (!v.is_empty()).then(|| format!("{}:{}", field.name(), v.join("|")))
        })
        .collect();
    if parts.is_empty() {
        "(whole corpus)".to_string()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use clap::Parser;

    fn parse(argv: &[&str]) -> KeywordsArgs {
        let mut full = vec!["baogao", "keywords"];
        full.extend_from_slice(argv);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Keywords(k) => k,
            other => panic!("{other:?}"),
        }
    }

    fn sides_of(argv: &[&str]) -> Result<(String, String)> {
        let (a, b) = sides(&parse(argv))?;
        Ok((describe(&a), describe(&b)))
    }

    #[test]
    fn bare_vs_replaces_the_year() {
        let (a, b) = sides_of(&["--year", "2019", "--vs", "2012", "--level", "national"]).unwrap();
        assert_eq!(a, "year:2019 level:national");
        assert_eq!(b, "year:2012 level:national");
        let (a, b) = sides_of(&["--province", "四川", "--vs", "浙江"]).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("province:四川", "province:浙江"));
    }

    #[test]
    fn filter_vs_replaces_what_it_names() {
        let (a, b) =
            sides_of(&["--where", "year:2016..2019 level:national", "--vs", "year:2012..2015"])
                .unwrap();
        assert_eq!(a, "year:2016..2019 level:national");
        assert_eq!(b, "year:2012..2015 level:national");
        let (a, b) =
            sides_of(&["--township", "有庆镇", "--year", "2024", "--vs", "county:渠县"]).unwrap();
        assert_eq!(a, "year:2024 township:有庆镇");
        assert_eq!(b, "year:2024 county:渠县");
    }

    #[test]
    fn bad_sides_are_usage_errors() {
        for argv in [
            &["--vs", "2012"][..],
            &["--province", "四川", "--level", "county", "--vs", "x"],
            &["--where", "法律顾问 year:2019", "--vs", "year:2012"],
            &["--year", "2019", "--vs", "year:2012 枫桥"],
            &["--year", "2019", "--vs", "20x2"],
        ] {
            let err = sides_of(argv).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{argv:?}: {err}");
        }
    }
}
