//! Times `diff`'s alignment on two generated reports of N passages each
//! (paragraphs of the bundled corpus, B an edited A: changed, moved,
//! deleted, new and split passages), and prints the unit counts:
//! `cargo run --release --example diff_scale -- 10000`.

use std::time::Instant;

use baogao::analysis::diff::{align, Status};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut paras: Vec<String> = Vec::new();
    let mut files: Vec<_> = walk(&root);
    files.sort();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            paras.extend(
                text.lines().map(str::trim).filter(|l| l.chars().count() >= 20).map(String::from),
            );
        }
    }
    let a: Vec<String> = (0..n).map(|i| format!("{}（{i}）", paras[i % paras.len()])).collect();
    // B: every 7th changed, every 11th deleted, every 13th moved to the end,
    // every 17th followed by a new one, every 19th split in two.
    let mut b: Vec<String> = Vec::new();
    let mut moved = Vec::new();
    for (i, p) in a.iter().enumerate() {
        if i % 11 == 0 {
            continue;
        }
        if i % 13 == 0 {
            moved.push(p.clone());
            continue;
        }
        if i % 7 == 0 {
            b.push(p.replacen('。', "，并取得新的进展。", 1) + "补充");
        } else if i % 19 == 0 {
            let cut = p.char_indices().nth(p.chars().count() / 2).map_or(p.len(), |(k, _)| k);
            b.push(p[..cut].to_string());
            b.push(p[cut..].to_string());
        } else {
            b.push(p.clone());
        }
        if i % 17 == 0 {
            b.push(format!("新增段落第{i}段：今年新建成公共法律服务工作站，配备专职人民调解员。"));
        }
    }
    b.extend(moved);
    let ta: Vec<&str> = a.iter().map(String::as_str).collect();
    let tb: Vec<&str> = b.iter().map(String::as_str).collect();
    let started = Instant::now();
    let al = align(&ta, &tb);
    let secs = started.elapsed().as_secs_f64();
    let counts: Vec<String> = [
        Status::Identical,
        Status::Changed,
        Status::Moved,
        Status::Split,
        Status::Merged,
        Status::OnlyA,
        Status::OnlyB,
    ]
    .iter()
    .map(|s| format!("{} {}", s.as_str(), al.count(*s)))
    .collect();
    println!(
        "{} × {} passages: {secs:.2} s; {}; carried {:.3}",
        ta.len(),
        tb.len(),
        counts.join(", "),
        al.carried_share()
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "txt") {
            out.push(p);
        }
    }
    out
}
