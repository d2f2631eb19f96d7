//! Prints what baogao reads from PDF files, and how long it took:
//! `cargo run --release --example pdf_text -- FILE.pdf…` (the text on
//! stdout, a timing line per file on stderr). For checking the PDF reader
//! on a new producer's files.

use std::time::Instant;

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let start = Instant::now();
        let result = baogao::corpus::pdf::extract(&bytes);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        match result {
            Ok(doc) => {
                println!("{}", doc.text);
                eprintln!(
                    "{path}: {ms:.1} ms, {} chars, title {:?}",
                    doc.text.chars().count(),
                    doc.title
                );
            }
            Err(reason) => eprintln!("{path}: {ms:.1} ms, skipped: {reason}"),
        }
    }
}
