//! Benchmark: ingesting a generated 1,000,000-line application log (`--lines N` for another size) from a `file` source, end to
//! end into SQLite (`luffy trigger fetch`), against `grep -c ERROR` on the same file in the same run.
//!
//! The log: 10% of records are errors, half of those with multi-line stack traces (Python, Java,
//! Go, Node.js), the rest frameless errors of a dozen kinds; the others are INFO/DEBUG/WARN lines.
//! Targets: >= 500,000 lines/s, <= 10x the time of `grep -c ERROR`, peak RSS <= 150 MB (and
//! the same bound for a command source that prints the file three times).
//!
//! Run: `cargo build --release && cargo run --release --example bench_ingest [-- --runs N]`
//! `--baseline BIN` times another build of luffy (an earlier commit's) on the same file in the
//! same runs, interleaved, and prints the ratios of the two.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Lines of the generated log unless `--lines` says otherwise.
const LINES: usize = 1_000_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn timestamp(i: usize) -> String {
    let seconds = i / 20;
    format!(
        "2024-01-15 {:02}:{:02}:{:02},{:03}",
        (seconds / 3600) % 24,
        (seconds / 60) % 60,
        seconds % 60,
        i % 1000
    )
}

fn trace(kind: u64, r: &mut Rng) -> String {
    let n = r.below(500);
    match kind {
        0 => format!(
            "Traceback (most recent call last):\n  File \"/app/api/views.py\", line {}, in handle\n    return service.load(item_id)\n  File \"/app/api/service.py\", line 88, in load\n    row = db.fetch(item_id)\n  File \"/usr/lib/python3.11/site-packages/db/core.py\", line 412, in fetch\n    raise KeyError(key)\nKeyError: 'item-{n}'\n",
            40 + n % 3
        ),
        1 => format!(
            "java.lang.IllegalStateException: order {n} is not payable\n\tat com.acme.pay.OrderService.pay(OrderService.java:{})\n\tat com.acme.pay.PayController.post(PayController.java:57)\n\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\nCaused by: java.sql.SQLException: lock wait timeout on row {n}\n\tat com.acme.pay.OrderRepository.lock(OrderRepository.java:33)\n\t... 4 more\n",
            120 + n % 2
        ),
        2 => format!(
            "panic: runtime error: index out of range [{n}] with length 3\n\ngoroutine 17 [running]:\ngithub.com/acme/api/handlers.(*Cart).Total(0xc000010000)\n\t/src/api/handlers/cart.go:52 +0x1d4\ngithub.com/acme/api/handlers.Checkout(0xc0000a4000)\n\t/src/api/handlers/checkout.go:31 +0x65\n"
        ),
        _ => format!(
            "TypeError: Cannot read properties of undefined (reading 'id{}')\n    at getUser (/srv/app/src/users.js:14:22)\n    at async Router.handle (/srv/app/src/router.js:88:5)\n    at async Server.<anonymous> (/srv/app/node_modules/express/lib/server.js:31:9)\n",
            n % 2
        ),
    }
}

const FRAMELESS: [&str; 12] = [
    "db: connection to 10.2.{a}.{b}:5432 refused after {n} retries",
    "cache: redis timeout after {n} ms on key user:{n}",
    "payments: card declined for order {n} (code {a})",
    "auth: token expired for user {n}",
    "queue: message {n} moved to dead-letter queue after {a} attempts",
    "http: upstream 10.0.{a}.{b} returned 502 for /api/v1/items/{n}",
    "storage: disk /dev/sd{a} is {n}% full",
    "mailer: smtp 421 too many connections from 192.168.{a}.{b}",
    "search: shard {a} failed: timeout after {n}ms",
    "scheduler: job cleanup-{n} missed its deadline by {a}s",
    "grpc: deadline exceeded calling inventory.Reserve after {n}ms",
    "config: missing key feature.flag_{a} in /etc/app/{n}.yaml",
];

fn generate(path: &Path, total: usize) -> std::io::Result<()> {
    let mut r = Rng(42);
    let mut out = String::with_capacity(160 * total);
    let mut lines = 0;
    let mut i = 0;
    while lines < total {
        i += 1;
        let ts = timestamp(i);
        let roll = r.below(100);
        let record = if roll < 5 {
            let t = FRAMELESS[r.below(12) as usize]
                .replace("{a}", &r.below(10).to_string())
                .replace("{b}", &r.below(250).to_string())
                .replace("{n}", &r.below(100_000).to_string());
            format!("{ts} ERROR [worker-{}] {t}\n", r.below(8))
        } else if roll < 10 {
            format!(
                "{ts} ERROR [worker-{}] app: request failed\n{}",
                r.below(8),
                trace(r.below(4), &mut r)
            )
        } else if roll < 15 {
            format!(
                "{ts} WARN [worker-{}] http: slow request /api/v1/items/{} took {}ms\n",
                r.below(8),
                r.below(100_000),
                r.below(5000)
            )
        } else if roll < 30 {
            format!(
                "{ts} DEBUG [worker-{}] cache: hit ratio {}.{}\n",
                r.below(8),
                r.below(100),
                r.below(10)
            )
        } else {
            format!(
                "{ts} INFO [worker-{}] http: GET /api/v1/items/{} 200 in {}ms\n",
                r.below(8),
                r.below(100_000),
                r.below(300)
            )
        };
        let n = record.lines().count();
        if lines + n > total {
            continue;
        }
        lines += n;
        out.push_str(&record);
    }
    std::fs::write(path, out)
}

/// Wall time and peak RSS (KiB, from GNU time when present) of one command.
fn measure(
    program: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
) -> Result<(f64, Option<u64>), String> {
    let gnu_time = Path::new("/usr/bin/time");
    let rss_file = std::env::temp_dir().join(format!("luffy-bench-rss-{}", std::process::id()));
    let mut cmd = if gnu_time.exists() {
        let mut cmd = Command::new(gnu_time);
        cmd.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(program)
            .args(args);
        cmd
    } else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    };
    for (key, value) in env {
        cmd.env(key, value);
    }
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    if !out.status.success() && !args.contains(&"-c") {
        return Err(format!(
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.trim().lines().last()?.parse().ok());
    let _ = std::fs::remove_file(&rss_file);
    Ok((seconds, rss))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), String> {
    let mut runs = 3usize;
    let mut baseline: Option<PathBuf> = None;
    let mut lines = LINES;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).ok_or("--runs N")?,
            "--baseline" => baseline = Some(args.next().ok_or("--baseline BIN")?.into()),
            "--lines" => {
                lines = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--lines N")?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target"));
    let bin = root.join("release/luffy");
    if !bin.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release` first",
            bin.display()
        ));
    }
    let dir = root.join("bench-ingest");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let log = dir.join("app.log");
    generate(&log, lines).map_err(|e| e.to_string())?;
    let grep = Path::new("/usr/bin/grep");
    let log_arg = log.to_str().ok_or("path")?;
    let mut luffy_times = Vec::new();
    let mut grep_times = Vec::new();
    let mut rss_max = None;
    let mut last_report = String::new();
    let mut base_times = Vec::new();
    let mut base_rss = None;
    for run in 0..runs {
        if let Some(base) = &baseline {
            let (seconds, rss) = fetch_once(base, &dir, log_arg, "base")?;
            base_times.push(seconds);
            base_rss = base_rss.max(rss);
        }
        let db = dir.join(format!("run-{run}.db"));
        let _ = std::fs::remove_file(&db);
        let env = [
            ("LUFFY_DB", db.as_path()),
            ("LUFFY_CONFIG", Path::new("/dev/null")),
        ];
        measure(&bin, &["service", "add", "bench"], &env)?;
        measure(
            &bin,
            &[
                "source", "add", "bench", "app", "--kind", "file", "--path", log_arg,
            ],
            &env,
        )?;
        let (seconds, rss) = measure(&bin, &["trigger", "fetch", "bench"], &env)?;
        luffy_times.push(seconds);
        rss_max = rss_max.max(rss);
        let out = Command::new(&bin)
            .args(["history", "--json"])
            .env("LUFFY_DB", &db)
            .env("LUFFY_CONFIG", "/dev/null")
            .output()
            .map_err(|e| e.to_string())?;
        last_report = String::from_utf8_lossy(&out.stdout).into_owned();
        grep_times.push(measure(grep, &["-c", "ERROR", log_arg], &[])?.0);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("run-{run}.db{suffix}")));
        }
    }
    let command = command_run(&bin, &dir, log_arg)?;
    let history: serde_json::Value =
        serde_json::from_str(&last_report).map_err(|e| e.to_string())?;
    let counts = &history[0]["counts"];
    let (luffy, grep_s) = (median(luffy_times), median(grep_times));
    let mut t = String::new();
    let _ = writeln!(
        t,
        "bench_ingest: {lines} lines ({} MB), {runs} runs, medians",
        std::fs::metadata(&log).map_or(0, |m| m.len() / 1_000_000)
    );
    let base_arg = baseline
        .as_ref()
        .map(|b| format!(" --baseline {}", b.display()))
        .unwrap_or_default();
    let lines_arg = if lines == LINES {
        String::new()
    } else {
        format!(" --lines {lines}")
    };
    let _ = writeln!(
        t,
        "command: cargo run --release --example bench_ingest -- --runs {runs}{lines_arg}{base_arg}\n"
    );
    let _ = writeln!(t, "| measure | value | target |");
    let _ = writeln!(t, "|---|---:|---|");
    let _ = writeln!(
        t,
        "| records / events / clusters | {} / {} / {} | |",
        counts["records"], counts["events"], counts["new_clusters"]
    );
    let _ = writeln!(t, "| `luffy trigger fetch` seconds | {luffy:.3} | |");
    let _ = writeln!(t, "| `grep -c ERROR` seconds | {grep_s:.3} | |");
    let _ = writeln!(
        t,
        "| luffy lines/s | {:.0} | >= 500,000 |",
        lines as f64 / luffy
    );
    let _ = writeln!(t, "| luffy / grep time | {:.2}x | <= 10x |", luffy / grep_s);
    let _ = writeln!(
        t,
        "| luffy peak RSS | {} | <= 150 MB |",
        rss_max.map_or("n/a (no /usr/bin/time)".into(), |kb: u64| format!(
            "{:.1} MB",
            kb as f64 / 1024.0
        ))
    );
    let _ = writeln!(
        t,
        "| command source `cat` of the file 3x ({} lines): seconds, peak RSS | {:.3} s, {} | <= 150 MB |",
        3 * lines,
        command.0,
        command.1.map_or("n/a (no /usr/bin/time)".into(), |kb: u64| format!(
            "{:.1} MB",
            kb as f64 / 1024.0
        ))
    );
    if let Some(base) = &baseline {
        let base_s = median(base_times);
        let _ = writeln!(
            t,
            "\nagainst the baseline {} (same file, same runs, interleaved):\n",
            base.display()
        );
        let _ = writeln!(t, "| measure | luffy | baseline | luffy / baseline |");
        let _ = writeln!(t, "|---|---:|---:|---:|");
        let _ = writeln!(
            t,
            "| fetch seconds (median) | {luffy:.3} | {base_s:.3} | {:.2}x |",
            luffy / base_s
        );
        let _ = writeln!(
            t,
            "| lines/s | {:.0} | {:.0} | {:.2}x |",
            lines as f64 / luffy,
            lines as f64 / base_s,
            base_s / luffy
        );
        if let (Some(a), Some(b)) = (rss_max, base_rss) {
            let _ = writeln!(
                t,
                "| peak RSS | {:.1} MB | {:.1} MB | {:.2}x |",
                a as f64 / 1024.0,
                b as f64 / 1024.0,
                a as f64 / b as f64
            );
        }
    }
    print!("{t}");
    Ok(())
}

/// One fetch of the log by `bin` into a database of its own: its time and peak RSS.
fn fetch_once(bin: &Path, dir: &Path, log: &str, name: &str) -> Result<(f64, Option<u64>), String> {
    let db = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}.db{suffix}")));
    }
    let env = [
        ("LUFFY_DB", db.as_path()),
        ("LUFFY_CONFIG", Path::new("/dev/null")),
    ];
    measure(bin, &["service", "add", "bench"], &env)?;
    measure(
        bin,
        &[
            "source", "add", "bench", "app", "--kind", "file", "--path", log,
        ],
        &env,
    )?;
    let measured = measure(bin, &["trigger", "fetch", "bench"], &env)?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}.db{suffix}")));
    }
    Ok(measured)
}

/// One fetch of a command source that prints the log three times: its time and peak RSS (a
/// command's output is streamed, so memory must not grow with it).
fn command_run(bin: &Path, dir: &Path, log: &str) -> Result<(f64, Option<u64>), String> {
    let db = dir.join("command.db");
    let _ = std::fs::remove_file(&db);
    let env = [
        ("LUFFY_DB", db.as_path()),
        ("LUFFY_CONFIG", Path::new("/dev/null")),
    ];
    measure(bin, &["service", "add", "bench"], &env)?;
    let command = format!("cat {log} {log} {log}");
    measure(
        bin,
        &[
            "source",
            "add",
            "bench",
            "dump",
            "--kind",
            "command",
            "--command",
            &command,
            "--timeout",
            "600s",
            "--since",
            "2024-01-01T00:00:00Z",
        ],
        &env,
    )?;
    let measured = measure(bin, &["trigger", "fetch", "bench"], &env)?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("command.db{suffix}")));
    }
    Ok(measured)
}
