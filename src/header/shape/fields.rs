//! What a header field is, one word at a time: times, dates and epochs, levels, pids, node
//! and host names, loggers. [`super`] walks a line's header with these.

/// A logger or program name: letters, and a dot, `$`, bracket, `_`, `/`, digit or inner capital
/// (`dfs.DataNode$PacketResponder`, `sshd[24200]`, `WindowManager`), no `=`.
pub(super) fn looks_like_logger(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_alphabetic)
        && !word.contains(&b'=')
        && (word
            .iter()
            .any(|b| matches!(b, b'.' | b'$' | b'[' | b'(' | b'_' | b'/' | b'0'..=b'9'))
            || word[1..].iter().any(u8::is_ascii_uppercase))
}

/// True when the text holds a clock time `HH:MM`.
pub(super) fn has_clock(text: &[u8]) -> bool {
    text.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit())
}

/// A word that is (part of) a timestamp: digits with date/time separators, or a month/day name.
pub(super) fn is_time_word(word: &[u8]) -> bool {
    let word = word.strip_suffix(b",").unwrap_or(word);
    if crate::text::is_month_or_day(word) {
        return true;
    }
    // `8:00AM`, `11:42PM` (Go's `time.Kitchen`)
    if let Some(clock) = word
        .strip_suffix(b"AM")
        .or_else(|| word.strip_suffix(b"PM"))
    {
        return clock.len() >= 4
            && clock[clock.len() - 3] == b':'
            && clock.iter().all(|c| c.is_ascii_digit() || *c == b':');
    }
    // One pass up to a `|` (`ts|component|...`): digits, date/time separators and zone letters.
    let (mut digits, mut separator) = (0, false);
    for &c in word {
        match c {
            b'0'..=b'9' => digits += 1,
            b'-' | b'/' | b':' | b'.' => separator = true,
            b',' | b'T' | b'Z' | b'+' => {}
            b'|' => break,
            _ => return false,
        }
    }
    digits >= 2 && (digits >= 6 || separator)
}

/// `148`, `-1`: a number in a header (a pid, thread id or flag).
pub(super) fn is_integer(word: &[u8]) -> bool {
    let digits = word.strip_prefix(b"-").unwrap_or(word);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// `2005-06-04`, `2005.06.04`, `17/06/09...` (a date first) or `1117869872` (epoch seconds).
pub(super) fn is_date_or_epoch(word: &[u8]) -> bool {
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let epoch = word.len() == 10 && word[0] == b'1' && digits(word);
    let date = word.len() >= 8
        && (digits(&word[..4]) && matches!(word[4], b'-' | b'.' | b'/') && digits(&word[5..7]))
        && matches!(word[7], b'-' | b'.' | b'/');
    epoch || date
}

/// A run of time words that holds a whole time: a clock `HH:MM`, or a date and time in one
/// (`2005-06-03-15.42.50.675872`), not a lone number.
pub(super) fn is_timestamp(run: &[u8]) -> bool {
    has_clock(run) || run.iter().filter(|c| c.is_ascii_digit()).count() >= 8
}

/// A node or host name in a header: `dn228`, `R02-M1-N0-C:J12-U11`, `local@tadmin2`, `NULL`.
/// A plain word (`took`, `Started`) is not one: it has a digit or a separator, or is all
/// capitals.
pub(super) fn is_node(word: &[u8]) -> bool {
    if !(2..=64).contains(&word.len()) || matches!(word.last(), Some(b':' | b',')) {
        return false;
    }
    let (mut capitals, mut alphanumeric, mut marked) = (true, false, false);
    for &c in word {
        match c {
            b'=' => return false,
            b'A'..=b'Z' => alphanumeric = true,
            b'a'..=b'z' => (capitals, alphanumeric) = (false, true),
            b'0'..=b'9' => (capitals, alphanumeric, marked) = (false, true, true),
            b'-' | b'.' | b'/' | b'@' | b'_' => (capitals, marked) = (false, true),
            _ => capitals = false,
        }
    }
    (capitals || (alphanumeric && marked)) && !is_level(word)
}

/// A host name after a syslog time: a node name, or a name with a capital inside
/// (`LabSZ`, `Annas-MacBook-Air`), in letters, digits, `-`, `.` and `_`.
pub(super) fn is_host(word: &[u8]) -> bool {
    word.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
        && (is_node(word) || word.iter().skip(1).any(u8::is_ascii_uppercase))
}

pub(super) fn trim_punct(word: &[u8]) -> &[u8] {
    let start = word
        .iter()
        .take_while(|b| matches!(b, b'[' | b'<' | b'('))
        .count();
    let rest = &word[start..];
    let trail = rest
        .iter()
        .rev()
        .take_while(|b| matches!(b, b']' | b'>' | b')' | b':' | b','))
        .count();
    &rest[..rest.len() - trail]
}

/// A level name in any case: `ERROR`, `warn`, `Information`, glog's `E`...
pub(super) fn is_level(word: &[u8]) -> bool {
    let word = without_elapsed(word);
    // Compared only with the names of the word's length. Words that also start ordinary lines
    // are left out: Go's `panic:` begins a trace, `Fine` a sentence.
    let names: &[&[u8]] = match word.len() {
        1 => &[b"V", b"D", b"I", b"W", b"E", b"F"],
        3 => &[b"ERR", b"WRN", b"INF", b"DBG", b"FTL", b"TRC", b"VRB"],
        4 => &[
            b"INFO", b"WARN", b"CRIT", b"ERRO", b"DEBU", b"TRAC", b"FATA", b"PANI",
        ],
        5 => &[b"TRACE", b"DEBUG", b"ERROR", b"FATAL", b"ALERT", b"EMERG"],
        6 => &[b"NOTICE", b"SEVERE"],
        7 => &[b"WARNING", b"FAILURE"],
        8 => &[b"CRITICAL"],
        11 => &[b"INFORMATION"],
        _ => return false,
    };
    names.iter().any(|name| name.eq_ignore_ascii_case(word))
}

/// `ERRO[0042]` (logrus on a terminal: the level and the seconds since start) without `[0042]`.
fn without_elapsed(word: &[u8]) -> &[u8] {
    // the closing bracket may have been trimmed as punctuation already
    let inner = word.strip_suffix(b"]").unwrap_or(word);
    match inner.iter().position(|&c| c == b'[') {
        Some(open)
            if open >= 4
                && inner.len() > open + 1
                && inner[open + 1..].iter().all(u8::is_ascii_digit) =>
        {
            &word[..open]
        }
        _ => word,
    }
}
