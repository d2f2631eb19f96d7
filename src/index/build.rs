//! Building the index from a corpus folder.
//!
//! The pipeline: [`walk::scan`] lists the files (sorted); batches of files
//! are read, split, normalized and segmented in parallel with rayon
//! ([`prepare`]); the batch is then handed, in path order, to tantivy's
//! `IndexWriter` (which indexes on its own threads); duplicates are
//! recognised by the hash of their normalized text, the first path in
//! sorted order winning. One commit at the end makes the new index
//! visible at once: until then readers see the previous commit, and a
//! crash or a kill leaves it intact.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::schema::TantivyDocument;
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::IndexWriter;

use super::records::{FileStamp, ReportRecord, SkipRecord};
use super::schema::{Fields, KIND_PASSAGE, KIND_REPORT, KIND_SKIPPED};
use super::store::{self, BuildLock, Payload, Probe};
use crate::corpus::overrides::MetadataTable;
use crate::corpus::read::{self, Report};
use crate::corpus::walk::{self, CorpusFile};
use crate::corpus::{Metadata, SkipReason};
use crate::text::{segment, Normalized};

/// Memory budget of tantivy's writer (shared by its threads).
const WRITER_MEMORY: usize = 256 << 20;
/// A batch handed to rayon holds at most this many bytes of files.
const BATCH_BYTES: u64 = 24 << 20;
/// … and at most this many files.
const BATCH_FILES: usize = 512;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The corpus folder.
    pub corpus: PathBuf,
    /// The index folder.
    pub index: PathBuf,
    /// Rebuild even a foreign or damaged index folder.
    pub full: bool,
}

/// Progress callbacks, so that the CLI can draw a bar.
pub trait Progress: Sync {
    /// Called once with the number of files and bytes to process.
    fn start(&self, _files: usize, _bytes: u64) {}
    /// Called after each file.
    fn advance(&self, _bytes: u64) {}
    /// Called before the final commit.
    fn committing(&self) {}
    /// Called when done.
    fn finish(&self) {}
}

/// No progress display.
pub struct NoProgress;
impl Progress for NoProgress {}

/// The result of a build (SPEC §4 `index` summary).
#[derive(Debug, Clone, Default)]
pub struct BuildSummary {
    /// Reports new to the index.
    pub added: usize,
    /// Reports that were in the index and changed.
    pub updated: usize,
    /// Reports that were in the index and are gone.
    pub removed: usize,
    /// Reports already in the index, unchanged.
    pub unchanged: usize,
    /// Files not indexed, with their reason, in path order.
    pub skipped: Vec<SkipRecord>,
    /// Problems that did not stop a file (bad sidecar keys, …).
    pub warnings: Vec<String>,
    /// Reports in the index after the build.
    pub reports: usize,
    /// Bytes of the files that were read.
    pub bytes: u64,
    /// Reports without year / township / any locality.
    pub missing: MissingCounts,
    /// Wall time.
    pub elapsed: Duration,
}

/// How many indexed reports lack a field.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingCounts {
    /// No year.
    pub year: usize,
    /// No township (among all reports, including higher-level ones).
    pub township: usize,
    /// No locality at all and not national.
    pub locality: usize,
}

/// Errors that stop a build.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The lock is held by another build.
    #[error(transparent)]
    Locked(#[from] store::LockError),
    /// The corpus folder cannot be listed.
    #[error("cannot read the corpus folder {0}: {1}")]
    Corpus(PathBuf, std::io::Error),
    /// The index folder holds something we must not overwrite silently.
    #[error("{0} is not a usable baogao index ({1}); rebuild it with `baogao index --full`")]
    Foreign(PathBuf, String),
    /// tantivy failed.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Filesystem error on the index folder.
    #[error("index folder error: {0}")]
    Io(#[from] std::io::Error),
}

/// A report ready to be written: its record and its passages' documents.
struct Prepared {
    record: ReportRecord,
    docs: Vec<TantivyDocument>,
}

/// The stable id of a report: the first 10 hex digits of the blake3 hash
/// of its relative path. 40 bits: a clash among 100,000 reports has a
/// probability of about 0.5%; [`build`] detects it and extends the later
/// path's id.
pub fn report_id(rel: &str) -> String {
    blake3::hash(rel.as_bytes()).to_hex()[..10].to_string()
}

/// Builds the index: a full rebuild, committed atomically.
pub fn build(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    let _lock = BuildLock::acquire(&opts.index)?;
    let corpus_abs =
        opts.corpus.canonicalize().map_err(|e| BuildError::Corpus(opts.corpus.clone(), e))?;
    let files = walk::scan(&corpus_abs).map_err(|e| BuildError::Corpus(opts.corpus.clone(), e))?;

    let (index, fields, previous) = match store::probe(&opts.index) {
        Probe::Ready(opened) => {
            let previous = super::reader::load_records(&opened.index, &opened.fields)
                .map(|(reports, _)| {
                    reports.into_iter().map(|r| (r.path.clone(), r.stamp)).collect()
                })
                .unwrap_or_default();
            (opened.index, opened.fields, previous)
        }
        Probe::Missing => {
            store::clear(&opts.index)?;
            let (index, fields) = store::create(&opts.index)?;
            (index, fields, HashMap::new())
        }
        Probe::Foreign(why) if opts.full => {
            let _ = why;
            store::clear(&opts.index)?;
            let (index, fields) = store::create(&opts.index)?;
            (index, fields, HashMap::new())
        }
        Probe::Foreign(why) => return Err(BuildError::Foreign(opts.index.clone(), why)),
    };

    let mut writer: IndexWriter = index.writer(WRITER_MEMORY)?;
    writer.delete_all_documents()?;
    let (table, table_warnings) = MetadataTable::load(&corpus_abs);
    let mut summary = write_all(&writer, &fields, &files, &table, &previous, progress)?;
    summary.warnings.splice(0..0, table_warnings);
    progress.committing();
    let payload = Payload {
        format: super::schema::FORMAT,
        corpus: corpus_abs,
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(&payload).expect("payload serializes"));
    prepared.commit()?;
    writer.wait_merging_threads()?;
    progress.finish();
    summary.removed = previous.len().saturating_sub(summary.updated + summary.unchanged);
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Reads every file (in parallel batches) and adds its documents.
fn write_all(
    writer: &IndexWriter,
    fields: &Fields,
    files: &[CorpusFile],
    table: &MetadataTable,
    previous: &HashMap<String, FileStamp>,
    progress: &dyn Progress,
) -> Result<BuildSummary, BuildError> {
    let mut summary = BuildSummary::default();
    let total_bytes: u64 = files.iter().map(|f| f.size).sum();
    progress.start(files.len(), total_bytes);
    // normalized-text hash -> the path indexed with it
    let mut seen: HashMap<String, String> = HashMap::new();
    // id -> path, to detect id clashes
    let mut ids: HashMap<String, String> = HashMap::new();

    let mut start = 0;
    while start < files.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < files.len()
            && (end == start || (bytes < BATCH_BYTES && end - start < BATCH_FILES))
        {
            bytes += files[end].size;
            end += 1;
        }
        let batch = &files[start..end];
        let results: Vec<Result<Report, SkipReason>> = batch
            .par_iter()
            .map(|file| {
                let r = read::read(file, table);
                progress.advance(file.size);
                r
            })
            .collect();
        for (file, result) in batch.iter().zip(results) {
            summary.bytes += file.size;
            let stamp_of = |hash: String| FileStamp { size: file.size, mtime: file.mtime, hash };
            let report = match result {
                Ok(r) => r,
                Err(reason) => {
                    let rec = SkipRecord {
                        path: file.rel.clone(),
                        reason: reason.to_string(),
                        text_hash: None,
                        stamp: stamp_of(String::new()),
                    };
                    writer.add_document(skip_doc(fields, &rec))?;
                    summary.skipped.push(rec);
                    continue;
                }
            };
            if let Some(first) = seen.get(&report.text_hash) {
                let rec = SkipRecord {
                    path: file.rel.clone(),
                    reason: SkipReason::Duplicate(first.clone()).to_string(),
                    text_hash: Some(report.text_hash.clone()),
                    stamp: stamp_of(report.file_hash.clone()),
                };
                writer.add_document(skip_doc(fields, &rec))?;
                summary.skipped.push(rec);
                continue;
            }
            seen.insert(report.text_hash.clone(), file.rel.clone());
            summary.warnings.extend(report.warnings.iter().map(|w| format!("{}: {w}", file.rel)));
            let mut id = report_id(&file.rel);
            let mut salt = 1;
            while ids.contains_key(&id) {
                id = report_id(&format!("{}#{salt}", file.rel));
                salt += 1;
            }
            ids.insert(id.clone(), file.rel.clone());
            let stamp = stamp_of(report.file_hash.clone());
            match previous.get(&file.rel) {
                None => summary.added += 1,
                Some(old) if old.hash == stamp.hash => summary.unchanged += 1,
                Some(_) => summary.updated += 1,
            }
            let prepared = prepare(fields, id, report, stamp);
            count_missing(&mut summary.missing, &prepared.record.meta);
            for doc in prepared.docs {
                writer.add_document(doc)?;
            }
            summary.reports += 1;
        }
        start = end;
    }
    Ok(summary)
}

fn count_missing(m: &mut MissingCounts, meta: &Metadata) {
    if meta.year.is_none() {
        m.year += 1;
    }
    if meta.township.is_none() {
        m.township += 1;
    }
    let national = meta.level == Some(crate::corpus::Level::National);
    if !national
        && meta.province.is_none()
        && meta.city.is_none()
        && meta.county.is_none()
        && meta.township.is_none()
    {
        m.locality += 1;
    }
}

/// The `rnum` value of a report id.
pub fn report_num(id: &str) -> u64 {
    u64::from_str_radix(&id[..id.len().min(16)], 16).unwrap_or(0)
}

/// Normalizes and segments a report's passages and makes its documents.
fn prepare(fields: &Fields, id: String, report: Report, stamp: FileStamp) -> Prepared {
    let Report { rel, meta, structure, encoding, text_hash, .. } = report;
    let mut docs = Vec::with_capacity(structure.passages.len() + 1);
    let mut chars = 0u64;
    let mut ordinal = 0u64;
    let rnum = report_num(&id);
    let mut section_chars = vec![0u64; structure.sections.len()];
    for passage in &structure.passages {
        let norm = Normalized::new(&passage.text).text;
        if norm.is_empty() {
            continue;
        }
        ordinal += 1;
        let n = norm.chars().count() as u64;
        chars += n;
        if let Some(c) = section_chars.get_mut(passage.section) {
            *c += n;
        }
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.kind, KIND_PASSAGE);
        doc.add_text(fields.report, &id);
        doc.add_u64(fields.rnum, rnum);
        if let Some(section) = structure.sections.get(passage.section) {
            for kind in &section.kinds {
                doc.add_text(fields.section, kind.as_str());
            }
        }
        doc.add_u64(fields.ordinal, ordinal);
        doc.add_u64(fields.sec, passage.section as u64);
        doc.add_text(fields.text, &passage.text);
        doc.add_text(
            fields.hpath,
            serde_json::to_string(&passage.path).expect("strings serialize"),
        );
        doc.add_text(fields.uni, &norm);
        doc.add_text(fields.bi, &norm);
        let tokens = segment::words_with_byte_offsets(&norm)
            .into_iter()
            .enumerate()
            .map(|(position, (from, to))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text: norm[from..to].to_string(),
                position_length: 1,
            })
            .collect();
        doc.add_pre_tokenized_text(
            fields.words,
            PreTokenizedString { text: String::new(), tokens },
        );
        docs.push(doc);
    }
    let record = ReportRecord {
        id: id.clone(),
        path: rel,
        meta,
        sections: structure.sections,
        chars,
        section_chars,
        passages: ordinal,
        encoding,
        text_hash,
        stamp,
    };
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.kind, KIND_REPORT);
    doc.add_text(fields.report, &id);
    doc.add_text(fields.data, serde_json::to_string(&record).expect("record serializes"));
    docs.push(doc);
    Prepared { record, docs }
}

/// The document remembering a skipped file.
fn skip_doc(fields: &Fields, rec: &SkipRecord) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.kind, KIND_SKIPPED);
    doc.add_text(fields.report, report_id(&rec.path));
    doc.add_text(fields.data, serde_json::to_string(rec).expect("record serializes"));
    doc
}

/// Builds an index in a fresh temporary folder (tests, benches).
pub fn build_at(corpus: &Path, index: &Path) -> Result<BuildSummary, BuildError> {
    build(
        &BuildOptions { corpus: corpus.to_path_buf(), index: index.to_path_buf(), full: false },
        &NoProgress,
    )
}
