//! Single-threaded yardsticks for indexing throughput: how fast each stage
//! of the pipeline runs on one core over a corpus folder, and a plain jieba
//! pass over the same text (the baseline issue #3 asks for).
//!
//! ```text
//! cargo run --release --example throughput -- /tmp/g200
//! ```

use std::time::Instant;

use baogao::corpus::{decode, metadata, read, structure, walk};
use baogao::text::{normalize, segment};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: throughput CORPUS_DIR");
    let files = walk::scan(dir.as_ref()).expect("corpus folder");
    let bytes: u64 = files.iter().map(|f| f.size).sum();
    let mb = bytes as f64 / 1e6;

    // One-time costs: the gazetteer and jieba with our dictionary.
    let t = Instant::now();
    baogao::corpus::locality::Gazetteer::bundled();
    let gaz_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    segment::jieba();
    let jieba_s = t.elapsed().as_secs_f64();
    println!("load gazetteer: {gaz_s:.2} s, load jieba + dictionary: {jieba_s:.2} s");

    // Stage 1: read + decode + structure + metadata (what read::read does),
    // and its parts.
    let t = Instant::now();
    let table = baogao::corpus::overrides::MetadataTable::default();
    let reports: Vec<_> = files.iter().filter_map(|f| read::read(f, &table).ok()).collect();
    let read_s = t.elapsed().as_secs_f64();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read(&f.abs).ok())
        .filter_map(|b| decode::decode(&b).ok().map(|d| d.text))
        .collect();
    let t = Instant::now();
    let sections: usize = texts.iter().map(|t| structure::parse(t).sections.len()).sum();
    let structure_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let hints = metadata::Hints::default();
    let located = texts
        .iter()
        .zip(&files)
        .filter(|(t, f)| metadata::extract(t, &f.rel, &hints).township.is_some())
        .count();
    let metadata_s = t.elapsed().as_secs_f64();

    // Stage 2: normalization of every passage.
    let t = Instant::now();
    let norms: Vec<String> = reports
        .iter()
        .flat_map(|r| r.structure.passages.iter().map(|p| normalize(&p.text)))
        .collect();
    let norm_s = t.elapsed().as_secs_f64();

    // Stage 3: our segmentation (jieba, domain dictionary, no HMM).
    segment::jieba();
    let t = Instant::now();
    let words: usize = norms.iter().map(|n| segment::words(n).len()).sum();
    let seg_s = t.elapsed().as_secs_f64();

    // Baseline: a plain jieba pass (default dictionary, default HMM on)
    // over the same text, as a user of jieba-rs would write it.
    let plain = jieba_rs::Jieba::new();
    let t = Instant::now();
    let plain_words: usize = norms.iter().map(|n| plain.cut(n, true).len()).sum();
    let plain_s = t.elapsed().as_secs_f64();

    println!("corpus: {} files, {mb:.1} MB", files.len());
    println!("read+decode+structure+metadata: {read_s:.2} s  {:.1} MB/s", mb / read_s);
    println!(
        "  structure:                    {structure_s:.2} s  {:.1} MB/s  {sections} sections",
        mb / structure_s
    );
    println!(
        "  metadata:                     {metadata_s:.2} s  {:.1} MB/s  {located} townships",
        mb / metadata_s
    );
    println!("normalize:                      {norm_s:.2} s  {:.1} MB/s", mb / norm_s);
    println!("segment (ours, 1 thread):       {seg_s:.2} s  {:.1} MB/s  {words} words", mb / seg_s);
    println!(
        "plain jieba cut(hmm) 1 thread:  {plain_s:.2} s  {:.1} MB/s  {plain_words} tokens",
        mb / plain_s
    );
}
