//! Benchmark of `luffy patterns`: grouping accuracy on the ten labelled Loghub 2k sets
//! (message-only and raw lines), then speed and peak memory on a 1,000,000-line stream against
//! drain3 0.9.11 (installed into a venv under the target folder on first use).
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_patterns
//! cargo run --release --example bench_patterns -- --quick     # accuracy only, in-process
//! ```
//! Options: `--data DIR` (default `../shared/data/loghub-2k`), `--lines N` (stream size),
//! `--drain3-lines N` (drain3 is timed on a prefix of the stream; default 200,000).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use luffy::cluster::{Miner, Options};

/// One labelled data set: its message column, raw lines and true event ids.
struct Dataset {
    name: String,
    contents: Vec<String>,
    raw: Vec<String>,
    truth: Vec<String>,
}

/// Grouping accuracy and F1 of group-level matching.
#[derive(Clone, Copy, Default)]
struct Score {
    ga: f64,
    f1: f64,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let quick = args.iter().any(|a| a == "--quick");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data =
        flag("--data").map_or_else(|| manifest.join("../shared/data/loghub-2k"), PathBuf::from);
    let lines: usize = flag("--lines").map_or(Ok(1_000_000), |v| v.parse())?;
    let drain_lines: usize = flag("--drain3-lines").map_or(Ok(200_000), |v| v.parse())?;
    let sets = load_all(&data)?;
    let command = format!(
        "cargo run --release --example bench_patterns -- {}",
        args.join(" ")
    );
    if let Some(name) = flag("--templates") {
        let set = sets
            .iter()
            .find(|s| &s.name == name)
            .context("no such data set")?;
        let mut miner = Miner::new(Options {
            detect_header: args.iter().any(|a| a == "--raw"),
            ..Options::default()
        });
        let lines = if args.iter().any(|a| a == "--raw") {
            &set.raw
        } else {
            &set.contents
        };
        for line in lines {
            miner.add(line);
        }
        for p in miner.patterns().patterns {
            println!("{:>3} {:>5} {}", p.id, p.count, p.template);
        }
        return Ok(());
    }
    if let Some(name) = flag("--explain") {
        let set = sets
            .iter()
            .find(|s| &s.name == name)
            .context("no such data set")?;
        explain(set, args.iter().any(|a| a == "--raw"));
        return Ok(());
    }
    if quick {
        quick_report(&sets, &command);
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let release = exe
        .parent()
        .and_then(Path::parent)
        .context("no target folder")?;
    let luffy = release.join("luffy");
    if !luffy.exists() {
        bail!(
            "{} is missing: run `cargo build --release` first",
            luffy.display()
        );
    }
    let work = release.join("bench-patterns");
    fs::create_dir_all(&work)?;
    full_report(&sets, &luffy, &work, lines, drain_lines, &command)
}

fn load_all(data: &Path) -> Result<Vec<Dataset>> {
    let mut names: Vec<String> = fs::read_dir(data)
        .with_context(|| format!("could not read {}", data.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.iter().map(|name| load(data, name)).collect()
}

fn load(data: &Path, name: &str) -> Result<Dataset> {
    let dir = data.join(name);
    let csv = fs::read_to_string(dir.join(format!("{name}_2k.log_structured.csv")))?;
    let raw = fs::read_to_string(dir.join(format!("{name}_2k.log")))?;
    let mut rows = parse_csv(&csv).into_iter();
    let header = rows.next().context("empty csv")?;
    let col = |c: &str| header.iter().position(|h| h == c).context("missing column");
    let (content, event) = (col("Content")?, col("EventId")?);
    let (mut contents, mut truth) = (Vec::new(), Vec::new());
    for row in rows {
        contents.push(row[content].clone());
        truth.push(row[event].clone());
    }
    let raw: Vec<String> = raw.lines().map(str::to_string).collect();
    if raw.len() != truth.len() {
        bail!("{name}: {} raw lines for {} labels", raw.len(), truth.len());
    }
    Ok(Dataset {
        name: name.to_string(),
        contents,
        raw,
        truth,
    })
}

/// A small RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// GA and F1-GA of predicted group labels against true ones.
fn score<P: std::hash::Hash + Eq + Clone>(pred: &[P], truth: &[String]) -> Score {
    let mut by_pred: HashMap<P, Vec<usize>> = HashMap::new();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (p, t)) in pred.iter().zip(truth).enumerate() {
        by_pred.entry(p.clone()).or_default().push(i);
        by_truth.entry(t).or_default().push(i);
    }
    let (mut right_lines, mut right_groups) = (0usize, 0usize);
    for members in by_truth.values() {
        let group = &by_pred[&pred[members[0]]];
        if group == members {
            right_lines += members.len();
            right_groups += 1;
        }
    }
    let precision = right_groups as f64 / by_pred.len().max(1) as f64;
    let recall = right_groups as f64 / by_truth.len().max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Score {
        ga: right_lines as f64 / truth.len().max(1) as f64,
        f1,
    }
}

fn mine_in_process(lines: &[String], detect_header: bool) -> Vec<u32> {
    let mut miner = Miner::new(Options {
        detect_header,
        ..Options::default()
    });
    let variants: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
    let patterns = miner.patterns();
    variants
        .iter()
        .map(|&v| patterns.pattern_of(v).id)
        .collect()
}

/// Prints the true groups that were not found exactly, with the templates they went to.
fn explain(set: &Dataset, raw: bool) {
    let lines = if raw { &set.raw } else { &set.contents };
    let mut miner = Miner::new(Options {
        detect_header: raw,
        ..Options::default()
    });
    let variants: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
    let patterns = miner.patterns();
    let pred: Vec<u32> = variants
        .iter()
        .map(|&v| patterns.pattern_of(v).id)
        .collect();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, (p, t)) in pred.iter().zip(&set.truth).enumerate() {
        by_truth.entry(t).or_default().push(i);
        by_pred.entry(*p).or_default().push(i);
    }
    let mut wrong: Vec<_> = by_truth
        .iter()
        .filter(|(_, m)| by_pred[&pred[m[0]]] != **m)
        .collect();
    wrong.sort_by_key(|(_, m)| std::cmp::Reverse(m.len()));
    for (event, members) in wrong {
        println!(
            "{event} ({} lines) e.g. {}",
            members.len(),
            lines[members[0]]
        );
        let mut ids: HashMap<u32, usize> = HashMap::new();
        for &i in members {
            *ids.entry(pred[i]).or_default() += 1;
        }
        for (id, n) in ids {
            let p = &patterns.patterns[id as usize - 1];
            println!("    {n}/{} -> {}", p.count, p.template);
        }
    }
}

fn quick_report(sets: &[Dataset], command: &str) {
    let mut rows = Vec::new();
    for set in sets {
        let msg = score(&mine_in_process(&set.contents, false), &set.truth);
        let raw = score(&mine_in_process(&set.raw, true), &set.truth);
        rows.push((set.name.clone(), msg, raw));
    }
    print!("{}", accuracy_table(&rows));
    println!("(in-process library, no binary)\ncommand: {command}");
}

fn accuracy_table(rows: &[(String, Score, Score)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| dataset | GA message-only | F1-GA message-only | GA raw | F1-GA raw |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    let mut sum = [0.0; 4];
    for (name, msg, raw) in rows {
        let _ = writeln!(
            out,
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            msg.ga, msg.f1, raw.ga, raw.f1
        );
        for (s, v) in sum.iter_mut().zip([msg.ga, msg.f1, raw.ga, raw.f1]) {
            *s += v;
        }
    }
    let n = rows.len().max(1) as f64;
    let _ = writeln!(
        out,
        "| **average** | **{:.3}** | **{:.3}** | **{:.3}** | **{:.3}** |",
        sum[0] / n,
        sum[1] / n,
        sum[2] / n,
        sum[3] / n
    );
    out
}

fn full_report(
    sets: &[Dataset],
    luffy: &Path,
    work: &Path,
    lines: usize,
    drain_lines: usize,
    command: &str,
) -> Result<()> {
    let python = drain3_python(
        work.parent()
            .and_then(Path::parent)
            .context("no target folder")?,
    )?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/drain3_bench.py");
    let mut rows = Vec::new();
    let mut drain_ga = Vec::new();
    for set in sets {
        let content = work.join(format!("{}.content.txt", set.name));
        fs::write(&content, set.contents.join("\n") + "\n")?;
        let raw_file = work.join(format!("{}.log", set.name));
        fs::write(&raw_file, set.raw.join("\n") + "\n")?;
        let msg = score(&luffy_assign(luffy, &content, true)?, &set.truth);
        let raw = score(&luffy_assign(luffy, &raw_file, false)?, &set.truth);
        let ids = work.join(format!("{}.drain3.txt", set.name));
        run_drain3(&python, &script, &content, usize::MAX, Some(&ids))?;
        let drain: Vec<String> = fs::read_to_string(&ids)?
            .lines()
            .map(str::to_string)
            .collect();
        drain_ga.push(score(&drain, &set.truth).ga);
        rows.push((set.name.clone(), msg, raw));
    }
    let stream = work.join(format!("stream-{lines}.txt"));
    build_stream(sets, lines, &stream)?;
    let mut runs: Vec<(f64, Option<u64>)> = (0..3)
        .map(|_| time_luffy(luffy, &stream))
        .collect::<Result<_>>()?;
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (seconds, rss_kb) = runs[1];
    let luffy_rate = lines as f64 / seconds;
    let nomemo_rate = miner_rate_without_memo(&stream)?;
    let (drain_n, drain_s) = run_drain3(&python, &script, &stream, drain_lines, None)?;
    let drain_rate = drain_n as f64 / drain_s;

    let mut table = accuracy_table(&rows);
    let avg = drain_ga.iter().sum::<f64>() / drain_ga.len().max(1) as f64;
    let _ = writeln!(
        table,
        "\ndrain3 0.9.11 GA message-only (same sets): {}",
        sets.iter()
            .zip(&drain_ga)
            .map(|(s, g)| format!("{} {g:.3}", s.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(table, "drain3 average GA message-only: {avg:.3}\n");
    let _ = writeln!(
        table,
        "| speed ({lines} lines, {} MB, ten sets interleaved) | value |",
        fs::metadata(&stream)?.len() / 1_000_000
    );
    let _ = writeln!(table, "|---|---|");
    let _ = writeln!(table, "| luffy patterns --message-only FILE, whole process (median of 3) | {seconds:.3} s = {luffy_rate:.0} lines/s |");
    let _ = writeln!(table, "| luffy miner in-process, exact-repeat memo off (every line masked), one thread | {nomemo_rate:.0} lines/s |");
    let _ = writeln!(
        table,
        "| luffy peak RSS | {} |",
        rss_kb.map_or("n/a (no /usr/bin/time)".to_string(), |kb| format!(
            "{:.1} MB",
            kb as f64 / 1024.0
        ))
    );
    let _ = writeln!(table, "| drain3 0.9.11 TemplateMiner, mining loop only, first {drain_n} lines | {drain_s:.2} s = {drain_rate:.0} lines/s |");
    let _ = writeln!(
        table,
        "| speed ratio luffy / drain3 | {:.1}x |",
        luffy_rate / drain_rate
    );
    print!("{table}");
    println!("\ncommand: {command}");
    Ok(())
}

/// Lines per second of the library miner alone with the exact-repeat memo off (best of 3), so
/// the figure does not depend on the stream repeating itself.
fn miner_rate_without_memo(stream: &Path) -> Result<f64> {
    let text = fs::read_to_string(stream)?;
    let lines: Vec<&str> = text.lines().collect();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        let mut miner = Miner::new(Options {
            detect_header: false,
            memo: false,
        });
        for line in &lines {
            miner.add(line);
        }
        let patterns = miner.patterns();
        best = best.min(start.elapsed().as_secs_f64());
        assert!(!patterns.patterns.is_empty());
    }
    Ok(lines.len() as f64 / best)
}

/// Per-line pattern ids from `luffy patterns --assign`.
fn luffy_assign(luffy: &Path, file: &Path, message_only: bool) -> Result<Vec<String>> {
    let mut cmd = Command::new(luffy);
    cmd.arg("patterns").arg("--assign");
    if message_only {
        cmd.arg("--message-only");
    }
    let out = cmd.arg(file).output()?;
    if !out.status.success() {
        bail!(
            "luffy failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8(out.stdout)?;
    Ok(text
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap_or("").to_string())
        .collect())
}

/// The venv's python with drain3 0.9.11, created under the target folder when missing.
fn drain3_python(target: &Path) -> Result<PathBuf> {
    let venv = target.join("drain3-venv");
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import drain3"])
        .stderr(Stdio::null())
        .status();
    if ready.is_ok_and(|s| s.success()) {
        return Ok(python);
    }
    eprintln!("setting up drain3 0.9.11 in {}", venv.display());
    let ok = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .status()?
        .success()
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "drain3==0.9.11"])
            .status()?
            .success();
    if !ok {
        bail!("could not install drain3 into {}", venv.display());
    }
    Ok(python)
}

/// Runs drain3 on the first `limit` lines of `file`: (lines, seconds of mining).
fn run_drain3(
    python: &Path,
    script: &Path,
    file: &Path,
    limit: usize,
    assign: Option<&Path>,
) -> Result<(usize, f64)> {
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .arg(file)
        .arg(limit.min(i64::MAX as usize).to_string());
    if let Some(path) = assign {
        cmd.arg(path);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        bail!("drain3 failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok((
        v["lines"].as_u64().unwrap_or(0) as usize,
        v["seconds"].as_f64().unwrap_or(f64::NAN),
    ))
}

/// The ten sets' message lines interleaved (one line of each in turn), repeated to `lines`.
fn build_stream(sets: &[Dataset], lines: usize, path: &Path) -> Result<()> {
    let rows = sets.iter().map(|s| s.contents.len()).max().unwrap_or(0);
    let mut text = String::new();
    let mut n = 0;
    'outer: loop {
        for row in 0..rows {
            for set in sets {
                if let Some(line) = set.contents.get(row) {
                    if n == lines {
                        break 'outer;
                    }
                    text.push_str(line);
                    text.push('\n');
                    n += 1;
                }
            }
        }
        if n == 0 {
            bail!("no lines to build the stream from");
        }
    }
    fs::write(path, text)?;
    Ok(())
}

/// Wall time of one whole `luffy patterns --message-only FILE` process, and its peak RSS in KiB
/// (from GNU time's `-v` report when /usr/bin/time exists).
fn time_luffy(luffy: &Path, stream: &Path) -> Result<(f64, Option<u64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    let mut cmd = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.arg("-v").arg(luffy);
        c
    } else {
        Command::new(luffy)
    };
    cmd.args(["patterns", "--message-only"])
        .arg(stream)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output()?;
    let seconds = start.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("luffy failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let report = String::from_utf8_lossy(&out.stderr);
    let rss = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok());
    Ok((seconds, rss))
}
