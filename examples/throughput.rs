//! Single-threaded yardsticks for indexing throughput: how fast each stage
//! of the pipeline runs on one core over a corpus folder, a plain jieba
//! pass over the same text (the baseline issue #3 asks for), and tantivy
//! alone indexing the already-normalized passages on one thread: the
//! ceiling of what `baogao index` can reach per core, whatever the rest of
//! the pipeline does.
//!
//! ```text
//! cargo run --release --example throughput -- /tmp/g200
//! ```
//!
//! `tools/bench-index` runs this next to full builds and prints ratios.

use std::time::Instant;

use baogao::corpus::{decode, hardwrap, metadata, read, structure, walk};
use baogao::index::tokenizer::{BigramTokenizer, JiebaTokenizer, BIGRAM, JIEBA};
use baogao::text::{normalize, segment};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED};
use tantivy::{Index, IndexWriter, TantivyDocument};

/// Which fields of a passage [`tantivy_alone`] indexes.
#[derive(Clone, Copy)]
struct Fields {
    bi: bool,
    words: bool,
    text: bool,
}

/// Indexes the passages into a fresh index on disk with one tantivy
/// thread and no merges, with the options of our schema; seconds taken,
/// commit included.
fn tantivy_alone(passages: &[(&str, &str)], which: Fields) -> f64 {
    let mut b = Schema::builder();
    let opts = |tokenizer: &str, rec| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(rec),
        )
    };
    let bi = b.add_text_field("bi", opts(BIGRAM, IndexRecordOption::WithFreqsAndPositions));
    let words = b.add_text_field("words", opts(JIEBA, IndexRecordOption::WithFreqs));
    let text = b.add_text_field("text", STORED);
    let dir = tempfile::tempdir().expect("temporary folder");
    let index = Index::create_in_dir(dir.path(), b.build()).expect("index");
    index.tokenizers().register(BIGRAM, BigramTokenizer::default());
    index.tokenizers().register(JIEBA, JiebaTokenizer::default());
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 100 << 20).expect("writer");
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let t = Instant::now();
    for (original, normalized) in passages {
        let mut doc = TantivyDocument::default();
        if which.bi {
            doc.add_text(bi, *normalized);
        }
        if which.words {
            doc.add_text(words, *normalized);
        }
        if which.text {
            doc.add_text(text, *original);
        }
        writer.add_document(doc).expect("add");
    }
    writer.commit().expect("commit");
    t.elapsed().as_secs_f64()
}

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
    let wrapped = texts.iter().filter(|t| hardwrap::unwrap(t).is_some()).count();
    let hardwrap_s = t.elapsed().as_secs_f64();
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

    // The ceiling: tantivy alone, one thread, per field and all together.
    let passages: Vec<(&str, &str)> = reports
        .iter()
        .flat_map(|r| r.structure.passages.iter().map(|p| p.text.as_str()))
        .zip(norms.iter().map(String::as_str))
        .collect();
    let no = Fields { bi: false, words: false, text: false };
    let text_s = tantivy_alone(&passages, Fields { text: true, ..no });
    let bi_s = tantivy_alone(&passages, Fields { bi: true, ..no });
    let words_s = tantivy_alone(&passages, Fields { words: true, ..no });
    let all_s = tantivy_alone(&passages, Fields { bi: true, words: true, text: true });

    println!("corpus: {} files, {mb:.1} MB", files.len());
    println!("read+decode+structure+metadata: {read_s:.2} s  {:.1} MB/s", mb / read_s);
    println!(
        "  hard-wrap check (+ re-join):  {hardwrap_s:.2} s  {:.1} MB/s  {wrapped} wrapped",
        mb / hardwrap_s
    );
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
    println!("tantivy alone, 1 thread, from normalized passages:");
    println!("  text (stored):                {text_s:.2} s  {:.1} MB/s", mb / text_s);
    println!("  bi (bigrams, positions):      {bi_s:.2} s  {:.1} MB/s", mb / bi_s);
    println!("  words (jieba, freqs):         {words_s:.2} s  {:.1} MB/s", mb / words_s);
    println!("  all three:                    {all_s:.2} s  {:.1} MB/s", mb / all_s);
}
