//! The full report: accuracy through the release binary, speed and memory against drain3.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use luffy::template::{Miner, Options};

use crate::accuracy::accuracy_table;
use crate::data::{score, Dataset};

pub(crate) fn full_report(
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
    build_stream(sets, lines, &stream, false)?;
    let (seconds, rss_kb) = median_run(luffy, &stream, true)?;
    let luffy_rate = lines as f64 / seconds;
    let raw_stream = work.join(format!("stream-raw-{lines}.txt"));
    build_stream(sets, lines, &raw_stream, true)?;
    let (raw_seconds, raw_rss_kb) = median_run(luffy, &raw_stream, false)?;
    let nomemo_rate = miner_rate_without_memo(&stream)?;
    let (drain_n, drain_s) = run_drain3(&python, &script, &stream, drain_lines, None)?;
    let drain_rate = drain_n as f64 / drain_s;

    let mut table = accuracy_table(&rows);
    table.push('\n');
    table.push_str(&crate::generality::leave_one_out(&rows));
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
    let _ = writeln!(table, "| luffy peak RSS | {} |", megabytes(rss_kb));
    let _ = writeln!(
        table,
        "| luffy patterns FILE on raw lines (headers found and stripped), whole process (median of 3) | {raw_seconds:.3} s = {:.0} lines/s |",
        lines as f64 / raw_seconds
    );
    let _ = writeln!(
        table,
        "| luffy peak RSS, raw lines | {} |",
        megabytes(raw_rss_kb)
    );
    let _ = writeln!(table, "| drain3 0.9.11 TemplateMiner, mining loop only, first {drain_n} lines | {drain_s:.2} s = {drain_rate:.0} lines/s |");
    let _ = writeln!(
        table,
        "| speed ratio luffy / drain3 (whole process) | {:.1}x |",
        luffy_rate / drain_rate
    );
    let _ = writeln!(
        table,
        "| speed ratio luffy / drain3 (in-process, memo off) | {:.1}x |",
        nomemo_rate / drain_rate
    );
    print!("{table}");
    println!();
    print!("{}", crate::unseen::unseen_report());
    println!("\ncommand: {command}");
    Ok(())
}

fn megabytes(kb: Option<u64>) -> String {
    kb.map_or("n/a (no /usr/bin/time)".to_string(), |kb| {
        format!("{:.1} MB", kb as f64 / 1024.0)
    })
}

/// The median of three whole-process runs: seconds and peak RSS.
fn median_run(luffy: &Path, stream: &Path, message_only: bool) -> Result<(f64, Option<u64>)> {
    let mut runs: Vec<(f64, Option<u64>)> = (0..3)
        .map(|_| time_luffy(luffy, stream, message_only))
        .collect::<Result<_>>()?;
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(runs[1])
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

/// The ten sets' message lines (or raw lines) interleaved (one line of each in turn), repeated
/// to `lines`.
fn build_stream(sets: &[Dataset], lines: usize, path: &Path, raw: bool) -> Result<()> {
    fn of(set: &Dataset, raw: bool) -> &[String] {
        if raw {
            &set.raw
        } else {
            &set.contents
        }
    }
    let rows = sets.iter().map(|s| of(s, raw).len()).max().unwrap_or(0);
    let mut text = String::new();
    let mut n = 0;
    'outer: loop {
        for row in 0..rows {
            for set in sets {
                if let Some(line) = of(set, raw).get(row) {
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

/// Wall time of one whole `luffy patterns [--message-only] FILE` process, and its peak RSS in
/// KiB (from GNU time's `-v` report when /usr/bin/time exists).
fn time_luffy(luffy: &Path, stream: &Path, message_only: bool) -> Result<(f64, Option<u64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    let mut cmd = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.arg("-v").arg(luffy);
        c
    } else {
        Command::new(luffy)
    };
    cmd.arg("patterns");
    if message_only {
        cmd.arg("--message-only");
    }
    cmd.arg(stream).stdout(Stdio::null()).stderr(Stdio::piped());
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
