//! Benchmark of `luffy patterns`: grouping accuracy on the ten labelled Loghub 2k sets
//! (message-only and raw lines), the leave-one-out table (with a check that no code on the
//! `patterns` path names a data set), header shapes no dev set has (lines written here), then
//! speed and peak memory on a 1,000,000-line stream (messages, and raw lines) against drain3
//! 0.9.11 (installed into a venv under the target folder on first use).
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_patterns
//! cargo run --release --example bench_patterns -- --quick     # accuracy only, in-process
//! ```
//! Options: `--data DIR` (default `../shared/data/loghub-2k`), `--lines N` (stream size),
//! `--drain3-lines N` (drain3 is timed on a prefix of the stream; default 200,000).

mod accuracy;
mod data;
mod generality;
mod speed;
mod unseen;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use luffy::template::{Miner, Options};

use accuracy::{explain, quick_report};
use data::load_all;
use speed::full_report;

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
    let mut command = "cargo run --release --example bench_patterns".to_string();
    if !args.is_empty() {
        command = format!("{command} -- {}", args.join(" "));
    }
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
