//! Bringing the index in line with a corpus folder: incremental by
//! default, a full rebuild with `--full`.
//!
//! The pipeline: [`walk::scan`] lists the files (sorted by path). Files
//! whose size, modification time and metadata overrides are those the
//! index recorded are *unchanged* and are not read at all. The others are
//! read, split, normalized and segmented in parallel batches with rayon;
//! a file whose bytes still hash to the recorded content hash (only its
//! modification time changed) is not processed further. Each batch is then
//! handed, in path order, to tantivy's `IndexWriter`, which indexes on its
//! own threads.
//!
//! Duplicates are decided in the same sorted pass: a file whose normalized
//! text hash was already seen earlier in path order is skipped as a
//! duplicate of that path. Because unchanged files carry their text hash
//! in their record, the pass sees exactly what a clean build would, and an
//! incremental run always ends where a clean build ends (a new file that
//! sorts before an indexed twin takes its place; a duplicate whose
//! original disappeared is promoted).
//!
//! One commit at the end makes all changes visible at once. Until then
//! readers see the previous commit, and a crash or a kill leaves it intact:
//! the next run simply finds the same differences again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Term};

use super::records::{FileStamp, Manifest, ReportRecord, ReportStub, SkipRecord};
use super::schema::{
    kind_bits, kinds_of_bits, level_code, place_key, Fields, FLAG_HEADING, FOLDERS_PATH,
    KIND_FOLDERS, KIND_MANIFEST, KIND_PASSAGE, KIND_REPORT, KIND_SKIPPED, MANIFEST_PATH,
    PLACE_LEVELS,
};
use super::store::{self, Payload, Probe};
use crate::corpus::overrides::MetadataTable;
use crate::corpus::read::{self, Report};
use crate::corpus::walk::{self, CorpusFile, FileKind};
use crate::corpus::{Level, SkipReason};
use crate::text::normalize;

/// Memory budget of tantivy's writer (shared by its threads). Large
/// segments from the start: a full build then needs no merging (which cost
/// a third of the CPU time of a 1 GB build, and most of its peak memory).
const WRITER_MEMORY: usize = 200 << 20;
/// A batch handed to rayon holds at most this many bytes of files to read…
const BATCH_BYTES: u64 = 16 << 20;
/// … and at most this many files.
const BATCH_FILES: usize = 512;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The corpus folder.
    pub corpus: PathBuf,
    /// The index folder.
    pub index: PathBuf,
    /// Rebuild from scratch (also over a foreign or damaged index folder).
    pub full: bool,
}

/// Progress callbacks, so that the CLI can draw a bar.
pub trait Progress: Sync {
    /// Called once with the number of files and bytes that must be read.
    fn start(&self, _files: usize, _bytes: u64) {}
    /// Called after each file read.
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
    /// Reports new to the index (corpus paths, in path order).
    pub added: Vec<String>,
    /// Reports that were in the index and changed (content or overrides),
    /// in path order.
    pub updated: Vec<String>,
    /// Reports that were in the index and no longer are (file gone, or
    /// now skipped, e.g. as a duplicate), in path order.
    pub removed: Vec<String>,
    /// Reports already in the index, unchanged.
    pub unchanged: usize,
    /// Every file not indexed, with its reason, in path order.
    pub skipped: Vec<SkipRecord>,
    /// Problems that did not stop a file (bad sidecar keys, …).
    pub warnings: Vec<String>,
    /// Reports in the index after the build.
    pub reports: usize,
    /// Files read in this run (the others were known unchanged).
    pub files_read: usize,
    /// Bytes of the files read in this run.
    pub bytes: u64,
    /// Reports lacking year / township / any locality.
    pub missing: MissingCounts,
    /// Whether anything was committed (false for a no-op run).
    pub committed: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// How many indexed reports lack a field.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingCounts {
    /// No year.
    pub year: usize,
    /// No township, among the reports that could have one (not those of a
    /// higher level; as `reports --missing township`). An unchanged report
    /// keeps the flag its last reading gave it.
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
    /// The index folder could not be written, with the cause named (a
    /// full disk, a read-only folder) and what to do (see
    /// [`super::rebuild`]).
    #[error("{0}")]
    Write(String),
}

/// Only segments of at most this many live documents (passages) are
/// merged: the small segments that incremental runs add, and segments
/// that lost most of their documents to updates. The segments of a full
/// build (about 30,000 passages each with [`WRITER_MEMORY`]) are left as
/// they are: merging them cost a third of the CPU time of a 1 GB build and
/// pushed its peak memory above 1 GiB, while searching 26 segments instead
/// of 4 took the same time (measured on `gen-corpus --mb 1000`).
const MAX_DOCS_BEFORE_MERGE: usize = 10_000;

/// tantivy's log merge policy (groups of 8 segments of similar size),
/// restricted to small segments.
fn merge_policy() -> tantivy::merge_policy::LogMergePolicy {
    let mut policy = tantivy::merge_policy::LogMergePolicy::default();
    policy.set_max_docs_before_merge(MAX_DOCS_BEFORE_MERGE);
    policy
}

/// The stable id of a report: the first 10 hex digits of the blake3 hash
/// of its relative path. 40 bits: a clash among 100,000 reports has a
/// probability of about 0.5%; [`build`] detects it and derives another id
/// for the later path.
pub fn report_id(rel: &str) -> String {
    blake3::hash(rel.as_bytes()).to_hex()[..10].to_string()
}

/// The `rnum` value of a report id.
pub fn report_num(id: &str) -> u64 {
    u64::from_str_radix(&id[..id.len().min(16)], 16).unwrap_or(0)
}

/// A report read, with its passages normalized, in the parallel phase;
/// the documents (which need the report id) are assembled in the
/// sequential one, and segmented by tantivy's indexing threads.
struct Prepared {
    report: Report,
    /// Per passage (same order): its normalized text, empty for a passage
    /// that normalizes to nothing.
    passages: Vec<String>,
    /// Per passage: its normalized heading path (one line per heading),
    /// shared by the passages under the same headings.
    headings: Vec<Option<std::sync::Arc<str>>>,
}

impl Prepared {
    fn new(mut report: Report) -> Prepared {
        let passages = std::mem::take(&mut report.normalized);
        let mut last: Option<(&[String], std::sync::Arc<str>)> = None;
        let headings = report
            .structure
            .passages
            .iter()
            .map(|p| {
                if p.path.is_empty() {
                    return None;
                }
                match &last {
                    Some((path, norm)) if *path == p.path.as_slice() => Some(norm.clone()),
                    _ => {
                        let norm: std::sync::Arc<str> = normalize(&p.path.join("\n")).into();
                        last = Some((&p.path, norm.clone()));
                        Some(norm)
                    }
                }
            })
            .collect();
        Prepared { report, passages, headings }
    }
}

/// What the index knew about a path before this run.
enum Known {
    Nothing,
    Report(Box<ReportStub>),
    Skip(SkipRecord),
}

/// What we learn about one file in this run, before deciding on
/// duplicates.
enum Seen {
    /// A report we did not need to read: same stamp and overrides.
    Unchanged(ReportStub),
    /// Only the modification time changed: same bytes, same overrides.
    Touched(ReportStub, FileStamp),
    /// Read and processed (normalized and segmented, in parallel).
    Fresh(Box<Prepared>, FileStamp),
    /// Not a report (empty, binary, unsupported…); `unchanged` when the
    /// index already has exactly this record.
    Skip { record: SkipRecord, unchanged: bool },
    /// A duplicate last time, and its bytes did not change.
    PrevDuplicate(SkipRecord),
}

/// Brings the index in `opts.index` in line with the corpus; with
/// `opts.full`, builds a new one in a fresh folder and swaps it in. The
/// checks before, the lock, and what happens on failure are
/// [`super::rebuild`]'s.
pub fn build(opts: &BuildOptions, progress: &dyn Progress) -> Result<BuildSummary, BuildError> {
    super::rebuild::run(opts, progress, build_in_place)
}

/// The build itself, in `opts.index`, the lock held by the caller.
fn build_in_place(
    opts: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    let corpus_abs =
        opts.corpus.canonicalize().map_err(|e| BuildError::Corpus(opts.corpus.clone(), e))?;
    // Folder times first: a file added while we read is then seen as a
    // change by the next command.
    let folders = super::status::folder_stamps(&corpus_abs);
    let files = walk::scan(&corpus_abs).map_err(|e| BuildError::Corpus(opts.corpus.clone(), e))?;

    // A new index is committed even when the corpus has no reports, so
    // that it exists (an empty corpus is an empty index, not a missing one).
    let mut created = false;
    let (index, fields, reports, skips) = match store::probe(&opts.index) {
        Probe::Ready(opened) if !opts.full => {
            // The manifest document lists every file with what we need to
            // know without reading its record; older indexes lack it.
            let searcher = opened.index.reader()?.searcher();
            let manifest = match super::reader::load_manifest(&searcher, &opened.fields)? {
                Some(m) => m,
                None => {
                    let (reports, skipped) =
                        super::reader::load_records(&opened.index, &opened.fields)?;
                    Manifest { reports: reports.iter().map(ReportStub::of).collect(), skipped }
                }
            };
            (opened.index, opened.fields, manifest.reports, manifest.skipped)
        }
        Probe::Ready(opened) => (opened.index, opened.fields, Vec::new(), Vec::new()),
        Probe::Missing => {
            store::clear(&opts.index)?;
            let (index, fields) = store::create(&opts.index)?;
            created = true;
            (index, fields, Vec::new(), Vec::new())
        }
        Probe::Foreign(_) if opts.full => {
            store::clear(&opts.index)?;
            let (index, fields) = store::create(&opts.index)?;
            created = true;
            (index, fields, Vec::new(), Vec::new())
        }
        Probe::Foreign(why) => return Err(BuildError::Foreign(opts.index.clone(), why)),
    };

    let mut writer: IndexWriter = index.writer(WRITER_MEMORY)?;
    writer.set_merge_policy(Box::new(merge_policy()));
    if opts.full {
        // Atomic: the old documents stay visible until the commit below.
        writer.delete_all_documents()?;
    }
    let (table, table_warnings) = MetadataTable::load(&corpus_abs);
    let old = index.reader()?.searcher();
    let mut sink = TantivySink { writer: &writer, fields: &fields, old: &old };
    let mut pass = Pass::new(&mut sink, &table, reports, skips);
    pass.run(&files, progress)?;
    let (mut summary, stubs) = pass.finish()?;
    if opts.full || created || summary.committed {
        // What this build saw, for the next build and the "corpus
        // changed" check.
        writer.delete_term(Term::from_field_text(fields.path, MANIFEST_PATH));
        let manifest = Manifest { reports: stubs, skipped: summary.skipped.clone() };
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.kind, KIND_MANIFEST);
        doc.add_text(fields.path, MANIFEST_PATH);
        doc.add_text(fields.data, serde_json::to_string(&manifest).expect("manifest serializes"));
        writer.add_document(doc)?;
    }
    // The folders for the "corpus changed" check: rewritten whenever they
    // changed, even when no report did (a README added to a folder), so
    // that commands do not warn about a corpus the index is in line with.
    let old_folders = super::reader::load_folders(&old, &fields).ok().flatten();
    if opts.full || summary.committed || old_folders.as_ref() != Some(&folders) {
        writer.delete_term(Term::from_field_text(fields.path, FOLDERS_PATH));
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.kind, KIND_FOLDERS);
        doc.add_text(fields.path, FOLDERS_PATH);
        doc.add_text(fields.data, serde_json::to_string(&folders).expect("folders serialize"));
        writer.add_document(doc)?;
        summary.committed = true;
    }
    summary.warnings.splice(0..0, table_warnings);

    if opts.full || created || summary.committed {
        progress.committing();
        let payload = Payload {
            format: super::schema::FORMAT,
            corpus: corpus_abs,
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&payload).expect("payload serializes"));
        prepared.commit()?;
        summary.committed = true;
    }
    writer.wait_merging_threads()?;
    // What we just wrote is what the next open verifies against.
    super::verify::record(&opts.index, &index);
    progress.finish();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// One sorted pass over the corpus.
pub(crate) struct Pass<'a> {
    /// Where documents go.
    sink: &'a mut dyn DocumentSink,
    /// The corpus's `metadata.csv`.
    table: &'a MetadataTable,
    /// The reports of the new state, for the manifest.
    stubs: Vec<ReportStub>,
    /// Records from the last commit, taken out as their paths are seen;
    /// what is left at the end was removed from the corpus.
    reports: HashMap<String, ReportStub>,
    skips: HashMap<String, SkipRecord>,
    /// Report ids in use.
    ids: HashSet<String>,
    /// Path → id of every indexed report.
    id_of: HashMap<String, String>,
    /// Normalized-text hash → the first path in sorted order with it.
    seen: HashMap<String, String>,
    summary: BuildSummary,
    /// Whether any document was added or deleted.
    changed: bool,
}

impl<'a> Pass<'a> {
    pub(crate) fn new(
        sink: &'a mut dyn DocumentSink,
        table: &'a MetadataTable,
        reports: Vec<ReportStub>,
        skips: Vec<SkipRecord>,
    ) -> Self {
        let ids = reports.iter().map(|r| r.id.clone()).collect();
        let id_of = reports.iter().map(|r| (r.path.clone(), r.id.clone())).collect();
        Pass {
            sink,
            table,
            stubs: Vec::new(),
            reports: reports.into_iter().map(|r| (r.path.clone(), r)).collect(),
            skips: skips.into_iter().map(|s| (s.path.clone(), s)).collect(),
            ids,
            id_of,
            seen: HashMap::new(),
            summary: BuildSummary::default(),
            changed: false,
        }
    }

    /// What the last commit knew about a path (taken out of the maps).
    fn known(&mut self, rel: &str) -> Known {
        if let Some(r) = self.reports.remove(rel) {
            Known::Report(Box::new(r))
        } else if let Some(s) = self.skips.remove(rel) {
            Known::Skip(s)
        } else {
            Known::Nothing
        }
    }

    pub(crate) fn run(
        &mut self,
        files: &[CorpusFile],
        progress: &dyn Progress,
    ) -> Result<(), BuildError> {
        // Decide, without reading, which files are unchanged.
        let knowns: Vec<(Known, Option<String>)> = files
            .iter()
            .map(|f| {
                let k = self.known(&f.rel);
                (k, read::overrides_fingerprint(f, self.table))
            })
            .collect();
        let needs_read: Vec<bool> = files
            .iter()
            .zip(&knowns)
            .map(|(f, (k, ov))| match k {
                Known::Report(r) => !(same_stamp(&r.stamp, f) && r.overrides == *ov),
                Known::Skip(s) => !same_stamp(&s.stamp, f) || SkipReason::is_retried(&s.reason),
                Known::Nothing => true,
            })
            .collect();
        let (n, bytes) = files
            .iter()
            .zip(&needs_read)
            .filter(|(_, r)| **r)
            .fold((0, 0), |(n, b), (f, _)| (n + 1, b + f.size));
        progress.start(n, bytes);
        self.summary.files_read = n;
        self.summary.bytes = bytes;

        let mut knowns = knowns.into_iter();
        let mut start = 0;
        while start < files.len() {
            let mut end = start;
            let (mut batch_bytes, mut batch_files) = (0, 0);
            while end < files.len()
                && (end == start || (batch_bytes < BATCH_BYTES && batch_files < BATCH_FILES))
            {
                if needs_read[end] {
                    batch_bytes += files[end].size;
                    batch_files += 1;
                }
                end += 1;
            }
            let batch: Vec<(&CorpusFile, Known, Option<String>)> = files[start..end]
                .iter()
                .zip(knowns.by_ref().take(end - start))
                .map(|(f, (k, ov))| (f, k, ov))
                .collect();
            // Read what must be read, in parallel.
            let table = self.table;
            let seen: Vec<(Seen, Option<String>)> = batch
                .into_par_iter()
                .map(|(file, known, ov)| {
                    let s = observe(file, known, &ov, table, progress);
                    (s, ov)
                })
                .collect();
            for ((s, ov), file) in seen.into_iter().zip(&files[start..end]) {
                self.decide(file, s, ov)?;
            }
            start = end;
        }
        Ok(())
    }

    /// Decides, in path order, what happens to one file.
    fn decide(&mut self, file: &CorpusFile, s: Seen, ov: Option<String>) -> Result<(), BuildError> {
        let rel = file.rel.as_str();
        let was_report = self.id_of.contains_key(rel);
        let text_hash = match &s {
            Seen::Skip { record, unchanged } => {
                if was_report {
                    self.delete_report(rel)?;
                    self.summary.removed.push(rel.to_string());
                }
                if !unchanged {
                    self.write_skip(record)?;
                }
                self.summary.skipped.push(record.clone());
                return Ok(());
            }
            Seen::Unchanged(r) | Seen::Touched(r, _) => r.text_hash.clone(),
            Seen::Fresh(r, _) => r.report.text_hash.clone(),
            Seen::PrevDuplicate(d) => d.text_hash.clone().unwrap_or_default(),
        };

        if let Some(first) = self.seen.get(&text_hash).cloned() {
            // A duplicate of an earlier path.
            if was_report {
                self.delete_report(rel)?;
                self.summary.removed.push(rel.to_string());
            }
            let stamp = match &s {
                Seen::Unchanged(r) => r.stamp.clone(),
                Seen::Touched(_, st) | Seen::Fresh(_, st) => st.clone(),
                Seen::PrevDuplicate(d) => d.stamp.clone(),
                Seen::Skip { .. } => unreachable!("handled above"),
            };
            let rec = SkipRecord {
                path: rel.to_string(),
                reason: SkipReason::Duplicate(first).to_string(),
                text_hash: Some(text_hash),
                stamp,
            };
            if !matches!(&s, Seen::PrevDuplicate(d) if *d == rec) {
                self.write_skip(&rec)?;
            }
            self.summary.skipped.push(rec);
            return Ok(());
        }
        self.seen.insert(text_hash, rel.to_string());

        match s {
            Seen::Unchanged(r) => {
                self.summary.unchanged += 1;
                self.count_report(r.missing);
                self.stubs.push(r);
            }
            Seen::Touched(mut r, stamp) => {
                // Same content: only the record's stamp is rewritten.
                self.summary.unchanged += 1;
                self.count_report(r.missing);
                if self.sink.restamp(&r.id, &stamp)? {
                    self.changed = true;
                }
                r.stamp = stamp;
                self.stubs.push(r);
            }
            Seen::Fresh(prepared, stamp) => {
                if was_report {
                    self.summary.updated.push(rel.to_string());
                } else {
                    self.summary.added.push(rel.to_string());
                }
                self.index_report(*prepared, stamp, ov)?;
            }
            Seen::PrevDuplicate(_) => {
                // Its original is gone or changed: it is indexed now.
                self.summary.files_read += 1;
                self.summary.bytes += file.size;
                match read_file(file, self.table) {
                    Seen::Fresh(prepared, stamp) => {
                        self.summary.added.push(rel.to_string());
                        self.index_report(*prepared, stamp, ov)?;
                    }
                    other => return self.decide(file, other, ov),
                }
            }
            Seen::Skip { .. } => unreachable!("handled above"),
        }
        Ok(())
    }

    /// Writes a freshly read report (replacing whatever the path had).
    fn index_report(
        &mut self,
        prepared: Prepared,
        stamp: FileStamp,
        overrides: Option<String>,
    ) -> Result<(), BuildError> {
        let rel = prepared.report.rel.clone();
        let id = match self.id_of.get(&rel) {
            Some(id) => id.clone(),
            None => {
                let mut id = report_id(&rel);
                let mut salt = 1;
                while self.ids.contains(&id) {
                    id = report_id(&format!("{rel}#{salt}"));
                    salt += 1;
                }
                self.ids.insert(id.clone());
                self.id_of.insert(rel.clone(), id.clone());
                id
            }
        };
        self.summary
            .warnings
            .extend(prepared.report.warnings.iter().map(|w| format!("{rel}: {w}")));
        let (record, rows) = passage_rows(id, prepared, stamp, overrides);
        let stub = ReportStub::of(&record);
        self.count_report(stub.missing);
        self.stubs.push(stub);
        // Replaces the old passages and record (report or skipped) of the path.
        self.sink.add_report(record, rows)?;
        self.changed = true;
        Ok(())
    }

    /// Deletes a path's report (passages and record).
    fn delete_report(&mut self, rel: &str) -> Result<(), BuildError> {
        let id = self.id_of.remove(rel);
        if let Some(id) = &id {
            self.ids.remove(id);
        }
        self.sink.delete_report(id.as_deref(), rel)?;
        self.changed = true;
        Ok(())
    }

    /// Writes the record of a skipped file (replacing the path's record).
    fn write_skip(&mut self, rec: &SkipRecord) -> Result<(), BuildError> {
        self.sink.write_skip(rec)?;
        self.changed = true;
        Ok(())
    }

    fn count_report(&mut self, missing: [bool; 3]) {
        self.summary.reports += 1;
        let m = &mut self.summary.missing;
        m.year += missing[0] as usize;
        m.township += missing[1] as usize;
        m.locality += missing[2] as usize;
    }

    /// Deletes what was removed from the corpus and returns the summary.
    pub(crate) fn finish(mut self) -> Result<(BuildSummary, Vec<ReportStub>), BuildError> {
        let mut gone: Vec<String> = self.reports.keys().cloned().collect();
        gone.sort();
        for rel in gone {
            self.delete_report(&rel)?;
            self.summary.removed.push(rel);
        }
        // Paths removed in the pass (now skipped) and at its end (gone)
        // interleave.
        self.summary.removed.sort();
        let mut gone: Vec<String> = self.skips.keys().cloned().collect();
        gone.sort();
        for rel in gone {
            self.sink.forget_path(&rel)?;
            self.changed = true;
        }
        self.summary.committed = self.changed;
        Ok((self.summary, self.stubs))
    }
}

fn same_stamp(stamp: &FileStamp, f: &CorpusFile) -> bool {
    stamp.size == f.size && stamp.mtime == f.mtime
}

/// Looks at one file: from its record if unchanged, else by reading it.
fn observe(
    file: &CorpusFile,
    known: Known,
    overrides: &Option<String>,
    table: &MetadataTable,
    progress: &dyn Progress,
) -> Seen {
    match known {
        Known::Report(r) if same_stamp(&r.stamp, file) && r.overrides == *overrides => {
            Seen::Unchanged(*r)
        }
        Known::Skip(s) if same_stamp(&s.stamp, file) && SkipReason::is_retried(&s.reason) => {
            // Unreadable (or an internal error) last time: read again, since
            // `chmod` changes neither size nor modification time. The same
            // reason again is no change.
            let seen = match read_file(file, table) {
                Seen::Skip { record, .. } if record == s => Seen::Skip { record, unchanged: true },
                other => other,
            };
            progress.advance(file.size);
            seen
        }
        Known::Skip(s) if same_stamp(&s.stamp, file) => {
            if s.text_hash.is_some() {
                Seen::PrevDuplicate(s)
            } else {
                Seen::Skip { record: s, unchanged: true }
            }
        }
        Known::Report(r)
            if r.overrides == *overrides && !matches!(file.kind, FileKind::Skip(_)) =>
        {
            // Maybe only the modification time changed.
            let seen = match std::fs::read(&file.abs) {
                Ok(bytes) if blake3::hash(&bytes).to_hex().as_str() == r.stamp.hash => {
                    let stamp = FileStamp {
                        size: file.size,
                        mtime: file.mtime,
                        hash: r.stamp.hash.clone(),
                    };
                    Seen::Touched(*r, stamp)
                }
                _ => read_file(file, table),
            };
            progress.advance(file.size);
            seen
        }
        _ => {
            let seen = read_file(file, table);
            progress.advance(file.size);
            seen
        }
    }
}

/// Reads and processes a file. A panic while normalizing its passages is
/// its skip reason, as one while reading it is (see [`read::read`]).
fn read_file(file: &CorpusFile, table: &MetadataTable) -> Seen {
    let prepared = crate::isolate::catch(|| read::read(file, table).map(Prepared::new))
        .unwrap_or_else(|panic| Err(SkipReason::Internal(panic)));
    match prepared {
        Ok(prepared) => {
            let stamp = FileStamp {
                size: file.size,
                mtime: file.mtime,
                hash: prepared.report.file_hash.clone(),
            };
            Seen::Fresh(Box::new(prepared), stamp)
        }
        Err(reason) => Seen::Skip {
            record: SkipRecord {
                path: file.rel.clone(),
                reason: reason.to_string(),
                text_hash: None,
                stamp: FileStamp { size: file.size, mtime: file.mtime, hash: String::new() },
            },
            unchanged: false,
        },
    }
}

/// One passage of a report as a sink receives it: everything either
/// backend stores about it (the tantivy sink segments `norm` and
/// `heading` on tantivy's threads; the ClickHouse sink with rayon).
#[derive(Debug, Clone)]
pub struct PassageRow {
    /// Ordinal in the report (1-based, counting non-empty passages).
    pub ordinal: u64,
    /// Index of its section in the record's `sections`.
    pub section: usize,
    /// Bit set of its section's kinds ([`kind_bits`]).
    pub kinds: u64,
    /// Normalized characters.
    pub chars: u64,
    /// [`FLAG_HEADING`] when it is a heading standing on its own line.
    pub flags: u64,
    /// Original text.
    pub text: String,
    /// Heading path (original text).
    pub path: Vec<String>,
    /// Normalized text.
    pub norm: String,
    /// Normalized heading path (one line per heading), if any.
    pub heading: Option<std::sync::Arc<str>>,
}

/// Makes a prepared report's record and its passage rows.
fn passage_rows(
    id: String,
    prepared: Prepared,
    stamp: FileStamp,
    overrides: Option<String>,
) -> (ReportRecord, Vec<PassageRow>) {
    let Prepared { report, passages, headings } = prepared;
    let Report { rel, meta, evidence, structure, encoding, text_hash, .. } = report;
    let mut rows = Vec::with_capacity(structure.passages.len());
    let mut chars = 0u64;
    let mut ordinal = 0u64;
    let mut section_chars = vec![0u64; structure.sections.len()];
    for ((passage, norm), heading) in structure.passages.iter().zip(passages).zip(headings) {
        if norm.is_empty() {
            continue;
        }
        ordinal += 1;
        let n = norm.chars().count() as u64;
        chars += n;
        if let Some(c) = section_chars.get_mut(passage.section) {
            *c += n;
        }
        let kinds = structure.sections.get(passage.section).map_or(&[][..], |s| &s.kinds[..]);
        let is_heading = passage.path.last().is_some_and(|h| h.trim() == passage.text.trim());
        rows.push(PassageRow {
            ordinal,
            section: passage.section,
            kinds: kind_bits(kinds),
            chars: n,
            flags: if is_heading { FLAG_HEADING } else { 0 },
            text: passage.text.clone(),
            path: passage.path.clone(),
            norm,
            heading,
        });
    }
    let record = ReportRecord {
        id,
        path: rel,
        meta,
        sections: structure.sections,
        chars,
        section_chars,
        passages: ordinal,
        headings: Vec::new(),
        encoding,
        text_hash,
        stamp,
        overrides,
        evidence,
    };
    (record, rows)
}

/// Where a build's documents go: the seam between reading a corpus
/// ([`Pass`]) and an index's storage. [`TantivySink`] writes the local
/// index; [`crate::clickhouse::sink::ClickHouseSink`] writes ClickHouse.
/// Calls come in corpus path order; nothing is visible to readers before
/// the backend's commit.
pub trait DocumentSink {
    /// Adds a report with its passages, replacing whatever its path had
    /// (an older version of the report, or a skip record).
    fn add_report(
        &mut self,
        record: ReportRecord,
        passages: Vec<PassageRow>,
    ) -> Result<(), BuildError>;
    /// Removes a path's report (passages and record; `id` is `None` when
    /// only a record by path is known).
    fn delete_report(&mut self, id: Option<&str>, path: &str) -> Result<(), BuildError>;
    /// Rewrites the record of report `id` with a new file stamp (only the
    /// modification time changed); `false` when it has no record.
    fn restamp(&mut self, id: &str, stamp: &FileStamp) -> Result<bool, BuildError>;
    /// Records a skipped file, replacing the path's record.
    fn write_skip(&mut self, rec: &SkipRecord) -> Result<(), BuildError>;
    /// Forgets the skip record of a path no longer in the corpus.
    fn forget_path(&mut self, path: &str) -> Result<(), BuildError>;
}

/// The local index's sink: tantivy documents through one `IndexWriter`.
pub(crate) struct TantivySink<'a> {
    writer: &'a IndexWriter,
    fields: &'a Fields,
    /// The last commit, to read the records of touched files.
    old: &'a tantivy::Searcher,
}

impl DocumentSink for TantivySink<'_> {
    fn add_report(
        &mut self,
        mut record: ReportRecord,
        passages: Vec<PassageRow>,
    ) -> Result<(), BuildError> {
        let fields = self.fields;
        // Each distinct heading path once, in the record; passages keep its
        // number.
        let mut table: HashMap<&[String], u64> = HashMap::new();
        let mut headings: Vec<Vec<String>> = Vec::new();
        let numbers: Vec<u64> = passages
            .iter()
            .map(|row| {
                *table.entry(row.path.as_slice()).or_insert_with(|| {
                    headings.push(row.path.clone());
                    headings.len() as u64 - 1
                })
            })
            .collect();
        drop(table);
        record.headings = headings;
        self.writer.delete_term(Term::from_field_text(fields.report, &record.id));
        self.writer.delete_term(Term::from_field_text(fields.path, &record.path));
        let common = ReportFields::new(&record.meta, report_num(&record.id));
        for (row, heading) in passages.into_iter().zip(numbers) {
            let mut doc = TantivyDocument::default();
            doc.add_text(fields.kind, KIND_PASSAGE);
            doc.add_text(fields.report, &record.id);
            common.add_to(fields, &mut doc);
            for kind in kinds_of_bits(row.kinds) {
                doc.add_text(fields.section, kind.as_str());
            }
            doc.add_u64(fields.kinds, row.kinds);
            doc.add_u64(fields.ordinal, row.ordinal);
            doc.add_u64(fields.chars, row.chars);
            doc.add_u64(fields.flags, row.flags);
            doc.add_u64(fields.sec, row.section as u64);
            doc.add_text(fields.text, &row.text);
            doc.add_u64(fields.heading, heading);
            doc.add_text(fields.ppath, &record.path);
            if let Some(h) = &row.heading {
                doc.add_text(fields.hwords, &**h);
            }
            doc.add_text(fields.bi, &row.norm);
            doc.add_text(fields.words, row.norm);
            self.writer.add_document(doc)?;
        }
        self.writer.add_document(report_doc(fields, &record))?;
        Ok(())
    }

    fn delete_report(&mut self, id: Option<&str>, path: &str) -> Result<(), BuildError> {
        if let Some(id) = id {
            self.writer.delete_term(Term::from_field_text(self.fields.report, id));
        }
        self.writer.delete_term(Term::from_field_text(self.fields.path, path));
        Ok(())
    }

    fn restamp(&mut self, id: &str, stamp: &FileStamp) -> Result<bool, BuildError> {
        let Some(mut record) =
            super::reader::load_record(self.old, self.fields, self.fields.rid, id)?
        else {
            return Ok(false);
        };
        record.stamp = stamp.clone();
        self.writer.delete_term(Term::from_field_text(self.fields.path, &record.path));
        self.writer.add_document(report_doc(self.fields, &record))?;
        Ok(true)
    }

    fn write_skip(&mut self, rec: &SkipRecord) -> Result<(), BuildError> {
        self.writer.delete_term(Term::from_field_text(self.fields.path, &rec.path));
        self.writer.add_document(skip_doc(self.fields, rec))?;
        Ok(())
    }

    fn forget_path(&mut self, path: &str) -> Result<(), BuildError> {
        self.writer.delete_term(Term::from_field_text(self.fields.path, path));
        Ok(())
    }
}

/// The report-level values every passage document carries (and the
/// report document too), so that filters and groupings never need the
/// record.
struct ReportFields {
    rnum: u64,
    year: Option<i64>,
    level: Option<u64>,
    places: Vec<(Level, String)>,
}

impl ReportFields {
    fn new(meta: &crate::corpus::Metadata, rnum: u64) -> ReportFields {
        ReportFields {
            rnum,
            year: meta.year.map(i64::from),
            level: meta.level.map(level_code),
            places: PLACE_LEVELS
                .iter()
                .filter_map(|&l| place_key(meta, l).map(|k| (l, k)))
                .collect(),
        }
    }

    fn add_to(&self, fields: &Fields, doc: &mut TantivyDocument) {
        doc.add_u64(fields.rnum, self.rnum);
        if let Some(y) = self.year {
            doc.add_i64(fields.year, y);
        }
        if let Some(l) = self.level {
            doc.add_u64(fields.level, l);
        }
        for (level, key) in &self.places {
            if let Some(f) = fields.place(*level) {
                doc.add_text(f, key);
            }
        }
    }
}

/// The document holding a report's record.
fn report_doc(fields: &Fields, record: &ReportRecord) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.kind, KIND_REPORT);
    doc.add_text(fields.report, &record.id);
    doc.add_text(fields.rid, &record.id);
    doc.add_text(fields.path, &record.path);
    ReportFields::new(&record.meta, report_num(&record.id)).add_to(fields, &mut doc);
    doc.add_u64(fields.chars, record.chars);
    doc.add_text(fields.data, serde_json::to_string(record).expect("record serializes"));
    if !record.evidence.as_str().is_empty() {
        doc.add_text(fields.evidence, record.evidence.as_str());
    }
    doc
}

/// The document remembering a skipped file.
fn skip_doc(fields: &Fields, rec: &SkipRecord) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.kind, KIND_SKIPPED);
    doc.add_text(fields.path, &rec.path);
    doc.add_text(fields.data, serde_json::to_string(rec).expect("record serializes"));
    doc
}

/// Builds (or updates) an index without progress display (tests, benches).
pub fn build_at(corpus: &Path, index: &Path) -> Result<BuildSummary, BuildError> {
    build(
        &BuildOptions { corpus: corpus.to_path_buf(), index: index.to_path_buf(), full: false },
        &NoProgress,
    )
}
