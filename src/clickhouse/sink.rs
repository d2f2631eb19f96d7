//! `index` into ClickHouse: the second [`DocumentSink`].
//!
//! The corpus is read exactly as for the local index (the same [`Pass`]:
//! decoding, metadata, structure, normalization, duplicates, skip reasons,
//! incremental by size, time and content hash). What differs is only where
//! reports go: rows in batches, `INSERT … FORMAT JSONEachRow` with the
//! data in the request body. Every report written by one build gets the
//! build's number as its generation; its passages are inserted before its
//! report row (see [`super::schema`] for why that keeps queries whole).
//! The manifest of the build (what the next build compares against) and
//! the skip records live in the `meta` table.

use rayon::prelude::*;
use serde::Serialize;

use super::http::{Client, HttpError};
use super::schema;
use super::sql::quote;
use super::Location;
use crate::corpus::overrides::MetadataTable;
use crate::corpus::walk;
use crate::index::build::{report_num, BuildError, BuildSummary, Pass, Progress};
use crate::index::records::Manifest;
use crate::index::schema::{last_link, place_key, PLACE_LEVELS};
use crate::index::sink::{DocumentSink, PassageRow};
use crate::index::{FileStamp, ReportRecord, SkipRecord};
use crate::rank::quantize;
use crate::text::segment;

/// Passages buffered before a batch is sent.
const BATCH_PASSAGES: usize = 20_000;

impl From<HttpError> for BuildError {
    fn from(e: HttpError) -> BuildError {
        BuildError::Write(e.to_string())
    }
}

/// A `reports` row.
#[derive(Serialize)]
struct ReportRow<'a> {
    id: &'a str,
    path: &'a str,
    version: u64,
    gen: u64,
    deleted: u8,
    rnum: u64,
    year: Option<i32>,
    level: u8,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    n1: String,
    n2: String,
    n3: String,
    n4: String,
    chars: u64,
    record: String,
    evidence: &'a str,
}

/// A `passages` row.
#[derive(Serialize)]
struct PassageJson<'a> {
    report: &'a str,
    gen: u64,
    rnum: u64,
    ordinal: u64,
    sec: u64,
    kinds: u64,
    flags: u64,
    chars: u64,
    year: Option<i32>,
    level: u8,
    p1: &'a str,
    p2: &'a str,
    p3: &'a str,
    p4: &'a str,
    n1: &'a str,
    n2: &'a str,
    n3: &'a str,
    n4: &'a str,
    text: &'a str,
    norm: &'a str,
    hpath: String,
    words: Vec<&'a str>,
    hwords: Vec<&'a str>,
    wq: u32,
    hq: u32,
    bq: u32,
}

/// The place chains (`p1…p4`) and own names (`n1…n4`) of a record, `""`
/// where unknown.
fn places(record: &ReportRecord) -> ([String; 4], [String; 4]) {
    let chains = PLACE_LEVELS.map(|l| place_key(&record.meta, l).unwrap_or_default());
    let names = chains.clone().map(|c| last_link(&c).to_string());
    (chains, names)
}

fn report_row(record: &ReportRecord, version: u64, gen: u64) -> ReportRow<'_> {
    let ([p1, p2, p3, p4], [n1, n2, n3, n4]) = places(record);
    ReportRow {
        id: &record.id,
        path: &record.path,
        version,
        gen,
        deleted: 0,
        rnum: report_num(&record.id),
        year: record.meta.year,
        level: record.meta.level.map_or(0, crate::index::schema::level_code) as u8,
        p1,
        p2,
        p3,
        p4,
        n1,
        n2,
        n3,
        n4,
        chars: record.chars,
        record: serde_json::to_string(record).expect("record serializes"),
        evidence: record.evidence.as_str(),
    }
}

/// A heading path with its words' byte ranges.
type Segmented = (std::sync::Arc<str>, Vec<(usize, usize)>);

/// The JSON lines of a report's passages (segmented here, with jieba in
/// search mode, as the local index's tokenizer does).
fn passage_lines(record: &ReportRecord, rows: &[PassageRow], gen: u64, out: &mut Vec<u8>) {
    let ([p1, p2, p3, p4], [n1, n2, n3, n4]) = places(record);
    let rnum = report_num(&record.id);
    let level = record.meta.level.map_or(0, crate::index::schema::level_code) as u8;
    // Passages under one heading path share its text: segment it once.
    let mut last_heading: Option<Segmented> = None;
    for row in rows {
        let words: Vec<&str> = segment::text_words_with_byte_offsets(&row.norm)
            .into_iter()
            .map(|(a, b)| &row.norm[a..b])
            .collect();
        let hwords: Vec<&str> = match &row.heading {
            Some(h) => {
                if last_heading.as_ref().is_none_or(|(l, _)| l != h) {
                    last_heading = Some((h.clone(), segment::search_words_with_byte_offsets(h)));
                }
                let offsets = &last_heading.as_ref().expect("set above").1;
                offsets.iter().map(|&(a, b)| &h[a..b]).collect()
            }
            None => Vec::new(),
        };
        let json = PassageJson {
            report: &record.id,
            gen,
            rnum,
            ordinal: row.ordinal,
            sec: row.section as u64,
            kinds: row.kinds,
            flags: row.flags,
            chars: row.chars,
            year: record.meta.year,
            level,
            p1: &p1,
            p2: &p2,
            p3: &p3,
            p4: &p4,
            n1: &n1,
            n2: &n2,
            n3: &n3,
            n4: &n4,
            text: &row.text,
            norm: &row.norm,
            hpath: serde_json::to_string(&row.path).expect("strings serialize"),
            wq: quantize(words.len() as u32),
            hq: quantize(hwords.len() as u32),
            bq: quantize(row.chars as u32),
            words,
            hwords,
        };
        serde_json::to_writer(&mut *out, &json).expect("row serializes");
        out.push(b'\n');
    }
}

/// The ClickHouse sink: batches of reports, sent passages first.
pub struct ClickHouseSink {
    client: Client,
    /// This build's number: the `version` of every row it writes and the
    /// `gen` of the passages it writes.
    version: u64,
    /// Reports waiting for the next batch, with their passages.
    pending: Vec<(ReportRecord, Vec<PassageRow>)>,
    pending_passages: usize,
    /// Report rows without passages (deletions, new stamps).
    pending_rows: Vec<u8>,
    /// Passages written.
    pub passages: usize,
}

impl ClickHouseSink {
    /// A sink writing rows of build `version`.
    pub fn new(client: Client, version: u64) -> ClickHouseSink {
        ClickHouseSink {
            client,
            version,
            pending: Vec::new(),
            pending_passages: 0,
            pending_rows: Vec::new(),
            passages: 0,
        }
    }

    /// Sends what is buffered: the passages of every pending report, then
    /// their report rows (and the rows of deletions and new stamps).
    pub fn flush(&mut self) -> Result<(), HttpError> {
        let pending = std::mem::take(&mut self.pending);
        let version = self.version;
        let chunks: Vec<Vec<u8>> = pending
            .par_iter()
            .map(|(record, rows)| {
                let mut out = Vec::new();
                passage_lines(record, rows, version, &mut out);
                out
            })
            .collect();
        let body: Vec<u8> = chunks.concat();
        self.client.insert_json("passages", &body)?;
        let mut rows = std::mem::take(&mut self.pending_rows);
        for (record, _) in &pending {
            serde_json::to_writer(&mut rows, &report_row(record, version, version))
                .expect("row serializes");
            rows.push(b'\n');
        }
        self.client.insert_json("reports", &rows)?;
        self.passages += self.pending_passages;
        self.pending_passages = 0;
        Ok(())
    }

    fn push_row(&mut self, row: &ReportRow<'_>) {
        serde_json::to_writer(&mut self.pending_rows, row).expect("row serializes");
        self.pending_rows.push(b'\n');
    }
}

impl DocumentSink for ClickHouseSink {
    fn add_report(
        &mut self,
        record: ReportRecord,
        passages: Vec<PassageRow>,
    ) -> Result<(), BuildError> {
        self.pending_passages += passages.len();
        self.pending.push((record, passages));
        if self.pending_passages >= BATCH_PASSAGES {
            self.flush()?;
        }
        Ok(())
    }

    fn delete_report(&mut self, id: Option<&str>, path: &str) -> Result<(), BuildError> {
        // Only reports have rows; a path's skip record is in the manifest.
        if let Some(id) = id {
            let row = ReportRow {
                id,
                path,
                version: self.version,
                gen: 0,
                deleted: 1,
                rnum: report_num(id),
                year: None,
                level: 0,
                p1: String::new(),
                p2: String::new(),
                p3: String::new(),
                p4: String::new(),
                n1: String::new(),
                n2: String::new(),
                n3: String::new(),
                n4: String::new(),
                chars: 0,
                record: String::new(),
                evidence: "",
            };
            self.push_row(&row);
        }
        Ok(())
    }

    fn restamp(&mut self, id: &str, stamp: &FileStamp) -> Result<bool, BuildError> {
        #[derive(serde::Deserialize)]
        struct Current {
            record: String,
            evidence: String,
            gen: u64,
        }
        let rows: Vec<Current> = self.client.select(&format!(
            "SELECT record, evidence, gen FROM reports WHERE id = {} AND {}",
            quote(id),
            schema::current_report_rows()
        ))?;
        let Some(cur) = rows.into_iter().next() else { return Ok(false) };
        let mut record: ReportRecord = serde_json::from_str(&cur.record)
            .map_err(|e| BuildError::Write(format!("a stored record is not valid: {e}")))?;
        record.evidence = crate::corpus::evidence::StoredEvidence::from_stored(&cur.evidence);
        record.stamp = stamp.clone();
        let row = report_row(&record, self.version, cur.gen);
        self.push_row(&row);
        Ok(true)
    }

    fn write_skip(&mut self, _rec: &SkipRecord) -> Result<(), BuildError> {
        Ok(())
    }

    fn forget_path(&mut self, _path: &str) -> Result<(), BuildError> {
        Ok(())
    }
}

/// A `meta` document by key.
pub fn load_meta(client: &Client, key: &str) -> Result<Option<String>, HttpError> {
    #[derive(serde::Deserialize)]
    struct Row {
        value: String,
    }
    let rows: Vec<Row> = client.select(&format!(
        "SELECT argMax(value, version) AS value FROM meta WHERE key = {} GROUP BY key",
        quote(key)
    ))?;
    Ok(rows.into_iter().next().map(|r| r.value))
}

fn meta_row(key: &str, version: u64, value: &str) -> Vec<u8> {
    let mut out = serde_json::to_vec(&serde_json::json!({
        "key": key, "version": version, "value": value
    }))
    .expect("row serializes");
    out.push(b'\n');
    out
}

/// Brings the ClickHouse index at `loc` in line with the corpus (with
/// `full`, drops its tables first).
pub fn build(
    corpus: &std::path::Path,
    loc: &Location,
    full: bool,
    progress: &dyn Progress,
) -> Result<BuildSummary, BuildError> {
    let started = std::time::Instant::now();
    let corpus_abs =
        corpus.canonicalize().map_err(|e| BuildError::Corpus(corpus.to_path_buf(), e))?;
    let folders = crate::index::status::folder_stamps(&corpus_abs);
    let files = walk::scan(&corpus_abs).map_err(|e| BuildError::Corpus(corpus.to_path_buf(), e))?;

    // Statements on the database itself run from the server's `default`
    // database, since ours may not exist yet.
    let admin = connect(&Location { database: "default".into(), ..loc.clone() });
    if full {
        for s in schema::drop_statements(loc) {
            admin.query(&s)?;
        }
    }
    let created = !schema::exists(&admin, loc)?;
    let text_index = schema::has_text_index(&admin.query("SELECT version()")?);
    for s in schema::create_statements(loc, text_index) {
        admin.query(&s)?;
    }
    let mut client = connect(loc);
    if let Some(cluster) = &loc.cluster {
        // Every replica of the shard has the rows when an insert returns:
        // a query served by any replica sees a report's passages no later
        // than its row.
        let n = admin.query(&format!(
            "SELECT max(replica_num) FROM system.clusters WHERE cluster = {}",
            quote(cluster)
        ))?;
        match n.trim().parse::<u32>() {
            Ok(0) | Err(_) => {
                return Err(BuildError::Write(format!(
                    "ClickHouse at {} has no cluster {cluster:?} (see remote_servers in its \
                     configuration)",
                    loc.server()
                )))
            }
            Ok(1) => {}
            Ok(n) => client = client.with_setting("insert_quorum", &n.to_string()),
        }
    }
    let manifest: Manifest = match load_meta(&client, "manifest")? {
        Some(m) => serde_json::from_str(&m)
            .map_err(|e| BuildError::Write(format!("the stored manifest is not valid: {e}")))?,
        None => Manifest::default(),
    };
    let version = last_version(&client)? + 1;
    let (table, table_warnings) = MetadataTable::load(&corpus_abs);
    let mut sink = ClickHouseSink::new(client.clone(), version);
    let mut pass = Pass::new(&mut sink, &table, manifest.reports, manifest.skipped);
    pass.run(&files, progress)?;
    let (mut summary, stubs) = pass.finish()?;
    progress.committing();
    sink.flush()?;
    let old_folders = load_meta(&client, "folders")?;
    let folders = serde_json::to_string(&folders).expect("folders serialize");
    if full || created || summary.committed || old_folders.as_deref() != Some(folders.as_str()) {
        let manifest = Manifest { reports: stubs, skipped: summary.skipped.clone() };
        let payload = crate::index::store::Payload {
            format: schema::FORMAT,
            corpus: corpus_abs,
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let mut rows = meta_row(
            "manifest",
            version,
            &serde_json::to_string(&manifest).expect("manifest serializes"),
        );
        rows.extend(meta_row("folders", version, &folders));
        rows.extend(meta_row(
            "payload",
            version,
            &serde_json::to_string(&payload).expect("payload serializes"),
        ));
        client.insert_json("meta", &rows)?;
        summary.committed = true;
    }
    if full
        || created
        || !(summary.added.is_empty() && summary.updated.is_empty() && summary.removed.is_empty())
    {
        schema::refresh_vocabulary(&client, loc, version)?;
        client.insert_json("meta", &meta_row("vocab", version, &version.to_string()))?;
    }
    if !(summary.updated.is_empty() && summary.removed.is_empty()) {
        schema::collect_garbage(&client, loc)?;
    }
    summary.warnings.splice(0..0, table_warnings);
    progress.finish();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// A client for `loc`, with the settings every statement of ours wants.
pub fn connect(loc: &Location) -> Client {
    let client = Client::new(loc);
    match &loc.cluster {
        // Inserts reach their shard before the call returns, so that a
        // report's passages are there before its row.
        Some(_) => client.with_setting("insert_distributed_sync", "1"),
        None => client,
    }
}

/// The largest build number in the index (0 for a new one).
fn last_version(client: &Client) -> Result<u64, HttpError> {
    let s = client.query(
        "SELECT greatest((SELECT max(version) FROM reports), (SELECT max(version) FROM meta)) AS v",
    )?;
    Ok(s.trim().parse().unwrap_or(0))
}
