//! A page's content stream → positioned glyphs.
//!
//! We interpret the operators that place text (PDF 32000-1 §9.4: `BT`/`ET`,
//! `Tf`, `Tc`, `Tw`, `Tz`, `TL`, `Ts`, `Td`, `TD`, `Tm`, `T*`, `Tj`, `TJ`,
//! `'`, `"`), the graphics state that moves it (`q`, `Q`, `cm`), and form
//! XObjects (`Do`, recursively with their own resources and matrix). Images
//! (`Do` of an image, inline `BI`) are only counted: a page of images and no
//! text is what a scan looks like. Paths, colours and clipping are ignored,
//! and so is the rendering mode: the invisible text that OCR tools lay over
//! a scan is exactly the text we want.
//!
//! Each glyph gets its origin on the page (user space, y up), its advance
//! and its font size there, its Unicode text, and the way it runs: text set
//! sideways (a landscape table on a portrait page) is turned back by a
//! quarter or half turn; slanted or mirrored text (watermarks at 45°) is
//! dropped.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::font::{deref, Code, Font};

/// Limits that keep one hostile page from taking the batch's time: the
/// decompressed content of a page (and of each form), the operations
/// interpreted per page, the nesting of forms and of `q`.
const MAX_CONTENT_BYTES: usize = 64 << 20;
const MAX_OPERATIONS: usize = 2_000_000;
const MAX_FORM_DEPTH: usize = 12;
const MAX_STATE_DEPTH: usize = 256;

/// One glyph on a page.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    /// Origin (left end of the baseline), user space.
    pub x: f32,
    /// Baseline height, user space (y grows upwards).
    pub y: f32,
    /// Advance width, user space.
    pub w: f32,
    /// Font size, user space.
    pub size: f32,
    /// Byte range of its text in [`Page::text`].
    pub start: u32,
    /// Byte length of its text.
    pub len: u16,
    /// Which way the text runs on the page (0: left to right, 1: upwards,
    /// 2: upside down, 3: downwards); `x` and `y` are in the frame where it
    /// runs left to right, so a landscape table set sideways reads like
    /// any page.
    pub dir: u8,
}

/// What one page gave.
#[derive(Debug, Default)]
pub struct Page {
    /// Glyphs in content order.
    pub glyphs: Vec<Glyph>,
    /// The glyphs' text, concatenated.
    pub text: String,
    /// Glyphs whose code no map covers.
    pub unmapped: usize,
    /// Images drawn (XObjects and inline).
    pub images: usize,
    /// Paths painted (filled or stroked): thousands of them and no glyphs
    /// is text drawn as outlines.
    pub paths: usize,
}

impl Page {
    /// The text of one glyph.
    pub fn glyph_text(&self, g: &Glyph) -> &str {
        let s = g.start as usize;
        self.text.get(s..s + g.len as usize).unwrap_or("")
    }
}

/// A 2×3 affine matrix `[a b c d e f]` (PDF row-vector convention).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix([f32; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self × other`: apply `self`, then `other`.
    fn then(&self, o: &Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn translate(tx: f32, ty: f32) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
    }

    fn from_operands(ops: &[Object]) -> Option<Matrix> {
        if ops.len() < 6 {
            return None;
        }
        let mut m = [0.0; 6];
        for (v, o) in m.iter_mut().zip(ops) {
            *v = o.as_float().ok().filter(|v| v.is_finite())?;
        }
        Some(Matrix(m))
    }
}

/// The graphics and text state saved by `q`.
#[derive(Debug, Clone)]
struct State {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    scale: f32,
    leading: f32,
    rise: f32,
}

/// Fonts already read, by object id: a report's pages share a handful.
pub type FontCache = HashMap<ObjectId, Rc<Font>>;

/// Interprets one page.
pub fn page(doc: &Document, page_id: ObjectId, fonts: &mut FontCache) -> Result<Page, String> {
    let bytes = doc
        .get_page_content_with_limit(page_id, MAX_CONTENT_BYTES)
        .map_err(|e| format!("page content: {e}"))?;
    let resources = page_resources(doc, page_id);
    let mut run = Run { doc, fonts, page: Page::default(), operations: 0, codes: Vec::new() };
    let state = State {
        ctm: Matrix::IDENTITY,
        font: None,
        size: 0.0,
        char_spacing: 0.0,
        word_spacing: 0.0,
        scale: 1.0,
        leading: 0.0,
        rise: 0.0,
    };
    run.content(&bytes, &resources, state, 0)?;
    Ok(run.page)
}

/// The resource dictionaries of a page, nearest first (its own, then
/// inherited ones).
fn page_resources(doc: &Document, page_id: ObjectId) -> Vec<&Dictionary> {
    let mut out = Vec::new();
    if let Ok((direct, ids)) = doc.get_page_resources(page_id) {
        out.extend(direct);
        out.extend(ids.into_iter().filter_map(|id| doc.get_dictionary(id).ok()));
    }
    out
}

/// Looks a name up in one category (`Font`, `XObject`) of the resources.
fn lookup<'a>(
    doc: &'a Document,
    resources: &[&'a Dictionary],
    category: &[u8],
    name: &[u8],
) -> Option<(Option<ObjectId>, &'a Object)> {
    resources.iter().find_map(|r| {
        let cat = deref(doc, r.get(category).ok()?)?.as_dict().ok()?;
        let o = cat.get(name).ok()?;
        let (id, o) = doc.dereference(o).ok()?;
        Some((id, o))
    })
}

struct Run<'d, 'f> {
    doc: &'d Document,
    fonts: &'f mut FontCache,
    page: Page,
    operations: usize,
    codes: Vec<Code>,
}

impl<'d> Run<'d, '_> {
    fn content(
        &mut self,
        bytes: &[u8],
        resources: &[&'d Dictionary],
        mut gs: State,
        depth: usize,
    ) -> Result<(), String> {
        let content = Content::decode(bytes).map_err(|e| format!("content stream: {e}"))?;
        let mut stack: Vec<State> = Vec::new();
        let mut tm = Matrix::IDENTITY;
        let mut tlm = Matrix::IDENTITY;
        for op in &content.operations {
            self.operations += 1;
            if self.operations > MAX_OPERATIONS {
                return Err(format!("over {MAX_OPERATIONS} operations on one page"));
            }
            let ops = &op.operands;
            let f = |i: usize| ops.get(i).and_then(|o| o.as_float().ok()).filter(|v| v.is_finite());
            match op.operator.as_str() {
                "q" if stack.len() < MAX_STATE_DEPTH => stack.push(gs.clone()),
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => {
                    if let Some(m) = Matrix::from_operands(ops) {
                        gs.ctm = m.then(&gs.ctm);
                    }
                }
                "BT" => {
                    tm = Matrix::IDENTITY;
                    tlm = Matrix::IDENTITY;
                }
                "Tf" => {
                    gs.size = f(1).unwrap_or(gs.size);
                    gs.font = ops
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|n| self.font(resources, n));
                }
                "Tc" => gs.char_spacing = f(0).unwrap_or(0.0),
                "Tw" => gs.word_spacing = f(0).unwrap_or(0.0),
                "Tz" => gs.scale = f(0).unwrap_or(100.0) / 100.0,
                "TL" => gs.leading = f(0).unwrap_or(0.0),
                "Ts" => gs.rise = f(0).unwrap_or(0.0),
                "Td" | "TD" => {
                    let (tx, ty) = (f(0).unwrap_or(0.0), f(1).unwrap_or(0.0));
                    if op.operator == "TD" {
                        gs.leading = -ty;
                    }
                    tlm = Matrix::translate(tx, ty).then(&tlm);
                    tm = tlm;
                }
                "Tm" => {
                    if let Some(m) = Matrix::from_operands(ops) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = ops.first() {
                        self.show(s, &gs, &mut tm);
                    }
                }
                "'" | "\"" => {
                    if op.operator == "\"" {
                        gs.word_spacing = f(0).unwrap_or(gs.word_spacing);
                        gs.char_spacing = f(1).unwrap_or(gs.char_spacing);
                    }
                    tlm = Matrix::translate(0.0, -gs.leading).then(&tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = ops.last() {
                        self.show(s, &gs, &mut tm);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = ops.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s, &gs, &mut tm),
                                o => {
                                    if let Ok(n) = o.as_float() {
                                        if n.is_finite() {
                                            let tx = -n / 1000.0 * gs.size * gs.scale;
                                            tm = Matrix::translate(tx, 0.0).then(&tm);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                "BI" => self.page.images += 1,
                "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" => self.page.paths += 1,
                "Do" => {
                    let Some(name) = ops.first().and_then(|o| o.as_name().ok()) else { continue };
                    let Some((_, Object::Stream(xobj))) =
                        lookup(self.doc, resources, b"XObject", name)
                    else {
                        continue;
                    };
                    match xobj.dict.get(b"Subtype").and_then(|o| o.as_name()) {
                        Ok(b"Image") => self.page.images += 1,
                        Ok(b"Form") if depth < MAX_FORM_DEPTH => {
                            let Ok(bytes) = (if xobj.dict.get(b"Filter").is_ok() {
                                xobj.decompressed_content_with_limit(MAX_CONTENT_BYTES)
                            } else {
                                Ok(xobj.content.clone())
                            }) else {
                                continue;
                            };
                            let mut inner = gs.clone();
                            if let Some(m) = xobj
                                .dict
                                .get(b"Matrix")
                                .ok()
                                .and_then(|o| deref(self.doc, o))
                                .and_then(|o| o.as_array().ok())
                                .and_then(|a| Matrix::from_operands(a))
                            {
                                inner.ctm = m.then(&gs.ctm);
                            }
                            let own = xobj
                                .dict
                                .get(b"Resources")
                                .ok()
                                .and_then(|o| deref(self.doc, o))
                                .and_then(|o| o.as_dict().ok());
                            let mut res: Vec<&'d Dictionary> = own.into_iter().collect();
                            res.extend_from_slice(resources);
                            // A broken form loses its own text, not the page's.
                            let _ = self.content(&bytes, &res, inner, depth + 1);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The font of a resource name, read once per document.
    fn font(&mut self, resources: &[&'d Dictionary], name: &[u8]) -> Option<Rc<Font>> {
        let (id, o) = lookup(self.doc, resources, b"Font", name)?;
        let dict = o.as_dict().ok()?;
        if let Some(id) = id {
            if let Some(f) = self.fonts.get(&id) {
                return Some(f.clone());
            }
            let f = Rc::new(Font::load(self.doc, dict));
            self.fonts.insert(id, f.clone());
            return Some(f);
        }
        Some(Rc::new(Font::load(self.doc, dict)))
    }

    /// Shows a string: one glyph per code, advancing the text matrix.
    fn show(&mut self, bytes: &[u8], gs: &State, tm: &mut Matrix) {
        let Some(font) = gs.font.clone() else { return };
        let mut codes = std::mem::take(&mut self.codes);
        font.codes(bytes, &mut codes);
        for &code in &codes {
            let advance = font.advance(code);
            let m = tm.then(&gs.ctm);
            let [a, b, c, d, e, f] = m.0;
            // Text space → user space: the origin, and the scale of the
            // glyph's vertical and horizontal extents.
            let x = e + c * gs.rise;
            let y = f + d * gs.rise;
            let vscale = (c * c + d * d).sqrt();
            let hscale = (a * a + b * b).sqrt();
            // The direction of the baseline, and the origin turned so that
            // the text runs left to right.
            let straight =
                |along: f32, across: f32| along.abs() > 0.0 && across.abs() <= 0.05 * along.abs();
            let turned = if straight(a, b) && straight(d, c) && a > 0.0 && d > 0.0 {
                Some((0, x, y))
            } else if straight(b, a) && straight(c, d) && b > 0.0 && c < 0.0 {
                Some((1, y, -x))
            } else if straight(a, b) && straight(d, c) && a < 0.0 && d < 0.0 {
                Some((2, -x, -y))
            } else if straight(b, a) && straight(c, d) && b < 0.0 && c > 0.0 {
                Some((3, -y, x))
            } else {
                None
            };
            let mut tx = advance * gs.size + gs.char_spacing;
            if code.bytes == 1 && code.code == 32 {
                tx += gs.word_spacing;
            }
            tx *= gs.scale;
            if let Some((dir, x, y)) = turned {
                let start = self.page.text.len();
                if !font.push_text(code, &mut self.page.text) {
                    self.page.unmapped += 1;
                }
                let len = self.page.text.len() - start;
                if len > 0 && len <= u16::MAX as usize && start <= u32::MAX as usize {
                    self.page.glyphs.push(Glyph {
                        x,
                        y,
                        w: advance * gs.size * gs.scale * hscale,
                        size: (gs.size * vscale).abs(),
                        start: start as u32,
                        len: len as u16,
                        dir,
                    });
                } else {
                    self.page.text.truncate(start);
                }
            }
            *tm = Matrix::translate(tx, 0.0).then(tm);
        }
        self.codes = codes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_like_pdf() {
        // A translation after a scale: points are scaled first.
        let m = Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]).then(&Matrix::translate(10.0, 5.0));
        assert_eq!(m, Matrix([2.0, 0.0, 0.0, 2.0, 10.0, 5.0]));
        let m = Matrix::translate(10.0, 5.0).then(&Matrix([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]));
        assert_eq!(m, Matrix([2.0, 0.0, 0.0, 2.0, 20.0, 10.0]));
    }
}
