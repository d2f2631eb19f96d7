//! `baogao reports --explain`: per report and field, the value, the clue it
//! came from and the candidates rejected (SPEC §1), as human text or as
//! JSON Lines (`{"type":"explain","data":{id, path, fields:[…]}}`).

use std::io::{self, Write};

use serde::Serialize;
use termcolor::{Color, ColorSpec, WriteColor};

use crate::corpus::evidence::{Clue, Evidence, Source, FIELDS};
use crate::corpus::Metadata;
use crate::index::ReportRecord;

use super::human::sanitize;

/// The value of a field as printed and in JSON (`null` when unknown).
fn value(m: &Metadata, field: &str) -> Option<String> {
    match field {
        "title" => m.title.clone(),
        "issuer" => m.issuer.clone(),
        "level" => m.level.map(|l| l.as_str().to_string()),
        "province" => m.province.clone(),
        "city" => m.city.clone(),
        "county" => m.county.clone(),
        "township" => m.township.clone(),
        "year" => m.year.map(|y| y.to_string()),
        "published" => m.published.clone(),
        _ => None,
    }
}

/// One field of an `explain` line.
#[derive(Serialize)]
pub struct FieldJson<'a> {
    field: &'static str,
    value: Option<String>,
    clue: Option<ClueJson<'a>>,
    rejected: Vec<RejectedJson<'a>>,
}

/// `explain.data`: a report's id and path, and every field's evidence.
#[derive(Serialize)]
pub struct ExplainJson<'a> {
    id: &'a str,
    path: &'a str,
    fields: Vec<FieldJson<'a>>,
}

impl<'a> ExplainJson<'a> {
    /// The `explain` line of a record.
    pub fn new(r: &'a ReportRecord, evidence: &'a Evidence) -> Self {
        let fields = FIELDS
            .iter()
            .map(|&field| {
                let ev = evidence.field(field).expect("FIELDS are fields");
                FieldJson {
                    field,
                    value: value(&r.meta, field),
                    clue: ev.clue.as_ref().map(|c| ClueJson::new(evidence, c)),
                    rejected: ev
                        .rejected
                        .iter()
                        .map(|x| RejectedJson {
                            value: &x.value,
                            clue: x.clue.as_ref().map(|c| ClueJson::new(evidence, c)),
                            reason: &x.reason,
                        })
                        .collect(),
                }
            })
            .collect();
        ExplainJson { id: &r.id, path: &r.path, fields }
    }
}

fn clue_text(ev: &Evidence, c: &Clue) -> String {
    let place = match c.line {
        Some(n) => format!("{}, line {n}", c.source.describe()),
        None => c.source.describe().to_string(),
    };
    let text = ev.text(c);
    if text.is_empty() {
        place
    } else {
        format!("{place}: {}", sanitize(text))
    }
}

/// A clue as JSON, its text restored where the stored evidence dropped a
/// repeat.
#[derive(Serialize)]
struct ClueJson<'a> {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    text: &'a str,
}

impl<'a> ClueJson<'a> {
    fn new(ev: &'a Evidence, c: &'a Clue) -> Self {
        ClueJson { source: c.source, line: c.line, text: ev.text(c) }
    }
}

/// A rejected candidate as JSON.
#[derive(Serialize)]
struct RejectedJson<'a> {
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    clue: Option<ClueJson<'a>>,
    reason: &'a str,
}

/// Prints the evidence of one report for a reader:
///
/// ```text
/// 9c79e6bc86  000_9c79e6bc865fa9b2.txt
///   county     渠县        title, line 1: 中共渠县有庆镇委员会 渠县有庆镇人民政府关于…
///              ✗ 大竹县    body, line 40: …  — 3 mention(s) against 12 for 渠县
/// ```
pub fn print(out: &mut dyn WriteColor, r: &ReportRecord) -> io::Result<()> {
    out.set_color(ColorSpec::new().set_fg(Some(Color::Green)).set_bold(true))?;
    write!(out, "{}", r.id)?;
    out.reset()?;
    writeln!(out, "  {}", sanitize(&r.path))?;
    let evidence = r.evidence.load();
    if evidence == Evidence::default() {
        writeln!(out, "  (no evidence recorded: reindex with `baogao index --full`)")?;
    }
    for field in FIELDS {
        let ev = evidence.field(field).expect("FIELDS are fields");
        let v = value(&r.meta, field).unwrap_or_else(|| "—".to_string());
        write!(out, "  {field:<9}  ")?;
        out.set_color(ColorSpec::new().set_bold(true))?;
        write!(out, "{}", sanitize(&v))?;
        out.reset()?;
        match &ev.clue {
            Some(c) => writeln!(out, "   ← {}", clue_text(&evidence, c))?,
            None => writeln!(out)?,
        }
        for rej in &ev.rejected {
            out.set_color(ColorSpec::new().set_fg(Some(Color::Red)))?;
            write!(out, "             ✗ {}", sanitize(&rej.value))?;
            out.reset()?;
            let at = rej
                .clue
                .as_ref()
                .map(|c| format!(" ({})", clue_text(&evidence, c)))
                .unwrap_or_default();
            writeln!(out, "{at} — {}", sanitize(&rej.reason))?;
        }
    }
    writeln!(out)
}

/// Writes the `explain` JSON line of one report.
pub fn json_line<W: Write>(out: &mut W, r: &ReportRecord) -> io::Result<()> {
    let evidence = r.evidence.load();
    super::json::line(out, "explain", &ExplainJson::new(r, &evidence))
}
