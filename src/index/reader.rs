//! Reading an index: opening it for search and loading report records.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{Index, Searcher, Term};

use super::records::{Manifest, ReportRecord, SkipRecord};
use super::schema::{Fields, KIND_MANIFEST, KIND_REPORT, KIND_SKIPPED};
use super::store::{self, Payload, Probe};

/// Every report record by id, and every skipped file.
type Records = (HashMap<String, Arc<ReportRecord>>, Vec<SkipRecord>);

/// An index opened for reading.
///
/// Report records are loaded lazily: a plain search needs only the records
/// of the hits it prints ([`IndexReader::report`]), while filters, counts
/// and listings need all of them ([`IndexReader::reports`]), which means
/// reading one stored document per report.
pub struct IndexReader {
    /// The tantivy index.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// A searcher on the last commit.
    pub searcher: Searcher,
    /// The payload of the last commit.
    pub payload: Payload,
    all: OnceLock<Records>,
    cache: Mutex<HashMap<String, Arc<ReportRecord>>>,
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
        Ok(IndexReader {
            index: opened.index,
            fields: opened.fields,
            searcher,
            payload: opened.payload,
            all: OnceLock::new(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn load_all(&self) -> tantivy::Result<&Records> {
        if let Some(all) = self.all.get() {
            return Ok(all);
        }
        let (reports, skipped) = load_records_with(&self.searcher, &self.fields)?;
        let map = reports.into_iter().map(|r| (r.id.clone(), Arc::new(r))).collect();
        Ok(self.all.get_or_init(|| (map, skipped)))
    }

    /// Every report record, by id.
    pub fn reports(&self) -> tantivy::Result<&HashMap<String, Arc<ReportRecord>>> {
        Ok(&self.load_all()?.0)
    }

    /// Every skipped file.
    pub fn skipped(&self) -> tantivy::Result<&[SkipRecord]> {
        Ok(&self.load_all()?.1)
    }

    /// One report record by id (from the full set if it is loaded, else
    /// by reading its one stored document).
    pub fn report(&self, id: &str) -> tantivy::Result<Option<Arc<ReportRecord>>> {
        if let Some((all, _)) = self.all.get() {
            return Ok(all.get(id).cloned());
        }
        if let Some(r) = self.cache.lock().expect("cache lock").get(id) {
            return Ok(Some(r.clone()));
        }
        let Some(record) = load_record(&self.searcher, &self.fields, id)? else {
            return Ok(None);
        };
        let record = Arc::new(record);
        self.cache.lock().expect("cache lock").insert(id.to_string(), record.clone());
        Ok(Some(record))
    }

    /// Report records sorted by path.
    pub fn reports_sorted(&self) -> tantivy::Result<Vec<Arc<ReportRecord>>> {
        let mut v: Vec<_> = self.reports()?.values().cloned().collect();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(v)
    }
}

/// The JSON text of the manifest document, if the index has one.
fn manifest_doc(searcher: &Searcher, fields: &Fields) -> tantivy::Result<Option<String>> {
    let q = term_query(fields.kind, KIND_MANIFEST);
    let Some(addr) = searcher.search(&q, &DocSetCollector)?.into_iter().next() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(addr)?;
    Ok(Some(doc.get_first(fields.data).and_then(|v| v.as_str()).unwrap_or("").to_string()))
}

/// Path → (size, modification time) of every file in the manifest
/// document, if the index has one: [`Manifest`] parsed for these two fields
/// only, which takes a fraction of the time of the whole (the "corpus
/// changed" check on every command needs no more).
pub fn load_stamps(
    searcher: &Searcher,
    fields: &Fields,
) -> tantivy::Result<Option<HashMap<String, (u64, i64)>>> {
    #[derive(serde::Deserialize)]
    struct Stamped {
        path: String,
        stamp: super::FileStamp,
    }
    #[derive(serde::Deserialize)]
    struct Stamps {
        reports: Vec<Stamped>,
        skipped: Vec<Stamped>,
    }
    let Some(data) = manifest_doc(searcher, fields)? else { return Ok(None) };
    let m: Stamps = serde_json::from_str(&data).map_err(corrupt)?;
    Ok(Some(
        m.reports
            .into_iter()
            .chain(m.skipped)
            .map(|s| (s.path, (s.stamp.size, s.stamp.mtime)))
            .collect(),
    ))
}

/// Reads the manifest document, if the index has one.
pub fn load_manifest(searcher: &Searcher, fields: &Fields) -> tantivy::Result<Option<Manifest>> {
    let Some(data) = manifest_doc(searcher, fields)? else { return Ok(None) };
    Ok(Some(serde_json::from_str(&data).map_err(corrupt)?))
}

/// One report's full record, read from its stored document.
pub fn load_record(
    searcher: &Searcher,
    fields: &Fields,
    id: &str,
) -> tantivy::Result<Option<ReportRecord>> {
    let q = BooleanQuery::new(vec![
        (Occur::Must, Box::new(term_query(fields.kind, KIND_REPORT)) as Box<dyn Query>),
        (Occur::Must, Box::new(term_query(fields.report, id))),
    ]);
    let Some(addr) = searcher.search(&q, &DocSetCollector)?.into_iter().next() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(addr)?;
    let data = doc.get_first(fields.data).and_then(|v| v.as_str()).unwrap_or("");
    Ok(Some(serde_json::from_str(data).map_err(corrupt)?))
}

fn term_query(field: tantivy::schema::Field, value: &str) -> TermQuery {
    TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic)
}

fn corrupt(e: serde_json::Error) -> tantivy::TantivyError {
    tantivy::TantivyError::InternalError(format!("a stored record is not valid: {e}"))
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
