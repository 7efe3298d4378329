//! Finds where a raw log line's header (timestamp, level, pid, thread, host, logger) ends and its
//! message begins, by shape alone: no per-format configuration.

/// The message part of `line`: `line` without its leading header. A line in which no timestamp
/// or level is found is returned whole.
///
/// Recognised, in order: a timestamp (ISO 8601, syslog `Jun 14 15:16:01`, `[Sun Dec 04 04:47:44
/// 2005]`, `081109 203615`, `17/06/09 20:10:40`, epoch seconds), then in any order `-`/`|`
/// separators, a level (`INFO`, `[error]`, `W`), numbers (pid, thread id) and bracketed groups
/// (thread names), then a logger or program ending in `:` (`dfs.DataNode$PacketResponder:`,
/// `host sshd[24200]:`) or followed by ` - `. `ts|component|pid|message` is split on its pipes.
pub fn message(line: &str) -> &str {
    &line[split(line).message..]
}

/// Where a line's header has its time and where its message starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Where the timestamp starts, when there is one (after a tag or record number before it).
    pub time: usize,
    /// Where the message starts (0: no header was found).
    pub message: usize,
}

/// [`message`], with where the header's time starts.
pub fn split(line: &str) -> Split {
    let b = line.as_bytes();
    let mut pos = skip_ws(b, 0);
    if b.get(pos) == Some(&b'-') && b.get(pos + 1).is_some_and(u8::is_ascii_whitespace) {
        pos = skip_ws(b, pos + 1);
    }
    // `APPREAD 1117869872 2005.06.04 ...`, `nova-api.log 2017-05-16 00:00:00.008 ...`: a tag or
    // file name before a date.
    let first_end = token_end(b, pos);
    let second = skip_ws(b, first_end);
    if !is_time_word(&b[pos..first_end]) && is_date_or_epoch(&b[second..token_end(b, second)]) {
        pos = second;
    } else if let Some(epoch) = fields_then_epoch(b, pos, first_end) {
        pos = epoch;
    }
    let time = pos;
    let whole = Split {
        time: skip_ws(b, 0),
        message: 0,
    };
    let mut found = false;
    if b.get(pos) == Some(&b'[') {
        if let Some(close) = closing_bracket(b, pos) {
            if has_clock(&b[pos + 1..close]) {
                pos = skip_ws(b, close + 1);
                found = true;
            }
        }
    }
    if !found {
        match skip_time(b, pos) {
            Time::Pipe(at) => return Split { time, message: at },
            Time::Until(at) => {
                found = at > pos;
                pos = at;
            }
        }
    }
    let mut level = false;
    for _ in 0..8 {
        let end = token_end(b, pos);
        if end == pos {
            break;
        }
        let word = &b[pos..end];
        if matches!(word, b"-" | b"|" | b":") || (found && is_integer(word)) {
            pos = skip_ws(b, end);
        } else if is_level(trim_punct(word)) && (found || word.len() > 1) {
            pos = skip_ws(b, end);
            found = true;
            level = true;
        } else if found && word[0] == b'[' {
            match closing_bracket(b, pos) {
                Some(close) => pos = skip_ws(b, close + 1),
                None => break,
            }
        } else {
            break;
        }
    }
    if !found {
        return whole;
    }
    if !level {
        // `R02-M1-N0 RAS KERNEL INFO msg`: an upper-case level a few words on ends the header.
        let mut at = pos;
        for _ in 0..4 {
            let end = token_end(b, at);
            if end == at {
                break;
            }
            let word = &b[at..end];
            at = skip_ws(b, end);
            if word.len() >= 4 && word.iter().all(u8::is_ascii_uppercase) && is_level(word) {
                pos = at;
                level = true;
                break;
            }
        }
    }
    pos = skip_logger(b, pos, level);
    if pos >= line.len() {
        return whole;
    }
    Split { time, message: pos }
}

/// Where a run of timestamp words starting at `pos` ends.
enum Time {
    /// The offset after the run (`pos` itself when there is none).
    Until(usize),
    /// `ts|component|pid|message`: the offset of the message after the last pipe.
    Pipe(usize),
}

fn skip_time(b: &[u8], mut pos: usize) -> Time {
    let mut after_month = false;
    for _ in 0..5 {
        let end = token_end(b, pos);
        let word = &b[pos..end];
        let day = after_month && word.len() <= 2 && word.iter().all(u8::is_ascii_digit);
        if end == pos || !(day || is_time_word(word)) {
            break;
        }
        after_month = crate::text::is_month_or_day(word);
        if let Some(bar) = pipe_split(word) {
            return Time::Pipe(pos + bar);
        }
        pos = skip_ws(b, end);
    }
    Time::Until(pos)
}

/// Skips `logger:` or `host program[pid]:` or `program ... -`, when the next words look like one.
fn skip_logger(b: &[u8], pos: usize, level: bool) -> usize {
    let e1 = token_end(b, pos);
    if e1 == pos {
        return pos;
    }
    let w1 = &b[pos..e1];
    let p2 = skip_ws(b, e1);
    let e2 = token_end(b, p2);
    let w2 = &b[p2..e2];
    if w1.len() > 1 && w1.ends_with(b":") && looks_like_logger(&w1[..w1.len() - 1]) {
        return skip_separator(b, p2);
    }
    if !level && w2.len() > 1 && w2.ends_with(b":") && !w1.ends_with(b":") {
        return skip_separator(b, skip_ws(b, e2));
    }
    if w1.ends_with(b":") || w2.ends_with(b":") {
        return pos;
    }
    // `chrome.exe - msg` or `chrome.exe *64 - msg`: a program name before a dash.
    if w2 == b"-" {
        return skip_ws(b, e2);
    }
    let p3 = skip_ws(b, e2);
    let e3 = token_end(b, p3);
    if &b[p3..e3] == b"-" {
        return skip_ws(b, e3);
    }
    pos
}

fn skip_separator(b: &[u8], pos: usize) -> usize {
    let end = token_end(b, pos);
    if &b[pos..end] == b"-" {
        skip_ws(b, end)
    } else {
        pos
    }
}

fn looks_like_logger(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_alphabetic)
        && !word.contains(&b'=')
        && (word
            .iter()
            .any(|b| matches!(b, b'.' | b'$' | b'[' | b'(' | b'_' | b'/' | b'0'..=b'9'))
            || word[1..].iter().any(u8::is_ascii_uppercase))
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && b[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

fn token_end(b: &[u8], pos: usize) -> usize {
    crate::text::find_space(b, pos, |c| c.is_ascii_whitespace())
}

/// The index of the bracket closing the one at `open`, nested brackets counted.
fn closing_bracket(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(open).take(512) {
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// True when the text holds a clock time `HH:MM`.
fn has_clock(text: &[u8]) -> bool {
    text.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit())
}

/// A word that is (part of) a timestamp: digits with date/time separators, or a month/day name.
fn is_time_word(word: &[u8]) -> bool {
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

/// `134681 node-246 unix.hw state_change.unavailable 1077804742 1 message`: a record number,
/// up to four fields (node, component, state), then epoch seconds. Where the epoch starts.
fn fields_then_epoch(b: &[u8], first: usize, first_end: usize) -> Option<usize> {
    if first_end == first || !b[first..first_end].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut at = skip_ws(b, first_end);
    for _ in 0..5 {
        let end = token_end(b, at);
        let word = &b[at..end];
        if end == at || word.ends_with(b":") {
            return None;
        }
        if word.len() == 10 && word[0] == b'1' && word.iter().all(u8::is_ascii_digit) {
            return Some(at);
        }
        at = skip_ws(b, end);
    }
    None
}

/// `148`, `-1`: a number in a header (a pid, thread id or flag).
fn is_integer(word: &[u8]) -> bool {
    let digits = word.strip_prefix(b"-").unwrap_or(word);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// `2005-06-04`, `2005.06.04`, `17/06/09...` (a date first) or `1117869872` (epoch seconds).
fn is_date_or_epoch(word: &[u8]) -> bool {
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let epoch = word.len() == 10 && word[0] == b'1' && digits(word);
    let date = word.len() >= 8
        && (digits(&word[..4]) && matches!(word[4], b'-' | b'.' | b'/') && digits(&word[5..7]))
        && matches!(word[7], b'-' | b'.' | b'/');
    epoch || date
}

/// For `20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged`: the offset after the last pipe.
fn pipe_split(word: &[u8]) -> Option<usize> {
    memchr::memrchr(b'|', word).map(|bar| bar + 1)
}

fn trim_punct(word: &[u8]) -> &[u8] {
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
fn is_level(word: &[u8]) -> bool {
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
        7 => &[b"WARNING"],
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

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn strips_common_headers() {
        let cases = [
            (
                "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok",
                "workerEnv.init() ok",
            ),
            (
                "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1",
                "PacketResponder 1",
            ),
            (
                "2015-10-18 18:01:47,978 INFO [main] org.apache.A: Created x",
                "Created x",
            ),
            (
                "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass;",
                "check pass;",
            ),
            ("[10.30 16:49:06] chrome.exe *64 - proxy open", "proxy open"),
            ("[10.30 16:49:06] chrome.exe - proxy open", "proxy open"),
            (
                "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view",
                "Changing view",
            ),
            (
                "2015-07-29 17:41:44,747 - INFO  [Q[myid=1]/0:0:2181:F@774] - Notification time",
                "Notification time",
            ),
            (
                "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing",
                "CBS    Loaded Servicing",
            ),
            (
                "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
                "onStandStepChanged 3579",
            ),
            (
                "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State",
                "Component State",
            ),
            (
                "2286759 full partition status 1061219795 -1 running",
                "running",
            ),
            // a record number and words without a time after them are no header
            (
                "42 users 10 groups: all synced",
                "42 users 10 groups: all synced",
            ),
            (
                "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezing",
                "printFreezing",
            ),
            (
                "Dec 10 06:55:46 LabSZ sshd[24200]: error: Received disconnect",
                "error: Received disconnect",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(message(line), want, "{line}");
        }
    }

    #[test]
    fn keeps_lines_without_a_header() {
        for line in [
            "connection refused",
            "",
            "ERROR",
            "Invalid user x from 1.2.3.4",
        ] {
            assert_eq!(message(line), line);
        }
        assert_eq!(message("INFO Starting: now"), "Starting: now");
    }
}
