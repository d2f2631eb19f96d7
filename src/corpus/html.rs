//! HTML pages to article text and page metadata.
//!
//! Reports saved from government web sites are whole pages: a header with
//! the site's logo and menu, a breadcrumb (`首页 > 政务公开 > …`), often a
//! 政府信息公开 info table (索引号, 发布机构, 发文日期, …), the article,
//! share and print links, and a footer (`主办单位：…`). [`extract`] keeps the
//! article as plain text, one paragraph per line, and reads the page
//! metadata that the text of a `.txt` report would not have: title,
//! publication date, source and index number. `decode` has already turned
//! the file's bytes into a `&str`; `metadata` and `structure` take over
//! from the returned [`HtmlPage`].
//!
//! How we find the article, in order:
//!
//! 1. The containers that the common government CMSs (TRS WCM, 政务公开
//!    templates, …) put articles in: `#zoom`, `.TRS_Editor`, `#UCAP-CONTENT`,
//!    `.article`, `#content`, `.content`, `article`, `.view`, `.con`, … The
//!    first selector with a match holding some Chinese text wins; among its
//!    matches, the one with the most Chinese text.
//! 2. Otherwise the element whose own paragraphs hold the most Chinese
//!    characters (a simple text-density rule, as in readability-style
//!    extractors, without their link-density refinements).
//!
//! Inside the article, and everywhere in the density search, we skip page
//! chrome: `script`, `style`, `nav`, `header`, `footer`, … and elements
//! whose class or id names a navigation, menu, breadcrumb, header, footer,
//! share or sidebar block. Lines that are only page controls
//! (`【字体：大 中 小】【打印】【关闭】`) or only metadata labels
//! (`发布时间：2023-02-20 来源：…`) are dropped from the text as well, so the
//! metadata is never duplicated into it.
//!
//! # Bounded work on hostile pages
//!
//! An HTML parser builds a tree as deep as the page nests its elements,
//! and html5ever spends time proportional to that depth on many tags
//! (scope checks walk the stack of open elements; unclosed formatting
//! elements such as `<b>` are re-opened in every new paragraph). A 46 KB
//! page of 9,300 unclosed `<div>`s took seconds and deeper ones overflowed
//! the stack (issue #9). Before parsing we therefore estimate, in one
//! linear pass over the tags ([`nesting`]), how deep the page nests and how
//! much re-opening it implies. A page beyond [`MAX_NESTING`] open elements
//! or [`MAX_NESTING_COST`] is not parsed into a tree: its text is taken by
//! a flat tag stripper ([`extract_flat`]) — block tags end lines, `script`
//! and `style` are dropped, common entities decoded, the same chrome and
//! metadata lines filtered and the same labels read — so its words are
//! still found, without the article detection. No real report page comes
//! near the limits (the deepest page of the bundled corpus nests 25
//! elements). The walks over the tree are iterative all the same.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};

/// A node of scraper's tree (`ego_tree::NodeRef<Node>`), named through
/// `ElementRef`'s `Deref` so that we need no direct `ego-tree` dependency.
type NodeRef<'a> = <ElementRef<'a> as std::ops::Deref>::Target;

/// What [`extract`] reads from a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlPage {
    /// The article title: the page's `<h1>` (or a CMS title element), else
    /// `<meta name="ArticleTitle">`, else the info table's 标题/名称, else
    /// `<title>` without the site's name (`…_渠县人民政府`, `… - 渠县政府网`).
    pub title: Option<String>,
    /// The article text: one paragraph per line, joined with `\n`, no
    /// blank lines. Entities are decoded; whitespace inside a paragraph is
    /// kept as written (line breaks in the HTML source become spaces),
    /// ASCII whitespace at both ends of a paragraph is dropped, as a
    /// browser would.
    pub text: String,
    /// `YYYY-MM-DD` from a 发布日期 / 发布时间 / 发文日期 / 成文日期 label
    /// anywhere on the page, else from `<meta name="PubDate">`.
    pub published: Option<String>,
    /// The 来源 (信息来源, 文章来源) label, else `<meta name="ContentSource">`.
    pub source: Option<String>,
    /// The 索引号 label (政府信息公开 index number).
    pub index_no: Option<String>,
}

/// Extracts the article text and the page metadata from an HTML page.
/// Never fails: a page without article text yields an empty `text`, which
/// the caller turns into `SkipReason::NoText`.
pub fn extract(html: &str) -> HtmlPage {
    let n = nesting(html);
    if n.depth > MAX_NESTING || n.cost > MAX_NESTING_COST {
        return extract_flat(html);
    }
    let doc = Html::parse_document(html);
    let root = doc.root_element();

    let container = find_container(root);
    let text = render(*container, true)
        .into_iter()
        .filter(|line| !is_chrome_line(line) && !is_metadata_line(line))
        .collect::<Vec<_>>()
        .join("\n");

    // Metadata may sit anywhere on the page: in the article, in an info
    // table above it, in a line under the title. We read the page without
    // its chrome first, then with it (some sites put 发布时间 in a block
    // with a class like `top-info`).
    let mut lines = render(*root, true);
    lines.extend(render(*root, false));
    let labels = labelled_values(&lines);
    let metas = MetaTags::of(&doc);

    let published = ["发布日期", "发文日期", "发布时间", "成文日期"]
        .iter()
        .find_map(|label| find_label(&labels, &[label]).and_then(|v| parse_date(&v)))
        .or_else(|| metas.pub_date.as_deref().and_then(parse_date));
    let source = find_label(&labels, &["来源", "信息来源", "文章来源", "稿件来源"])
        .map(|v| clean_value(&v))
        .filter(|v| !v.is_empty())
        .or(metas.content_source.clone());
    let index_no =
        find_label(&labels, &["索引号"]).map(|v| clean_value(&v)).filter(|v| !v.is_empty());
    let title = find_title(root, container)
        .or(metas.article_title.clone())
        .or_else(|| find_label(&labels, TITLE_LABELS).map(|v| clean_value(&v)))
        .or_else(|| metas.title.as_deref().and_then(clean_page_title))
        .filter(|t| !t.is_empty());

    HtmlPage { title, text, published, source, index_no }
}

/// True when the start of a file looks like HTML (`<!DOCTYPE html`,
/// `<html`, `<head`, `<meta`, `<body`, or `<?xml` followed by `<html`
/// within the first kilobyte). Lets the caller treat a `.txt` that is
/// really a saved page as HTML.
pub fn is_html(start: &str) -> bool {
    let head: String = start
        .trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n'])
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    ["<!doctype html", "<html", "<head", "<meta", "<body"].iter().any(|p| head.starts_with(p))
        || ((head.starts_with("<?xml") || head.starts_with("<!--")) && head.contains("<html"))
}

/// Pages nesting more open elements than this are read by
/// [`extract_flat`] (see the module docs). Browsers cap their trees at a
/// few hundred levels for the same reason (Blink: 512).
pub const MAX_NESTING: usize = 256;

/// Pages whose start tags, summed over each tag's nesting depth, exceed
/// this are read by [`extract_flat`]: a measure of what html5ever would
/// spend re-opening unclosed elements (`<b id=1><p>…<b id=2><p>…`).
pub const MAX_NESTING_COST: usize = 20_000_000;

/// What [`nesting`] finds: the deepest nesting of elements left open, and
/// the sum of the depths at every start tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nesting {
    /// The most elements open at once (an estimate, see [`nesting`]).
    pub depth: usize,
    /// The sum, over start tags, of the depth at that tag.
    pub cost: usize,
}

/// Elements with no content: never open.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements [`nesting`] does not count: void ones, and the document's
/// `html`, `head` and `body`, which the parser opens once whatever the page
/// says.
fn not_nesting(name: &str) -> bool {
    is_void(name) || closes_itself(name) || matches!(name, "html" | "head" | "body")
}

/// Elements that the next one of their kind closes (`<p>a<p>b`, `<li>`,
/// table rows and cells): they do not pile up.
fn closes_itself(name: &str) -> bool {
    matches!(
        name,
        "p" | "li"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "option"
            | "optgroup"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "rb"
            | "rp"
            | "rt"
            | "rtc"
    )
}

/// Elements whose content is raw text up to their end tag.
fn is_raw_text(name: &str) -> bool {
    matches!(name, "script" | "style" | "textarea" | "title" | "xmp" | "iframe" | "noembed")
}

/// A piece of an HTML page as the flat scanner sees it.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    /// Text between tags (entities not decoded).
    Text(&'a str),
    /// `<name …>` (name in ASCII lower case), and whether it ended `/>`.
    Start(String, bool),
    /// `</name>`.
    End(String),
}

/// A linear, forgiving scan of a page into text and tags: comments,
/// doctypes and processing instructions are skipped, raw-text elements
/// (`script`, `style`, …) are skipped to their end tag, a `<` that starts
/// no tag is text. Used by [`nesting`] and [`extract_flat`]; never
/// allocates more than a tag name per tag.
struct Pieces<'a> {
    html: &'a str,
    at: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let bytes = self.html.as_bytes();
        loop {
            let rest = self.html.get(self.at..)?;
            if rest.is_empty() {
                return None;
            }
            let Some(lt) = rest.find('<') else {
                self.at = self.html.len();
                return Some(Piece::Text(rest));
            };
            if lt > 0 {
                // `lt` is the byte offset of an ASCII `<`: a char boundary.
                self.at += lt;
                return Some(Piece::Text(&rest[..lt]));
            }
            // `rest` starts with `<`; every offset below is found by
            // searching for ASCII bytes, so each slice is on a boundary.
            let after =
                |pat: &str, from: usize| rest[from..].find(pat).map(|i| from + i + pat.len());
            if rest.starts_with("<!--") {
                self.at += after("-->", 4).unwrap_or(rest.len());
                continue;
            }
            let second = bytes.get(self.at + 1).copied().unwrap_or(b' ');
            if second == b'!' || second == b'?' {
                self.at += after(">", 1).unwrap_or(rest.len());
                continue;
            }
            let (end_tag, name_start) = if second == b'/' { (true, 2) } else { (false, 1) };
            let name_len = rest.as_bytes()[name_start.min(rest.len())..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let first_is_letter =
                rest.as_bytes().get(name_start).is_some_and(|b| b.is_ascii_alphabetic());
            if name_len == 0 || !first_is_letter {
                // Not a tag: the `<` is text.
                self.at += 1;
                return Some(Piece::Text("<"));
            }
            let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
            let close = after(">", name_start + name_len).unwrap_or(rest.len());
            let self_closing = rest[..close].ends_with("/>");
            self.at += close;
            if end_tag {
                return Some(Piece::End(name));
            }
            if is_raw_text(&name) && !self_closing {
                let tail = &self.html[self.at..];
                let end = find_end_tag(tail, &name).unwrap_or(tail.len());
                // `end` is at an ASCII `<` (or the end): a boundary.
                let after_end = tail[end..].find('>').map_or(tail.len(), |i| end + i + 1);
                self.at += after_end;
                continue;
            }
            return Some(Piece::Start(name, self_closing));
        }
    }
}

/// The offset of `</name` in `hay`, the name compared without regard to
/// ASCII case; linear, without copying.
fn find_end_tag(hay: &str, name: &str) -> Option<usize> {
    let name = name.as_bytes();
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.find("</") {
        let at = from + i;
        let candidate = &hay.as_bytes()[at + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name) {
            return Some(at);
        }
        // `</` is ASCII, so `at + 2` is a boundary.
        from = at + 2;
    }
    None
}

/// Estimates how deeply a page nests its elements (see [`Nesting`]), in one
/// pass over its tags. Void elements and elements that close themselves
/// (`p`, `li`, table cells…) are not counted; an end tag closes one level.
pub fn nesting(html: &str) -> Nesting {
    let mut n = Nesting { depth: 0, cost: 0 };
    let mut depth = 0usize;
    for piece in (Pieces { html, at: 0 }) {
        match piece {
            Piece::Start(name, false) if !not_nesting(&name) => {
                depth += 1;
                n.depth = n.depth.max(depth);
                n.cost = n.cost.saturating_add(depth);
            }
            Piece::End(name) if !not_nesting(&name) => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    n
}

/// Decodes the entities a Chinese government page uses (`&nbsp;`, `&lt;`,
/// `&ldquo;`, `&#12288;`, `&#x3000;` …); others are kept as written.
fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        // An entity is short: `&` + at most 10 ASCII characters + `;`.
        let semi = tail.bytes().take(12).position(|b| b == b';');
        let decoded = semi.and_then(|semi| {
            let body = &tail[1..semi];
            let c = match body {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                "ldquo" => '“',
                "rdquo" => '”',
                "lsquo" => '‘',
                "rsquo" => '’',
                "mdash" => '—',
                "ndash" => '–',
                "hellip" => '…',
                "middot" => '·',
                "times" => '×',
                "ensp" => '\u{2002}',
                "emsp" => '\u{2003}',
                _ => {
                    let num = body.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code).filter(|c| *c != '\0')?
                }
            };
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The text of a page by the flat scanner (`Pieces`): the fallback of
/// [`extract`] for pages nested too deeply to parse into a tree. Block tags
/// and `<br>` end lines, table cells are separated by a space, skipped
/// elements (`head`, `script`, …) are dropped; chrome and metadata lines
/// are filtered and the labels read as [`extract`] does. There is no
/// article detection and no title (the report's text still has one).
pub fn extract_flat(html: &str) -> HtmlPage {
    let mut out = LineWriter::default();
    // Depth inside elements whose content is dropped (`head`, `button`…),
    // counted by name so that a stray end tag cannot underflow it.
    let mut skipping: Vec<String> = Vec::new();
    for piece in (Pieces { html, at: 0 }) {
        match piece {
            Piece::Text(t) if skipping.is_empty() => out.push_text(&decode_entities(t)),
            Piece::Text(_) => {}
            Piece::Start(name, self_closing) => {
                if name == "body" {
                    // An unclosed `<head>` ends here.
                    skipping.clear();
                } else if is_skipped(&name) && !is_void(&name) && !self_closing {
                    skipping.push(name);
                } else if skipping.is_empty() {
                    if is_block(&name) || name == "br" || name == "hr" {
                        out.break_line();
                    } else if name == "td" || name == "th" {
                        out.current.push(' ');
                    }
                }
            }
            Piece::End(name) => {
                if let Some(pos) = skipping.iter().rposition(|n| *n == name) {
                    skipping.truncate(pos);
                } else if skipping.is_empty() && is_block(&name) {
                    out.break_line();
                }
            }
        }
    }
    let lines = out.finish();
    let labels = labelled_values(&lines);
    let published = ["发布日期", "发文日期", "发布时间", "成文日期"]
        .iter()
        .find_map(|label| find_label(&labels, &[label]).and_then(|v| parse_date(&v)));
    let source = find_label(&labels, &["来源", "信息来源", "文章来源", "稿件来源"])
        .map(|v| clean_value(&v))
        .filter(|v| !v.is_empty());
    let index_no =
        find_label(&labels, &["索引号"]).map(|v| clean_value(&v)).filter(|v| !v.is_empty());
    let text = lines
        .into_iter()
        .filter(|line| !is_chrome_line(line) && !is_metadata_line(line))
        .collect::<Vec<_>>()
        .join("\n");
    HtmlPage { title: None, text, published, source, index_no }
}

/// The CMS article containers we know, best first.
static CONTAINERS: LazyLock<Vec<Selector>> = LazyLock::new(|| {
    [
        "#zoom",
        ".TRS_Editor",
        "#UCAP-CONTENT",
        ".TRS_UEDITOR",
        "#ozoom",
        ".article-content",
        ".article_content",
        ".pages_content",
        ".zwnr",
        "#zwnr",
        ".article",
        "#article",
        "#content",
        ".content",
        "article",
        ".view",
        ".con",
        "main",
    ]
    .iter()
    .filter_map(|s| Selector::parse(s).ok())
    .collect()
});

/// The minimum of Chinese characters for a CMS container to count: an
/// empty `.content` box in a sidebar should not beat the real article.
const MIN_CONTAINER_CJK: usize = 10;

/// The element holding the article (see the module docs).
fn find_container(root: ElementRef<'_>) -> ElementRef<'_> {
    for selector in CONTAINERS.iter() {
        let best =
            root.select(selector).map(|el| (cjk_count(*el, true), el)).max_by_key(|(n, _)| *n);
        if let Some((n, el)) = best {
            if n >= MIN_CONTAINER_CJK {
                return el;
            }
        }
    }
    densest(root).unwrap_or(root)
}

/// The element whose own paragraphs (its text children and its inline or
/// `<p>` children) hold the most Chinese characters, outside page chrome.
fn densest(root: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let mut best: Option<(usize, ElementRef<'_>)> = None;
    let mut stack = vec![root];
    while let Some(el) = stack.pop() {
        let mut own = 0;
        for child in el.children() {
            match child.value() {
                Node::Text(t) => own += cjk_in(t),
                Node::Element(e) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if is_skipped(e.name()) || is_boilerplate(e) {
                        continue;
                    }
                    if e.name() == "p" || is_inline(e.name()) {
                        own += cjk_count(child, true);
                    } else {
                        stack.push(child_el);
                    }
                }
                _ => {}
            }
        }
        if own > 0 && best.is_none_or(|(n, _)| own > n) {
            best = Some((own, el));
        }
    }
    best.map(|(_, el)| el)
}

/// The title element: the first `<h1>` or CMS title element outside page
/// chrome whose text is not just the site's name.
fn find_title(root: ElementRef<'_>, container: ElementRef<'_>) -> Option<String> {
    static TITLES: LazyLock<Vec<Selector>> = LazyLock::new(|| {
        ["h1", ".article-title", ".article_title", "#ArticleTitle", ".xxgk_title", ".title"]
            .iter()
            .filter_map(|s| Selector::parse(s).ok())
            .collect()
    });
    for (i, selector) in TITLES.iter().enumerate() {
        // `.title` is too common (sidebar boxes have one too): we accept it
        // only inside the article container.
        let scope = if i + 1 == TITLES.len() { container } else { root };
        for el in scope.select(selector) {
            if el.ancestors().filter_map(ElementRef::wrap).any(|a| is_boilerplate(a.value()))
                || is_boilerplate(el.value())
            {
                continue;
            }
            let title = render(*el, true).join("");
            let title = title.trim();
            if cjk_in(title) >= 2 && !is_site_name(title) {
                return Some(title.to_string());
            }
        }
    }
    None
}

/// The meta tags we read, by name, case-insensitively.
#[derive(Default)]
struct MetaTags {
    pub_date: Option<String>,
    content_source: Option<String>,
    article_title: Option<String>,
    /// The `<title>` element's text (not a meta tag, but read the same way).
    title: Option<String>,
}

impl MetaTags {
    fn of(doc: &Html) -> MetaTags {
        static META: LazyLock<Selector> = LazyLock::new(|| Selector::parse("meta").unwrap());
        static TITLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("title").unwrap());
        let mut tags = MetaTags::default();
        for meta in doc.select(&META) {
            let (Some(name), Some(content)) = (meta.attr("name"), meta.attr("content")) else {
                continue;
            };
            let content = content.trim();
            if content.is_empty() {
                continue;
            }
            let slot = match name.to_ascii_lowercase().as_str() {
                "pubdate" | "publishdate" | "firstpublishedtime" => &mut tags.pub_date,
                "contentsource" => &mut tags.content_source,
                "articletitle" => &mut tags.article_title,
                _ => continue,
            };
            slot.get_or_insert_with(|| content.to_string());
        }
        tags.title = doc
            .select(&TITLE)
            .next()
            .map(|t| t.text().collect::<String>().trim().to_string())
            .filter(|t| !t.is_empty());
        tags
    }
}

/// Renders an element's text as lines: block elements and `<br>` end a
/// line, table cells are separated by a space, empty lines are dropped.
/// With `skip_chrome`, navigation, headers, footers and the like are left
/// out; `script`, `style` and other non-text elements always are.
fn render(node: NodeRef<'_>, skip_chrome: bool) -> Vec<String> {
    let mut out = LineWriter::default();
    out.walk(node, skip_chrome);
    out.finish()
}

#[derive(Default)]
struct LineWriter {
    lines: Vec<String>,
    current: String,
    /// Depth of `<pre>` elements we are in: there, source line breaks are
    /// line breaks.
    pre: usize,
}

impl LineWriter {
    /// Walks the tree under `root` in document order, with an explicit
    /// stack: pages nest deeper than the call stack allows.
    fn walk(&mut self, root: NodeRef<'_>, skip_chrome: bool) {
        enum Step<'a> {
            Enter(NodeRef<'a>),
            Leave { block: bool, cell: bool, pre: bool },
        }
        let mut stack = vec![Step::Enter(root)];
        while let Some(step) = stack.pop() {
            let node = match step {
                Step::Enter(node) => node,
                Step::Leave { block, cell, pre } => {
                    if pre {
                        self.pre -= 1;
                    }
                    if block {
                        self.break_line();
                    } else if cell {
                        self.current.push(' ');
                    }
                    continue;
                }
            };
            match node.value() {
                Node::Text(text) => self.push_text(text),
                Node::Element(el) => {
                    let name = el.name();
                    if is_skipped(name) || (skip_chrome && is_boilerplate(el)) {
                        continue;
                    }
                    if name == "br" || name == "hr" {
                        self.break_line();
                        continue;
                    }
                    let block = is_block(name);
                    let cell = name == "td" || name == "th";
                    let pre = name == "pre";
                    if block {
                        self.break_line();
                    }
                    if pre {
                        self.pre += 1;
                    }
                    stack.push(Step::Leave { block, cell, pre });
                    // Reversed, so that the first child is taken first.
                    stack.extend(node.children().rev().map(Step::Enter));
                }
                _ => {}
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.pre > 0 {
            let mut parts = text.split('\n');
            if let Some(first) = parts.next() {
                self.current.push_str(first.trim_end_matches('\r'));
            }
            for part in parts {
                self.break_line();
                self.current.push_str(part.trim_end_matches('\r'));
            }
        } else {
            // In HTML a source line break is just whitespace; keeping it
            // would split a paragraph in two.
            self.current.extend(text.chars().map(|c| match c {
                '\n' | '\r' | '\t' | '\u{0C}' => ' ',
                c => c,
            }));
        }
    }

    fn break_line(&mut self) {
        let line = self.current.trim_matches(|c: char| c.is_ascii_whitespace());
        if !line.chars().all(char::is_whitespace) {
            self.lines.push(line.to_string());
        }
        self.current.clear();
    }

    fn finish(mut self) -> Vec<String> {
        self.break_line();
        self.lines
    }
}

/// Elements whose content is never text of the page.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "head"
            | "title"
            | "iframe"
            | "object"
            | "embed"
            | "svg"
            | "canvas"
            | "button"
            | "select"
            | "option"
            | "textarea"
            | "input"
    )
}

/// Elements that start and end a line.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "caption"
            | "section"
            | "article"
            | "main"
            | "aside"
            | "blockquote"
            | "pre"
            | "center"
            | "form"
            | "fieldset"
            | "figure"
            | "figcaption"
            | "address"
            | "body"
            | "html"
    )
}

/// Inline elements whose text belongs to the paragraph around them.
fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "span" | "font" | "strong" | "b" | "em" | "i" | "u" | "sub" | "sup" | "a" | "small" | "big"
    )
}

/// Page chrome: navigation, menus, breadcrumbs, headers, footers, share
/// and print bars, sidebars — by tag, or by a word in the class or id.
fn is_boilerplate(el: &scraper::node::Element) -> bool {
    if matches!(el.name(), "nav" | "header" | "footer" | "aside") {
        return true;
    }
    // Long keywords are matched as substrings (`mainNav`, `breadcrumbs`,
    // `footer_wrap`); short ones that occur inside ordinary words (`top` in
    // `stop`, `foot` in `footnote`…) only as whole words of the class or id.
    const SUBSTRINGS: &[&str] = &[
        "nav",
        "menu",
        "breadcrumb",
        "crumb",
        "footer",
        "header",
        "sidebar",
        "share",
        "copyright",
        "toolbar",
        "fenxiang",
        "dayin",
        "position",
        "location",
    ];
    const WORDS: &[&str] =
        &["top", "foot", "bottom", "side", "print", "tools", "tool", "bdshare", "mianbao", "dqwz"];
    let attrs = [el.attr("class"), el.attr("id")];
    attrs.iter().flatten().any(|attr| {
        let attr = attr.to_ascii_lowercase();
        SUBSTRINGS.iter().any(|k| attr.contains(k))
            || attr.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| WORDS.contains(&w))
    })
}

/// True for lines made only of page controls: `【字体：大 中 小】【打印】
/// 【关闭】`, `分享到：`, `返回顶部`.
fn is_chrome_line(line: &str) -> bool {
    const CONTROLS: &[&str] = &[
        "分享到",
        "分享",
        "打印本页",
        "打印",
        "关闭窗口",
        "关闭本页",
        "关闭",
        "字体",
        "字号",
        "返回顶部",
        "返回",
        "收藏",
        "默认",
        "增大",
        "减小",
        "扫一扫",
        "微信",
        "微博",
        "QQ空间",
        "在手机上打开",
        "大",
        "中",
        "小",
    ];
    let mut rest: String =
        line.chars().filter(|c| !c.is_whitespace() && !"【】[]()（）|｜:：".contains(*c)).collect();
    if rest.is_empty() || rest.chars().count() > 40 {
        return false;
    }
    for control in CONTROLS {
        rest = rest.replace(control, "");
    }
    rest.is_empty()
}

/// The labels of page metadata, as they appear in info tables and under
/// titles.
const METADATA_LABELS: &[&str] = &[
    "索引号",
    "发布机构",
    "发文机关",
    "发布日期",
    "发布时间",
    "发文日期",
    "成文日期",
    "生效日期",
    "来源",
    "信息来源",
    "文章来源",
    "稿件来源",
    "作者",
    "浏览次数",
    "点击数",
    "阅读次数",
    "访问量",
    "主题分类",
    "体裁分类",
    "组配分类",
    "信息分类",
    "公开方式",
    "公开范围",
    "公开时限",
    "发文字号",
    "文号",
    "有效性",
    "责任编辑",
    "编辑",
];

/// A run of `label：value` pairs, nothing else: `发布时间：2023-02-20
/// 10:30 来源：渠县司法局 浏览次数：`.
static METADATA_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let labels = METADATA_LABELS.join("|");
    Regex::new(&format!(
        r"^(?:\s*(?:{labels})\s*[:：](?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?|[^:：])*?)+$"
    ))
    .unwrap()
});

/// True for a line that is only metadata labels with their values: page
/// chrome around the article, read into [`HtmlPage`] fields instead.
fn is_metadata_line(line: &str) -> bool {
    // A paragraph of the report can mention 来源 in passing; a metadata line
    // starts with a label and is short.
    line.chars().count() <= 120 && METADATA_LINE.is_match(line)
}

/// Labels read for the title only, not dropped as metadata lines (a line
/// `名称：…` inside an article is rare but would be content).
const TITLE_LABELS: &[&str] = &["标题", "名称"];

/// A label that starts a token (start of the line, or after whitespace or a
/// bracket), followed by a colon or by whitespace (a table cell), and its
/// value: up to the next whitespace, plus a time after a date.
static LABEL_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    let labels = METADATA_LABELS.iter().chain(TITLE_LABELS).copied().collect::<Vec<_>>().join("|");
    Regex::new(&format!(
        r"(?:^|[\s|｜【\[】\]])({labels})\s*(?:[:：]\s*|\s+)([^\s|｜【\[]+(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?)"
    ))
    .unwrap()
});

/// Every `label：value` pair on the page, in document order, in one pass.
fn labelled_values(lines: &[String]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for line in lines {
        for c in LABEL_VALUE.captures_iter(line) {
            let value = &c[2];
            // `来源：` directly followed by the next label (`浏览次数：`) is
            // an empty field, not a value.
            let label_only = METADATA_LABELS
                .iter()
                .any(|l| value.starts_with(l) && value[l.len()..].starts_with([':', '：']));
            if !label_only {
                pairs.push((c[1].to_string(), value.to_string()));
            }
        }
    }
    pairs
}

/// The first value of any of `labels` in `pairs`.
fn find_label(pairs: &[(String, String)], labels: &[&str]) -> Option<String> {
    pairs.iter().find(|(label, _)| labels.contains(&label.as_str())).map(|(_, v)| v.clone())
}

/// Cuts a label value at a following label that was run into it without a
/// space (`渠县司法局作者：张三` → `渠县司法局`) and trims punctuation.
fn clean_value(value: &str) -> String {
    let mut value = value;
    if let Some(colon) = value.find([':', '：']) {
        let before = &value[..colon];
        let cut = METADATA_LABELS
            .iter()
            .filter(|l| before.ends_with(*l))
            .map(|l| before.len() - l.len())
            .min()
            .unwrap_or(colon);
        value = &value[..cut];
    }
    value.trim_matches(|c: char| c.is_whitespace() || "，,。；;、".contains(c)).to_string()
}

/// Parses the date at the start of `value`: `2023-02-20`, `2023/2/20`,
/// `2023.02.20`, `2023年2月20日`, or `二〇二三年二月二十日`, into
/// `YYYY-MM-DD`. A time after it is ignored.
fn parse_date(value: &str) -> Option<String> {
    static ARABIC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").unwrap()
    });
    static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日")
            .unwrap()
    });
    let (y, m, d) = if let Some(c) = ARABIC.captures(value) {
        (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
    } else if let Some(c) = CHINESE.captures(value) {
        let year = c[1].chars().try_fold(0u32, |acc, ch| Some(acc * 10 + chinese_digit(ch)?))?;
        (year, chinese_number(&c[2])?, chinese_number(&c[3])?)
    } else {
        return None;
    };
    // A day that exists (see `super::date`).
    super::date::is_valid(y as i32, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '○' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// `十` = 10, `十二` = 12, `二十` = 20, `二十八` = 28, `三十一` = 31.
fn chinese_number(s: &str) -> Option<u32> {
    match s.split_once('十') {
        None => chinese_digit(s.chars().next()?).filter(|_| s.chars().count() == 1),
        Some((tens, ones)) => {
            let tens = if tens.is_empty() { 1 } else { chinese_digit(tens.chars().next()?)? };
            let ones = if ones.is_empty() { 0 } else { chinese_digit(ones.chars().next()?)? };
            Some(tens * 10 + ones)
        }
    }
}

/// Drops the site's name from a `<title>`: `报告_渠县人民政府` → `报告`,
/// `报告 - 渠县政府网` → `报告`, `渠县人民政府|报告` → `报告`. `None` when
/// every part is a site or section name (`政府信息公开_渠县人民政府`): we
/// would rather have no title than a wrong one.
fn clean_page_title(title: &str) -> Option<String> {
    title
        .split(['_', '|', '｜'])
        .flat_map(|p| p.split(" - "))
        .flat_map(|p| p.split(" — "))
        .map(str::trim)
        .filter(|p| !p.is_empty() && !is_site_name(p))
        // The longest part left is the article's title.
        .max_by_key(|p| p.chars().count())
        .map(str::to_string)
}

/// True for a site or section name rather than an article title:
/// `渠县人民政府`, `渠县政府网`, `中国政府网`, `政务公开`, `首页`.
fn is_site_name(s: &str) -> bool {
    let s = s.trim();
    ["人民政府", "政府网", "网站", "门户网", "政务网", "网", "首页", "政务公开", "信息公开"]
        .iter()
        .any(|suffix| s.ends_with(suffix))
        || s.contains("门户")
}

/// Chinese characters in the text under `node`, optionally outside chrome
/// (iterative, as [`LineWriter::walk`]).
fn cjk_count(node: NodeRef<'_>, skip_chrome: bool) -> usize {
    let mut n = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(t) => n += cjk_in(t),
            Node::Element(e) if is_skipped(e.name()) || (skip_chrome && is_boilerplate(e)) => {}
            Node::Element(_) | Node::Document | Node::Fragment => stack.extend(node.children()),
            _ => {}
        }
    }
    n
}

fn cjk_in(s: &str) -> usize {
    s.chars().filter(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page that `tools/gen-corpus --mix` writes (its `as_html`).
    fn gen_corpus_page(text: &str, title: &str) -> String {
        let body: String = text
            .split('\n')
            .filter(|p| !p.trim().is_empty())
            .map(|p| format!("<p>{p}</p>\n"))
            .collect();
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
             <script>var x=1;</script></head><body><div class=\"nav\">首页 &gt; 政务公开 &gt; \
             法治政府建设</div><div class=\"content\">{body}</div><div class=\"footer\">\
             主办单位：人民政府办公室 网站标识码</div></body></html>\n"
        )
    }

    #[test]
    fn gen_corpus_page_keeps_every_paragraph() {
        let report = "沂南县岸堤镇人民政府关于2019年法治政府建设情况的报告\n\
            按照《中共沂南县委全面依法治县委员会办公室关于报送2019年度工作总结的通知》文件要求，现将我镇2019年度法治政府建设情况报告如下：\n\
            一、工作开展情况\n\
            \n\
            \x20\x20（一）着力稳定宏观经济大盘。继续做好“六稳”、“六保”工作。\n\
            \x20\x20（二）加强行政执\n\
            \n\
            法，推进综合执法试点。\n\
            \x20\x20\x20\x20\x20\x20\x20\x20沂南县岸堤镇人民政府\n\
            \x20\x20\x20\x20\x20\x20\x20\x202020年3月16日\n";
        let page = extract(&gen_corpus_page(report, report.split('\n').next().unwrap()));
        assert_eq!(
            page.text,
            "沂南县岸堤镇人民政府关于2019年法治政府建设情况的报告\n\
             按照《中共沂南县委全面依法治县委员会办公室关于报送2019年度工作总结的通知》文件要求，现将我镇2019年度法治政府建设情况报告如下：\n\
             一、工作开展情况\n\
             （一）着力稳定宏观经济大盘。继续做好“六稳”、“六保”工作。\n\
             （二）加强行政执\n\
             法，推进综合执法试点。\n\
             沂南县岸堤镇人民政府\n\
             2020年3月16日"
        );
        assert_eq!(
            page.title.as_deref(),
            Some("沂南县岸堤镇人民政府关于2019年法治政府建设情况的报告")
        );
        assert!(!page.text.contains("首页") && !page.text.contains("主办单位"));
        assert!(!page.text.contains("var x"));
        assert_eq!((page.published, page.source, page.index_no), (None, None, None));
    }

    /// A 政府信息公开 page in the shape of the TRS templates many county
    /// sites use: header with logo and menu, breadcrumb, info table, title,
    /// `#zoom` article, share and print bar, footer.
    const XXGK_PAGE: &str = r##"<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="SiteName" content="渠县人民政府">
<meta name="ColumnName" content="法治政府建设">
<meta name="ArticleTitle" content="有庆镇2023年度法治政府建设工作情况报告">
<meta name="PubDate" content="2024-01-15 09:30">
<meta name="ContentSource" content="有庆镇人民政府">
<title>有庆镇2023年度法治政府建设工作情况报告_渠县人民政府</title>
<link rel="stylesheet" href="/css/style.css">
<style>.zoom p { text-indent: 2em; }</style>
<script type="text/javascript">var _hmt = _hmt || []; document.write("统计");</script>
</head>
<body>
<div class="header">
  <div class="logo"><h1>渠县人民政府</h1></div>
  <ul class="menu"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
</div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 法治政府建设</div>
<div class="xxgk-info">
  <table>
    <tr><td>索引号：</td><td>11511725MB1523445A/2024-00003</td><td>主题分类：</td><td>其他</td></tr>
    <tr><td>发布机构：</td><td>有庆镇人民政府</td><td>发文日期：</td><td>2024年01月12日</td></tr>
    <tr><td>名称：</td><td colspan="3">有庆镇2023年度法治政府建设工作情况报告</td></tr>
  </table>
</div>
<div class="detail">
  <h2 class="title">有庆镇2023年度法治政府建设工作情况报告</h2>
  <div class="fbxx">发布时间：2024-01-15 09:30 &nbsp; 来源：有庆镇人民政府 &nbsp; 浏览次数：<span id="views">128</span></div>
  <div id="zoom">
    <p>　　2023年，有庆镇坚持以习近平法治思想为指导，现将有关情况报告如下：</p>
    <p><strong>　　一、主要举措和成效</strong></p>
    <p>　　（一）坚持和发展新时代“枫桥经验”。全镇<span>28</span>个村（社区）
      实现一村一法律顾问全覆盖&nbsp;，调解矛盾纠纷&lt;136&gt;件。</p>
    <p>　　二、存在的不足</p>
    <p style="text-align:right">有庆镇人民政府<br>2024年1月12日</p>
  </div>
  <div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
  <div class="print-bar">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</div>
</div>
<div class="footer">
  <p>主办单位：渠县人民政府办公室　承办单位：渠县大数据中心</p>
  <p>网站标识码：5117250001　蜀ICP备05001234号</p>
</div>
</body>
</html>"##;

    #[test]
    fn xxgk_page_with_info_table_and_zoom() {
        let page = extract(XXGK_PAGE);
        assert_eq!(
            page,
            HtmlPage {
                // No <h1> outside the header and no `.title` inside `#zoom`:
                // the ArticleTitle meta tag.
                title: Some("有庆镇2023年度法治政府建设工作情况报告".into()),
                text: "　　2023年，有庆镇坚持以习近平法治思想为指导，现将有关情况报告如下：\n\
                       \u{3000}\u{3000}一、主要举措和成效\n\
                       \u{3000}\u{3000}（一）坚持和发展新时代“枫桥经验”。全镇28个村（社区）       \
                       实现一村一法律顾问全覆盖\u{a0}，调解矛盾纠纷<136>件。\n\
                       \u{3000}\u{3000}二、存在的不足\n\
                       有庆镇人民政府\n\
                       2024年1月12日"
                    .into(),
                // 发布日期 is not on the page; 发文日期 (the document's date,
                // in the info table) comes before 发布时间 (the web posting).
                published: Some("2024-01-12".into()),
                source: Some("有庆镇人民政府".into()),
                index_no: Some("11511725MB1523445A/2024-00003".into()),
            }
        );
    }

    /// A news-style page: `<h1>` title, a line with 发布日期 and 来源
    /// inside the article container, `.TRS_Editor` body, no meta tags, a
    /// `<title>` with a ` - ` site suffix, breadcrumb and sidebar.
    const NEWS_PAGE: &str = r##"<html><head><meta charset="gbk">
<title>关于2022年法治政府建设情况的报告 - 达州市人民政府网</title></head>
<body>
<div id="top"><a href="/">网站首页</a> | <a href="/en/">English</a></div>
<div class="wrap">
 <div class="crumbs">首页 > 信息公开 > 法治政府建设年度报告</div>
 <div class="sidebar"><h3>热点新闻</h3><ul><li>全市召开依法行政工作会议</li><li>市司法局开展普法宣传</li></ul></div>
 <div class="article">
  <h1>关于2022年法治政府建设情况的报告</h1>
  <div class="info">发布日期：2023年2月20日　来源：市司法局　字号：【大 中 小】</div>
  <div class="TRS_Editor"><div class="TRS_Editor">
   <p align="center">达州市人民政府</p>
   <p>　　2022年，我市深入学习贯彻习近平法治思想。</p>
   <div>一是完善依法行政制度体系；<br/>二是推进严格规范公正文明执法。</div>
   <table><tr><td>指标</td><td>2022年</td></tr><tr><td>行政复议案件</td><td>86件</td></tr></table>
   <p>&nbsp;</p>
   <p>　　特此报告。</p>
  </div></div>
  <div class="bdshare_t">分享到：</div>
 </div>
</div>
<div id="foot">版权所有：达州市人民政府办公室 技术支持：某某公司</div>
</body></html>"##;

    #[test]
    fn news_page_with_h1_and_trs_editor() {
        let page = extract(NEWS_PAGE);
        assert_eq!(
            page,
            HtmlPage {
                title: Some("关于2022年法治政府建设情况的报告".into()),
                text: "达州市人民政府\n\
                       \u{3000}\u{3000}2022年，我市深入学习贯彻习近平法治思想。\n\
                       一是完善依法行政制度体系；\n\
                       二是推进严格规范公正文明执法。\n\
                       指标 2022年\n\
                       行政复议案件 86件\n\
                       \u{3000}\u{3000}特此报告。"
                    .into(),
                published: Some("2023-02-20".into()),
                source: Some("市司法局".into()),
                index_no: None,
            }
        );
    }

    /// No known container: the densest block wins; a `<title>` with a
    /// `_` site suffix; the date in Chinese numerals as 成文日期; metadata
    /// lines inside the chosen block are not text.
    #[test]
    fn unknown_layout_falls_back_to_densest_block() {
        let html = "<html><head><title>政府信息公开_海拉尔区人民政府门户网站</title>\
</head><body>\
            <div class=\"topbar\">欢迎访问海拉尔区人民政府门户网站</div>\
            <div class=\"links\"><a>区委</a><a>区政府</a><a>区人大</a></div>\
            <div class=\"main\"><div class=\"box\">\
            <p>成文日期：二〇二三年二月二十日</p>\
            <p>各街道办事处、区政府各部门：</p>\
            <p>现将《海拉尔区法治宣传教育第八个五年规划》印发给你们，请认真贯彻执行。</p>\
            <p>【字体：大 中 小】【打印】【关闭】</p>\
            </div></div></body></html>";
        let page = extract(html);
        assert_eq!(
            page.text,
            "各街道办事处、区政府各部门：\n\
             现将《海拉尔区法治宣传教育第八个五年规划》印发给你们，请认真贯彻执行。"
        );
        // The <title> is only site and section names: no title.
        assert_eq!(page.title, None);
        assert_eq!(page.published.as_deref(), Some("2023-02-20"));
    }

    #[test]
    fn metadata_helpers() {
        assert_eq!(parse_date("2023-02-20 10:00:00").as_deref(), Some("2023-02-20"));
        assert_eq!(parse_date("2023/2/5").as_deref(), Some("2023-02-05"));
        assert_eq!(parse_date("2023年2月20日").as_deref(), Some("2023-02-20"));
        assert_eq!(parse_date("2023 年 02 月 20 日").as_deref(), Some("2023-02-20"));
        assert_eq!(parse_date("二〇二二年十二月三十一日").as_deref(), Some("2022-12-31"));
        assert_eq!(parse_date("二〇二二年十月十日").as_deref(), Some("2022-10-10"));
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("2024年2月31日"), None);
        assert_eq!(parse_date("2024年2月29日").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("99999999999-1-1"), None);
        assert_eq!(parse_date("暂无"), None);
        assert_eq!(clean_value("渠县司法局作者：张三"), "渠县司法局");
        assert_eq!(clean_page_title("报告_渠县人民政府").as_deref(), Some("报告"));
        assert_eq!(
            clean_page_title("渠县人民政府 | 2023年工作报告").as_deref(),
            Some("2023年工作报告")
        );
        assert_eq!(
            clean_page_title("2023年工作报告 - 渠县政府网").as_deref(),
            Some("2023年工作报告")
        );
        assert_eq!(clean_page_title("政府信息公开_渠县人民政府门户网站"), None);
        // 来源 in a sentence is not a label; 来源： with an empty value is
        // skipped in favour of a later one.
        let lines = vec![
            "资金来源：财政拨款".to_string(),
            "来源：浏览次数：12".to_string(),
            "信息来源： 县司法局".to_string(),
        ];
        assert_eq!(
            find_label(&labelled_values(&lines), &["来源", "信息来源"]).as_deref(),
            Some("县司法局")
        );
        assert!(is_chrome_line("【字体：大 中 小】【打印】【关闭】"));
        assert!(is_chrome_line("分享到："));
        assert!(!is_chrome_line("关闭违规企业"));
        assert!(is_metadata_line("发布时间：2024-01-15 09:30 来源：有庆镇人民政府 浏览次数："));
        assert!(!is_metadata_line("资金来源：财政拨款"));
    }

    #[test]
    fn is_html_sniffs_the_start() {
        assert!(is_html("<!DOCTYPE html><html>"));
        assert!(is_html("\u{FEFF}\n  <HTML lang=\"zh\">"));
        assert!(is_html("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">"));
        assert!(!is_html("政府工作报告\n<p>"));
        assert!(!is_html(""));
    }

    #[test]
    fn nesting_counts_open_elements() {
        let n = |html: &str| nesting(html);
        assert_eq!(n("<div><p>a<p>b</div>"), Nesting { depth: 1, cost: 1 });
        assert_eq!(n("<div><div></div><div><span>x</span></div></div>").depth, 3);
        assert_eq!(n("<br><img src=x><hr/><div/>").depth, 0);
        assert_eq!(n("<ul><li>a<li>b</ul>").depth, 1);
        assert_eq!(n("<script>if (a<b) { x = '<div>'; }</script><div>").depth, 1);
        assert_eq!(n("<!-- <div><div> --><!DOCTYPE html><div>").depth, 1);
        assert_eq!(n("<STYLE>p{}</style><DIV><Div>").depth, 2);
        assert_eq!(n("a < b, 1<2, <<>> <3 </ >").depth, 0);
        assert_eq!(n(&"<div>".repeat(9300)).depth, 9300);
        assert_eq!(nesting(XXGK_PAGE).depth, 3);
        assert!(nesting(NEWS_PAGE).depth < 10);
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&nbsp;b&lt;c&gt;&amp;&#12288;&#x3000;&ldquo;x&rdquo;"),
            "a\u{a0}b<c>&\u{3000}\u{3000}“x”"
        );
        assert_eq!(
            decode_entities("&bogus; & &#xZZ; &#0; &#99999999;"),
            "&bogus; & &#xZZ; &#0; &#99999999;"
        );
        assert_eq!(decode_entities("法治&"), "法治&");
    }

    /// The flat reader keeps the text and the labels of a page, without
    /// the article detection.
    #[test]
    fn flat_extraction_keeps_text_and_labels() {
        let page = extract_flat(XXGK_PAGE);
        assert!(page.text.contains("一村一法律顾问全覆盖"), "{}", page.text);
        assert!(page.text.contains("调解矛盾纠纷<136>件"), "{}", page.text);
        assert!(!page.text.contains("var _hmt"));
        assert!(!page.text.contains("发布时间"));
        assert_eq!(page.published.as_deref(), Some("2024-01-12"));
        assert_eq!(page.source.as_deref(), Some("有庆镇人民政府"));
        assert_eq!(page.title, None);
        // An unclosed <head> ends at <body>.
        assert_eq!(extract_flat("<head><title>t</title><body><p>正文</p>").text, "正文");
    }

    /// Issue #9: 9,300 unclosed elements in 46 KB overflowed the stack
    /// (and took seconds); unclosed tags by the hundred thousand took
    /// minutes. Such pages are read flat, their text kept.
    #[test]
    fn hostile_nesting_is_read_flat() {
        let deep = "<div>".repeat(9300) + "法治政府建设";
        assert_eq!(extract(&deep).text, "法治政府建设");
        let deep = "<html><body>".to_string() + &"<div><span>".repeat(50_000) + "法治政府建设";
        assert_eq!(extract(&deep).text, "法治政府建设");
        let formatting: String = (0..60_000).map(|i| format!("<b id={i}><p>报告")).collect();
        let page = extract(&formatting);
        assert_eq!(page.text.lines().count(), 60_000);
        assert!(page.text.lines().all(|l| l == "报告"));
        let cells = "<table><tr><td>".repeat(50_000) + "法治";
        assert_eq!(extract(&cells).text, "法治");
        let unterminated = "<html><body><p>开头</p><a ".to_string() + &"x".repeat(1_400_000);
        assert_eq!(extract(&unterminated).text, "开头");
        // Just under the limit, parsed as a tree.
        let ok = "<div>".repeat(MAX_NESTING) + "法治";
        assert!(nesting(&ok).depth <= MAX_NESTING);
        assert_eq!(extract(&ok).text, "法治");
    }

    #[test]
    fn junk_never_panics() {
        for html in
            ["", "<", "<<<>>>", "<html><body>", "纯文本，没有标签", "<p>&#xFFFFFF;&bogus;</p>"]
        {
            let _ = extract(html);
        }
        assert_eq!(
            extract("纯文本，没有任何标签的一段话。").text,
            "纯文本，没有任何标签的一段话。"
        );
    }
}
