//! Kill tests: SIGKILL a fetch at random moments, each kill landing mid-fetch (some but not all of
//! its batches committed), with delays from a seeded generator so that a failure can be replayed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::Luffy;

/// Seeded random numbers (xorshift64*): the seed is `LUFFY_TEST_SEED` when set, else taken from
/// the clock, and is printed with the command that replays it.
pub struct Rng {
    seed: u64,
    state: u64,
}

impl Rng {
    pub fn from_env() -> Rng {
        let seed = match std::env::var("LUFFY_TEST_SEED") {
            Ok(text) => text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("LUFFY_TEST_SEED={text:?} is not a number")),
            Err(_) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock");
                now.as_secs() ^ u64::from(now.subsec_nanos())
            }
        };
        let rng = Rng::new(seed);
        eprintln!("seed {seed}; replay: {}", rng.replay());
        rng
    }

    pub fn new(seed: u64) -> Rng {
        // splitmix64 spreads small seeds over the state, which must not be zero
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng {
            seed,
            state: (z ^ (z >> 31)).max(1),
        }
    }

    /// The command that runs this test again with this seed.
    pub fn replay(&self) -> String {
        let exe = std::env::current_exe().expect("test binary");
        let stem = exe.file_stem().and_then(|s| s.to_str()).unwrap_or("NAME");
        // cargo names an integration test's binary `NAME-HASH`
        let binary = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
        let thread = std::thread::current();
        let test = thread
            .name()
            .filter(|name| *name != "main")
            .unwrap_or("TEST");
        format!(
            "LUFFY_TEST_SEED={} cargo test --test {binary} {test}",
            self.seed
        )
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..hi`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }
}

/// What a kill test kills: `luffy ARGS` with `LUFFY_FETCH_BATCH=batch`, `kills` times, over a
/// fetch that stores `total` events in all.
pub struct Plan<'a> {
    pub args: &'a [&'a str],
    pub batch: &'a str,
    pub kills: usize,
    pub total: u64,
}

/// Attempts allowed for one kill before the test gives up on landing it mid-fetch.
const TRIES: usize = 16;

/// Where an attempt's kill landed, judged by the events stored before and after it.
enum Landed {
    /// Nothing was committed: the delay was too short.
    Early,
    /// Everything was committed, or more than the kills after this one can spare.
    Late,
    /// Some but not all batches were committed.
    Mid(u64),
}

/// What the attempts so far say about delays (in ms): `early` was too short for the first commit,
/// `late` too long; `end` estimates when the work that is left would be done.
#[derive(Default)]
struct Delays {
    early: f64,
    late: Option<f64>,
    end: Option<f64>,
}

impl Delays {
    /// The next delay: doubling from 1 ms until a first kill lands, then about an equal share of
    /// what is left for each kill to come (`left`, this one included), jittered.
    fn next(&self, left: usize, rng: &mut Rng) -> f64 {
        match [self.late, self.end].into_iter().flatten().reduce(f64::min) {
            Some(top) if top > self.early => {
                self.early + (top - self.early) * rng.between(0.5, 1.5) / (left + 1) as f64
            }
            _ => (2.0 * self.early).max(1.0),
        }
    }

    fn learn(&mut self, delay: f64, landed: &Landed, stored: u64, left_after: u64) {
        match landed {
            Landed::Early => self.early = self.early.max(delay),
            Landed::Late => {
                let late = self.late.map_or(delay, |late| late.min(delay));
                self.late = Some(late);
                if late <= self.early {
                    self.early = late / 2.0; // timing noise: trust the later fact
                }
            }
            Landed::Mid(_) => {
                self.end =
                    Some(self.early + (delay - self.early) * left_after as f64 / stored as f64);
            }
        }
    }
}

impl Luffy {
    /// Runs `plan`: each kill must land mid-fetch, storing more events than before it and fewer
    /// than the total; one that lands before the first commit or after the last (or takes more
    /// than its share, leaving too little for the kills after it) is undone, the database put
    /// back as it was, and tried again with another delay. Panics, naming the seed, when a kill
    /// cannot land mid-fetch in [`TRIES`] attempts. Returns the events stored after each kill.
    pub fn kill_mid_fetch(&self, plan: &Plan, rng: &mut Rng) -> Vec<u64> {
        let mut delays = Delays::default();
        let mut stored = Vec::new();
        let mut attempts = Vec::new();
        for kill in 0..plan.kills {
            let before = self.stored_events();
            let left = plan.kills - kill;
            let saved = self.save_db();
            let landed = (0..TRIES).find_map(|_| {
                let delay = delays.next(left, rng);
                let (stopped, after) = self.kill_after(plan, delay);
                assert!(
                    after <= plan.total,
                    "{after} events stored, more than the {} there are; replay: {}",
                    plan.total,
                    rng.replay()
                );
                let landed = judge(before, after, plan.total, left);
                attempts.push(format!(
                    "kill {kill}: after {delay:.1} ms (stopped at {stopped:.1}), {before} -> {after}"
                ));
                delays.learn(delay.min(stopped), &landed, after - before, plan.total - after);
                match landed {
                    Landed::Mid(after) => Some(after),
                    Landed::Early | Landed::Late => {
                        saved.restore();
                        None
                    }
                }
            });
            let Some(after) = landed else {
                panic!(
                    "kill {kill} of {} did not land mid-fetch in {TRIES} tries ({} of {} events \
                     stored); replay: {}\n{}",
                    plan.kills,
                    before,
                    plan.total,
                    rng.replay(),
                    attempts.join("\n")
                );
            };
            stored.push(after);
        }
        eprintln!(
            "{} attempts for {} kills mid-fetch:\n{}",
            attempts.len(),
            plan.kills,
            attempts.join("\n")
        );
        stored
    }

    /// Starts the plan's command and kills it with SIGKILL after `delay_ms`, unless it finishes
    /// first; returns when it stopped (in ms) and the events stored then.
    fn kill_after(&self, plan: &Plan, delay_ms: f64) -> (f64, u64) {
        let mut child = self
            .command(plan.args)
            .env("LUFFY_FETCH_BATCH", plan.batch)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn luffy");
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(delay_ms / 1000.0);
        // a fetch that ends before its kill need not be waited for to the end of the delay
        while child.try_wait().expect("wait for luffy").is_none() {
            let now = Instant::now();
            if now >= deadline {
                let _ = child.kill(); // SIGKILL; it may have finished just now
                break;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(5)));
        }
        let stopped = started.elapsed().as_secs_f64() * 1000.0;
        child.wait().expect("wait for luffy");
        (stopped, self.stored_events())
    }

    /// Events stored in the database.
    pub fn stored_events(&self) -> u64 {
        self.read_db()
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .expect("count events")
    }

    /// The database's files (with its write-ahead log) as they are; no process may have it open.
    fn save_db(&self) -> SavedDb {
        let files = ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| {
                let mut path = self.db.clone().into_os_string();
                path.push(suffix);
                let path = PathBuf::from(path);
                let bytes = std::fs::read(&path).ok();
                (path, bytes)
            })
            .collect();
        SavedDb(files)
    }
}

/// A database's files and their bytes, `None` for one that did not exist.
struct SavedDb(Vec<(PathBuf, Option<Vec<u8>>)>);

impl SavedDb {
    /// Puts the files back as they were saved; no process may have the database open.
    fn restore(&self) {
        for (path, bytes) in &self.0 {
            match bytes {
                Some(bytes) => std::fs::write(path, bytes).expect("restore database file"),
                None => {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }
}

/// Where a kill landed: `before` and `after` events stored out of `total`, with `left` kills to
/// go (this one included). Each kill may take up to twice an equal share of what is left, so that
/// some is left for the kills after it (for the last, `2 / (n (n + 1))` of the whole at least,
/// for `n` kills).
fn judge(before: u64, after: u64, total: u64, left: usize) -> Landed {
    let remaining = total - before;
    let share = if left >= 2 {
        remaining * 2 / (left as u64 + 1)
    } else {
        remaining - 1
    };
    if after == before {
        Landed::Early
    } else if after >= total || after - before > share {
        Landed::Late
    } else {
        Landed::Mid(after)
    }
}
