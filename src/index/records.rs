//! What the index remembers about each corpus file.

use serde::{Deserialize, Serialize};

use crate::corpus::{Metadata, Section};

/// How we recognise a file without reading it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch (0 if unknown).
    pub mtime: i64,
    /// blake3 of the file's bytes (hex).
    pub hash: String,
}

/// An indexed report: everything but its passages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    /// Stable id derived from `path`.
    pub id: String,
    /// Path relative to the corpus root, `/`-separated.
    pub path: String,
    /// Extracted (and overridden) metadata.
    pub meta: Metadata,
    /// Top-level sections in order.
    pub sections: Vec<Section>,
    /// Characters of normalized text in all passages (the denominator of
    /// per-10k rates).
    pub chars: u64,
    /// Characters of normalized text per section (same order as
    /// `sections`), for per-section rates.
    pub section_chars: Vec<u64>,
    /// Number of passages.
    pub passages: u64,
    /// The encoding the file was decoded from.
    pub encoding: String,
    /// blake3 of the normalized text (hex): equal for duplicates.
    pub text_hash: String,
    /// The file as it was when indexed.
    pub stamp: FileStamp,
    /// Fingerprint of the metadata overrides (sidecar, `metadata.csv`)
    /// that applied, so that changing one reindexes the report.
    pub overrides: Option<String>,
}

/// A corpus file that was not indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipRecord {
    /// Path relative to the corpus root.
    pub path: String,
    /// Why, as printed (`duplicate of …`, `empty file`, …).
    pub reason: String,
    /// For duplicates, the normalized-text hash they share.
    pub text_hash: Option<String>,
    /// The file as it was when seen.
    pub stamp: FileStamp,
}
