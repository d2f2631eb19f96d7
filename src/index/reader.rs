//! Reading an index: opening it for search and loading report records.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{DocAddress, DocSet, Index, Searcher, Term};

use super::records::{Manifest, ReportRecord, SkipRecord};
use super::schema::{Fields, KIND_MANIFEST, KIND_REPORT, KIND_SKIPPED};
use super::store::{self, Payload, Probe};
use crate::query::plan::{self, DocKind};
use crate::query::Filters;

/// An index opened for reading.
///
/// The reader holds no per-report state beyond what a query touches:
/// filters and groupings are answered from fast fields, and a report's
/// record (its JSON document) is read when a hit, a listing or a lookup
/// needs it, then kept in a small cache for the rest of the command.
pub struct IndexReader {
    /// The tantivy index.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// A searcher on the last commit.
    pub searcher: Searcher,
    /// The payload of the last commit.
    pub payload: Payload,
    cache: Mutex<HashMap<String, Arc<ReportRecord>>>,
    collection: std::sync::OnceLock<crate::rank::Collection>,
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
        let mut index = opened.index;
        // Collectors run over the segments on every core (tantivy's
        // executor), so counts and matches over large indexes use the
        // machine as grep does.
        index.set_default_multithread_executor().map_err(tantivy_err)?;
        let reader = index.reader().map_err(tantivy_err)?;
        let searcher = reader.searcher();
        Ok(IndexReader {
            index,
            fields: opened.fields,
            searcher,
            payload: opened.payload,
            cache: Mutex::new(HashMap::new()),
            collection: std::sync::OnceLock::new(),
        })
    }

    /// The ranking statistics of the live passages (computed once per
    /// reader: one pass over the field norms, a byte per passage).
    pub fn collection(&self) -> tantivy::Result<crate::rank::Collection> {
        if let Some(c) = self.collection.get() {
            return Ok(*c);
        }
        use crate::rank::RankField;
        let passages = self.searcher.search(
            &TermQuery::new(
                Term::from_field_text(self.fields.kind, super::schema::KIND_PASSAGE),
                IndexRecordOption::Basic,
            ),
            &Count,
        )? as u64;
        use rayon::prelude::*;
        // Segments in parallel: this pass is the one per-query cost that
        // grows with the index rather than with the matches.
        let per_segment = self
            .searcher
            .segment_readers()
            .par_iter()
            .map(|seg| -> tantivy::Result<[u64; 3]> {
                let alive = seg.alive_bitset();
                let mut lengths = [0u64; 3];
                for field in RankField::ALL {
                    let norms = seg.get_fieldnorms_reader(self.fields.rank_field(field))?;
                    lengths[field.index()] = match alive {
                        None => (0..seg.max_doc()).map(|d| norms.fieldnorm(d) as u64).sum(),
                        Some(a) => (0..seg.max_doc())
                            .filter(|&d| a.is_alive(d))
                            .map(|d| norms.fieldnorm(d) as u64)
                            .sum(),
                    };
                }
                Ok(lengths)
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut lengths = [0u64; 3];
        for l in per_segment {
            for (sum, x) in lengths.iter_mut().zip(l) {
                *sum += x;
            }
        }
        let c = crate::rank::Collection { passages, lengths };
        Ok(*self.collection.get_or_init(|| c))
    }

    /// How many live passages hold `term` in a ranking field.
    pub fn doc_freq(&self, field: crate::rank::RankField, term: &str) -> tantivy::Result<u64> {
        let t = Term::from_field_text(self.fields.rank_field(field), term);
        Ok(self.searcher.search(&TermQuery::new(t, IndexRecordOption::Basic), &Count)? as u64)
    }

    /// One report record by id.
    pub fn report(&self, id: &str) -> tantivy::Result<Option<Arc<ReportRecord>>> {
        if let Some(r) = self.cache.lock().expect("cache lock").get(id) {
            return Ok(Some(r.clone()));
        }
        let Some(record) = load_record(&self.searcher, &self.fields, self.fields.rid, id)? else {
            return Ok(None);
        };
        let record = Arc::new(record);
        self.cache.lock().expect("cache lock").insert(id.to_string(), record.clone());
        Ok(Some(record))
    }

    /// Reads the records of these report ids into the cache at once: one
    /// query for all of them, their documents read in index order and
    /// parsed in parallel (a concordance of 2,000 lines from 1,900 reports
    /// would otherwise make 1,900 lookups).
    pub fn preload(&self, ids: &[&str]) -> tantivy::Result<()> {
        use rayon::prelude::*;
        let missing: Vec<&str> = {
            let cache = self.cache.lock().expect("cache lock");
            ids.iter().copied().filter(|id| !cache.contains_key(*id)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let terms = missing.iter().map(|id| Term::from_field_text(self.fields.rid, id));
        let query = tantivy::query::TermSetQuery::new(terms);
        let mut addrs: Vec<DocAddress> =
            self.searcher.search(&query, &DocSetCollector)?.into_iter().collect();
        addrs.sort();
        let records: Vec<ReportRecord> = addrs
            .into_par_iter()
            .map(|addr| -> tantivy::Result<ReportRecord> {
                let doc: TantivyDocument = self.searcher.doc(addr)?;
                record_of(&doc, &self.fields)
            })
            .collect::<tantivy::Result<_>>()?;
        let mut cache = self.cache.lock().expect("cache lock");
        for r in records {
            cache.insert(r.id.clone(), Arc::new(r));
        }
        Ok(())
    }

    /// One report record by id, read without keeping it (streaming over
    /// every report).
    pub fn report_uncached(&self, id: &str) -> tantivy::Result<Option<ReportRecord>> {
        if let Some(r) = self.cache.lock().expect("cache lock").get(id) {
            return Ok(Some((**r).clone()));
        }
        load_record(&self.searcher, &self.fields, self.fields.rid, id)
    }

    /// Report number and path of every report (fast fields of the report
    /// documents; no record is read).
    pub fn report_paths(&self) -> tantivy::Result<Vec<(u64, String)>> {
        let query = plan::filter_query(&self.fields, &Filters::default(), DocKind::Report);
        let addrs = self.searcher.search(&query, &DocSetCollector)?;
        let mut out = Vec::with_capacity(addrs.len());
        let mut columns = HashMap::new();
        for addr in addrs {
            let seg = self.searcher.segment_reader(addr.segment_ord);
            let (rnum, path) = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let ff = seg.fast_fields();
                    e.insert((ff.u64("rnum")?, ff.str("path")?))
                }
            };
            let mut p = String::new();
            if let (Some(r), Some(col)) = (rnum.first(addr.doc_id), path.as_ref()) {
                if let Some(ord) = col.ords().first(addr.doc_id) {
                    if col.ord_to_str(ord, &mut p)? {
                        out.push((r, p));
                    }
                }
            }
        }
        Ok(out)
    }

    /// One report record by its path relative to the corpus.
    pub fn report_by_path(&self, path: &str) -> tantivy::Result<Option<Arc<ReportRecord>>> {
        Ok(load_record(&self.searcher, &self.fields, self.fields.path, path)?.map(Arc::new))
    }

    /// The report ids that start with `prefix` (from the term dictionary;
    /// no record is read).
    pub fn ids_with_prefix(&self, prefix: &str) -> tantivy::Result<Vec<String>> {
        let mut out = Vec::new();
        for seg in self.searcher.segment_readers() {
            let inverted = seg.inverted_index(self.fields.report)?;
            let mut stream = inverted.terms().range().ge(prefix.as_bytes()).into_stream()?;
            while stream.advance() {
                let Ok(key) = std::str::from_utf8(stream.key()) else { continue };
                if !key.starts_with(prefix) {
                    break;
                }
                // Deleted reports keep their terms until a merge.
                let term = Term::from_field_text(self.fields.report, key);
                if !out.iter().any(|o| o == key) && self.live_count(&term)? > 0 {
                    out.push(key.to_string());
                }
            }
        }
        Ok(out)
    }

    fn live_count(&self, term: &Term) -> tantivy::Result<usize> {
        self.searcher.search(&TermQuery::new(term.clone(), IndexRecordOption::Basic), &Count)
    }

    /// The records of the reports that pass `filters`, sorted by path.
    pub fn reports_where(&self, filters: &Filters) -> tantivy::Result<Vec<Arc<ReportRecord>>> {
        let query = plan::filter_query(&self.fields, filters, DocKind::Report);
        let addrs: Vec<DocAddress> =
            self.searcher.search(&query, &DocSetCollector)?.into_iter().collect();
        let mut out = addrs
            .into_iter()
            .map(|addr| -> tantivy::Result<Arc<ReportRecord>> {
                let doc: TantivyDocument = self.searcher.doc(addr)?;
                Ok(Arc::new(record_of(&doc, &self.fields)?))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// How many reports pass `filters` (no record is read).
    pub fn count_reports(&self, filters: &Filters) -> tantivy::Result<usize> {
        self.searcher.search(&*plan::filter_query(&self.fields, filters, DocKind::Report), &Count)
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

/// The corpus folders the last build saw, if the index records them.
pub fn load_folders(
    searcher: &Searcher,
    fields: &Fields,
) -> tantivy::Result<Option<Vec<super::status::FolderStamp>>> {
    let q = term_query(fields.kind, super::schema::KIND_FOLDERS);
    let Some(addr) = searcher.search(&q, &DocSetCollector)?.into_iter().next() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(addr)?;
    let data = doc.get_first(fields.data).and_then(|v| v.as_str()).unwrap_or("");
    Ok(Some(serde_json::from_str(data).map_err(corrupt)?))
}

/// Reads the manifest document, if the index has one.
pub fn load_manifest(searcher: &Searcher, fields: &Fields) -> tantivy::Result<Option<Manifest>> {
    let Some(data) = manifest_doc(searcher, fields)? else { return Ok(None) };
    Ok(Some(serde_json::from_str(&data).map_err(corrupt)?))
}

/// One report's full record, read from its stored document, found by id
/// (`by` = the `rid` field) or by path (`by` = `path`). One postings
/// lookup per segment, no query machinery: commands that print many
/// reports' passages (kwic, export) call this once per report.
pub fn load_record(
    searcher: &Searcher,
    fields: &Fields,
    by: tantivy::schema::Field,
    value: &str,
) -> tantivy::Result<Option<ReportRecord>> {
    let term = Term::from_field_text(by, value);
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        let Some(mut postings) =
            seg.inverted_index(by)?.read_postings(&term, IndexRecordOption::Basic)?
        else {
            continue;
        };
        let alive = seg.alive_bitset();
        // `rid` is on report documents only; `path` also on the record of a
        // skipped file, which has no report id.
        let ids = seg.fast_fields().str("report")?;
        while postings.doc() != tantivy::TERMINATED {
            let doc = postings.doc();
            let is_report = ids.as_ref().is_some_and(|c| c.ords().first(doc).is_some());
            if is_report && alive.is_none_or(|a| a.is_alive(doc)) {
                let doc: TantivyDocument = searcher.doc(DocAddress::new(ord as u32, doc))?;
                return Ok(Some(record_of(&doc, fields)?));
            }
            postings.advance();
        }
    }
    Ok(None)
}

/// The record a report document holds, with its evidence.
fn record_of(doc: &TantivyDocument, fields: &Fields) -> tantivy::Result<ReportRecord> {
    let data = doc.get_first(fields.data).and_then(|v| v.as_str()).unwrap_or("");
    let mut record: ReportRecord = serde_json::from_str(data).map_err(corrupt)?;
    if let Some(ev) = doc.get_first(fields.evidence).and_then(|v| v.as_str()) {
        record.evidence = crate::corpus::evidence::StoredEvidence::from_stored(ev);
    }
    Ok(record)
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
