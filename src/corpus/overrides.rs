//! `metadata.csv`: corrections of the extracted metadata for many reports
//! at once, in one table at the corpus root.
//!
//! A researcher who receives a batch of reports usually already knows where
//! each comes from (a spreadsheet of downloads); one row per report is less
//! work than one sidecar per report. The table is read once per build
//! ([`MetadataTable::load`]) and applied to each report as it is read
//! ([`MetadataTable::apply`], from [`super::read`]).
//!
//! ```csv
//! path,province,city,county,township,level,year,published
//! 渠县/有庆镇2023.txt,四川省,达州市,渠县,有庆镇,township,2023,2024-01-15
//! 重庆/燕山乡.docx,重庆市,-,万州区,燕山乡,,,
//! ```
//!
//! - Columns: `path` (required: relative to the corpus root, `/` or `\`
//!   as separator, a leading `./` allowed) and any of the SPEC §1 fields
//!   `title province city county township level issuer year published`,
//!   in any order; header names are matched case-insensitively.
//! - Cells: an **empty cell leaves the extracted value unchanged** (so a
//!   table can fill in one column and leave the rest alone); `-` or `null`
//!   **forces the field to null** (e.g. `city` for a report of 重庆). This
//!   differs from sidecars, where an empty string means null: there a key
//!   that is absent already means "unchanged", in a table every row has
//!   every column. Values are checked exactly as in sidecars
//!   ([`sidecar::set_field`]): `year` an integer in 1900..=2100,
//!   `published` `YYYY-MM-DD`, `level` an English level or a Chinese alias.
//! - Encoding: whatever [`decode`] reads (UTF-8 with or without BOM, GBK as
//!   Excel saves a CSV on a Chinese Windows, UTF-16 with BOM).
//! - Precedence: extracted < `metadata.csv` < the report's own sidecar
//!   `NAME.meta.toml`, the most specific file winning.
//!
//! Problems never stop a build and never discard more than they must: an
//! unknown column loses that column, a duplicate or unknown path loses that
//! row, a bad value loses that cell. Each is a message naming
//! `metadata.csv` and the line. Structural problems are found by
//! [`MetadataTable::load`] (once per build); bad values by
//! [`MetadataTable::apply`], when the row meets the report it corrects.

use std::collections::HashMap;
use std::path::Path;

use super::decode;
use super::report::Metadata;
use super::sidecar::{self, FieldValue, KEYS};
use super::walk::{self, FileKind};
use super::SkipReason;

/// The file name of the table, at the corpus root.
pub const FILE_NAME: &str = "metadata.csv";

/// The rows of `metadata.csv`, by report path. [`Default`] is the empty
/// table (no `metadata.csv`).
#[derive(Debug, Clone, Default)]
pub struct MetadataTable {
    rows: HashMap<String, Row>,
}

/// One row: where it is and its non-empty cells.
#[derive(Debug, Clone)]
struct Row {
    /// 1-based line of the row in the file.
    line: u64,
    /// `(key, trimmed cell)` for the non-empty cells, in [`KEYS`] order.
    cells: Vec<(&'static str, String)>,
}

impl MetadataTable {
    /// Loads `CORPUS/metadata.csv` if present (empty table otherwise).
    ///
    /// Problems (undecodable file, CSV syntax, no `path` column, unknown
    /// column, row for a path that is not a report in the corpus, duplicate
    /// path, too many cells) are returned as messages starting with
    /// `metadata.csv: line N:`; the bad columns and rows are ignored, and
    /// everything else is loaded. Cell values are checked later, by
    /// [`MetadataTable::apply`].
    pub fn load(corpus_root: &Path) -> (MetadataTable, Vec<String>) {
        let path = corpus_root.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (MetadataTable::default(), Vec::new())
            }
            Err(e) => {
                return (MetadataTable::default(), vec![format!("{FILE_NAME}: cannot read: {e}")])
            }
        };
        let text = match decode::decode(&bytes) {
            Ok(d) => d.text,
            Err(SkipReason::Empty) => return (MetadataTable::default(), Vec::new()),
            Err(reason) => {
                return (MetadataTable::default(), vec![format!("{FILE_NAME}: ignored: {reason}")])
            }
        };
        MetadataTable::parse(&text, |rel| check_path(corpus_root, rel))
    }

    /// Parses the text of a table; `check` says why a path is not a report
    /// of the corpus (`None` if it is).
    fn parse(text: &str, check: impl Fn(&str) -> Option<String>) -> (MetadataTable, Vec<String>) {
        let mut messages = Vec::new();
        let mut table = MetadataTable::default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            // Ragged rows are common in hand-edited tables: we report
            // extra cells ourselves and treat missing ones as empty.
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                messages.push(format!("{FILE_NAME}: line 1: cannot read the header: {e}"));
                return (table, messages);
            }
        };
        // Column index -> key (None: ignored column).
        let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
        let mut path_column = None;
        for (i, name) in headers.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            let key = if lower == "path" {
                if path_column.is_none() {
                    path_column = Some(i);
                } else {
                    messages.push(format!(
                        "{FILE_NAME}: line 1: second \"path\" column (column {}) ignored",
                        i + 1
                    ));
                }
                None
            } else if let Some(key) = KEYS.iter().find(|k| **k == lower) {
                if columns.contains(&Some(*key)) {
                    messages.push(format!(
                        "{FILE_NAME}: line 1: second {key:?} column (column {}) ignored",
                        i + 1
                    ));
                    None
                } else {
                    Some(*key)
                }
            } else {
                messages.push(format!(
                    "{FILE_NAME}: line 1: unknown column {name:?} ignored (known: path, {})",
                    KEYS.join(", ")
                ));
                None
            };
            columns.push(key);
        }
        let Some(path_column) = path_column else {
            messages.push(format!(
                "{FILE_NAME}: line 1: no \"path\" column, the table is ignored \
                 (the header must name the columns: path, {})",
                KEYS.join(", ")
            ));
            return (table, messages);
        };

        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let at = e.position().map(|p| p.line()).unwrap_or(0);
                    messages.push(format!("{FILE_NAME}: line {at}: {e}; row ignored"));
                    continue;
                }
            };
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let at = |msg: String| format!("{FILE_NAME}: line {line}: {msg}");
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() > headers.len() {
                messages.push(at(format!(
                    "{} cells but the header has {}; the extra cells are ignored",
                    record.len(),
                    headers.len()
                )));
            }
            let Some(rel) = record.get(path_column).map(normalize_path).filter(|p| !p.is_empty())
            else {
                messages.push(at("no path; row ignored".into()));
                continue;
            };
            if let Some(first) = table.rows.get(&rel) {
                messages.push(at(format!(
                    "second row for {rel:?} (the first is on line {}); row ignored",
                    first.line
                )));
                continue;
            }
            if let Some(why) = check(&rel) {
                messages.push(at(format!("{why}; row ignored")));
                continue;
            }
            let mut cells: Vec<(&'static str, String)> = columns
                .iter()
                .zip(record.iter())
                .filter_map(|(key, cell)| Some(((*key)?, cell)))
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(key, cell)| (key, cell.to_string()))
                .collect();
            cells.sort_by_key(|(key, _)| KEYS.iter().position(|k| k == key));
            table.rows.insert(rel, Row { line, cells });
        }
        (table, messages)
    }

    /// Applies the row for `rel` (a corpus-relative, `/`-separated path),
    /// if there is one, to `meta`. Returns one message per bad cell
    /// (`metadata.csv: line 4: bad year "20x0": expected a number`); the
    /// field of a bad cell keeps its value, the other cells apply.
    pub fn apply(&self, rel: &str, meta: &mut Metadata) -> Vec<String> {
        let Some(row) = self.rows.get(rel) else { return Vec::new() };
        row.cells
            .iter()
            .filter_map(|(key, cell)| {
                sidecar::set_field(meta, key, cell_value(cell))
                    .err()
                    .map(|msg| format!("{FILE_NAME}: line {}: {msg}", row.line))
            })
            .collect()
    }

    /// A fingerprint of the overrides that apply to `rel` (blake3 hex of
    /// the row's non-empty cells, in a fixed order, null markers unified),
    /// `None` if the table has no row for it. Reordering columns or rows,
    /// or re-saving the file in another encoding, keeps it; changing a
    /// value changes it. The incremental indexer compares it to notice an
    /// override change in a report whose own bytes did not change.
    pub fn fingerprint(&self, rel: &str) -> Option<String> {
        let row = self.rows.get(rel)?;
        let mut hasher = blake3::Hasher::new();
        for (key, cell) in &row.cells {
            let value = match cell_value(cell) {
                FieldValue::Null => "\u{0}null",
                FieldValue::Text(s) => s,
                FieldValue::Integer(_) => unreachable!("cells are text"),
            };
            hasher.update(key.as_bytes());
            hasher.update(b"\x1f");
            hasher.update(value.as_bytes());
            hasher.update(b"\x1e");
        }
        Some(hasher.finalize().to_hex().to_string())
    }

    /// Number of rows loaded.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there is no `metadata.csv` (or it has no usable row).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A non-empty cell as a field value: `-` and `null` force null.
fn cell_value(cell: &str) -> FieldValue<'_> {
    if cell == "-" || cell.eq_ignore_ascii_case("null") {
        FieldValue::Null
    } else {
        FieldValue::Text(cell)
    }
}

/// `.\a\b.txt` → `a/b.txt`: the form of [`walk::CorpusFile::rel`].
fn normalize_path(cell: &str) -> String {
    let mut p = cell.trim().replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p.trim_start_matches('/').to_string()
}

/// Why `rel` is not a report of the corpus at `root`, if it is not.
fn check_path(root: &Path, rel: &str) -> Option<String> {
    if rel.split('/').any(|c| c == ".." || c == ".") {
        return Some(format!("{rel:?} is not a path inside the corpus"));
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match walk::kind_of(name) {
        None => return Some(format!("{rel:?} is not a report (reports are .txt, .html, .docx)")),
        Some(FileKind::Skip(_)) => return None, // listed and skipped with advice anyway
        Some(_) => {}
    }
    match std::fs::metadata(root.join(rel)) {
        Ok(m) if m.is_file() => None,
        Ok(_) => Some(format!("{rel:?} is not a file")),
        Err(_) => Some(format!("no file {rel:?} in the corpus")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (MetadataTable, Vec<String>) {
        MetadataTable::parse(text, |rel| (rel == "missing.txt").then(|| "no file".to_string()))
    }

    fn extracted() -> Metadata {
        Metadata {
            title: Some("报告".into()),
            province: Some("安徽省".into()),
            city: Some("马鞍山市".into()),
            year: Some(2019),
            ..Metadata::default()
        }
    }

    #[test]
    fn valid_rows_apply_empty_cells_keep_dash_nulls() {
        let (table, msgs) = parse(
            "path,Province,city,county,township,level,year,published,title\n\
             ./a\\b.txt, 重庆市 ,-,万州区,燕山乡,乡镇,2020,2021-1-5,\n\
             c.txt,,,,,,,,\n",
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(table.len(), 2);
        let mut m = extracted();
        assert!(table.apply("a/b.txt", &mut m).is_empty());
        assert_eq!(m.province.as_deref(), Some("重庆市"));
        assert_eq!(m.city, None, "- forces null");
        assert_eq!(m.township.as_deref(), Some("燕山乡"));
        assert_eq!(m.level, Some(crate::corpus::Level::Township));
        assert_eq!(m.year, Some(2020));
        assert_eq!(m.published.as_deref(), Some("2021-01-05"));
        assert_eq!(m.title.as_deref(), Some("报告"), "empty cell leaves it");
        // A row of empty cells changes nothing; no row, nothing either.
        let mut m = extracted();
        assert!(table.apply("c.txt", &mut m).is_empty());
        assert!(table.apply("other.txt", &mut m).is_empty());
        assert_eq!(m, extracted());
    }

    #[test]
    fn problems_are_reported_with_lines_and_the_rest_applies() {
        let (table, msgs) = parse(
            "path,yaer,year,county\n\
             a.txt,2020,20x0,渠县\n\
             missing.txt,,2020,\n\
             a.txt,,2021,\n\
             ,,2021,\n\
             b.txt,,2022,x,extra\n\
             c.txt,,null,\n",
        );
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(msgs[0].starts_with("metadata.csv: line 1: unknown column \"yaer\""), "{msgs:?}");
        assert!(msgs[1].starts_with("metadata.csv: line 3: no file"), "{msgs:?}");
        assert!(
            msgs[2].starts_with(
                "metadata.csv: line 4: second row for \"a.txt\" (the first is on line 2)"
            ),
            "{msgs:?}"
        );
        assert!(msgs[3].starts_with("metadata.csv: line 5: no path"), "{msgs:?}");
        assert!(
            msgs[4].starts_with("metadata.csv: line 6: 5 cells but the header has 4"),
            "{msgs:?}"
        );
        let mut m = extracted();
        let errs = table.apply("a.txt", &mut m);
        assert_eq!(errs, vec!["metadata.csv: line 2: bad year \"20x0\": expected a number"]);
        assert_eq!((m.year, m.county.as_deref()), (Some(2019), Some("渠县")));
        let mut m = extracted();
        assert!(table.apply("b.txt", &mut m).is_empty());
        assert_eq!((m.year, m.county.as_deref()), (Some(2022), Some("x")));
        let mut m = extracted();
        assert!(table.apply("c.txt", &mut m).is_empty());
        assert_eq!(m.year, None);
    }

    #[test]
    fn no_path_column_ignores_the_table() {
        let (table, msgs) = parse("file,year\na.txt,2020\n");
        assert!(table.is_empty());
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[1].contains("no \"path\" column"), "{msgs:?}");
    }

    #[test]
    fn fingerprint_follows_values_not_layout() {
        let fp = |text: &str, rel: &str| parse(text).0.fingerprint(rel);
        let a = fp("path,year,county\na.txt,2020,渠县\n", "a.txt");
        assert!(a.is_some());
        assert_eq!(a, fp("county,path,year\nb.txt,,\n 渠县 ,a.txt,2020\n", "a.txt"));
        assert_ne!(a, fp("path,year,county\na.txt,2021,渠县\n", "a.txt"));
        assert_ne!(a, fp("path,year,county\na.txt,2020,-\n", "a.txt"));
        assert_eq!(fp("path,year\na.txt,2020\n", "b.txt"), None);
        assert_eq!(
            fp("path,city\na.txt,-\n", "a.txt"),
            fp("path,city\na.txt,NULL\n", "a.txt"),
            "both null markers mean the same"
        );
    }

    #[test]
    fn load_checks_paths_against_the_corpus_and_reads_gbk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("有庆镇.txt"), "x").unwrap();
        std::fs::write(dir.path().join("README.md"), "x").unwrap();
        let csv =
            "path,township\n有庆镇.txt,有庆镇\n缺失.txt,某镇\nREADME.md,某镇\n../x.txt,某镇\n";
        std::fs::write(dir.path().join(FILE_NAME), encoding_rs::GBK.encode(csv).0).unwrap();
        let (table, msgs) = MetadataTable::load(dir.path());
        assert_eq!(table.len(), 1);
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].starts_with("metadata.csv: line 3: no file \"缺失.txt\""), "{msgs:?}");
        assert!(msgs[1].contains("line 4: \"README.md\" is not a report"), "{msgs:?}");
        assert!(msgs[2].contains("line 5: \"../x.txt\" is not a path inside"), "{msgs:?}");
        let mut m = Metadata::default();
        assert!(table.apply("有庆镇.txt", &mut m).is_empty());
        assert_eq!(m.township.as_deref(), Some("有庆镇"));
        // No table at all.
        let empty = tempfile::tempdir().unwrap();
        let (table, msgs) = MetadataTable::load(empty.path());
        assert!(table.is_empty() && msgs.is_empty());
    }
}
