//! The `command` source: a program run without a shell, whose standard output is the log.
//!
//! `{since}` in any argument becomes the cursor time (RFC 3339, UTC): the time the previous run
//! started, or `--since` on the first run. The cursor stored after a run is the time that run
//! started, so a record written while a run was going is asked for again by the next run: delivery
//! is at least once, and a record is repeated only when it was written during a run (or exactly at
//! the boundary, for programs whose `--since` is inclusive). Nothing written after a run started
//! can be lost.

use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{anyhow, bail, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rustix::process::Pid;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wrapper::LineFormat;
use super::CommandSettings;

/// The placeholder replaced by the cursor time.
pub const SINCE_PLACEHOLDER: &str = "{since}";
/// How many lines of standard error an error message quotes.
const STDERR_LINES: usize = 5;
/// How much of standard error is kept.
const STDERR_MAX: usize = 64 * 1024;
/// How often a running program is checked.
const POLL: StdDuration = StdDuration::from_millis(10);
/// How long what a program left running may hold its output after it exited.
const EXIT_GRACE: StdDuration = StdDuration::from_secs(1);
/// How long a program's group has between TERM and KILL.
const TERM_GRACE: StdDuration = StdDuration::from_secs(2);

/// A command that prints log lines.
#[derive(Debug, Clone)]
pub struct CommandSource {
    argv: Vec<String>,
    timeout: StdDuration,
    /// Where the first fetch starts (`--since`), when set.
    pub first_since: Option<String>,
    /// How the output's lines are wrapped.
    pub format: LineFormat,
}

/// The cursor of a command source: the time the last successful run started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandCursor {
    /// RFC 3339, UTC.
    pub since: String,
    /// Lines of the run since `since` stored already: a fetch that stopped in the middle of a
    /// run (killed, or the program timed out) left this, and the next run skips them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: u64,
}

// serde hands `skip_serializing_if` a reference
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CommandSource {
    /// A source for `settings`; fails on an empty command line or a zero timeout.
    pub fn new(settings: &CommandSettings) -> Result<CommandSource> {
        if settings.argv.first().is_none_or(String::is_empty) {
            bail!("the command of a command source cannot be empty");
        }
        if settings.timeout_seconds == 0 {
            bail!("the timeout of a command source must be at least one second");
        }
        Ok(CommandSource {
            argv: settings.argv.clone(),
            timeout: StdDuration::from_secs(u64::from(settings.timeout_seconds)),
            first_since: settings.since.clone(),
            format: settings.format,
        })
    }

    /// The program's name, as error messages give it.
    pub fn program(&self) -> &str {
        &self.argv[0]
    }

    /// The arguments of a run asking for records since `since`.
    pub fn arguments(&self, since: DateTime<Utc>) -> Vec<String> {
        let text = since.to_rfc3339_opts(SecondsFormat::Secs, true);
        self.argv[1..]
            .iter()
            .map(|arg| arg.replace(SINCE_PLACEHOLDER, &text))
            .collect()
    }

    /// The cursor the command's records are asked for since: the stored one's, or `start`.
    pub fn since(&self, cursor: Option<&Value>, start: DateTime<Utc>) -> Result<Resume> {
        match cursor {
            None => Ok(Resume {
                since: start,
                skip: 0,
            }),
            Some(value) => serde_json::from_value::<CommandCursor>(value.clone())
                .ok()
                .and_then(|cursor| {
                    let since = DateTime::parse_from_rfc3339(&cursor.since).ok()?;
                    Some(Resume {
                        since: since.with_timezone(&Utc),
                        skip: cursor.skip,
                    })
                })
                .ok_or_else(|| anyhow!("the stored command cursor {value} is not understood")),
        }
    }

    /// `source test`: runs the program from one hour before `now` and counts its lines.
    pub fn test(&self, now: DateTime<Utc>) -> Result<String> {
        let mut running = self.start(now - chrono::Duration::hours(1))?;
        let mut lines = 0u64;
        let mut line = Vec::new();
        while running.next_line(&mut line)? {
            lines += 1;
        }
        running.finish()?;
        Ok(format!(
            "command {} ran; it printed {lines} lines for the last hour",
            self.program()
        ))
    }

    /// Starts the program, asking for records since `since`, in a process group of its own:
    /// its output is read line by line from the [`Running`] run, which ends it at its timeout
    /// (the whole group: the program's children too).
    pub fn start(&self, since: DateTime<Utc>) -> Result<Running> {
        let program = self.program();
        let mut child = Command::new(program)
            .args(self.arguments(since))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|err| match err.kind() {
                ErrorKind::NotFound => anyhow!("command {program} was not found"),
                ErrorKind::PermissionDenied => anyhow!("command {program} is not executable"),
                _ => anyhow!("could not start command {program}: {err}"),
            })?;
        let group = Pid::from_child(&child);
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = drain(child.stderr.take(), STDERR_MAX);
        let (read_to_end, output_closed) = mpsc::channel();
        let timeout = self.timeout;
        let watchdog = thread::spawn(move || watch(child, timeout, &output_closed));
        Ok(Running {
            program: program.to_string(),
            timeout,
            group,
            stdout: BufReader::with_capacity(64 * 1024, stdout),
            stderr,
            watchdog: Some(watchdog),
            read_to_end,
        })
    }
}

/// Where a command's run starts: the time asked since, and how many lines of that run's output
/// were stored already (by a fetch that stopped before the run's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    pub since: DateTime<Utc>,
    pub skip: u64,
}

/// A program that runs: its output lines, then how it ended.
#[derive(Debug)]
pub struct Running {
    program: String,
    timeout: StdDuration,
    /// The program's process group (its pid).
    group: Pid,
    stdout: BufReader<ChildStdout>,
    stderr: mpsc::Receiver<Vec<u8>>,
    watchdog: Option<thread::JoinHandle<std::io::Result<Ended>>>,
    /// Told when the output was read to its end, so that the watchdog need not end the group.
    read_to_end: mpsc::Sender<()>,
}

/// How a run ended.
#[derive(Debug)]
enum Ended {
    Exited(ExitStatus),
    TimedOut,
}

impl Running {
    /// The next line of the output into `line` (without its `\n` or `\r\n`; a last line without
    /// a newline counts); false at the end of the output.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> Result<bool> {
        line.clear();
        let n = self.stdout.read_until(b'\n', line).map_err(|err| {
            anyhow!(
                "could not read the output of command {}: {err}",
                self.program
            )
        })?;
        if n == 0 {
            let _ = self.read_to_end.send(());
            return Ok(false);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Ok(true)
    }

    /// Waits for the program to end and says how it did: an error for a timeout or a failure,
    /// quoting the first lines of its standard error.
    pub fn finish(mut self) -> Result<()> {
        let _ = self.read_to_end.send(());
        let program = &self.program;
        let ended = self
            .watchdog
            .take()
            .expect("finished once")
            .join()
            .map_err(|_| anyhow!("the watch over command {program} failed"))?
            .map_err(|err| anyhow!("could not wait for command {program}: {err}"))?;
        let status = match ended {
            Ended::TimedOut => bail!(
                "command {program} timed out after {}s",
                self.timeout.as_secs()
            ),
            Ended::Exited(status) => status,
        };
        if status.success() {
            return Ok(());
        }
        let err = receive(&self.stderr, Instant::now() + StdDuration::from_millis(200))
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&err);
        let first: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(STDERR_LINES)
            .collect();
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        if first.is_empty() {
            bail!("command {program} {how}");
        }
        bail!("command {program} {how}: {}", first.join(" | "))
    }
}

impl Drop for Running {
    /// A run left before its end (a fetch that failed) ends the program's group.
    fn drop(&mut self) {
        if let Some(watchdog) = self.watchdog.take() {
            let _ = self.read_to_end.send(());
            if !watchdog.is_finished() {
                end_group(self.group);
            }
            let _ = watchdog.join();
        }
    }
}

/// Watches the program until it ends: at its timeout the whole group is ended (TERM, then KILL
/// after a grace period); once it exited, what it left running and still holding the output
/// is ended after a grace period too, unless the output was read to its end.
fn watch(
    mut child: Child,
    timeout: StdDuration,
    output_closed: &mpsc::Receiver<()>,
) -> std::io::Result<Ended> {
    let deadline = Instant::now() + timeout;
    let group = Pid::from_child(&child);
    loop {
        if let Some(status) = child.try_wait()? {
            if output_closed.recv_timeout(EXIT_GRACE).is_err() {
                end_group(group);
            }
            return Ok(Ended::Exited(status));
        }
        if Instant::now() >= deadline {
            end_group(group);
            child.wait()?;
            return Ok(Ended::TimedOut);
        }
        thread::sleep(POLL);
    }
}

/// Ends every process of `group`: TERM, then KILL to what is left after [`TERM_GRACE`].
fn end_group(group: Pid) {
    use rustix::process::{kill_process_group, Signal};
    if kill_process_group(group, Signal::TERM).is_err() {
        return; // none left
    }
    let until = Instant::now() + TERM_GRACE;
    while Instant::now() < until {
        // signal 0: is any process of the group left?
        if rustix::process::test_kill_process_group(group).is_err() {
            return;
        }
        thread::sleep(POLL);
    }
    let _ = kill_process_group(group, Signal::KILL);
}

/// Reads a pipe to its end on a thread, keeping at most `max` bytes; the result comes on the channel.
fn drain<R: Read + Send + 'static>(pipe: Option<R>, max: usize) -> mpsc::Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut pipe) = pipe {
            let mut buffer = vec![0u8; 16 * 1024];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let room = max.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
            }
        }
        // The receiver may be gone after a timeout; nothing to do then.
        let _ = send.send(kept);
    });
    receive
}

fn receive(channel: &mpsc::Receiver<Vec<u8>>, deadline: Instant) -> Option<Vec<u8>> {
    channel
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(argv: &[&str]) -> CommandSource {
        CommandSource::new(&CommandSettings {
            argv: argv.iter().map(|s| (*s).to_string()).collect(),
            timeout_seconds: 5,
            since: None,
            format: crate::sources::wrapper::LineFormat::Auto,
            timezone: None,
            version_field: None,
        })
        .expect("source")
    }

    #[test]
    fn since_is_replaced_in_every_argument() {
        let time = DateTime::from_timestamp(1_705_312_800, 0).expect("time");
        let args = source(&["journalctl", "--since={since}", "x{since}y", "plain"]).arguments(time);
        assert_eq!(
            args,
            [
                "--since=2024-01-15T10:00:00Z",
                "x2024-01-15T10:00:00Zy",
                "plain"
            ]
        );
    }

    #[test]
    fn empty_commands_and_zero_timeouts_are_refused() {
        let settings = |argv: Vec<String>, timeout_seconds| CommandSettings {
            argv,
            timeout_seconds,
            since: None,
            format: crate::sources::wrapper::LineFormat::Auto,
            timezone: None,
            version_field: None,
        };
        assert!(CommandSource::new(&settings(vec![], 5)).is_err());
        assert!(CommandSource::new(&settings(vec![String::new()], 5)).is_err());
        assert!(CommandSource::new(&settings(vec!["true".into()], 0)).is_err());
    }
}
