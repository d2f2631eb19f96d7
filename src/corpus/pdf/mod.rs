//! PDF reports → text, in-process (issue #12).
//!
//! [`extract`] parses the file with [`lopdf`] (object and cross-reference
//! parsing, decompression, decryption with the empty user password, repair
//! of damaged cross-reference tables), then does the text extraction itself:
//! `content` interprets each page's content stream into positioned glyphs,
//! decoding codes with the fonts' `ToUnicode` maps (`font`), and
//! `layout` rebuilds lines and paragraphs from the positions, dropping
//! page numbers and running heads. The result is text like a `.txt` report's,
//! one paragraph per line, which goes through [`super::structure`] and
//! [`super::metadata`] like any other report.
//!
//! Why not a text-extraction crate: we compared `pdf-extract`, `lopdf`'s own
//! `extract_text` and `pdf_oxide` on Chinese PDFs of four producers (the
//! figures are in the README). `lopdf` and `pdf-extract` give the right
//! characters where a `ToUnicode` map exists (`pdf-extract` lost four
//! fifths of them in the file Ghostscript wrote) but only text in drawing
//! order:
//! no page numbers or running heads told apart, no paragraphs, and glyph-id
//! garbage or an encrypted file come back as text or as nothing, without a
//! word. `pdf_oxide` reads glyph-id fonts but scrambles the reading order of
//! plain single-column reports and brings an image and office-format stack.
//! Paragraphs, page furniture and words split across page breaks need the
//! glyph positions, so we interpret the content streams ourselves, on top of
//! `lopdf`'s parsing.
//!
//! A PDF that cannot give its text is a skip reason that says what to do:
//! no text layer (a scan), a password to open it, a damaged file, text that
//! decodes to garbage (subset fonts without `ToUnicode`), or not a PDF at
//! all. A panic inside the parser is caught here and becomes the file's skip
//! reason too.

mod content;
mod font;
mod layout;

use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{Document, LoadOptions, Object};

use crate::corpus::SkipReason;

/// At most this many pages are read; a report has a few dozen.
pub const MAX_PAGES: usize = 5000;

/// What a PDF gave: its text and the title of its document information.
///
/// The document information is a weak clue. Many PDFs carry the title of the
/// template they were made from, or a file name, so `/Title` is passed on
/// only when the text itself opens with it (it then helps to find a title
/// that the layout broke over lines). `/CreationDate` is not used: it says
/// when the file was made, which may be years after the report (the PDFs of
/// `tests/data/pdf/` were made in 2026 from reports of 2019–2025).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PdfText {
    /// The text, one paragraph per line.
    pub text: String,
    /// `/Title` of the document information, cleaned, when the first lines
    /// of the text contain it.
    pub title: Option<String>,
}

/// Extracts the text of a PDF file.
pub fn extract(bytes: &[u8]) -> Result<PdfText, SkipReason> {
    if !bytes.get(..1024).unwrap_or(bytes).windows(5).any(|w| w == b"%PDF-") {
        return Err(unreadable(not_pdf(bytes)));
    }
    // lopdf and our interpreter are written not to panic on bad input, but a
    // PDF parser meets a lot of bad input: a panic is this file's problem.
    match catch_unwind(AssertUnwindSafe(|| extract_inner(bytes))) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(unreadable(format!(
                "damaged or unusual PDF (the PDF reader failed: {what}); \
                 repair it (e.g. `qpdf in.pdf out.pdf`) or convert it to .txt"
            )))
        }
    }
}

fn unreadable(why: String) -> SkipReason {
    SkipReason::Pdf(why)
}

/// What a file named `.pdf` that is not one looks like.
fn not_pdf(bytes: &[u8]) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    let what = if head.contains("<html") || head.contains("<!doctype") {
        " (it is an HTML page, perhaps an error page saved instead of the file)"
    } else if bytes.starts_with(b"PK") {
        " (it is a zip archive, perhaps a .docx or .ofd)"
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        " (it is a legacy Office file, perhaps a .doc)"
    } else {
        ""
    };
    format!("not a PDF file{what}: download it again")
}

fn extract_inner(bytes: &[u8]) -> Result<PdfText, SkipReason> {
    let options = LoadOptions { password: Some(String::new()), ..LoadOptions::default() };
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.to_string();
            if bytes.windows(8).any(|w| w == b"/Encrypt") && msg.to_lowercase().contains("password")
                || msg.to_lowercase().contains("decrypt")
            {
                return Err(encrypted());
            }
            return Err(unreadable(format!(
                "damaged PDF ({msg}): download it again, or repair it (e.g. `qpdf in.pdf out.pdf`)"
            )));
        }
    };
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err(encrypted());
    }
    let page_ids: Vec<_> = doc.get_pages().into_values().take(MAX_PAGES).collect();
    if page_ids.is_empty() {
        return Err(unreadable(
            "damaged PDF (no pages found): download it again, or repair it (e.g. `qpdf in.pdf out.pdf`)".into(),
        ));
    }
    let mut fonts = content::FontCache::new();
    let mut pages = Vec::with_capacity(page_ids.len());
    let mut errors = Vec::new();
    for id in page_ids {
        match content::page(&doc, id, &mut fonts) {
            Ok(p) => pages.push(p),
            Err(e) => {
                errors.push(e);
                pages.push(content::Page::default());
            }
        }
    }
    let glyphs: usize = pages.iter().map(|p| p.glyphs.len()).sum();
    let images: usize = pages.iter().map(|p| p.images).sum();
    let paths: usize = pages.iter().map(|p| p.paths).sum();
    let unmapped: usize = pages.iter().map(|p| p.unmapped).sum();
    let visible: usize = pages
        .iter()
        .map(|p| {
            p.glyphs.iter().filter(|g| !p.glyph_text(g).chars().all(char::is_whitespace)).count()
        })
        .sum();
    if glyphs == 0 {
        if !errors.is_empty() && errors.len() == pages.len() {
            return Err(unreadable(format!(
                "damaged PDF ({}): download it again, or repair it (e.g. `qpdf in.pdf out.pdf`)",
                errors[0]
            )));
        }
        if images > 0 || paths >= 50 * pages.len() {
            let what = if images > 0 { "scanned pages" } else { "text drawn as outlines" };
            return Err(SkipReason::Pdf(format!(
                "PDF without a text layer ({what}): OCR it first, \
                 e.g. with `ocrmypdf -l chi_sim in.pdf out.pdf`, and index the result"
            )));
        }
        return Err(SkipReason::NoText);
    }
    let text = layout::text(&pages);
    if let Some(why) = garbage(&text, unmapped, visible) {
        return Err(unreadable(format!(
            "the PDF's text cannot be decoded ({why}): its fonts lack a ToUnicode map; \
             OCR it (e.g. `ocrmypdf --force-ocr -l chi_sim in.pdf out.pdf`) or get a .docx/.txt copy"
        )));
    }
    let title = info_dict(&doc)
        .and_then(|d| info_string(&doc, &d, b"Title"))
        .and_then(|t| clean_title(&t))
        .filter(|t| opens_with(&text, t));
    Ok(PdfText { text, title })
}

/// Whether `title` (spaces aside) is in the first 20 lines of `text`.
fn opens_with(text: &str, title: &str) -> bool {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let head: String = text.lines().take(20).map(squeeze).collect();
    head.contains(&squeeze(title))
}

fn encrypted() -> SkipReason {
    SkipReason::Pdf(
        "encrypted PDF that needs a password to open: remove the password \
         (e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`) and index the copy"
            .into(),
    )
}

/// Why extracted text is garbage, if it is: mostly codes no map covers
/// (glyph ids of subset fonts without `ToUnicode`), Chinese characters
/// outside the common set (codes read through the wrong map), or no Chinese
/// at all but Latin-1 and symbol soup (CJK subset codes read as WinAnsi).
fn garbage(text: &str, unmapped: usize, glyphs: usize) -> Option<String> {
    let (mut total, mut han, mut common, mut odd) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        total += 1;
        if is_han(c) {
            han += 1;
            if is_common_han(c) {
                common += 1;
            }
        } else if matches!(c as u32, 0x80..=0x24F | 0xE000..=0xF8FF | 0xFFFD) || c.is_control() {
            odd += 1;
        }
    }
    if unmapped > 0 && unmapped * 5 >= glyphs.max(1) * 2 {
        return Some(format!("{unmapped} of {glyphs} glyphs have no Unicode mapping"));
    }
    if total < 20 {
        return None;
    }
    if han >= 50 && common * 10 < han * 7 {
        return Some(format!("only {common} of {han} Chinese characters are common ones"));
    }
    if han * 20 < total && odd * 10 >= total * 3 {
        return Some(format!(
            "{odd} of {total} characters are accented Latin or symbols, almost none Chinese"
        ));
    }
    None
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
}

/// A character of GB 2312 (levels 1 and 2: the 6,763 common characters),
/// which government reports hardly ever leave.
fn is_common_han(c: char) -> bool {
    let mut buf = [0u8; 4];
    let s = c.encode_utf8(&mut buf);
    let (bytes, _, bad) = encoding_rs::GBK.encode(s);
    !bad && bytes.len() == 2
        && (0xB0..=0xF7).contains(&bytes[0])
        && (0xA1..=0xFE).contains(&bytes[1])
}

fn info_dict(doc: &Document) -> Option<lopdf::Dictionary> {
    let o = doc.trailer.get(b"Info").ok()?;
    doc.dereference(o).ok()?.1.as_dict().ok().cloned()
}

fn info_string(doc: &Document, info: &lopdf::Dictionary, key: &[u8]) -> Option<String> {
    let o = info.get(key).ok()?;
    let o = doc.dereference(o).ok()?.1;
    match o {
        Object::String(..) => lopdf::decode_text_string(o).ok(),
        _ => None,
    }
    .map(|s| s.trim().to_owned())
    .filter(|s| !s.is_empty())
}

/// A document-information title worth passing on as a hint: it has Chinese
/// in it once the producers' decorations (`Microsoft Word - `, the file
/// extension) are gone.
fn clean_title(raw: &str) -> Option<String> {
    let mut t = raw.trim();
    for prefix in ["Microsoft Word - ", "Microsoft Word-", "WPS文字 - "] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim();
        }
    }
    for ext in [".docx", ".doc", ".wps", ".pdf", ".txt", ".DOCX", ".DOC", ".PDF"] {
        if let Some(rest) = t.strip_suffix(ext) {
            t = rest.trim();
        }
    }
    (t.chars().filter(|c| is_han(*c)).count() >= 4).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            clean_title("Microsoft Word - 关于2023年法治政府建设情况的报告.docx").as_deref(),
            Some("关于2023年法治政府建设情况的报告")
        );
        assert_eq!(clean_title("untitled"), None);
        assert!(opens_with(
            "关于2023年法治政府\n建设情况的报告\n正文。",
            "关于2023年法治政府建设情况的报告"
        ));
        assert!(!opens_with("正文。", "关于2023年法治政府建设情况的报告"));
    }

    #[test]
    fn common_characters() {
        assert!(is_common_han('法'));
        assert!(is_common_han('镇'));
        assert!(!is_common_han('㐀'));
        assert!(!is_common_han('龘'));
    }

    #[test]
    fn not_a_pdf() {
        let err = extract(b"<!DOCTYPE html><html><body>404</body></html>").unwrap_err();
        assert!(err.to_string().contains("HTML page"), "{err}");
    }

    #[test]
    fn damaged_copies_never_panic() {
        // Truncations, flipped bytes and zeroed runs of a real PDF: each is
        // read or skipped with a reason, never a panic or a hang.
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pdf/lo-004.pdf");
        let good = std::fs::read(path).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut read, mut skipped) = (0, 0);
        for case in 0..48 {
            let mut bytes = good.clone();
            let at = (next() % bytes.len() as u64) as usize;
            match case % 3 {
                0 => bytes.truncate(at.max(16)),
                1 => {
                    for _ in 0..8 {
                        let i = (next() % bytes.len() as u64) as usize;
                        bytes[i] ^= 1 << (next() % 8);
                    }
                }
                _ => {
                    let end = (at + 1 + (next() % 4096) as usize).min(bytes.len());
                    bytes[at..end].fill(0);
                }
            }
            match extract(&bytes) {
                Ok(doc) => {
                    assert!(!doc.text.trim().is_empty());
                    read += 1;
                }
                Err(reason) => {
                    assert!(!reason.to_string().is_empty());
                    skipped += 1;
                }
            }
        }
        assert_eq!(read + skipped, 48);
    }
}
