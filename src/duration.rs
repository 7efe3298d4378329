//! Interval parsing: a bare number in the field's unit, or `30s` `15m` `2h` `1d` `1h30m`.

/// The longest interval luffy accepts for any schedule: one year.
const MAX_SECONDS: u64 = 366 * 24 * 3600;

/// The unit a bare number is read in, and the granularity the field stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Minutes,
    Hours,
}

impl Unit {
    fn seconds(self) -> u64 {
        match self {
            Unit::Minutes => 60,
            Unit::Hours => 3600,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Minutes => "minute",
            Unit::Hours => "hour",
        }
    }
}

/// Parses an interval for a minutes field (clap value parser).
pub fn parse_minutes(text: &str) -> Result<u32, String> {
    parse_interval(text, Unit::Minutes)
}

/// Parses an interval for an hours field (clap value parser).
pub fn parse_hours(text: &str) -> Result<u32, String> {
    parse_interval(text, Unit::Hours)
}

/// Parses `text` into a whole number of `unit`s, at least one minute and at most a year.
pub fn parse_interval(text: &str, unit: Unit) -> Result<u32, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("an interval is required (e.g. 15, 15m, 2h, 1h30m)".into());
    }
    if trimmed.starts_with('-') {
        return Err(format!(
            "'{trimmed}' is negative; an interval must be positive"
        ));
    }
    let seconds = if trimmed.bytes().all(|b| b.is_ascii_digit()) {
        trimmed
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(unit.seconds()))
            .unwrap_or(u64::MAX)
    } else {
        parse_compound(trimmed)?
    };
    if seconds == 0 {
        return Err(format!(
            "'{trimmed}' is zero; an interval must be at least 1 {}",
            unit.name()
        ));
    }
    if seconds < 60 {
        return Err(format!("'{trimmed}' is under one minute"));
    }
    if seconds > MAX_SECONDS {
        return Err(format!("'{trimmed}' is longer than a year"));
    }
    if seconds % unit.seconds() != 0 {
        return Err(format!(
            "'{trimmed}' is not a whole number of {}s",
            unit.name()
        ));
    }
    u32::try_from(seconds / unit.seconds()).map_err(|_| format!("'{trimmed}' is too large"))
}

/// Parses a duration in seconds: a bare number of seconds, or `30s`, `5m`, `1h30m`, `2d`.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "'{trimmed}' is negative; a duration must be positive"
        ));
    }
    let seconds = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        trimmed
            .parse::<u64>()
            .map_err(|_| format!("'{trimmed}' is too large"))?
    } else {
        parse_compound(trimmed)?
    };
    if seconds == 0 {
        return Err(format!("'{trimmed}' is zero; a duration must be positive"));
    }
    Ok(seconds)
}

/// Parses `1h30m`-style text into seconds.
fn parse_compound(text: &str) -> Result<u64, String> {
    let invalid = || {
        format!(
            "'{text}' is not a duration (use a number, or units s, m, h, d as in 15m, 2h, 1h30m)"
        )
    };
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut seen_any = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(invalid()),
        };
        if digits.is_empty() {
            return Err(invalid());
        }
        let value: u64 = digits.parse().map_err(|_| invalid())?;
        total = value
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .unwrap_or(u64::MAX);
        digits.clear();
        seen_any = true;
    }
    if !digits.is_empty() || !seen_any {
        return Err(invalid());
    }
    Ok(total)
}

/// Formats a number of minutes compactly: `15m`, `2h`, `1h30m`, `2d`.
pub fn format_minutes(minutes: u32) -> String {
    let (days, rest) = (minutes / 1440, minutes % 1440);
    let (hours, mins) = (rest / 60, rest % 60);
    let mut out = String::new();
    for (value, unit) in [(days, 'd'), (hours, 'h')] {
        if value > 0 {
            out.push_str(&value.to_string());
            out.push(unit);
        }
    }
    if mins > 0 || out.is_empty() {
        out.push_str(&mins.to_string());
        out.push('m');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_numbers_use_the_field_unit() {
        assert_eq!(parse_minutes("15"), Ok(15));
        assert_eq!(parse_hours("12"), Ok(12));
    }

    #[test]
    fn units_and_compounds() {
        assert_eq!(parse_minutes("15m"), Ok(15));
        assert_eq!(parse_minutes("2h"), Ok(120));
        assert_eq!(parse_minutes("1d"), Ok(1440));
        assert_eq!(parse_minutes("1h30m"), Ok(90));
        assert_eq!(parse_minutes("120s"), Ok(2));
        assert_eq!(parse_hours("2d"), Ok(48));
        assert_eq!(
            parse_hours("90m").unwrap_err(),
            "'90m' is not a whole number of hours"
        );
    }

    #[test]
    fn bad_intervals_are_refused() {
        for bad in ["0", "-5", "abc", "10x", "30s", "", "m", "5m3", "0m"] {
            assert!(parse_minutes(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            parse_minutes("30s").unwrap_err(),
            "'30s' is under one minute"
        );
        assert!(parse_minutes("99999999999999999999").is_err());
        assert!(parse_minutes("400d").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("30"), Ok(30));
        assert_eq!(parse_seconds("30s"), Ok(30));
        assert_eq!(parse_seconds("1h30m"), Ok(5400));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("x").is_err());
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format_minutes(15), "15m");
        assert_eq!(format_minutes(90), "1h30m");
        assert_eq!(format_minutes(1440 * 2), "2d");
        assert_eq!(format_minutes(60 * 12), "12h");
    }
}
