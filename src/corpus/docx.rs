//! Word `.docx` → text: the body of the document, one line per paragraph.
//!
//! A `.docx` is a zip archive of XML parts (Office Open XML, ECMA-376). The
//! text a reader sees lives in the main document part, `word/document.xml`
//! (or wherever `_rels/.rels` points, for the rare writer that names it
//! otherwise). We read that one part with `zip` and stream it through
//! `quick-xml`; headers, footers, footnotes and comments are left out, as
//! they are in the `.txt` copies that collections usually hold.
//!
//! What becomes text, in document order:
//!
//! - `<w:t>`: run text. Without `xml:space="preserve"` its leading and
//!   trailing whitespace is not content (XML default whitespace handling,
//!   which is also what Word does), so we trim it.
//! - `<w:tab/>` inside a run → a tab; `<w:br/>` and `<w:cr/>` → a newline;
//!   `<w:noBreakHyphen/>` → `-`. (`<w:tab>` also appears in paragraph
//!   properties as a tab-stop *definition*; those are not inside a run and
//!   are ignored.)
//! - `</w:p>` ends a line. Paragraphs without text (spacing paragraphs)
//!   give no line, as in the HTML extractor: [`super::structure`] decides
//!   what belongs together from the text, not from blank lines.
//! - Tables: one line per row, its cells joined with [`CELL_SEPARATOR`]
//!   (` | `), so that a row — a record of the table — becomes one passage
//!   ([`super::structure`] never joins a row line with its neighbours).
//!   The paragraphs of one cell are joined with a space. The separator is
//!   not whitespace, which normalization removes between CJK characters,
//!   so a mention never runs from one cell into the next (`法律` | `顾问`
//!   is not `法律顾问`); inside a cell, matching is as everywhere else.
//!   Empty cells keep their place (`项目 |  | 数量`), and a table nested in
//!   a cell becomes text of that cell, its rows joined with a space.
//! - Tracked changes: inserted text (`<w:ins>`, `<w:moveTo>`) is kept,
//!   deleted text (`<w:delText>`, everything under `<w:del>` and
//!   `<w:moveFrom>`) is dropped: the document as it reads now.
//! - Field codes (`<w:instrText>`) are dropped; field results are ordinary
//!   runs and kept. Of the `mc:AlternateContent` pairs that newer Word
//!   versions write around text boxes, only `mc:Choice` is read:
//!   `mc:Fallback` repeats the same text for old readers.
//! - A paragraph nested in another one (a text box anchored in it) is
//!   written as its own line before the line of the paragraph around it.
//!
//! Errors are skip reasons, never panics: a file that is not a zip (a
//! legacy `.doc` or an encrypted `.docx`, both OLE containers, saved under
//! a `.docx` name), a zip without a document part, or broken XML.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::skip::SkipReason;

/// The main document part is inflated up to this many bytes. A real
/// report's `document.xml` is well under 10 MB; a zip bomb is not.
const MAX_PART_BYTES: u64 = 256 << 20;

/// What joins the cells of a table row into one line. A line holding it
/// is a table row to [`super::structure`], which keeps it a passage of its
/// own.
pub const CELL_SEPARATOR: &str = " | ";

/// The magic number of OLE compound files: legacy `.doc`, `.wps`, and
/// password-protected `.docx`.
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Extracts the text of a `.docx` file's body: one line per paragraph,
/// joined with `\n`.
///
/// Returns [`SkipReason::Undecodable`] (`not a valid .docx: …`) for a file
/// that is not a readable Office Open XML document. A valid document
/// without text gives an empty string; the caller decides what that means.
pub fn extract(bytes: &[u8]) -> Result<String, SkipReason> {
    let invalid = |why: String| SkipReason::Undecodable(format!("not a valid .docx: {why}"));
    if bytes.starts_with(OLE_MAGIC) {
        return Err(invalid(
            "this is a legacy Word .doc or an encrypted .docx saved under a .docx name; \
             open it in Word or WPS and save it as .docx (without password) or .txt"
                .into(),
        ));
    }
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| invalid(format!("not a zip: {e}")))?;
    let name = main_part_name(&mut archive);
    let xml = {
        let part = archive
            .by_name(&name)
            .map_err(|e| invalid(format!("cannot open {name} in the archive: {e}")))?;
        if part.size() > MAX_PART_BYTES {
            return Err(invalid(format!("{name} inflates to {} bytes", part.size())));
        }
        let mut buf = Vec::with_capacity(part.size() as usize);
        // `take` too: the size in the zip directory is only a claim.
        part.take(MAX_PART_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| invalid(format!("cannot inflate {name}: {e}")))?;
        if buf.len() as u64 > MAX_PART_BYTES {
            return Err(invalid(format!("{name} inflates to more than {MAX_PART_BYTES} bytes")));
        }
        buf
    };
    let xml = xml_text(&xml).ok_or_else(|| invalid(format!("{name} is not UTF-8 or UTF-16")))?;
    body_text(&xml).map_err(|e| invalid(format!("{name}: {e}")))
}

/// The name of the main document part: the `officeDocument` relationship
/// target in `_rels/.rels`, else the conventional `word/document.xml`.
fn main_part_name<R: Read + std::io::Seek>(archive: &mut zip::ZipArchive<R>) -> String {
    const DEFAULT: &str = "word/document.xml";
    if archive.index_for_name(DEFAULT).is_some() {
        return DEFAULT.into();
    }
    let mut rels = Vec::new();
    let read = archive
        .by_name("_rels/.rels")
        .ok()
        .and_then(|f| f.take(1 << 20).read_to_end(&mut rels).ok());
    if read.is_none() {
        return DEFAULT.into();
    }
    let Some(rels) = xml_text(&rels) else { return DEFAULT.into() };
    let mut reader = Reader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let ty = attr(&e, "Type").unwrap_or_default();
                if ty.ends_with("/officeDocument") {
                    if let Some(target) = attr(&e, "Target") {
                        // Targets are relative to the package root here
                        // (`word/document.xml` or `/word/document.xml`).
                        return target.trim_start_matches('/').to_string();
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return DEFAULT.into(),
            Ok(_) => {}
        }
    }
}

/// The value of an attribute by its local name (prefix ignored), unescaped.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// The XML part as a string: UTF-8 (the norm), or UTF-16 with a BOM,
/// which the standard allows.
fn xml_text(bytes: &[u8]) -> Option<String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (!had_errors).then(|| text.into_owned());
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// Walks `document.xml` and collects its text (see the module docs).
fn body_text(xml: &str) -> Result<String, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Text::default();
    // Depths of the elements that change what we collect. Counters rather
    // than flags, since the elements nest (a deleted run inside a text box
    // inside a deleted paragraph …).
    let mut in_run = 0u32;
    let mut skipping = 0u32;
    // Inside `<w:t>`: Some(preserve?).
    let mut in_text: Option<bool> = None;
    // The run text of the current `<w:t>`, trimmed at its end unless
    // `xml:space="preserve"`.
    let mut chunk = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("broken XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if skipping > 0 || is_skipped(name) {
                    skipping += 1;
                    continue;
                }
                match name {
                    "p" => out.open_paragraph(),
                    "tbl" => out.open_table(),
                    "tr" => out.open_row(),
                    "tc" => out.open_cell(),
                    "r" => in_run += 1,
                    "t" if in_run > 0 => {
                        in_text = Some(attr(&e, "space").as_deref() == Some("preserve"));
                        chunk.clear();
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    "p" => out.close_paragraph(),
                    "tbl" => out.close_table(),
                    "tr" => out.close_row(),
                    "tc" => out.close_cell(),
                    "r" => in_run = in_run.saturating_sub(1),
                    "t" => {
                        if let Some(preserve) = in_text.take() {
                            out.push(if preserve { &chunk } else { chunk.trim() });
                        }
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skipping > 0 || in_run == 0 {
                    // An empty `<w:p/>` holds no text; `<w:tab/>` outside
                    // a run is a tab stop definition.
                    continue;
                }
                match e.local_name().as_ref() {
                    "tab" => out.push("\t"),
                    "br" | "cr" => out.push("\n"),
                    "noBreakHyphen" => out.push("-"),
                    _ => {}
                }
            }
            Event::Text(t) if in_text.is_some() && skipping == 0 => {
                chunk.push_str(&t.xml10_content());
            }
            Event::CData(t) if in_text.is_some() && skipping == 0 => {
                chunk.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if in_text.is_some() && skipping == 0 => {
                // quick-xml hands entity and character references over
                // separately from the text around them.
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_xml_entity(&r.xml10_content())
                        .map(str::to_string),
                };
                chunk.push_str(resolved.as_deref().unwrap_or(""));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out.finish())
}

/// Elements whose whole content is not part of the document as it reads.
fn is_skipped(local_name: &str) -> bool {
    matches!(local_name, "del" | "moveFrom" | "delText" | "instrText" | "Fallback")
}

/// The text being built: finished lines, a stack of open paragraphs (more
/// than one when a text box sits inside a paragraph) and a stack of open
/// tables (more than one when a table sits in a cell).
#[derive(Default)]
struct Text {
    lines: Vec<String>,
    open: Vec<String>,
    tables: Vec<Table>,
}

/// A table being read.
#[derive(Default)]
struct Table {
    /// The finished rows, one line each.
    rows: Vec<String>,
    /// The cells of the open row.
    row: Option<Vec<String>>,
    /// The paragraphs of the open cell.
    cell: Option<Vec<String>>,
}

impl Text {
    fn open_paragraph(&mut self) {
        self.open.push(String::new());
    }

    fn close_paragraph(&mut self) {
        if let Some(p) = self.open.pop() {
            self.emit(p);
        }
    }

    fn open_table(&mut self) {
        self.tables.push(Table::default());
    }

    fn open_row(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            t.row = Some(Vec::new());
        }
    }

    fn open_cell(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            t.cell = Some(Vec::new());
        }
    }

    /// A finished cell: its paragraphs joined with a space.
    fn close_cell(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            if let Some(cell) = t.cell.take() {
                t.row.get_or_insert_with(Vec::new).push(cell.join(" "));
            }
        }
    }

    /// A finished row: one line of its cells. A row without any text
    /// gives no line.
    fn close_row(&mut self) {
        self.close_cell();
        if let Some(t) = self.tables.last_mut() {
            if let Some(cells) = t.row.take() {
                if cells.iter().any(|c| !c.trim().is_empty()) {
                    t.rows.push(cells.join(CELL_SEPARATOR));
                }
            }
        }
    }

    /// A finished table: its rows are lines, or, for a table nested in a
    /// cell, text of that cell (rows joined with a space).
    fn close_table(&mut self) {
        self.close_row();
        let Some(t) = self.tables.pop() else { return };
        if self.tables.last().is_some_and(|outer| outer.cell.is_some()) {
            self.emit(t.rows.join(" "));
        } else {
            for row in t.rows {
                self.emit(row);
            }
        }
    }

    /// Appends text to the innermost open paragraph. Text outside any
    /// paragraph does not occur in valid documents; we keep it as a line.
    fn push(&mut self, s: &str) {
        match self.open.last_mut() {
            Some(p) => p.push_str(s),
            None => self.emit(s.to_string()),
        }
    }

    /// A finished paragraph (or row): a line, or a paragraph of the open
    /// table cell. Paragraphs without text are dropped.
    fn emit(&mut self, paragraph: String) {
        if paragraph.trim().is_empty() {
            return;
        }
        match self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            Some(cell) => cell.push(paragraph.trim().to_string()),
            None => self.lines.push(paragraph),
        }
    }

    fn finish(mut self) -> String {
        // Paragraphs and tables left open by a truncated document still
        // count.
        while !self.open.is_empty() {
            self.close_paragraph();
        }
        while !self.tables.is_empty() {
            self.close_table();
        }
        self.lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A minimal .docx around `body` (the content of `<w:body>`).
    fn docx(body: &str) -> Vec<u8> {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
             xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\">\
             <w:body>{body}</w:body></w:document>"
        );
        zip_of(&[("word/document.xml", &xml)])
    }

    fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn p(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    #[test]
    fn paragraphs_tabs_breaks_and_spaces() {
        let body = format!(
            "{}<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>\
             <w:r><w:t xml:space=\"preserve\">一、 </w:t></w:r><w:r><w:tab/><w:t>主要举措</w:t>\
             <w:br/><w:t>  和成效  </w:t></w:r></w:p><w:p/><w:p><w:pPr/></w:p>{}",
            p("关于2023年法治政府建设情况的报告"),
            p("法律顾问&amp;“枫桥经验”&#x5168;覆盖")
        );
        assert_eq!(
            extract(&docx(&body)).unwrap(),
            "关于2023年法治政府建设情况的报告\n一、 \t主要举措\n和成效\n法律顾问&“枫桥经验”全覆盖"
        );
    }

    #[test]
    fn tables_give_one_line_per_row() {
        let cell = |a: &str, b: &str| format!("<w:tc><w:tcPr/>{}{}</w:tc>", p(a), p(b));
        let body = format!(
            "{}<w:tbl><w:tblPr/><w:tr>{}{}{}</w:tr><w:tr>{}<w:tc><w:p/></w:tc>{}</w:tr>\
             <w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>{}",
            p("前言"),
            cell("甲", "乙"),
            cell("丙", ""),
            cell("", ""),
            cell("丁", "戊"),
            cell("己", ""),
            p("结尾")
        );
        // Cells joined with ` | `, paragraphs in a cell with a space; empty
        // cells keep their place, an empty row gives no line.
        assert_eq!(extract(&docx(&body)).unwrap(), "前言\n甲 乙 | 丙 | \n丁 戊 |  | 己\n结尾");
    }

    #[test]
    fn a_nested_table_is_text_of_its_cell() {
        let inner = format!(
            "<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr><w:tr><w:tc>{}</w:tc></w:tr></w:tbl>",
            p("内一"),
            p("内二"),
            p("内三")
        );
        let body = format!(
            "<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}{inner}</w:tc></w:tr></w:tbl>{}",
            p("外"),
            p("前"),
            p("后")
        );
        assert_eq!(extract(&docx(&body)).unwrap(), "外 | 前 内一 | 内二 内三\n后");
        // A truncated document: the open table still gives its rows.
        let cut = format!("<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}", p("甲"), p("乙"));
        assert_eq!(body_text(&cut).unwrap(), "甲 | 乙");
    }

    #[test]
    fn tracked_changes_fields_and_fallbacks() {
        let body = "<w:p><w:r><w:t>保留</w:t></w:r>\
             <w:del w:id=\"1\"><w:r><w:delText>删除</w:delText></w:r></w:del>\
             <w:ins w:id=\"2\"><w:r><w:t>插入</w:t></w:r></w:ins>\
             <w:moveFrom><w:r><w:t>移走</w:t></w:r></w:moveFrom>\
             <w:r><w:rPr><w:del w:id=\"3\"/></w:rPr><w:instrText> PAGE </w:instrText></w:r>\
             <w:r><w:t>1</w:t></w:r>\
             <w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent>\
             <w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>\
             <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p>\
             </w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>";
        assert_eq!(extract(&docx(body)).unwrap(), "文本框\n保留插入1");
    }

    #[test]
    fn main_part_found_through_rels() {
        let rels = "<?xml version=\"1.0\"?><Relationships \
             xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
             Target=\"/word/document2.xml\"/></Relationships>";
        let doc = format!("<w:document xmlns:w=\"w\"><w:body>{}</w:body></w:document>", p("正文"));
        let bytes = zip_of(&[("_rels/.rels", rels), ("word/document2.xml", &doc)]);
        assert_eq!(extract(&bytes).unwrap(), "正文");
    }

    #[test]
    fn bad_files_are_skip_reasons() {
        let reason = |bytes: &[u8]| extract(bytes).unwrap_err().to_string();
        assert!(reason(b"").contains("not a valid .docx: not a zip"), "{}", reason(b""));
        assert!(reason(b"PK\x03\x04garbage").contains("not a valid .docx"));
        let ole = [OLE_MAGIC, &[0u8; 600]].concat();
        assert!(reason(&ole).contains("legacy Word .doc"), "{}", reason(&ole));
        let no_doc = zip_of(&[("hello.txt", "x")]);
        assert!(reason(&no_doc).contains("word/document.xml"), "{}", reason(&no_doc));
        let broken = zip_of(&[("word/document.xml", "<w:document><w:body><w:p></w:body>")]);
        assert!(reason(&broken).contains("broken XML"), "{}", reason(&broken));
        // Truncated archive: the first half of a valid one.
        let good = docx(&p("正文"));
        let cut = &good[..good.len() / 2];
        assert!(reason(cut).contains("not a valid .docx"), "{}", reason(cut));
    }

    #[test]
    fn empty_document_is_empty_text() {
        assert_eq!(extract(&docx("<w:p/><w:sectPr/>")).unwrap(), "");
    }
}
