//! The tables of a ClickHouse index, and how a query sees only each
//! report's current generation.
//!
//! * `reports`: one row per version of a report's record — `id`,
//!   `version` (the build that wrote the row), `gen` (the build that wrote
//!   its passages), `deleted`, the report-level columns filters and group
//!   sizes read (`year`, `level`, the place chains `p1…p4` and their own
//!   names `n1…n4`, `chars`), and the record itself as JSON. A
//!   `ReplacingMergeTree(version)` ordered by `id`: merges keep the last
//!   version; queries do not wait for merges and take it with `argMax`.
//! * `passages`: one row per passage *and generation* (`report`, `gen`),
//!   with the report-level columns repeated (filters are plain `WHERE`s),
//!   the original and the normalized text, the jieba words of the text and
//!   of the heading path (arrays: BM25's term frequencies are
//!   `countEqual`), and the quantized field lengths ranking needs
//!   ([`crate::rank::quantize`]).
//! * `meta`: small documents by key (`manifest`, `folders`, `payload`,
//!   `vocab`), `ReplacingMergeTree(version)`.
//! * `vocab`: the document frequency of every jieba word in `words` and
//!   `hwords` among current passages, recomputed by [`refresh_vocabulary`]
//!   at the end of each build that changed anything (one scan of the word
//!   arrays), under the build's number, which `meta` key `vocab` names
//!   once it is complete. Ranking reads it instead of scanning the word
//!   arrays per query.
//!
//! **Never twice, never half.** A build inserts a changed report's
//! passages under a new generation *before* the report row that names
//! that generation, and a query reads passages only through
//! [`current`]: the `(report, gen)` pairs of each report's latest,
//! undeleted row. Until the report row lands, queries see the old
//! generation whole; after, the new one whole; a deleted report's row
//! hides all its passages. Old generations are dropped by
//! [`collect_garbage`] after the build (a mutation), which queries do not
//! need: they never read them.
//!
//! With a cluster (`?cluster=NAME`) each table is a `Replicated…MergeTree`
//! named `…_local` on every server (`{shard}` and `{replica}` macros),
//! created `ON CLUSTER`, behind a `Distributed` table of the plain name
//! sharded by the report number, so a report's rows all live on one shard.
//! Inserts go through the `Distributed` table synchronously
//! (`insert_distributed_sync`), so the passages are on their shard before
//! the report row is sent.

use super::http::{Client, HttpError};
use super::sql::{ident, quote};
use super::Location;

/// Version of the tables' layout (in `meta` as `format`). 2: a passage's
/// `words` leave out the words of two characters (as the local index's
/// format 6 does; ranking reads them from the text's bigrams).
pub const FORMAT: u32 = 2;

/// The columns of `reports`.
const REPORTS: &str = "id String, path String, version UInt64, gen UInt64, deleted UInt8, \
    rnum UInt64, year Nullable(Int32), level UInt8, \
    p1 String, p2 String, p3 String, p4 String, n1 String, n2 String, n3 String, n4 String, \
    chars UInt64, record String, evidence String";

/// The columns of `passages`.
const PASSAGES: &str = "report String, gen UInt64, rnum UInt64, ordinal UInt64, sec UInt64, \
    kinds UInt64, flags UInt64, chars UInt64, year Nullable(Int32), level UInt8, \
    p1 String, p2 String, p3 String, p4 String, n1 String, n2 String, n3 String, n4 String, \
    text String, norm String, hpath String, words Array(String), hwords Array(String), \
    wq UInt32, hq UInt32, bq UInt32";

/// The columns of `meta`.
const META: &str = "key String, version UInt64, value String";

/// One table: name, columns, engine kind, order key, sharding key.
struct Table {
    name: &'static str,
    columns: &'static str,
    replacing: bool,
    order: &'static str,
    shard: &'static str,
}

/// The columns of `vocab`.
const VOCAB: &str = "field String, word String, version UInt64, df UInt64";

const TABLES: [Table; 4] = [
    Table { name: "reports", columns: REPORTS, replacing: true, order: "id", shard: "rnum" },
    Table {
        name: "passages",
        columns: PASSAGES,
        replacing: false,
        order: "(report, gen, ordinal)",
        shard: "rnum",
    },
    Table { name: "meta", columns: META, replacing: true, order: "key", shard: "cityHash64(key)" },
    Table {
        name: "vocab",
        columns: VOCAB,
        replacing: true,
        order: "(field, word)",
        shard: "cityHash64(word)",
    },
];

/// The `text` index on the passages' normalized text that a current
/// ClickHouse (26.2+) offers: it skips the blocks that lack a query word's
/// bigrams for `LIKE '%…%'`. Older servers have no such index type, and
/// work without it.
pub const TEXT_INDEX: &str = "INDEX norm_text norm TYPE text(tokenizer = ngrams(2))";

/// Whether a server version (`SELECT version()`) has the `text` index.
pub fn has_text_index(version: &str) -> bool {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (26, 2)
}

/// The statements that create the database and tables (idempotent); with
/// `text_index`, the passages carry [`TEXT_INDEX`].
pub fn create_statements(loc: &Location, text_index: bool) -> Vec<String> {
    let columns = |t: &Table| {
        if text_index && t.name == "passages" {
            format!("{}, {TEXT_INDEX}", t.columns)
        } else {
            t.columns.to_string()
        }
    };
    let db = ident(&loc.database);
    let mut out = Vec::new();
    match &loc.cluster {
        None => {
            out.push(format!("CREATE DATABASE IF NOT EXISTS {db}"));
            for t in &TABLES {
                let engine = if t.replacing {
                    "ReplacingMergeTree(version)".to_string()
                } else {
                    "MergeTree()".to_string()
                };
                out.push(format!(
                    "CREATE TABLE IF NOT EXISTS {db}.{} ({}) ENGINE = {engine} ORDER BY {}",
                    t.name,
                    columns(t),
                    t.order
                ));
            }
        }
        Some(cluster) => {
            let cluster = ident(cluster);
            out.push(format!("CREATE DATABASE IF NOT EXISTS {db} ON CLUSTER {cluster}"));
            for t in &TABLES {
                let zk = quote(&format!("/clickhouse/tables/{{shard}}/{db}/{}", t.name));
                let engine = if t.replacing {
                    format!("ReplicatedReplacingMergeTree({zk}, '{{replica}}', version)")
                } else {
                    format!("ReplicatedMergeTree({zk}, '{{replica}}')")
                };
                out.push(format!(
                    "CREATE TABLE IF NOT EXISTS {db}.{}_local ON CLUSTER {cluster} ({}) \
                     ENGINE = {engine} ORDER BY {}",
                    t.name,
                    columns(t),
                    t.order
                ));
                out.push(format!(
                    "CREATE TABLE IF NOT EXISTS {db}.{name} ON CLUSTER {cluster} ({}) \
                     ENGINE = Distributed({cluster}, {db}, {name}_local, {})",
                    t.columns,
                    t.shard,
                    name = t.name
                ));
            }
        }
    }
    out
}

/// The statements that drop the tables (`index --full`).
pub fn drop_statements(loc: &Location) -> Vec<String> {
    let db = ident(&loc.database);
    let mut out = Vec::new();
    for t in &TABLES {
        match &loc.cluster {
            None => out.push(format!("DROP TABLE IF EXISTS {db}.{}", t.name)),
            Some(c) => {
                let c = ident(c);
                out.push(format!("DROP TABLE IF EXISTS {db}.{} ON CLUSTER {c}", t.name));
                out.push(format!("DROP TABLE IF EXISTS {db}.{}_local ON CLUSTER {c}", t.name));
            }
        }
    }
    out
}

/// The `(report, gen)` pairs of the current reports: each report's
/// latest row, unless it is a deletion. `GLOBAL IN` this set is how every
/// passage query starts (on a cluster the set is built once and sent to
/// the shards).
pub fn current() -> &'static str {
    "(SELECT id, gen FROM (SELECT id, argMax(gen, version) AS gen, \
     argMax(deleted, version) AS del FROM reports GROUP BY id) WHERE del = 0)"
}

/// The condition on `reports` rows that keeps each report's current row.
pub fn current_report_rows() -> &'static str {
    "(id, version) GLOBAL IN (SELECT id, max(version) FROM reports GROUP BY id) AND deleted = 0"
}

/// Whether the tables exist.
pub fn exists(client: &Client, loc: &Location) -> Result<bool, HttpError> {
    let n = client.query(&format!(
        "SELECT count() FROM system.tables WHERE database = {} AND name IN ('reports', \
         'passages', 'meta', 'vocab')",
        quote(&loc.database)
    ))?;
    Ok(n.trim() == "4")
}

/// Recomputes the vocabulary of the current passages under `version`,
/// then drops the older versions' rows (a mutation).
pub fn refresh_vocabulary(client: &Client, loc: &Location, version: u64) -> Result<(), HttpError> {
    for field in ["words", "hwords"] {
        client.query(&format!(
            "INSERT INTO vocab SELECT {f} AS field, w AS word, {version} AS version, count() AS df \
             FROM (SELECT arrayJoin(arrayDistinct({field})) AS w FROM passages \
             WHERE (report, gen) GLOBAL IN {}) GROUP BY w",
            current(),
            f = quote(field),
        ))?;
    }
    let db = ident(&loc.database);
    let (table, on) = match &loc.cluster {
        None => ("vocab".to_string(), String::new()),
        Some(c) => ("vocab_local".to_string(), format!(" ON CLUSTER {}", ident(c))),
    };
    client.query(&format!("ALTER TABLE {db}.{table}{on} DELETE WHERE version < {version}"))?;
    Ok(())
}

/// Drops the passages of old generations (run after a build's last
/// insert; queries never read them, so this only frees space).
pub fn collect_garbage(client: &Client, loc: &Location) -> Result<(), HttpError> {
    let db = ident(&loc.database);
    let (table, on) = match &loc.cluster {
        None => ("passages".to_string(), String::new()),
        Some(c) => ("passages_local".to_string(), format!(" ON CLUSTER {}", ident(c))),
    };
    // Per shard, the local reports table knows the reports of the shard.
    let reports = if loc.cluster.is_some() { "reports_local" } else { "reports" };
    client.query(&format!(
        "ALTER TABLE {db}.{table}{on} DELETE WHERE (report, gen) NOT IN \
         (SELECT id, gen FROM (SELECT id, argMax(gen, version) AS gen, \
         argMax(deleted, version) AS del FROM {db}.{reports} GROUP BY id) WHERE del = 0)"
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_for_a_server_and_a_cluster() {
        let one = Location::parse("clickhouse://h:1/bg").unwrap();
        let s = create_statements(&one, false).join("\n");
        assert!(s.contains("CREATE TABLE IF NOT EXISTS bg.reports (") && !s.contains("norm_text"));
        assert!(create_statements(&one, true).join("\n").contains(TEXT_INDEX));
        let many = Location::parse("clickhouse://h:1/bg?cluster=c").unwrap();
        let s = create_statements(&many, false).join("\n");
        assert!(s.contains("bg.passages_local ON CLUSTER c"), "{s}");
        assert!(s.contains("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/bg/reports'"));
        assert!(s.contains("Distributed(c, bg, passages_local, rnum)"), "{s}");
        assert!(s.contains("bg.vocab_local ON CLUSTER c"), "{s}");
        assert!(has_text_index("26.2.1.1") && has_text_index("27.1") && !has_text_index("18.16.1"));
        assert!(!has_text_index("25.12.3"));
    }
}
