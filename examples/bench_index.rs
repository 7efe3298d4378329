//! Benchmark: code indexing against Universal Ctags over the same checkout, in the same run.
//!
//! Builds a repository of real code found on this machine (the crate sources under
//! `~/.cargo/registry/src` and the Python standard library: several thousand Rust and Python
//! files, each at most 1 MiB), committed with git, then times:
//! - `luffy trigger index` from scratch (full) against `ctags -R` over the checkout;
//! - `luffy trigger index` after a commit that changes one file (incremental), against the full;
//! - `luffy code find` per query (a symbol, and a frame path with a line).
//!
//! Targets: full ≤ 1.0 × ctags; incremental ≤ 5 % of full; code find ≤ 20 ms per query.
//!
//! Run: `cargo build --release && cargo run --release --example bench_index [-- --runs N
//! --bin PATH --ctags PATH --python DIR --crates DIR --keep]`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Files over this are left out of the benchmark repository (luffy skips them, ctags would not).
const MAX_FILE: u64 = 1 << 20;

struct Args {
    runs: usize,
    bin: PathBuf,
    ctags: PathBuf,
    python: PathBuf,
    crates: PathBuf,
    /// Keep the repository and database afterwards (to profile them).
    keep: bool,
}

fn args() -> Result<Args, String> {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    let mut a = Args {
        runs: 3,
        bin: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/luffy")),
        ctags: PathBuf::from("/usr/bin/ctags"),
        python: python_stdlib(),
        crates: home.join(".cargo/registry/src"),
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => a.runs = value()?.parse().map_err(|_| "--runs N")?,
            "--bin" => a.bin = value()?.into(),
            "--ctags" => a.ctags = value()?.into(),
            "--python" => a.python = value()?.into(),
            "--crates" => a.crates = value()?.into(),
            "--keep" => a.keep = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !a.bin.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release` first",
            a.bin.display()
        ));
    }
    Ok(a)
}

/// The standard library of the `python3` on the PATH.
fn python_stdlib() -> PathBuf {
    Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .ok()
        .map_or_else(
            || PathBuf::from("/usr/lib/python3"),
            |o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        )
}

/// Copies the `.rs` and `.py` files under `from` into `to`, keeping their relative paths.
fn copy_sources(from: &Path, to: &Path, count: &mut usize) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if kind.is_dir()
            && !name.starts_with('.')
            && name != "__pycache__"
            && name != "site-packages"
        {
            copy_sources(&path, &to.join(&*name), count)?;
        } else if kind.is_file()
            && (name.ends_with(".rs") || name.ends_with(".py"))
            && entry.metadata()?.len() <= MAX_FILE
        {
            std::fs::create_dir_all(to)?;
            std::fs::copy(&path, to.join(&*name))?;
            *count += 1;
        }
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out)
}

fn git(repo: &Path, args: &[&str]) -> Result<Output, String> {
    run(Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com"))
}

fn timed(mut f: impl FnMut() -> Result<Output, String>) -> Result<(Duration, Output), String> {
    let start = Instant::now();
    let out = f()?;
    Ok((start.elapsed(), out))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), String> {
    let a = args()?;
    let dir = std::env::temp_dir().join(format!("luffy-bench-index-{}", std::process::id()));
    let checkout = dir.join("checkout");
    let mut files = 0;
    copy_sources(&a.crates, &checkout.join("crates"), &mut files).map_err(|e| e.to_string())?;
    copy_sources(&a.python, &checkout.join("python"), &mut files).map_err(|e| e.to_string())?;
    if files < 1000 {
        return Err(format!(
            "only {files} source files found; pass --crates DIR / --python DIR"
        ));
    }
    git(&checkout, &["init", "-q", "-b", "main"])?;
    git(&checkout, &["add", "-A"])?;
    git(&checkout, &["commit", "-q", "-m", "benchmark sources"])?;
    let tracked = String::from_utf8_lossy(&git(&checkout, &["ls-files", "-s"])?.stdout)
        .lines()
        .count();
    let db = dir.join("luffy.db");
    let luffy = |args: &[&str]| {
        let mut cmd = Command::new(&a.bin);
        cmd.args(args)
            .env("LUFFY_DB", &db)
            .env("LUFFY_CONFIG", "/dev/null");
        cmd
    };
    let path = checkout.to_str().ok_or("path")?;

    // ctags -R over the checkout, and luffy's full index into a new database (nothing to
    // reuse), alternated.
    let (mut ctags_times, mut full_times) = (Vec::new(), Vec::new());
    let (mut tags, mut symbols, mut parsed) = (0usize, 0u64, 0u64);
    for _ in 0..a.runs {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("luffy.db{suffix}")));
        }
        run(&mut luffy(&[
            "service",
            "add",
            "bench",
            "--repo-path",
            path,
        ]))?;
        let tags_file = dir.join("tags");
        let (took, _) = timed(|| {
            run(Command::new(&a.ctags)
                .args(["-R", "-f"])
                .arg(&tags_file)
                .arg("--languages=Rust,Python")
                .arg(&checkout))
        })?;
        ctags_times.push(took);
        tags = std::fs::read(&tags_file)
            .map_err(|e| e.to_string())?
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty() && !l.starts_with(b"!_"))
            .count();
        let (took, out) = timed(|| run(&mut luffy(&["trigger", "index", "bench", "--json"])))?;
        full_times.push(took);
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        symbols = report["counts"]["symbols_total"].as_u64().unwrap_or(0);
        parsed = report["counts"]["files_parsed"].as_u64().unwrap_or(0);
    }

    // One file changed, committed, indexed again.
    let mut incremental_times = Vec::new();
    let target = checkout.join("python/json/__init__.py");
    for i in 0..a.runs {
        let mut text = std::fs::read_to_string(&target).unwrap_or_default();
        let _ = write!(text, "\n\ndef bench_added_{i}():\n    return {i}\n");
        std::fs::write(&target, text).map_err(|e| e.to_string())?;
        git(&checkout, &["commit", "-q", "-am", &format!("change {i}")])?;
        let (took, out) = timed(|| run(&mut luffy(&["trigger", "index", "bench", "--json"])))?;
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        if report["counts"]["mode"] != "incremental" || report["counts"]["files_parsed"] != 1 {
            return Err(format!("not an incremental run of one file: {report}"));
        }
        incremental_times.push(took);
    }

    // code find: a symbol by name, and a frame path with a line.
    let queries = [
        "JSONDecoder.decode",
        "/usr/lib/python3.11/json/decoder.py:340",
        "Builder.build",
        "spawn",
    ];
    let mut find_times = Vec::new();
    for _ in 0..a.runs.max(5) {
        for q in queries {
            let (took, _) = timed(|| run(&mut luffy(&["code", "find", "bench", q, "--json"])))?;
            find_times.push(took);
        }
    }
    let version = median(
        (0..5)
            .map(|_| timed(|| run(&mut luffy(&["--version"]))).map(|t| t.0))
            .collect::<Result<_, _>>()?,
    );

    let (ctags, full, incremental, find) = (
        median(ctags_times),
        median(full_times),
        median(incremental_times),
        median(find_times),
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "benchmark repository: {tracked} files ({files} copied; {parsed} parsed by luffy), {} CPUs",
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    println!();
    println!("| step | median | compared with | ratio | target | symbols |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| ctags -R (Universal Ctags) | {} | | | | {tags} tags |",
        ms(ctags)
    );
    println!(
        "| luffy full index | {} | ctags -R | {:.2}x | <= 1.0x | {symbols} symbols |",
        ms(full),
        ratio(full, ctags)
    );
    println!(
        "| luffy incremental (1 file changed) | {} | full index | {:.1}% | <= 5% | |",
        ms(incremental),
        100.0 * ratio(incremental, full)
    );
    println!(
        "| luffy code find (per query) | {} | | | <= 20 ms | |",
        ms(find)
    );
    println!(
        "| luffy --version (process start) | {} | | | | |",
        ms(version)
    );
    println!();
    println!(
        "runs: {} (medians); repository and database in {}",
        a.runs,
        dir.display()
    );
    println!(
        "command: cargo build --release && cargo run --release --example bench_index -- --runs {}",
        a.runs
    );
    if !a.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
