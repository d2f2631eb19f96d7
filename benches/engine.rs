//! Criterion benches: normalization, segmentation, indexing the bundled
//! corpus, and queries on it. Fixed inputs from `corpus/`, an assert inside
//! each timed loop so the work cannot be optimized away.
//!
//! Whole-tool timings on a large generated corpus (`tools/gen-corpus --mb
//! 200`), as ratios to `rg -c -F` on the same folder, are made by
//! `tools/bench-query` (commands) and `tools/bench-index` (builds), not
//! here: criterion's repeated runs would take too long on them.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use baogao::index::build::build_at;
use baogao::index::IndexReader;
use baogao::query::{parse, Matcher};
use baogao::search::Searcher;
use baogao::text::{normalize, segment, Normalized};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The five seed reports and two national reports, as one text.
fn sample_text() -> String {
    let dir = corpus();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    names.push(dir.join("national-gwr-1954-2022/2021-国务院-政府工作报告.txt"));
    names.push(dir.join("national-gwr-1954-2022/2022-国务院-政府工作报告.txt"));
    names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect::<Vec<_>>().join("\n")
}

fn text_benches(c: &mut Criterion) {
    let text = sample_text();
    let norm = normalize(&text);
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("normalize", |b| b.iter(|| assert!(!normalize(&text).is_empty())));
    g.bench_function("normalize_with_map", |b| {
        b.iter(|| assert!(Normalized::new(&text).char_len() > 0))
    });
    segment::jieba(); // load outside the timed loop
    g.bench_function("segment_jieba_domain_dict", |b| {
        b.iter(|| assert!(segment::words(&norm).len() > 1000))
    });
    g.finish();
}

fn index_benches(c: &mut Criterion) {
    let corpus = corpus();
    let bytes: u64 = walk_bytes(&corpus);
    let mut g = c.benchmark_group("index");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("build_bundled_corpus", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().unwrap();
            let s = build_at(&corpus, &dir.path().join("index")).unwrap();
            assert!(s.reports >= 70);
        })
    });
    g.finish();
}

fn walk_bytes(dir: &Path) -> u64 {
    baogao::corpus::walk::scan(dir).unwrap().iter().map(|f| f.size).sum()
}

fn query_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    build_at(&corpus(), &index).unwrap();
    let reader = IndexReader::open(&index).unwrap();
    let searcher = Searcher::new(&reader);
    let mut g = c.benchmark_group("query");
    for q in ["枫桥经验", "法律顾问 全覆盖", "镇", "法律顾问 NEAR/20 全覆盖", "改革 OR 开放 -经济"]
    {
        let parsed = parse(q).unwrap();
        let m = Matcher::from_expr(parsed.expr.as_ref().unwrap()).unwrap();
        g.bench_function(format!("search_top20/{q}"), |b| {
            b.iter(|| {
                let r = searcher
                    .search(Some(&m), &parsed.filters, baogao::search::Page::first(20))
                    .unwrap();
                assert!(r.total > 0);
            })
        });
    }
    let parsed = parse("法律顾问").unwrap();
    let m = Matcher::from_expr(parsed.expr.as_ref().unwrap()).unwrap();
    g.bench_function("count_by_year/法律顾问", |b| {
        b.iter(|| {
            let t = baogao::analysis::count(
                &reader,
                &m,
                &parsed.filters,
                baogao::analysis::GroupBy::Year,
            )
            .unwrap();
            assert!(t.summary.mentions > 0);
        })
    });
    g.finish();
    research_benches(c, &reader);
}

/// The research commands of issue #10, on the bundled corpus.
fn research_benches(c: &mut Criterion, reader: &IndexReader) {
    use baogao::analysis::{count, kwic, trend, GroupBy};
    let searcher = Searcher::new(reader);
    let q = |s: &str| {
        let parsed = parse(s).unwrap();
        (Matcher::from_expr(parsed.expr.as_ref().unwrap()).unwrap(), parsed.filters)
    };
    let mut g = c.benchmark_group("research");
    for s in ["法律顾问 year:2019", "法律顾问 province:四川", "依法行政 level:national"]
    {
        let (m, f) = q(s);
        g.bench_function(format!("search_top10/{s}"), |b| {
            b.iter(|| {
                assert!(
                    searcher.search(Some(&m), &f, baogao::search::Page::first(10)).unwrap().total
                        > 0
                )
            })
        });
    }
    let (m, f) = q("镇");
    g.bench_function("count_by_province/镇", |b| {
        b.iter(|| assert!(count(reader, &m, &f, GroupBy::Province).unwrap().summary.mentions > 0))
    });
    let (m, f) = q("枫桥经验");
    g.bench_function("kwic/枫桥经验", |b| {
        b.iter(|| assert!(!kwic::kwic(reader, &m, &f, 20).unwrap().is_empty()))
    });
    let (a, f) = q("依法行政");
    let (b2, _) = q("法律顾问");
    let both = [a, b2];
    g.bench_function("trend_by_year/依法行政,法律顾问", |b| {
        b.iter(|| assert!(!trend::trend(reader, &both, &f, GroupBy::Year).unwrap().rows.is_empty()))
    });
    g.finish();
}

criterion_group!(benches, text_benches, index_benches, query_benches);
criterion_main!(benches);
