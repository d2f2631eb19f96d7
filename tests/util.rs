//! Test helpers: run the real `baogao` binary in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// The project root (where `corpus/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `baogao` command with `--index` and `--corpus` pinned, colors off and
/// the environment cleared of our variables.
pub fn baogao(index: &Path, corpus: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baogao"));
    cmd.env_remove("BAOGAO_INDEX")
        .env_remove("BAOGAO_CORPUS")
        .env("NO_COLOR", "1")
        .arg("--index")
        .arg(index)
        .arg("--corpus")
        .arg(corpus);
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("baogao runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).expect("stdout is UTF-8"),
        String::from_utf8(stderr).expect("stderr is UTF-8"),
    )
}

/// Parses JSON Lines into (type, data) pairs.
pub fn json_lines(stdout: &str) -> Vec<(String, Value)> {
    stdout
        .lines()
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"));
            let obj = v.as_object().expect("a JSON object per line");
            assert_eq!(obj.len(), 2, "only type and data: {l}");
            (obj["type"].as_str().expect("type").to_string(), obj["data"].clone())
        })
        .collect()
}

/// A temporary corpus + index.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
        Env { dir }
    }
    pub fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }
    pub fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.corpus().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    pub fn cmd(&self) -> Command {
        baogao(&self.index(), &self.corpus())
    }
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        run(self.cmd().args(args))
    }
}

/// The bundled corpus, indexed once per test run into the target
/// folder's scratch space (rebuilt from scratch at each run).
pub fn bundled() -> (&'static Path, &'static Path) {
    static BUNDLED: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (index, corpus) = BUNDLED.get_or_init(|| {
        let index = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bundled-index");
        let _ = std::fs::remove_dir_all(&index);
        let corpus = root().join("corpus");
        let (code, out, err) = run(baogao(&index, &corpus).args(["index", "--json"]));
        assert_eq!(code, 0, "index failed: {out}\n{err}");
        (index, corpus)
    });
    (index, corpus)
}

/// Runs baogao on the bundled corpus index.
pub fn on_bundled(args: &[&str]) -> (i32, String, String) {
    let (index, corpus) = bundled();
    run(baogao(index, corpus).args(args))
}
