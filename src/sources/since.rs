//! `--since` of the remote and command sources: where their first fetch starts, as an RFC 3339
//! time or a duration back from the time of that fetch (`15m`, `2h`, `1d`, `1h30m`).

use chrono::{DateTime, Duration, Utc};

use crate::duration::parse_seconds;

/// Where a source's first fetch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// A fixed time.
    At(DateTime<Utc>),
    /// This long before the fetch.
    Ago(Duration),
}

impl Since {
    /// The start time of a fetch made at `now`.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Since::At(time) => time,
            Since::Ago(span) => now
                .checked_sub_signed(span)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }
}

/// Parses `--since`: an RFC 3339 time (any offset, kept as UTC) or a positive duration.
pub fn parse_since(text: &str) -> Result<Since, String> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(Since::At(time.with_timezone(&Utc)));
    }
    let seconds = parse_seconds(text).map_err(|_| {
        format!(
            "'{text}' is neither an RFC 3339 time (2024-01-15T10:00:00Z) nor a duration (15m, 2h, 1d)"
        )
    })?;
    let seconds = i64::try_from(seconds).map_err(|_| format!("'{text}' is too long ago"))?;
    Duration::try_seconds(seconds)
        .map(Since::Ago)
        .ok_or_else(|| format!("'{text}' is too long ago"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-01-16T12:00:00Z")
            .expect("valid time")
            .with_timezone(&Utc)
    }

    #[test]
    fn durations_count_back_from_now() {
        let cases = [
            ("15m", "2024-01-16T11:45:00+00:00"),
            ("2h", "2024-01-16T10:00:00+00:00"),
            ("1d", "2024-01-15T12:00:00+00:00"),
            ("1h30m", "2024-01-16T10:30:00+00:00"),
            ("90", "2024-01-16T11:58:30+00:00"),
        ];
        for (text, expected) in cases {
            let since = parse_since(text).expect(text);
            assert_eq!(since.start(now()).to_rfc3339(), expected, "{text}");
        }
    }

    #[test]
    fn times_are_kept_in_utc() {
        let since = parse_since(" 2024-01-15T10:00:00+02:00 ").expect("time");
        assert_eq!(since.start(now()).to_rfc3339(), "2024-01-15T08:00:00+00:00");
    }

    #[test]
    fn bad_values_are_refused_with_a_hint() {
        for bad in ["", "yesterday", "-2h", "0", "2024-01-15", "2h-"] {
            let err = parse_since(bad).expect_err(bad);
            assert!(err.contains("RFC 3339"), "{err}");
        }
        assert!(parse_since("9999999999999999d").is_err());
    }

    #[test]
    fn a_huge_duration_clamps_to_the_earliest_time() {
        let since = Since::Ago(Duration::MAX);
        assert_eq!(since.start(now()), DateTime::<Utc>::MIN_UTC);
    }
}
