//! Benchmark: `luffy serve` under load. 1,000 services, each with a file source holding log
//! data; 200 concurrent clients (one keep-alive connection each) doing
//! `GET /api/v1/services/status` for N seconds while `luffy run-due` fetches every service in
//! the served database. Prints p50/p99 latency, errors and requests/s, and run-due's wall time
//! under that load against run-due alone on identical copies of the database (one before the
//! load, one after), on the same machine in the same run.
//!
//! Targets: no errors, p99 <= 50 ms, run-due not slowed by more than 10%.
//!
//! Clients ask for compressed answers (`Accept-Encoding: gzip`, as browsers, `curl
//! --compressed` and Prometheus do) unless `--identity`. Each asks again 100 ms after its answer
//! (`--pause-ms N`; ten polls a second from each of 200 clients); `--pause-ms 0` asks at once, a
//! closed loop in which the clients, on the same cores, take what they can.
//!
//! Run: `cargo build --release --bins --examples && target/release/examples/bench_serve
//! [--seconds N --clients N --services N --bin PATH --identity --pause-ms N --keep
//! --path PATH]`; `--path /healthz` measures the traffic alone, without the status answer.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

struct Options {
    seconds: u64,
    clients: usize,
    services: usize,
    bin: PathBuf,
    /// Ask for answers as they are rather than compressed.
    identity: bool,
    /// Each client's pause between requests (zero: a closed loop).
    pause: Duration,
    /// Keep the databases and logs afterwards (to profile them).
    keep: bool,
    /// What the clients ask for (the status answer; `/healthz` measures the traffic alone).
    path: String,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        seconds: 15,
        clients: 200,
        services: 1000,
        bin: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/luffy")),
        identity: false,
        pause: Duration::from_millis(100),
        keep: false,
        path: "/api/v1/services/status".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => o.seconds = value()?.parse().map_err(|_| "--seconds N")?,
            "--clients" => o.clients = value()?.parse().map_err(|_| "--clients N")?,
            "--services" => o.services = value()?.parse().map_err(|_| "--services N")?,
            "--bin" => o.bin = PathBuf::from(value()?),
            "--identity" => o.identity = true,
            "--keep" => o.keep = true,
            "--path" => o.path = value()?,
            "--pause-ms" => {
                o.pause = Duration::from_millis(value()?.parse().map_err(|_| "--pause-ms N")?);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !o.bin.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release` first",
            o.bin.display()
        ));
    }
    Ok(o)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The services file, and a log file per service (a few error kinds, some repeated), settled
/// an hour ago so that the reader takes every record.
fn write_inputs(dir: &Path, services: usize) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(err)?;
    let mut entries = Vec::new();
    let mut paths = Vec::new();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for i in 0..services {
        entries.push(format!(
            r#"{{"id": "svc-{i:04}", "name": "Service {i}", "log_fetch_interval_minutes": {}, "rca_generation_enabled": false, "code_indexing_enabled": false, "notification_enabled": false}}"#,
            5 + i % 55
        ));
        let mut text = String::new();
        for n in 0..60 {
            let second = n % 60;
            let line = match n % 4 {
                0 => format!("2024-01-15 10:00:{second:02} ERROR db: svc-{i} cannot reach the database at 10.0.{}.{} after {n} retries\n", n % 7, n % 11),
                1 => format!("2024-01-15 10:01:{second:02} ERROR cache: key \"user-{n}\" missing in shard {}\n", n % 5),
                2 => format!("2024-01-15 10:02:{second:02} WARN http: slow request /orders/{n} took {}ms\n", 100 + n),
                _ => format!("2024-01-15 10:03:{second:02} ERROR payments: card declined for order {n} (code {})\n", 50 + n % 3),
            };
            text.push_str(&line);
        }
        let path = logs.join(format!("svc-{i:04}.log"));
        std::fs::write(&path, text).map_err(err)?;
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(hour_ago))
            .map_err(err)?;
        paths.push(path);
    }
    let file = dir.join("services.json");
    std::fs::write(&file, format!("[{}]", entries.join(",\n"))).map_err(err)?;
    Ok((file, paths))
}

fn luffy(bin: &Path, db: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("LUFFY_DB", db)
        .env("LUFFY_CONFIG", "/dev/null")
        .env_remove("LUFFY_NOW")
        .stdin(Stdio::null());
    cmd
}

/// The database every run starts from: the services imported with `luffy service import`, a
/// file source each (written in one transaction: 1,000 `source add` processes would only
/// measure process start), checkpointed so that the file alone holds it.
fn template(o: &Options, dir: &Path) -> Result<PathBuf, String> {
    let (file, logs) = write_inputs(dir, o.services)?;
    let db = dir.join("template.db");
    let out = luffy(
        &o.bin,
        &db,
        &["service", "import", file.to_str().ok_or("path")?],
    )
    .output()
    .map_err(err)?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut conn = rusqlite::Connection::open(&db).map_err(err)?;
    let tx = conn.transaction().map_err(err)?;
    for (i, path) in logs.iter().enumerate() {
        let settings = serde_json::json!({"kind": "file", "path": path, "from_end": false});
        tx.execute(
            "INSERT INTO log_sources (service_id, name, kind, settings, created_at, updated_at)
             VALUES (?1, 'app', 'file', ?2, '2024-01-15T09:00:00Z', '2024-01-15T09:00:00Z')",
            rusqlite::params![format!("svc-{i:04}"), settings.to_string()],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .map_err(err)?;
    drop(conn);
    Ok(db)
}

fn copy(template: &Path, name: &str) -> Result<PathBuf, String> {
    let db = template.with_file_name(name);
    std::fs::copy(template, &db).map_err(err)?;
    Ok(db)
}

/// `luffy run-due` on `db`: its wall time, and how many fetches it ran.
fn run_due(bin: &Path, db: &Path) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let out = luffy(bin, db, &["run-due"]).output().map_err(err)?;
    let elapsed = start.elapsed();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let conn = rusqlite::Connection::open(db).map_err(err)?;
    let fetches: i64 = conn
        .query_row(
            "SELECT count(*) FROM task_runs WHERE task = 'fetch' AND status = 'ok'",
            [],
            |row| row.get(0),
        )
        .map_err(err)?;
    Ok((elapsed, usize::try_from(fetches).unwrap_or(0)))
}

/// `luffy serve` on `db`, and its base URL.
fn serve(bin: &Path, db: &Path) -> Result<(Child, String), String> {
    let mut child = luffy(bin, db, &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(err)?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("stdout")?)
        .read_line(&mut line)
        .map_err(err)?;
    let base = line
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or(format!("luffy serve said {line:?}"))?
        .to_string();
    Ok((child, base))
}

/// What one client saw: each request's latency, and its errors.
#[derive(Default)]
struct Seen {
    latencies: Vec<Duration>,
    /// The first request's latency: the connection is made in it.
    first: Option<Duration>,
    /// The slowest request: when it started (since the client did) and how long it took.
    slowest: (Duration, Duration),
    errors: usize,
    first_error: Option<String>,
    /// Whether answers came compressed, and the bytes read.
    compressed: bool,
    bytes: usize,
}

/// One response off a keep-alive connection: its status, and its body as sent (compressed
/// when it says so, a chunked body put together).
fn response(reader: &mut BufReader<TcpStream>, body: &mut Vec<u8>) -> Result<(u16, bool), String> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(err)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(format!("status line {line:?}"))?;
    let (mut length, mut chunked, mut gzipped) = (None, false, false);
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(err)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').ok_or("a header without ':'")?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "content-encoding" => gzipped = value.eq_ignore_ascii_case("gzip"),
            _ => {}
        }
    }
    body.clear();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(err)?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(err)?;
            let at = body.len();
            body.resize(at + size, 0);
            reader.read_exact(&mut body[at..]).map_err(err)?;
            line.clear();
            reader.read_line(&mut line).map_err(err)?;
            if size == 0 {
                break;
            }
        }
    } else {
        body.resize(length.ok_or("no Content-Length")?, 0);
        reader.read_exact(body).map_err(err)?;
    }
    Ok((status, gzipped))
}

/// A client on one keep-alive connection, reading each answer whole as a load generator does
/// (wrk, hey): compressed answers are checked by their header, the first one inflated and
/// checked as JSON. Between requests it waits `pause` (zero: at once, a closed loop).
fn client(addr: &str, path: &str, gzip: bool, pause: Duration, stop: &AtomicBool) -> Seen {
    let mut seen = Seen::default();
    let stream = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => {
            seen.errors += 1;
            seen.first_error = Some(e.to_string());
            return seen;
        }
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => {
            seen.errors += 1;
            seen.first_error = Some(e.to_string());
            return seen;
        }
    };
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: bench_serve\r\n{}\r\n",
        if gzip {
            "Accept-Encoding: gzip\r\n"
        } else {
            ""
        }
    );
    let mut body = Vec::new();
    let begun = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let start = Instant::now();
        let result = writer
            .write_all(request.as_bytes())
            .map_err(err)
            .and_then(|()| response(&mut reader, &mut body))
            .and_then(|(status, gzipped)| {
                // the status answer is a list, /healthz an object
                let json_list = |bytes: &[u8]| matches!(bytes.first(), Some(b'[' | b'{'));
                let fine = status == 200
                    && if gzipped {
                        body.starts_with(&[0x1f, 0x8b])
                            && (seen.first.is_some() || {
                                let mut text = Vec::new();
                                flate2::read::GzDecoder::new(&body[..])
                                    .read_to_end(&mut text)
                                    .is_ok()
                                    && json_list(&text)
                            })
                    } else {
                        json_list(&body)
                    };
                if fine {
                    Ok(gzipped)
                } else {
                    Err(format!("status {status}, compressed {gzipped}"))
                }
            });
        match result {
            Ok(gzipped) => {
                let took = start.elapsed();
                seen.compressed |= gzipped;
                seen.bytes += body.len();
                if seen.first.is_none() {
                    seen.first = Some(took);
                } else {
                    if took > seen.slowest.1 {
                        seen.slowest = (start - begun, took);
                    }
                    seen.latencies.push(took);
                }
            }
            Err(e) => {
                seen.errors += 1;
                seen.first_error.get_or_insert(e);
                // the connection is in an unknown state: the rest of this client's time is lost
                break;
            }
        }
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
    seen
}

/// CPU time (user + system) a process has used so far, from `/proc/PID/stat` (Linux; `None`
/// elsewhere).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the fields after the command name, which may hold spaces, in its parentheses
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // clock ticks: 100 a second on Linux
    Some(ticks / 100.0)
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn main() -> Result<(), String> {
    let o = options()?;
    let dir = std::env::temp_dir().join(format!("luffy-bench-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(err)?;
    let template = template(&o, &dir)?;
    let (alone_db, loaded_db, after_db) = (
        copy(&template, "alone.db")?,
        copy(&template, "loaded.db")?,
        copy(&template, "after.db")?,
    );

    let (alone, fetched_alone) = run_due(&o.bin, &alone_db)?;

    let (mut server, base) = serve(&o.bin, &loaded_db)?;
    let addr = base.trim_start_matches("http://").to_string();
    let halt = Arc::new(AtomicBool::new(false));
    let (gzip, pause) = (!o.identity, o.pause);
    let clients: Vec<_> = (0..o.clients)
        .map(|_| {
            let (addr, halt, path) = (addr.clone(), Arc::clone(&halt), o.path.clone());
            std::thread::spawn(move || client(&addr, &path, gzip, pause, &halt))
        })
        .collect();
    let load_start = Instant::now();
    let server_pid = server.id().to_string();
    let cpu_before = (cpu_seconds(&server_pid), cpu_seconds("self"));
    std::thread::sleep(Duration::from_secs(1));
    let (loaded, fetched_loaded) = run_due(&o.bin, &loaded_db)?;
    let rest = Duration::from_secs(o.seconds).saturating_sub(load_start.elapsed());
    std::thread::sleep(rest);
    halt.store(true, Ordering::Relaxed);
    let window = load_start.elapsed();
    let cpu_after = (cpu_seconds(&server_pid), cpu_seconds("self"));
    let seen: Vec<Seen> = clients
        .into_iter()
        .map(|c| c.join().unwrap_or_default())
        .collect();
    stop(&mut server);

    let (after, fetched_after) = run_due(&o.bin, &after_db)?;

    let mut latencies: Vec<Duration> = seen.iter().flat_map(|s| s.latencies.clone()).collect();
    latencies.sort();
    let mut firsts: Vec<Duration> = seen.iter().filter_map(|s| s.first).collect();
    firsts.sort();
    let errors: usize = seen.iter().map(|s| s.errors).sum();
    let first_error = seen.iter().find_map(|s| s.first_error.clone());
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p50, p99, max) = (at(0.50), at(0.99), at(1.0));
    let rps = (latencies.len() + firsts.len()) as f64 / window.as_secs_f64();
    let alone_mean = (alone + after) / 2;
    let ratio = loaded.as_secs_f64() / alone_mean.as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "bench_serve: {} services with a file source each (60 records), {} clients on \
         GET {} for {:.1}s, {cores} cores",
        o.services,
        o.clients,
        o.path,
        window.as_secs_f64()
    );
    println!(
        "command: target/release/examples/bench_serve --seconds {} --clients {} --services {} \
         --pause-ms {}{} --path {}\n",
        o.seconds,
        o.clients,
        o.services,
        o.pause.as_millis(),
        if o.identity { " --identity" } else { "" },
        o.path,
    );
    let answers: usize = seen
        .iter()
        .map(|s| s.latencies.len() + usize::from(s.first.is_some()))
        .sum();
    let bytes: usize = seen.iter().map(|s| s.bytes).sum();
    println!(
        "answers {} ({:.1} KB each, {:.0} MB/s); each client {}\n",
        if seen.iter().any(|s| s.compressed) {
            "gzip-compressed"
        } else {
            "uncompressed"
        },
        bytes as f64 / answers.max(1) as f64 / 1024.0,
        bytes as f64 / window.as_secs_f64() / 1e6,
        if o.pause.is_zero() {
            "asks again as soon as it has an answer (a closed loop)".to_string()
        } else {
            format!(
                "waits {} ms between an answer and its next request",
                o.pause.as_millis()
            )
        }
    );
    if let ((Some(s0), Some(c0)), (Some(s1), Some(c1))) = (cpu_before, cpu_after) {
        let share = |cpu: f64| cpu / window.as_secs_f64() * 100.0;
        println!(
            "CPU during the load: the server {:.2} s ({:.0}% of a core), the clients {:.2} s \
             ({:.0}% of a core)\n",
            s1 - s0,
            share(s1 - s0),
            c1 - c0,
            share(c1 - c0)
        );
    }
    let first = |q: f64| {
        firsts
            .get(((firsts.len() as f64 * q) as usize).min(firsts.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "| requests | count | errors | req/s | p50 ms | p99 ms | max ms | target p99 ms | within |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    println!(
        "| on open connections | {} | {errors} | {rps:.1} | {:.1} | {:.1} | {:.1} | 50 | {} |",
        latencies.len(),
        ms(p50),
        ms(p99),
        ms(max),
        if errors == 0 && ms(p99) <= 50.0 {
            "yes"
        } else {
            "NO"
        }
    );
    println!(
        "| each client's first (connecting) | {} | | | {:.1} | {:.1} | {:.1} | | |",
        firsts.len(),
        ms(first(0.5)),
        ms(first(0.99)),
        ms(first(1.0)),
    );
    println!("\n| run-due | fetches | wall s |");
    println!("|---|---:|---:|");
    println!(
        "| alone (before the load) | {fetched_alone} | {:.2} |",
        alone.as_secs_f64()
    );
    println!(
        "| under the load | {fetched_loaded} | {:.2} |",
        loaded.as_secs_f64()
    );
    println!(
        "| alone (after the load) | {fetched_after} | {:.2} |",
        after.as_secs_f64()
    );
    println!(
        "\nrun-due under load / alone (mean of both): {ratio:.2} (target <= 1.10: {})",
        if ratio <= 1.10 { "yes" } else { "NO" }
    );
    let slowest = seen
        .iter()
        .map(|s| s.slowest)
        .max_by_key(|s| s.1)
        .unwrap_or_default();
    println!(
        "slowest request: started {:.2}s into the load, took {:.1} ms; {} of {} clients saw one over 1 s",
        slowest.0.as_secs_f64(),
        ms(slowest.1),
        seen.iter().filter(|s| s.slowest.1 > Duration::from_secs(1)).count(),
        seen.len()
    );
    if let Some(e) = first_error {
        println!("first error: {e}");
    }
    if o.keep {
        println!("kept: {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
