//! Title, year, published date, issuer and locality of a report (SPEC §1),
//! each with the evidence it came from.
//!
//! [`extract`] reads the decoded text of one report, its path relative to
//! the corpus root and the [`Hints`] an HTML page gave (发布日期, 来源), and
//! fills a [`Metadata`]; [`extract_with_evidence`] also returns the
//! [`Evidence`] behind every field (`baogao reports --explain`). It runs
//! once per report, after `decode`/`html` and before `structure`; the
//! overrides (`metadata.csv`, sidecars) may then replace any field.
//!
//! Reports arrive with navigation junk on top (`首页>`, `索引号:…`),
//! letter-spaced titles (`政 府 工 作 报 告`), titles split over lines or
//! missing altogether, every kind of dash before a delivery date and
//! full-width or spaced digits. We look at the *header* (the short lines
//! before the first real paragraph), the *opening* (the first few thousand
//! characters, where the delivery line, the speaker and `我代表…人民政府`
//! stand, sometimes run together into one long line), the *signature* (the
//! short lines at the end), the top-level headings and the body. Rules are
//! general, never keyed to a particular file, and a field we cannot read
//! stays `None`.
//!
//! The place is decided by [`resolve`](mod@super::resolve) from the clues in
//! which the report speaks for itself — title, issuer lines, delivery line,
//! speaker line, self-designation — with the body and the path as weaker
//! clues. `来源` / `稿源` lines are never places nor issuers. National
//! reports (delivered at the 全国人民代表大会 or on behalf of 国务院) are
//! recognised here first.
//!
//! The year (SPEC §1) comes from, in this order: the title; the delivery
//! line (the session year); the opening sentence (`现将…2023年…报告如下`);
//! the top-level headings (`一、2023年工作回顾` → 2024, `二、2024年工作安排`
//! → 2024 for a 政府工作报告; the year reviewed for an annual report);
//! the path; the publication or signature date; for a 政府工作报告 at the
//! start of a five-year term, the plan period it opens.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::dates::{self, Date};
use super::evidence::{Clue, Evidence, FieldEvidence, Source};
use super::locality::Gazetteer;
use super::report::{Level, Metadata};
use super::resolve::{self, Body, VoiceClue, SUFFIXES};

/// Metadata an HTML page states outside its article text (the meta lines
/// next to the title, `<title>`), passed by the HTML extractor. Every field
/// is optional; text-derived values are used when a hint is missing or
/// cannot be read.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The page's article title (site suffixes like `_XX人民政府网` are cut).
    pub title: Option<String>,
    /// The page's 发布日期 / 发布时间, in any of the date forms we read.
    pub published: Option<String>,
    /// The page's 来源: kept for reference, never a place nor the issuer
    /// (it is as often a newspaper or a web site as the issuing body).
    pub source: Option<String>,
}

/// Extracts the metadata of one report.
///
/// `text` is the decoded report text (original characters; it may start
/// with navigation junk); `rel_path` is the path relative to the corpus
/// root, `/`-separated: its folder and file names are clues to the place
/// and year, never required.
pub fn extract(text: &str, rel_path: &str, hints: &Hints) -> Metadata {
    extract_with_evidence(text, rel_path, hints).0
}

/// [`extract`], with the evidence behind every field.
pub fn extract_with_evidence(text: &str, rel_path: &str, hints: &Hints) -> (Metadata, Evidence) {
    let doc = Doc::new(text);
    let head = doc.header();
    let sig = doc.signature();
    let mut ev = Evidence::default();

    // ---- title
    let mut found = find_title(&head);
    if found.title.is_none() {
        // A 政府信息公开 info table saved with the page: `名称： 2021年坪山区
        // 政府工作报告`.
        found.title = labelled_title(&doc);
    }
    let hint_title = hints.title.as_deref().map(clean_hint_title).filter(|t| !t.is_empty());
    let (title, title_line) = match (&found.title, &hint_title) {
        (Some((t, line)), _) => {
            ev.title = FieldEvidence::of(Clue::on_line(Source::Title, *line, t, 0));
            (Some(t.clone()), Some(*line))
        }
        (None, Some(t)) => {
            ev.title = FieldEvidence::of(Clue::note(Source::PageTitle, t.clone()));
            (Some(t.clone()), None)
        }
        (None, None) => (None, None),
    };

    // ---- issuer: the title's prefix, the lines above the title, the
    // signature, the speaker line, a 发布机构 label. Never a 来源 line.
    let sig_orgs = issuer_from_signature(&sig);
    let publisher = labelled_publisher(&doc.lines[..doc.lines.len().min(20)]);
    let speaker = head.iter().find_map(|l| speaker_org(l.text).map(|o| (o, l.no)));
    let issuer: Option<(String, Clue)> = title
        .as_deref()
        .and_then(issuer_from_title)
        .map(|i| {
            let clue = match title_line {
                Some(n) => Clue::on_line(Source::Title, n, title.as_deref().unwrap_or(""), 0),
                None => Clue::note(Source::PageTitle, title.clone().unwrap_or_default()),
            };
            (i, clue)
        })
        .or_else(|| {
            found.orgs.clone().map(|(o, n)| {
                let clue = Clue::on_line(Source::Issuer, n, &o, 0);
                (o, clue)
            })
        })
        .or_else(|| {
            sig_orgs.clone().map(|(o, n)| {
                let clue = Clue::on_line(Source::Issuer, n, &o, 0);
                (o, clue)
            })
        })
        .or_else(|| {
            speaker.clone().map(|(o, n)| {
                let clue = Clue::on_line(Source::Speaker, n, &o, 0);
                (o, clue)
            })
        })
        .or_else(|| {
            publisher.clone().map(|(o, n)| {
                let clue = Clue::on_line(Source::Issuer, n, &o, 0);
                (o, clue)
            })
        });
    if let Some((_, clue)) = &issuer {
        ev.issuer = FieldEvidence::of(clue.clone());
    }
    if let Some(src) = &hints.source {
        ev.issuer.reject(src.clone(), None, "the page's 来源: never the issuer");
    }
    if let Some((src, line)) = labelled_source(&doc.lines[..doc.lines.len().min(20)]) {
        ev.issuer.reject(
            src,
            Some(Clue::on_line(Source::Body, line.no, line.text, 0)),
            "a 来源 line: never the issuer",
        );
    }
    let issuer = issuer.map(|(i, _)| i);

    // ---- the opening: delivery line, speaker, self-designation
    let opening = Opening::new(&doc);

    // ---- dates
    let delivery = opening.delivery_date();
    let labelled =
        doc.lines.iter().take(20).find_map(|l| dates::labelled_date(l.text).map(|d| (d, l)));
    let hint_date = hints.published.as_deref().and_then(dates::first_date);
    // The signature at the end; else a signed block inside (a notice
    // signed above the measures it issues: `…人民政府` / `2025年10月29日`).
    let signed = sig
        .iter()
        .rev()
        .find_map(|l| dates::date_line(l.text).map(|d| (d, *l)))
        .or_else(|| inner_signature(&doc));
    let published: Option<Date> = if let Some((d, l)) = labelled {
        ev.published = FieldEvidence::of(Clue::on_line(Source::DateLabel, l.no, l.text, 0));
        Some(d)
    } else if let Some(d) = hint_date {
        ev.published = FieldEvidence::of(Clue::note(
            Source::DateLabel,
            format!("the page's 发布日期 {}", hints.published.as_deref().unwrap_or("")),
        ));
        Some(d)
    } else if let Some((d, clue)) = &delivery {
        ev.published = FieldEvidence::of(clue.clone());
        Some(*d)
    } else if let Some((d, l)) = signed {
        ev.published = FieldEvidence::of(Clue::on_line(Source::Signature, l.no, l.text, 0));
        Some(d)
    } else {
        None
    };

    // ---- national reports
    let national = is_national(rel_path, title.as_deref(), &head, &doc);
    let gwr = is_gwr(title.as_deref(), delivery.is_some(), &opening, &doc, text);

    // ---- year
    let year = find_year(YearInputs {
        title: title.as_deref(),
        title_line,
        delivery: delivery.as_ref(),
        doc: &doc,
        opening: &opening,
        rel_path,
        published: published.map(|d| (d, ev.published.clue.clone())),
        gwr,
        text,
        ev: &mut ev.year,
    });

    // ---- locality
    let (province, city, county, township, level) = if let Some(clue) = national {
        ev.level = FieldEvidence::of(clue);
        (None, None, None, None, Some(Level::National))
    } else {
        let voices = voice_clues(
            &doc,
            &head,
            &found,
            title.as_deref(),
            title_line,
            &sig,
            &opening,
            publisher.as_ref(),
        );
        let vc: Vec<VoiceClue> = voices.iter().map(|v| v.as_clue()).collect();
        let body = Body { text, line_starts: &doc.line_starts, excluded: &doc.excluded };
        let r = resolve::resolve(Gazetteer::bundled(), &vc, body, rel_path);
        ev.level = r.level;
        ev.province = r.province;
        ev.city = r.city;
        ev.county = r.county;
        ev.township = r.township;
        let l = r.locality;
        (l.province, l.city, l.county, l.township, l.level)
    };

    let meta = Metadata {
        title,
        province,
        city,
        county,
        township,
        level,
        issuer,
        year,
        published: published.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
    };
    (meta, ev)
}

/// An own-voice clue, with its text owned (the de-spaced line).
struct OwnedVoice {
    source: Source,
    line: u32,
    text: String,
    scan: Range<usize>,
    suffix: Option<&'static str>,
}

impl OwnedVoice {
    fn as_clue(&self) -> VoiceClue<'_> {
        VoiceClue {
            source: self.source,
            line: self.line,
            text: &self.text,
            scan: self.scan.clone(),
            suffix: self.suffix,
        }
    }

    fn whole(source: Source, line: u32, text: String) -> OwnedVoice {
        let scan = 0..text.len();
        OwnedVoice { source, line, text, scan, suffix: None }
    }
}

/// The clues in which the report speaks for itself.
#[allow(clippy::too_many_arguments)]
fn voice_clues(
    doc: &Doc,
    head: &[&Line],
    found: &FoundTitle,
    title: Option<&str>,
    title_line: Option<u32>,
    sig: &[&Line],
    opening: &Opening,
    publisher: Option<&(String, u32)>,
) -> Vec<OwnedVoice> {
    let mut v = Vec::new();
    if let Some(t) = title {
        let source = if title_line.is_some() { Source::Title } else { Source::PageTitle };
        v.push(OwnedVoice::whole(source, title_line.unwrap_or(0), t.to_string()));
    }
    for (o, n) in &found.org_lines {
        v.push(OwnedVoice::whole(Source::Issuer, *n, o.clone()));
    }
    for l in sig {
        let c = normalize_ws(l.text);
        if c.split(' ').all(is_org_line) {
            v.push(OwnedVoice::whole(Source::Issuer, l.no, c));
        }
    }
    if let Some((p, n)) = publisher {
        v.push(OwnedVoice::whole(Source::Issuer, *n, p.clone()));
    }
    let _ = head;
    let opening_voices = opening.voices();
    let speaks =
        opening_voices.iter().any(|o| o.source == Source::SelfName && o.text.contains("代表"));
    v.extend(opening_voices);
    if !speaks {
        // `我谨代表龙岗区人民政府向…表示感谢` closes the review, further in.
        if let Some(o) = doc.lines.iter().find_map(|l| {
            if !l.text.contains("代表") || doc.is_excluded(l.start) {
                return None;
            }
            let c = RE_SELF_NAME.captures(l.text)?;
            let g = c.get(1)?;
            let suffix = trailing_suffix(g.as_str());
            let line = clean_title(l.text);
            let start = line.find(g.as_str()).unwrap_or(0);
            let scan = start..start + if line.contains(g.as_str()) { g.as_str().len() } else { 0 };
            Some(OwnedVoice { source: Source::SelfName, line: l.no, text: line, scan, suffix })
        }) {
            v.push(o);
        }
    }
    v
}

// ---------------------------------------------------------------- opening

/// How far into the text we look for the delivery line, the speaker and
/// `我代表…人民政府` (bytes; some pages run the whole report into one line).
const OPENING_BYTES: usize = 4000;

/// The first lines of the report, de-spaced (`政 府 工 作 报 告` →
/// `政府工作报告`), up to [`OPENING_BYTES`].
struct Opening {
    lines: Vec<(u32, String)>,
}

static RE_DELIVERY_PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"在([^\s，。；、“”《》（）()：:—-]{0,30}?)(?:第)?[一二三四五六七八九十百零〇○\d]+届(?:全国)?人民代表大会|([^\s，。；、“”《》（）()：:—-]{1,20}?)[一二三四五六七八九十\d]+届人大[一二三四五六七八九十\d]+次会议(?:上|政府工作报告)",
    )
    .unwrap()
});

static RE_SPEAKER_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([^\s，。；、“”《》（）()：:—-]{0,24}?)(?:人民政府|政府)?(?:代理|代)?(省长|自治区主席|市长|州长|盟长|专员|县长|区长|旗长|镇长|乡长)",
    )
    .unwrap()
});

static RE_SELF_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:我谨?代表|受)([^\s，。、；：:“”]{0,24}?)(?:人民政府|政府|行政公署|行署)")
        .unwrap()
});

static RE_REPORT_OPENING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"现将([^。；]{0,80}?)(?:报告|汇报|总结)如下").unwrap());

/// A cheap test before the delivery-line regex: does the line name a
/// people's congress?
fn mentions_congress(l: &str) -> bool {
    l.contains("人民代表大会") || l.contains("人大")
}

/// The government word a clue ends with (`保定市满城区` → `区`, `县` →
/// `县`, `北京市` → `市`).
fn trailing_suffix(s: &str) -> Option<&'static str> {
    SUFFIXES.iter().copied().find(|w| s.ends_with(w))
}

fn speaker_suffix(title: &str) -> Option<&'static str> {
    Some(match title {
        "省长" => "省",
        "自治区主席" => "自治区",
        "市长" => "市",
        "州长" => "州",
        "盟长" => "盟",
        "专员" => "地区",
        "县长" => "县",
        "区长" => "区",
        "旗长" => "旗",
        "镇长" => "镇",
        "乡长" => "乡",
        _ => return None,
    })
}

impl Opening {
    fn new(doc: &Doc) -> Opening {
        let mut lines = Vec::new();
        let mut bytes = 0;
        for l in &doc.lines {
            if bytes >= OPENING_BYTES {
                break;
            }
            let mut end = l.text.len().min(OPENING_BYTES - bytes);
            while !l.text.is_char_boundary(end) {
                end -= 1;
            }
            bytes += end;
            if doc.is_excluded(l.start) {
                continue;
            }
            lines.push((l.no, clean_title(&l.text[..end])));
        }
        Opening { lines }
    }

    /// The text before the addressee (`各位代表`), where speaker lines
    /// stand: the lines up to it, and the part of its line before it.
    fn preamble(&self) -> Vec<(u32, &str)> {
        let mut out = Vec::new();
        for (no, l) in &self.lines {
            match l.find("各位代表") {
                Some(i) => {
                    out.push((*no, &l[..i]));
                    return out;
                }
                // Speaker lines are short; the first paragraph ends it.
                None if is_paragraph(l) => break,
                None => out.push((*no, l.as_str())),
            }
            if out.len() >= 15 {
                break;
            }
        }
        out
    }

    /// Does the report address a people's congress (`各位代表`,
    /// `向大会报告工作，请予审议`)?
    fn addresses_congress(&self) -> bool {
        self.lines
            .iter()
            .take(40)
            .any(|(_, l)| ["各位代表", "向大会", "请予审议"].iter().any(|w| l.contains(w)))
    }

    /// Does the report open like an annual report (`现将…报告如下`)?
    fn reports_as_requested(&self) -> bool {
        self.lines.iter().take(40).any(|(_, l)| l.contains("现将") && RE_REPORT_OPENING.is_match(l))
    }

    /// The delivery date and its clue: a dated delivery line
    /// (`——2022年3月5日在…`), or a delivery line without date followed by
    /// a line that is only a date (`——在顺平县…上` / `（2008年3月27日）`).
    fn delivery_date(&self) -> Option<(Date, Clue)> {
        for (i, (no, l)) in self.lines.iter().enumerate().take(40) {
            if !l.contains('月') {
                // No date here; a delivery line without one may still be
                // followed by a date line.
            } else if let Some(d) = dates::delivery_date(l) {
                let at = l.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
                return Some((d, Clue::on_line(Source::Delivery, *no, l, at)));
            }
            if mentions_congress(l) && RE_DELIVERY_PLACE.is_match(l) {
                if let Some((no2, next)) = self.lines.get(i + 1) {
                    if let Some(d) = dates::date_line(next) {
                        return Some((d, Clue::on_line(Source::Delivery, *no2, next, 0)));
                    }
                }
            }
        }
        // A date standing alone above the address (`政府工作报告` /
        // `2003年4月7日` / `各位委员：`) is the day it was delivered.
        let addressed = self
            .lines
            .iter()
            .take(12)
            .position(|(_, l)| l.starts_with("各位") && l.chars().count() <= 12)?;
        self.lines[..addressed].iter().find_map(|(no, l)| {
            dates::date_line(l).map(|d| (d, Clue::on_line(Source::Delivery, *no, l, 0)))
        })
    }

    /// The own-voice clues of the opening: delivery lines, speaker lines,
    /// `我代表…人民政府`, `现将…报告如下`.
    fn voices(&self) -> Vec<OwnedVoice> {
        let mut v = Vec::new();
        for (no, l) in self.lines.iter().take(40) {
            if !mentions_congress(l) {
                continue;
            }
            if let Some(c) = RE_DELIVERY_PLACE.captures(l) {
                let g = c.get(1).or_else(|| c.get(2)).expect("one group matches");
                v.push(OwnedVoice {
                    source: Source::Delivery,
                    line: *no,
                    text: l.clone(),
                    scan: g.range(),
                    suffix: trailing_suffix(g.as_str()),
                });
            }
        }
        for (no, l) in self.preamble() {
            if !(l.contains('长') || l.contains("专员") || l.contains("主席")) {
                continue;
            }
            if let Some(c) = RE_SPEAKER_TITLE.captures(l) {
                let g = c.get(1).expect("group 1");
                // The place part starts after the delivery line it may be
                // run into (`…会议上山东省省长`).
                let cut = g.as_str().rfind("会议上").map_or(0, |i| i + "会议上".len());
                let scan = g.start() + cut..g.end();
                v.push(OwnedVoice {
                    source: Source::Speaker,
                    line: no,
                    text: l.to_string(),
                    scan,
                    suffix: speaker_suffix(&c[2]),
                });
            }
        }
        for (no, l) in self.lines.iter().take(40) {
            if !(l.contains("代表") || l.contains("委托")) {
                continue;
            }
            if let Some(c) = RE_SELF_NAME.captures(l) {
                let g = c.get(1).expect("group 1");
                // A 行政公署 (行署) is the government of a 盟 or 地区.
                let suffix = trailing_suffix(g.as_str())
                    .or_else(|| c[0].ends_with("行署").then_some(resolve::PREFECTURE_OFFICE))
                    .or_else(|| c[0].ends_with("行政公署").then_some(resolve::PREFECTURE_OFFICE));
                v.push(OwnedVoice {
                    source: Source::SelfName,
                    line: *no,
                    text: l.clone(),
                    scan: g.range(),
                    suffix,
                });
                break;
            }
        }
        for (no, l) in self.lines.iter().take(40) {
            if !l.contains("现将") {
                continue;
            }
            if let Some(c) = RE_REPORT_OPENING.captures(l) {
                let g = c.get(1).expect("group 1");
                // `现将我镇…`: the self-reference names the government word.
                let suffix = ["我", "本"].iter().find_map(|p| {
                    SUFFIXES.iter().copied().find(|w| g.as_str().contains(&format!("{p}{w}")))
                });
                v.push(OwnedVoice {
                    source: Source::SelfName,
                    line: *no,
                    text: l.clone(),
                    scan: g.range(),
                    suffix,
                });
                break;
            }
        }
        v
    }
}

// ---------------------------------------------------------------- year

/// Titles of annual reports on one matter, named by the year they review.
const ANNUAL_WORDS: [&str; 5] = ["法治政府建设", "年度报告", "工作总结", "工作情况的报告", "述职"];

/// Is this a 政府工作报告 (named by the session year, SPEC §1)? Its
/// title says so, or it is delivered at, or addresses, a people's
/// congress, or it reviews the year's work (`2023年工作回顾`) or the
/// economy (`地区生产总值`) — unless it is an annual report on one
/// matter (`…法治政府建设…`, `现将…报告如下`).
fn is_gwr(title: Option<&str>, delivered: bool, opening: &Opening, doc: &Doc, text: &str) -> bool {
    if title.is_some_and(|t| t.contains("政府工作报告")) {
        return true;
    }
    let annual = title.is_some_and(|t| ANNUAL_WORDS.iter().any(|w| t.contains(w)))
        || opening.reports_as_requested();
    if annual {
        return false;
    }
    static RE_YEAR_REVIEW: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d{4}\s*年(?:政府)?工作回顾").unwrap());
    delivered
        || opening.addresses_congress()
        || doc.lines.iter().any(|l| {
            l.text.contains("回顾")
                && l.text.chars().count() <= 60
                && RE_YEAR_REVIEW.is_match(l.text)
        })
        || text.contains("生产总值")
}

struct YearInputs<'a> {
    title: Option<&'a str>,
    title_line: Option<u32>,
    delivery: Option<&'a (Date, Clue)>,
    doc: &'a Doc<'a>,
    opening: &'a Opening,
    rel_path: &'a str,
    published: Option<(Date, Option<Clue>)>,
    gwr: bool,
    text: &'a str,
    ev: &'a mut FieldEvidence,
}

/// The year a report names itself by (SPEC §1), with its evidence: the
/// first source in SPEC's order that gives one; the others that disagree
/// are listed as rejected.
fn find_year(inp: YearInputs) -> Option<i32> {
    let mut cands: Vec<(i32, Clue, &'static str)> = Vec::new();
    if let Some(t) = inp.title {
        let y = dates::year_in(t).or_else(|| bracket_year(t));
        if let Some(y) = y {
            let clue = match inp.title_line {
                Some(n) => Clue::on_line(Source::Title, n, t, 0),
                None => Clue::note(Source::PageTitle, t.to_string()),
            };
            cands.push((y, clue, "the title"));
        }
    }
    if let Some((d, clue)) = inp.delivery {
        cands.push((d.0, clue.clone(), "the delivery line"));
    }
    for (no, l) in inp.opening.lines.iter().take(30) {
        if let Some(y) = opening_year(l) {
            cands.push((y, Clue::on_line(Source::Opening, *no, l, 0), "the opening"));
            break;
        }
    }
    // The sources below the opening read the whole text: consulted only
    // when the ones above said nothing (the path and the date are cheap
    // and always listed).
    if cands.is_empty() {
        if let Some((y, clue)) = heading_year(inp.doc, inp.gwr) {
            cands.push((y, clue, "the headings"));
        }
        if inp.gwr {
            if let Some((y, clue)) = review_opening_year(inp.opening) {
                cands.push((y, clue, "the review's first words"));
            } else if let Some((y, clue)) = just_past_year(inp.doc) {
                cands.push((y, clue, "the review's first words"));
            }
        }
    }
    if let Some((y, part)) = path_year(inp.rel_path) {
        cands.push((y, Clue::note(Source::Path, part), "the path"));
    }
    if let Some((d, clue)) = &inp.published {
        let y = year_from_date(*d, inp.title.unwrap_or(inp.text), inp.gwr);
        let clue = clue.clone().unwrap_or_else(|| Clue::note(Source::DateLabel, ""));
        cands.push((y, clue, "the date"));
    }
    if inp.gwr && cands.is_empty() {
        if let Some((y, clue)) = plan_period_year(inp.doc) {
            cands.push((y, clue, "the plan period"));
        } else if let Some((y, clue)) = this_year_is(inp.doc) {
            cands.push((y, clue, "`…年是…` sentences"));
        }
    }
    let (y, clue, from) = cands.first().cloned()?;
    inp.ev.clue = Some(clue);
    for (other, clue, src) in cands.iter().skip(1) {
        if *other != y {
            inp.ev.reject(
                other.to_string(),
                Some(clue.clone()),
                format!("{src} ranks below {from}"),
            );
        }
    }
    Some(y)
}

/// A year in parentheses in a title (`福田区政府工作报告（2016）`).
fn bracket_year(t: &str) -> Option<i32> {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[（(]\s*(\d{4})\s*[）)]").unwrap());
    let y: i32 = RE.captures(&dates::ascii_digits(t))?[1].parse().ok()?;
    dates::plausible_year(y).then_some(y)
}

/// The year in an opening line like `现将有庆镇2024年度法治政府建设工作情况
/// 报告如下`.
fn opening_year(l: &str) -> Option<i32> {
    let start = l.find("现将")?;
    let rest = &l[start..];
    // Without 如下, the first 60 characters (cut at a character boundary:
    // a byte offset could fall inside a Chinese character).
    let end = rest
        .find("如下")
        .unwrap_or_else(|| rest.char_indices().nth(60).map_or(rest.len(), |(i, _)| i));
    dates::year_in(&rest[..end])
}

static RE_TOP_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|第[一二三四五六七八九十]{1,3}部分)")
        .unwrap()
});

/// Words of a heading that looks back on a year (`2023年工作回顾`,
/// `奋力完成2023年高质量发展的各项任务`).
const REVIEW_WORDS: [&str; 11] =
    ["回顾", "总结", "取得", "成绩", "成效", "成就", "进展", "举措", "主要做法", "情况", "完成"];
/// Words of a heading that plans a year (`2024年工作安排`).
const PLAN_WORDS: [&str; 10] =
    ["安排", "计划", "打算", "任务", "目标", "重点工作", "主要工作", "思路", "建议", "部署"];

/// The year the top-level headings give. A 政府工作报告 is named by the
/// year it plans (`一、2023年工作回顾` → 2024, `二、2024年工作安排` →
/// 2024); an annual report by the year it reviews (`一、2023年…主要举措
/// 和成效` → 2023, `四、2024年工作计划` → 2023).
fn heading_year(doc: &Doc, gwr: bool) -> Option<(i32, Clue)> {
    for l in &doc.lines {
        let text = l.text;
        let n = text.chars().count();
        // A numbered top-level heading, or a short line standing alone as
        // one (`2023年工作回顾`).
        let standalone = n <= 24 && !text.contains(['，', '。', '；', '：', ',', ':']);
        if n > 60 || !(RE_TOP_HEADING.is_match(text) || standalone) {
            continue;
        }
        let Some(y) = dates::year_in(text) else {
            continue;
        };
        let Some(year) = heading_says(text, y, gwr) else {
            continue;
        };
        return Some((year, Clue::on_line(Source::Heading, l.no, text, 0)));
    }
    inline_heading_year(doc, gwr)
}

/// What a heading naming year `y` says of the report's year. The first
/// part (`一、…`) of a report looks back unless its words plan
/// (`一、2024年工作安排`); the later parts of a 政府工作报告 plan unless
/// they say `回顾` or `总结`, those of an annual report look back unless
/// they plan; an unnumbered heading is read by its words alone. A 政府工作报告 is named by the year it plans; an annual
/// report by the year it reviews.
fn heading_says(text: &str, y: i32, gwr: bool) -> Option<i32> {
    let review_words = REVIEW_WORDS.iter().any(|w| text.contains(w));
    let plan_words = PLAN_WORDS.iter().any(|w| text.contains(w));
    let strong_review = ["回顾", "总结"].iter().any(|w| text.contains(w));
    let numeral = RE_TOP_HEADING.find(text).map(|m| m.as_str());
    let review = match numeral {
        Some(n) if n.starts_with('一') || n.starts_with("第一") => review_words || !plan_words,
        // A 政府工作报告's later parts plan (`二、高质量做好2022年各项工作，
        // 以优异成绩迎接…`); an annual report's review on (`二、2023年度…
        // 履行…职责情况`) until its plans (`四、2024年工作安排`).
        Some(_) if gwr => strong_review,
        Some(_) => strong_review || !plan_words,
        None if review_words => true,
        None if plan_words => false,
        None => return None,
    };
    Some(match (review, gwr) {
        (true, true) => y + 1,
        (false, true) => y,
        (true, false) => y,
        (false, false) => y - 1,
    })
}

/// Headings run into the text, when a document lost its paragraph breaks
/// (`…提出意见。 一、2023年工作回顾 2023 年是…`, `…意见。2023年工作回顾2023年是…`).
fn inline_heading_year(doc: &Doc, gwr: bool) -> Option<(i32, Clue)> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(\d{4})\s*年(?:政府)?工作回顾|[一二三四五六七八九十]、\s*(\d{4})\s*年([^，。；！\s]{0,16})")
            .unwrap()
    });
    for l in doc.lines.iter().filter(|l| l.text.chars().count() > 60) {
        let Some(c) = RE.captures(l.text) else {
            continue;
        };
        let at = c.get(0).map_or(0, |m| m.start());
        let clue = Clue::on_line(Source::Heading, l.no, l.text, at);
        if let Some(y) = c.get(1).and_then(|m| m.as_str().parse::<i32>().ok()) {
            return Some((if gwr { y + 1 } else { y }, clue));
        }
        let y: i32 = c.get(2)?.as_str().parse().ok()?;
        let Some(year) = heading_says(&c[0], y, gwr) else {
            continue;
        };
        return Some((year, clue));
    }
    None
}

/// A 政府工作报告 whose review starts without a heading opens it with the
/// year reviewed (`2023年，在自治区党委…领导下`, `2023年是…开局之年`), right
/// after the address (`我代表市人民政府，向大会报告…`): the session is the
/// next year.
fn review_opening_year(opening: &Opening) -> Option<(i32, Clue)> {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4})年(?:是|，|,)").unwrap());
    let start = opening
        .lines
        .iter()
        .position(|(_, l)| l.contains("向大会") || l.contains("请予审议"))
        .map_or(0, |i| i + 1);
    opening.lines.iter().skip(start).take(3).find_map(|(no, l)| {
        let y: i32 = RE.captures(l)?[1].parse().ok()?;
        Some((y + 1, Clue::on_line(Source::Opening, *no, l, 0)))
    })
}

/// `刚刚过去的2016年` (the year just past) in a 政府工作报告: the session
/// is the next year.
fn just_past_year(doc: &Doc) -> Option<(i32, Clue)> {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:刚刚过去|刚过去)的\s*(\d{4})\s*年").unwrap());
    doc.lines.iter().find_map(|l| {
        if !l.text.contains("过去的") {
            return None;
        }
        let c = RE.captures(l.text)?;
        let y: i32 = c[1].parse().ok()?;
        Some((
            y + 1,
            Clue::on_line(Source::Opening, l.no, l.text, c.get(0).map_or(0, |m| m.start())),
        ))
    })
}

/// A 政府工作报告 that looks back on one year and ahead to the next says
/// so in sentences like `2023年是…开局之年` and `2024年是新中国成立75周年`:
/// when two such sentences name consecutive years, it is named by the later.
fn this_year_is(doc: &Doc) -> Option<(i32, Clue)> {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:^|[。！；\s])(\d{4})年是").unwrap());
    let mut seen: Vec<(i32, Clue)> = Vec::new();
    for l in &doc.lines {
        for c in RE.captures_iter(l.text) {
            let Some(y) = c.get(1).and_then(|m| m.as_str().parse::<i32>().ok()) else {
                continue;
            };
            if !seen.iter().any(|s| s.0 == y) {
                let at = c.get(1).map_or(0, |m| m.start());
                seen.push((y, Clue::on_line(Source::Body, l.no, l.text, at)));
            }
        }
    }
    let later = seen.iter().find(|(y, _)| seen.iter().any(|(x, _)| *x == y - 1))?;
    Some(later.clone())
}

static RE_DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]+").unwrap());

/// A year in the file name, else in the nearest folder name that holds
/// exactly one (`2020-闵行区七宝镇-…`, `有庆镇-2024.txt`). A folder like
/// `gwr-2012-2019` names a range, not a year.
fn path_year(rel_path: &str) -> Option<(i32, String)> {
    let mut parts: Vec<&str> = rel_path.split('/').collect();
    if let Some(last) = parts.last_mut() {
        *last = last.split('.').next().unwrap_or(last);
    }
    parts.iter().rev().find_map(|p| {
        let mut years: Vec<i32> = RE_DIGITS
            .find_iter(p)
            .filter(|m| m.len() == 4)
            .filter_map(|m| m.as_str().parse().ok())
            .filter(|y| dates::plausible_year(*y))
            .collect();
        years.dedup();
        (years.len() == 1).then(|| (years[0], p.to_string()))
    })
}

/// The year derived from the publication date. An annual review
/// (法治政府建设 report, 年度报告, 工作总结) published in the first half of
/// a year reports on the year before; a 政府工作报告, and anything else, is
/// named by the year it was issued.
fn year_from_date((y, m, _): Date, title: &str, gwr: bool) -> i32 {
    let review =
        ["法治政府建设", "年度报告", "工作总结", "年度工作"].iter().any(|w| title.contains(w));
    if review && !gwr && m <= 6 {
        y - 1
    } else {
        y
    }
}

/// The five-year plans by their ordinal (`十三五` → 2016–2020).
const PLANS: [(&str, i32); 5] =
    [("十一五", 2006), ("十二五", 2011), ("十三五", 2016), ("十四五", 2021), ("十五五", 2026)];

/// For a 政府工作报告 at the start of a term (`过去五年工作回顾`, `今后
/// 五年…`, `区六届人大一次会议以来的工作`), which names no year: the first
/// year of the plan period it opens — the latest five-year plan it names
/// (`“十四五”时期…` → 2021) — or, when it names none, the targets it sets
/// for the period's last year (`到2025年…`, the most frequent such year).
fn plan_period_year(doc: &Doc) -> Option<(i32, Clue)> {
    static RE_TERM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"过去五年|今后五年|未来五年|本届政府|届人大一次会议以来|届人民代表大会第一次会议以来",
        )
        .unwrap()
    });
    let term = doc.lines.iter().any(|l| l.text.chars().count() <= 40 && RE_TERM.is_match(l.text));
    if !term {
        return None;
    }
    let mut latest: Option<(i32, Clue)> = None;
    for l in &doc.lines {
        for (name, start) in PLANS {
            if latest.as_ref().is_some_and(|x| x.0 >= start) {
                continue;
            }
            if let Some(i) = l.text.find(name) {
                latest = Some((start, Clue::on_line(Source::Body, l.no, l.text, i)));
            }
        }
    }
    if latest.is_some() {
        return latest;
    }
    static RE_TARGET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"到(20\d[05])年").unwrap());
    // (target year, how often, the first line and offset naming it)
    let mut counts: Vec<(i32, usize, &Line, usize)> = Vec::new();
    for l in &doc.lines {
        for c in RE_TARGET.captures_iter(l.text) {
            let y: i32 = c[1].parse().unwrap_or(0);
            match counts.iter_mut().find(|x| x.0 == y) {
                Some(x) => x.1 += 1,
                None => counts.push((y, 1, l, c.get(0).map_or(0, |m| m.start()))),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let &(end, n, line, off) = counts.first()?;
    if n < 2 {
        return None;
    }
    Some((end - 4, Clue::on_line(Source::Body, line.no, line.text, off)))
}

// ---------------------------------------------------------------- level

/// A report of the State Council: delivered at the 全国人民代表大会, given
/// by a 国务院 premier, or opening with `我代表国务院`; with the clue.
/// We decide this before the gazetteer, since a national report mentions
/// places all over the country.
fn is_national(rel_path: &str, title: Option<&str>, head: &[&Line], doc: &Doc) -> Option<Clue> {
    const SPEAKERS: [&str; 5] =
        ["国务院总理", "国务院副总理", "国务院代总理", "国务委员", "代表国务院"];
    if let Some(t) = title.filter(|t| t.contains("国务院")) {
        return Some(Clue::note(Source::Title, t.to_string()));
    }
    for l in head {
        let c = clean_title(l.text);
        if (c.contains("全国人民代表大会") && c.contains("会议"))
            || SPEAKERS.iter().any(|s| c.contains(s))
        {
            return Some(Clue::on_line(Source::Delivery, l.no, l.text, 0));
        }
    }
    // In the body we trust only the opening words of the first two
    // paragraphs of an untitled or 政府工作报告 text: a township report
    // may quote a national one further down (gen-corpus does).
    if title.is_none_or(|t| t.contains("政府工作报告")) {
        for l in doc.lines.iter().skip(head.len()).take(2) {
            let opening: String = l.text.chars().take(40).collect();
            if SPEAKERS.iter().any(|s| opening.contains(s)) || opening.contains("受国务院的委托")
            {
                return Some(Clue::on_line(Source::SelfName, l.no, l.text, 0));
            }
        }
    }
    if rel_path.contains("国务院") {
        return Some(Clue::note(Source::Path, rel_path.to_string()));
    }
    None
}

// ---------------------------------------------------------------- text

/// Cleans a title: drops the spacing inside words (`2006年政 府 工 作 报 告`
/// → `2006年政府工作报告`, `2023 年` → `2023年`), trims it and its trailing
/// colon.
///
/// A single space between Chinese characters or digits is dropped, except
/// after the name of an issuing body, where it separates co-issuers
/// (`中共渠县有庆镇委员会 渠县有庆镇人民政府关于…`). A wider gap (two
/// spaces or an ideographic space) is kept as one space, as it usually
/// separates title and subtitle, unless the whole title is letter-spaced.
/// Spaces between Latin words are kept.
pub fn clean_title(raw: &str) -> String {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if !s.contains(char::is_whitespace) {
        // Nothing to join (most lines): only the trailing colon goes.
        return s.trim_end_matches([':', '：']).to_string();
    }
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let letter_spaced = tokens.len() >= 4
        && tokens.iter().filter(|t| t.chars().count() == 1).count() * 2 > tokens.len();
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_whitespace() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let (Some(prev), Some(&next)) = (out.chars().last(), chars.get(i)) else {
            continue;
        };
        let tight =
            is_cjk(prev) || is_cjk(next) || (prev.is_ascii_digit() && next.is_ascii_digit());
        let wide = i - start >= 2 || chars[start..i].contains(&'\u{3000}');
        // After an issuing body the gap separates co-issuers, unless it is
        // just one of the gaps of a letter-spaced title (`政 府 工 作`).
        let org_gap = ends_with_org(&out) && (wide || !letter_spaced);
        if !tight || org_gap || (wide && !letter_spaced) {
            out.push(' ');
        }
    }
    out.trim_end_matches([':', '：', ' ']).to_string()
}

/// One non-empty line of a report: its 1-based number, its trimmed text
/// and the byte offset of that text.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: u32,
    text: &'a str,
    start: usize,
}

/// The lines of a report, trimmed, without empty ones; where every line
/// starts; and the lines that are not the report's own text.
struct Doc<'a> {
    lines: Vec<Line<'a>>,
    line_starts: Vec<usize>,
    excluded: Vec<Range<usize>>,
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Doc<'a> {
        let mut lines = Vec::new();
        let mut line_starts = Vec::new();
        let mut excluded = Vec::new();
        let mut at = 0;
        for (i, raw) in text.split('\n').enumerate() {
            line_starts.push(at);
            let t = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if !t.is_empty() {
                let start = at + (t.as_ptr() as usize - raw.as_ptr() as usize);
                if (t.contains('源') && is_source_line(t))
                    || is_chrome_line(t)
                    || (i < 40 && is_junk(t))
                {
                    excluded.push(at..at + raw.len());
                }
                lines.push(Line { no: i as u32 + 1, text: t, start });
            }
            at += raw.len() + 1;
        }
        Doc { lines, line_starts, excluded }
    }

    fn is_excluded(&self, at: usize) -> bool {
        self.excluded.iter().any(|r| r.contains(&at))
    }

    /// The header: the lines before the first real paragraph (at most 15),
    /// junk included (it carries 发布机构 and dates). An addressee line
    /// (`各位代表：`, `县委、县政府：`) is the last header line.
    fn header(&self) -> Vec<&Line<'a>> {
        let mut out = Vec::new();
        for l in self.lines.iter().take(15) {
            if is_paragraph(l.text) {
                break;
            }
            out.push(l);
            let t = l.text.trim_end();
            if (t.ends_with('：') || t.ends_with(':')) && t.chars().count() <= 40 && !is_junk(t) {
                break;
            }
        }
        out
    }

    /// The signature: the short lines at the end (at most 8), after junk
    /// like `分享到:` is skipped.
    fn signature(&self) -> Vec<&Line<'a>> {
        let mut out = Vec::new();
        for l in self
            .lines
            .iter()
            .rev()
            .skip_while(|l| is_junk(l.text) || is_chrome_line(l.text))
            .take(8)
        {
            if is_paragraph(l.text) || l.text.chars().count() > 50 {
                break;
            }
            out.push(l);
        }
        out.reverse();
        out
    }
}

/// A line of running text rather than a header or signature line.
fn is_paragraph(l: &str) -> bool {
    let n = l.chars().count();
    (n > 60 && (l.contains('。') || l.contains('；'))) || n > 160
}

/// Lines of page furniture start with these.
const JUNK_PREFIXES: [&str; 30] = [
    "首页",
    "当前位置",
    "您的位置",
    "您现在的位置",
    "索引号",
    "发布机构",
    "公开方式",
    "组配分类",
    "文件编号",
    "发文字号",
    "主题分类",
    "发文日期",
    "发布日期",
    "发布时间",
    "成文日期",
    "来源",
    "稿源",
    "信息来源",
    "点击数",
    "浏览次数",
    "阅读次数",
    "访问量",
    "字号",
    "【",
    "打印",
    "分享",
    "关闭",
    "责任编辑",
    "作者",
    "新华社",
];

static RE_JUNK_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:时间|阅读|评论)\s*[:：]").unwrap());
static RE_JUNK_DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^新华社.{0,12}电$|记者.{0,10}摄$|^[（(]\s*新华社|^《[^》]{1,12}》\s*[（(]")
        .unwrap()
});

/// Navigation and page furniture: breadcrumbs, meta labels, datelines,
/// photo captions, newspaper citations (`《 人民日报 》（ 2018年03月23日 01 版）`,
/// whose date is the paper's, not the report's).
fn is_junk(l: &str) -> bool {
    // Page furniture is short; a paragraph is not junk.
    if l.len() > 600 {
        return false;
    }
    if l.starts_with(['>', '＞', '»', '›']) || l.matches(['>', '＞', '»']).count() >= 2 {
        return true;
    }
    if JUNK_PREFIXES.iter().any(|p| l.starts_with(p)) {
        // `新华社北京3月5日电` is a dateline, `新华社…` in a sentence is not.
        return !l.starts_with("新华社") || RE_JUNK_DATELINE.is_match(l);
    }
    (l.starts_with(['时', '阅', '评']) && RE_JUNK_LABEL.is_match(l))
        || ((l.ends_with('摄') || l.starts_with(['（', '(', '《'])) && RE_JUNK_DATELINE.is_match(l))
}

static RE_SOURCE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s|】|\|)(?:来源|稿源|信息来源|文章来源|稿件来源|新闻来源|出处)\s*[:：]")
        .unwrap()
});

/// A `来源：` / `稿源：` line: it names a newspaper, a web site or the body
/// that published the page, never the report's place (`来源：北京日报`).
fn is_source_line(l: &str) -> bool {
    l.chars().count() <= 120 && RE_SOURCE_LINE.is_match(l)
}

static RE_CHROME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"主办单位|承办单位|版权所有|网站标识码|ICP备|ICP证|公网安备|技术支持|联系我们|网站地图|扫一扫|分享到|设为首页|加入收藏|无障碍")
        .unwrap()
});

/// A line of the site's page furniture (footer, share buttons).
fn is_chrome_line(l: &str) -> bool {
    l.chars().count() <= 120 && RE_CHROME.is_match(l)
}

static RE_ORG_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(人民政府|委员会|党委|党工委|政府|办公室|办公厅|办事处|人大常委会|管委会|管理委员会|县委|区委|市委|镇委|乡委|局|厅)$")
        .unwrap()
});

fn ends_with_org(s: &str) -> bool {
    RE_ORG_END.is_match(s.trim_end())
}

/// Words that make a line a title (`…的报告`, `…实施办法`).
const TITLE_WORDS: [&str; 22] = [
    "报告", "总结", "办法", "意见", "通知", "方案", "规定", "决定", "细则", "纲要", "要点", "计划",
    "规划", "公告", "通报", "批复", "讲话", "条例", "制度", "规则", "情况", "公报",
];

fn has_title_word(s: &str) -> bool {
    TITLE_WORDS.iter().any(|w| s.contains(w))
}

/// True if a title is complete: it ends with a title word, possibly
/// followed by a parenthesised note (`（试行）`, `（摘要）`).
fn title_complete(s: &str) -> bool {
    let s = s.trim_end_matches(|c: char| c != '）' && c != ')' && !is_cjk(c));
    let core = match s.rfind(['（', '(']) {
        Some(i) if s.ends_with(['）', ')']) => &s[..i],
        _ => s,
    };
    TITLE_WORDS.iter().any(|w| core.ends_with(w))
}

/// A line naming only an issuing body (`武冈市荆竹铺镇人民政府`).
fn is_org_line(l: &str) -> bool {
    let c = clean_title(l);
    c.chars().count() <= 40
        && ends_with_org(&c)
        && !c.contains("关于")
        && !has_title_word(&c)
        && !c.contains(['，', '。', ',', ':', '：', '、'])
}

/// What the header says about the title.
#[derive(Debug, Default)]
struct FoundTitle {
    /// The title and its (first) line.
    title: Option<(String, u32)>,
    /// Issuer lines standing above the title, joined by a space, with the
    /// line of the first.
    orgs: Option<(String, u32)>,
    /// The same lines one by one.
    org_lines: Vec<(String, u32)>,
}

static RE_DELIVERY_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*(?:[-—―－–─━]+|[（(])\s*[0-9０-９][0-9０-９\s]*年\s*[0-9０-９]{1,2}\s*月")
        .unwrap()
});

/// A title that says only what kind of document it is (`工作报告`,
/// `政府工作报告`): on pages saved from a site it is often the section's
/// name, with the real title on the next line.
fn is_generic_title(t: &str) -> bool {
    !t.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)) && t.chars().count() <= 8
}

/// Finds the title in the header lines, joining a title split over lines:
/// issuer lines above a `关于…` line become its prefix (seed 004), and a
/// short line is joined to the next when only together they end like a
/// title. A delivery date run into the title line (`——1954年5月23日在…`)
/// is cut off. A generic title (`工作报告`) gives way to a fuller one on
/// the next line that contains it (`保定市满城区2020年政府工作报告`).
fn find_title(head: &[&Line]) -> FoundTitle {
    let mut orgs: Vec<(String, u32)> = Vec::new();
    let lines: Vec<&Line> = head.iter().copied().filter(|l| !is_junk(l.text)).collect();
    let mut i = 0;
    let done = |title: Option<(String, u32)>, orgs: Vec<(String, u32)>| {
        let joined = (!orgs.is_empty())
            .then(|| (orgs.iter().map(|o| o.0.as_str()).collect::<Vec<_>>().join(" "), orgs[0].1));
        FoundTitle { title, orgs: joined, org_lines: orgs }
    };
    while i < lines.len() {
        let raw = lines[i].text;
        let no = lines[i].no;
        i += 1;
        if dates::delivery_date(raw).is_some()
            && RE_DELIVERY_TAIL.find(raw).is_some_and(|m| m.start() == 0)
            || speaker_org(raw).is_some()
        {
            continue;
        }
        let line = clean_title(RE_DELIVERY_TAIL.split(raw).next().unwrap_or(raw));
        if line.is_empty() {
            continue;
        }
        if raw.ends_with(['：', ':']) {
            break;
        }
        if is_org_line(&line) {
            orgs.push((normalize_ws(&line), no));
            continue;
        }
        let mut title = line;
        if !title_complete(&title) && title.chars().count() <= 40 {
            if let Some(next) = lines.get(i) {
                let next =
                    clean_title(RE_DELIVERY_TAIL.split(next.text).next().unwrap_or(next.text));
                if title_complete(&next) && next.chars().count() <= 60 && !is_org_line(&next) {
                    title.push_str(&next);
                    i += 1;
                }
            }
        }
        if !has_title_word(&title) || title.contains('。') || title.chars().count() > 120 {
            continue;
        }
        if is_generic_title(&title) {
            if let Some(next) = lines.get(i) {
                let fuller = clean_title(next.text);
                if fuller.len() > title.len()
                    && fuller.contains(title.as_str())
                    && title_complete(&fuller)
                    && fuller.chars().count() <= 60
                {
                    return done(Some((fuller, next.no)), orgs);
                }
            }
        }
        if title.starts_with("关于") && !orgs.is_empty() {
            let o: Vec<&str> = orgs.iter().map(|o| o.0.as_str()).collect();
            title = format!("{}{title}", o.join(" "));
        }
        return done(Some((title, no)), orgs);
    }
    done(None, orgs)
}

/// A date line right under an issuing-body line, anywhere in the text: the
/// signature of a notice that the issued measures follow.
fn inner_signature<'a>(doc: &'a Doc<'a>) -> Option<(Date, &'a Line<'a>)> {
    doc.lines.windows(2).find_map(|w| {
        if w[1].text.chars().count() > 24 || !is_org_line(w[0].text) {
            return None;
        }
        dates::date_line(w[1].text).map(|d| (d, &w[1]))
    })
}

static RE_TITLE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:标题|名称|文件名称|文件标题)\s*[:：]\s*(\S.{1,78})$").unwrap()
});

/// A title stated by a label line (`名称： 2021年坪山区政府工作报告`), when
/// it reads like one.
fn labelled_title(doc: &Doc) -> Option<(String, u32)> {
    doc.lines.iter().find_map(|l| {
        if !(l.text.starts_with("标题") || l.text.starts_with("名称") || l.text.starts_with("文件"))
        {
            return None;
        }
        let t = clean_title(&RE_TITLE_LABEL.captures(l.text)?[1]);
        (has_title_word(&t) && !t.contains('。')).then_some((t, l.no))
    })
}

/// Cleans an HTML page title: cuts the site name after `_`, `|` or ` - `.
fn clean_hint_title(t: &str) -> String {
    let t = t.split(['_', '|', '｜']).next().unwrap_or(t);
    let t = t.split(" - ").next().unwrap_or(t);
    clean_title(t)
}

/// Collapses runs of whitespace to one space and trims.
fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The issuer in a title: the bodies before `关于`
/// (`中共渠县有庆镇委员会 渠县有庆镇人民政府关于…` →
/// `中共渠县有庆镇委员会 渠县有庆镇人民政府`).
fn issuer_from_title(title: &str) -> Option<String> {
    let (prefix, _) = title.split_once("关于")?;
    let prefix = normalize_ws(prefix);
    (ends_with_org(&prefix) && prefix.chars().count() >= 3).then_some(prefix)
}

/// The issuer in the signature: the issuing-body lines just above the
/// closing date (one line or several, co-issuers separated by spaces),
/// with the line of the first.
fn issuer_from_signature(sig: &[&Line]) -> Option<(String, u32)> {
    let mut orgs = Vec::new();
    let mut first = 0;
    for l in sig.iter().rev() {
        if dates::date_line(l.text).is_some() && orgs.is_empty() {
            continue;
        }
        let c = normalize_ws(l.text);
        if c.split(' ').all(is_org_line) {
            orgs.push(c);
            first = l.no;
        } else {
            break;
        }
    }
    orgs.reverse();
    (!orgs.is_empty()).then(|| (orgs.join(" "), first))
}

static RE_SPEAKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.{0,30}?(?:人民政府|国务院))\s*(?:代|副)?(?:总理|省长|主席|市长|区长|县长|旗长|镇长|乡长)")
        .unwrap()
});

/// The body in a speaker line (`海拉尔区人民政府区长　　杜联合` →
/// `海拉尔区人民政府`, `国务院总理周恩来` → `国务院`).
fn speaker_org(l: &str) -> Option<String> {
    let c = clean_title(l);
    if c.contains("在") && c.contains("会议") {
        return None;
    }
    RE_SPEAKER.captures(&c).map(|m| m[1].to_string())
}

static RE_PUBLISHER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:发布机构|发文机关|发文单位)\s*[:：]\s*(\S+)").unwrap());

/// The issuer a web page states in a `发布机构:` line.
fn labelled_publisher(lines: &[Line]) -> Option<(String, u32)> {
    lines.iter().find_map(|l| {
        if !(l.text.contains("发布机构") || l.text.contains("发文")) {
            return None;
        }
        RE_PUBLISHER.captures(l.text).map(|c| (c[1].to_string(), l.no))
    })
}

static RE_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:信息来源|文章来源|稿件来源|来源|稿源)\s*[:：]\s*([^\s?？]+)").unwrap()
});

/// The value of a `来源:` line, only to show it as a rejected issuer.
fn labelled_source<'a>(lines: &'a [Line<'a>]) -> Option<(String, &'a Line<'a>)> {
    lines.iter().find_map(|l| {
        if !(l.text.contains('源')) {
            return None;
        }
        RE_SOURCE.captures(l.text).map(|c| (c[1].to_string(), l))
    })
}

/// Han ideographs (incl. extensions and compatibility ideographs), CJK
/// punctuation and full-width forms: the characters between which spacing
/// is an artefact.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF | 0x20000..=0x3134F)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn seed(prefix: &str) -> (String, String) {
        let dir = root().join("corpus");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(prefix) && n.ends_with(".txt"))
            .collect();
        names.sort();
        let name = names.remove(0);
        (std::fs::read_to_string(dir.join(&name)).unwrap(), name)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn seed_table() {
        type Row<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a str, i32, Option<&'a str>);
        let rows: [Row; 5] = [
            ("000", "四川省", Some("达州市"), "渠县", "有庆镇", 2024, Some("2025-03-26")),
            ("001", "浙江省", Some("嘉兴市"), "桐乡市", "濮院镇", 2022, Some("2023-02-20")),
            ("002", "湖南省", Some("邵阳市"), "武冈市", "荆竹铺镇", 2023, None),
            ("003", "重庆市", None, "万州区", "燕山乡", 2020, None),
            ("004", "重庆市", None, "云阳县", "巴阳镇", 2023, Some("2024-01-31")),
        ];
        for (prefix, province, city, county, town, year, published) in rows {
            let (text, name) = seed(prefix);
            let m = extract(&text, &name, &Hints::default());
            assert_eq!(m.province.as_deref(), Some(province), "{name}");
            assert_eq!(m.city.as_deref(), city, "{name}");
            assert_eq!(m.county.as_deref(), Some(county), "{name}");
            assert_eq!(m.township.as_deref(), Some(town), "{name}");
            assert_eq!(m.year, Some(year), "{name}");
            assert_eq!(m.published.as_deref(), published, "{name}");
            assert_eq!(m.level, Some(Level::Township), "{name}");
        }
    }

    #[test]
    fn seed_titles_and_issuers() {
        let (text, name) = seed("000");
        let m = extract(&text, &name, &Hints::default());
        assert_eq!(
            m.title,
            s("中共渠县有庆镇委员会 渠县有庆镇人民政府关于2024年度法治政府建设工作情况的报告")
        );
        assert_eq!(m.issuer, s("中共渠县有庆镇委员会 渠县有庆镇人民政府"));

        let (text, name) = seed("004");
        let m = extract(&text, &name, &Hints::default());
        assert_eq!(
            m.title,
            s("中共云阳县巴阳镇委员会 云阳县巴阳镇人民政府关于2023年法治政府建设情况的报告")
        );
        assert_eq!(m.issuer, s("中共云阳县巴阳镇委员会 云阳县巴阳镇人民政府"));

        let (text, name) = seed("001");
        let m = extract(&text, &name, &Hints::default());
        assert_eq!(m.title, s("濮院镇2022年法治政府建设年度报告"));
        assert_eq!(m.issuer, s("濮院镇"));

        let (text, name) = seed("002");
        let m = extract(&text, &name, &Hints::default());
        assert_eq!(m.title, s("2023年荆竹铺镇法治政府建设年度报告"));
        assert_eq!(m.issuer, s("武冈市荆竹铺镇人民政府"));

        let (text, name) = seed("003");
        let m = extract(&text, &name, &Hints::default());
        assert_eq!(m.title, s("关于2020年法治政府建设情况的报告"));
        assert_eq!(m.issuer, None);
    }

    #[test]
    fn title_cleaning() {
        assert_eq!(clean_title("2006年政 府 工 作 报 告"), "2006年政府工作报告");
        assert_eq!(clean_title("政 府 工 作 报 告"), "政府工作报告");
        assert_eq!(
            clean_title("2023 年荆竹铺镇法治政府建设 年度报告"),
            "2023年荆竹铺镇法治政府建设年度报告"
        );
        assert_eq!(
            clean_title("1960年政府工作报告　  为提前实现全国农业发展纲要而奋斗"),
            "1960年政府工作报告 为提前实现全国农业发展纲要而奋斗"
        );
        assert_eq!(
            clean_title("中共渠县有庆镇委员会 渠县有庆镇人民政府关于2024年度报告"),
            "中共渠县有庆镇委员会 渠县有庆镇人民政府关于2024年度报告"
        );
        // gen-corpus letter-spaces whole titles, the co-issuer gap included.
        assert_eq!(
            clean_title("中 共 渠 县 委 员 会   渠 县 人 民 政 府 关 于"),
            "中共渠县委员会 渠县人民政府关于"
        );
        assert_eq!(clean_title("COVID 19 防控"), "COVID 19防控");
    }

    #[test]
    fn navigation_is_not_the_title() {
        let text = "首页>\n> 政务公开 > 政府信息公开目录 > 乡镇公开目录 > 濮院镇 > 报告统计\n\
                    索引号: 001008004005091/2023-103671 发布机构: 濮院镇\n\
                    濮院镇2022年法治政府建设年度报告\n\n发布时间:2023-02-20  08:57 来源:濮院镇\n";
        let m = extract(text, "a.txt", &Hints::default());
        assert_eq!(m.title, s("濮院镇2022年法治政府建设年度报告"));
        assert_eq!(m.published, s("2023-02-20"));
    }

    #[test]
    fn dates_labelled_and_signed() {
        // A newspaper citation at the end is not a signature date.
        let text = "2018年政府工作报告\n各位代表：\n正文。\n（新华社北京3月22日电）\n\
                    《 人民日报 》（ 2018年03月23日 01 版）\n";
        assert_eq!(extract(text, "", &Hints::default()).published, None);
        // The 发布日期 line wins over the signature (seed 000).
        let text = "某镇关于2024年度法治政府建设工作情况的报告\n发布日期:2025-03-26\n\n\
                    正文。\n某镇人民政府\n2025年3月19日\n";
        assert_eq!(extract(text, "", &Hints::default()).published, s("2025-03-26"));
    }

    #[test]
    fn years() {
        assert_eq!(opening_year("现将有庆镇2024年度法治政府建设工作情况报告如下:"), Some(2024));
        assert_eq!(
            path_year("township-shanghai-docs/2020-闵行区七宝镇-实施意见.txt").map(|y| y.0),
            Some(2020)
        );
        assert_eq!(path_year("county-hailar-gwr-2012-2019/x.txt"), None);
        // No year in the title: the delivery date gives the session year.
        let text = "政府工作报告　  ——2007年3月5日在第十届全国人民代表大会第五次会议上国务院总理　温家宝\n";
        let m = extract(text, "", &Hints::default());
        assert_eq!((m.year, m.title.as_deref()), (Some(2007), Some("政府工作报告")));
        assert_eq!(m.level, Some(Level::National));
        // An annual review with only a signature date reports on the year before.
        let text = "法治政府建设工作情况的报告\n\n正文。\n某镇人民政府\n2025年3月19日\n";
        assert_eq!(extract(text, "", &Hints::default()).year, Some(2024));
    }

    /// The year rules of issue #8, on the real lines that needed them.
    #[test]
    fn years_without_a_title() {
        // ../shared provincial 吉林 2025 without its title line: the
        // delivery line names the session year; `省长` and `我代表省政府`
        // say who speaks; `来源：吉林省政府网` is not the issuer.
        let text = "来源：吉林省政府网\n——2025年1月14日在吉林省第十四届人民代表大会第四次会议上\n\
                    省长　胡玉亭\n各位代表：\n现在，我代表省政府，向大会报告工作，请予审议，并请省政协委员提出意见。\n\
                    一、2024年工作回顾\n2024年是实现“十四五”规划目标任务的关键一年。\n二、2025年工作安排\n";
        let (m, ev) = extract_with_evidence(text, "P0202501140001.docx", &Hints::default());
        assert_eq!(m.year, Some(2025));
        assert_eq!(ev.year.clue.as_ref().map(|c| c.source), Some(Source::Delivery));
        assert_eq!(ev.year.clue.as_ref().and_then(|c| c.line), Some(2));
        assert_eq!((m.level, m.province.as_deref()), (Some(Level::Province), Some("吉林省")));
        assert_eq!(m.published, s("2025-01-14"));
        assert_ne!(m.issuer.as_deref(), Some("吉林省政府网"));
        // ../shared city 乐山 2024: no title, no delivery line; the review
        // heading is not numbered.
        let text = "各位代表：\n现在，我代表市人民政府向大会报告工作，请予审议，并请市政协各位委员提出意见。\n\
                    2023年工作回顾\n2023年是三年新冠疫情防控转段后经济恢复发展的一年。\n";
        let (m, ev) = extract_with_evidence(text, "", &Hints::default());
        assert_eq!(m.year, Some(2024));
        assert_eq!(ev.year.clue.as_ref().map(|c| c.source), Some(Source::Heading));
        // The review and the plan agree: `一、2023年工作回顾 … 二、2024年工作安排`.
        let text = "各位代表：\n一、2023年工作回顾\n正文。\n二、2024年工作安排\n正文。\n";
        assert_eq!(extract(text, "", &Hints::default()).year, Some(2024));
        // ../shared 宝安区 2022 (第七届第二次会议): the second part plans
        // 2022, although it speaks of 成绩.
        let text = "同志们：\n现在，我代表宝安区人民政府向大会作工作报告，请予审议。\n一、过去一年工作回顾\n\
                    2021年是中国共产党成立100周年。\n二、高质量做好2022年各项工作，以优异成绩迎接党的二十大胜利召开\n";
        assert_eq!(extract(text, "", &Hints::default()).year, Some(2022));
        // An annual 法治政府建设 report is named by the year it reviews.
        let text = "现将有关情况报告如下：\n一、2021年主要工作情况\n正文。\n三、下一步工作计划\n";
        assert_eq!(extract(text, "", &Hints::default()).year, Some(2021));
        // Not a date: the year comes from the heading, not `2024年2月31日`.
        let text = "法治政府建设工作情况的报告\n一、2023年主要举措和成效\n正文。\n某镇人民政府\n2024年2月31日\n";
        let m = extract(text, "", &Hints::default());
        assert_eq!((m.year, m.published), (Some(2023), None));
    }

    #[test]
    fn national_has_no_province() {
        let text =
            "1954年政府工作报告——1954年5月23日在中华人民共和国第一届全国人民代表大会第一次会议上\n\
                    国务院总理周恩来各位代表：\n北京、上海、四川省的工人……\n";
        let m = extract(text, "", &Hints::default());
        assert_eq!(m.level, Some(Level::National));
        assert_eq!((m.province, m.county), (None, None));
        assert_eq!(m.title, s("1954年政府工作报告"));
        assert_eq!(m.issuer, s("国务院"));
        assert_eq!(m.published, s("1954-05-23"));
    }

    #[test]
    fn speaker_line_gives_issuer() {
        assert_eq!(speaker_org("海拉尔区人民政府区长　　杜联合"), s("海拉尔区人民政府"));
        assert_eq!(speaker_org("国务院副总理兼国家计划委员会主任李富春"), s("国务院"));
    }

    #[test]
    fn hints_are_used() {
        let hints = Hints {
            title: s("某某镇2023年法治政府建设年度报告_某某县人民政府网"),
            published: s("2024年1月5日"),
            source: s("某某镇"),
        };
        let m = extract("正文。", "", &hints);
        assert_eq!(m.title, s("某某镇2023年法治政府建设年度报告"));
        assert_eq!(m.published, s("2024-01-05"));
        // A 来源 is never the issuer (it is as often a newspaper).
        assert_eq!(m.issuer, None);
        assert_eq!(m.year, Some(2023));
    }

    // ------------------------------------------------ corpus-wide checks

    /// Reads a report file as the pipeline would hand it to us: decoded,
    /// LF line endings, HTML crudely stripped of tags.
    fn read_report(path: &Path, encoding: &str) -> String {
        let bytes = std::fs::read(path).unwrap();
        if path.extension().is_some_and(|e| e == "docx") {
            return crate::corpus::docx::extract(&bytes).unwrap();
        }
        let text = if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
            enc.decode_without_bom_handling(&bytes[bom..]).0.into_owned()
        } else if encoding.contains("gb18030") {
            encoding_rs::GB18030.decode(&bytes).0.into_owned()
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let text = text.replace("\r\n", "\n");
        if path.extension().is_some_and(|e| e == "html") {
            let no_script = Regex::new(r"(?s)<script.*?</script>").unwrap().replace_all(&text, "");
            let stripped = Regex::new(r"<[^>]+>").unwrap().replace_all(&no_script, "\n");
            return stripped.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&");
        }
        text
    }

    #[test]
    fn bundled_corpus_manifest() {
        let dir = root().join("corpus");
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
        let (mut total, mut ok, mut dates_ok) = (0, 0, 0);
        let mut bad = Vec::new();
        for line in manifest.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            let (file, level, locality, year, date) = (f[0], f[5], f[6], f[7], f[8]);
            let text = read_report(&dir.join(file), file);
            let m = extract(&text, file, &Hints::default());
            let got_loc = if m.level == Some(Level::National) {
                "中国（国务院）".to_string()
            } else {
                [&m.province, &m.city, &m.county, &m.township]
                    .iter()
                    .filter_map(|x| x.as_deref())
                    .collect::<String>()
            };
            let got_level = m.level.map_or("", Level::as_str);
            let got_year = m.year.map_or(String::new(), |y| y.to_string());
            total += 1;
            if got_level == level && got_loc == locality && got_year == year {
                ok += 1;
            } else {
                bad.push(format!(
                    "{file}: {got_level} {got_loc} {got_year} != {level} {locality} {year}"
                ));
            }
            if m.published.as_deref().unwrap_or("") == date {
                dates_ok += 1;
            } else {
                eprintln!("publish_date {file}: {:?} != {date}", m.published);
            }
        }
        eprintln!("MANIFEST: {ok}/{total} level+locality+year, {dates_ok}/{total} publish_date");
        assert!(ok * 100 >= total * 95, "{ok}/{total}:\n{}", bad.join("\n"));
    }

    /// Runs tools/gen-corpus and returns (ok non-HTML, matching, HTML
    /// matching/total, mismatches).
    fn gen_corpus_check(reports: usize, seed: u64) -> (usize, usize, String, Vec<String>) {
        let out = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("python3")
            .arg(root().join("tools/gen-corpus"))
            .args(["--out", out.path().to_str().unwrap(), "--reports", &reports.to_string()])
            .args(["--mix", "--seed", &seed.to_string()])
            .status()
            .expect("python3 runs");
        assert!(status.success());
        let manifest = std::fs::read_to_string(out.path().join("MANIFEST.tsv")).unwrap();
        let (mut total, mut ok, mut html_total, mut html_ok, mut text_only) = (0, 0, 0, 0, 0);
        let mut bad = Vec::new();
        for line in manifest.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            let (file, status, town, county, province, year, enc) =
                (f[0], f[1], f[2], f[3], f[5], f[6], f[8]);
            if status != "ok" {
                continue;
            }
            let text = read_report(&out.path().join(file), enc);
            let m = extract(&text, file, &Hints::default());
            let matches = |m: &Metadata| {
                m.township.as_deref() == Some(town)
                    && m.county.as_deref() == Some(county)
                    && m.province.as_deref() == Some(province)
                    && m.year.map(|y| y.to_string()).as_deref() == Some(year)
            };
            let good = matches(&m);
            // The same without the folder and file names, to see how far
            // the text alone gets us (reported, not asserted).
            text_only += usize::from(matches(&extract(&text, "x.txt", &Hints::default())));
            if enc == "html" {
                html_total += 1;
                html_ok += usize::from(good);
                continue;
            }
            total += 1;
            if good {
                ok += 1;
            } else {
                bad.push(format!(
                    "{file} ({enc}): {:?} {:?} {:?} {:?}",
                    m.province, m.county, m.township, m.year
                ));
            }
        }
        let summary =
            format!("HTML {html_ok}/{html_total}, text only {text_only}/{}", total + html_total);
        (total, ok, summary, bad)
    }

    #[test]
    fn generated_corpus() {
        let (total, ok, html, bad) = gen_corpus_check(300, 7);
        eprintln!("gen-corpus 300: {ok}/{total} ok non-HTML, {html}");
        assert!(total > 250);
        assert!(ok * 100 >= total * 99, "{ok}/{total}:\n{}", bad.join("\n"));
    }

    /// The 2000-report run; `cargo test --lib corpus::metadata -- --ignored`.
    #[test]
    #[ignore]
    fn generated_corpus_2000() {
        let (total, ok, html, bad) = gen_corpus_check(2000, 1);
        eprintln!("gen-corpus 2000: {ok}/{total} ok non-HTML, {html}\n{}", bad.join("\n"));
        assert!(ok * 100 >= total * 99);
    }
}
