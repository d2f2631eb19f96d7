//! Dates and years as reports write them (SPEC §1 `year`, `published`).
//!
//! Reports write dates in many ways: `2025年3月19日`, `2025-03-26`,
//! `二〇二四年三月十九日`, with full-width or spaced digits
//! (`１９９６年３月５日`, `1 9 9 8 年3 月5 日`), after every kind of dash
//! (`——2022年3月5日在…`). Everything here reads one line or one value;
//! which date or year counts for a report is decided in `metadata`.
//!
//! A date is a real calendar date: `2024年2月31日` and `2023-02-29` are
//! not dates (a typo or a scrape artefact must not become a publication
//! date, nor the year derived from it).

use std::sync::LazyLock;

use regex::Regex;

/// A calendar date: year, month, day.
pub type Date = (i32, u32, u32);

/// Full-width digits and separators to ASCII (`１９９６` → `1996`,
/// `－－` → `--`); everything else is kept.
pub fn ascii_digits(s: &str) -> String {
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
pub fn compact(s: &str) -> String {
    ascii_digits(s).chars().filter(|c| !c.is_whitespace()).collect()
}

static RE_CN_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})年(\d{1,2})月(\d{1,2})日").unwrap());
static RE_ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\D|$)").unwrap()
});
static RE_HAN_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
        .unwrap()
});

/// The years we accept in dates and as report years.
pub fn plausible_year(y: i32) -> bool {
    (1949..=2100).contains(&y)
}

/// The date, if it is one on the calendar (leap years included) in a
/// plausible year.
pub fn valid(y: i32, m: u32, d: u32) -> Option<Date> {
    super::date::is_valid(y, m, d).then_some((y, m, d))
}

/// A number written in Chinese numerals: digit by digit for years
/// (`二〇二四` → 2024), positional up to 31 for months and days (`十九`).
pub fn han_number(s: &str) -> Option<u32> {
    let digit = |c: char| match c {
        '〇' | '○' | '零' => Some(0),
        _ => "一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32 + 1),
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

/// The first valid date in `s`, in any form we read: `2025-03-26`,
/// `2025年3月19日` (also full-width or spaced digits), `二〇二四年三月十九日`.
pub fn first_date(s: &str) -> Option<Date> {
    let c = compact(s);
    let a = ascii_digits(s);
    let num = |x: &str| x.parse::<u32>().ok();
    // Positions in the compact string and the ASCII one differ only by
    // whitespace; comparing them roughly is fine for ordering.
    let mut found: Vec<(usize, Date)> = Vec::new();
    for m in RE_CN_DATE.captures_iter(&c) {
        if let (Some(y), Some(mo), Some(d)) = (num(&m[1]), num(&m[2]), num(&m[3])) {
            if let Some(date) = valid(y as i32, mo, d) {
                found.push((m.get(0).map_or(0, |g| g.start()), date));
                break;
            }
        }
    }
    for m in RE_ISO_DATE.captures_iter(&a) {
        if let (Some(y), Some(mo), Some(d)) = (num(&m[1]), num(&m[2]), num(&m[3])) {
            if let Some(date) = valid(y as i32, mo, d) {
                found.push((m.get(0).map_or(0, |g| g.start()), date));
                break;
            }
        }
    }
    for m in RE_HAN_DATE.captures_iter(&c) {
        if let (Some(y), Some(mo), Some(d)) =
            (han_number(&m[1]), han_number(&m[2]), han_number(&m[3]))
        {
            if let Some(date) = valid(y as i32, mo, d) {
                found.push((m.get(0).map_or(0, |g| g.start()), date));
                break;
            }
        }
    }
    found.into_iter().min_by_key(|f| f.0).map(|f| f.1)
}

static RE_DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布日期|发文日期|发布时间|成文日期|印发日期|公开日期|发稿时间)\s*[:：]?\s*")
        .unwrap()
});

/// The date of a `发布日期:` / `发文日期:` / `发布时间:` label.
pub fn labelled_date(l: &str) -> Option<Date> {
    RE_DATE_LABEL.find_iter(l).find_map(|m| {
        let rest: String = l[m.end()..].chars().take(24).collect();
        first_date(&rest)
    })
}

static RE_DELIVERY: LazyLock<Regex> = LazyLock::new(|| {
    // In parentheses only when `在` follows (`（2022年1月5日在…`): a
    // parenthesised date alone is as often a newspaper's issue date.
    Regex::new(r"[-—―–─━]+(\d{4})年(\d{1,2})月(\d{1,2})日|[（(](\d{4})年(\d{1,2})月(\d{1,2})日[^）)]{0,8}在|^(\d{4})年(\d{1,2})月(\d{1,2})日在.{0,40}(?:人民代表大会|人大)")
        .unwrap()
});

/// A delivery date after a dash (`——2022年3月5日在…`, `----`, `--`, `—`,
/// `――`, `－－`, with full-width or spaced digits), in parentheses before
/// `在`, or opening a line that goes on to a people's congress
/// (`2025年1月14日在北京市第十六届人民代表大会…`).
pub fn delivery_date(l: &str) -> Option<Date> {
    let c = compact(l);
    for m in RE_DELIVERY.captures_iter(&c) {
        let g = |i: usize| {
            [i, i + 3, i + 6]
                .iter()
                .find_map(|&k| m.get(k))
                .and_then(|x| x.as_str().parse::<u32>().ok())
        };
        if let (Some(y), Some(mo), Some(d)) = (g(1), g(2), g(3)) {
            if let Some(date) = valid(y as i32, mo, d) {
                return Some(date);
            }
        }
    }
    None
}

/// A line that is only a date (`2025年3月19日`, `（2008年3月27日）`): a
/// signature date, or a delivery date standing on its own line.
pub fn date_line(l: &str) -> Option<Date> {
    let c = compact(l);
    if c.chars().count() > 24 {
        return None;
    }
    first_date(&c)
}

static RE_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})年|([〇○零一二三四五六七八九]{4})年").unwrap());

/// The first plausible year named with 年 in `s` (`2024年度…` → 2024).
/// A year directly followed by a month is a date, still a year.
pub fn year_in(s: &str) -> Option<i32> {
    years_in(s).next()
}

/// Every plausible year named with 年 in `s`, in order.
pub fn years_in(s: &str) -> impl Iterator<Item = i32> {
    let c = compact(s);
    let years: Vec<i32> = RE_YEAR
        .captures_iter(&c)
        .filter_map(|m| {
            let y = match (m.get(1), m.get(2)) {
                (Some(d), _) => {
                    // `12023年` is not 2023: the digits must start there.
                    let before = c[..d.start()].chars().next_back();
                    if before.is_some_and(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    d.as_str().parse().ok()?
                }
                (None, Some(h)) => han_number(h.as_str())? as i32,
                _ => return None,
            };
            plausible_year(y).then_some(y)
        })
        .collect();
    years.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_only() {
        assert_eq!(valid(2024, 2, 29), Some((2024, 2, 29)));
        assert_eq!(valid(2023, 2, 29), None);
        assert_eq!(valid(2024, 2, 31), None);
        assert_eq!(valid(2024, 4, 31), None);
        assert_eq!(valid(1900, 2, 29), None);
        assert_eq!(valid(2000, 2, 29), Some((2000, 2, 29)));
        assert_eq!(valid(2024, 13, 1), None);
        assert_eq!(first_date("2024年2月31日"), None);
        assert_eq!(first_date("2024年2月31日，2024年3月1日"), Some((2024, 3, 1)));
        assert_eq!(date_line("2024年2月31日"), None);
        assert_eq!(delivery_date("——2024年2月30日在县第一次会议上"), None);
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
            // The real line of ../shared provincial 北京 2025: no dash.
            ("2025年1月14日在北京市第十六届人民代表大会第三次会议上北京市市长 殷勇同志作政府工作报告。", (2025, 1, 14)),
        ];
        for (line, date) in cases {
            assert_eq!(delivery_date(line), Some(date), "{line}");
        }
        // A range in a document name is not a delivery date.
        assert_eq!(delivery_date("《重庆市法治政府建设实施方案（2021—2025年）》"), None);
        assert_eq!(delivery_date("（2022年1月5日在区第一次会议上）"), Some((2022, 1, 5)));
        assert_eq!(delivery_date("《 人民日报 》（ 2018年03月23日 01 版）"), None);
        // A dated sentence that is not about a congress.
        assert_eq!(delivery_date("2023年5月1日在全县开展了普法宣传"), None);
    }

    #[test]
    fn labelled_and_standalone_dates() {
        assert_eq!(labelled_date("公开方式: 主动公开 发文日期: 2023-02-20"), Some((2023, 2, 20)));
        assert_eq!(labelled_date("发布时间:2023-02-20  08:57 来源:濮院镇"), Some((2023, 2, 20)));
        assert_eq!(labelled_date("发布日期:2025-03-26"), Some((2025, 3, 26)));
        assert_eq!(date_line("2025年3月19日"), Some((2025, 3, 19)));
        assert_eq!(date_line("（2008年3月27日）"), Some((2008, 3, 27)));
        assert_eq!(date_line("二〇二四年三月十九日"), Some((2024, 3, 19)));
        assert_eq!(date_line("二○二三年十二月二十日"), Some((2023, 12, 20)));
    }

    #[test]
    fn years() {
        assert_eq!(year_in("2024年度法治政府建设工作情况的报告"), Some(2024));
        assert_eq!(year_in("1956年国务院政府工作报告关于1955年国家决算"), Some(1956));
        assert_eq!(year_in("2 0 2 3 年法治政府建设"), Some(2023));
        assert_eq!(year_in("二〇二三年工作回顾"), Some(2023));
        assert_eq!(year_in("投入12023年"), None);
        assert_eq!(
            years_in("一、2023年工作回顾和2024年工作安排").collect::<Vec<_>>(),
            [2023, 2024]
        );
    }
}
