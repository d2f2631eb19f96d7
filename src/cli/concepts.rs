//! `baogao concepts`: the named queries (`@name`) in effect, where each was
//! defined, and how much each matches on the index.
//!
//! The counts are those of `baogao count @name` over the same filters
//! (reports matching, passages matching, mentions), so the two always
//! agree. Each concept costs one pass over the candidate passages; with a
//! dozen concepts that is a dozen counts, which is fine at the scale of a
//! research corpus and keeps this command a thin loop over
//! [`analysis::count()`].

use std::io::Write;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use termcolor::{ColorSpec, WriteColor};

use super::args::FilterArgs;
use super::{flag_filters, warn_unmatched_places, Ctx, Exit, UsageError};
use crate::analysis::{self, Group, GroupBy};
use crate::output::{csv, human, json};
use crate::query::concepts::Concept;
use crate::query::{Expr, Matcher};

/// `baogao concepts`.
#[derive(Debug, Args)]
#[command(after_long_help = CONCEPTS_AFTER_HELP)]
pub struct ConceptsArgs {
    /// Only these concepts (with or without the `@`); all by default.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    #[allow(missing_docs)] // clap flattens the filter flags here
    #[command(flatten)]
    pub filters: FilterArgs,
    /// JSON Lines output: one `concept` per concept, then a `summary`.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: a header, then one row per concept.
    #[arg(long)]
    pub csv: bool,
}

/// The output shapes of `concepts`, for `concepts --help`.
const CONCEPTS_AFTER_HELP: &str = "\
Output shapes:
  --json  one line per concept, {\"type\": \"concept\", \"data\": {name, source,
          query, description, reports_matching, passages_matching, mentions,
          per_10k_chars}}, source being \"default\" or the file's path, then a
          \"summary\" {concepts, reports, chars, elapsed_ms} (reports and
          characters searched, after the filters).
  --csv   name, source, query, description, reports_matching,
          passages_matching, mentions, per_10k_chars; one row per concept.
  The counts are those of `baogao count @NAME` with the same filters.";

/// One concept with its counts.
struct Row<'a> {
    concept: &'a Concept,
    counts: Group,
}

/// A `concept` line.
#[derive(Serialize)]
struct ConceptJson<'a> {
    name: &'a str,
    source: String,
    query: &'a str,
    description: Option<&'a str>,
    reports_matching: usize,
    passages_matching: usize,
    mentions: usize,
    per_10k_chars: f64,
}

/// The `summary` line.
#[derive(Serialize)]
struct SummaryJson {
    concepts: usize,
    reports: usize,
    chars: u64,
    elapsed_ms: u64,
}

/// Runs `baogao concepts`.
pub fn run(ctx: &Ctx, a: ConceptsArgs) -> Result<Exit> {
    let started = Instant::now();
    let concepts = ctx.concepts()?;
    let filters = flag_filters(&a.filters)?;
    let mut chosen: Vec<&Concept> = Vec::new();
    for name in &a.names {
        let name = name.strip_prefix('@').unwrap_or(name);
        // Expanding `@name` gives the usual "unknown concept" message with
        // the known names, closest first.
        concepts.expand(&Expr::Concept(name.to_string())).map_err(|e| UsageError(e.to_string()))?;
        chosen.extend(concepts.get(name));
    }
    if a.names.is_empty() {
        chosen = concepts.iter().collect();
    }

    let reader = ctx.backend()?;
    warn_unmatched_places(&*reader, &filters);
    let mut rows = Vec::with_capacity(chosen.len());
    let mut scope = Group::default();
    for concept in chosen {
        let expr = concepts.expand(&concept.expr).map_err(|e| UsageError(e.to_string()))?;
        let matcher = Matcher::from_expr(&expr)
            .map_err(|e| UsageError(format!("concept @{}: {e}", concept.name)))?;
        // Grouping by level is arbitrary: only the summary is used.
        let counts = analysis::count(&*reader, &matcher, &filters, GroupBy::Level)?.summary;
        scope = counts.clone();
        rows.push(Row { concept, counts });
    }
    // `rows` is never empty: the defaults are always there, and names
    // were checked above.

    let mut out = ctx.stdout(a.json || a.csv);
    if a.json {
        for r in &rows {
            json::line(
                &mut out,
                "concept",
                &ConceptJson {
                    name: &r.concept.name,
                    source: r.concept.source.to_string(),
                    query: &r.concept.query,
                    description: r.concept.description.as_deref(),
                    reports_matching: r.counts.reports_matching,
                    passages_matching: r.counts.passages_matching,
                    mentions: r.counts.mentions,
                    per_10k_chars: (r.counts.per_10k_chars() * 1000.0).round() / 1000.0,
                },
            )?;
        }
        json::line(
            &mut out,
            "summary",
            &SummaryJson {
                concepts: rows.len(),
                reports: scope.reports,
                chars: scope.chars,
                elapsed_ms: started.elapsed().as_millis() as u64,
            },
        )?;
    } else if a.csv {
        let headers = [
            "name",
            "source",
            "query",
            "description",
            "reports_matching",
            "passages_matching",
            "mentions",
            "per_10k_chars",
        ];
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.concept.name.clone(),
                    r.concept.source.to_string(),
                    r.concept.query.clone(),
                    r.concept.description.clone().unwrap_or_default(),
                    r.counts.reports_matching.to_string(),
                    r.counts.passages_matching.to_string(),
                    r.counts.mentions.to_string(),
                    format!("{:.3}", r.counts.per_10k_chars()),
                ]
            })
            .collect();
        csv::write_table(&mut out, &headers, &table)?;
    } else {
        print_human(&mut out, &rows, &scope)?;
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// The table of counts, then each concept's definition.
fn print_human(out: &mut dyn WriteColor, rows: &[Row], scope: &Group) -> Result<()> {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format!("@{}", r.concept.name),
                r.concept.source.to_string(),
                r.counts.reports_matching.to_string(),
                r.counts.passages_matching.to_string(),
                r.counts.mentions.to_string(),
                format!("{:.2}", r.counts.per_10k_chars()),
            ]
        })
        .collect();
    let headers = ["concept", "source", "reports", "passages", "mentions", "per 10k"];
    human::print_table(out, &headers, &table, 2)?;
    writeln!(
        out,
        "{} {} · {} reports searched",
        rows.len(),
        if rows.len() == 1 { "concept" } else { "concepts" },
        scope.reports
    )?;
    for r in rows {
        writeln!(out)?;
        out.set_color(ColorSpec::new().set_bold(true))?;
        write!(out, "@{}", human::sanitize(&r.concept.name))?;
        out.reset()?;
        match &r.concept.description {
            Some(d) => writeln!(out, "  {}", human::sanitize(d))?,
            None => writeln!(out)?,
        }
        writeln!(out, "    {}", human::sanitize(&r.concept.query))?;
    }
    Ok(())
}
