//! Word boundaries for place names and self-references in running text.
//!
//! A gazetteer name or a self-reference found as a substring is a place
//! only where the text has a word boundary around it: `全乡` inside
//! `健全乡村`, `全县` inside `质量安全县`, `镇政府` inside `乡镇政府驻地`,
//! `泰山区` inside `环泰山区域` and `平安乡` inside `平安乡村` are not. We ask
//! jieba (with the project's dictionary) how it segments a small window
//! around the match: the match must start and end at token boundaries,
//! except that a name may end inside a government word that begins with
//! its own last character (`达州市委` segmented `达州|市委`, `朝阳区政府`).
//!
//! Segmenting a window costs a few microseconds, so it is done only when
//! the characters around the match could form a word with its edge
//! characters (a dictionary word crosses the boundary); most matches
//! (`，全县`, `渠县人民政府`) are decided without segmenting anything.
//! Short names (`乐山` for 乐山市) and two-character names (`渠县`, `和县`)
//! must moreover be a word of their own (`市和县` is not 和县), unless a
//! government word follows (`渠县人民政府`).

use crate::text::segment::jieba;

/// How a match is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A distinctive full name (`有庆镇`, `达州市`): boundaries only.
    Name,
    /// A short or two-character name (`乐山`, `渠县`): a word of its own.
    ShortName,
    /// A self-reference (`全县`, `我镇`): boundaries only, no government
    /// word may continue it.
    SelfRef,
}

/// Words that may follow a place name directly and make it a mention of
/// the place's government (`渠县人民政府`, `万州区委`).
pub const GOV_FOLLOWERS: [&str; 14] = [
    "人民政府",
    "政府",
    "委员会",
    "党委",
    "党工委",
    "县委",
    "区委",
    "市委",
    "州委",
    "人大",
    "人民代表大会",
    "委发",
    "府发",
    "府办",
];

/// What a token that starts at a name's last character may add to it for
/// the name still to be a mention of the place: `市委` after `达州`,
/// `区政府`, `县长`, `市级`.
const SUFFIX_TOKEN_TAILS: [&str; 9] =
    ["委", "政府", "人民政府", "长", "级", "人大", "政协", "党委", "委员会"];

/// Characters of context on each side that jieba sees.
const WINDOW: usize = 6;

/// Is `text[start..end]` (byte offsets at character boundaries) a word of
/// its own kind there?
pub fn accepted(text: &str, start: usize, end: usize, kind: Kind) -> bool {
    accepted_between(text, start, end, kind, false, false)
}

/// [`accepted`], when the caller already knows that a place name ends
/// right before the match (`start_known`) or begins right after it
/// (`end_known`): a chain written out (`吴起县长官庙镇`, `安乡县官垱镇`) is
/// the gazetteer's own form, whatever jieba makes of `县长` or `县官`.
pub fn accepted_between(
    text: &str,
    start: usize,
    end: usize,
    kind: Kind,
    start_known: bool,
    end_known: bool,
) -> bool {
    let rest = &text[end..];
    if kind != Kind::SelfRef && (end_known || GOV_FOLLOWERS.iter().any(|w| rest.starts_with(w))) {
        // `渠县人民政府`, `有庆镇党委`: a place's government.
        return start_known || word_starts(text, start);
    }
    if start_known && kind != Kind::ShortName {
        return !crosses_end(text, end) || segmented_end_ok(text, start, end);
    }
    if !crosses_word(text, start, end)
        && (kind != Kind::ShortName || jieba().has_word(&text[start..end]))
    {
        // Nothing around it makes a word with its edges (and a short name
        // is a word of jieba's own): no need to segment.
        return true;
    }
    segmented_ok(text, start, end, kind)
}

/// Does a dictionary word span the end of a match (its last character and
/// one or two after)?
fn crosses_end(text: &str, end: usize) -> bool {
    let j = jieba();
    let Some(last) = text[..end].chars().next_back() else {
        return false;
    };
    let after: Vec<char> = text[end..].chars().take(2).collect();
    let word =
        |cs: &[char]| cs.iter().all(|c| is_han(*c)) && j.has_word(&cs.iter().collect::<String>());
    match after.as_slice() {
        [a1, a2, ..] => word(&[last, *a1]) || word(&[last, *a1, *a2]),
        [a1] => word(&[last, *a1]),
        [] => false,
    }
}

fn segmented_end_ok(text: &str, start: usize, end: usize) -> bool {
    let (w, s, e) = window(text, start, end);
    let tokens = jieba().cut(w, false);
    if tokens.iter().any(|t| t.byte_end == e) {
        return true;
    }
    let last = w[s..e].char_indices().next_back().map_or(s, |(i, _)| s + i);
    tokens.iter().any(|t| t.byte_start == last && t.byte_end > e && gov_tail(&w[e..t.byte_end]))
}

/// True when no word of two or three characters in jieba's dictionary
/// spans the start or the end of the match (`安全` across the start of
/// `全县` in `质量安全县`, `区域` across the end of `泰山区` in `环泰山区域`).
fn crosses_word(text: &str, start: usize, end: usize) -> bool {
    let j = jieba();
    let before: Vec<char> = text[..start].chars().rev().take(2).collect();
    let (Some(first), Some(last)) =
        (text[start..end].chars().next(), text[start..end].chars().next_back())
    else {
        return false;
    };
    let after: Vec<char> = text[end..].chars().take(2).collect();
    let mut buf = String::new();
    let mut is_word = |chars: &[char]| {
        buf.clear();
        buf.extend(chars);
        chars.iter().all(|c| is_han(*c)) && j.has_word(&buf)
    };
    if let Some(&b1) = before.first() {
        if is_word(&[b1, first]) {
            return true;
        }
        if let Some(&b2) = before.get(1) {
            if is_word(&[b2, b1, first]) {
                return true;
            }
        }
    }
    if let Some(&a1) = after.first() {
        if is_word(&[last, a1]) {
            return true;
        }
        if let Some(&a2) = after.get(1) {
            if is_word(&[last, a1, a2]) {
                return true;
            }
        }
    }
    false
}

/// Does a word start at `start`? (At the start of the text, or after a
/// character that is not an ideograph, always; else we segment.)
fn word_starts(text: &str, start: usize) -> bool {
    let Some(prev) = text[..start].chars().next_back() else {
        return true;
    };
    if !is_han(prev) {
        return true;
    }
    let first_len = text[start..].chars().next().map_or(0, char::len_utf8);
    !crosses_start(text, start, start + first_len) || segmented_start_ok(text, start)
}

fn crosses_start(text: &str, start: usize, end: usize) -> bool {
    let j = jieba();
    let before: Vec<char> = text[..start].chars().rev().take(2).collect();
    let Some(first) = text[start..end].chars().next() else {
        return false;
    };
    let word =
        |cs: &[char]| cs.iter().all(|c| is_han(*c)) && j.has_word(&cs.iter().collect::<String>());
    match before.as_slice() {
        [b1, b2, ..] => word(&[*b1, first]) || word(&[*b2, *b1, first]),
        [b1] => word(&[*b1, first]),
        [] => false,
    }
}

/// The window around `[start, end)` and the offsets of the match in it.
fn window(text: &str, start: usize, end: usize) -> (&str, usize, usize) {
    let ws = text[..start].char_indices().rev().nth(WINDOW - 1).map_or(0, |(i, _)| i);
    let we = text[end..].char_indices().nth(WINDOW).map_or(text.len(), |(i, _)| end + i);
    (&text[ws..we], start - ws, end - ws)
}

fn segmented_start_ok(text: &str, start: usize) -> bool {
    let (w, s, _) = window(text, start, start);
    jieba().cut(w, false).iter().any(|t| t.byte_start == s)
}

fn segmented_ok(text: &str, start: usize, end: usize, kind: Kind) -> bool {
    let (w, s, e) = window(text, start, end);
    let tokens = jieba().cut(w, false);
    if !tokens.iter().any(|t| t.byte_start == s) {
        return false;
    }
    if kind == Kind::ShortName && !jieba().has_word(&w[s..e]) {
        // A short name jieba does not know (`坪山`) is cut into pieces:
        // its edges are all we can check.
        return tokens.iter().any(|t| t.byte_end == e)
            || tokens
                .iter()
                .any(|t| t.byte_start < e && t.byte_end > e && gov_tail(&w[e..t.byte_end]));
    }
    if kind == Kind::ShortName {
        // A word of its own, or a word that begins with it and only adds
        // a government word (`乐山市委` is fine as `乐山|市委`).
        return tokens.iter().any(|t| t.byte_start == s && t.byte_end == e)
            || tokens
                .iter()
                .any(|t| t.byte_start == s && t.byte_end > e && gov_tail(&w[e..t.byte_end]));
    }
    if tokens.iter().any(|t| t.byte_end == e) {
        return true;
    }
    if kind == Kind::SelfRef {
        return false;
    }
    // A token that begins at the name's last character and only adds a
    // government word: `达州|市委`, `朝阳|区政府`.
    let last = w[s..e].char_indices().next_back().map_or(s, |(i, _)| s + i);
    tokens.iter().any(|t| t.byte_start == last && t.byte_end > e && gov_tail(&w[e..t.byte_end]))
}

fn gov_tail(tail: &str) -> bool {
    SUFFIX_TOKEN_TAILS.contains(&tail)
}

/// Is this word, in jieba's dictionary, a verb, an adjective, an adverb
/// or a word of direction or place-in-general (`合作` vn, `振兴` v,
/// `东方` s, `永定` d)? Such a word is not a place name in running text,
/// even where the gazetteer has a place of that short name.
pub fn ordinary_word(word: &str) -> bool {
    let tags = jieba().tag(word, false);
    match tags.as_slice() {
        [t] if t.word == word => {
            let tag = t.tag;
            ["v", "a", "d", "s", "f", "c", "p", "m", "q", "r", "u"]
                .iter()
                .any(|p| tag.starts_with(p))
        }
        _ => false,
    }
}

/// A Han ideograph (the characters words are made of).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, word: &str, kind: Kind) -> bool {
        let start = text.find(word).expect(word);
        accepted(text, start, start + word.len(), kind)
    }

    /// The fragments the issue lists, each from the real text that showed it.
    #[test]
    fn fragments_are_not_words() {
        assert!(!check("着力健全乡村治理体系", "全乡", Kind::SelfRef));
        assert!(!check("创建国家农产品质量安全县工作", "全县", Kind::SelfRef));
        assert!(!check("在乡镇政府驻地建设", "镇政府", Kind::SelfRef));
        assert!(!check("推进环泰山区域协同发展", "泰山区", Kind::Name));
        assert!(!check("建设平安乡村", "平安乡", Kind::Name));
        assert!(!check("提高县级统筹", "高县", Kind::ShortName));
    }

    #[test]
    fn ordinary_words_are_not_short_names() {
        for w in ["合作", "振兴", "东方", "开放", "前进", "解放"] {
            assert!(ordinary_word(w), "{w}");
        }
        for w in ["乐山", "南宁", "深圳", "日照", "攀枝花", "遂宁", "罗湖"] {
            assert!(!ordinary_word(w), "{w}");
        }
    }

    #[test]
    fn chains_written_out_are_places() {
        // gen-corpus titles over real gazetteer names: jieba reads 县长 and
        // 县官 across the joint.
        let t = "中共吴起县长官庙镇委员会";
        let (s, e) = (t.find("长官庙镇").unwrap(), t.find("委员会").unwrap());
        assert!(!accepted(t, s, e, Kind::Name));
        assert!(accepted_between(t, s, e, Kind::Name, true, false));
        let t = "安乡县官垱镇2023年法治政府建设年度报告";
        let e = t.find("官垱镇").unwrap();
        assert!(accepted_between(t, 0, e, Kind::Name, false, true));
    }

    #[test]
    fn real_mentions_are_words() {
        assert!(check("全县上下一心", "全县", Kind::SelfRef));
        assert!(check("，我镇坚持", "我镇", Kind::SelfRef));
        assert!(check("在全区范围内", "全区", Kind::SelfRef));
        assert!(check("四川省达州市渠县有庆镇人民政府", "达州市", Kind::Name));
        assert!(check("四川省达州市渠县有庆镇人民政府", "有庆镇", Kind::Name));
        assert!(check("渠县人民政府", "渠县", Kind::ShortName));
        assert!(check("建设幸福美好新乐山，奋力推动", "乐山", Kind::ShortName));
        assert!(check("乐山市委坚强领导", "乐山市", Kind::Name));
        assert!(check("在达州市委的领导下", "达州市", Kind::Name));
    }
}
