//! Triage's plain values: a rate (`N/DURATION`), a snooze's condition, and how many events of a
//! list of log times fall within one window. No store, clap or I/O: `store/` maps these to
//! columns, `cli.rs` to flags, and `tasks/notify` decides with them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::duration::parse_seconds;

/// The longest window a rate accepts: one year, as for every interval.
const MAX_WINDOW_SECONDS: u64 = 366 * 86_400;

/// `N` events within a window of log time, as `5/10m` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// At least one.
    pub count: u32,
    /// At least one second.
    pub seconds: u32,
}

impl Rate {
    /// Today's behaviour for a new cluster's notification: one event within a minute.
    pub const ONE_PER_MINUTE: Rate = Rate {
        count: 1,
        seconds: 60,
    };

    /// The window as a duration.
    pub fn window(self) -> chrono::Duration {
        chrono::Duration::seconds(i64::from(self.seconds))
    }

    /// Whether `times` (sorted) hold the rate's count within one window.
    pub fn reached(self, times: &[DateTime<Utc>]) -> bool {
        max_in_window(times, self.window()) >= u64::from(self.count)
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let text = text.trim();
        let Some((count, window)) = text.split_once('/') else {
            return Err(format!(
                "'{text}' is not a rate; use N/DURATION, as in 5/10m"
            ));
        };
        let count: u32 = match count.trim().parse::<i64>() {
            Ok(n) if n <= 0 => {
                return Err(format!("'{text}': the count must be at least 1, not {n}"))
            }
            Ok(n) => u32::try_from(n).map_err(|_| format!("'{text}': the count is too large"))?,
            Err(_) => {
                return Err(format!(
                    "'{text}': '{}' is not a number of events; use N/DURATION, as in 5/10m",
                    count.trim()
                ))
            }
        };
        let seconds = parse_seconds(window).map_err(|err| format!("'{text}': {err}"))?;
        if seconds > MAX_WINDOW_SECONDS {
            return Err(format!("'{text}': the window is longer than a year"));
        }
        Ok(Rate {
            count,
            seconds: u32::try_from(seconds).unwrap_or(u32::MAX),
        })
    }
}

/// `5/10m`: the form [`Rate::from_str`] reads.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.count,
            format_seconds(u64::from(self.seconds))
        )
    }
}

impl Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Parses a rate (clap value parser).
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    text.parse()
}

/// Formats seconds compactly: `45s`, `10m`, `1h30m`, `2d`.
pub fn format_seconds(seconds: u64) -> String {
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, name) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if rest >= unit {
            out.push_str(&(rest / unit).to_string());
            out.push(name);
            rest %= unit;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// Parses a snooze's `--for` value: a duration of at least a second, at most a year.
pub fn parse_snooze_for(text: &str) -> Result<u64, String> {
    let seconds = parse_seconds(text)?;
    if seconds > MAX_WINDOW_SECONDS {
        return Err(format!("'{}' is longer than a year", text.trim()));
    }
    Ok(seconds)
}

/// Parses a snooze's `--until-count` value: a number of events, at least one.
pub fn parse_count(text: &str) -> Result<u32, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if n <= 0 => Err(format!("'{n}': the count must be at least 1")),
        Ok(n) => u32::try_from(n).map_err(|_| format!("'{n}' is too large")),
        Err(_) => Err(format!("'{}' is not a number of events", text.trim())),
    }
}

/// What wakes an ignored cluster: only one condition at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnoozeCondition {
    /// Reopens at this time (checked at each fetch of its service and at each `run-due`).
    Until(DateTime<Utc>),
    /// Reopens after this many more events.
    Count(u32),
    /// Reopens when this many events read after the snooze fall within one window (log time).
    Rate(Rate),
}

/// An ignored cluster's snooze: its condition and where it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snooze {
    pub condition: SnoozeCondition,
    /// When it was ignored.
    pub since: DateTime<Utc>,
    /// The cluster's count when it was ignored.
    pub base_count: u64,
    /// The largest event id when it was ignored: later events are the snooze's.
    pub after_event: i64,
}

impl Snooze {
    /// The condition in words: "for 2h (until 2024-01-15T12:00:00Z)", "until 10 more events",
    /// "until 5 events within 10m".
    pub fn describe(&self) -> String {
        match self.condition {
            SnoozeCondition::Until(at) => format!(
                "until {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            SnoozeCondition::Count(n) => format!("until {n} more events"),
            SnoozeCondition::Rate(rate) => format!(
                "until {} events within {}",
                rate.count,
                format_seconds(u64::from(rate.seconds))
            ),
        }
    }

    /// A short form for a table's column: `for 2h`-like times are shown as their end.
    pub fn short(&self) -> String {
        match self.condition {
            SnoozeCondition::Until(at) => format!("until {}", at.format("%Y-%m-%d %H:%M")),
            SnoozeCondition::Count(n) => format!("+{n} events"),
            SnoozeCondition::Rate(rate) => format!("rate {rate}"),
        }
    }
}

/// The most events of `times` (sorted, oldest first) within one window of `window`: the ends
/// included, so 2 events exactly `window` apart are within it.
pub fn max_in_window(times: &[DateTime<Utc>], window: chrono::Duration) -> u64 {
    let mut best = 0;
    let mut start = 0;
    for (end, time) in times.iter().enumerate() {
        while *time - times[start] > window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap()
            + chrono::Duration::minutes(minute.into())
    }

    #[test]
    fn rates_read_and_print_back() {
        assert_eq!(
            "5/10m".parse::<Rate>(),
            Ok(Rate {
                count: 5,
                seconds: 600
            })
        );
        assert_eq!("1/1m".parse::<Rate>(), Ok(Rate::ONE_PER_MINUTE));
        assert_eq!("3/1h30m".parse::<Rate>().unwrap().to_string(), "3/1h30m");
        assert_eq!("2/45s".parse::<Rate>().unwrap().to_string(), "2/45s");
    }

    #[test]
    fn bad_rates_say_why() {
        assert!("0/5m".parse::<Rate>().unwrap_err().contains("at least 1"));
        assert!("-3/5m".parse::<Rate>().unwrap_err().contains("at least 1"));
        assert!("5".parse::<Rate>().unwrap_err().contains("not a rate"));
        assert!("x/5m".parse::<Rate>().unwrap_err().contains("'x'"));
        assert!("5/0m".parse::<Rate>().unwrap_err().contains("positive"));
        assert!("5/soon"
            .parse::<Rate>()
            .unwrap_err()
            .contains("not a duration"));
        assert!("5/400d".parse::<Rate>().unwrap_err().contains("year"));
        assert!(parse_count("0").is_err());
        assert!(parse_count("-2").is_err());
        assert_eq!(parse_count("7"), Ok(7));
        assert!(parse_snooze_for("0s").is_err());
        assert_eq!(parse_snooze_for("2h"), Ok(7200));
    }

    #[test]
    fn the_window_counts_its_ends() {
        let times = [at(0), at(3), at(10), at(11), at(30)];
        let ten = chrono::Duration::minutes(10);
        assert_eq!(max_in_window(&times, ten), 3);
        assert_eq!(max_in_window(&times, chrono::Duration::minutes(1)), 2);
        assert_eq!(max_in_window(&[], ten), 0);
        assert!(Rate::ONE_PER_MINUTE.reached(&times[..1]));
        assert!(!Rate {
            count: 4,
            seconds: 600
        }
        .reached(&times));
    }
}
