//! Reading an index: opening it for search and loading report records.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{Index, Searcher, Term};

use super::records::{ReportRecord, SkipRecord};
use super::schema::{Fields, KIND_REPORT, KIND_SKIPPED};
use super::store::{self, Payload, Probe};

/// An index opened for reading, with every report record loaded (they are
/// small: metadata and section headings).
pub struct IndexReader {
    /// The tantivy index.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// A searcher on the last commit.
    pub searcher: Searcher,
    /// The payload of the last commit.
    pub payload: Payload,
    /// Report records by id.
    pub reports: HashMap<String, Arc<ReportRecord>>,
    /// Skipped files.
    pub skipped: Vec<SkipRecord>,
}

/// Why an index could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// There is no index in the folder.
    #[error("there is no index in {0}: build it with `baogao index`")]
    Missing(std::path::PathBuf),
    /// The folder holds something else.
    #[error("{0} is not a usable baogao index ({1}); rebuild it with `baogao index --full`")]
    Foreign(std::path::PathBuf, String),
    /// tantivy failed while reading.
    #[error("cannot read the index in {0} ({1}); rebuild it with `baogao index --full`")]
    Tantivy(std::path::PathBuf, tantivy::TantivyError),
}

impl IndexReader {
    /// Opens the index in `dir`.
    pub fn open(dir: &Path) -> Result<IndexReader, OpenError> {
        let opened = match store::probe(dir) {
            Probe::Ready(o) => o,
            Probe::Missing => return Err(OpenError::Missing(dir.to_path_buf())),
            Probe::Foreign(why) => return Err(OpenError::Foreign(dir.to_path_buf(), why)),
        };
        let tantivy_err = |e| OpenError::Tantivy(dir.to_path_buf(), e);
        let reader = opened.index.reader().map_err(tantivy_err)?;
        let searcher = reader.searcher();
        let (reports, skipped) =
            load_records_with(&searcher, &opened.fields).map_err(tantivy_err)?;
        Ok(IndexReader {
            index: opened.index,
            fields: opened.fields,
            searcher,
            payload: opened.payload,
            reports: reports.into_iter().map(|r| (r.id.clone(), Arc::new(r))).collect(),
            skipped,
        })
    }

    /// Report records sorted by path.
    pub fn reports_sorted(&self) -> Vec<Arc<ReportRecord>> {
        let mut v: Vec<_> = self.reports.values().cloned().collect();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }
}

/// Loads every report and skipped-file record of an index.
pub fn load_records(
    index: &Index,
    fields: &Fields,
) -> tantivy::Result<(Vec<ReportRecord>, Vec<SkipRecord>)> {
    let searcher = index.reader()?.searcher();
    load_records_with(&searcher, fields)
}

fn load_records_with(
    searcher: &Searcher,
    fields: &Fields,
) -> tantivy::Result<(Vec<ReportRecord>, Vec<SkipRecord>)> {
    let of_kind = |kind: &str| -> tantivy::Result<Vec<String>> {
        let q = TermQuery::new(Term::from_field_text(fields.kind, kind), IndexRecordOption::Basic);
        let mut addrs: Vec<_> = searcher.search(&q, &DocSetCollector)?.into_iter().collect();
        addrs.sort();
        let mut out = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(s) = doc.get_first(fields.data).and_then(|v| v.as_str()) {
                out.push(s.to_string());
            }
        }
        Ok(out)
    };
    let corrupt = |e: serde_json::Error| {
        tantivy::TantivyError::InternalError(format!("a stored record is not valid: {e}"))
    };
    let reports = of_kind(KIND_REPORT)?
        .iter()
        .map(|s| serde_json::from_str::<ReportRecord>(s).map_err(corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    let skipped = of_kind(KIND_SKIPPED)?
        .iter()
        .map(|s| serde_json::from_str::<SkipRecord>(s).map_err(corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((reports, skipped))
}
