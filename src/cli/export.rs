//! `baogao export`: every passage (or every matching passage) with its
//! report's metadata, as a table for R, Stata or pandas.
//!
//! Rows come in report-path and passage order and are written as they are
//! read ([`crate::search::Searcher::for_each_match`]; from ClickHouse, the matches are collected first), so a corpus of any size exports in
//! bounded memory. `--format jsonl` writes one flat JSON object per passage
//! (no `{type, data}` envelope and no summary line: the file is data, read
//! with `pandas.read_json(lines=True)` or `jsonlite::stream_in`); `csv`
//! writes a header and one row per passage.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::args::FilterArgs;
use super::{flag_filters, parse_query, warn_unmatched_places, Ctx, Exit};
use crate::search::PassageDoc;

/// `baogao export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only passages matching this query (words, OR, NOT, NEAR, filters);
    /// without one, every passage that passes the filter flags.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// The file format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row (RFC 4180, UTF-8).
    Csv,
}

/// One exported passage.
#[derive(Serialize)]
struct Row<'a> {
    id: String,
    report: &'a str,
    path: &'a str,
    title: Option<&'a str>,
    province: Option<&'a str>,
    city: Option<&'a str>,
    county: Option<&'a str>,
    township: Option<&'a str>,
    level: Option<&'a str>,
    issuer: Option<&'a str>,
    year: Option<i32>,
    published: Option<&'a str>,
    ordinal: u64,
    kinds: String,
    heading: Option<&'a str>,
    heading_path: String,
    chars: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    mentions: Option<usize>,
    text: &'a str,
}

/// The CSV header, in [`Row`]'s order (mentions only with a query).
const HEADER: [&str; 19] = [
    "id",
    "report",
    "path",
    "title",
    "province",
    "city",
    "county",
    "township",
    "level",
    "issuer",
    "year",
    "published",
    "ordinal",
    "kinds",
    "heading",
    "heading_path",
    "chars",
    "mentions",
    "text",
];

impl<'a> Row<'a> {
    fn new(p: &'a PassageDoc, mentions: Option<usize>) -> Row<'a> {
        let r = &p.report;
        let m = &r.meta;
        Row {
            id: p.id(),
            report: &r.id,
            path: &r.path,
            title: m.title.as_deref(),
            province: m.province.as_deref(),
            city: m.city.as_deref(),
            county: m.county.as_deref(),
            township: m.township.as_deref(),
            level: m.level.map(|l| l.as_str()),
            issuer: m.issuer.as_deref(),
            year: m.year,
            published: m.published.as_deref(),
            ordinal: p.ordinal,
            kinds: p.kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(";"),
            heading: r.sections.get(p.section).and_then(|s| s.heading.as_deref()),
            heading_path: p.path.join(" › "),
            chars: crate::text::normalize(&p.text).chars().count(),
            mentions,
            text: &p.text,
        }
    }

    fn csv_record(&self) -> Vec<String> {
        let opt = |v: Option<&str>| v.unwrap_or("").to_string();
        let mut rec = vec![
            self.id.clone(),
            self.report.to_string(),
            self.path.to_string(),
            opt(self.title),
            opt(self.province),
            opt(self.city),
            opt(self.county),
            opt(self.township),
            opt(self.level),
            opt(self.issuer),
            self.year.map(|y| y.to_string()).unwrap_or_default(),
            opt(self.published),
            self.ordinal.to_string(),
            self.kinds.clone(),
            opt(self.heading),
            self.heading_path.clone(),
            self.chars.to_string(),
        ];
        if let Some(m) = self.mentions {
            rec.push(m.to_string());
        }
        rec.push(self.text.to_string());
        rec
    }
}

/// Runs `baogao export`.
pub fn run(ctx: &Ctx, a: ExportArgs) -> Result<Exit> {
    let (matcher, filters) = if a.query.is_empty() {
        (None, flag_filters(&a.filters)?)
    } else {
        parse_query(ctx, &a.query, &a.filters)?
    };
    let reader = ctx.backend()?;
    warn_unmatched_places(&*reader, &filters);
    let sink: Box<dyn Write> = match &a.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let out = std::io::BufWriter::new(sink);
    let with_mentions = matcher.is_some();
    let written = match a.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let header: Vec<&str> =
                HEADER.iter().copied().filter(|h| with_mentions || *h != "mentions").collect();
            w.write_record(&header)?;
            let n = reader.for_each_match(matcher.as_ref(), &filters, &mut |p, mentions| {
                let row = Row::new(p, with_mentions.then_some(mentions));
                w.write_record(row.csv_record()).map_err(std::io::Error::from)
            })??;
            w.flush()?;
            n
        }
        Format::Jsonl => {
            let mut out = out;
            let n = reader.for_each_match(matcher.as_ref(), &filters, &mut |p, mentions| {
                serde_json::to_writer(&mut out, &Row::new(p, with_mentions.then_some(mentions)))?;
                out.write_all(b"\n")
            })??;
            out.flush()?;
            n
        }
    };
    Ok(Exit::matched(written > 0))
}
