//! One corpus file to one [`Report`]: decode (or unzip a `.docx`, or read a
//! PDF's text layer), re-join hard-wrapped text, extract the HTML article,
//! split into sections and passages, read the metadata, then apply the
//! overrides: the corpus's `metadata.csv` row ([`overrides`]), then the
//! report's own sidecars ([`sidecar`]).
//!
//! This is the per-file half of indexing; it runs in parallel (rayon) and
//! never touches the index. The [`MetadataTable`] is loaded once per build
//! by the caller and shared by all threads.

use crate::corpus::evidence::{Clue, Source, StoredEvidence};
use crate::corpus::overrides::{self, MetadataTable};
use crate::corpus::walk::{CorpusFile, FileKind};
use crate::corpus::{decode, docx, hardwrap, html, metadata, pdf, sidecar, structure};
use crate::corpus::{Evidence, Metadata, SkipReason, Structure};
use crate::isolate;
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
    /// `html/utf-8`, …; `docx` for Word documents, `pdf` for PDFs).
    pub encoding: String,
    /// blake3 (hex) of the file's bytes.
    pub file_hash: String,
    /// blake3 (hex) of the normalized text of its passages (one line
    /// each): equal for duplicates.
    pub text_hash: String,
    /// The normalized text of each passage (same order as
    /// `structure.passages`; empty for one that normalizes to nothing).
    pub normalized: Vec<String>,
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
/// bad file never stops a batch (SPEC §5).
///
/// The whole read → decode → extract → structure → metadata chain runs
/// under [`isolate::catch`]: a panic anywhere in it (a bug met by a
/// hostile file) becomes [`SkipReason::Internal`] with the panic's message,
/// printed as `internal error: …` in the summary, and the batch goes on.
/// Resource blow-ups are bounded where they can happen instead: file size
/// ([`super::walk::MAX_FILE_SIZE`]), HTML nesting ([`html`]), passage size
/// ([`structure`]); a stack overflow cannot be caught, which is why no
/// stage recurses on the nesting of its input.
pub fn read(file: &CorpusFile, table: &MetadataTable) -> Result<Report, SkipReason> {
    isolate::catch(|| read_unguarded(file, table))
        .unwrap_or_else(|panic| Err(SkipReason::Internal(panic)))
}

fn read_unguarded(file: &CorpusFile, table: &MetadataTable) -> Result<Report, SkipReason> {
    // No input we know of makes a stage panic any more (the fuzz tests in
    // `crate::fuzz` look for them); to test that a panic is isolated, the
    // unit tests inject one.
    #[cfg(test)]
    if file.rel.ends_with(tests::PANICS) {
        panic!("a panic injected by a test");
    }
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
        FileKind::Pdf => {
            if bytes.is_empty() {
                return Err(SkipReason::Empty);
            }
            let doc = pdf::extract(&bytes)?;
            // A weak clue: used only when the text's own title is not found.
            hints.title = doc.title;
            (doc.text, "pdf".to_string())
        }
        _ => {
            let decoded = decode::decode(&bytes)?;
            // `pdftotext` output and other hard-wrapped text: paragraphs
            // joined back, page numbers and running heads dropped.
            let text = hardwrap::unwrap(&decoded.text).unwrap_or(decoded.text);
            (text, decoded.encoding.to_string())
        }
    };
    drop(bytes);
    let structure = structure::parse(&text);
    // Normalized once, here: the duplicate check and the index both use it.
    let normalized: Vec<String> = structure.passages.iter().map(|p| normalize(&p.text)).collect();
    if normalized.iter().all(String::is_empty) {
        // A page or a document without text is not an empty *file*.
        return Err(if file.kind == FileKind::Text {
            SkipReason::Empty
        } else {
            SkipReason::NoText
        });
    }
    let mut hasher = blake3::Hasher::new();
    for n in normalized.iter().filter(|n| !n.is_empty()) {
        hasher.update(n.as_bytes());
        hasher.update(b"\n");
    }
    let text_hash = hasher.finalize().to_hex().to_string();
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
        normalized,
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

#[cfg(test)]
mod tests {
    /// A file whose name ends so panics while it is read (in unit tests).
    pub(super) const PANICS: &str = "panics-in-tests.txt";

    /// A panic while reading one file is that file's skip reason: the
    /// batch goes on, the other files are indexed, and the next run reads
    /// the file again (an internal error is retried) without committing.
    #[test]
    fn a_panic_is_one_files_skip_reason() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join("a.txt"), "第一份报告，坚持和发展新时代枫桥经验。").unwrap();
        std::fs::write(corpus.join(format!("b-{PANICS}")), "第二份报告。").unwrap();
        std::fs::write(corpus.join("c.txt"), "第三份报告，法律顾问。").unwrap();
        let index = dir.path().join("index");
        let s = crate::index::build::build_at(&corpus, &index).unwrap();
        assert_eq!(s.reports, 2);
        assert_eq!(s.skipped.len(), 1);
        assert_eq!(s.skipped[0].path, format!("b-{PANICS}"));
        assert!(
            s.skipped[0]
                .reason
                .starts_with("internal error: a panic injected by a test (at src/corpus/read.rs:"),
            "{}",
            s.skipped[0].reason
        );
        let again = crate::index::build::build_at(&corpus, &index).unwrap();
        assert_eq!((again.files_read, again.skipped.len(), again.committed), (1, 1, false));
    }
}
