//! The times headers write: ISO 8601 / RFC 3339, syslog's and Apache's, a time of day alone,
//! epoch seconds; and where a zone-less time lies in a source's zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parses a timestamp at the start of `text`: ISO 8601 / RFC 3339 (with `T` or a space, optional
/// fraction with `.` or `,`, optional zone), syslog `Jan 15 10:30:00`, Apache's, the JVM's
/// `Nov 27, 2026 8:00:01 AM` and `27-Nov-2026 08:00:01.123`, and `[...]`-bracketed forms.
pub fn timestamp(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    timestamp_zoned(text, now).map(|(time, _)| time)
}

/// [`timestamp`], and whether it said its zone (a zone-less time is read as UTC; the caller may
/// know better: [`in_zone`]).
pub fn timestamp_zoned(text: &str, now: DateTime<Utc>) -> Option<(DateTime<Utc>, bool)> {
    let text = text.strip_prefix('[').unwrap_or(text);
    iso(text)
        .or_else(|| syslog(text, now).map(|t| (t, false)))
        .or_else(|| asctime(text).map(|t| (t, false)))
        .or_else(|| spelled(text.as_bytes()).map(|(t, _)| (utc(t), false)))
}

/// A wall-clock time read as UTC.
pub(super) fn utc(naive: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&naive)
}

/// A date with its month spelled, leading `b`: [`month_day_year`] or [`day_month_year`]; the
/// time and where it ends.
pub(super) fn spelled(b: &[u8]) -> Option<(NaiveDateTime, usize)> {
    match b.first()? {
        b'0'..=b'9' => day_month_year(b),
        b'A'..=b'Z' => month_day_year(b),
        _ => None,
    }
}

/// `Nov 27, 2026 8:00:01 AM` (java.util.logging's `SimpleFormatter`, `MMM d, yyyy h:mm:ss a`: a
/// 12-hour clock, 12 AM is midnight): the time and where it ends.
pub(super) fn month_day_year(b: &[u8]) -> Option<(NaiveDateTime, usize)> {
    let month = month_at(b, 0)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let (day, at) = number(b, 4)?;
    if b.get(at..at + 2) != Some(b", ") || b.get(at + 6) != Some(&b' ') {
        return None;
    }
    let year = digits(b, at + 2, 4)?;
    let (hour, at) = number(b, at + 7)?;
    if b.get(at) != Some(&b':') || b.get(at + 3) != Some(&b':') || b.get(at + 6) != Some(&b' ') {
        return None;
    }
    let (minute, second) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
    let pm = match b.get(at + 7..at + 9)? {
        b"AM" => false,
        b"PM" => true,
        _ => return None,
    };
    let end = at + 9;
    if !(1..=12).contains(&hour) || b.get(end).is_some_and(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    let hour = hour % 12 + if pm { 12 } else { 0 };
    let naive = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_opt(hour, minute, second)?;
    Some((naive, end))
}

/// `27-Nov-2026 08:00:01.123` (Tomcat's `OneLineFormatter`; PHP's error log and php-fpm's
/// without the fraction): the time and where it ends.
pub(super) fn day_month_year(b: &[u8]) -> Option<(NaiveDateTime, usize)> {
    if b.get(2) != Some(&b'-') || b.get(6) != Some(&b'-') || b.get(11) != Some(&b' ') {
        return None;
    }
    let (day, month, year) = (digits(b, 0, 2)?, month_at(b, 3)?, digits(b, 7, 4)?);
    if b.get(14) != Some(&b':') || b.get(17) != Some(&b':') {
        return None;
    }
    let (hour, minute, second) = (digits(b, 12, 2)?, digits(b, 15, 2)?, digits(b, 18, 2)?);
    let (nanos, end) = fraction(b, 20);
    if b.get(end)
        .is_some_and(|c| !matches!(c, b' ' | b'\t' | b']'))
    {
        return None;
    }
    let naive = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    Some((naive, end))
}

/// One or two digits at `at`: the number and where it ends.
fn number(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let two = b.get(at + 1).is_some_and(u8::is_ascii_digit);
    let n = 1 + usize::from(two);
    Some((digits(b, at, n)?, at + n))
}

/// The month whose three-letter English name is at `b[at..]`.
pub(super) fn month_at(b: &[u8], at: usize) -> Option<u32> {
    let name = b.get(at..at + 3)?;
    MONTHS
        .iter()
        .position(|m| m.as_bytes() == name)
        .map(|i| i as u32 + 1)
}

/// A zone-less time that was read as UTC, as the wall-clock time it is in `zone`: the earlier
/// of two when the clock was set back, the time after the gap when it was set forward.
pub fn in_zone(time: DateTime<Utc>, zone: chrono_tz::Tz) -> DateTime<Utc> {
    let wall = time.naive_utc();
    match zone.from_local_datetime(&wall) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        chrono::LocalResult::None => {
            // in a gap: the wall clock skipped it; an hour later is the same instant's reading
            zone.from_local_datetime(&(wall + chrono::Duration::hours(1)))
                .earliest()
                .map_or(time, |t| t.with_timezone(&Utc))
        }
    }
}

/// How far in the future of the reading a time of day may be and still be today's (clocks of
/// writer and reader disagree a little).
const CLOCK_SLACK_MINUTES: i64 = 10;

/// `08:00:01`, `08:00:01.123` (logback's and log4j2's default console patterns, Serilog's
/// console sink) or `8:00AM` (zerolog's console writer): a time of day without a date, on
/// `now`'s date (see [`Header::dateless`]).
pub(super) fn time_of_day(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let hour_digits = if b.get(1) == Some(&b':') { 1 } else { 2 };
    let hour = digits(b, 0, hour_digits)?;
    let at = hour_digits;
    if b.get(at) != Some(&b':') {
        return None;
    }
    let minute = digits(b, at + 1, 2)?;
    let (hour, second, nanos, end) = match b.get(at + 3) {
        Some(b':') => {
            let second = digits(b, at + 4, 2)?;
            let (nanos, end) = fraction(b, at + 6);
            (hour, second, nanos, end)
        }
        Some(b'A' | b'P') if b.get(at + 4) == Some(&b'M') && (1..=12).contains(&hour) => {
            let pm = b[at + 3] == b'P';
            ((hour % 12) + if pm { 12 } else { 0 }, 0, 0, at + 5)
        }
        _ => return None,
    };
    // the time must be a word of its own (`08:00:01` then a space or `]`)
    if b.get(end)
        .is_some_and(|c| !matches!(c, b' ' | b'\t' | b']'))
    {
        return None;
    }
    let naive = now
        .date_naive()
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    Some(Utc.from_utc_datetime(&naive))
}

/// A time of day read on `now`'s date, moved by whole days to the latest such time that is not
/// in the future of `now` (give or take the clocks' disagreement).
pub fn latest_not_future(time: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let latest = now + chrono::Duration::minutes(CLOCK_SLACK_MINUTES);
    let day = chrono::Duration::days(1);
    let mut time = time;
    while time > latest {
        time -= day;
    }
    while time + day <= latest {
        time += day;
    }
    time
}

/// Epoch seconds as a text header's time (`1077804742`, 2001 to 2033): zoned, as epoch times are.
pub(super) fn epoch(text: &str) -> Option<(DateTime<Utc>, bool)> {
    let word = text.split(' ').next()?;
    if word.len() != 10 || !word.starts_with('1') || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp(word.parse().ok()?, 0).map(|t| (t, true))
}

pub(super) fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = b.get(at..at + n)?;
    slice.iter().try_fold(0u32, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

pub(super) fn iso(text: &str) -> Option<(DateTime<Utc>, bool)> {
    let b = text.as_bytes();
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    // `2024-01-15`, or `2024/01/15` as Go's `log` and nginx write it; the same separator twice
    let separator = *b.get(4)?;
    if !(matches!(separator, b'-' | b'/')
        && b.get(7) == Some(&separator)
        && matches!(b.get(10), Some(b'T' | b' ')))
    {
        return None;
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (nanos, mut pos) = fraction(b, 19);
    // Serilog writes its zone after a space: `2026-11-27 08:00:01.123 +01:00`
    if b.get(pos) == Some(&b' ')
        && matches!(b.get(pos + 1), Some(b'+' | b'-'))
        && digits(b, pos + 2, 2).is_some()
        && (digits(b, pos + 5, 2).is_some() && b.get(pos + 4) == Some(&b':')
            || digits(b, pos + 4, 2).is_some())
    {
        pos += 1;
    }
    let naive = NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    let zoned = matches!(b.get(pos), Some(b'Z' | b'z' | b'+' | b'-'));
    let offset_seconds = match b.get(pos) {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = digits(b, pos + 1, 2)?;
            let minutes_at = if b.get(pos + 3) == Some(&b':') {
                pos + 4
            } else {
                pos + 3
            };
            let minutes = digits(b, minutes_at, 2).unwrap_or(0);
            let total = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'+' {
                total
            } else {
                -total
            }
        }
        _ => 0,
    };
    Some((
        Utc.from_utc_datetime(&naive) - chrono::Duration::seconds(offset_seconds),
        zoned,
    ))
}

/// The fraction of a second at `pos` (`.123456`, `,123`), as nanoseconds, and where it ends;
/// none is zero.
pub(super) fn fraction(b: &[u8], mut pos: usize) -> (u32, usize) {
    let mut nanos = 0u32;
    if matches!(b.get(pos), Some(b'.' | b',')) {
        pos += 1;
        let mut scale = 100_000_000u32;
        while let Some(d) = b.get(pos).filter(|d| d.is_ascii_digit()) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            pos += 1;
        }
    }
    (nanos, pos)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(word: &str) -> Option<u32> {
    MONTHS.iter().position(|m| *m == word).map(|i| i as u32 + 1)
}

pub(super) fn clock(word: &str) -> Option<(u32, u32, u32)> {
    let b = word.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some((digits(b, 0, 2)?, digits(b, 3, 2)?, digits(b, 6, 2)?))
}

/// `Jan 15 10:30:00` (no year).
fn syslog(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut words = text.split_whitespace();
    let month = month(words.next()?)?;
    let day: u32 = words.next()?.parse().ok()?;
    let (h, m, s) = clock(words.next()?)?;
    let at = |year: i32| {
        NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_opt(h, m, s))
            .map(|naive: NaiveDateTime| Utc.from_utc_datetime(&naive))
    };
    let this_year = at(now.year())?;
    if this_year > now + chrono::Duration::days(1) {
        at(now.year() - 1)
    } else {
        Some(this_year)
    }
}

/// C's `asctime` form, `Sun Dec 04 04:47:44 2005` (web servers' error logs), with or without a
/// fraction of a second.
fn asctime(text: &str) -> Option<DateTime<Utc>> {
    let mut words = text.split_whitespace();
    words.next()?;
    let month = month(words.next()?)?;
    let day: u32 = words.next()?.parse().ok()?;
    let time = words.next()?;
    let (h, m, s) = clock(time)?;
    // `04:47:44.123456` (Apache 2.4 with microseconds)
    let (nanos, _) = fraction(time.as_bytes(), 8);
    let year: i32 = words.next()?.trim_end_matches(']').parse().ok()?;
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(h, m, s, nanos)?;
    Some(Utc.from_utc_datetime(&naive))
}

/// A month, day and time of day without a year (klog's, logcat's): this year's, or last
/// year's when this year's would be more than a day ahead of `now` (a December line read in
/// January).
pub(super) fn without_year(
    now: DateTime<Utc>,
    (month, day): (u32, u32),
    (h, m, s, nanos): (u32, u32, u32, u32),
) -> Option<DateTime<Utc>> {
    let at = |year: i32| {
        NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_nano_opt(h, m, s, nanos))
            .map(utc)
    };
    match at(now.year()) {
        Some(t) if t <= now + chrono::Duration::days(1) => Some(t),
        _ => at(now.year() - 1),
    }
}
