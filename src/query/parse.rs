//! Query text to an expression tree and filters (SPEC §2, §3).
//!
//! This is the first stage of a search: [`parse`] turns what the user typed
//! into a [`Query`], an [`Expr`] tree of literals plus the [`Filters`] written
//! inside the query (`year:2023`). It does no normalization and knows nothing
//! about the index: literals are kept exactly as typed, and the planner
//! (`query::plan`) and the verifier (`query::verify`) normalize them and find
//! them in passages. Concepts (`@name`) are kept by name and expanded later.
//! The CLI shares [`Filters::add`] for its `--year`/`--county`/… flags, so a
//! filter value means the same in a flag and in the query.
//!
//! # Grammar
//!
//! ```text
//! query     = item { item } ;                   (* only whitespace: "empty query" *)
//! item      = [ "AND" ] ( filter | or_expr ) ;  (* juxtaposition means AND *)
//! or_expr   = near_expr { "OR" near_expr } ;
//! near_expr = unary { NEAR unary } ;            (* NEAR = "NEAR/" digits *)
//! unary     = ( "NOT" | "-" ) unary | primary ;
//! primary   = WORD | QUOTED | CONCEPT | "(" group ")" ;
//! group     = [ "AND" ] or_expr { [ "AND" ] or_expr } ;   (* no filters here *)
//! filter    = FIELD ( ":" | "：" ) ( WORD | QUOTED ) ;
//! ```
//!
//! Precedence, tightest first: `NOT`/`-`, `NEAR`, `OR`, `AND` (explicit or
//! implicit). So `a b OR c` is `a AND (b OR c)`, as in Google, and
//! `a OR b NEAR/5 c` is `a OR (b NEAR/5 c)`. `NEAR` chains group to the left.
//! Nested `And`s and `Or`s are flattened and a single operand is returned
//! bare, so `(a b) c` is `And[a, b, c]` and `((a))` is `a`.
//!
//! # Tokens
//!
//! - Tokens are separated by whitespace: anything [`char::is_whitespace`]
//!   accepts, so ASCII space, tab, newline, U+3000 and NBSP.
//! - `(` at the start of a token opens a group; `)` that is not balanced
//!   inside the current word closes one. ASCII parentheses balanced inside
//!   a word are part of it (`一村(社区)一法律顾问` is one word); an unclosed
//!   `(` inside a word is an error, since it is almost always a missing space
//!   or a truncated paste. Full-width `（）` are ordinary characters.
//! - `"` at the start of a token starts a quoted literal that runs to the
//!   next `"`, spaces included; the literal ends the token (`"a b"c` is two
//!   operands). A `"` inside a word is an ordinary character, like `(`.
//!   Chinese quotes `“ ”` are always ordinary characters.
//! - `-` at the start of a token negates what follows it directly (`-x`,
//!   `-"a b"`, `-(a OR b)`); a `-` followed by whitespace or the end is an
//!   error. To search for text that starts with `-`, quote it.
//! - `@name` is a concept; `@` elsewhere (`a@b.cn`) is ordinary.
//! - `OR`, `AND`, `NOT` and `NEAR/n` are operators only as whole tokens in
//!   uppercase. The same token in another case (`or`, `Not`, `near/20`) is
//!   an error with a hint (SPEC §2: it is almost always a mistyped
//!   operator, which would otherwise silently search for the word and find
//!   nothing); to search for the word, quote it (`"or"`). `NEARBY` is a
//!   word. A token `NEAR` or `NEAR/…` without a valid distance is an error.
//!   Operators must be separate tokens: `NOT(a)` is the word `NOT(a)`.
//! - `field:value` (or the full-width colon `：`, which a Chinese input
//!   method produces) is a filter when `field` is one of the names of
//!   [`FilterField`], in any ASCII case. A token that starts with ASCII
//!   letters and a colon but names no field (`yaer:2023`) is an error
//!   naming the closest field (SPEC §2: quote text that contains a colon),
//!   except a URL (`http://x`). Other tokens with a colon (`12:30`,
//!   `年份:2023`) are words, and so is a quoted `"yaer:2023"`. The value is
//!   a word or a quoted string (`place:"…"`).
//!
//! # Filters
//!
//! Filters must be top-level AND operands: `year:2023 法律顾问` is fine, but
//! a filter inside parentheses, under `NOT`/`-`, or as an `OR`/`NEAR`
//! operand is an error, because a filter restricts which reports are
//! searched and cannot be combined with text matching in any other way.
//! A query made only of filters has no expression (`expr: None`); a query
//! that is only negative (`-枫桥经验`) is allowed and it is up to the search
//! to decide what to return (every passage without the word).
//!
//! # Limits
//!
//! A query may nest groups, `NOT`s and `NEAR`s at most [`MAX_DEPTH`] deep
//! and hold at most [`MAX_WORDS`] words and concepts; beyond that it is an
//! error (`query too deep`, `query too long`) rather than a stack overflow
//! in the recursive parts of parsing, planning and matching (942 chained
//! `NOT`s, 913 `NEAR/5` terms or 6,371 nested parentheses crashed baogao
//! before these limits: see issue #9). [`check_limits`] checks the same
//! limits on an expression after its concepts were expanded.
//!
//! # Errors
//!
//! Every error is a [`ParseError`] carrying the character offset of the
//! culprit, and renders the query with a caret under it. When a query has
//! several problems the first one met reading left to right is reported
//! (with the exception of an unclosed `(`, which is only known at the end).

use std::fmt;

use unicode_width::UnicodeWidthChar;

use crate::corpus::report::{Level, SectionKind};

/// How deep a query may nest groups, `NOT`s and `NEAR`s (see the module
/// docs, "Limits"). Real queries stay below 10.
pub const MAX_DEPTH: usize = 32;

/// How many words and concepts a query may hold (after expanding its
/// concepts, for [`check_limits`]).
pub const MAX_WORDS: usize = 1024;

/// Why an expression is over the limits of [`MAX_DEPTH`] and [`MAX_WORDS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Nested deeper than [`MAX_DEPTH`].
    #[error(
        "query too deep: more than {MAX_DEPTH} levels of nested groups, NOT or NEAR \
         (write it flatter: `a OR b OR c` needs no parentheses)"
    )]
    TooDeep,
    /// More than [`MAX_WORDS`] words.
    #[error("query too long: more than {MAX_WORDS} words")]
    TooLong,
}

/// Checks an expression (typically after its concepts were expanded)
/// against [`MAX_DEPTH`] and [`MAX_WORDS`], without recursion, so that
/// the recursive passes that follow (matching, planning) are safe.
pub fn check_limits(expr: &Expr) -> Result<(), LimitError> {
    // Depth counts operators (And, Or, Not, Near) on the way down; the
    // parser's own limit is stricter, so anything it accepts passes here.
    let mut stack = vec![(expr, 0usize)];
    let mut words = 0usize;
    while let Some((e, depth)) = stack.pop() {
        match e {
            Expr::Word(_) | Expr::Concept(_) => {
                words += 1;
                if words > MAX_WORDS {
                    return Err(LimitError::TooLong);
                }
            }
            Expr::And(v) | Expr::Or(v) => {
                if depth >= 2 * MAX_DEPTH {
                    return Err(LimitError::TooDeep);
                }
                stack.extend(v.iter().map(|x| (x, depth + 1)));
            }
            Expr::Not(x) => {
                if depth >= 2 * MAX_DEPTH {
                    return Err(LimitError::TooDeep);
                }
                stack.push((x, depth + 1));
            }
            Expr::Near { left, right, .. } => {
                if depth >= 2 * MAX_DEPTH {
                    return Err(LimitError::TooDeep);
                }
                stack.push((left, depth + 1));
                stack.push((right, depth + 1));
            }
        }
    }
    Ok(())
}

/// A parsed query: what to match, and which reports to search.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The text to match, or `None` when the query is only filters.
    pub expr: Option<Expr>,
    /// The filters written inside the query (`year:2023`).
    pub filters: Filters,
}

/// An expression over literals, as typed by the user.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal exactly as typed: an unquoted word or the content of
    /// `"quoted text"` (without the quotes, spaces kept). Normalization
    /// happens later.
    Word(String),
    /// `@name`, a named query expanded later (the name, without `@`).
    Concept(String),
    /// All operands must match: juxtaposition or explicit `AND`. Always at
    /// least two operands, none of them an `And`.
    And(Vec<Expr>),
    /// Any operand may match. Always at least two operands, none an `Or`.
    Or(Vec<Expr>),
    /// `-x` or `NOT x`.
    Not(Box<Expr>),
    /// `left NEAR/distance right`: both within `distance` characters of each
    /// other, in either order. Operands are only words, concepts, `Or`s of
    /// those and nested `Near`s.
    Near {
        /// The operand on the left of `NEAR/n`.
        left: Box<Expr>,
        /// The operand on the right of `NEAR/n`.
        right: Box<Expr>,
        /// The `n` of `NEAR/n`.
        distance: u32,
    },
}

impl Expr {
    /// All positive literals (words not under a `Not`, at any depth), for
    /// highlighting: in order of first appearance, without duplicates.
    /// Concepts are not included: they are names, not text, and the caller
    /// expands them.
    pub fn positive_words(&self) -> Vec<&str> {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::Word(w) => {
                    if !out.contains(&w.as_str()) {
                        out.push(w);
                    }
                }
                Expr::Concept(_) | Expr::Not(_) => {}
                Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| walk(e, out)),
                Expr::Near { left, right, .. } => {
                    walk(left, out);
                    walk(right, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

/// Restrictions on which reports are searched, from the query or from flags.
///
/// Within one field the values are alternatives (`year:2020 year:2023`
/// means either year, since a report has only one); different fields must
/// all hold. An empty list means no restriction. Place values are kept as
/// typed (trimmed); matching them against official names (`四川` is a prefix
/// of `四川省`) is the search's business.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// `year:` — inclusive ranges of report years.
    pub years: Vec<YearRange>,
    /// `township:` — township names.
    pub township: Vec<String>,
    /// `county:` — county names.
    pub county: Vec<String>,
    /// `city:` — prefecture-level city names.
    pub city: Vec<String>,
    /// `province:` — province names.
    pub province: Vec<String>,
    /// `place:` — a name at any level.
    pub place: Vec<String>,
    /// `level:` — administrative levels.
    pub level: Vec<Level>,
    /// `section:` — section kinds.
    pub section: Vec<SectionKind>,
}

/// An inclusive range of years; an open end is `None`.
///
/// `2023` is `2023..=2023`, `2020..2023` is `2020..=2023`, `2020..` has no
/// upper bound and `..2023` no lower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    /// First year included, or `None` for no lower bound.
    pub from: Option<i32>,
    /// Last year included, or `None` for no upper bound.
    pub to: Option<i32>,
}

impl YearRange {
    /// Whether `year` lies in the range.
    pub fn contains(self, year: i32) -> bool {
        self.from.is_none_or(|f| f <= year) && self.to.is_none_or(|t| year <= t)
    }
}

impl fmt::Display for YearRange {
    /// Renders the range as it is written in a query: `2023`, `2020..2023`,
    /// `2020..`, `..2023`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.from, self.to) {
            (Some(a), Some(b)) if a == b => write!(f, "{a}"),
            (a, b) => {
                if let Some(a) = a {
                    write!(f, "{a}")?;
                }
                f.write_str("..")?;
                if let Some(b) = b {
                    write!(f, "{b}")?;
                }
                Ok(())
            }
        }
    }
}

/// The name of a filter, as in `year:2023` or `--year 2023`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    /// `year:`
    Year,
    /// `township:`
    Township,
    /// `county:`
    County,
    /// `city:`
    City,
    /// `province:`
    Province,
    /// `place:` (any level)
    Place,
    /// `level:`
    Level,
    /// `section:`
    Section,
}

impl FilterField {
    /// All fields, in the order of [`Filters`].
    pub const ALL: [FilterField; 8] = [
        FilterField::Year,
        FilterField::Township,
        FilterField::County,
        FilterField::City,
        FilterField::Province,
        FilterField::Place,
        FilterField::Level,
        FilterField::Section,
    ];

    /// Parses a field name, ignoring ASCII case (`year`, `Year`, `YEAR`).
    pub fn parse(name: &str) -> Option<FilterField> {
        FilterField::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The field's name in lowercase, as written before the colon.
    pub fn name(self) -> &'static str {
        match self {
            FilterField::Year => "year",
            FilterField::Township => "township",
            FilterField::County => "county",
            FilterField::City => "city",
            FilterField::Province => "province",
            FilterField::Place => "place",
            FilterField::Level => "level",
            FilterField::Section => "section",
        }
    }
}

/// The values `Level::parse` accepts, listed in error messages. A test
/// checks each against `Level::parse`, so this cannot drift silently.
const LEVEL_ALIASES: &[(Level, &[&str])] = &[
    (Level::National, &["national", "国家", "全国", "中央"]),
    (Level::Province, &["province", "省", "省级"]),
    (Level::City, &["city", "市", "地市", "市级"]),
    (Level::County, &["county", "县", "县级", "区县"]),
    (Level::Township, &["township", "乡镇", "镇", "乡", "街道"]),
];

/// The values `SectionKind::parse` accepts, listed in error messages.
const SECTION_ALIASES: &[(SectionKind, &[&str])] = &[
    (SectionKind::Measures, &["measures", "举措", "成效", "措施", "做法"]),
    (SectionKind::Shortcomings, &["shortcomings", "不足", "问题", "差距"]),
    (SectionKind::Responsibility, &["responsibility", "责任", "第一责任人", "职责"]),
    (SectionKind::Plans, &["plans", "计划", "打算", "安排", "任务"]),
    (SectionKind::Other, &["other", "其他", "其它"]),
];

/// `measures (举措/成效)`, … for an error message.
fn list_aliases<T>(table: &[(T, &[&str])]) -> String {
    let items: Vec<String> =
        table.iter().map(|(_, names)| format!("{} ({})", names[0], names[1..].join("/"))).collect();
    items.join(", ")
}

/// Pushes `value` unless it is already there: repeating a filter changes
/// nothing, and keeping the lists short keeps the search's filters short.
fn push_unique<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Parses a four-digit year. Full-width digits (`２０２３`, as a Chinese input
/// method may type them) are accepted, since NFKC makes them equal anyway.
fn parse_year(s: &str) -> Option<i32> {
    let digits: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            _ => c,
        })
        .collect();
    // We insist on four digits: `year:23` is more likely a typo than a
    // report from the year 23, and saying so beats silently matching nothing.
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

fn parse_year_range(value: &str) -> Result<YearRange, String> {
    let bad = || {
        format!(
            "invalid year `{value}`: expected a four-digit year (2023) \
             or a range (2020..2023, 2020.., ..2023)"
        )
    };
    // `．．` is the full-width spelling of `..`.
    let normalized = value.replace("．．", "..");
    match normalized.split_once("..") {
        None => {
            let y = parse_year(&normalized).ok_or_else(bad)?;
            Ok(YearRange { from: Some(y), to: Some(y) })
        }
        Some((a, b)) => {
            let end = |s: &str| -> Result<Option<i32>, String> {
                let s = s.trim();
                if s.is_empty() {
                    Ok(None)
                } else {
                    parse_year(s).map(Some).ok_or_else(bad)
                }
            };
            let (from, to) = (end(a)?, end(b)?);
            match (from, to) {
                (None, None) => Err(format!(
                    "invalid year range `{value}`: give at least one end (2020.., ..2023)"
                )),
                (Some(f), Some(t)) if f > t => {
                    Err(format!("invalid year range `{value}`: {f} is after {t}"))
                }
                _ => Ok(YearRange { from, to }),
            }
        }
    }
}

impl Filters {
    /// Adds one filter value (used by the parser for `year:2023` and by the
    /// CLI for `--year 2023`). Surrounding whitespace is ignored.
    ///
    /// Errors with a message (without position; the parser adds it) for an
    /// empty value, a year that is not four digits or a range that runs
    /// backwards (`year:二〇二三`, `year:20x3`, `year:2023..2020`), and an
    /// unknown level or section kind (`level:village`, `section:foo`); the
    /// message lists what is accepted.
    pub fn add(&mut self, field: FilterField, value: &str) -> Result<(), String> {
        let v = value.trim();
        if v.is_empty() {
            return Err(format!("empty value for `{}:`", field.name()));
        }
        let place = |list: &mut Vec<String>| push_unique(list, v.to_string());
        match field {
            FilterField::Year => push_unique(&mut self.years, parse_year_range(v)?),
            FilterField::Township => place(&mut self.township),
            FilterField::County => place(&mut self.county),
            FilterField::City => place(&mut self.city),
            FilterField::Province => place(&mut self.province),
            FilterField::Place => place(&mut self.place),
            FilterField::Level => {
                let level = Level::parse(v).ok_or_else(|| {
                    format!("unknown level `{v}`: expected {}", list_aliases(LEVEL_ALIASES))
                })?;
                push_unique(&mut self.level, level);
            }
            FilterField::Section => {
                let kind = SectionKind::parse(v).ok_or_else(|| {
                    format!(
                        "unknown section kind `{v}`: expected {}",
                        list_aliases(SECTION_ALIASES)
                    )
                })?;
                push_unique(&mut self.section, kind);
            }
        }
        Ok(())
    }

    /// Adds all of `other`'s values (skipping those already present), as
    /// when the CLI combines its flags with the filters in the query.
    pub fn merge(&mut self, other: Filters) {
        fn extend<T: PartialEq>(into: &mut Vec<T>, from: Vec<T>) {
            from.into_iter().for_each(|v| push_unique(into, v));
        }
        extend(&mut self.years, other.years);
        extend(&mut self.township, other.township);
        extend(&mut self.county, other.county);
        extend(&mut self.city, other.city);
        extend(&mut self.province, other.province);
        extend(&mut self.place, other.place);
        extend(&mut self.level, other.level);
        extend(&mut self.section, other.section);
    }

    /// Whether there is no restriction at all.
    pub fn is_empty(&self) -> bool {
        self.years.is_empty()
            && self.township.is_empty()
            && self.county.is_empty()
            && self.city.is_empty()
            && self.province.is_empty()
            && self.place.is_empty()
            && self.level.is_empty()
            && self.section.is_empty()
    }
}

/// A query that cannot be parsed: what is wrong, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// What is wrong, in lowercase without a final period.
    pub message: String,
    /// The offset, in characters (not bytes), of the culprit in `input`;
    /// `input.chars().count()` when the problem is at the end.
    pub position: usize,
    /// The whole query as given.
    pub input: String,
}

impl fmt::Display for ParseError {
    /// Renders three lines: the message, the query indented by two spaces,
    /// and a caret under the character at `position`. The caret column is
    /// the display width of what precedes it, so that it lines up under CJK
    /// text (two columns per character) in a terminal. Control characters
    /// (a tab or newline pasted into the query) are shown as one space each
    /// so they cannot break the alignment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::with_capacity(self.input.len());
        let mut column = 0;
        for (i, c) in self.input.chars().enumerate() {
            let (shown, width) =
                if c.is_control() { (' ', 1) } else { (c, c.width().unwrap_or(0)) };
            if i < self.position {
                column += width;
            }
            line.push(shown);
        }
        writeln!(f, "{}", self.message)?;
        writeln!(f, "  {line}")?;
        write!(f, "  {}^", " ".repeat(column))
    }
}

impl std::error::Error for ParseError {}

/// Parses a query (grammar in the module docs).
///
/// Errors for an empty query, unbalanced or empty parentheses, operators
/// missing an operand, a bare `-`, `NEAR` without a distance or with an AND
/// or NOT operand, unterminated or empty quotes, a filter not at the top
/// level and a bad filter value, each with the character position of the
/// culprit.
pub fn parse(input: &str) -> Result<Query, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let tokens = lex(&chars);
    let mut parser = Parser { tokens, next: 0, input, depth: 0 };
    if matches!(parser.tokens[0].tok, Tok::Eof) {
        return Err(parser.error("empty query", 0));
    }
    // Too many words: reported at the first word over the limit, before
    // anything is built.
    if let Some(t) = parser
        .tokens
        .iter()
        .filter(|t| matches!(t.tok, Tok::Word(_) | Tok::Concept(_)))
        .nth(MAX_WORDS)
    {
        return Err(parser.error(LimitError::TooLong.to_string(), t.pos));
    }
    let mut filters = Filters::default();
    let expr = parser.parse_sequence(None, Some(&mut filters))?;
    Ok(Query { expr, filters })
}

// ---------------------------------------------------------------------------
// Lexer

/// A token, with the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    /// A bare word or the content of a quoted literal.
    Word(String),
    Concept(String),
    Minus,
    Not,
    And,
    Or,
    Near(u32),
    Filter {
        field: FilterField,
        value: String,
        value_pos: usize,
    },
    Eof,
    /// A lexical error. It is the last token, so the parser reports it only
    /// when it gets there: errors are reported in reading order.
    Bad(String),
}

/// A token and the offset just after it, or an error message and its offset.
type Lexed = Result<(Tok, usize), (String, usize)>;

const MINUS_ALONE: &str = "`-` must be directly followed by a word, phrase, @concept or group \
                           (quote the text to search for a literal `-`)";

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Splits the query into tokens, always ending with `Eof` or `Bad`.
fn lex(chars: &[char]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_space(c) {
            i += 1;
            continue;
        }
        let lexed: Lexed = match c {
            '(' => Ok((Tok::LParen, i + 1)),
            ')' => Ok((Tok::RParen, i + 1)),
            '"' => lex_quoted(chars, i).map(|(s, end)| (Tok::Word(s), end)),
            '-' => match chars.get(i + 1) {
                Some(&n) if !is_space(n) => Ok((Tok::Minus, i + 1)),
                _ => Err((MINUS_ALONE.to_string(), i)),
            },
            '@' => match scan_word(chars, i + 1) {
                Ok((name, _)) if name.is_empty() => {
                    Err(("`@` must be followed by a concept name".to_string(), i))
                }
                Ok((name, end)) => Ok((Tok::Concept(name), end)),
                Err(e) => Err(e),
            },
            _ => lex_filter(chars, i).unwrap_or_else(|| lex_bare(chars, i)),
        };
        match lexed {
            Ok((tok, end)) => {
                out.push(Token { tok, pos: i });
                i = end;
            }
            Err((message, pos)) => {
                out.push(Token { tok: Tok::Bad(message), pos });
                return out;
            }
        }
    }
    out.push(Token { tok: Tok::Eof, pos: chars.len() });
    out
}

/// Scans a bare word from `start`: up to whitespace, the end, or a `)` that
/// does not close a `(` opened inside the word. Returns the word (possibly
/// empty) and the offset after it.
fn scan_word(chars: &[char], start: usize) -> Result<(String, usize), (String, usize)> {
    let mut open = Vec::new();
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        if is_space(c) {
            break;
        }
        match c {
            '(' => open.push(i),
            ')' if open.pop().is_none() => break,
            _ => {}
        }
        i += 1;
    }
    if let Some(&pos) = open.last() {
        return Err((
            "unbalanced `(` inside a word: close it, put a space before it to open a group, \
             or quote the text"
                .to_string(),
            pos,
        ));
    }
    Ok((chars[start..i].iter().collect(), i))
}

/// Lexes `"…"` starting at the quote at `start`: the content and the offset
/// after the closing quote.
fn lex_quoted(chars: &[char], start: usize) -> Result<(String, usize), (String, usize)> {
    let Some(len) = chars[start + 1..].iter().position(|&c| c == '"') else {
        return Err(("unterminated quote: this `\"` has no closing `\"`".to_string(), start));
    };
    let content = &chars[start + 1..start + 1 + len];
    if content.iter().all(|&c| is_space(c)) {
        return Err(("empty quotes match nothing".to_string(), start));
    }
    Ok((content.iter().collect(), start + len + 2))
}

/// Lexes `field:value` at `start` if the token starts with a filter name
/// and a colon; `None` if it is not a filter.
fn lex_filter(chars: &[char], start: usize) -> Option<Lexed> {
    let name_len = chars[start..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let colon = start + name_len;
    if name_len == 0 || !matches!(chars.get(colon), Some(':' | '：')) {
        return None;
    }
    let name: String = chars[start..colon].iter().collect();
    let Some(field) = FilterField::parse(&name) else {
        // `http://…` and the like are words; any other `letters:` is a
        // mistyped field more often than text (SPEC §2).
        if chars.get(colon + 1..colon + 3) == Some(&['/', '/']) {
            return None;
        }
        return Some(Err((unknown_field(&name), start)));
    };
    let value_pos = colon + 1;
    let lexed = if chars.get(value_pos) == Some(&'"') {
        lex_quoted(chars, value_pos).map(|(v, end)| (v, value_pos + 1, end))
    } else {
        scan_word(chars, value_pos).map(|(v, end)| (v, value_pos, end))
    };
    Some(lexed.map(|(value, value_pos, end)| (Tok::Filter { field, value, value_pos }, end)))
}

/// The error for `name:` where `name` is no filter field, naming the
/// closest field.
fn unknown_field(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let closest = FilterField::ALL
        .iter()
        .map(|f| (super::concepts::edit_distance(&lower, f.name()), f.name()))
        .min()
        .filter(|(d, _)| *d <= 2)
        .map(|(_, n)| format!(" (did you mean `{n}:`?)"))
        .unwrap_or_default();
    let fields: Vec<&str> = FilterField::ALL.iter().map(|f| f.name()).collect();
    format!(
        "unknown field `{name}:`{closest}; the fields are {}: (to search for text that \
         contains a colon, quote it: \"{name}:…\")",
        fields.join(":, ")
    )
}

/// The error for an operator typed in the wrong case (`or`, `near/20`),
/// or `None` when `word` is not one.
fn miscased_operator(word: &str) -> Option<String> {
    let upper = word.to_ascii_uppercase();
    let is_op = matches!(upper.as_str(), "OR" | "AND" | "NOT")
        || upper == "NEAR"
        || upper
            .strip_prefix("NEAR/")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    (is_op && upper != word).then(|| {
        let write = if upper == "NEAR" { "NEAR/n".to_string() } else { upper };
        format!(
            "operators are upper case: write `{write}` (to search for the word `{word}`, \
             quote it: \"{word}\")"
        )
    })
}

/// Lexes a bare word at `start`: an operator or a literal.
fn lex_bare(chars: &[char], start: usize) -> Lexed {
    let (word, end) = scan_word(chars, start)?;
    if let Some(message) = miscased_operator(&word) {
        return Err((message, start));
    }
    let tok = match word.as_str() {
        "OR" => Tok::Or,
        "AND" => Tok::And,
        "NOT" => Tok::Not,
        w if w == "NEAR" || w.starts_with("NEAR/") => {
            let digits = w.strip_prefix("NEAR/").unwrap_or("");
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err((
                    "`NEAR` needs a distance in characters: write `NEAR/n`, e.g. `NEAR/20`"
                        .to_string(),
                    start,
                ));
            }
            let distance = digits
                .parse()
                .map_err(|_| (format!("`NEAR` distance {digits} is too large"), start))?;
            Tok::Near(distance)
        }
        _ => Tok::Word(word),
    };
    Ok((tok, end))
}

// ---------------------------------------------------------------------------
// Parser: recursive descent, one function per grammar rule.

struct Parser<'a> {
    tokens: Vec<Token>,
    next: usize,
    input: &'a str,
    /// Groups and `NOT`s we are inside, plus the `NEAR`s chained so far in
    /// the current `near_expr`: at most [`MAX_DEPTH`].
    depth: usize,
}

/// "dangling `OR`: …" for a binary operator without an operand on one side.
fn dangling(tok: &Tok) -> String {
    let op = match tok {
        Tok::Or => "OR".to_string(),
        Tok::And => "AND".to_string(),
        Tok::Near(n) => format!("NEAR/{n}"),
        _ => "operator".to_string(),
    };
    format!("dangling `{op}`: it needs an operand on each side")
}

fn nested_filter(field: FilterField) -> String {
    format!(
        "filter `{}:` can only be used at the top level of the query, \
         not inside parentheses, OR, NOT or NEAR",
        field.name()
    )
}

/// Whether `e` may be an operand of NEAR: words, concepts, ORs of those and
/// nested NEARs. An AND or NOT has no position to measure a distance from.
pub(crate) fn near_operand_ok(e: &Expr) -> bool {
    match e {
        Expr::Word(_) | Expr::Concept(_) => true,
        Expr::Or(v) => v.iter().all(near_operand_ok),
        Expr::Near { left, right, .. } => near_operand_ok(left) && near_operand_ok(right),
        Expr::And(_) | Expr::Not(_) => false,
    }
}

/// Builds an And/Or of `items`, flattening children of the same kind and
/// returning a single item bare.
fn combine(items: Vec<Expr>, is_and: bool) -> Option<Expr> {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Expr::And(v) if is_and => flat.extend(v),
            Expr::Or(v) if !is_and => flat.extend(v),
            other => flat.push(other),
        }
    }
    match flat.len() {
        0 => None,
        1 => flat.pop(),
        _ if is_and => Some(Expr::And(flat)),
        _ => Some(Expr::Or(flat)),
    }
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>, position: usize) -> ParseError {
        ParseError { message: message.into(), position, input: self.input.to_string() }
    }

    /// The next token; a lexical error becomes the parse error here.
    fn peek(&self) -> Result<Token, ParseError> {
        let t = &self.tokens[self.next];
        match &t.tok {
            Tok::Bad(message) => Err(self.error(message.clone(), t.pos)),
            _ => Ok(t.clone()),
        }
    }

    fn bump(&mut self) {
        // Never step past the final Eof/Bad token.
        if self.next + 1 < self.tokens.len() {
            self.next += 1;
        }
    }

    /// Errors at the operator `op` if nothing follows it that could start an
    /// operand (the end, or a `)`), so that `a OR` points at the `OR`.
    fn expect_operand_after(&self, op: &Token) -> Result<(), ParseError> {
        if matches!(self.peek()?.tok, Tok::Eof | Tok::RParen) {
            let message = match op.tok {
                Tok::Not => "`NOT` must be followed by an operand".to_string(),
                Tok::Minus => MINUS_ALONE.to_string(),
                ref tok => dangling(tok),
            };
            return Err(self.error(message, op.pos));
        }
        Ok(())
    }

    /// `query` (when `group` is `None`, with `filters`) or `group` (after
    /// the `(` at offset `group`, consuming the closing `)`): operands
    /// joined by juxtaposition or `AND`.
    fn parse_sequence(
        &mut self,
        group: Option<usize>,
        mut filters: Option<&mut Filters>,
    ) -> Result<Option<Expr>, ParseError> {
        let mut items = Vec::new();
        // Whether something (an operand or a filter) stands on the left of
        // a possible `AND`, and the pending `AND` still waiting for its
        // right operand.
        let mut has_left = false;
        let mut pending_and: Option<Token> = None;
        loop {
            let t = self.peek()?;
            match t.tok {
                Tok::Eof | Tok::RParen => {
                    if let Some(and) = pending_and {
                        return Err(self.error(dangling(&and.tok), and.pos));
                    }
                    match (group, &t.tok) {
                        (None, Tok::Eof) => break,
                        (None, _) => {
                            return Err(self.error("unbalanced `)`: no `(` to close", t.pos))
                        }
                        (Some(open), Tok::Eof) => {
                            return Err(self.error("unbalanced `(`: no `)` closes it", open))
                        }
                        (Some(open), _) => {
                            if items.is_empty() {
                                return Err(self.error("empty parentheses", open));
                            }
                            self.bump();
                            break;
                        }
                    }
                }
                Tok::And => {
                    if !has_left || pending_and.is_some() {
                        return Err(self.error(dangling(&t.tok), t.pos));
                    }
                    self.bump();
                    pending_and = Some(t);
                }
                Tok::Filter { field, ref value, value_pos } => {
                    let Some(filters) = filters.as_deref_mut() else {
                        return Err(self.error(nested_filter(field), t.pos));
                    };
                    self.bump();
                    // A filter followed by OR or NEAR would be their operand.
                    if matches!(self.peek()?.tok, Tok::Or | Tok::Near(_)) {
                        return Err(self.error(nested_filter(field), t.pos));
                    }
                    filters.add(field, value).map_err(|m| self.error(m, value_pos))?;
                    has_left = true;
                    pending_and = None;
                }
                _ => {
                    let (e, _) = self.parse_or()?;
                    items.push(e);
                    has_left = true;
                    pending_and = None;
                }
            }
        }
        Ok(combine(items, true))
    }

    /// `or_expr`: returns the expression and the offset where it starts.
    fn parse_or(&mut self) -> Result<(Expr, usize), ParseError> {
        let (first, start) = self.parse_near()?;
        let mut items = vec![first];
        loop {
            let t = self.peek()?;
            if t.tok != Tok::Or {
                break;
            }
            self.bump();
            self.expect_operand_after(&t)?;
            items.push(self.parse_near()?.0);
        }
        // `items` starts with `first`: never empty, so `combine` is `Some`.
        let expr = combine(items, false).expect("at least one operand");
        Ok((expr, start))
    }

    /// Enters a nesting level (a group, a `NOT`, a chained `NEAR`) at the
    /// token at `pos`, or errors when that is one too many.
    fn deeper(&mut self, pos: usize) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(LimitError::TooDeep.to_string(), pos));
        }
        self.depth += 1;
        Ok(())
    }

    /// `near_expr`, checking that every operand of NEAR is allowed.
    fn parse_near(&mut self) -> Result<(Expr, usize), ParseError> {
        let (mut left, start) = self.parse_unary()?;
        // Errors end the parse, so the depth is only restored on success.
        let outer = self.depth;
        loop {
            let t = self.peek()?;
            let Tok::Near(distance) = t.tok else { break };
            // A chain `a NEAR b NEAR c …` nests to the left.
            self.deeper(t.pos)?;
            self.check_near_operand(&left, start)?;
            self.bump();
            self.expect_operand_after(&t)?;
            let (right, right_start) = self.parse_unary()?;
            self.check_near_operand(&right, right_start)?;
            left = Expr::Near { left: Box::new(left), right: Box::new(right), distance };
        }
        self.depth = outer;
        Ok((left, start))
    }

    fn check_near_operand(&self, e: &Expr, pos: usize) -> Result<(), ParseError> {
        if near_operand_ok(e) {
            Ok(())
        } else {
            Err(self.error(
                "NEAR operands must be words, phrases or OR groups (no AND or NOT inside)",
                pos,
            ))
        }
    }

    /// `unary`: `NOT x`, `-x` or a primary.
    fn parse_unary(&mut self) -> Result<(Expr, usize), ParseError> {
        let t = self.peek()?;
        if matches!(t.tok, Tok::Not | Tok::Minus) {
            self.deeper(t.pos)?;
            self.bump();
            self.expect_operand_after(&t)?;
            let (e, _) = self.parse_unary()?;
            self.depth -= 1;
            return Ok((Expr::Not(Box::new(e)), t.pos));
        }
        self.parse_primary()
    }

    /// `primary`: a literal, a concept or a parenthesized group.
    fn parse_primary(&mut self) -> Result<(Expr, usize), ParseError> {
        let t = self.peek()?;
        let expr = match t.tok {
            Tok::Word(w) => {
                self.bump();
                Expr::Word(w)
            }
            Tok::Concept(name) => {
                self.bump();
                Expr::Concept(name)
            }
            Tok::LParen => {
                self.deeper(t.pos)?;
                self.bump();
                // parse_sequence errors on `()`, so a group is never empty.
                let e = self
                    .parse_sequence(Some(t.pos), None)?
                    .ok_or_else(|| self.error("empty parentheses", t.pos))?;
                self.depth -= 1;
                e
            }
            Tok::Filter { field, .. } => return Err(self.error(nested_filter(field), t.pos)),
            ref tok @ (Tok::Or | Tok::And | Tok::Near(_)) => {
                return Err(self.error(dangling(tok), t.pos))
            }
            // Callers check for an operand before calling us; this is only
            // a fallback so that a bug here is an error, not a panic.
            _ => return Err(self.error("expected a word, phrase, @concept or group", t.pos)),
        };
        Ok((expr, t.pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Renders an expression as an S-expression, so that expected trees fit
    /// on one line: `(and a (or b c))`, `(not x)`, `(near/5 a b)`, `@c`.
    /// Words with a space or parenthesis are shown in quotes.
    fn sexp(e: &Expr) -> String {
        let list = |head: &str, v: &[Expr]| {
            let items: Vec<String> = v.iter().map(sexp).collect();
            format!("({head} {})", items.join(" "))
        };
        match e {
            Expr::Word(w) if w.contains([' ', '(', ')']) => format!("{w:?}"),
            Expr::Word(w) => w.clone(),
            Expr::Concept(c) => format!("@{c}"),
            Expr::And(v) => list("and", v),
            Expr::Or(v) => list("or", v),
            Expr::Not(e) => format!("(not {})", sexp(e)),
            Expr::Near { left, right, distance } => {
                format!("(near/{distance} {} {})", sexp(left), sexp(right))
            }
        }
    }

    /// The expression of a query that must parse, as an S-expression (empty
    /// for a query of filters only).
    #[track_caller]
    fn p(input: &str) -> String {
        match parse(input) {
            Ok(q) => q.expr.as_ref().map(sexp).unwrap_or_default(),
            Err(e) => panic!("{input:?} should parse, got:\n{e}"),
        }
    }

    /// Asserts that `input` fails at character `position` with a message
    /// containing `fragment`.
    #[track_caller]
    fn assert_err(input: &str, position: usize, fragment: &str) {
        match parse(input) {
            Ok(q) => panic!("{input:?} should fail, got {q:?}"),
            Err(e) => {
                assert_eq!(e.input, input);
                assert!(
                    e.message.contains(fragment),
                    "{input:?}: message {:?} lacks {fragment:?}",
                    e.message
                );
                assert_eq!(e.position, position, "{input:?}: wrong position in\n{e}");
            }
        }
    }

    fn filters(input: &str) -> Filters {
        parse(input).unwrap().filters
    }

    // --- Words and implicit AND --------------------------------------------

    #[test]
    fn chinese_text_is_one_word() {
        assert_eq!(p("法律顾问全覆盖"), "法律顾问全覆盖");
        assert_eq!(p("镇"), "镇");
        assert_eq!(
            parse("法律顾问全覆盖").unwrap(),
            Query {
                expr: Some(Expr::Word("法律顾问全覆盖".into())), filters: Filters::default()
            }
        );
    }

    #[test]
    fn whitespace_separates_words_with_and() {
        assert_eq!(p("法律顾问 全覆盖"), "(and 法律顾问 全覆盖)");
        assert_eq!(p("法律顾问\u{3000}全覆盖"), "(and 法律顾问 全覆盖)");
        assert_eq!(p("法律顾问\t全覆盖\n枫桥经验"), "(and 法律顾问 全覆盖 枫桥经验)");
        assert_eq!(p("  a \u{3000}\u{a0} b  "), "(and a b)");
    }

    #[test]
    fn words_are_kept_as_typed() {
        // Normalization (NFKC, case folding) is the planner's job.
        assert_eq!(p("ＡＢＣ１９９６ Foo"), "(and ＡＢＣ１９９６ Foo)");
        assert_eq!(
            p("2020-2023 12:30 http://x.cn a@b.cn"),
            "(and 2020-2023 12:30 http://x.cn a@b.cn)"
        );
    }

    #[test]
    fn chinese_quotes_are_ordinary_characters() {
        assert_eq!(p("“枫桥经验”"), "“枫桥经验”");
        assert_eq!(p("“枫桥 经验”"), "(and “枫桥 经验”)");
    }

    // --- Operators ---------------------------------------------------------

    #[test]
    fn or_and_explicit_and() {
        assert_eq!(p("a OR b"), "(or a b)");
        assert_eq!(p("a OR b OR c"), "(or a b c)");
        assert_eq!(p("a AND b"), "(and a b)");
        assert_eq!(p("a AND b c"), "(and a b c)");
        // Operators in another case are errors with a hint (SPEC §2);
        // quoted, they are words.
        assert_err("a or b", 2, "write `OR`");
        assert_err("a b And c", 4, "write `AND`");
        assert_err("not d", 0, "quote it: \"not\"");
        assert_err("法律顾问 near/20 全覆盖", 5, "write `NEAR/20`");
        assert_err("a Near b", 2, "write `NEAR/n`");
        assert_eq!(p("a \"or\" b \"near/20\""), "(and a or b near/20)");
        assert_eq!(
            p("orange android nothing NEARBY near/x"),
            "(and orange android nothing NEARBY near/x)"
        );
    }

    #[test]
    fn negation() {
        assert_eq!(p("-枫桥经验"), "(not 枫桥经验)");
        assert_eq!(p("NOT 枫桥经验"), "(not 枫桥经验)");
        assert_eq!(p("a -b"), "(and a (not b))");
        assert_eq!(p("a NOT b"), "(and a (not b))");
        assert_eq!(p("NOT NOT a"), "(not (not a))");
        assert_eq!(p("--a"), "(not (not a))");
        assert_eq!(p("-(a OR b)"), "(not (or a b))");
        assert_eq!(p("-\"a b\""), "(not \"a b\")");
        assert_eq!(p("-@c"), "(not @c)");
        // `-` is an operator only at the start of a token.
        assert_eq!(p("a-b"), "a-b");
    }

    #[test]
    fn precedence() {
        // NOT > NEAR > OR > AND.
        assert_eq!(p("a b OR c"), "(and a (or b c))");
        assert_eq!(p("a OR b c"), "(and (or a b) c)");
        assert_eq!(p("a OR b NEAR/5 c"), "(or a (near/5 b c))");
        assert_eq!(p("a NEAR/5 b OR c"), "(or (near/5 a b) c)");
        assert_eq!(p("-a OR b"), "(or (not a) b)");
        assert_eq!(p("a OR -b"), "(or a (not b))");
        assert_eq!(p("a AND b OR c"), "(and a (or b c))");
        assert_eq!(p("(a b) OR c"), "(or (and a b) c)");
    }

    #[test]
    fn flattening_and_bare_single_operand() {
        assert_eq!(p("(a b) c (d (e f))"), "(and a b c d e f)");
        assert_eq!(p("(a OR b) OR (c OR d)"), "(or a b c d)");
        assert_eq!(p("((a))"), "a");
        assert_eq!(p("(a OR (b c))"), "(or a (and b c))");
        assert_eq!(p("(a) (b)"), "(and a b)");
    }

    // --- Quotes ------------------------------------------------------------

    #[test]
    fn quoted_text_is_one_literal() {
        assert_eq!(parse("\"rule of law\"").unwrap().expr, Some(Expr::Word("rule of law".into())));
        assert_eq!(p("\"a b\" c"), "(and \"a b\" c)");
        // Operators, filters and concepts inside quotes are literal text.
        assert_eq!(p("\"OR\""), "OR");
        assert_eq!(p("\"year:2023\""), "year:2023");
        assert_eq!(p("\"-x\" \"@y\""), "(and -x @y)");
        assert_eq!(p("\"一村(社区)一法律顾问\""), "\"一村(社区)一法律顾问\"");
        assert_eq!(p("\"(a\""), "\"(a\"");
        // The literal ends the token; a quote inside a word is ordinary.
        assert_eq!(p("\"a b\"c"), "(and \"a b\" c)");
        assert_eq!(p("a\"b"), "a\"b");
        // Surrounding spaces are kept as typed.
        assert_eq!(parse("\" a \"").unwrap().expr, Some(Expr::Word(" a ".into())));
    }

    // --- Parentheses -------------------------------------------------------

    #[test]
    fn parentheses_inside_a_word() {
        assert_eq!(p("一村(社区)一法律顾问"), "\"一村(社区)一法律顾问\"");
        assert_eq!(p("a(b(c)d)e"), "\"a(b(c)d)e\"");
        // The `)` not opened in the word closes the group.
        assert_eq!(p("(全覆盖 OR 一村(社区))"), "(or 全覆盖 \"一村(社区)\")");
        assert_eq!(p("(a OR b)c"), "(and (or a b) c)");
        // A `(` starting a token opens a group even when text follows.
        assert_eq!(p("(社区)一村"), "(and 社区 一村)");
        // Full-width parentheses are ordinary characters.
        assert_eq!(p("（全覆盖 OR 一村）"), "(or （全覆盖 一村）)");
        assert_eq!(p("一村（社区"), "一村（社区");
    }

    #[test]
    fn operators_must_be_separate_tokens() {
        assert_eq!(p("NOT(a)"), "\"NOT(a)\"");
        assert_eq!(p("a ORb NEARBY"), "(and a ORb NEARBY)");
    }

    // --- NEAR --------------------------------------------------------------

    #[test]
    fn near() {
        assert_eq!(p("法律顾问 NEAR/20 全覆盖"), "(near/20 法律顾问 全覆盖)");
        assert_eq!(p("a NEAR/0 b"), "(near/0 a b)");
        assert_eq!(
            p("法律顾问 NEAR/30 (全覆盖 OR 一村一法律顾问 OR \"一村(社区)一法律顾问\")"),
            "(near/30 法律顾问 (or 全覆盖 一村一法律顾问 \"一村(社区)一法律顾问\"))"
        );
        assert_eq!(p("\"a b\" NEAR/3 @c"), "(near/3 \"a b\" @c)");
        assert_eq!(p("a NEAR/5 b NEAR/3 c"), "(near/3 (near/5 a b) c)");
        assert_eq!(p("a NEAR/5 (b NEAR/3 c)"), "(near/5 a (near/3 b c))");
        assert_eq!(p("(a OR b NEAR/1 c) NEAR/2 d"), "(near/2 (or a (near/1 b c)) d)");
        assert_eq!(p("x a NEAR/5 b"), "(and x (near/5 a b))");
        assert_eq!(
            parse("a NEAR/4294967295 b").unwrap().expr,
            Some(Expr::Near {
                left: Box::new(Expr::Word("a".into())),
                right: Box::new(Expr::Word("b".into())),
                distance: u32::MAX,
            })
        );
    }

    #[test]
    fn near_errors() {
        assert_err("a NEAR b", 2, "NEAR/n");
        assert_err("a NEAR/ b", 2, "NEAR/n");
        assert_err("a NEAR/x b", 2, "NEAR/n");
        assert_err("a NEAR/-1 b", 2, "NEAR/n");
        assert_err("a NEAR/5x b", 2, "NEAR/n");
        assert_err("a NEAR/99999999999 b", 2, "too large");
        assert_err("NEAR/5 a", 0, "dangling `NEAR/5`");
        assert_err("a NEAR/5", 2, "dangling `NEAR/5`");
        assert_err("(a NEAR/5)", 3, "dangling `NEAR/5`");
        assert_err("a NEAR/5 OR b", 9, "dangling `OR`");
        let msg = "NEAR operands must be words, phrases or OR groups";
        assert_err("(a b) NEAR/5 c", 0, msg);
        assert_err("a NEAR/5 (b c)", 9, msg);
        assert_err("a NEAR/5 -b", 9, msg);
        assert_err("NOT a NEAR/5 b", 0, msg);
        assert_err("a NEAR/5 (b OR -c)", 9, msg);
        assert_err("x (a b) NEAR/5 c", 2, msg);
    }

    // --- Concepts ----------------------------------------------------------

    #[test]
    fn concepts() {
        assert_eq!(parse("@法律顾问").unwrap().expr, Some(Expr::Concept("法律顾问".into())));
        assert_eq!(p("(@a OR @b) c"), "(and (or @a @b) c)");
        assert_eq!(p("a@b"), "a@b");
        assert_err("a @", 2, "concept name");
        assert_err("(@)", 1, "concept name");
        assert_err("@ a", 0, "concept name");
    }

    // --- Filters -----------------------------------------------------------

    #[test]
    fn filters_in_the_query() {
        let q = parse("year:2023 法律顾问 county:渠县").unwrap();
        assert_eq!(q.expr, Some(Expr::Word("法律顾问".into())));
        assert_eq!(q.filters.years, vec![YearRange { from: Some(2023), to: Some(2023) }]);
        assert_eq!(q.filters.county, vec!["渠县".to_string()]);

        let f = filters(
            "township:有庆镇 city:达州市 province:四川 place:渠县 level:township section:不足",
        );
        assert_eq!(f.township, vec!["有庆镇"]);
        assert_eq!(f.city, vec!["达州市"]);
        assert_eq!(f.province, vec!["四川"]);
        assert_eq!(f.place, vec!["渠县"]);
        assert_eq!(f.level, vec![Level::Township]);
        assert_eq!(f.section, vec![SectionKind::Shortcomings]);
    }

    #[test]
    fn filter_only_query_has_no_expression() {
        let q = parse("year:2020..2023 level:乡镇").unwrap();
        assert_eq!(q.expr, None);
        assert_eq!(q.filters.years, vec![YearRange { from: Some(2020), to: Some(2023) }]);
        assert_eq!(q.filters.level, vec![Level::Township]);
    }

    #[test]
    fn filter_syntax_variants() {
        // Field names in any ASCII case, full-width colon, quoted value.
        assert_eq!(filters("YEAR:2023").years, filters("year:2023").years);
        assert_eq!(filters("Level:County").level, vec![Level::County]);
        assert_eq!(filters("county：渠县").county, vec!["渠县"]);
        assert_eq!(filters("place:\"Hong Kong\"").place, vec!["Hong Kong"]);
        assert_eq!(filters("place:一村(社区)").place, vec!["一村(社区)"]);
        // Explicit AND around filters.
        assert_eq!(p("year:2023 AND a AND county:渠县"), "a");
        // Repeated values are alternatives, kept once.
        let f = filters("year:2020 year:2023 year:2020");
        assert_eq!(f.years.len(), 2);
        // Not filter names: ordinary words.
        assert_eq!(
            p("12:30 http://x 年份:2023 \"yaer:2023\""),
            "(and 12:30 http://x 年份:2023 yaer:2023)"
        );
    }

    #[test]
    fn unknown_fields_are_errors_with_a_hint() {
        assert_err("法律顾问 yaer:2023", 5, "unknown field `yaer:` (did you mean `year:`?)");
        assert_err("yearly:2023", 0, "did you mean `year:`?");
        assert_err("a Contry:渠县", 2, "did you mean `county:`?");
        assert_err("COVID:19", 0, "quote it: \"COVID:…\"");
        assert_err("xyz：a", 0, "unknown field `xyz:`;");
    }

    #[test]
    fn limits() {
        // The queries of issue #9 that overflowed the stack.
        let nots = "NOT ".repeat(942) + "a";
        assert_err(&nots, 4 * MAX_DEPTH, "query too deep");
        let nears: Vec<String> = (0..913).map(|i| format!("w{i}")).collect();
        let e = parse(&nears.join(" NEAR/5 ")).unwrap_err();
        assert!(e.message.contains("query too deep"), "{e}");
        let parens = "(".repeat(6371) + "a" + &")".repeat(6371);
        assert_err(&parens, MAX_DEPTH, "query too deep");
        let minus = "-".repeat(5000) + "a";
        assert_err(&minus, MAX_DEPTH, "query too deep");
        // At the limit, fine.
        let ok = "(".repeat(MAX_DEPTH) + "a" + &")".repeat(MAX_DEPTH);
        assert_eq!(p(&ok), "a");
        let ok: Vec<String> = (0..=MAX_DEPTH).map(|i| format!("w{i}")).collect();
        assert!(parse(&ok.join(" NEAR/5 ")).is_ok());
        // Words.
        let many: Vec<String> = (0..MAX_WORDS).map(|i| format!("w{i}")).collect();
        assert!(parse(&many.join(" OR ")).is_ok());
        let e = parse(&(many.join(" OR ") + " x")).unwrap_err();
        assert!(e.message.contains("query too long"), "{e}");
        // check_limits, on expressions built by hand (as concepts do).
        let mut deep = Expr::Word("a".into());
        for _ in 0..2 * MAX_DEPTH {
            deep = Expr::Not(Box::new(deep));
        }
        assert_eq!(check_limits(&deep), Ok(()));
        let deeper = Expr::Not(Box::new(deep));
        assert_eq!(check_limits(&deeper), Err(LimitError::TooDeep));
        let wide = Expr::Or((0..=MAX_WORDS).map(|i| Expr::Word(i.to_string())).collect());
        assert_eq!(check_limits(&wide), Err(LimitError::TooLong));
    }

    #[test]
    fn filter_errors() {
        assert_err("a year:", 7, "empty value for `year:`");
        assert_err("year: a", 5, "empty value");
        assert_err("year:20x3", 5, "four-digit");
        assert_err("法律顾问 year:二〇二三", 10, "invalid year `二〇二三`");
        assert_err("year:2023..2020", 5, "2023 is after 2020");
        assert_err("year:\"20x3\"", 6, "invalid year");
        assert_err("level:village", 6, "unknown level `village`");
        assert_err("a section:foo", 10, "unknown section kind `foo`");
        let nested = "can only be used at the top level";
        assert_err("a OR year:2023", 5, nested);
        assert_err("year:2023 OR a", 0, nested);
        assert_err("year:2023 NEAR/5 a", 0, nested);
        assert_err("a NEAR/5 year:2023", 9, nested);
        assert_err("-year:2023", 1, nested);
        assert_err("NOT county:渠县", 4, nested);
        assert_err("(a year:2023)", 3, nested);
        assert_err("(year:2023)", 1, nested);
        // The value's own problems come after the position check.
        assert_err("a OR year:x", 5, nested);
        assert_err("year:\"2023", 5, "unterminated quote");
    }

    #[test]
    fn filters_add_years() {
        let range = |s: &str| {
            let mut f = Filters::default();
            f.add(FilterField::Year, s).map(|()| f.years[0])
        };
        let r = |from, to| Ok(YearRange { from, to });
        assert_eq!(range("2023"), r(Some(2023), Some(2023)));
        assert_eq!(range(" 2023 "), r(Some(2023), Some(2023)));
        assert_eq!(range("２０２３"), r(Some(2023), Some(2023)));
        assert_eq!(range("2020..2023"), r(Some(2020), Some(2023)));
        assert_eq!(range("2023..2023"), r(Some(2023), Some(2023)));
        assert_eq!(range("2020.."), r(Some(2020), None));
        assert_eq!(range("..2023"), r(None, Some(2023)));
        assert_eq!(range("２０２０．．２０２３"), r(Some(2020), Some(2023)));
        for bad in ["二〇二三", "20x3", "23", "20230", "+202", "-2023", "2020...2023", "2020-2023"]
        {
            let e = range(bad).unwrap_err();
            assert!(e.contains("2020..2023"), "{bad}: {e}");
        }
        assert!(range("..").unwrap_err().contains("at least one end"));
        assert!(range("2023..2020").unwrap_err().contains("2023 is after 2020"));
        assert!(range("").unwrap_err().contains("empty value"));
    }

    #[test]
    fn filters_add_levels_and_sections_list_aliases() {
        let mut f = Filters::default();
        let e = f.add(FilterField::Level, "village").unwrap_err();
        assert!(
            e.contains("national (国家/全国/中央)") && e.contains("township (乡镇/镇/乡/街道)"),
            "{e}"
        );
        let e = f.add(FilterField::Section, "foo").unwrap_err();
        assert!(
            e.contains("shortcomings (不足/问题/差距)")
                && e.contains("plans (计划/打算/安排/任务)"),
            "{e}"
        );
        f.add(FilterField::Section, "计划").unwrap();
        f.add(FilterField::Section, "plans").unwrap();
        assert_eq!(f.section, vec![SectionKind::Plans]);
        assert!(f.add(FilterField::County, "  ").is_err());
        f.add(FilterField::County, " 渠县 ").unwrap();
        assert_eq!(f.county, vec!["渠县"]);
    }

    #[test]
    fn alias_tables_match_the_data_model() {
        // The tables only feed error messages; they must not promise an
        // alias that `Level::parse` / `SectionKind::parse` rejects, and must
        // cover every variant.
        for (level, names) in LEVEL_ALIASES {
            assert_eq!(names[0], level.as_str());
            for n in *names {
                assert_eq!(Level::parse(n), Some(*level), "{n}");
            }
        }
        assert_eq!(LEVEL_ALIASES.len(), Level::ALL.len());
        for (kind, names) in SECTION_ALIASES {
            assert_eq!(names[0], kind.as_str());
            for n in *names {
                assert_eq!(SectionKind::parse(n), Some(*kind), "{n}");
            }
        }
        assert_eq!(SECTION_ALIASES.len(), SectionKind::ALL.len());
    }

    #[test]
    fn filter_fields() {
        for field in FilterField::ALL {
            assert_eq!(FilterField::parse(field.name()), Some(field));
            assert_eq!(FilterField::parse(&field.name().to_uppercase()), Some(field));
        }
        assert_eq!(FilterField::parse("years"), None);
        assert_eq!(FilterField::parse(""), None);
    }

    #[test]
    fn filters_merge_and_is_empty() {
        let mut a = filters("year:2023 county:渠县");
        assert!(!a.is_empty());
        assert!(Filters::default().is_empty());
        a.merge(filters("year:2023 year:2024 level:县 section:计划 place:x"));
        assert_eq!(a.years.len(), 2);
        assert_eq!(a.county, vec!["渠县"]);
        assert_eq!(a.level, vec![Level::County]);
        assert_eq!(a.section, vec![SectionKind::Plans]);
        assert_eq!(a.place, vec!["x"]);
        let mut b = Filters::default();
        b.merge(Filters::default());
        assert!(b.is_empty());
    }

    #[test]
    fn year_range_contains_and_display() {
        let r = |from, to| YearRange { from, to };
        assert!(r(Some(2020), Some(2023)).contains(2020));
        assert!(r(Some(2020), Some(2023)).contains(2023));
        assert!(!r(Some(2020), Some(2023)).contains(2024));
        assert!(r(None, Some(2023)).contains(1949));
        assert!(!r(Some(2020), None).contains(2019));
        assert_eq!(r(Some(2023), Some(2023)).to_string(), "2023");
        assert_eq!(r(Some(2020), Some(2023)).to_string(), "2020..2023");
        assert_eq!(r(Some(2020), None).to_string(), "2020..");
        assert_eq!(r(None, Some(2023)).to_string(), "..2023");
    }

    // --- Errors ------------------------------------------------------------

    #[test]
    fn empty_query() {
        assert_err("", 0, "empty query");
        assert_err("   ", 0, "empty query");
        assert_err("\u{3000}\t\n", 0, "empty query");
    }

    #[test]
    fn parenthesis_errors() {
        assert_err("()", 0, "empty parentheses");
        assert_err("a ( )", 2, "empty parentheses");
        assert_err("(a", 0, "unbalanced `(`");
        assert_err("a ((b)", 2, "unbalanced `(`");
        assert_err("a)", 1, "unbalanced `)`");
        assert_err("(a))", 3, "unbalanced `)`");
        assert_err(")", 0, "unbalanced `)`");
        // An unclosed `(` inside a word.
        assert_err("a(b c)", 1, "unbalanced `(` inside a word");
        assert_err("一村(社区", 2, "unbalanced `(` inside a word");
        assert_err("x 一村((社区)", 4, "unbalanced `(` inside a word");
    }

    #[test]
    fn dangling_operators() {
        assert_err("a OR", 2, "dangling `OR`");
        assert_err("OR a", 0, "dangling `OR`");
        assert_err("a OR OR b", 5, "dangling `OR`");
        assert_err("(a OR)", 3, "dangling `OR`");
        assert_err("(OR a)", 1, "dangling `OR`");
        assert_err("a AND", 2, "dangling `AND`");
        assert_err("AND a", 0, "dangling `AND`");
        assert_err("a AND AND b", 6, "dangling `AND`");
        assert_err("(a AND)", 3, "dangling `AND`");
        assert_err("year:2023 AND", 10, "dangling `AND`");
        assert_err("a AND OR b", 6, "dangling `OR`");
        assert_err("NOT", 0, "`NOT` must be followed");
        assert_err("a NOT", 2, "`NOT` must be followed");
        assert_err("(NOT)", 1, "`NOT` must be followed");
        assert_err("NOT OR a", 4, "dangling `OR`");
        assert_err("-", 0, "`-` must be directly followed");
        assert_err("a - b", 2, "`-` must be directly followed");
        assert_err("a -", 2, "`-` must be directly followed");
        assert_err("(a -)", 3, "`-` must be directly followed");
    }

    #[test]
    fn quote_errors() {
        assert_err("法律顾问 \"全覆盖", 5, "unterminated quote");
        assert_err("\"a\" \"b", 4, "unterminated quote");
        assert_err("\"\"", 0, "empty quotes");
        assert_err("a \"  \"", 2, "empty quotes");
    }

    #[test]
    fn first_error_left_to_right() {
        // A lexical error later in the query does not hide an earlier one.
        assert_err("OR a \"x", 0, "dangling `OR`");
        assert_err("a NEAR b \"x", 2, "NEAR/n");
        assert_err("a \"x NEAR b", 2, "unterminated quote");
    }

    #[test]
    fn positions_are_characters_not_bytes() {
        // 法律顾问 is 4 characters but 12 bytes.
        assert_err("法律顾问 OR", 5, "dangling `OR`");
        assert_err("法律顾问　全覆盖　-", 9, "`-`");
    }

    // --- positive_words ----------------------------------------------------

    #[test]
    fn positive_words() {
        let words = |q: &str| -> Vec<String> {
            let query = parse(q).unwrap();
            query.expr.unwrap().positive_words().into_iter().map(String::from).collect()
        };
        assert_eq!(words("a b OR c -d"), ["a", "b", "c"]);
        assert_eq!(words("a NEAR/5 (b OR \"c d\") NOT (e f) @g a"), ["a", "b", "c d"]);
        assert_eq!(words("-a"), Vec::<String>::new());
        assert_eq!(words("NOT NOT a"), Vec::<String>::new());
    }

    // --- Display -----------------------------------------------------------

    #[test]
    fn display_puts_the_caret_under_the_culprit() {
        let e = parse("a OR").unwrap_err();
        assert_eq!(e.to_string(), "dangling `OR`: it needs an operand on each side\n  a OR\n    ^");
        // CJK characters take two columns: the caret goes under the quote.
        let e = parse("法律顾问 \"全覆盖").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unterminated quote: this `\"` has no closing `\"`\n  法律顾问 \"全覆盖\n           ^"
        );
        // Under a CJK character, after an ideographic space (two columns).
        let e = parse("县　year:二〇二三").unwrap_err();
        assert_eq!(e.position, 7);
        assert!(e.to_string().ends_with("\n  县　year:二〇二三\n           ^"), "{e}");
        // At the end of the query, and with a tab shown as one space.
        let e = parse("a\tNOT").unwrap_err();
        assert!(e.to_string().ends_with("\n  a NOT\n    ^"), "{e}");
        let e = parse("year:").unwrap_err();
        assert!(e.to_string().ends_with("\n  year:\n       ^"), "{e}");
        // It is a std error, so it composes with anyhow.
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("empty value"));
    }

    // --- Properties --------------------------------------------------------

    /// Fragments that exercise every rule, to be glued together at random.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("(".to_string()),
            Just(")".to_string()),
            Just("\"".to_string()),
            Just("-".to_string()),
            Just("@".to_string()),
            Just("OR".to_string()),
            Just("AND".to_string()),
            Just("NOT".to_string()),
            Just("NEAR/3".to_string()),
            Just("NEAR".to_string()),
            Just("year:".to_string()),
            Just("level:".to_string()),
            Just(":".to_string()),
            Just("2023".to_string()),
            Just("..".to_string()),
            Just("镇".to_string()),
            Just("（".to_string()),
            Just(" ".to_string()),
            Just("\u{3000}".to_string()),
            Just("\t".to_string()),
            "[a-c法律]{1,3}",
            any::<char>().prop_map(String::from),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_strings(input in any::<String>()) {
            check_total(&input);
        }

        #[test]
        fn never_panics_on_query_like_strings(parts in prop::collection::vec(fragment(), 0..16)) {
            check_total(&parts.concat());
        }

        #[test]
        fn spaced_cjk_words_are_anded(
            words in prop::collection::vec("[\u{4e00}-\u{9fa5}]{1,6}", 1..8),
            sep in prop_oneof![Just(" "), Just("\u{3000}"), Just("  "), Just("\t")],
        ) {
            let q = parse(&words.join(sep)).unwrap();
            let mut exprs: Vec<Expr> = words.iter().cloned().map(Expr::Word).collect();
            let expected = if exprs.len() == 1 { exprs.pop().unwrap() } else { Expr::And(exprs) };
            prop_assert_eq!(q.expr, Some(expected));
            prop_assert!(q.filters.is_empty());
        }
    }

    /// `parse` returns (no panic), an error points inside the query or just
    /// after it, and it renders.
    fn check_total(input: &str) {
        if let Err(e) = parse(input) {
            assert!(e.position <= input.chars().count(), "{e:?}");
            assert!(!e.message.is_empty());
            let _ = e.to_string();
        }
    }
}
