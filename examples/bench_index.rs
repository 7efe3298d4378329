//! Benchmark: code indexing against `git clone` and Universal Ctags on the same repository, in
//! the same run.
//!
//! Builds a repository of real code found on this machine (the crate sources under
//! `~/.cargo/registry/src` and the Python standard library: several thousand Rust and Python
//! files, each at most 1 MiB), committed with git and served by `git daemon` on 127.0.0.1 (so
//! the server packs for both clients, as a real remote does), then times, alternated in each run:
//! - `git clone` from the daemon, then `ctags -R` over that clone (the baseline);
//! - luffy's first index of a service whose repository is the daemon's URL (clone + index, into
//!   a new database), with its peak memory (max RSS, from `/usr/bin/time`);
//! - luffy's full index of the existing checkout (`--repo-path`, nothing fetched) against
//!   `ctags -R` over the same tree;
//! - a fetch and an index after a commit that changes one file (incremental);
//! - `luffy code find` per query (a symbol, and a frame path with a line).
//!
//! Targets: first index ≤ 1.2 × (git clone + ctags -R), peak memory ≤ 300 MB; index over an
//! existing checkout ≤ 1.0 × ctags -R; incremental ≤ 5 % of the full index; code find ≤ 20 ms.
//!
//! Run: `cargo build --release && cargo run --release --example bench_index [-- --runs N
//! --bin PATH --ctags PATH --python DIR --crates DIR --keep]`

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Files over this are left out of the benchmark repository (luffy skips them, ctags would not).
const MAX_FILE: u64 = 1 << 20;

/// How long the file system is left to settle after the repository is built (ext4 steps over
/// inodes freed in the last 30 s when it makes new files).
const SETTLE: Duration = Duration::from_secs(35);

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

/// A command's time, output and peak memory.
struct Measured {
    took: Duration,
    out: Output,
    /// Max RSS in KiB, when `/usr/bin/time` is there to tell it.
    rss_kib: Option<u64>,
    /// User + system CPU time, from the same.
    cpu: Option<Duration>,
}

const TIME: &str = "/usr/bin/time";

/// Runs `cmd` under `/usr/bin/time -f "%M %U %S"` (when present) for its peak memory and CPU time.
fn measured(cmd: &Command, rss_file: &Path) -> Result<Measured, String> {
    let mut wrapped = if Path::new(TIME).exists() {
        let mut w = Command::new(TIME);
        w.args(["-f", "%M %U %S", "-o"])
            .arg(rss_file)
            .arg(cmd.get_program())
            .args(cmd.get_args());
        w
    } else {
        let mut w = Command::new(cmd.get_program());
        w.args(cmd.get_args());
        w
    };
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let _ = std::fs::remove_file(rss_file);
    let start = Instant::now();
    let out = run(&mut wrapped)?;
    let took = start.elapsed();
    let line = std::fs::read_to_string(rss_file)
        .ok()
        .and_then(|text| text.lines().last().map(str::to_string))
        .unwrap_or_default();
    let fields: Vec<&str> = line.split_whitespace().collect();
    let seconds = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Ok(Measured {
        took,
        out,
        rss_kib: fields.first().and_then(|f| f.parse().ok()),
        cpu: seconds(1)
            .zip(seconds(2))
            .map(|(user, sys)| Duration::from_secs_f64(user + sys)),
    })
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{} MB", k / 1024))
}

/// `git daemon` serving the folders under one base, stopped when dropped.
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    fn start(base: &Path) -> Result<Daemon, String> {
        // A free port: the system's pick, released for the daemon to take.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        // `git daemon` runs git-daemon as its child, which killing it would leave running: start
        // git-daemon itself.
        let exec_path = git(base, &["--exec-path"])?;
        let exec_path = PathBuf::from(String::from_utf8_lossy(&exec_path.stdout).trim());
        let child = Command::new(exec_path.join("git-daemon"))
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("git daemon: {e}"))?;
        let daemon = Daemon { child, port };
        let started = Instant::now();
        while git(base, &["ls-remote", &daemon.url("checkout")]).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err("git daemon did not answer within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(daemon)
    }

    fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tags `ctags` wrote (its header lines left out).
fn count_tags(tags_file: &Path) -> Result<usize, String> {
    Ok(std::fs::read(tags_file)
        .map_err(|e| e.to_string())?
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"!_"))
        .count())
}

fn counts(out: &Output) -> Result<serde_json::Value, String> {
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(report["counts"].clone())
}

#[derive(Default)]
struct Cpu {
    clone: Vec<Duration>,
    ctags_clone: Vec<Duration>,
    baseline: Vec<Duration>,
    first: Vec<Duration>,
    ctags: Vec<Duration>,
    over: Vec<Duration>,
}

/// Medians of each step over the runs, and what the last run counted.
#[derive(Default)]
struct Samples {
    /// CPU times of the same steps, in the same order as their wall times.
    cpu: Cpu,
    clone: Vec<Duration>,
    clone_rss: Vec<u64>,
    ctags_clone: Vec<Duration>,
    baseline: Vec<Duration>,
    first: Vec<Duration>,
    first_rss: Vec<u64>,
    ctags: Vec<Duration>,
    over: Vec<Duration>,
    over_rss: Vec<u64>,
    tags: usize,
    symbols: u64,
    parsed: u64,
}

fn main() -> Result<(), String> {
    let a = args()?;
    let dir = std::env::temp_dir().join(format!("luffy-bench-index-{}", std::process::id()));
    let result = bench(&a, &dir);
    if !a.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn bench(a: &Args, dir: &Path) -> Result<(), String> {
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
    // No gc in the background: the one below is the only one.
    git(&checkout, &["config", "gc.auto", "0"])?;
    git(&checkout, &["add", "-A"])?;
    git(&checkout, &["commit", "-q", "-m", "benchmark sources"])?;
    // Packed as a served repository is: the daemon's pack-objects then starts from a pack.
    git(&checkout, &["gc", "-q"])?;
    // gc deleted thousands of loose objects: for a while after, ext4 makes each new file cost
    // more (it steps over the inodes just freed), on whichever step comes first.
    std::thread::sleep(SETTLE);
    let tracked = String::from_utf8_lossy(&git(&checkout, &["ls-files", "-s"])?.stdout)
        .lines()
        .count();
    let daemon = Daemon::start(dir)?;
    let url = daemon.url("checkout");
    let luffy = |db: &Path, args: &[&str]| {
        let mut cmd = Command::new(&a.bin);
        cmd.args(args)
            .env("LUFFY_DB", db)
            .env("LUFFY_CONFIG", "/dev/null");
        cmd
    };
    let path = checkout.to_str().ok_or("path")?;
    let rss_file = dir.join("rss");
    let tags_file = dir.join("tags");
    let ctags = |tree: &Path| {
        let mut cmd = Command::new(&a.ctags);
        cmd.args(["-R", "-f"])
            .arg(&tags_file)
            .arg("--languages=Rust,Python")
            .arg(tree);
        cmd
    };
    let mut first_db = PathBuf::new();
    let mut s = Samples::default();
    // Each run's clones and databases are kept until the end: on ext4, creating files right after
    // deleting thousands costs the kernel seconds more (it skips the inodes just freed), which
    // would fall on whichever step came next.
    for i in 0..a.runs {
        // The baseline: git clone from the daemon, then ctags -R over the clone.
        let clone = dir.join(format!("git-clone-{i}"));
        let mut cmd = Command::new("git");
        cmd.args(["clone", "-q", &url]).arg(&clone);
        let cloned = measured(&cmd, &rss_file)?;
        let tagged = measured(&ctags(&clone), &rss_file)?;
        s.clone.push(cloned.took);
        s.clone_rss.extend(cloned.rss_kib);
        s.ctags_clone.push(tagged.took);
        s.baseline.push(cloned.took + tagged.took);
        s.cpu.clone.extend(cloned.cpu);
        s.cpu.ctags_clone.extend(tagged.cpu);
        s.cpu
            .baseline
            .extend(cloned.cpu.zip(tagged.cpu).map(|(a, b)| a + b));

        // luffy's first index: the same URL, a new database and no checkout yet.
        first_db = dir.join(format!("first-{i}/luffy.db"));
        std::fs::create_dir_all(dir.join(format!("first-{i}"))).map_err(|e| e.to_string())?;
        run(&mut luffy(
            &first_db,
            &["service", "add", "bench", "--repo", &url],
        ))?;
        let first = measured(
            &luffy(&first_db, &["trigger", "index", "bench", "--json"]),
            &rss_file,
        )?;
        let c = counts(&first.out)?;
        if c["cloned"] != true || c["mode"] != "full" {
            return Err(format!("not a first index from a clone: {c}"));
        }
        s.first.push(first.took);
        s.first_rss.extend(first.rss_kib);
        s.cpu.first.extend(first.cpu);

        // Over the existing checkout: ctags -R and luffy's full index of the same tree.
        let tagged = measured(&ctags(&checkout), &rss_file)?;
        s.ctags.push(tagged.took);
        s.cpu.ctags.extend(tagged.cpu);
        s.tags = count_tags(&tags_file)?;
        let over_db = dir.join(format!("over-{i}.db"));
        run(&mut luffy(
            &over_db,
            &["service", "add", "local", "--repo-path", path],
        ))?;
        let over = measured(
            &luffy(&over_db, &["trigger", "index", "local", "--json"]),
            &rss_file,
        )?;
        let c = counts(&over.out)?;
        s.over.push(over.took);
        s.over_rss.extend(over.rss_kib);
        s.cpu.over.extend(over.cpu);
        s.symbols = c["symbols_total"].as_u64().unwrap_or(0);
        s.parsed = c["files_parsed"].as_u64().unwrap_or(0);
    }

    // One file changed and committed on the remote; the first index's service fetches it and
    // indexes again.
    let mut incremental_times = Vec::new();
    let target = checkout.join("python/json/__init__.py");
    for i in 0..a.runs {
        let mut text = std::fs::read_to_string(&target).unwrap_or_default();
        let _ = write!(text, "\n\ndef bench_added_{i}():\n    return {i}\n");
        std::fs::write(&target, text).map_err(|e| e.to_string())?;
        git(&checkout, &["commit", "-q", "-am", &format!("change {i}")])?;
        let (took, out) = timed(|| {
            run(&mut luffy(
                &first_db,
                &["trigger", "index", "bench", "--json"],
            ))
        })?;
        let c = counts(&out)?;
        if c["mode"] != "incremental" || c["files_parsed"] != 1 {
            return Err(format!("not an incremental run of one file: {c}"));
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
            let (took, _) = timed(|| {
                run(&mut luffy(
                    &first_db,
                    &["code", "find", "bench", q, "--json"],
                ))
            })?;
            find_times.push(took);
        }
    }
    drop(daemon);
    print_table(
        &s,
        median(incremental_times),
        median(find_times),
        tracked,
        files,
    );
    println!();
    println!(
        "runs: {} (medians; peak memory the largest of the runs); repository, clone and databases in {}",
        a.runs,
        dir.display()
    );
    println!(
        "command: cargo build --release && cargo run --release --example bench_index -- --runs {}",
        a.runs
    );
    Ok(())
}

fn print_table(s: &Samples, incremental: Duration, find: Duration, tracked: usize, files: usize) {
    let (clone, ctags_clone, baseline, first, ctags, over) = (
        median(s.clone.clone()),
        median(s.ctags_clone.clone()),
        median(s.baseline.clone()),
        median(s.first.clone()),
        median(s.ctags.clone()),
        median(s.over.clone()),
    );
    let cpu = |times: &[Duration]| (!times.is_empty()).then(|| median(times.to_vec()));
    let c = &s.cpu;
    let peak = |kib: &[u64]| kib.iter().max().copied();
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let cpu_ratio = |a: &[Duration], b: &[Duration]| {
        cpu(a)
            .zip(cpu(b))
            .map_or_else(|| "n/a".into(), |(a, b)| format!("{:.2}x", ratio(a, b)))
    };
    let cpu_ms = |times: &[Duration]| cpu(times).map_or_else(|| "n/a".into(), ms);
    let verdict = |ok: bool| if ok { "met" } else { "**missed**" };
    println!(
        "benchmark repository: {tracked} files ({files} copied; {parsed} parsed by luffy), served by git daemon on 127.0.0.1; {} CPUs",
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        parsed = s.parsed,
    );
    println!();
    println!("| step | median | compared with | ratio | target | CPU (user+sys) | CPU ratio | peak memory | symbols |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| `git clone` (git daemon) | {} | | | | {} | | {} | |",
        ms(clone),
        cpu_ms(&c.clone),
        mib(peak(&s.clone_rss))
    );
    println!(
        "| `ctags -R` of the clone | {} | | | | {} | | | |",
        ms(ctags_clone),
        cpu_ms(&c.ctags_clone)
    );
    println!(
        "| `git clone` + `ctags -R` | {} | | | | {} | | | {} tags |",
        ms(baseline),
        cpu_ms(&c.baseline),
        s.tags
    );
    let first_ratio = ratio(first, baseline);
    let first_peak = peak(&s.first_rss);
    println!(
        "| luffy first index (clone + index) | {} | `git clone` + `ctags -R` | {first_ratio:.2}x | <= 1.2x: {}; <= 300 MB: {} | {} | {} | {} | |",
        ms(first),
        verdict(first_ratio <= 1.2),
        first_peak.map_or("n/a", |k| verdict(k <= 300 * 1024)),
        cpu_ms(&c.first),
        cpu_ratio(&c.first, &c.baseline),
        mib(first_peak),
    );
    println!(
        "| `ctags -R` of the checkout | {} | | | | {} | | | |",
        ms(ctags),
        cpu_ms(&c.ctags)
    );
    let over_ratio = ratio(over, ctags);
    println!(
        "| luffy index over the existing checkout | {} | `ctags -R` of the checkout | {over_ratio:.2}x | <= 1.0x: {} | {} | {} | {} | {} symbols |",
        ms(over),
        verdict(over_ratio <= 1.0),
        cpu_ms(&c.over),
        cpu_ratio(&c.over, &c.ctags),
        mib(peak(&s.over_rss)),
        s.symbols
    );
    println!(
        "| luffy fetch + incremental index (1 file changed) | {} | first index | {:.1}% | <= 5% | | | | |",
        ms(incremental),
        100.0 * ratio(incremental, first)
    );
    println!(
        "| `luffy code find` (per query, whole process) | {:.1} ms | | | <= 20 ms | | | | |",
        find.as_secs_f64() * 1000.0
    );
}
