//! `diff`: what a report kept from another — passages aligned, then
//! compared character by character.
//!
//! Township and county reports are often written by editing last year's
//! file: most paragraphs come back verbatim or with new figures, some move,
//! some are split or merged, some are new. [`align`] recovers that history
//! from the two texts in four steps, all on normalized text (SPEC §2, so a
//! re-spaced `政 府` or full-width digits are not changes):
//!
//! 1. **Similarity.** Two passages are compared by the Dice coefficient of
//!    their character-bigram multisets, `2 |X ∩ Y| / (|X| + |Y|)` (Dice
//!    1945; bigrams rather than jieba words, because an edited figure or a
//!    re-segmented phrase must not hide that the rest of the sentence is
//!    unchanged). Pairs below [`MATCH`] (0.5) are unrelated.
//! 2. **Backbone.** A dynamic programme over the two passage sequences (an
//!    LCS in which a pair's weight is its similarity) picks the in-order
//!    pairs with the largest total similarity: `identical` when the
//!    normalized texts are equal, else `changed`.
//! 3. **Moved.** Any pair left with a similarity ≥ [`MATCH`] must cross the
//!    backbone (otherwise the programme would have taken it, since every
//!    weight is positive): those pairs, best first, are `moved`.
//! 4. **Split and merged.** A paragraph that was cut in two gives one A
//!    passage whose bigrams are shared between two consecutive B passages.
//!    A pair grows by an unpaired neighbour of its B passage when at least
//!    [`PIECE`] (60%) of the neighbour's bigrams are found in what the A
//!    passage has not yet matched (its bigram *containment*) — which
//!    always raises the Dice of the whole; the pair becomes `split` (one A,
//!    several B) or, symmetrically, `merged`. An A passage still unpaired
//!    may also match a run of unpaired B passages that none alone
//!    resembles enough.
//!
//! Whatever is left is `only_a` (deleted) or `only_b` (new).
//!
//! # Long reports
//!
//! Steps 1–3 compare every passage of A with every passage of B, which is
//! what we do while the reports have at most [`DENSE_PAIRS`] pairs of
//! passages (500 × 500; a township report has fewer than 200). Beyond
//! that the work and memory would grow with the product (two reports of
//! 10,000 passages took up to 98 s and 1.6 GB, issue #9), so the
//! alignment becomes sparse:
//!
//! - **Candidates.** Each A passage is compared only with the B passages
//!   that share most of its *rare* bigrams — those found in at most
//!   [`MAX_POSTINGS`] passages of the two reports (an inverted index over
//!   B) — at most [`MAX_CANDIDATES`] of them, plus as many B passages with
//!   exactly its normalized text (the k-th copy of a repeated heading
//!   those near the k-th copy in B).
//! - **Backbone.** The same optimum as the dynamic programme, over the
//!   candidate pairs only: the heaviest chain of pairs increasing in both
//!   reports (sorted by A, a Fenwick tree of maxima over B), in
//!   O(P log P) for P pairs.
//! - **Moved, split and merged** consider the candidate pairs (and, for a
//!   run of pieces, the candidates of the passage) instead of every pair.
//!
//! The work is then linear in the size of the reports (times the caps),
//! and the result is the dense one whenever every similar pair shares a
//! rare bigram. The fallback's price: two passages that share only
//! bigrams frequent across the reports (boilerplate repeated more than
//! [`MAX_POSTINGS`] times, with edits) are not paired, and show as deleted
//! and new.
//!
//! Each unit is then diffed character by character with the `similar`
//! crate (Myers, with a deadline so a pathological pair cannot stall the
//! command). Char-level diffs of rewritten Chinese text are confetti (the
//! shared 的 and 了 of two different sentences match), so equal runs
//! shorter than [`MIN_EQUAL`] characters between two changes are folded
//! into the change, as diff-match-patch's semantic cleanup does. The ops
//! carry the *original* text (what the user reads), cut at the positions
//! that correspond to the normalized comparison.
//!
//! # Carried over
//!
//! The summary answers "how much of B was already in A": `carried_chars_b`
//! counts the normalized characters of B in `equal` ops of units whose
//! similarity is at least [`CARRIED`] (0.8) — verbatim or nearly so; a
//! paragraph rewritten to a lower similarity contributes nothing, even if
//! some words survive. `carried_share = carried_chars_b / chars_b`, where
//! `chars_b` counts the normalized characters of all of B's passages.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::{Duration, Instant};

use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

use crate::text::Normalized;

/// Minimum bigram Dice similarity for two passages to be paired.
pub const MATCH: f64 = 0.5;
/// Minimum bigram containment for a neighbouring passage to join a pair as
/// a piece of a split or merged paragraph.
pub const PIECE: f64 = 0.6;
/// Minimum similarity of a unit for its equal characters to count as
/// carried over ("nearly verbatim").
pub const CARRIED: f64 = 0.8;
/// Equal runs shorter than this between two changes are folded into the
/// change (readability of char-level diffs of Chinese text).
pub const MIN_EQUAL: usize = 3;
/// At most this many passages on the multiple side of a split or merge.
const MAX_PIECES: usize = 8;
/// Up to this many pairs of passages (n·m), every pair is compared; above
/// it the alignment is sparse (see the module docs, "Long reports").
pub const DENSE_PAIRS: usize = 250_000;
/// In a sparse alignment, a bigram found in more than this many passages
/// of the two reports does not make two passages candidates.
pub const MAX_POSTINGS: usize = 50;
/// In a sparse alignment, each A passage is compared with at most this
/// many B passages (those sharing most rare bigrams with it), plus as many
/// with its exact text (those nearest its rank among its twins).
pub const MAX_CANDIDATES: usize = 20;
/// Time budget of one character diff.
const DIFF_BUDGET: Duration = Duration::from_millis(200);

/// How a unit of the alignment relates A to B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Same normalized text, in order.
    Identical,
    /// Similar, in order, edited.
    Changed,
    /// Similar, but out of order (moved to another place).
    Moved,
    /// One passage of A became several consecutive passages of B.
    Split,
    /// Several consecutive passages of A became one passage of B.
    Merged,
    /// Only in A: deleted.
    OnlyA,
    /// Only in B: new.
    OnlyB,
}

impl Status {
    /// The name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Identical => "identical",
            Status::Changed => "changed",
            Status::Moved => "moved",
            Status::Split => "split",
            Status::Merged => "merged",
            Status::OnlyA => "only_a",
            Status::OnlyB => "only_b",
        }
    }
}

/// The kind of a diff op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Text in both (shown as it reads in B).
    Equal,
    /// Text only in A.
    Delete,
    /// Text only in B.
    Insert,
}

impl OpKind {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Equal => "equal",
            OpKind::Delete => "delete",
            OpKind::Insert => "insert",
        }
    }
}

/// One diff op: a stretch of original text and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Equal, deleted or inserted.
    pub kind: OpKind,
    /// The original text (the passages of a split or merge joined by a
    /// blank line, `\n\n`).
    pub text: String,
}

/// One aligned unit: passages of A, passages of B, and how they relate.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// What happened.
    pub status: Status,
    /// Indices into A's passages (empty for `only_b`), ascending.
    pub a: Vec<usize>,
    /// Indices into B's passages (empty for `only_a`), ascending.
    pub b: Vec<usize>,
    /// Bigram Dice similarity of the joined texts (0 for `only_*`).
    pub similarity: f64,
    /// The character diff from A's text to B's text: a single `equal` op
    /// for `identical`, a single `delete` for `only_a`, a single `insert`
    /// for `only_b`.
    pub ops: Vec<Op>,
    /// Normalized characters of B's side of this unit.
    pub chars_b: usize,
    /// Of those, in `equal` ops of a unit with similarity ≥ [`CARRIED`].
    pub carried_chars_b: usize,
}

/// The alignment of two reports.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Alignment {
    /// The units, in reading order of B (deleted passages where they stood
    /// relative to their A neighbours).
    pub units: Vec<Unit>,
    /// Normalized characters of all of B.
    pub chars_b: usize,
    /// Normalized characters of B carried over from A (see the module docs).
    pub carried_chars_b: usize,
}

impl Alignment {
    /// `carried_chars_b / chars_b` (1 for an empty B).
    pub fn carried_share(&self) -> f64 {
        if self.chars_b == 0 {
            1.0
        } else {
            self.carried_chars_b as f64 / self.chars_b as f64
        }
    }

    /// Units with this status.
    pub fn count(&self, status: Status) -> usize {
        self.units.iter().filter(|u| u.status == status).count()
    }
}

/// A passage prepared for comparison.
struct Prepared {
    /// The original text.
    orig: String,
    /// Normalized text with the map back to the original.
    norm: Normalized,
    /// Sorted character bigrams of the normalized text (a single character
    /// is its own "bigram").
    bigrams: Vec<u64>,
}

impl Prepared {
    fn new(text: &str) -> Prepared {
        let norm = Normalized::new(text);
        let bigrams = bigrams(&norm.text);
        Prepared { orig: text.to_string(), norm, bigrams }
    }
}

/// The sorted multiset of character bigrams of `text`, each packed in a
/// `u64`; one pseudo-bigram for a one-character text.
pub fn bigrams(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().collect();
    let mut v: Vec<u64> = match chars.len() {
        0 => Vec::new(),
        1 => vec![(chars[0] as u64) << 32],
        _ => chars.windows(2).map(|w| (w[0] as u64) << 32 | w[1] as u64).collect(),
    };
    v.sort_unstable();
    v
}

/// Size of the multiset intersection of two sorted multisets.
fn intersection(x: &[u64], y: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// `x − y` on sorted multisets.
fn difference(x: &[u64], y: &[u64]) -> Vec<u64> {
    let (mut out, mut j) = (Vec::with_capacity(x.len()), 0);
    for &v in x {
        while j < y.len() && y[j] < v {
            j += 1;
        }
        if j < y.len() && y[j] == v {
            j += 1;
        } else {
            out.push(v);
        }
    }
    out
}

/// Dice coefficient of two sorted bigram multisets (1 for two empty ones).
pub fn dice(x: &[u64], y: &[u64]) -> f64 {
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    2.0 * intersection(x, y) as f64 / (x.len() + y.len()) as f64
}

/// Bigram similarity of two texts (normalized first).
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&bigrams(&crate::text::normalize(a)), &bigrams(&crate::text::normalize(b)))
}

/// Share of `piece`'s bigrams found in `pool` (0 for an empty piece).
fn containment(piece: &[u64], pool: &[u64]) -> f64 {
    if piece.is_empty() {
        0.0
    } else {
        intersection(piece, pool) as f64 / piece.len() as f64
    }
}

/// The merged sorted multiset of the bigrams of several passages.
fn union(ps: &[Prepared], idx: &[usize]) -> Vec<u64> {
    let mut v: Vec<u64> = idx.iter().flat_map(|&i| ps[i].bigrams.iter().copied()).collect();
    v.sort_unstable();
    v
}

/// A pairing under construction: A indices, B indices (both ascending).
#[derive(Debug, Clone)]
struct Pairing {
    a: Vec<usize>,
    b: Vec<usize>,
    moved: bool,
}

/// The similarities computed between A and B passages.
enum Sims {
    /// Every pair: `[i][j]`.
    Dense(Vec<Vec<f64>>),
    /// Per A passage, its candidates `(j, similarity)`, ascending `j`.
    Sparse(Vec<Vec<(usize, f64)>>),
}

/// The similarity of two prepared passages (1 for equal texts).
fn pair_similarity(x: &Prepared, y: &Prepared) -> f64 {
    if x.norm.text == y.norm.text {
        1.0
    } else {
        dice(&x.bigrams, &y.bigrams)
    }
}

/// Every pair, row by row in parallel.
fn dense_sims(pa: &[Prepared], pb: &[Prepared]) -> Vec<Vec<f64>> {
    use rayon::prelude::*;
    pa.par_iter().map(|x| pb.iter().map(|y| pair_similarity(x, y)).collect()).collect()
}

/// The candidate pairs of a sparse alignment (see the module docs) with
/// their similarities.
fn sparse_sims(pa: &[Prepared], pb: &[Prepared]) -> Vec<Vec<(usize, f64)>> {
    use rayon::prelude::*;
    let distinct = |p: &Prepared| {
        let mut v = p.bigrams.clone();
        v.dedup();
        v
    };
    let da: Vec<Vec<u64>> = pa.par_iter().map(distinct).collect();
    let db: Vec<Vec<u64>> = pb.par_iter().map(distinct).collect();
    let mut df: HashMap<u64, usize> = HashMap::new();
    for g in da.iter().chain(&db).flatten() {
        *df.entry(*g).or_default() += 1;
    }
    let mut postings: HashMap<u64, Vec<usize>> = HashMap::new();
    for (j, grams) in db.iter().enumerate() {
        for g in grams {
            if df.get(g).is_some_and(|&n| n <= MAX_POSTINGS) {
                postings.entry(*g).or_default().push(j);
            }
        }
    }
    // Passages with exactly the same text: the k-th such passage of A is a
    // candidate of those of B near rank k (repeated boilerplate pairs in
    // order, as the dense alignment pairs it).
    let mut same: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, p) in pb.iter().enumerate() {
        same.entry(p.norm.text.as_str()).or_default().push(j);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let ranks: Vec<usize> = pa
        .iter()
        .map(|p| {
            let r = seen.entry(p.norm.text.as_str()).or_default();
            *r += 1;
            *r - 1
        })
        .collect();
    let half = MAX_CANDIDATES / 2;
    pa.par_iter()
        .zip(&da)
        .zip(&ranks)
        .map(|((x, grams), &rank)| {
            let mut shared: HashMap<usize, usize> = HashMap::new();
            for j in grams.iter().filter_map(|g| postings.get(g)).flatten() {
                *shared.entry(*j).or_default() += 1;
            }
            let mut ranked: Vec<(usize, usize)> = shared.into_iter().collect();
            ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut js: Vec<usize> =
                ranked.into_iter().take(MAX_CANDIDATES).map(|(j, _)| j).collect();
            if let Some(twins) = same.get(x.norm.text.as_str()) {
                let from = rank.saturating_sub(half).min(twins.len());
                let to = (rank + half + 1).min(twins.len()).max(from);
                js.extend(&twins[from..to]);
            }
            js.sort_unstable();
            js.dedup();
            js.into_iter().map(|j| (j, pair_similarity(x, &pb[j]))).collect()
        })
        .collect()
}

/// The heaviest chain of pairs `(i, j, weight)` strictly increasing in
/// both `i` and `j`: the optimum of the backbone's dynamic programme over
/// these pairs only, in O(P log P) with a Fenwick tree of prefix maxima
/// over `j`. Returns the chain's pairs in order.
fn heaviest_chain(mut pairs: Vec<(usize, usize, f64)>, m: usize) -> Vec<(usize, usize)> {
    // By A ascending, and within one A passage by B descending, so that
    // two pairs of the same A passage never chain.
    pairs.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    const NONE: usize = usize::MAX;
    // tree[k] = (best score, pair index) over a range of B positions ending
    // at k (1-based).
    let mut tree = vec![(0.0f64, NONE); m + 1];
    let better = |a: (f64, usize), b: (f64, usize)| a.0 > b.0;
    let mut parent = vec![NONE; pairs.len()];
    let mut score = vec![0.0f64; pairs.len()];
    for (k, &(_, j, w)) in pairs.iter().enumerate() {
        // The best chain ending at a B position < j (1-based positions
        // 1..=j).
        let mut best = (0.0f64, NONE);
        let mut pos = j;
        while pos > 0 {
            if better(tree[pos], best) {
                best = tree[pos];
            }
            pos &= pos - 1;
        }
        score[k] = best.0 + w;
        parent[k] = best.1;
        let mut pos = j + 1;
        while pos <= m {
            if better((score[k], k), tree[pos]) {
                tree[pos] = (score[k], k);
            }
            pos += pos & pos.wrapping_neg();
        }
    }
    let Some(mut k) = (0..pairs.len()).reduce(|a, b| if score[b] > score[a] { b } else { a })
    else {
        return Vec::new();
    };
    let mut chain = Vec::new();
    loop {
        chain.push((pairs[k].0, pairs[k].1));
        if parent[k] == NONE {
            break;
        }
        k = parent[k];
    }
    chain.reverse();
    chain
}

/// Aligns the passages of report A with those of report B (original
/// texts, in order) and diffs each unit. See the module docs.
pub fn align(a: &[&str], b: &[&str]) -> Alignment {
    align_in(a, b, a.len().saturating_mul(b.len()) <= DENSE_PAIRS)
}

/// [`align`], comparing every pair (`dense`) or the candidates only.
fn align_in(a: &[&str], b: &[&str], dense: bool) -> Alignment {
    use rayon::prelude::*;
    let pa: Vec<Prepared> = a.par_iter().map(|t| Prepared::new(t)).collect();
    let pb: Vec<Prepared> = b.par_iter().map(|t| Prepared::new(t)).collect();
    let (n, m) = (pa.len(), pb.len());

    // 1. Similarities: every pair, or the candidates.
    let sims =
        if dense { Sims::Dense(dense_sims(&pa, &pb)) } else { Sims::Sparse(sparse_sims(&pa, &pb)) };

    // 2. The backbone.
    let mut pairings: Vec<Pairing> = Vec::new();
    match &sims {
        Sims::Dense(sim) => {
            // best[i][j] = the best total similarity aligning a[i..] with
            // b[j..] in order.
            let mut best = vec![vec![0.0f64; m + 1]; n + 1];
            for i in (0..n).rev() {
                for j in (0..m).rev() {
                    let mut v = best[i + 1][j].max(best[i][j + 1]);
                    if sim[i][j] >= MATCH {
                        v = v.max(best[i + 1][j + 1] + sim[i][j]);
                    }
                    best[i][j] = v;
                }
            }
            let (mut i, mut j) = (0, 0);
            while i < n && j < m {
                if sim[i][j] >= MATCH && best[i][j] == best[i + 1][j + 1] + sim[i][j] {
                    pairings.push(Pairing { a: vec![i], b: vec![j], moved: false });
                    i += 1;
                    j += 1;
                } else if best[i][j] == best[i + 1][j] {
                    i += 1;
                } else {
                    j += 1;
                }
            }
        }
        Sims::Sparse(rows) => {
            let similar: Vec<(usize, usize, f64)> = rows
                .iter()
                .enumerate()
                .flat_map(|(i, row)| row.iter().map(move |&(j, s)| (i, j, s)))
                .filter(|p| p.2 >= MATCH)
                .collect();
            pairings.extend(heaviest_chain(similar, m).into_iter().map(|(i, j)| Pairing {
                a: vec![i],
                b: vec![j],
                moved: false,
            }));
        }
    }
    let mut used_a = vec![false; n];
    let mut used_b = vec![false; m];
    for p in &pairings {
        used_a[p.a[0]] = true;
        used_b[p.b[0]] = true;
    }

    // 3. Moved: the remaining similar pairs, best first.
    let mut rest: Vec<(f64, usize, usize)> = match &sims {
        Sims::Dense(sim) => (0..n)
            .filter(|&i| !used_a[i])
            .flat_map(|i| (0..m).filter(|&j| !used_b[j]).map(move |j| (i, j)))
            .filter(|&(i, j)| sim[i][j] >= MATCH)
            .map(|(i, j)| (sim[i][j], i, j))
            .collect(),
        Sims::Sparse(rows) => rows
            .iter()
            .enumerate()
            .filter(|&(i, _)| !used_a[i])
            .flat_map(|(i, row)| row.iter().map(move |&(j, s)| (s, i, j)))
            .filter(|&(s, _, j)| s >= MATCH && !used_b[j])
            .collect(),
    };
    rest.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    for (_, i, j) in rest {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            pairings.push(Pairing { a: vec![i], b: vec![j], moved: true });
        }
    }

    // The passages a run of pieces may be made of: all of them, or the
    // candidates (both ways) in a sparse alignment.
    let (cand_b, cand_a): (Vec<Vec<usize>>, Vec<Vec<usize>>) = match &sims {
        Sims::Dense(_) => (Vec::new(), Vec::new()),
        Sims::Sparse(rows) => {
            let mut of_b = vec![Vec::new(); m];
            for (i, row) in rows.iter().enumerate() {
                for &(j, _) in row {
                    of_b[j].push(i);
                }
            }
            (rows.iter().map(|row| row.iter().map(|&(j, _)| j).collect()).collect(), of_b)
        }
    };
    let dense = matches!(sims, Sims::Dense(_));
    drop(sims);

    // 4. Splits and merges: grow pairs by unpaired neighbours …
    for p in &mut pairings {
        if !grow(&pb, &pa, &mut p.b, p.a[0], &mut used_b) {
            grow(&pa, &pb, &mut p.a, p.b[0], &mut used_a);
        }
    }
    // … and pair what is left with runs of unpaired passages.
    for i in 0..n {
        if used_a[i] {
            continue;
        }
        let seeds = (!dense).then(|| cand_b[i].as_slice());
        if let Some(run) = best_run(&pa[i], &pb, &used_b, seeds) {
            used_a[i] = true;
            run.iter().for_each(|&j| used_b[j] = true);
            pairings.push(Pairing { a: vec![i], b: run, moved: false });
        }
    }
    for j in 0..m {
        if used_b[j] {
            continue;
        }
        let seeds = (!dense).then(|| cand_a[j].as_slice());
        if let Some(run) = best_run(&pb[j], &pa, &used_a, seeds) {
            used_b[j] = true;
            run.iter().for_each(|&i| used_a[i] = true);
            pairings.push(Pairing { a: run, b: vec![j], moved: false });
        }
    }

    // The units, diffed.
    let mut units: Vec<Unit> = pairings.par_iter().map(|p| pair_unit(&pa, &pb, p)).collect();
    units.extend((0..n).filter(|&i| !used_a[i]).map(|i| lone_unit(&pa[i], Some(i), None)));
    units.extend((0..m).filter(|&j| !used_b[j]).map(|j| lone_unit(&pb[j], None, Some(j))));
    order_units(&mut units, n);
    let chars_b = pb.iter().map(|p| p.norm.char_len()).sum();
    let carried_chars_b = units.iter().map(|u| u.carried_chars_b).sum();
    Alignment { units, chars_b, carried_chars_b }
}

/// Grows `group` (indices into `many`, the side that may have several
/// passages) by unpaired neighbours that are mostly contained in what
/// `one` has not matched yet. Returns whether it grew.
fn grow(
    many: &[Prepared],
    one_side: &[Prepared],
    group: &mut Vec<usize>,
    one: usize,
    used: &mut [bool],
) -> bool {
    let mut remainder = difference(&one_side[one].bigrams, &union(many, group));
    let mut grew = false;
    while group.len() < MAX_PIECES {
        let (first, last) = (group[0], group[group.len() - 1]);
        let left = first.checked_sub(1).filter(|&k| !used[k]);
        let right = Some(last + 1).filter(|&k| k < many.len() && !used[k]);
        let candidate = [left, right]
            .into_iter()
            .flatten()
            .map(|k| (containment(&many[k].bigrams, &remainder), k))
            .filter(|&(c, _)| c >= PIECE)
            .max_by(|x, y| x.0.total_cmp(&y.0));
        let Some((_, k)) = candidate else { break };
        used[k] = true;
        remainder = difference(&remainder, &many[k].bigrams);
        if k < first {
            group.insert(0, k);
        } else {
            group.push(k);
        }
        grew = true;
    }
    grew
}

/// The best run of at least two consecutive unpaired passages of `other`
/// that together resemble `one` (similarity ≥ [`MATCH`]), each mostly
/// contained in it. The run starts from one of `candidates` (every
/// passage of `other` when `None`).
fn best_run(
    one: &Prepared,
    other: &[Prepared],
    used: &[bool],
    candidates: Option<&[usize]>,
) -> Option<Vec<usize>> {
    // Seed with the unpaired passage most contained in `one`, then grow.
    let all: Vec<usize>;
    let candidates = match candidates {
        Some(c) => c,
        None => {
            all = (0..other.len()).collect();
            &all
        }
    };
    let mut seeds: Vec<(f64, usize)> = candidates
        .iter()
        .copied()
        .filter(|&k| !used[k])
        .map(|k| (containment(&other[k].bigrams, &one.bigrams), k))
        .filter(|&(c, _)| c >= PIECE)
        .collect();
    seeds.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    for (_, seed) in seeds.into_iter().take(3) {
        let mut used = used.to_vec();
        used[seed] = true;
        let mut group = vec![seed];
        let others = std::slice::from_ref(one);
        grow(other, others, &mut group, 0, &mut used);
        if group.len() >= 2 && dice(&one.bigrams, &union(other, &group)) >= MATCH {
            return Some(group);
        }
    }
    None
}

/// Normalized text of several passages joined, with the map back to their
/// original texts joined by a blank line.
struct Joined {
    /// Normalized characters.
    norm: Vec<char>,
    /// Original characters, passages separated by `\n\n`.
    orig: Vec<char>,
    /// For each normalized character, where its original range starts.
    starts: Vec<usize>,
}

impl Joined {
    fn new(ps: &[Prepared], idx: &[usize]) -> Joined {
        let mut j = Joined { norm: Vec::new(), orig: Vec::new(), starts: Vec::new() };
        for (n, &i) in idx.iter().enumerate() {
            if n > 0 {
                j.orig.extend(['\n', '\n']);
            }
            let offset = j.orig.len();
            let p = &ps[i];
            for (k, c) in p.norm.text.chars().enumerate() {
                j.norm.push(c);
                j.starts.push(offset + p.norm.to_original(k..k + 1).start);
            }
            j.orig.extend(p.orig.chars());
        }
        j
    }

    /// Original text for a tiling of the normalized text: each cut point
    /// maps to the start of its character's original range, the first to
    /// 0 and the last to the end, so that the pieces tile the original
    /// (whitespace that normalization dropped goes with the piece before).
    fn original(&self, range: Range<usize>) -> String {
        let cut = |p: usize| {
            if p == 0 {
                0
            } else if p >= self.norm.len() {
                self.orig.len()
            } else {
                self.starts[p]
            }
        };
        self.orig[cut(range.start)..cut(range.end)].iter().collect()
    }
}

/// A diff op on normalized character ranges.
#[derive(Debug, Clone, PartialEq)]
struct RawOp {
    kind: OpKind,
    a: Range<usize>,
    b: Range<usize>,
}

/// Character diff of normalized texts, with short equal runs folded into
/// the surrounding changes and each change as one delete then one insert.
fn char_ops(a: &[char], b: &[char]) -> Vec<RawOp> {
    let deadline = Some(Instant::now() + DIFF_BUDGET);
    let mut raw: Vec<RawOp> = Vec::new();
    for op in capture_diff_slices_deadline(Algorithm::Myers, a, b, deadline) {
        let (ra, rb) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => raw.push(RawOp { kind: OpKind::Equal, a: ra, b: rb }),
            _ => {
                if !ra.is_empty() {
                    raw.push(RawOp { kind: OpKind::Delete, a: ra.clone(), b: rb.start..rb.start });
                }
                if !rb.is_empty() {
                    raw.push(RawOp { kind: OpKind::Insert, a: ra.end..ra.end, b: rb });
                }
            }
        }
    }
    // Fold short equal runs between changes, then coalesce each change
    // region (consecutive non-equal ops) into delete + insert.
    let last = raw.len().saturating_sub(1);
    let mut out: Vec<RawOp> = Vec::new();
    let mut region: Option<(Range<usize>, Range<usize>)> = None;
    for (k, op) in raw.iter().enumerate() {
        let fold = op.kind == OpKind::Equal && k > 0 && k < last && op.a.len() < MIN_EQUAL;
        if op.kind == OpKind::Equal && !fold {
            flush(&mut out, region.take());
            out.push(op.clone());
        } else {
            let r = region.get_or_insert((op.a.start..op.a.start, op.b.start..op.b.start));
            r.0.end = op.a.end;
            r.1.end = op.b.end;
        }
    }
    flush(&mut out, region);
    out
}

fn flush(out: &mut Vec<RawOp>, region: Option<(Range<usize>, Range<usize>)>) {
    if let Some((ra, rb)) = region {
        if !ra.is_empty() {
            out.push(RawOp { kind: OpKind::Delete, a: ra.clone(), b: rb.start..rb.start });
        }
        if !rb.is_empty() {
            out.push(RawOp { kind: OpKind::Insert, a: ra.end..ra.end, b: rb });
        }
    }
}

/// A paired unit: status, similarity, ops and carried characters.
fn pair_unit(pa: &[Prepared], pb: &[Prepared], p: &Pairing) -> Unit {
    let ja = Joined::new(pa, &p.a);
    let jb = Joined::new(pb, &p.b);
    let status = if p.a.len() > 1 {
        Status::Merged
    } else if p.b.len() > 1 {
        Status::Split
    } else if p.moved {
        Status::Moved
    } else if ja.norm == jb.norm {
        Status::Identical
    } else {
        Status::Changed
    };
    let similarity =
        if ja.norm == jb.norm { 1.0 } else { dice(&union(pa, &p.a), &union(pb, &p.b)) };
    let raw = if ja.norm == jb.norm {
        vec![RawOp { kind: OpKind::Equal, a: 0..ja.norm.len(), b: 0..jb.norm.len() }]
    } else {
        char_ops(&ja.norm, &jb.norm)
    };
    let equal: usize = raw.iter().filter(|o| o.kind == OpKind::Equal).map(|o| o.b.len()).sum();
    let ops = raw
        .iter()
        .map(|o| Op {
            kind: o.kind,
            text: match o.kind {
                OpKind::Delete => ja.original(o.a.clone()),
                _ => jb.original(o.b.clone()),
            },
        })
        .filter(|o| !o.text.is_empty())
        .collect();
    Unit {
        status,
        a: p.a.clone(),
        b: p.b.clone(),
        similarity,
        ops,
        chars_b: jb.norm.len(),
        carried_chars_b: if similarity >= CARRIED { equal } else { 0 },
    }
}

/// An `only_a` or `only_b` unit.
fn lone_unit(p: &Prepared, a: Option<usize>, b: Option<usize>) -> Unit {
    let kind = if a.is_some() { OpKind::Delete } else { OpKind::Insert };
    let chars_b = if b.is_some() { p.norm.char_len() } else { 0 };
    Unit {
        status: if a.is_some() { Status::OnlyA } else { Status::OnlyB },
        a: a.into_iter().collect(),
        b: b.into_iter().collect(),
        similarity: 0.0,
        ops: vec![Op { kind, text: p.orig.clone() }],
        chars_b,
        carried_chars_b: 0,
    }
}

/// Puts units in B's reading order; a deleted passage goes right after the
/// unit holding its nearest preceding A passage (or first).
fn order_units(units: &mut [Unit], n: usize) {
    // For every A index, the B position of the unit holding it.
    let mut b_pos_of_a: Vec<Option<usize>> = vec![None; n];
    for u in units.iter() {
        if let Some(&b0) = u.b.first() {
            for &i in &u.a {
                b_pos_of_a[i] = Some(b0);
            }
        }
    }
    // For every A index, the B position of the nearest A passage before
    // it that is in a unit with B passages (linear, not a scan per unit).
    let mut before_a: Vec<Option<usize>> = vec![None; n];
    let mut last = None;
    for i in 0..n {
        before_a[i] = last;
        if b_pos_of_a[i].is_some() {
            last = b_pos_of_a[i];
        }
    }
    let key = |u: &Unit| -> (usize, usize, usize) {
        match (u.b.first(), u.a.first()) {
            (Some(&b0), a0) => (2 * b0 + 1, 0, a0.copied().unwrap_or(0)),
            (None, Some(&a0)) => {
                let before = before_a.get(a0).copied().flatten();
                (before.map_or(0, |b| 2 * b + 2), 1, a0)
            }
            (None, None) => (0, 0, 0),
        }
    };
    units.sort_by_key(key);
}

/// Counts the distinct statuses (for tests and summaries).
pub fn statuses(al: &Alignment) -> HashSet<Status> {
    al.units.iter().map(|u| u.status).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: &str = "一年来，全镇坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党中央关于法治政府建设的决策部署。";
    const P2: &str = "健全依法决策机制，严格落实重大行政决策程序规定，全年召开党委会议二十次，研究重大事项四十五项。";
    const P3: &str = "深化矛盾纠纷多元化解，坚持和发展新时代枫桥经验，全年调处各类矛盾纠纷一百二十件，调解成功率达百分之九十八。";
    const P4: &str = "加强普法宣传教育，落实谁执法谁普法责任制，开展送法进村活动三十场次，发放宣传资料五千余份。";
    const P5: &str = "推进法律顾问全覆盖，村级法律顾问参与重大事务审查，为群众提供免费法律咨询三百余人次，切实维护群众合法权益。";

    #[test]
    fn bigram_dice() {
        assert_eq!(dice(&bigrams("法律顾问"), &bigrams("法律顾问")), 1.0);
        // 法律 律顾 顾问 vs 法律 律服 服务: one shared of six.
        assert!((dice(&bigrams("法律顾问"), &bigrams("法律服务")) - 2.0 / 6.0).abs() < 1e-12);
        assert_eq!(dice(&bigrams("镇"), &bigrams("镇")), 1.0);
        assert_eq!(dice(&bigrams("镇"), &bigrams("县")), 0.0);
        assert!(similarity("政 府 工作", "政府工作") == 1.0, "normalized first");
    }

    #[test]
    fn self_alignment_is_identical() {
        let a = [P1, P2, P3];
        let al = align(&a, &a);
        assert!(al.units.iter().all(|u| u.status == Status::Identical), "{al:?}");
        assert_eq!(al.carried_share(), 1.0);
        assert_eq!(al.units.iter().map(|u| u.b[0]).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(al.units[0].ops, [Op { kind: OpKind::Equal, text: P1.into() }]);
    }

    #[test]
    fn every_status() {
        // A: P1 P2 P3 P4 P5. B: P1' (edited), P3, P4 split in two, P2
        // moved to the end, P5 deleted, a new paragraph.
        let p1_edited = P1.replace("党中央", "党中央和省委市委");
        let (p4a, p4b) = P4.split_at(P4.find("开展").unwrap());
        let new = "今年新建成镇级公共法律服务工作站一个，配备专职人民调解员两名。";
        let a = [P1, P2, P3, P4, P5];
        let b = [p1_edited.as_str(), P3, p4a, p4b, new, P2];
        let al = align(&a, &b);
        let find = |s: Status| {
            al.units
                .iter()
                .find(|u| u.status == s)
                .unwrap_or_else(|| panic!("no {s:?} in {:#?}", al.units))
        };
        let changed = find(Status::Changed);
        assert_eq!((changed.a.as_slice(), changed.b.as_slice()), (&[0][..], &[0][..]));
        assert_eq!(
            changed.ops.iter().map(|o| (o.kind, o.text.as_str())).collect::<Vec<_>>(),
            [
                (
                    OpKind::Equal,
                    "一年来，全镇坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党中央"
                ),
                (OpKind::Insert, "和省委市委"),
                (OpKind::Equal, "关于法治政府建设的决策部署。"),
            ]
        );
        let identical = find(Status::Identical);
        assert_eq!((identical.a.as_slice(), identical.b.as_slice()), (&[2][..], &[1][..]));
        let split = find(Status::Split);
        assert_eq!((split.a.as_slice(), split.b.as_slice()), (&[3][..], &[2, 3][..]));
        let moved = find(Status::Moved);
        assert_eq!((moved.a.as_slice(), moved.b.as_slice()), (&[1][..], &[5][..]));
        assert_eq!(find(Status::OnlyA).a, [4]);
        assert_eq!(find(Status::OnlyB).b, [4]);
        assert_eq!(al.units.len(), 6);
        // Carried: everything of B except the new paragraph (the edited one
        // counts its equal characters, not the five inserted).
        let chars = |s: &str| s.chars().count();
        assert_eq!(al.chars_b, b.iter().map(|s| chars(s)).sum::<usize>());
        assert_eq!(al.carried_chars_b, al.chars_b - chars(new) - chars("和省委市委"));
        // Reading order of B: 0, 1, 2+3, then the deleted P5 (after P4's
        // unit), the new one, the moved one.
        let order: Vec<Status> = al.units.iter().map(|u| u.status).collect();
        assert_eq!(
            order,
            [
                Status::Changed,
                Status::Identical,
                Status::Split,
                Status::OnlyA,
                Status::OnlyB,
                Status::Moved
            ]
        );
    }

    #[test]
    fn merge_is_split_reversed() {
        let (p4a, p4b) = P4.split_at(P4.find("开展").unwrap());
        let al = align(&[P1, p4a, p4b, P5], &[P1, P4, P5]);
        let merged: Vec<&Unit> = al.units.iter().filter(|u| u.status == Status::Merged).collect();
        assert_eq!(merged.len(), 1, "{al:#?}");
        assert_eq!((merged[0].a.as_slice(), merged[0].b.as_slice()), (&[1, 2][..], &[1][..]));
        assert_eq!(al.carried_share(), 1.0);
    }

    #[test]
    fn ops_show_original_text_and_tile_it() {
        // Whitespace and full-width forms are not changes, and the ops give
        // back B's original text exactly.
        let a = "全年调处纠纷１２０件，调解成功率９８%。";
        let b = "全年调处纠纷 150 件，调解成功率９８%。";
        let al = align(&[a], &[b]);
        let u = &al.units[0];
        assert_eq!(u.status, Status::Changed);
        let b_text: String =
            u.ops.iter().filter(|o| o.kind != OpKind::Delete).map(|o| o.text.as_str()).collect();
        assert_eq!(b_text, b);
        let a_text: String =
            u.ops.iter().filter(|o| o.kind != OpKind::Insert).map(|o| o.text.as_str()).collect();
        assert_ne!(a_text, a, "equal ops show B's wording");
        let changes: Vec<(OpKind, &str)> = u
            .ops
            .iter()
            .filter(|o| o.kind != OpKind::Equal)
            .map(|o| (o.kind, o.text.as_str()))
            .collect();
        assert_eq!(changes, [(OpKind::Delete, "２"), (OpKind::Insert, "5")]);
        assert_eq!(u.ops[0].text, "全年调处纠纷 1");
    }

    #[test]
    fn short_equal_runs_fold_into_changes() {
        let ops = char_ops(
            &"甲乙丙丁的戊己庚".chars().collect::<Vec<_>>(),
            &"子丑寅卯的辰巳午".chars().collect::<Vec<_>>(),
        );
        assert_eq!(ops.len(), 2, "{ops:?}");
        assert_eq!((ops[0].kind, ops[1].kind), (OpKind::Delete, OpKind::Insert));
    }

    #[test]
    fn unrelated_reports_share_nothing() {
        let al = align(&[P1, P2], &[P3, P4]);
        assert_eq!(al.count(Status::OnlyA), 2);
        assert_eq!(al.count(Status::OnlyB), 2);
        assert_eq!(al.carried_chars_b, 0);
    }

    /// A pseudo-random report: `n` distinct passages of random characters
    /// (from a 3,000-character alphabet, so that most bigrams are rare).
    fn random_passages(n: usize, seed: u64) -> Vec<String> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..n)
            .map(|_| {
                let len = 20 + (next() % 60) as usize;
                (0..len).map(|_| char::from_u32(0x4E00 + (next() % 3000) as u32).unwrap()).collect()
            })
            .collect()
    }

    /// B made from A: every 5th passage edited, every 7th deleted, every
    /// 9th moved to the end, every 11th split in two, a new one after
    /// every 13th.
    fn edited(a: &[String]) -> Vec<String> {
        let mut b = Vec::new();
        let mut moved = Vec::new();
        for (i, p) in a.iter().enumerate() {
            let chars: Vec<char> = p.chars().collect();
            match i {
                _ if i % 7 == 3 => {}
                _ if i % 9 == 4 => moved.push(p.clone()),
                _ if i % 5 == 1 => b.push(format!("{}改动{}", p, i)),
                _ if i % 11 == 2 && chars.len() > 30 => {
                    b.push(chars[..chars.len() / 2].iter().collect());
                    b.push(chars[chars.len() / 2..].iter().collect());
                }
                _ => b.push(p.clone()),
            }
            if i % 13 == 6 {
                b.push(format!("新增的一段文字，编号{i}，内容与任何旧段落都不相同。"));
            }
        }
        b.extend(moved);
        b
    }

    fn shape(al: &Alignment) -> Vec<(Status, Vec<usize>, Vec<usize>)> {
        al.units.iter().map(|u| (u.status, u.a.clone(), u.b.clone())).collect()
    }

    /// The sparse alignment of long reports gives the dense one's units
    /// when every similar pair shares a rare bigram.
    #[test]
    fn sparse_alignment_equals_dense() {
        for seed in 1..6 {
            let a = random_passages(120, seed);
            let b = edited(&a);
            let (ta, tb): (Vec<&str>, Vec<&str>) =
                (a.iter().map(String::as_str).collect(), b.iter().map(String::as_str).collect());
            let dense = align_in(&ta, &tb, true);
            let sparse = align_in(&ta, &tb, false);
            assert_eq!(shape(&sparse), shape(&dense), "seed {seed}");
            assert_eq!(sparse.carried_chars_b, dense.carried_chars_b);
            for s in [
                Status::Identical,
                Status::Changed,
                Status::Moved,
                Status::Split,
                Status::OnlyA,
                Status::OnlyB,
            ] {
                assert!(dense.count(s) > 0, "seed {seed}: no {s:?}");
            }
        }
    }

    /// Long reports: every A passage is compared with a bounded number of
    /// B passages, so work and memory grow linearly (issue #9: two reports
    /// of 10,000 passages took up to 98 s and 1.6 GB).
    #[test]
    fn long_reports_compare_a_bounded_number_of_pairs() {
        let a = random_passages(1200, 42);
        let mut b = edited(&a);
        // Boilerplate repeated in both: identical texts stay candidates.
        for _ in 0..100 {
            b.push("一、工作开展情况".into());
        }
        let mut a = a;
        for _ in 0..100 {
            a.push("一、工作开展情况".into());
        }
        let pa: Vec<Prepared> = a.iter().map(|t| Prepared::new(t)).collect();
        let pb: Vec<Prepared> = b.iter().map(|t| Prepared::new(t)).collect();
        let rows = sparse_sims(&pa, &pb);
        assert!(rows.iter().all(|r| r.len() <= 2 * MAX_CANDIDATES));
        let (ta, tb): (Vec<&str>, Vec<&str>) =
            (a.iter().map(String::as_str).collect(), b.iter().map(String::as_str).collect());
        assert!(ta.len() * tb.len() > DENSE_PAIRS);
        let al = align(&ta, &tb);
        // Every boilerplate heading of B found its twin.
        let headings = al
            .units
            .iter()
            .filter(|u| {
                u.status == Status::Identical
                    && u.b.first().is_some_and(|&j| tb[j] == "一、工作开展情况")
            })
            .count();
        assert_eq!(headings, 100);
        // Every passage that `edited` kept as it was, and the headings.
        let kept = a[..1200]
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                !(i % 7 == 3 || i % 9 == 4 || i % 5 == 1 || (i % 11 == 2 && p.chars().count() > 30))
            })
            .count();
        assert_eq!(al.count(Status::Identical), kept + 100);
        assert_eq!(al.count(Status::Moved), (0..1200).filter(|i| i % 9 == 4 && i % 7 != 3).count());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz_cases(256)))]

        /// The heaviest chain has the weight of the dynamic programme's
        /// optimum over the same pairs, and is a chain.
        #[test]
        fn heaviest_chain_is_optimal(
            cells in proptest::collection::vec((0usize..12, 0usize..12, 1u32..100), 0..60)
        ) {
            let mut w = [[0.0f64; 12]; 12];
            for &(i, j, x) in &cells {
                w[i][j] = x as f64;
            }
            let pairs: Vec<(usize, usize, f64)> = (0..12)
                .flat_map(|i| (0..12).map(move |j| (i, j)))
                .filter(|&(i, j)| w[i][j] > 0.0)
                .map(|(i, j)| (i, j, w[i][j]))
                .collect();
            let mut best = [[0.0f64; 13]; 13];
            for i in (0..12).rev() {
                for j in (0..12).rev() {
                    let mut v = best[i + 1][j].max(best[i][j + 1]);
                    if w[i][j] > 0.0 {
                        v = v.max(best[i + 1][j + 1] + w[i][j]);
                    }
                    best[i][j] = v;
                }
            }
            let chain = heaviest_chain(pairs, 12);
            proptest::prop_assert!(chain.windows(2).all(|p| p[0].0 < p[1].0 && p[0].1 < p[1].1));
            let total: f64 = chain.iter().map(|&(i, j)| w[i][j]).sum();
            proptest::prop_assert_eq!(total, best[0][0]);
        }
    }
}
