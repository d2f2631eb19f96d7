//! One corpus file to one [`Report`]: decode, extract the HTML article,
//! split into sections and passages, read the metadata, apply the sidecar.
//!
//! This is the per-file half of indexing; it runs in parallel (rayon) and
//! never touches the index.

use crate::corpus::walk::{CorpusFile, FileKind};
use crate::corpus::{decode, html, metadata, sidecar, structure};
use crate::corpus::{Metadata, SkipReason, Structure};
use crate::text::normalize;

/// A report read from the corpus, ready to be indexed.
#[derive(Debug, Clone)]
pub struct Report {
    /// Path relative to the corpus root.
    pub rel: String,
    /// Metadata after sidecar overrides.
    pub meta: Metadata,
    /// Sections and passages.
    pub structure: Structure,
    /// Encoding the bytes were decoded from (`utf-8`, `gb18030`, `html`, …).
    pub encoding: String,
    /// blake3 (hex) of the file's bytes.
    pub file_hash: String,
    /// blake3 (hex) of the normalized text: equal for duplicates.
    pub text_hash: String,
    /// Problems with the sidecar `.meta.toml`, if any (the valid keys were
    /// applied anyway).
    pub warnings: Vec<String>,
}

/// Reads one corpus file. Errors are reasons to skip the file, never
/// panics: one bad file never stops a batch.
pub fn read(file: &CorpusFile) -> Result<Report, SkipReason> {
    if let FileKind::Skip(reason) = &file.kind {
        return Err(reason.clone());
    }
    let bytes = std::fs::read(&file.abs).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    let file_hash = blake3::hash(&bytes).to_hex().to_string();
    let decoded = decode::decode(&bytes)?;
    drop(bytes);
    let mut hints = metadata::Hints::default();
    let mut encoding = decoded.encoding.to_string();
    let text = if file.kind == FileKind::Html {
        let page = html::extract(&decoded.text);
        hints.title = page.title;
        hints.published = page.published;
        hints.source = page.source;
        encoding = format!("html/{encoding}");
        page.text
    } else {
        decoded.text
    };
    let normalized = normalize(&text);
    if normalized.is_empty() {
        return Err(if file.kind == FileKind::Html {
            SkipReason::NoText
        } else {
            SkipReason::Empty
        });
    }
    let text_hash = blake3::hash(normalized.as_bytes()).to_hex().to_string();
    let structure = structure::parse(&text);
    let mut meta = metadata::extract(&text, &file.rel, &hints);
    let mut warnings = Vec::new();
    for candidate in sidecar::sidecar_candidates(&file.abs) {
        if let Ok(toml_text) = std::fs::read_to_string(&candidate) {
            let name = candidate.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            for err in sidecar::apply_overrides(&mut meta, &toml_text) {
                warnings.push(format!("{name}: {err}"));
            }
        }
    }
    Ok(Report { rel: file.rel.clone(), meta, structure, encoding, file_hash, text_hash, warnings })
}
