//! Benchmark: `luffy status --json` and `luffy service set` with 1,000 services, against
//! `luffy --version` (the cost of starting the process) on the same machine in the same run;
//! and `luffy run-due` over the same services when nothing is due, and `--dry-run` when all are.
//!
//! Targets: status and set each under 5 x the `--version` median + 20 ms; run-due with nothing
//! due <= 50 ms, the dry run with everything due <= 100 ms.
//!
//! Run: `cargo build --release && cargo run --release --example bench_status [-- --runs N --bin PATH]`

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERVICES: usize = 1000;
/// A clock at which none of the services has a task due.
const NOTHING_DUE: &str = "2024-01-15T10:00:00Z";
/// A clock at which all of them have every task due.
const ALL_DUE: &str = "2024-01-17T00:00:00Z";

fn main() -> Result<(), String> {
    let mut runs = 31usize;
    let mut bin = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/luffy"));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).ok_or("--runs N")?,
            "--bin" => bin = args.next().map(PathBuf::from).ok_or("--bin PATH")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !bin.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release` first",
            bin.display()
        ));
    }
    let dir = std::env::temp_dir().join(format!("luffy-bench-status-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("luffy.db");
    let services: Vec<String> = (0..SERVICES)
        .map(|i| {
            format!(
                r#"{{"id": "svc-{i:04}", "name": "Service {i}", "repository_url": "https://git.example.com/team/svc-{i}.git", "git_branch": "main", "log_fetch_interval_minutes": {}, "rca_generation_interval_minutes": 15, "code_indexing_interval_hours": 24, "notification_email": "team{i}@example.com", "last_log_fetch": "2024-01-15T10:{:02}:00Z", "last_rca_generation": "2024-01-15T10:00:00Z", "last_code_indexing": "2024-01-15T09:00:00Z"}}"#,
                5 + i % 55,
                i % 60
            )
        })
        .collect();
    let file = dir.join("services.json");
    std::fs::write(&file, format!("[{}]", services.join(",\n"))).map_err(|e| e.to_string())?;
    let luffy = |args: &[&str]| {
        let mut cmd = Command::new(&bin);
        cmd.args(args)
            .env("LUFFY_DB", &db)
            .env("LUFFY_CONFIG", "/dev/null")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let import = luffy(&["service", "import", file.to_str().ok_or("path")?])
        .output()
        .map_err(|e| e.to_string())?;
    if !import.status.success() {
        return Err(String::from_utf8_lossy(&import.stderr).into_owned());
    }
    // run-due at a clock where nothing is due, and a dry run where everything is
    let cases: [(&str, Vec<String>, Option<&str>); 5] = [
        ("luffy --version", vec!["--version".into()], None),
        (
            "luffy status --json",
            vec!["status".into(), "--json".into()],
            None,
        ),
        ("luffy service set svc-0500 --log-interval N", vec![], None),
        (
            "luffy run-due (nothing due)",
            vec!["run-due".into()],
            Some(NOTHING_DUE),
        ),
        (
            "luffy run-due --dry-run (all due)",
            vec!["run-due".into(), "--dry-run".into()],
            Some(ALL_DUE),
        ),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    // Interleave the commands so that a noisy moment hits all of them alike.
    for run in 0..runs {
        for (index, (_, args, now)) in cases.iter().enumerate() {
            let args: Vec<String> = if args.is_empty() {
                [
                    "service",
                    "set",
                    "svc-0500",
                    "--log-interval",
                    &(10 + run % 2).to_string(),
                ]
                .iter()
                .map(|s| (*s).to_string())
                .collect()
            } else {
                args.clone()
            };
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let start = Instant::now();
            let mut cmd = luffy(&argv);
            if let Some(now) = now {
                cmd.env("LUFFY_NOW", now);
            }
            let out = cmd.output().map_err(|e| e.to_string())?;
            let elapsed = start.elapsed();
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
            times[index].push(elapsed);
        }
    }
    let median = |samples: &mut Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    let medians: Vec<Duration> = times.iter_mut().map(median).collect();
    let budget = medians[0] * 5 + Duration::from_millis(20);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("bench_status: {SERVICES} services, {runs} interleaved runs each, medians");
    println!("command: cargo run --release --example bench_status -- --runs {runs}\n");
    println!("| command | median ms | x --version | budget ms (5x --version + 20) | within |");
    println!("|---|---:|---:|---:|---|");
    for ((name, _, _), median) in cases.iter().zip(&medians[..3]) {
        println!(
            "| `{name}` | {:.2} | {:.2} | {:.2} | {} |",
            ms(*median),
            ms(*median) / ms(medians[0]),
            ms(budget),
            if *median <= budget { "yes" } else { "NO" }
        );
    }
    println!("\n| command | median ms | target ms | within |");
    println!("|---|---:|---:|---|");
    for ((name, _, _), (median, target)) in cases[3..]
        .iter()
        .zip(medians[3..].iter().zip([50.0, 100.0]))
    {
        println!(
            "| `{name}` | {:.2} | {target:.0} | {} |",
            ms(*median),
            if ms(*median) <= target { "yes" } else { "NO" }
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    if medians[1..3].iter().all(|m| *m <= budget) {
        Ok(())
    } else {
        Err("over budget".into())
    }
}
