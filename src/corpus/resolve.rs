//! A report's place and level, decided from evidence (SPEC §1 locality).
//!
//! `metadata` hands over the clues in which the report speaks for itself
//! ([`VoiceClue`]: title, issuer lines, delivery line, speaker line,
//! `我代表…人民政府`), the running text ([`Body`]) and the path. We then
//!
//! 1. find every gazetteer name in the own-voice clues, at a word boundary
//!    ([`boundary`]), never in a `来源` line nor as part of
//!    a newspaper's name (`河北日报`, `解放日报`); a township the gazetteer
//!    does not have keeps the chain the text gives (`渠县新兴镇` → township
//!    新兴镇 of 渠县);
//! 2. decide the **level** from how the report names its own government:
//!    the lowest place its own voice names, or — when it names none
//!    (`我代表市人民政府`, `省长`, `在县十六届人民代表大会…上`) — the
//!    government word it uses, or the self-references of its text (`全县`,
//!    `我镇`, `全州`, `全盟`; `全区` is a district's or an autonomous
//!    region's), never the lowest name it happens to mention;
//! 3. choose, among the places of that level, the one the strongest,
//!    mutually consistent clues support: own-voice clues outrank body
//!    mentions, which outrank the path (a path part counts only for a
//!    place the text names too, or when the text names none); a chain
//!    must agree with the province or city the title or issuer names;
//! 4. leave a field null when the best candidates tie: a null is honest,
//!    a wrong place is not.
//!
//! Every step leaves its trace in the [`Evidence`](super::evidence::Evidence)
//! (`reports --explain`).

use std::collections::HashMap;
use std::ops::Range;

use super::boundary::{self, is_han, Kind};
use super::evidence::{excerpt, Clue, FieldEvidence, Source};
use super::locality::{Gazetteer, Locality, NameRef, Place};
use super::report::Level;

/// A clue in which the report speaks for itself.
#[derive(Debug, Clone)]
pub struct VoiceClue<'a> {
    /// What kind of clue.
    pub source: Source,
    /// Its 1-based line (0 when it is not on a line of the text).
    pub line: u32,
    /// The text shown as the clue (the line, or the cleaned title).
    pub text: &'a str,
    /// The part of `text` in which to look for place names.
    pub scan: Range<usize>,
    /// The government word the clue uses (`我代表县人民政府` → `县`,
    /// `省长` → `省`), one of [`SUFFIXES`].
    pub suffix: Option<&'static str>,
}

/// The running text of a report.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    /// The whole decoded text.
    pub text: &'a str,
    /// The byte offset where each line starts, ascending.
    pub line_starts: &'a [usize],
    /// Byte ranges that are not the report's own text (`来源` lines, page
    /// furniture): nothing there is a place.
    pub excluded: &'a [Range<usize>],
}

impl Body<'_> {
    /// The 1-based line of a byte offset, and the line's text.
    fn line_at(&self, at: usize) -> (u32, &str, usize) {
        let i = self.line_starts.partition_point(|&s| s <= at).saturating_sub(1);
        let start = self.line_starts.get(i).copied().unwrap_or(0);
        let end = self.line_starts.get(i + 1).copied().unwrap_or(self.text.len());
        (i as u32 + 1, &self.text[start..end], at - start)
    }

    fn is_excluded(&self, at: usize) -> bool {
        self.excluded.iter().any(|r| r.contains(&at))
    }
}

/// The government words a report calls itself by, longest first where one
/// ends another (`自治区` before `区`). A place "answers" to a word when
/// its official name ends with it: `市` is a prefecture city, a
/// county-level city or a municipality; `区` a district or an autonomous
/// region; `州` an autonomous prefecture.
pub const SUFFIXES: [&str; 13] =
    ["自治区", "地区", "街道", "苏木", "省", "市", "州", "盟", "县", "区", "旗", "镇", "乡"];

/// The "government word" of a 行政公署 (行署): the government of a 盟 or a
/// 地区 (`我代表行署作工作报告`).
pub const PREFECTURE_OFFICE: &str = "行署";

/// Does a place's official name answer to a government word?
fn answers(name: &str, suffix: &str) -> bool {
    if suffix == PREFECTURE_OFFICE {
        name.ends_with('盟') || name.ends_with("地区")
    } else {
        name.ends_with(suffix)
    }
}

/// Does a place's name answer to a government word it had before a
/// common upgrade: a 县 made a 区 or a 市 (`清苑县` → 清苑区), a 地区 or
/// a 盟 made a 市? Reports written before keep the old word.
fn renamed(name: &str, suffix: &str) -> bool {
    match suffix {
        "县" => {
            (name.ends_with('区') && !name.ends_with("自治区") && !name.ends_with("地区"))
                || name.ends_with('市')
        }
        "地区" | "盟" | PREFECTURE_OFFICE => name.ends_with('市'),
        _ => false,
    }
}

/// The level of the units a government word's renamed forms must be at.
fn renamed_level(suffix: &str) -> Option<Level> {
    match suffix {
        "县" => Some(Level::County),
        "地区" | "盟" | PREFECTURE_OFFICE => Some(Level::City),
        _ => None,
    }
}

/// The result: the locality and the evidence of its five fields.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Province, city, county, township and level.
    pub locality: Locality,
    /// Evidence of the level.
    pub level: FieldEvidence,
    /// Evidence of the province.
    pub province: FieldEvidence,
    /// Evidence of the city.
    pub city: FieldEvidence,
    /// Evidence of the county.
    pub county: FieldEvidence,
    /// Evidence of the township.
    pub township: FieldEvidence,
}

/// Names followed by these are a newspaper, a broadcaster or a news site,
/// not a place: `河北日报`, `解放日报`, `新华日报`.
const MEDIA: [&str; 9] =
    ["日报", "晚报", "早报", "商报", "电视台", "广播", "新闻网", "融媒", "报社"];

/// A place a clue may denote: one of the gazetteer, or a township the
/// gazetteer lacks, under a county it has (`渠县新兴镇`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Cand {
    Known(Place),
    NewTownship(u32, String),
}

/// One name found in an own-voice clue.
#[derive(Debug, Clone)]
struct Mention {
    cands: Vec<Cand>,
    name: String,
    clue: Clue,
    weight: f64,
}

/// How often the body names a place (estimated from a checked sample of
/// its occurrences), and where first.
#[derive(Debug, Clone, Default)]
struct Count {
    n: f64,
    /// The part of `n` written with the full name (`坪山区`, not `坪山`).
    full: f64,
    /// Where the first accepted mention starts (a byte offset).
    first: Option<usize>,
}

/// Weight of a mention in each kind of own-voice clue.
fn weight(source: Source) -> f64 {
    match source {
        Source::Title => 100.0,
        Source::Issuer | Source::Delivery | Source::Speaker | Source::SelfName => 80.0,
        Source::PageTitle => 60.0,
        _ => 0.0,
    }
}

/// At most this many occurrences of each name are checked for word
/// boundaries; the rest are counted in the same proportion.
const SAMPLE: u32 = 4;

/// Resolves a report's place and level.
pub fn resolve(g: &Gazetteer, voices: &[VoiceClue], body: Body, path: &str) -> Resolved {
    let r = Resolver::new(g, voices, body, path);
    r.decide()
}

struct Resolver<'g, 'a> {
    g: &'g Gazetteer,
    own: Vec<Mention>,
    /// Government words used without a place, with their clue.
    suffixes: Vec<(&'static str, Clue)>,
    body: PlaceMap<Count>,
    /// Body mentions of each place's units (a city report names its
    /// counties), per ancestor.
    below: PlaceMap<f64>,
    path: PlaceMap<String>,
    selfrefs: SelfRefs,
    body_text: Body<'a>,
}

impl<'g, 'a> Resolver<'g, 'a> {
    fn new(g: &'g Gazetteer, voices: &[VoiceClue], body: Body<'a>, path: &str) -> Self {
        let mut own = Vec::new();
        let mut suffixes = Vec::new();
        for v in voices {
            let found = own_mentions(g, v);
            if let Some(s) = v.suffix {
                let named =
                    found.iter().any(|m| m.cands.iter().any(|c| answers(cand_name(g, c), s)));
                if !named {
                    suffixes.push((s, Clue::on_line(v.source, v.line, v.text, v.scan.start)));
                }
            }
            own.extend(found);
        }
        let (body_counts, below) = body_counts(g, body);
        let path = path_mentions(g, path);
        let selfrefs = self_references(body);
        Resolver { g, own, suffixes, body: body_counts, below, path, selfrefs, body_text: body }
    }

    fn level(&self, c: &Cand) -> Level {
        match c {
            Cand::Known(p) => Gazetteer::level_of(*p),
            Cand::NewTownship(..) => Level::Township,
        }
    }

    fn ancestors(&self, c: &Cand) -> Vec<Place> {
        match c {
            Cand::Known(p) => self.g.ancestors(*p),
            Cand::NewTownship(county, _) => {
                let mut v = vec![Place::County(*county)];
                v.extend(self.g.ancestors(Place::County(*county)));
                v
            }
        }
    }

    fn chain(&self, c: &Cand) -> Locality {
        let mut loc = match c {
            Cand::Known(p) => self.g.locality_of(*p),
            Cand::NewTownship(county, name) => {
                let mut l = self.g.locality_of(Place::County(*county));
                l.township = Some(name.clone());
                l
            }
        };
        loc.level = Some(self.level(c));
        // A municipality's government is provincial.
        if let Cand::Known(Place::Province(_)) = c {
            loc.level = Some(Level::Province);
        }
        loc
    }

    fn body_n(&self, p: Place) -> f64 {
        self.body.get(&p).map_or(0.0, |c| c.n)
    }

    /// Does the text (own voice or body) name this candidate?
    fn in_text(&self, c: &Cand) -> bool {
        match c {
            Cand::Known(p) => self.body_n(*p) > 0.0 || self.own.iter().any(|m| m.cands.contains(c)),
            Cand::NewTownship(..) => true,
        }
    }

    /// How strongly the own-voice clues support a candidate: a clue that
    /// names it counts fully, one that names a place above it (its county,
    /// city, province) less, one that names a place below it least.
    fn voice_score(&self, c: &Cand) -> f64 {
        let anc = self.ancestors(c);
        self.own
            .iter()
            .map(|m| {
                let rel = if m.cands.contains(c) {
                    1.0
                } else if m.cands.iter().any(|x| matches!(x, Cand::Known(p) if anc.contains(p))) {
                    0.6
                } else if m
                    .cands
                    .iter()
                    .any(|x| self.ancestors(x).iter().any(|a| Cand::Known(*a) == *c))
                {
                    0.3
                } else {
                    0.0
                };
                m.weight * rel
            })
            .sum()
    }

    /// How strongly the body (and the path) support a candidate, and the
    /// part of it that is the candidate's own mentions.
    fn text_score(&self, c: &Cand, path_counts: bool) -> (f64, f64) {
        let anc = self.ancestors(c);
        let above: f64 = anc.iter().map(|a| self.body_n(*a).min(20.0)).sum::<f64>() * 0.5;
        let (own, below) = match c {
            Cand::Known(p) => {
                let count = self.body.get(p).cloned().unwrap_or_default();
                // A place the text names only by its short name (`新建`,
                // which is also a verb), and none of whose ancestors it
                // names, is likely a word, not the place: it counts half.
                let incoherent = count.full == 0.0 && above == 0.0 && !anc.is_empty();
                let own = if incoherent { count.n * 0.5 } else { count.n };
                (own.min(60.0), 0.5 * self.below.get(p).copied().unwrap_or(0.0).min(40.0))
            }
            Cand::NewTownship(..) => (0.0, 0.0),
        };
        let path = if path_counts {
            let me = matches!(c, Cand::Known(p) if self.path.contains_key(p));
            10.0 * f64::from(u8::from(me))
                + 5.0 * anc.iter().filter(|a| self.path.contains_key(a)).count() as f64
        } else {
            0.0
        };
        (own + below + above + path, own)
    }

    fn decide(self) -> Resolved {
        let mut out = Resolved::default();
        let (cands, level_clue, how, voice) = self.candidates();
        if cands.is_empty() {
            self.explain_nothing(&mut out);
            return out;
        }
        // A chain must agree with the province or city that the title or
        // an issuer line names.
        let level = cands.iter().map(|c| self.level(c)).min().unwrap_or(Level::Township);
        let mut cands = cands;
        let mut constraint_rejects: Vec<(Cand, String)> = Vec::new();
        for m in self
            .own
            .iter()
            .filter(|m| matches!(m.clue.source, Source::Title | Source::Issuer | Source::PageTitle))
        {
            let above: Vec<&Cand> = m.cands.iter().filter(|x| self.level(x) < level).collect();
            if above.is_empty() {
                continue;
            }
            let ok = |c: &Cand| {
                let anc = self.ancestors(c);
                above.iter().any(|x| matches!(x, Cand::Known(p) if anc.contains(p)))
            };
            if cands.iter().any(ok) {
                let (keep, drop): (Vec<Cand>, Vec<Cand>) = cands.into_iter().partition(ok);
                for d in drop {
                    constraint_rejects.push((
                        d,
                        format!("not in {} that the {} names", m.name, m.clue.source.describe()),
                    ));
                }
                cands = keep;
            }
        }

        // Path parts count for a place the text names too, or when the
        // text names none of the candidates.
        let text_named = cands.iter().any(|c| self.in_text(c));
        let mut scored: Vec<Scored> = cands
            .into_iter()
            .map(|c| {
                let path_counts = !text_named || self.in_text(&c);
                let (mut text, mut own) = self.text_score(&c, path_counts);
                if voice.is_some_and(|s| !answers(cand_name(self.g, &c), s)) {
                    // A unit renamed since (`清苑县` → 清苑区) answers to
                    // the old word only at half weight.
                    text *= 0.5;
                    own *= 0.5;
                }
                Scored { voice: self.voice_score(&c), text, own, cand: c }
            })
            .collect();
        scored.sort_by(|a, b| {
            b.voice
                .total_cmp(&a.voice)
                .then(b.text.total_cmp(&a.text))
                .then_with(|| a.cand.cmp(&b.cand))
        });
        let top = scored[0].clone();
        // The winners: every candidate with the best voice whose text
        // support is not clearly below the best's. What the two share
        // (the mentions of a name both bear, `龙华区` of 深圳 and of 海口)
        // does not tell them apart: the rest must differ by a third.
        let clear = |x: &Scored| {
            let diff = top.text - x.text;
            // Namesakes (`市中区永安镇` of 内江 and of 枣庄) differ only by
            // what else the text names: one mention of 四川 decides, as
            // long as nothing speaks for the other.
            // Namesakes share every count but those of their differently
            // named ancestors, so any difference is one of those.
            let namesakes = (top.own - x.own).abs() < 1e-9 && top.voice == x.voice;
            (namesakes && diff >= 0.5)
                || (diff >= 1.0 && diff >= 0.3 * (top.text - top.own.min(x.own)))
        };
        let tied: Vec<&Scored> =
            scored.iter().filter(|x| (x.voice - top.voice).abs() < 1e-9 && !clear(x)).collect();
        let best = top.cand.clone();
        let weak = top.voice == 0.0 && top.text < 2.0 && how != How::Path;
        let mut loc = Locality::default();
        if weak {
            // Nothing but a stray mention: better null than wrong.
        } else if tied.len() == 1 {
            loc = self.chain(&best);
        } else {
            let mut it = tied.iter().map(|x| self.chain(&x.cand));
            let first = it.next().unwrap_or_default();
            loc = it.fold(first, |a, b| Locality {
                province: agree(a.province, b.province),
                city: agree(a.city, b.city),
                county: agree(a.county, b.county),
                township: agree(a.township, b.township),
                level: agree(a.level, b.level),
            });
            if loc.province.is_none() {
                loc.city = None;
            }
            if loc.level.is_none() {
                loc.level = Some(level);
            }
        }
        if !weak && loc.level.is_none() {
            loc.level = Some(level);
        }
        if weak {
            out.level.clue = None;
        } else {
            out.level.clue = Some(level_clue.clone());
        }
        self.explain(&mut out, &loc, &best, &scored, &tied, weak, &constraint_rejects);
        out.locality = loc;
        out
    }

    /// The candidates of the report's own level, the clue that set the
    /// level, and how the level was found.
    fn candidates(&self) -> (Vec<Cand>, Clue, How, Option<&'static str>) {
        if let Some(low) = self.own.iter().flat_map(|m| m.cands.iter().map(|c| self.level(c))).max()
        {
            let at_low: Vec<&Mention> =
                self.own.iter().filter(|m| m.cands.iter().any(|c| self.level(c) == low)).collect();
            let mut cands: Vec<Cand> = at_low
                .iter()
                .flat_map(|m| m.cands.iter().filter(|c| self.level(c) == low).cloned())
                .collect();
            cands.sort();
            cands.dedup();
            let strongest = at_low
                .iter()
                .max_by(|a, b| a.weight.total_cmp(&b.weight))
                .map(|m| m.clue.clone())
                .unwrap_or_else(|| Clue::note(Source::Title, ""));
            // A government word lower than anything named (`我代表区人民政府`
            // under a title that names 黄山市): the report is that unit, the
            // one of its units the body names.
            for (s, clue) in &self.suffixes {
                if cands.iter().any(|c| answers(cand_name(self.g, c), s)) {
                    continue;
                }
                let below: Vec<Cand> = self
                    .body
                    .keys()
                    .filter(|p| answers(self.g.name_of(**p), s))
                    .filter(|p| Gazetteer::level_of(**p) > low)
                    .filter(|p| {
                        let anc = self.g.ancestors(**p);
                        cands.iter().any(|c| matches!(c, Cand::Known(a) if anc.contains(a)))
                    })
                    .map(|p| Cand::Known(*p))
                    .collect();
                if !below.is_empty() {
                    return (below, clue.clone(), How::Voice, Some(*s));
                }
            }
            return (cands, strongest, How::Named, None);
        }
        if let Some((s, clue)) = self.suffixes.first() {
            let cands = self.answering(s);
            if !cands.is_empty() {
                return (cands, clue.clone(), How::Voice, Some(*s));
            }
        }
        if let Some((s, clue)) = self.selfrefs.dominant(self.body_text) {
            let cands = self.answering(s);
            if !cands.is_empty() {
                return (cands, clue, How::SelfRefs, Some(s));
            }
        }
        // No voice at all: the path, if it names a place.
        let mut from_path: Vec<Cand> = self.path.keys().map(|p| Cand::Known(*p)).collect();
        if let Some(low) = from_path.iter().map(|c| self.level(c)).max() {
            from_path.retain(|c| self.level(c) == low);
            from_path.sort();
            let part = from_path
                .iter()
                .find_map(|c| match c {
                    Cand::Known(p) => self.path.get(p).cloned(),
                    _ => None,
                })
                .unwrap_or_default();
            return (from_path, Clue::note(Source::Path, part), How::Path, None);
        }
        (Vec::new(), Clue::note(Source::Body, ""), How::Path, None)
    }

    /// Places the body or path names that answer to a government word.
    fn answering(&self, suffix: &str) -> Vec<Cand> {
        let mut v: Vec<Cand> = self
            .body
            .iter()
            .filter(|(_, c)| c.n > 0.0)
            .map(|(p, _)| *p)
            .chain(self.path.keys().copied())
            .filter(|p| {
                answers(self.g.name_of(*p), suffix)
                    || (renamed(self.g.name_of(*p), suffix)
                        && renamed_level(suffix) == Some(Gazetteer::level_of(*p)))
            })
            .map(Cand::Known)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The best clue naming a place: an own-voice mention, else its first
    /// body mention, else the path part.
    fn clue_for(&self, c: &Cand) -> Option<Clue> {
        if let Some(m) = self
            .own
            .iter()
            .filter(|m| m.cands.contains(c))
            .max_by(|a, b| a.weight.total_cmp(&b.weight))
        {
            return Some(m.clue.clone());
        }
        if let Cand::Known(p) = c {
            if let Some(count) = self.body.get(p) {
                if let Some(at) = count.first {
                    let mut clue = self.body_clue(at);
                    clue.text = format!("{} ({} mentions)", clue.text, count.n.round());
                    return Some(clue);
                }
            }
            if let Some(part) = self.path.get(p) {
                return Some(Clue::note(Source::Path, part.clone()));
            }
        }
        None
    }

    fn field_place(&self, level: Level, c: &Cand) -> Option<Cand> {
        if self.level(c) == level {
            return Some(c.clone());
        }
        self.ancestors(c).into_iter().find(|p| Gazetteer::level_of(*p) == level).map(Cand::Known)
    }

    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        out: &mut Resolved,
        loc: &Locality,
        best: &Cand,
        scored: &[Scored],
        tied: &[&Scored],
        weak: bool,
        constraint_rejects: &[(Cand, String)],
    ) {
        let fields = [
            (Level::Province, &loc.province),
            (Level::City, &loc.city),
            (Level::County, &loc.county),
            (Level::Township, &loc.township),
        ];
        let best_level = self.level(best);
        for (level, value) in fields {
            let mut f = FieldEvidence::default();
            if value.is_some() {
                if let Some(p) = self.field_place(level, best) {
                    f.clue = self.clue_for(&p).or_else(|| {
                        Some(Clue::note(
                            Source::Gazetteer,
                            format!("{} is in {}", cand_name(self.g, best), cand_name(self.g, &p)),
                        ))
                    });
                }
            }
            // Candidates of this field that were not taken.
            if level == best_level {
                if weak {
                    for x in scored.iter().take(3) {
                        f.reject(
                            cand_name(self.g, &x.cand),
                            self.clue_for(&x.cand),
                            format!(
                                "only {} mention(s) and nothing in the report's own voice",
                                x.text.round()
                            ),
                        );
                    }
                }
                if tied.len() > 1 && value.is_none() {
                    let names: Vec<String> =
                        tied.iter().take(4).map(|x| self.describe(&x.cand)).collect();
                    for x in tied.iter().take(3) {
                        f.reject(
                            self.describe(&x.cand),
                            self.clue_for(&x.cand),
                            format!("the clues do not tell {} apart", names.join(", ")),
                        );
                    }
                }
                let top = &scored[0];
                // A place only the path names first: it is what a reader
                // who trusted the file name would expect.
                let path_only = |c: &Cand| {
                    matches!(c, Cand::Known(p) if self.path.contains_key(p)) && !self.in_text(c)
                };
                let mut others: Vec<&Scored> =
                    scored.iter().filter(|x| !tied.iter().any(|t| t.cand == x.cand)).collect();
                others.sort_by_key(|x| !path_only(&x.cand));
                for x in others.into_iter().take(4) {
                    let c = &x.cand;
                    let reason = if (x.voice - top.voice).abs() > 1e-9 {
                        if x.voice == 0.0 {
                            format!(
                                "only mentioned (support {}); {} is named in the report's own voice",
                                x.text.round(),
                                cand_name(self.g, best)
                            )
                        } else {
                            format!("weaker own-voice support than {}", cand_name(self.g, best))
                        }
                    } else {
                        format!(
                            "support {} against {} for {}",
                            x.text.round(),
                            top.text.round(),
                            cand_name(self.g, best)
                        )
                    };
                    let reason = if path_only(c) {
                        "named only by the path; the text names another place".to_string()
                    } else {
                        reason
                    };
                    f.reject(self.describe(c), self.clue_for(c), reason);
                }
                for (c, why) in constraint_rejects.iter().take(3) {
                    f.reject(self.describe(c), self.clue_for(c), why.clone());
                }
            } else if level > best_level {
                // Places below the report's level are only mentioned.
                let mut below: Vec<(&Place, &Count)> = self
                    .body
                    .iter()
                    .filter(|(p, c)| Gazetteer::level_of(**p) == level && c.n >= 1.0)
                    .collect();
                below.sort_by(|a, b| b.1.n.total_cmp(&a.1.n).then(a.0.cmp(b.0)));
                for m in self.own.iter().filter(|m| m.cands.iter().any(|c| self.level(c) == level))
                {
                    f.reject(m.name.clone(), Some(m.clue.clone()), "not the report's level");
                }
                for (p, _) in below.into_iter().take(2) {
                    let c = Cand::Known(*p);
                    f.reject(
                        self.g.name_of(*p),
                        self.clue_for(&c),
                        format!("only mentioned: the report speaks as {}", level_word(best_level)),
                    );
                }
            } else {
                // Places above the level that are not on the chain.
                let chain = self.ancestors(best);
                for m in &self.own {
                    for c in m.cands.iter().filter(|c| self.level(c) == level) {
                        if !matches!(c, Cand::Known(p) if chain.contains(p)) {
                            f.reject(
                                cand_name(self.g, c),
                                Some(m.clue.clone()),
                                format!("not above {}", cand_name(self.g, best)),
                            );
                        }
                    }
                }
                for (p, part) in &self.path {
                    if Gazetteer::level_of(*p) == level && !chain.contains(p) {
                        f.reject(
                            self.g.name_of(*p),
                            Some(Clue::note(Source::Path, part.clone())),
                            format!("a path clue, not above {}", cand_name(self.g, best)),
                        );
                    }
                }
            }
            match level {
                Level::Province => out.province = f,
                Level::City => out.city = f,
                Level::County => out.county = f,
                _ => out.township = f,
            }
        }
        // Readings of the level that lost.
        for (s, clue) in &self.suffixes {
            if !answers(cand_name(self.g, best), s) {
                out.level.reject(
                    format!("{s} (government word)"),
                    Some(clue.clone()),
                    format!("{} answers to another government word", cand_name(self.g, best)),
                );
            }
        }
        if let Some((s, clue)) = self.selfrefs.dominant(self.body_text) {
            if !answers(cand_name(self.g, best), s) && !self.own.is_empty() {
                out.level.reject(
                    format!("{s} (self-references)"),
                    Some(clue),
                    "the report's own voice names its place",
                );
            }
        }
    }

    fn explain_nothing(&self, out: &mut Resolved) {
        let mut top: Vec<(&Place, &Count)> = self.body.iter().filter(|(_, c)| c.n >= 1.0).collect();
        top.sort_by(|a, b| b.1.n.total_cmp(&a.1.n).then(a.0.cmp(b.0)));
        for (p, c) in top.into_iter().take(3) {
            let f = match Gazetteer::level_of(*p) {
                Level::Province => &mut out.province,
                Level::City => &mut out.city,
                Level::County => &mut out.county,
                _ => &mut out.township,
            };
            f.reject(
                self.g.name_of(*p),
                c.first.map(|at| self.body_clue(at)),
                "only mentioned; the report names no government of its own",
            );
        }
    }

    /// The clue of a mention in the body, at a byte offset.
    fn body_clue(&self, at: usize) -> Clue {
        let (line, text, off) = self.body_text.line_at(at);
        Clue::on_line(Source::Body, line, text, off)
    }

    /// A candidate with enough of its chain to tell it from namesakes.
    fn describe(&self, c: &Cand) -> String {
        let l = self.chain(c);
        [l.province, l.city, l.county, l.township]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("›")
    }
}

/// A candidate with its support.
#[derive(Debug, Clone)]
struct Scored {
    /// Support from the report's own voice.
    voice: f64,
    /// Support from the body and the path.
    text: f64,
    /// The part of `text` that is the candidate's own mentions.
    own: f64,
    cand: Cand,
}

/// How the candidates were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Named,
    Voice,
    SelfRefs,
    Path,
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::National => "the State Council",
        Level::Province => "a province",
        Level::City => "a city",
        Level::County => "a county",
        Level::Township => "a township",
    }
}

fn cand_name<'x>(g: &'x Gazetteer, c: &'x Cand) -> &'x str {
    match c {
        Cand::Known(p) => g.name_of(*p),
        Cand::NewTownship(_, n) => n,
    }
}

fn agree<T: PartialEq>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) if a == b => Some(a),
        _ => None,
    }
}

/// Is the name at `text[start..end]` followed by a newspaper's or a
/// station's name (`河北日报`)?
fn is_media(text: &str, end: usize) -> bool {
    MEDIA.iter().any(|m| text[end..].starts_with(m))
}

/// The names in one own-voice clue, with the townships the gazetteer
/// lacks that the clue writes after their county (`渠县新兴镇`).
fn own_mentions(g: &Gazetteer, v: &VoiceClue) -> Vec<Mention> {
    let text = &v.text[v.scan.clone()];
    let mut out: Vec<Mention> = Vec::new();
    let mut last_counties: Option<(usize, Vec<u32>)> = None;
    // Names like `郊区`, `城区` count in a chain written out (`郊区大通镇`).
    let found: Vec<(usize, usize, NameRef)> = g.matches(text, true).collect();
    for (i, &(s, e, name)) in found.iter().enumerate() {
        let start_known = i > 0 && found[i - 1].1 == s;
        let end_known = found.get(i + 1).is_some_and(|n| n.0 == e);
        if name.is_path_only() && !(start_known || end_known) {
            continue;
        }
        if is_media(text, e)
            || !boundary::accepted_between(text, s, e, Kind::Name, start_known, end_known)
        {
            continue;
        }
        let mut cands: Vec<Cand> = name.places().iter().map(|p| Cand::Known(*p)).collect();
        // A township written right after a county it is not in: the text
        // gives the chain (`渠县新兴镇` when 渠县 has no 新兴镇 in the gazetteer).
        if let Some((end, counties)) = &last_counties {
            if *end == s && name.places().iter().all(|p| matches!(p, Place::Township(_))) {
                let inside: Vec<Cand> = counties
                    .iter()
                    .filter_map(|c| g.township_in(*c, name.name()).map(Cand::Known))
                    .collect();
                cands = if inside.is_empty() {
                    counties
                        .iter()
                        .map(|c| Cand::NewTownship(*c, name.name().to_string()))
                        .collect()
                } else {
                    inside
                };
            }
        }
        let counties: Vec<u32> = name
            .places()
            .iter()
            .filter_map(|p| if let Place::County(c) = p { Some(*c) } else { None })
            .collect();
        last_counties = (!counties.is_empty()).then_some((e, counties.clone()));
        if !counties.is_empty() {
            if let Some((n, len)) = unknown_township(g, &text[e..]) {
                let _ = len;
                out.push(mention(
                    v,
                    s,
                    name,
                    counties.iter().map(|c| Cand::Known(Place::County(*c))).collect(),
                ));
                out.push(Mention {
                    cands: counties.iter().map(|c| Cand::NewTownship(*c, n.clone())).collect(),
                    name: n,
                    clue: Clue::on_line(v.source, v.line, v.text, v.scan.start + e),
                    weight: weight(v.source),
                });
                last_counties = None;
                continue;
            }
        }
        out.push(mention(v, s, name, cands));
    }
    out
}

fn mention(v: &VoiceClue, s: usize, name: NameRef, cands: Vec<Cand>) -> Mention {
    Mention {
        cands,
        name: name.name().to_string(),
        clue: Clue::on_line(v.source, v.line, v.text, v.scan.start + s),
        weight: weight(v.source),
    }
}

/// A township name the gazetteer does not know, right at the start of
/// `rest` (after a county): one to six ideographs and 镇/乡/街道/苏木,
/// ending where a government word, a year or the clue ends. Returns the
/// name and its byte length.
fn unknown_township(g: &Gazetteer, rest: &str) -> Option<(String, usize)> {
    const ENDS: [&str; 4] = ["街道", "苏木", "镇", "乡"];
    const AFTER: [&str; 8] = ["人民政府", "委员会", "党委", "政府", "关于", "法治", "年度", "工作"];
    for (n, (i, c)) in rest.char_indices().enumerate() {
        if !is_han(c) || n > 7 {
            return None;
        }
        let head = &rest[..i + c.len_utf8()];
        let Some(suffix) = ENDS.iter().find(|s| head.ends_with(**s)) else {
            continue;
        };
        let stem = head.chars().count() - suffix.chars().count();
        if !(1..=6).contains(&stem) {
            continue;
        }
        let after = &rest[head.len()..];
        let ends_here = after.is_empty()
            || !after.chars().next().is_some_and(is_han)
            || AFTER.iter().any(|w| after.starts_with(w));
        if !ends_here {
            continue;
        }
        // A known township here is found by the gazetteer scan itself.
        if g.entry(head).is_some() || head.starts_with(['全', '我', '本', '各', '乡']) {
            return None;
        }
        return Some((head.to_string(), head.len()));
    }
    None
}

/// Is a short name an ordinary word ([`boundary::ordinary_word`])? Asked
/// of jieba once per name and process, the answers kept for all threads.
fn ordinary(g: &Gazetteer, name: NameRef) -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    use std::sync::OnceLock;
    static KNOWN: OnceLock<Vec<AtomicU8>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| (0..g.name_count()).map(|_| AtomicU8::new(0)).collect());
    let Some(slot) = known.get(name.id as usize) else {
        return boundary::ordinary_word(name.name());
    };
    match slot.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let yes = boundary::ordinary_word(name.name());
            slot.store(if yes { 1 } else { 2 }, Ordering::Relaxed);
            yes
        }
    }
}

/// A hasher for small integer keys (name ids): the maps below are
/// touched once per name found in a report.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<V> = HashMap<u32, V, std::hash::BuildHasherDefault<IdHasher>>;
/// The same for places.
type PlaceMap<V> = HashMap<Place, V, std::hash::BuildHasherDefault<IdHasher>>;

/// Every place the body names at a word boundary, with an estimated count,
/// and per place the count of its units' mentions.
fn body_counts(g: &Gazetteer, body: Body) -> (PlaceMap<Count>, PlaceMap<f64>) {
    #[derive(Default)]
    struct Stat {
        total: u32,
        checked: u32,
        ok: u32,
        first: Option<usize>,
    }
    let mut stats: IdMap<(Stat, NameRef)> = IdMap::default();
    let mut prev_end = usize::MAX;
    let mut it = g.matches(body.text, false).peekable();
    while let Some((s, e, name)) = it.next() {
        let start_known = prev_end == s;
        prev_end = e;
        if body.is_excluded(s) {
            continue;
        }
        let (st, _) = stats.entry(name.id).or_insert_with(|| (Stat::default(), name));
        st.total += 1;
        if st.checked == 0 && name.is_short() && ordinary(g, name) {
            // `合作` (合作市), `振兴` (振兴区), `东方` (东方市): a verb, an
            // adjective or a direction before it is a place.
            st.checked = SAMPLE;
        }
        if st.checked < SAMPLE {
            st.checked += 1;
            let end_known = it.peek().is_some_and(|n| n.0 == e);
            let kind = if name.is_short() { Kind::ShortName } else { Kind::Name };
            if !is_media(body.text, e)
                && boundary::accepted_between(body.text, s, e, kind, start_known, end_known)
            {
                st.ok += 1;
                st.first.get_or_insert(s);
            }
        }
    }
    let mut counts: PlaceMap<Count> = PlaceMap::default();
    for (st, name) in stats.into_values() {
        if st.ok == 0 {
            continue;
        }
        let n = f64::from(st.total) * f64::from(st.ok) / f64::from(st.checked);
        let first = st.first;
        for p in name.places() {
            let c = counts.entry(*p).or_default();
            c.n += n;
            if !name.is_short() || g.name_of(*p) == name.name() {
                c.full += n;
            }
            if c.first.is_none() {
                c.first = first;
            }
        }
    }
    let mut below: PlaceMap<f64> = PlaceMap::default();
    for (p, c) in &counts {
        for a in g.ancestors(*p) {
            *below.entry(a).or_default() += c.n.min(20.0);
        }
    }
    (counts, below)
}

/// The places the path names, with the part that names them.
fn path_mentions(g: &Gazetteer, path: &str) -> PlaceMap<String> {
    let mut out = PlaceMap::default();
    for part in path_parts(path) {
        if let Some(e) = g.entry(part) {
            for p in e.places() {
                out.entry(*p).or_insert_with(|| part.to_string());
            }
            continue;
        }
        for (_, _, name) in g.matches(part, true) {
            for p in name.places() {
                out.entry(*p).or_insert_with(|| part.to_string());
            }
        }
    }
    out
}

/// The parts of a relative path worth matching: folder names and the file
/// stem, each also split at `-`, `_`, spaces and dots (`2020-闵行区七宝镇-…`).
fn path_parts(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let segs: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    for (i, seg) in segs.iter().enumerate() {
        let seg = if i + 1 == segs.len() {
            seg.rsplit_once('.').map_or(*seg, |(stem, _)| stem)
        } else {
            seg
        };
        parts.push(seg);
        let pieces: Vec<&str> =
            seg.split(['-', '_', ' ', '.', '—']).filter(|s| !s.is_empty()).collect();
        if pieces.len() > 1 {
            parts.extend(pieces);
        }
    }
    parts
}

/// The self-references of a text (`我镇`, `全县`, `本市`), per government
/// word: `我…` and `本…` when the text has any, else `全…`.
#[derive(Debug, Clone, Default)]
struct SelfRefs {
    /// (word, count, first accepted byte offset)
    counts: Vec<(&'static str, f64, Option<usize>)>,
    /// The counts are of `我…` / `本…`.
    speaks: bool,
}

/// The government words of self-references, and their level order.
const SELF_WORDS: [&str; 11] =
    ["街道", "苏木", "镇", "乡", "县", "区", "旗", "市", "州", "盟", "省"];

fn self_references(body: Body) -> SelfRefs {
    let text = body.text;
    /// Occurrences of one self-reference: all, checked, accepted, first.
    #[derive(Default)]
    struct Seen {
        total: u32,
        checked: u32,
        ok: u32,
        first: Option<usize>,
    }
    let mut seen: HashMap<(&'static str, char), Seen> = HashMap::new();
    for (i, c) in text.char_indices() {
        if !matches!(c, '我' | '全' | '本') {
            continue;
        }
        let rest = &text[i + c.len_utf8()..];
        let Some(w) = SELF_WORDS.iter().find(|w| rest.starts_with(**w)) else {
            continue;
        };
        if body.is_excluded(i) {
            continue;
        }
        let e = (*w, c);
        let st = seen.entry(e).or_default();
        st.total += 1;
        if st.checked < 6 {
            st.checked += 1;
            let end = i + c.len_utf8() + w.len();
            if boundary::accepted(text, i, end, Kind::SelfRef) {
                st.ok += 1;
                st.first.get_or_insert(i);
            }
        }
    }
    // `我州`, `本区` say who speaks; `全省`, `全市` are as often said of
    // the parent (`位居全省前列` in a city's report): they count only
    // when the text never says `我…` or `本…`.
    let speaks = seen.iter().any(|((_, c), st)| *c != '全' && st.ok > 0);
    let mut counts: Vec<(&'static str, f64, Option<usize>)> = Vec::new();
    for ((w, c), Seen { total, checked, ok, first }) in seen {
        if ok == 0 || (speaks && c == '全') {
            continue;
        }
        let n = f64::from(total) * f64::from(ok) / f64::from(checked);
        match counts.iter_mut().find(|x| x.0 == w) {
            Some(x) => {
                x.1 += n;
                x.2 = match (x.2, first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => counts.push((w, n, first)),
        }
    }
    counts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    SelfRefs { counts, speaks }
}

impl SelfRefs {
    /// The government word the text calls itself by, if one clearly
    /// dominates (at least 3 weighted self-references, and half again as
    /// many as the next), with its first occurrence as the clue.
    fn dominant(&self, body: Body) -> Option<(&'static str, Clue)> {
        let (w, n, first) = *self.counts.first()?;
        let second = self.counts.get(1).map_or(0.0, |x| x.1);
        // One `我州` says who speaks; `全…` needs a few.
        let least = if self.speaks { 1.0 } else { 2.0 };
        if n < least || n < 1.5 * second {
            return None;
        }
        let summary: Vec<String> =
            self.counts.iter().take(3).map(|(w, n, _)| format!("{w} ×{}", n.round())).collect();
        let clue = match first {
            Some(at) => {
                let (line, text, off) = body.line_at(at);
                let mut c = Clue::on_line(Source::SelfReference, line, text, off);
                c.text = format!("{} ({})", c.text, summary.join(", "));
                c
            }
            None => Clue::note(Source::SelfReference, summary.join(", ")),
        };
        Some((w, clue))
    }
}

/// The excerpt of a line around a byte offset (for tests and callers that
/// build clues by hand).
pub fn line_excerpt(line: &str, at: usize) -> String {
    excerpt(line, at, 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolves with own-voice clues `(source, text, government word)`.
    fn run(voices: &[(Source, &str, Option<&'static str>)], body: &str, path: &str) -> Resolved {
        let starts: Vec<usize> =
            std::iter::once(0).chain(body.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let clues: Vec<VoiceClue> = voices
            .iter()
            .map(|(source, text, suffix)| VoiceClue {
                source: *source,
                line: 1,
                text,
                scan: 0..text.len(),
                suffix: *suffix,
            })
            .collect();
        let body = Body { text: body, line_starts: &starts, excluded: &[] };
        resolve(Gazetteer::bundled(), &clues, body, path)
    }

    fn titled(title: &str, body: &str, path: &str) -> Locality {
        run(&[(Source::Title, title, None)], body, path).locality
    }

    #[test]
    fn chengguan_alone_is_ambiguous() {
        let loc = titled(
            "城关镇2023年法治政府建设年度报告",
            "现将我镇2023年法治政府建设情况报告如下。",
            "",
        );
        assert_eq!(loc.township.as_deref(), Some("城关镇"));
        assert_eq!((loc.county, loc.city, loc.province), (None, None, None));
        assert_eq!(loc.level, Some(Level::Township));
    }

    #[test]
    fn short_county_name_in_title() {
        // `渠县` is two characters, but trusted in the report's own voice.
        let loc = run(&[(Source::Issuer, "中共渠县有庆镇委员会", None)], "", "").locality;
        assert_eq!(loc.city.as_deref(), Some("达州市"));
        assert_eq!(loc.county.as_deref(), Some("渠县"));
        assert_eq!(loc.township.as_deref(), Some("有庆镇"));
    }

    #[test]
    fn weak_names_in_running_text() {
        // `提高县级` is not 高县, `市和县` not 和县; and nothing speaks.
        let loc = titled("", "全县要提高县级统筹能力，省、市和县三级联动，全县上下一心。", "");
        assert_eq!(loc, Locality::default());
    }

    #[test]
    fn district_from_delivery_line() {
        let loc = run(
            &[(Source::Delivery, "海拉尔区", Some("区"))],
            "全区经济持续发展。",
            "encodings-raw/hailar-district-gwr-2012.gb18030.txt",
        )
        .locality;
        assert_eq!(loc.county.as_deref(), Some("海拉尔区"));
        assert_eq!(loc.city.as_deref(), Some("呼伦贝尔市"));
        assert_eq!(loc.province.as_deref(), Some("内蒙古自治区"));
        assert_eq!(loc.level, Some(Level::County));
    }

    #[test]
    fn folders_are_a_clue() {
        // The text names 燕山乡 only: the path tells which one.
        let loc =
            titled("燕山乡关于2021年法治政府建设情况的报告", "", "重庆市/万州区/燕山乡-2021.txt");
        assert_eq!(loc.province.as_deref(), Some("重庆市"));
        assert_eq!(loc.county.as_deref(), Some("万州区"));
        assert_eq!(loc.township.as_deref(), Some("燕山乡"));
    }

    #[test]
    fn a_path_never_beats_the_text() {
        // The file is named after 安新县 (保定), the text is 新安县 (洛阳).
        let body =
            "新安成功跻身全国百强县。新安荣膺河南省肉羊大县。洛阳市委、市政府。新安经开区获评。";
        let r =
            run(&[(Source::SelfName, "县", Some("县"))], body, "124-安新县2024年政府工作报告.txt");
        assert_eq!(r.locality.county.as_deref(), Some("新安县"));
        assert_eq!(r.locality.city.as_deref(), Some("洛阳市"));
        assert!(r.county.rejected.iter().any(|x| x.value.contains("安新县")), "{:?}", r.county);
    }

    #[test]
    fn township_missing_from_the_gazetteer_keeps_its_chain() {
        let loc = titled("四川省达州市渠县新兴镇2023年法治政府建设年度报告", "", "");
        assert_eq!(loc.township.as_deref(), Some("新兴镇"));
        assert_eq!(loc.county.as_deref(), Some("渠县"));
        assert_eq!(loc.city.as_deref(), Some("达州市"));
        assert_eq!(loc.province.as_deref(), Some("四川省"));
        assert_eq!(loc.level, Some(Level::Township));
    }

    #[test]
    fn government_words() {
        // `全州` and `全盟` are city-level; `全区` of an autonomous region is
        // the region.
        let loc = run(
            &[],
            "我州经济稳步增长，黔南各族人民团结奋斗。建设美丽黔南，推动黔南在贵州高质量发展中走前列。",
            "",
        )
        .locality;
        assert_eq!(loc.city.as_deref(), Some("黔南布依族苗族自治州"));
        assert_eq!(loc.level, Some(Level::City));
        let loc = run(
            &[(Source::SelfName, "", Some("盟"))],
            "锡林郭勒草原，锡林郭勒盟委。锡林郭勒羊。",
            "",
        )
        .locality;
        assert_eq!(loc.city.as_deref(), Some("锡林郭勒盟"));
        assert_eq!(loc.level, Some(Level::City));
        let loc = run(&[], "全区各族人民，新疆发展，新疆维吾尔自治区党委，全区上下。天山区。", "")
            .locality;
        assert_eq!(loc.province.as_deref(), Some("新疆维吾尔自治区"));
        assert_eq!(loc.level, Some(Level::Province));
    }

    #[test]
    fn media_are_not_places() {
        // `河北日报` is neither 河北省 nor 天津市河北区.
        let loc = titled("政府工作报告", "据河北日报报道，河北日报记者。", "");
        assert_eq!(loc, Locality::default());
    }
}
