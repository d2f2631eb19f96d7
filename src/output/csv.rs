//! CSV output for the table commands (`--csv`): a header row, then one row
//! per table row, RFC 4180 quoting (the `csv` crate), UTF-8 without BOM.
//! Rows of records (hits, reports) flatten the `--json` fields: lists are
//! joined with `;` (or `+` inside one item), unknown values are empty.

use std::io::{self, Write};

use crate::corpus::SectionKind;
use crate::index::ReportRecord;
use crate::search::Hit;

/// Writes a header and rows as CSV.
pub fn write_table<W: Write>(out: W, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(headers)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.flush()
}

/// `search --csv` columns: the `--json` hit flattened, named as `baogao
/// export` names them (so the two tables join on `id`): rank and score,
/// the passage id, the report's id and metadata, the passage ordinal, the
/// section's kinds (joined with `;`), heading and heading path (joined with
/// ` › `), the matches as character ranges into `text` (`start-end`,
/// joined with `;`) and the original passage text. With `search
/// --collapse`, a `copies` column (the near-duplicates folded under the
/// hit) comes before `text`: see [`hit_header`].
pub const HIT_HEADER: [&str; 20] = [
    "rank",
    "score",
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
    "matches",
    "text",
];

/// The `search --csv` header: [`HIT_HEADER`], with `copies` before `text`
/// when hits are collapsed.
pub fn hit_header(copies: bool) -> Vec<&'static str> {
    let mut header = HIT_HEADER.to_vec();
    if copies {
        header.insert(header.len() - 1, "copies");
    }
    header
}

/// One `search --csv` row, in [`hit_header`]'s order; `rank` is 1-based.
/// The `copies` cell is there when the hit has a count of copies (`search
/// --collapse`).
pub fn hit_record(rank: usize, hit: &Hit) -> Vec<String> {
    let mut rec = vec![rank.to_string(), hit.score.to_string(), hit.id()];
    rec.extend(report_fields(&hit.report));
    rec.extend([
        hit.ordinal.to_string(),
        join_kinds(hit.kinds(), ";"),
        hit.heading().unwrap_or("").to_string(),
        hit.path.join(" › "),
        hit.matches.iter().map(|m| format!("{}-{}", m.start, m.end)).collect::<Vec<_>>().join(";"),
    ]);
    rec.extend(hit.copies.map(|n| n.to_string()));
    rec.push(hit.text.clone());
    rec
}

/// `reports --csv` columns: the `--json` report flattened. `sections` has
/// one item per section, joined with `;`, each its kinds joined with `+`
/// (`other;measures+plans`); `headings` the sections' headings in the same
/// order, joined with `;` (empty for a section without one).
pub const REPORT_HEADER: [&str; 14] = [
    "id",
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
    "chars",
    "sections",
    "headings",
];

/// One `reports --csv` row, in [`REPORT_HEADER`]'s order.
pub fn report_record(r: &ReportRecord) -> Vec<String> {
    let mut rec = vec![r.id.clone()];
    rec.extend(report_fields(r).into_iter().skip(1));
    rec.extend([
        r.chars.to_string(),
        r.sections.iter().map(|s| join_kinds(&s.kinds, "+")).collect::<Vec<_>>().join(";"),
        r.sections.iter().map(|s| s.heading.as_deref().unwrap_or("")).collect::<Vec<_>>().join(";"),
    ]);
    rec
}

/// A report's id, path and metadata, as the `report` … `published`
/// columns (empty cells for unknown values).
fn report_fields(r: &ReportRecord) -> [String; 11] {
    let m = &r.meta;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.id.clone(),
        r.path.clone(),
        opt(&m.title),
        opt(&m.province),
        opt(&m.city),
        opt(&m.county),
        opt(&m.township),
        m.level.map(|l| l.as_str().to_string()).unwrap_or_default(),
        opt(&m.issuer),
        m.year.map(|y| y.to_string()).unwrap_or_default(),
        opt(&m.published),
    ]
}

fn join_kinds(kinds: &[SectionKind], sep: &str) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting() {
        let mut out = Vec::new();
        write_table(&mut out, &["key", "n"], &[vec!["渠县,有庆镇".into(), "3".into()]]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "key,n\n\"渠县,有庆镇\",3\n");
    }
}
