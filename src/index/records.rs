//! What the index remembers about each corpus file.

use serde::{Deserialize, Serialize};

use crate::corpus::evidence::StoredEvidence;
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
    /// The evidence behind the metadata (`reports --explain`), kept in
    /// the report document's own `evidence` field rather than in its JSON
    /// record, so that commands that read records do not parse it.
    #[serde(skip)]
    pub evidence: StoredEvidence,
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

/// What an incremental build needs to know of an indexed report without
/// reading its record: kept for every report in the index's manifest
/// document, so that a no-op reindex of 100,000 reports reads one stored
/// document instead of 100,000.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStub {
    /// Report id.
    pub id: String,
    /// Path relative to the corpus root.
    pub path: String,
    /// The file as it was when indexed.
    pub stamp: FileStamp,
    /// Fingerprint of the overrides that applied.
    pub overrides: Option<String>,
    /// blake3 of the normalized text (duplicates).
    pub text_hash: String,
    /// Lacks a year / a township / any locality (for the summary).
    pub missing: [bool; 3],
}

impl ReportStub {
    /// The stub of a full record.
    pub fn of(r: &ReportRecord) -> ReportStub {
        ReportStub {
            id: r.id.clone(),
            path: r.path.clone(),
            stamp: r.stamp.clone(),
            overrides: r.overrides.clone(),
            text_hash: r.text_hash.clone(),
            missing: missing_flags(&r.meta),
        }
    }
}

/// Whether a report lacks a year, a township (where it could have one:
/// [`Metadata::could_have_place`], as `reports --missing township`), any
/// locality (a national report lacks no locality).
pub fn missing_flags(m: &Metadata) -> [bool; 3] {
    use crate::corpus::Level;
    let national = m.level == Some(Level::National);
    [
        m.year.is_none(),
        m.township.is_none() && m.could_have_place(Level::Township),
        !national
            && m.province.is_none()
            && m.city.is_none()
            && m.county.is_none()
            && m.township.is_none(),
    ]
}

/// The manifest document: every file the last build saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Indexed reports.
    pub reports: Vec<ReportStub>,
    /// Skipped files.
    pub skipped: Vec<SkipRecord>,
}
