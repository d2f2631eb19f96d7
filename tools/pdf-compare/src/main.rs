//! Compares Rust PDF text extractors on Chinese PDFs (issue #12).
//!
//! `pdf-compare OUT_DIR PDF=TWIN…` extracts the text of each PDF with each
//! crate (timing the median of 5 runs), writes it to `OUT_DIR/CRATE/NAME.txt`
//! and compares it with the twin text (the report the PDF was made from):
//!
//! - `chars`: share of the twin's non-space characters found, in order, in
//!   the extraction (longest common subsequence via a character diff), and
//!   `extra`: share of the extraction's characters not in the twin (page
//!   numbers, running titles, or garbage);
//! - `lines`: share of the twin's lines (whitespace removed) that occur
//!   unbroken in the extraction with whitespace removed — a reading-order
//!   check: an extractor that scrambles or interleaves lines loses them.
//!
//! Run from the project root (see tests/data/pdf/README.md):
//! `cargo run --release --manifest-path tools/pdf-compare/Cargo.toml -- /tmp/cmp tests/data/pdf/x.pdf=corpus/x.txt`

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use unicode_normalization::UnicodeNormalization;

type Extractor = fn(&[u8]) -> Result<String, String>;

fn with_pdf_extract(bytes: &[u8]) -> Result<String, String> {
    pdf_extract::extract_text_from_mem(bytes).map_err(|e| e.to_string())
}

fn with_lopdf(bytes: &[u8]) -> Result<String, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).map_err(|e| e.to_string())
}

fn with_pdf_oxide(bytes: &[u8]) -> Result<String, String> {
    let doc = pdf_oxide::PdfDocument::from_bytes(bytes.to_vec()).map_err(|e| e.to_string())?;
    let n = doc.page_count().map_err(|e| e.to_string())?;
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&doc.extract_text(i).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    Ok(out)
}

/// baogao's reader, through its `pdf_text` example (`BAOGAO_PDF_TEXT` is
/// its path: `target/release/examples/pdf_text`); the time is the one the
/// example measures in-process, not the process start.
fn with_baogao(bytes: &[u8]) -> Result<String, String> {
    let exe = std::env::var_os("BAOGAO_PDF_TEXT").ok_or("BAOGAO_PDF_TEXT not set")?;
    let tmp = std::env::temp_dir().join(format!("pdf-compare-{}.pdf", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe).arg(&tmp).output().map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&tmp);
    let err = String::from_utf8_lossy(&out.stderr);
    let ms: f64 = err
        .split(": ")
        .nth(1)
        .and_then(|s| s.strip_suffix(" ms").or_else(|| s.split(" ms").next()))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(f64::NAN);
    MEASURED.with(|m| m.set(Some(ms)));
    if err.contains("skipped:") {
        return Err(err.trim().rsplit("skipped: ").next().unwrap_or("").to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

thread_local! {
    /// A time an extractor measured itself (baogao's, in its own process).
    static MEASURED: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// NFKC and no whitespace: what matching sees (SPEC §2), close enough for
/// CJK text.
fn squeeze(s: &str) -> Vec<char> {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out_dir = args.next().expect("OUT_DIR PDF=TWIN…");
    let mut extractors: Vec<(&str, Extractor)> = vec![
        ("pdf-extract", with_pdf_extract),
        ("lopdf", with_lopdf),
        ("pdf_oxide", with_pdf_oxide),
    ];
    if std::env::var_os("BAOGAO_PDF_TEXT").is_some() {
        extractors.push(("baogao", with_baogao));
    }
    println!(
        "{:<28} {:<12} {:>9} {:>7} {:>7} {:>7}",
        "pdf", "crate", "ms", "chars", "extra", "lines"
    );
    for arg in args {
        let (pdf, twin) = arg.split_once('=').unwrap_or((&arg, ""));
        let bytes = std::fs::read(pdf).expect("read pdf");
        let twin_text =
            if twin.is_empty() { None } else { Some(std::fs::read_to_string(twin).expect("twin")) };
        let name = Path::new(pdf).file_stem().unwrap().to_string_lossy().into_owned();
        for &(crate_name, f) in &extractors {
            let mut times = Vec::new();
            let mut result = Err(String::new());
            for _ in 0..5 {
                let t = Instant::now();
                result = catch_unwind(AssertUnwindSafe(|| f(&bytes)))
                    .unwrap_or_else(|p| Err(format!("panic: {}", panic_text(&p))));
                let elapsed = t.elapsed().as_secs_f64() * 1e3;
                times.push(MEASURED.with(|m| m.take()).unwrap_or(elapsed));
                if result.is_err() {
                    break;
                }
            }
            times.sort_by(f64::total_cmp);
            let ms = times[times.len() / 2];
            match result {
                Err(e) => println!(
                    "{name:<28} {crate_name:<12} {ms:>9.1} error: {}",
                    e.chars().take(80).collect::<String>()
                ),
                Ok(text) => {
                    let dir = Path::new(&out_dir).join(crate_name);
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(dir.join(format!("{name}.txt")), &text).unwrap();
                    match &twin_text {
                        None => println!(
                            "{name:<28} {crate_name:<12} {ms:>9.1} {} chars",
                            squeeze(&text).len()
                        ),
                        Some(t) => {
                            let (chars, extra, lines) = compare(t, &text);
                            println!("{name:<28} {crate_name:<12} {ms:>9.1} {chars:>7.4} {extra:>7.4} {lines:>7.4}");
                        }
                    }
                }
            }
        }
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// (chars found in order, extra chars, whole lines found).
fn compare(twin: &str, got: &str) -> (f64, f64, f64) {
    let a = squeeze(twin);
    let b = squeeze(got);
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Myers,
        &a,
        &b,
        Some(Instant::now() + Duration::from_secs(20)),
    );
    let mut common = 0usize;
    for op in &ops {
        if let similar::DiffOp::Equal { len, .. } = op {
            common += len;
        }
    }
    let chars = common as f64 / a.len().max(1) as f64;
    let extra = (b.len() - common) as f64 / b.len().max(1) as f64;
    let hay: String = b.iter().collect();
    let lines: Vec<String> = twin
        .lines()
        .map(|l| squeeze(l).into_iter().collect::<String>())
        .filter(|l: &String| !l.is_empty())
        .collect();
    let found = lines.iter().filter(|l| hay.contains(l.as_str())).count();
    (chars, extra, found as f64 / lines.len().max(1) as f64)
}
