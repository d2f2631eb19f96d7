//! Concepts: named queries, used as `@name` in any query.
//!
//! A concept is a name for a query (`@法律顾问覆盖` for
//! `法律顾问 NEAR/30 (全覆盖 OR …) OR 一村一法律顾问 OR …`), so that a
//! research question is written down once and reused in `search`, `count`,
//! `kwic` and `trend`. The parser keeps `@name` as [`Expr::Concept`]; this
//! module replaces it by the concept's expression ([`Concepts::expand`])
//! before the query becomes a [`Matcher`](super::Matcher).
//!
//! # Where concepts come from
//!
//! Three layers, each overriding the one before for a name both define:
//!
//! 1. the defaults built into the binary (`data/concepts.toml`), always
//!    available;
//! 2. `baogao.toml` in the current folder;
//! 3. `baogao.toml` in the corpus folder, which wins: a corpus carries its
//!    own vocabulary, and a shared corpus should mean the same thing to
//!    everyone who searches it, wherever they run baogao from.
//!
//! # File format
//!
//! ```toml
//! [concepts]
//! "法律顾问覆盖" = '法律顾问 NEAR/30 (全覆盖 OR 一村一法律顾问)'
//! "政务公开" = { query = '政务公开 OR 政府信息公开', description = '…' }
//!
//! [concepts."枫桥经验"]
//! query = '枫桥经验 OR 枫桥式'
//! description = '…'
//! ```
//!
//! TOML allows only ASCII letters, digits, `-` and `_` in bare keys, so a
//! Chinese name must be quoted; the error for an unquoted one says so.
//! Literal strings (`'…'`) are the convenient choice for queries, since
//! they keep `"quoted text"` as is.
//!
//! # Rules
//!
//! Every definition is checked when the files are loaded, so that a broken
//! file is reported at once and not only when the broken concept is used:
//! the query must parse, must have words (a concept of filters only would
//! match everything), must not contain filters (`year:…` restricts which
//! reports are searched and belongs to the query that uses the concept, or
//! to flags), every `@name` it uses must exist, and there must be no
//! cycle. A concept may use other concepts, including defaults; a file
//! that redefines a default name replaces it everywhere, also inside other
//! defaults, and cannot refer to the default it replaces (that is a cycle).
//!
//! A concept used as an operand of `NEAR` must expand to words, `OR`s and
//! `NEAR`s (as the parser requires of a `NEAR` operand written out), since
//! an `AND` or a `NOT` has no position to measure a distance from.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::parse::{self, Expr, MAX_DEPTH, MAX_WORDS};

/// The name of a concept file, looked up in the corpus folder and in the
/// current folder.
pub const FILE_NAME: &str = "baogao.toml";

/// The built-in concepts (TOML, same format as a `baogao.toml`).
pub const DEFAULTS: &str = include_str!("../../data/concepts.toml");

/// Where a concept was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built into baogao.
    Default,
    /// A `baogao.toml` file (the path as found: corpus folder or current
    /// folder joined with the file name).
    File(PathBuf),
}

impl fmt::Display for Source {
    /// `default`, or the file's path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One named query.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// The name, used as `@name`.
    pub name: String,
    /// The query text as written in the definition.
    pub query: String,
    /// What the concept is about, if the definition says.
    pub description: Option<String>,
    /// Where it was defined (the layer that won).
    pub source: Source,
    /// The parsed query, concepts not yet expanded.
    pub expr: Expr,
}

/// The concepts in effect: the defaults overridden by the files.
#[derive(Debug, Clone)]
pub struct Concepts {
    /// In definition order: defaults first (in file order, a redefined
    /// default keeping its place), then new names from the current
    /// folder's file, then from the corpus folder's file.
    list: Vec<Concept>,
    /// Name → index in `list`.
    by_name: HashMap<String, usize>,
}

/// A concept file or a concept use that is wrong. Every message names the
/// file and the concept where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ConceptError {
    /// A concept file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A concept file is not valid TOML, or not of the expected shape.
    #[error("{origin}: {message}")]
    File {
        /// The file (or the defaults).
        origin: Source,
        /// What is wrong, with its line.
        message: String,
    },
    /// One definition is wrong (its query does not parse, has filters, …).
    #[error("{origin}, line {line}: concept {name:?}: {message}")]
    Definition {
        /// The file (or the defaults).
        origin: Source,
        /// The 1-based line of the definition.
        line: usize,
        /// The concept's name.
        name: String,
        /// What is wrong; for a query that does not parse, the
        /// [`ParseError`](super::ParseError) rendering with its caret.
        message: String,
    },
    /// `@name` names no concept.
    #[error("unknown concept @{name}{}; known concepts: {}", used_by.as_ref().map(|u| format!(" (used by @{u})")).unwrap_or_default(), known.iter().map(|k| format!("@{k}")).collect::<Vec<_>>().join(" "))]
    Unknown {
        /// The name as written.
        name: String,
        /// The concept whose definition uses it, if not the query itself.
        used_by: Option<String>,
        /// The known names, closest to `name` first.
        known: Vec<String>,
    },
    /// Concepts that use each other in a circle.
    #[error("concept cycle: {}", chain.join(" → "))]
    Cycle {
        /// The names along the cycle, the first repeated at the end.
        chain: Vec<String>,
    },
    /// A concept that expands to more than [`MAX_WORDS`] words (concepts
    /// that use each other several times multiply: 20 concepts that each
    /// use the next twice make a million words), or whose uses nest
    /// deeper than [`MAX_DEPTH`].
    #[error(
        "concept @{} is too large: {what} (through {}); concepts that use other concepts \
         several times multiply, so define it with fewer uses",
        chain.first().map(String::as_str).unwrap_or(""),
        chain.iter().map(|c| format!("@{c}")).collect::<Vec<_>>().join(" → ")
    )]
    TooLarge {
        /// The concepts being expanded when the limit was reached,
        /// outermost first.
        chain: Vec<String>,
        /// Which limit: "more than 1024 words", "nested more than 32 deep".
        what: String,
    },
    /// A concept used as a NEAR operand expands to an AND or a NOT.
    #[error(
        "@{name} cannot be an operand of NEAR: it expands to an AND or a NOT ({query}), \
         and NEAR needs words, OR and NEAR on each side"
    )]
    NearOperand {
        /// The concept.
        name: String,
        /// Its query text.
        query: String,
    },
}

/// Whether an expression mentions any concept (callers skip loading the
/// concept files when it does not).
pub fn uses_concepts(expr: &Expr) -> bool {
    match expr {
        Expr::Word(_) => false,
        Expr::Concept(_) => true,
        Expr::And(v) | Expr::Or(v) => v.iter().any(uses_concepts),
        Expr::Not(e) => uses_concepts(e),
        Expr::Near { left, right, .. } => uses_concepts(left) || uses_concepts(right),
    }
}

impl Concepts {
    /// The built-in concepts only.
    pub fn defaults() -> Concepts {
        let mut c = Concepts { list: Vec::new(), by_name: HashMap::new() };
        // The defaults are tested (see the tests below), so a failure here
        // is a bug in data/concepts.toml, not a user error.
        c.add_file(DEFAULTS, &Source::Default).expect("the built-in concepts are valid");
        c.check().expect("the built-in concepts expand");
        c
    }

    /// The defaults, overridden by `baogao.toml` in `cwd`, overridden by
    /// `baogao.toml` in `corpus`. A missing file is fine; when both folders
    /// are the same folder its file is read once.
    ///
    /// Errors for an unreadable file, invalid TOML, a definition that is not
    /// a query string or a `{ query, description }` table, a query that does
    /// not parse, has filters or no words, a name that cannot be written as
    /// `@name`, an unknown `@name` inside a definition and a cycle.
    pub fn load(corpus: &Path, cwd: &Path) -> Result<Concepts, ConceptError> {
        let mut c = Concepts::defaults();
        let cwd_file = cwd.join(FILE_NAME);
        let corpus_file = corpus.join(FILE_NAME);
        let same = match (cwd_file.canonicalize(), corpus_file.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let files = if same { vec![corpus_file] } else { vec![cwd_file, corpus_file] };
        for path in files {
            match std::fs::read_to_string(&path) {
                Ok(text) => c.add_file(&text, &Source::File(path))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ConceptError::Read { path, source }),
            }
        }
        c.check()?;
        Ok(c)
    }

    /// The defaults overridden by the definitions in `text` (a concept
    /// file's content, attributed to `source`).
    pub fn from_toml(text: &str, source: Source) -> Result<Concepts, ConceptError> {
        let mut c = Concepts::defaults();
        c.add_file(text, &source)?;
        c.check()?;
        Ok(c)
    }

    /// All concepts, in definition order.
    pub fn iter(&self) -> impl Iterator<Item = &Concept> {
        self.list.iter()
    }

    /// How many concepts there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none (never true with the defaults).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The concept of a name.
    pub fn get(&self, name: &str) -> Option<&Concept> {
        self.by_name.get(name).map(|&i| &self.list[i])
    }

    /// `expr` with every `@name` replaced, recursively, by its concept's
    /// expression. `And`s and `Or`s are flattened as the parser flattens
    /// them, so the result is what the query written out would parse to.
    ///
    /// Errors for an unknown name (listing the known ones, closest first),
    /// a cycle, and a concept used as a `NEAR` operand that expands to an
    /// `AND` or `NOT`.
    ///
    /// The expansion is bounded: it stops with [`ConceptError::TooLarge`]
    /// once it has produced [`MAX_WORDS`] words or nests concepts
    /// [`MAX_DEPTH`] deep, so a file of concepts that use each other many
    /// times costs at most that much work instead of exponential time and
    /// memory (issue #9: 20 lines took 40 s and 5.6 GB).
    pub fn expand(&self, expr: &Expr) -> Result<Expr, ConceptError> {
        let mut budget = MAX_WORDS;
        self.expand_in(expr, &mut Vec::new(), false, &mut budget)
    }

    /// Expands the concept `name`, with the concepts being expanded
    /// (outermost first) in `stack` and the words still allowed in
    /// `budget`.
    fn expand_name(
        &self,
        name: &str,
        stack: &mut Vec<String>,
        budget: &mut usize,
    ) -> Result<Expr, ConceptError> {
        if let Some(at) = stack.iter().position(|n| n == name) {
            let mut chain = stack[at..].to_vec();
            chain.push(name.to_string());
            return Err(ConceptError::Cycle { chain });
        }
        if stack.len() >= MAX_DEPTH {
            let mut chain = stack.clone();
            chain.push(name.to_string());
            return Err(ConceptError::TooLarge {
                chain,
                what: format!("concepts nested more than {MAX_DEPTH} deep"),
            });
        }
        let concept = self.get(name).ok_or_else(|| ConceptError::Unknown {
            name: name.to_string(),
            used_by: stack.last().cloned(),
            known: self.closest(name),
        })?;
        stack.push(name.to_string());
        let out = self.expand_in(&concept.expr, stack, false, budget);
        stack.pop();
        out
    }

    /// Expands `expr`; `in_near` when it is (part of) a NEAR operand, where
    /// a concept must expand to words, ORs and NEARs.
    fn expand_in(
        &self,
        expr: &Expr,
        stack: &mut Vec<String>,
        in_near: bool,
        budget: &mut usize,
    ) -> Result<Expr, ConceptError> {
        let mut all = |v: &[Expr], stack: &mut Vec<String>| -> Result<Vec<Expr>, ConceptError> {
            v.iter().map(|e| self.expand_in(e, stack, in_near, budget)).collect()
        };
        Ok(match expr {
            Expr::Word(_) => {
                if *budget == 0 {
                    return Err(ConceptError::TooLarge {
                        chain: stack.clone(),
                        what: format!("it expands to more than {MAX_WORDS} words"),
                    });
                }
                *budget -= 1;
                expr.clone()
            }
            Expr::Concept(name) => {
                let x = self.expand_name(name, stack, budget)?;
                if in_near && !parse::near_operand_ok(&x) {
                    let query = self.get(name).map(|c| c.query.clone()).unwrap_or_default();
                    return Err(ConceptError::NearOperand { name: name.clone(), query });
                }
                x
            }
            Expr::And(v) => combine(all(v, stack)?, true),
            Expr::Or(v) => combine(all(v, stack)?, false),
            Expr::Not(e) => Expr::Not(Box::new(self.expand_in(e, stack, in_near, budget)?)),
            Expr::Near { left, right, distance } => Expr::Near {
                left: Box::new(self.expand_in(left, stack, true, budget)?),
                right: Box::new(self.expand_in(right, stack, true, budget)?),
                distance: *distance,
            },
        })
    }

    /// The known names, closest to `name` first: names containing it or
    /// contained in it, then by edit distance (in characters), then in
    /// definition order.
    fn closest(&self, name: &str) -> Vec<String> {
        let mut scored: Vec<(bool, usize, usize, &str)> = self
            .list
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let related = c.name.contains(name) || name.contains(c.name.as_str());
                (!related, edit_distance(name, &c.name), i, c.name.as_str())
            })
            .collect();
        scored.sort();
        scored.into_iter().map(|(.., n)| n.to_string()).collect()
    }

    /// Adds the definitions of one file (replacing those of the same name).
    fn add_file(&mut self, text: &str, source: &Source) -> Result<(), ConceptError> {
        let file_err = |message: String| ConceptError::File { origin: source.clone(), message };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let mut message = e.to_string().trim_end().to_string();
            if e.message().contains("unquoted key") {
                message.push_str(
                    "\n(a concept name that is not plain ASCII must be quoted: \
                     \"法律顾问覆盖\" = '…')",
                );
            }
            file_err(message)
        })?;
        if let Some(other) = table.keys().find(|k| *k != "concepts") {
            return Err(file_err(format!(
                "unknown key or table `{other}`: {FILE_NAME} holds a [concepts] table of \
                 name = 'query' definitions"
            )));
        }
        let Some(concepts) = table.get("concepts") else { return Ok(()) };
        let toml::Value::Table(concepts) = concepts else {
            return Err(file_err("`concepts` must be a table: [concepts]".into()));
        };
        // `toml::Table` is sorted by key; definition order (for listing)
        // and line numbers come from a second, spanned reading of the same
        // text (which cannot fail where the first succeeded: the top level
        // is only the `concepts` table).
        let spans: HashMap<String, HashMap<String, toml::Spanned<toml::Value>>> =
            toml::from_str(text).map_err(|e: toml::de::Error| file_err(e.to_string()))?;
        let start = |name: &str| {
            spans.get("concepts").and_then(|c| c.get(name)).map_or(0, |v| v.span().start)
        };
        let mut defs: Vec<(&String, &toml::Value)> = concepts.iter().collect();
        defs.sort_by_key(|(name, _)| start(name));
        for (name, value) in defs {
            // Counted on bytes: no offset can fall inside a character.
            let line = text.as_bytes()[..start(name).min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let def_err = |message: String| ConceptError::Definition {
                origin: source.clone(),
                line,
                name: name.clone(),
                message,
            };
            let (query, description) = definition(value).map_err(def_err)?;
            check_name(name).map_err(def_err)?;
            let expr = parse_definition(&query).map_err(def_err)?;
            let concept =
                Concept { name: name.clone(), query, description, source: source.clone(), expr };
            match self.by_name.get(name) {
                Some(&i) => self.list[i] = concept,
                None => {
                    self.by_name.insert(name.clone(), self.list.len());
                    self.list.push(concept);
                }
            }
        }
        Ok(())
    }

    /// Expands every concept once, to report unknown names and cycles at
    /// load time.
    fn check(&self) -> Result<(), ConceptError> {
        for c in &self.list {
            let mut budget = MAX_WORDS;
            self.expand_name(&c.name, &mut Vec::new(), &mut budget)?;
        }
        Ok(())
    }
}

/// The query and description of a definition: a string, or a table with a
/// `query` string and an optional `description` string.
fn definition(value: &toml::Value) -> Result<(String, Option<String>), String> {
    match value {
        toml::Value::String(q) => Ok((q.clone(), None)),
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| *k != "query" && *k != "description") {
                return Err(format!(
                    "unknown key `{k}` (a definition has `query` and `description`)"
                ));
            }
            let query = match t.get("query") {
                Some(toml::Value::String(q)) => q.clone(),
                Some(_) => return Err("`query` must be a string".into()),
                None => return Err("missing `query`".into()),
            };
            let description = match t.get("description") {
                Some(toml::Value::String(d)) => Some(d.clone()),
                Some(_) => return Err("`description` must be a string".into()),
                None => None,
            };
            Ok((query, description))
        }
        _ => Err(
            "a definition is a query string ('…') or a table { query = '…', description = '…' }"
                .into(),
        ),
    }
}

/// Checks that `@name` is read back as this concept name by the parser.
fn check_name(name: &str) -> Result<(), String> {
    let ok = matches!(
        parse::parse(&format!("@{name}")),
        Ok(parse::Query { expr: Some(Expr::Concept(n)), .. }) if n == name
    );
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the name cannot be used as @{name} in a query \
             (no spaces, parentheses, quotes or colons)"
        ))
    }
}

/// Parses a definition's query: it must parse, have words and no filters.
fn parse_definition(query: &str) -> Result<Expr, String> {
    let q =
        parse::parse(query).map_err(|e| format!("bad query at character {}: {e}", e.position))?;
    if !q.filters.is_empty() {
        return Err(format!(
            "{query:?} has filters; a concept is only words (give filters like year:2023 \
             in the query that uses the concept, or as flags)"
        ));
    }
    q.expr.ok_or_else(|| format!("{query:?} has no words to match"))
}

/// Builds an And/Or of `items`, flattening children of the same kind and
/// returning a single item bare (as the parser does).
fn combine(items: Vec<Expr>, is_and: bool) -> Expr {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Expr::And(v) if is_and => flat.extend(v),
            Expr::Or(v) if !is_and => flat.extend(v),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        flat.pop().expect("one item")
    } else if is_and {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}

/// Levenshtein distance in characters (names are short).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression of a query that must parse.
    fn expr(q: &str) -> Expr {
        parse::parse(q).unwrap().expr.unwrap()
    }

    /// Concepts from one file's text (over the defaults).
    fn with(text: &str) -> Concepts {
        Concepts::from_toml(text, Source::File("baogao.toml".into()))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The error of loading one file's text.
    fn load_err(text: &str) -> ConceptError {
        Concepts::from_toml(text, Source::File("x/baogao.toml".into())).unwrap_err()
    }

    #[test]
    fn defaults_load_and_cover_the_brief() {
        let c = Concepts::defaults();
        assert!(c.len() >= 10, "{} defaults", c.len());
        for name in [
            "枫桥经验",
            "法律顾问覆盖",
            "矛盾纠纷化解",
            "行政执法三项制度",
            "谁执法谁普法",
            "法治宣传",
            "依法决策",
            "法治建设第一责任人",
            "政务公开",
            "行政复议与应诉",
            "放管服与营商环境",
            "基层治理",
        ] {
            let concept = c.get(name).unwrap_or_else(|| panic!("no default {name}"));
            assert_eq!(concept.source, Source::Default);
            assert!(concept.description.is_some(), "{name} has no description");
        }
        // Listing order is the file's order, not the key order of the table.
        assert_eq!(c.iter().next().unwrap().name, "枫桥经验");
        assert_eq!(c.iter().nth(1).unwrap().name, "法律顾问覆盖");
    }

    #[test]
    fn expansion_is_the_query_written_out() {
        let c = Concepts::defaults();
        assert_eq!(
            c.expand(&expr("@枫桥经验 year:2023 调解")).unwrap(),
            expr("(枫桥经验 OR 枫桥式) 调解")
        );
        // AND and OR are flattened as the parser flattens them.
        let c = with("[concepts]\na = 'x y'\nb = 'u OR v'\n");
        assert_eq!(c.expand(&expr("@a z")).unwrap(), expr("x y z"));
        assert_eq!(c.expand(&expr("@b OR w")).unwrap(), expr("u OR v OR w"));
        assert_eq!(c.expand(&expr("-@a")).unwrap(), expr("-(x y)"));
        assert_eq!(c.expand(&expr("@b NEAR/5 w")).unwrap(), expr("(u OR v) NEAR/5 w"));
        // Without concepts the expression is unchanged.
        assert_eq!(c.expand(&expr("p NEAR/3 (q OR r) -s")).unwrap(), expr("p NEAR/3 (q OR r) -s"));
    }

    /// Issue #9: 20 concepts that each use the next twice (2^20 words)
    /// took 40 s and 5.6 GB to load; now an error naming the chain, found
    /// after at most `MAX_WORDS` words per concept.
    #[test]
    fn blow_ups_and_deep_nesting_are_errors_naming_the_concepts() {
        let mut toml = String::from("[concepts]\n");
        for i in 0..20 {
            toml.push_str(&format!("c{i} = '@c{} OR @c{}'\n", i + 1, i + 1));
        }
        toml.push_str("c20 = 'x y'\n");
        let e = load_err(&toml);
        let msg = e.to_string();
        assert!(matches!(e, ConceptError::TooLarge { .. }), "{msg}");
        assert!(msg.contains("more than 1024 words"), "{msg}");
        assert!(msg.contains("@c0 → @c1 → @c2"), "{msg}");
        // A chain of 40 concepts, each using the next once: too deep.
        let mut toml = String::from("[concepts]\n");
        for i in 0..40 {
            toml.push_str(&format!("d{i} = '@d{} z{i}'\n", i + 1));
        }
        toml.push_str("d40 = 'x'\n");
        let msg = load_err(&toml).to_string();
        assert!(msg.contains("nested more than 32 deep"), "{msg}");
        // A short chain is fine, and its expansion is bounded too.
        let c = with("[concepts]\na = '@b @b'\nb = 'x OR y'\n");
        assert_eq!(c.expand(&expr("@a")).unwrap(), expr("(x OR y) (x OR y)"));
    }

    #[test]
    fn concepts_nest() {
        let c = with(
            "[concepts]\n\"外\" = '@中 OR 外层'\n\"中\" = '@内 中层'\n\"内\" = '内层 OR @枫桥经验'\n",
        );
        assert_eq!(
            c.expand(&expr("@外")).unwrap(),
            expr("((内层 OR 枫桥经验 OR 枫桥式) 中层) OR 外层")
        );
        assert!(uses_concepts(&expr("a (b OR -@外)")));
        assert!(!uses_concepts(&expr("a (b OR c) NEAR/2 d -e")));
    }

    #[test]
    fn cycles_are_reported_at_load() {
        let e = load_err("[concepts]\na = '@b x'\nb = 'y OR @c'\nc = '@a'\n");
        assert!(matches!(&e, ConceptError::Cycle { .. }), "{e:?}");
        assert_eq!(e.to_string(), "concept cycle: a → b → c → a");
        let e = load_err("[concepts]\nself = 'x OR @self'\n");
        assert_eq!(e.to_string(), "concept cycle: self → self");
        // Redefining a default in terms of itself is a cycle too.
        let e = load_err("[concepts]\n\"枫桥经验\" = '@枫桥经验 OR 枫桥'\n");
        assert_eq!(e.to_string(), "concept cycle: 枫桥经验 → 枫桥经验");
        // A concept used twice is not a cycle.
        let c = with("[concepts]\na = 'x'\nb = '@a @a'\n");
        assert_eq!(c.expand(&expr("@b")).unwrap(), expr("x x"));
    }

    #[test]
    fn unknown_names_list_the_known_ones_closest_first() {
        let c = Concepts::defaults();
        let e = c.expand(&expr("@法律顾问 调解")).unwrap_err();
        let ConceptError::Unknown { name, used_by, known } = &e else { panic!("{e:?}") };
        assert_eq!(name, "法律顾问");
        assert_eq!(*used_by, None);
        assert_eq!(known[0], "法律顾问覆盖");
        assert_eq!(known.len(), c.len());
        let msg = e.to_string();
        assert!(
            msg.starts_with("unknown concept @法律顾问; known concepts: @法律顾问覆盖 "),
            "{msg}"
        );
        assert!(msg.contains("@枫桥经验"), "{msg}");
        // A typo one character off comes first too.
        let e = c.expand(&expr("@政务工开")).unwrap_err();
        let ConceptError::Unknown { known, .. } = &e else { panic!() };
        assert_eq!(known[0], "政务公开");
        // Inside a definition: reported at load, naming the user.
        let e = load_err("[concepts]\na = 'x OR @nope'\n");
        assert!(e.to_string().starts_with("unknown concept @nope (used by @a); known"), "{e}");
    }

    #[test]
    fn bad_definitions_name_the_file_the_concept_and_the_position() {
        let e = load_err("[concepts]\nok = 'x'\nbad = '法律顾问 NEAR/30 (全覆盖 OR'\n");
        let ConceptError::Definition { name, line, .. } = &e else { panic!("{e:?}") };
        assert_eq!((name.as_str(), *line), ("bad", 3));
        let msg = e.to_string();
        assert!(msg.starts_with("x/baogao.toml, line 3: concept \"bad\": bad query at character "));
        assert!(msg.contains('^'), "the caret rendering of ParseError: {msg}");

        let msg = load_err("[concepts]\na = 'x' b\n").to_string();
        assert!(msg.starts_with("x/baogao.toml: TOML parse error at line 2"), "{msg}");
        let msg = load_err("[concepts]\n法律顾问覆盖 = 'x'\n").to_string();
        assert!(msg.contains("must be quoted: \"法律顾问覆盖\""), "{msg}");
        let msg = load_err("[concept]\na = 'x'\n").to_string();
        assert!(msg.contains("unknown key or table `concept`"), "{msg}");
        let msg = load_err("[concepts]\na = 3\n").to_string();
        assert!(msg.contains("concept \"a\": a definition is a query string"), "{msg}");
        let msg = load_err("[concepts]\na = { description = 'd' }\n").to_string();
        assert!(msg.contains("missing `query`"), "{msg}");
        let msg = load_err("[concepts]\na = { query = 'x', descripton = 'd' }\n").to_string();
        assert!(msg.contains("unknown key `descripton`"), "{msg}");
        let msg = load_err("[concepts]\n\"a b\" = 'x'\n").to_string();
        assert!(msg.contains("cannot be used as @a b"), "{msg}");
        let msg = load_err("[concepts]\nempty = '  '\n").to_string();
        assert!(msg.contains("empty query"), "{msg}");
    }

    #[test]
    fn filters_are_rejected() {
        let msg = load_err("[concepts]\na = 'year:2023 法律顾问'\n").to_string();
        assert!(msg.contains("concept \"a\""), "{msg}");
        assert!(msg.contains("has filters"), "{msg}");
        let msg = load_err("[concepts]\na = 'level:township'\n").to_string();
        assert!(msg.contains("has filters"), "{msg}");
    }

    #[test]
    fn near_operands_must_expand_to_words_or_and_near() {
        let c =
            with("[concepts]\nboth = 'x y'\nnot = '-x'\neither = 'x OR y'\nnear = 'x NEAR/2 y'\n");
        let e = c.expand(&expr("@both NEAR/5 z")).unwrap_err();
        assert!(matches!(&e, ConceptError::NearOperand { name, .. } if name == "both"), "{e:?}");
        assert!(c.expand(&expr("z NEAR/5 (w OR @not)")).is_err());
        assert!(c.expand(&expr("@either NEAR/5 @near")).is_ok());
        // Checked inside definitions too.
        let e = load_err("[concepts]\nboth = 'x y'\nuse = '@both NEAR/5 z'\n");
        assert!(matches!(&e, ConceptError::NearOperand { .. }), "{e:?}");
    }

    #[test]
    fn a_file_overrides_a_default_and_adds_concepts() {
        let c = with(
            "[concepts]\n\"枫桥经验\" = { query = '枫桥', description = '宽' }\n\
             new = '@枫桥经验 调解'\n",
        );
        let f = c.get("枫桥经验").unwrap();
        assert_eq!(f.query, "枫桥");
        assert_eq!(f.description.as_deref(), Some("宽"));
        assert_eq!(f.source, Source::File("baogao.toml".into()));
        // The redefinition keeps the default's place and is used by others.
        assert_eq!(c.iter().next().unwrap().name, "枫桥经验");
        assert_eq!(c.expand(&expr("@new")).unwrap(), expr("枫桥 调解"));
        assert_eq!(c.iter().last().unwrap().name, "new");
        assert_eq!(c.get("政务公开").unwrap().source, Source::Default);
        assert_eq!(c.len(), Concepts::defaults().len() + 1);
    }

    #[test]
    fn the_corpus_folder_wins_over_the_current_folder() {
        let corpus = tempfile::tempdir().unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let write = |dir: &Path, text: &str| std::fs::write(dir.join(FILE_NAME), text).unwrap();
        // No files: the defaults.
        let c = Concepts::load(corpus.path(), cwd.path()).unwrap();
        assert_eq!(c.len(), Concepts::defaults().len());
        write(cwd.path(), "[concepts]\nshared = 'from-cwd'\nmine = 'cwd-only'\n");
        write(corpus.path(), "[concepts]\nshared = 'from-corpus'\n");
        let c = Concepts::load(corpus.path(), cwd.path()).unwrap();
        let shared = c.get("shared").unwrap();
        assert_eq!(shared.query, "from-corpus");
        assert_eq!(shared.source, Source::File(corpus.path().join(FILE_NAME)));
        assert_eq!(c.get("mine").unwrap().source, Source::File(cwd.path().join(FILE_NAME)));
        // The same folder twice is read once (no spurious duplicates).
        let c = Concepts::load(corpus.path(), corpus.path()).unwrap();
        assert_eq!(c.len(), Concepts::defaults().len() + 1);
        // A broken file in either folder is an error naming it.
        write(cwd.path(), "[concepts]\nbad = '('\n");
        let e = Concepts::load(corpus.path(), cwd.path()).unwrap_err();
        assert!(e.to_string().contains(&cwd.path().join(FILE_NAME).display().to_string()), "{e}");
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("政务工开", "政务公开"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
