//! The `command` source: a program run without a shell, whose standard output is the log.
//!
//! `{since}` in any argument becomes the cursor time (RFC 3339, UTC): the time the previous run
//! started, or `--since` on the first run. The cursor stored after a run is the time that run
//! started, so a record written while a run was going is asked for again by the next run: delivery
//! is at least once, and a record is repeated only when it was written during a run (or exactly at
//! the boundary, for programs whose `--since` is inclusive). Nothing written after a run started
//! can be lost.

use std::io::{ErrorKind, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{anyhow, bail, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CommandSettings, Page, RawRecord};

/// The placeholder replaced by the cursor time.
pub const SINCE_PLACEHOLDER: &str = "{since}";
/// How many lines of standard error an error message quotes.
const STDERR_LINES: usize = 5;
/// How much of standard error is kept.
const STDERR_MAX: usize = 64 * 1024;
/// How often a running program is checked.
const POLL: StdDuration = StdDuration::from_millis(10);

/// A command that prints log lines.
#[derive(Debug, Clone)]
pub struct CommandSource {
    argv: Vec<String>,
    timeout: StdDuration,
}

/// The cursor of a command source: the time the last successful run started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandCursor {
    /// RFC 3339, UTC.
    pub since: String,
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

    /// Runs the program once and returns its output lines (not yet assembled into records) and
    /// the cursor `{"since": now}`; the run asks for records since the cursor, or `start`.
    pub fn fetch(
        &self,
        cursor: Option<&Value>,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Page> {
        let since = match cursor {
            None => start,
            Some(value) => serde_json::from_value::<CommandCursor>(value.clone())
                .ok()
                .and_then(|cursor| DateTime::parse_from_rfc3339(&cursor.since).ok())
                .map(|time| time.with_timezone(&Utc))
                .ok_or_else(|| anyhow!("the stored command cursor {value} is not understood"))?,
        };
        let output = self.run(since)?;
        let records = split_lines(&output)
            .map(|line| RawRecord {
                text: String::from_utf8_lossy(line).into_owned(),
                timestamp: None,
                level: None,
                whole: false,
            })
            .collect();
        Ok(Page {
            records,
            cursor: Some(serde_json::to_value(CommandCursor {
                since: now.to_rfc3339_opts(SecondsFormat::Secs, true),
            })?),
            done: true,
        })
    }

    /// `source test`: runs the program from one hour before `now` and counts its lines.
    pub fn test(&self, now: DateTime<Utc>) -> Result<String> {
        let output = self.run(now - chrono::Duration::hours(1))?;
        Ok(format!(
            "command {} ran; it printed {} lines for the last hour",
            self.program(),
            split_lines(&output).count()
        ))
    }

    /// Runs the program and returns its standard output, or why it failed.
    fn run(&self, since: DateTime<Utc>) -> Result<Vec<u8>> {
        let program = self.program();
        let mut child = Command::new(program)
            .args(self.arguments(since))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| match err.kind() {
                ErrorKind::NotFound => anyhow!("command {program} was not found"),
                ErrorKind::PermissionDenied => anyhow!("command {program} is not executable"),
                _ => anyhow!("could not start command {program}: {err}"),
            })?;
        let stdout = drain(child.stdout.take(), usize::MAX);
        let stderr = drain(child.stderr.take(), STDERR_MAX);
        let deadline = Instant::now() + self.timeout;
        let status = wait_until(&mut child, deadline)?.ok_or_else(|| {
            anyhow!(
                "command {program} timed out after {}s",
                self.timeout.as_secs()
            )
        })?;
        // A child of the program may hold the pipes open after it exits: do not wait for it long.
        let grace = deadline.max(Instant::now() + StdDuration::from_secs(1));
        let out = receive(&stdout, grace)
            .ok_or_else(|| anyhow!("command {program} exited but its output stayed open"))?;
        if !status.success() {
            let err = receive(&stderr, Instant::now() + StdDuration::from_millis(200))
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
            bail!("command {program} {how}: {}", first.join(" | "));
        }
        Ok(out)
    }
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

/// Waits for the child until `deadline`; past it, kills it and returns `None`.
fn wait_until(child: &mut Child, deadline: Instant) -> Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // It may have exited in between; either way it is reaped below.
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(POLL);
    }
}

/// The lines of an output, without their `\n` (or `\r\n`); a last line without newline counts.
fn split_lines(output: &[u8]) -> impl Iterator<Item = &[u8]> {
    let trimmed = output.strip_suffix(b"\n").unwrap_or(output);
    trimmed
        .split(|&b| b == b'\n')
        .filter(move |_| !output.is_empty())
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
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
    fn lines_split_on_newlines_only() {
        let lines: Vec<&[u8]> = split_lines(b"a\r\nb\n\nc").collect();
        assert_eq!(lines, [&b"a"[..], b"b", b"", b"c"]);
        assert_eq!(split_lines(b"").count(), 0);
        assert_eq!(split_lines(b"one\n").count(), 1);
    }

    #[test]
    fn empty_commands_and_zero_timeouts_are_refused() {
        let settings = |argv: Vec<String>, timeout_seconds| CommandSettings {
            argv,
            timeout_seconds,
            since: None,
            format: crate::sources::wrapper::LineFormat::Auto,
            timezone: None,
        };
        assert!(CommandSource::new(&settings(vec![], 5)).is_err());
        assert!(CommandSource::new(&settings(vec![String::new()], 5)).is_err());
        assert!(CommandSource::new(&settings(vec!["true".into()], 0)).is_err());
    }
}
