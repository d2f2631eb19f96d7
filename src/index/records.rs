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
    /// The distinct heading paths of its passages, in order of first use:
    /// the local index keeps each passage's path as a number into this
    /// table. Empty for a report without headings (and in the records of
    /// other backends, which keep the path with the passage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headings: Vec<Vec<String>>,
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

/// What a concordance line shows of its report: identity, path, year and
/// place. The local index reads it from a passage's fast fields (no stored
/// record is read, so a concordance over every mention costs one stored
/// document per passage, not two); [`ReportHead::of`] takes it from a full
/// record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHead {
    /// Report id.
    pub id: String,
    /// Path relative to the corpus root.
    pub path: String,
    /// Year of the report.
    pub year: Option<i32>,
    /// Level of government.
    pub level: Option<crate::corpus::Level>,
    /// Province, city, county and township names.
    pub places: [Option<String>; 4],
}

impl ReportHead {
    /// The head of a full record.
    pub fn of(r: &ReportRecord) -> ReportHead {
        let m = &r.meta;
        ReportHead {
            id: r.id.clone(),
            path: r.path.clone(),
            year: m.year,
            level: m.level,
            places: [m.province.clone(), m.city.clone(), m.county.clone(), m.township.clone()],
        }
    }

    /// The short place label ([`crate::output::human::place_label`]).
    pub fn place_label(&self) -> String {
        crate::output::human::place_label_of(
            self.level,
            self.places.each_ref().map(|p| p.as_deref()),
        )
    }
}
