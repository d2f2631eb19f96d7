//! Title, year, published date, issuer and locality of a report (SPEC §1).
//!
//! [`extract`] reads the decoded text of one report, its path relative to
//! the corpus root and the [`Hints`] an HTML page gave (发布日期, 来源), and
//! fills a [`Metadata`]. It runs once per report, after `decode`/`html` and
//! before `structure`; `sidecar` may then override any field.
//!
//! Reports arrive with navigation junk on top (`首页>`, `索引号:…`),
//! letter-spaced titles (`政 府 工 作 报 告`), titles split over lines,
//! every kind of dash before a delivery date and full-width or spaced
//! digits. We look at three zones: the *header* (the short lines before the
//! first real paragraph), the *signature* (the short lines at the end) and
//! the body. Rules are general, never keyed to a particular file, and a
//! field we cannot read stays `None`.
//!
//! Locality is delegated to [`Gazetteer::resolve`] with the header,
//! signature, title and issuer as strong clues and the path's folder and
//! file names as the strongest; national reports (delivered at the
//! 全国人民代表大会 or on behalf of 国务院) are recognised here first.

use std::sync::LazyLock;

use regex::Regex;

use super::locality::{Clues, Gazetteer};
use super::report::{Level, Metadata};

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
    /// The page's 来源 / 发布机构, used as the issuer when the text names none.
    pub source: Option<String>,
}

/// Extracts the metadata of one report.
///
/// `text` is the decoded report text (LF line endings, original characters;
/// it may start with navigation junk); `rel_path` is the path relative to
/// the corpus root, `/`-separated: its folder and file names are clues to
/// the place and year.
pub fn extract(text: &str, rel_path: &str, hints: &Hints) -> Metadata {
    let doc = Doc::new(text);
    let head = doc.header();
    let sig = doc.signature();

    let found = find_title(&head);
    let hint_title = hints.title.as_deref().map(clean_hint_title).filter(|t| !t.is_empty());
    let title = found.title.clone().or(hint_title);

    let issuer = title
        .as_deref()
        .and_then(issuer_from_title)
        .or(found.orgs.clone())
        .or_else(|| issuer_from_signature(&sig))
        .or_else(|| head.iter().find_map(|l| speaker_org(l)))
        .or_else(|| labelled_source(&doc.lines[..doc.lines.len().min(20)]))
        .or_else(|| hints.source.as_deref().map(normalize_ws).filter(|s| !s.is_empty()));

    // The delivery line may be run together with the speaker and a photo
    // caption into one long line (2011), so we look past the header.
    let delivery = doc.lines.iter().take(head.len().max(5)).find_map(|l| delivery_date(l));
    let published = hints
        .published
        .as_deref()
        .and_then(first_date)
        .or_else(|| doc.lines.iter().take(20).find_map(|l| labelled_date(l)))
        .or(delivery)
        .or_else(|| sig.iter().rev().find_map(|l| signature_date(l)));

    let year = title
        .as_deref()
        .and_then(year_in)
        .or(delivery.map(|d| d.0))
        .or_else(|| doc.lines.iter().take(30).find_map(|l| opening_year(l)))
        .or_else(|| path_year(rel_path))
        .or_else(|| published.map(|d| year_from_date(d, title.as_deref().unwrap_or(text))));

    let national = is_national(rel_path, title.as_deref(), &head, &doc);
    let (province, city, county, township, level) = if national {
        (None, None, None, None, Some(Level::National))
    } else {
        let mut strong: Vec<String> = head.iter().map(|l| clean_title(l)).collect();
        strong.extend(sig.iter().map(|l| clean_title(l)));
        strong.extend(title.iter().cloned());
        strong.extend(issuer.iter().cloned());
        strong.extend(hints.source.iter().cloned());
        let loc = Gazetteer::bundled().resolve(&Clues { path: rel_path, strong, body: text });
        (loc.province, loc.city, loc.county, loc.township, loc.level)
    };

    Metadata {
        title,
        province,
        city,
        county,
        township,
        level,
        issuer,
        year,
        published: published.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
    }
}

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

/// The lines of a report, trimmed, without empty ones.
struct Doc<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Doc<'a> {
        let lines = text
            .lines()
            .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
            .filter(|l| !l.is_empty())
            .collect();
        Doc { lines }
    }

    /// The header: the lines before the first real paragraph (at most 15),
    /// junk included (it carries 发布机构 and dates). An addressee line
    /// (`各位代表：`, `县委、县政府：`) is the last header line.
    fn header(&self) -> Vec<&'a str> {
        let mut out = Vec::new();
        for &l in self.lines.iter().take(15) {
            if is_paragraph(l) {
                break;
            }
            out.push(l);
            let t = l.trim_end();
            if (t.ends_with('：') || t.ends_with(':')) && t.chars().count() <= 40 && !is_junk(t) {
                break;
            }
        }
        out
    }

    /// The signature: the short lines at the end (at most 8), after junk
    /// like `分享到:` is skipped.
    fn signature(&self) -> Vec<&'a str> {
        let mut out = Vec::new();
        for &l in self.lines.iter().rev().skip_while(|l| is_junk(l)).take(8) {
            if is_paragraph(l) || l.chars().count() > 50 {
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

static RE_JUNK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(首页|当前位置|您的位置|您现在的位置|索引号|发布机构|公开方式|组配分类|文件编号|发文字号|主题分类|发文日期|发布日期|发布时间|成文日期|来源|信息来源|点击数|浏览次数|访问量|字号|【|打印|分享|关闭|责任编辑|作者|[>＞»›])|^新华社.{0,12}电$|记者.{0,10}摄$|^[（(]\s*新华社|^《[^》]{1,12}》\s*[（(]",
    )
    .unwrap()
});

/// Navigation and page furniture: breadcrumbs, meta labels, datelines,
/// photo captions, newspaper citations (`《 人民日报 》（ 2018年03月23日 01 版）`,
/// whose date is the paper's, not the report's).
fn is_junk(l: &str) -> bool {
    RE_JUNK.is_match(l) || l.matches(['>', '＞', '»']).count() >= 2
}

static RE_ORG_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(人民政府|委员会|党委|党工委|政府|办公室|办公厅|办事处|人大常委会|管委会|管理委员会|县委|区委|市委|镇委|乡委|局|厅)$")
        .unwrap()
});

fn ends_with_org(s: &str) -> bool {
    RE_ORG_END.is_match(s.trim_end())
}

/// Words that make a line a title (`…的报告`, `…实施办法`).
const TITLE_WORDS: [&str; 21] = [
    "报告", "总结", "办法", "意见", "通知", "方案", "规定", "决定", "细则", "纲要", "要点", "计划",
    "规划", "公告", "通报", "批复", "讲话", "条例", "制度", "规则", "情况",
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
        && !c.contains(['，', '。', ',', ':', '：'])
}

/// What the header says about the title.
#[derive(Debug, Default)]
struct FoundTitle {
    title: Option<String>,
    /// Issuer lines standing above the title, joined by a space.
    orgs: Option<String>,
}

static RE_DELIVERY_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*(?:[-—―－–─━]+|[（(])\s*[0-9０-９][0-9０-９\s]*年\s*[0-9０-９]{1,2}\s*月")
        .unwrap()
});

/// Finds the title in the header lines, joining a title split over lines:
/// issuer lines above a `关于…` line become its prefix (seed 004), and a
/// short line is joined to the next when only together they end like a
/// title. A delivery date run into the title line (`——1954年5月23日在…`)
/// is cut off.
fn find_title(head: &[&str]) -> FoundTitle {
    let mut orgs: Vec<String> = Vec::new();
    let lines: Vec<&str> = head.iter().copied().filter(|l| !is_junk(l)).collect();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        i += 1;
        if delivery_date(raw).is_some()
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
            orgs.push(normalize_ws(&line));
            continue;
        }
        let mut title = line;
        if !title_complete(&title) && title.chars().count() <= 40 {
            if let Some(next) = lines.get(i) {
                let next = clean_title(RE_DELIVERY_TAIL.split(next).next().unwrap_or(next));
                if title_complete(&next) && next.chars().count() <= 60 && !is_org_line(&next) {
                    title.push_str(&next);
                    i += 1;
                }
            }
        }
        if !has_title_word(&title) || title.contains('。') || title.chars().count() > 120 {
            continue;
        }
        let org = (!orgs.is_empty()).then(|| orgs.join(" "));
        if title.starts_with("关于") {
            if let Some(o) = &org {
                title = format!("{o}{title}");
            }
        }
        return FoundTitle { title: Some(title), orgs: org };
    }
    FoundTitle { title: None, orgs: (!orgs.is_empty()).then(|| orgs.join(" ")) }
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
/// closing date (one line or several, co-issuers separated by spaces).
fn issuer_from_signature(sig: &[&str]) -> Option<String> {
    let mut orgs = Vec::new();
    for l in sig.iter().rev() {
        if signature_date(l).is_some() && orgs.is_empty() {
            continue;
        }
        let c = normalize_ws(l);
        if c.split(' ').all(is_org_line) {
            orgs.push(c);
        } else {
            break;
        }
    }
    orgs.reverse();
    (!orgs.is_empty()).then(|| orgs.join(" "))
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

static RE_SOURCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:发布机构|信息来源|来源)\s*[:：]\s*(\S+)").unwrap());

/// The issuer a web page states in a `发布机构:` or `来源:` line.
fn labelled_source(lines: &[&str]) -> Option<String> {
    let pick = |label: &str| {
        lines.iter().find_map(|l| {
            RE_SOURCE.captures_iter(l).find(|c| c[0].starts_with(label)).map(|c| c[1].to_string())
        })
    };
    pick("发布机构").or_else(|| pick("来源")).or_else(|| pick("信息来源"))
}

// ---------------------------------------------------------------- dates

/// Full-width digits and separators to ASCII (`１９９６` → `1996`,
/// `－－` → `--`); everything else is kept.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' => '-',
            '／' => '/',
            '．' => '.',
            '：' => ':',
            _ => c,
        })
        .collect()
}

/// [`ascii_digits`] without any whitespace: `1 9 9 8 年3 月5 日` →
/// `1998年3月5日`. Only for dates written with 年月日, where removing
/// spaces cannot glue two numbers together.
fn compact(s: &str) -> String {
    ascii_digits(s).chars().filter(|c| !c.is_whitespace()).collect()
}

type Date = (i32, u32, u32);

static RE_CN_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})年(\d{1,2})月(\d{1,2})日").unwrap());
static RE_ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\D|$)").unwrap()
});
static RE_HAN_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
        .unwrap()
});

fn valid(y: i32, m: u32, d: u32) -> Option<Date> {
    ((1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then_some((y, m, d))
}

/// A number written in Chinese numerals: digit by digit for years
/// (`二〇二四` → 2024), positional up to 31 for months and days (`十九`).
fn han_number(s: &str) -> Option<u32> {
    let digit = |c: char| "〇一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32);
    let digit = |c: char| {
        if c == '○' || c == '零' {
            Some(0)
        } else {
            digit(c)
        }
    };
    if s.chars().count() == 4 {
        return s.chars().try_fold(0, |acc, c| Some(acc * 10 + digit(c)?));
    }
    match s.chars().collect::<Vec<_>>().as_slice() {
        ['十'] => Some(10),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        [u] => digit(*u),
        _ => None,
    }
}

/// The first date in `s`, in any form we read: `2025-03-26`,
/// `2025年3月19日` (also full-width or spaced digits), `二〇二四年三月十九日`.
fn first_date(s: &str) -> Option<Date> {
    let c = compact(s);
    let a = ascii_digits(s);
    let mut found: Vec<(usize, Date)> = Vec::new();
    let num = |x: &str| x.parse::<u32>().ok();
    if let Some(m) = RE_CN_DATE.captures(&c) {
        if let Some(d) = valid(num(&m[1])? as i32, num(&m[2])?, num(&m[3])?) {
            // Positions in the compact string and the ASCII one differ only
            // by whitespace; comparing them roughly is fine for ordering.
            found.push((m.get(0)?.start(), d));
        }
    }
    if let Some(m) = RE_ISO_DATE.captures(&a) {
        if let Some(d) = valid(num(&m[1])? as i32, num(&m[2])?, num(&m[3])?) {
            found.push((m.get(0)?.start(), d));
        }
    }
    if let Some(m) = RE_HAN_DATE.captures(&c) {
        let y = han_number(&m[1])? as i32;
        if let Some(d) = valid(y, han_number(&m[2])?, han_number(&m[3])?) {
            found.push((m.get(0)?.start(), d));
        }
    }
    found.into_iter().min_by_key(|f| f.0).map(|f| f.1)
}

static RE_DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布日期|发文日期|发布时间|成文日期|印发日期|公开日期|发稿时间)\s*[:：]?\s*")
        .unwrap()
});

/// The date of a `发布日期:` / `发文日期:` / `发布时间:` label.
fn labelled_date(l: &str) -> Option<Date> {
    RE_DATE_LABEL.find_iter(l).find_map(|m| {
        let rest: String = l[m.end()..].chars().take(24).collect();
        first_date(&rest)
    })
}

static RE_DELIVERY: LazyLock<Regex> = LazyLock::new(|| {
    // In parentheses only when `在` follows (`（2022年1月5日在…`): a
    // parenthesised date alone is as often a newspaper's issue date.
    Regex::new(r"[-—―–─━]+(\d{4})年(\d{1,2})月(\d{1,2})日|[（(](\d{4})年(\d{1,2})月(\d{1,2})日[^）)]{0,8}在")
        .unwrap()
});

/// A delivery date after a dash (`——2022年3月5日在…`, `----`, `--`, `—`,
/// `――`, `－－`, with full-width or spaced digits), or in parentheses.
fn delivery_date(l: &str) -> Option<Date> {
    let c = compact(l);
    let m = RE_DELIVERY.captures(&c)?;
    let g = |i: usize| m.get(i).or_else(|| m.get(i + 3)).and_then(|x| x.as_str().parse().ok());
    valid(g(1)? as i32, g(2)?, g(3)?)
}

/// A signature line that is only a date (`2025年3月19日`).
fn signature_date(l: &str) -> Option<Date> {
    let c = compact(l);
    if c.chars().count() > 24 {
        return None;
    }
    first_date(&c)
}

// ---------------------------------------------------------------- years

static RE_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})年|([〇○零一二三四五六七八九]{4})年").unwrap());

/// The first plausible year named with 年 in `s` (`2024年度…` → 2024).
fn year_in(s: &str) -> Option<i32> {
    let c = compact(s);
    RE_YEAR.captures_iter(&c).find_map(|m| {
        let y = match (m.get(1), m.get(2)) {
            (Some(d), _) => d.as_str().parse().ok()?,
            (None, Some(h)) => han_number(h.as_str())? as i32,
            _ => return None,
        };
        (1949..=2100).contains(&y).then_some(y)
    })
}

/// The year in an opening line like `现将有庆镇2024年度法治政府建设工作情况
/// 报告如下`.
fn opening_year(l: &str) -> Option<i32> {
    let start = l.find("现将")?;
    let rest = &l[start..];
    let end = rest.find("如下").unwrap_or(rest.len().min(180));
    year_in(&rest[..end])
}

static RE_DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]+").unwrap());

/// A year in the file name, else in the nearest folder name that holds
/// exactly one (`2020-闵行区七宝镇-…`, `有庆镇-2024.txt`). A folder like
/// `gwr-2012-2019` names a range, not a year.
fn path_year(rel_path: &str) -> Option<i32> {
    let mut parts: Vec<&str> = rel_path.split('/').collect();
    if let Some(last) = parts.last_mut() {
        *last = last.split('.').next().unwrap_or(last);
    }
    parts.iter().rev().find_map(|p| {
        let mut years: Vec<i32> = RE_DIGITS
            .find_iter(p)
            .filter(|m| m.len() == 4)
            .filter_map(|m| m.as_str().parse().ok())
            .filter(|y| (1949..=2100).contains(y))
            .collect();
        years.dedup();
        (years.len() == 1).then(|| years[0])
    })
}

/// The year derived from the publication date. An annual review
/// (法治政府建设 report, 年度报告, 工作总结) published in the first half of
/// a year reports on the year before; anything else is named by the year
/// it was issued.
fn year_from_date((y, m, _): Date, title: &str) -> i32 {
    let review =
        ["法治政府建设", "年度报告", "工作总结", "年度工作"].iter().any(|w| title.contains(w));
    if review && m <= 6 {
        y - 1
    } else {
        y
    }
}

// ---------------------------------------------------------------- level

/// A report of the State Council: delivered at the 全国人民代表大会, given
/// by a 国务院 premier, or opening with `我代表国务院`.
/// We decide this before the gazetteer, since a national report mentions
/// places all over the country.
fn is_national(rel_path: &str, title: Option<&str>, head: &[&str], doc: &Doc) -> bool {
    const SPEAKERS: [&str; 5] =
        ["国务院总理", "国务院副总理", "国务院代总理", "国务委员", "代表国务院"];
    rel_path.contains("国务院")
        || title.is_some_and(|t| t.contains("国务院"))
        || head.iter().any(|l| {
            let c = clean_title(l);
            (c.contains("全国人民代表大会") && c.contains("会议"))
                || SPEAKERS.iter().any(|s| c.contains(s))
        })
        // In the body we trust only the opening words of the first two
        // paragraphs of an untitled or 政府工作报告 text: a township report
        // may quote a national one further down (gen-corpus does).
        || (title.is_none_or(|t| t.contains("政府工作报告"))
            && doc.lines.iter().skip(head.len()).take(2).any(|l| {
                let opening: String = l.chars().take(40).collect();
                SPEAKERS.iter().any(|s| opening.contains(s)) || opening.contains("受国务院的委托")
            }))
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
    fn dash_variants_and_digits() {
        let cases = [
            ("——2022年3月5日在第十三届全国人民代表大会第五次会议上", (2022, 3, 5)),
            ("----2012年2月29日在海拉尔区第十三届人民代表大会第六次会议上", (2012, 2, 29)),
            ("　　--2014年2月19日在海拉尔区", (2014, 2, 19)),
            ("　—2017年2月11日在海拉尔区", (2017, 2, 11)),
            ("――1990年3月20日在", (1990, 3, 20)),
            ("1984年政府工作报告－－1984年5月15日在第六届", (1984, 5, 15)),
            ("——１９９６年３月５日在第八届", (1996, 3, 5)),
            ("——1 9 9 8 年3 月5 日在第九届全国人民代表大会第一次会议上", (1998, 3, 5)),
        ];
        for (line, date) in cases {
            assert_eq!(delivery_date(line), Some(date), "{line}");
        }
        // A range in a document name is not a delivery date.
        assert_eq!(delivery_date("《重庆市法治政府建设实施方案（2021—2025年）》"), None);
        assert_eq!(delivery_date("（2022年1月5日在区第一次会议上）"), Some((2022, 1, 5)));
        assert_eq!(delivery_date("《 人民日报 》（ 2018年03月23日 01 版）"), None);
    }

    #[test]
    fn dates_labelled_and_signed() {
        assert_eq!(labelled_date("公开方式: 主动公开 发文日期: 2023-02-20"), Some((2023, 2, 20)));
        assert_eq!(labelled_date("发布时间:2023-02-20  08:57 来源:濮院镇"), Some((2023, 2, 20)));
        assert_eq!(labelled_date("发布日期:2025-03-26"), Some((2025, 3, 26)));
        assert_eq!(signature_date("2025年3月19日"), Some((2025, 3, 19)));
        assert_eq!(signature_date("二〇二四年三月十九日"), Some((2024, 3, 19)));
        assert_eq!(signature_date("二○二三年十二月二十日"), Some((2023, 12, 20)));
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
        assert_eq!(year_in("2024年度法治政府建设工作情况的报告"), Some(2024));
        assert_eq!(year_in("1956年国务院政府工作报告关于1955年国家决算"), Some(1956));
        assert_eq!(year_in("2 0 2 3 年法治政府建设"), Some(2023));
        assert_eq!(opening_year("现将有庆镇2024年度法治政府建设工作情况报告如下:"), Some(2024));
        assert_eq!(path_year("township-shanghai-docs/2020-闵行区七宝镇-实施意见.txt"), Some(2020));
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
        assert_eq!(m.issuer, s("某某镇"));
        assert_eq!(m.year, Some(2023));
    }

    // ------------------------------------------------ corpus-wide checks

    /// Reads a report file as the pipeline would hand it to us: decoded,
    /// LF line endings, HTML crudely stripped of tags.
    fn read_report(path: &Path, encoding: &str) -> String {
        let bytes = std::fs::read(path).unwrap();
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
