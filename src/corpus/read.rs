//! One corpus file to one [`Report`]: decode (or unzip a `.docx`), extract
//! the HTML article, split into sections and passages, read the metadata,
//! then apply the overrides: the corpus's `metadata.csv` row
//! ([`overrides`]), then the report's own sidecars ([`sidecar`]).
//!
//! This is the per-file half of indexing; it runs in parallel (rayon) and
//! never touches the index. The [`MetadataTable`] is loaded once per build
//! by the caller and shared by all threads.

use crate::corpus::evidence::{Clue, Source, StoredEvidence};
use crate::corpus::overrides::{self, MetadataTable};
use crate::corpus::walk::{CorpusFile, FileKind};
use crate::corpus::{decode, docx, html, metadata, sidecar, structure};
use crate::corpus::{Evidence, Metadata, SkipReason, Structure};
use crate::text::normalize;

/// A report read from the corpus, ready to be indexed.
#[derive(Debug, Clone)]
pub struct Report {
    /// Path relative to the corpus root.
    pub rel: String,
    /// Metadata after sidecar overrides.
    pub meta: Metadata,
    /// The evidence behind every metadata field (`reports --explain`);
    /// an overridden field names its override.
    pub evidence: StoredEvidence,
    /// Sections and passages.
    pub structure: Structure,
    /// Encoding the bytes were decoded from (`utf-8`, `gb18030`,
    /// `html/utf-8`, …; `docx` for Word documents).
    pub encoding: String,
    /// blake3 (hex) of the file's bytes.
    pub file_hash: String,
    /// blake3 (hex) of the normalized text: equal for duplicates.
    pub text_hash: String,
    /// Problems with the overrides (the `metadata.csv` row or a sidecar
    /// `.meta.toml`), each starting with the file name and line
    /// (`metadata.csv: line 4: bad year …`); the valid values were applied
    /// anyway.
    pub warnings: Vec<String>,
    /// A fingerprint of the overrides that apply to this report (its
    /// `metadata.csv` row and its sidecar files), `None` when it has none:
    /// a change in it means the report must be reindexed even though its
    /// own bytes did not change.
    pub overrides: Option<String>,
}

/// Reads one corpus file, applying the overrides of `table` and of the
/// file's sidecars. Errors are reasons to skip the file, never panics: one
/// bad file never stops a batch.
pub fn read(file: &CorpusFile, table: &MetadataTable) -> Result<Report, SkipReason> {
    if let FileKind::Skip(reason) = &file.kind {
        return Err(reason.clone());
    }
    let bytes = std::fs::read(&file.abs).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    let file_hash = blake3::hash(&bytes).to_hex().to_string();
    let mut hints = metadata::Hints::default();
    let (text, encoding) = match file.kind {
        FileKind::Docx => {
            if bytes.is_empty() {
                return Err(SkipReason::Empty);
            }
            (docx::extract(&bytes)?, "docx".to_string())
        }
        FileKind::Html => {
            let decoded = decode::decode(&bytes)?;
            let page = html::extract(&decoded.text);
            hints.title = page.title;
            hints.published = page.published;
            hints.source = page.source;
            (page.text, format!("html/{}", decoded.encoding))
        }
        _ => {
            let decoded = decode::decode(&bytes)?;
            (decoded.text, decoded.encoding.to_string())
        }
    };
    drop(bytes);
    let normalized = normalize(&text);
    if normalized.is_empty() {
        // A page or a document without text is not an empty *file*.
        return Err(if file.kind == FileKind::Text {
            SkipReason::Empty
        } else {
            SkipReason::NoText
        });
    }
    let text_hash = blake3::hash(normalized.as_bytes()).to_hex().to_string();
    let structure = structure::parse(&text);
    let (mut meta, mut evidence) = metadata::extract_with_evidence(&text, &file.rel, &hints);
    // Overrides, least specific first: the corpus table, then the sidecars.
    let before = meta.clone();
    let mut warnings = table.apply(&file.rel, &mut meta);
    note_overrides(&before, &meta, overrides::FILE_NAME, &mut evidence);
    for candidate in sidecar::sidecar_candidates(&file.abs) {
        let name = candidate.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        match std::fs::read_to_string(&candidate) {
            Ok(toml_text) => {
                let before = meta.clone();
                for err in sidecar::apply_overrides(&mut meta, &toml_text) {
                    warnings.push(format!("{name}: {err}"));
                }
                note_overrides(&before, &meta, &name, &mut evidence);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => warnings.push(format!("{name}: cannot read, ignored: {e}")),
        }
    }
    evidence.compact();
    let evidence = StoredEvidence::new(&evidence);
    let overrides = overrides_fingerprint(file, table);
    Ok(Report {
        rel: file.rel.clone(),
        meta,
        evidence,
        structure,
        encoding,
        file_hash,
        text_hash,
        warnings,
        overrides,
    })
}

/// Records in the evidence the fields an override changed: the override
/// is their clue, and the value it replaced a rejected candidate.
fn note_overrides(before: &Metadata, after: &Metadata, by: &str, ev: &mut Evidence) {
    let value = |m: &Metadata, field: &str| -> Option<String> {
        match field {
            "title" => m.title.clone(),
            "issuer" => m.issuer.clone(),
            "level" => m.level.map(|l| l.as_str().to_string()),
            "province" => m.province.clone(),
            "city" => m.city.clone(),
            "county" => m.county.clone(),
            "township" => m.township.clone(),
            "year" => m.year.map(|y| y.to_string()),
            "published" => m.published.clone(),
            _ => None,
        }
    };
    for field in crate::corpus::evidence::FIELDS {
        let (old, new) = (value(before, field), value(after, field));
        if old == new {
            continue;
        }
        if let Some(f) = ev.field_mut(field) {
            let extracted = f.clue.take();
            f.rejected.clear();
            if let Some(old) = old {
                f.reject(old, extracted, format!("overridden by {by}"));
            }
            f.clue = Some(Clue::note(Source::Override, by.to_string()));
        }
    }
}

/// The fingerprint of the overrides that apply to a file (its
/// `metadata.csv` row and its sidecars), without reading the file: the
/// incremental indexer compares it with the one recorded.
pub fn overrides_fingerprint(file: &CorpusFile, table: &MetadataTable) -> Option<String> {
    combine_fingerprints(table.fingerprint(&file.rel), sidecar::sidecar_fingerprint(&file.abs))
}

/// One fingerprint for both kinds of override, `None` if neither applies.
/// Tagged, so that the same bytes moving from one kind to the other still
/// count as a change.
fn combine_fingerprints(csv: Option<String>, sidecars: Option<String>) -> Option<String> {
    if csv.is_none() && sidecars.is_none() {
        return None;
    }
    let mut hasher = blake3::Hasher::new();
    hasher.update(overrides::FILE_NAME.as_bytes());
    hasher.update(b"=");
    hasher.update(csv.unwrap_or_default().as_bytes());
    hasher.update(b"\nsidecars=");
    hasher.update(sidecars.unwrap_or_default().as_bytes());
    Some(hasher.finalize().to_hex().to_string())
}
