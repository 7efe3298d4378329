//! Finds where a raw log line's header (timestamp, level, pid, thread, host, logger) ends and its
//! message begins, by shape alone: no per-format configuration.

mod fields;

use fields::{
    has_clock, is_date_or_epoch, is_host, is_integer, is_level, is_node, is_time_word,
    is_timestamp, looks_like_logger, trim_punct,
};

/// The message part of `line`: `line` without its leading header. A line in which no timestamp
/// or level is found is returned whole.
///
/// Recognised, in order: a timestamp (ISO 8601, syslog `Jun 14 15:16:01`, `[Sun Dec 04 04:47:44
/// 2005]`, `081109 203615`, `17/06/09 20:10:40`, epoch seconds), then in any order `-`/`|`
/// separators, a level (`INFO`, `[error]`, `W`), numbers (pid, thread id) and bracketed groups
/// (thread names), then a logger or program ending in `:` (`dfs.DataNode$PacketResponder:`,
/// `host sshd[24200]:`) or followed by ` - `. `ts|component|pid|message` is split on its pipes.
/// The header is read as a run of typed fields (see [`fields`]), not as a list of formats: a
/// tag, flag or file name may come before the time; a node or host and a second time may follow
/// it (an archive's time, then the time the node wrote); a syslog time is followed by a host and
/// a program, whose name may hold spaces and whose `(context)` may follow its pid; a logger may
/// carry its context in brackets (`nova.compute.manager [req-... - - -]`); a tag may be padded
/// to its column (`libc    :`).
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
        if found {
            for _ in 0..2 {
                match node_then_time(b, pos) {
                    Some(at) => pos = at,
                    None => break,
                }
            }
        }
    }
    let syslog_time = b.get(time + 3).is_some_and(u8::is_ascii_whitespace)
        && crate::text::is_month_or_day(&b[time..time + 3]);
    let (mut level, mut letter) = (false, false);
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
            letter = word.len() == 1;
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
    let after = skip_logger(b, pos, level, letter);
    if after == pos && syslog_time && !level {
        // RFC 3164 puts a host after its time, whatever follows it
        let end = token_end(b, pos);
        if is_host(&b[pos..end]) {
            pos = skip_ws(b, end);
            pos = spaced_program(b, pos).unwrap_or(pos);
        }
    } else {
        pos = after;
    }
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

/// Skips `logger:` or `host program[pid]:` or `program ... -`, when the next words look like one;
/// after a level, also a logger with its context in brackets (`nova.compute.manager [req-...]`)
/// and a tag padded to its column (`libc    :`). `letter`: the level was one letter (logcat,
/// glog), after which a word ending in `:` is always the tag.
fn skip_logger(b: &[u8], pos: usize, level: bool, letter: bool) -> usize {
    let e1 = token_end(b, pos);
    if e1 == pos {
        return pos;
    }
    let w1 = &b[pos..e1];
    let p2 = skip_ws(b, e1);
    let e2 = token_end(b, p2);
    let w2 = &b[p2..e2];
    if w1.len() > 1 && w1.ends_with(b":") && (letter || looks_like_logger(&w1[..w1.len() - 1])) {
        return skip_separator(b, p2);
    }
    if level && w2 == b":" && !w1.ends_with(b":") {
        return skip_ws(b, e2);
    }
    if level && b.get(p2) == Some(&b'[') && w1.contains(&b'.') && looks_like_logger(w1) {
        // a logger, then the context it was called in: `[req-... user project - - -]`, `[-]`
        if let Some(close) = closing::<b'[', b']'>(b, p2) {
            return skip_separator(b, skip_ws(b, close + 1));
        }
    }
    if !level && w2.len() > 1 && w2.ends_with(b":") && !w1.ends_with(b":") {
        return skip_separator(b, skip_ws(b, e2));
    }
    if !level && w2.ends_with(b"]") && b.get(skip_ws(b, e2)) == Some(&b'(') {
        // `host program[pid] (context[pid]): message`
        let open = skip_ws(b, e2);
        if let Some(close) = closing::<b'(', b')'>(b, open) {
            if b.get(close + 1) == Some(&b':') {
                return skip_ws(b, close + 2);
            }
        }
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
    closing::<b'[', b']'>(b, open)
}

/// The index of the `R` byte that closes the `L` one at `open`, nesting counted, within 512
/// bytes.
fn closing<const L: u8, const R: u8>(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(open).take(512) {
        if c == L {
            depth += 1;
        } else if c == R {
            // `open` holds an `L`, so the depth is at least one here
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
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

/// For `20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged`: where the message starts,
/// after the pid field when one of the first fields is a number (the message may hold pipes
/// too), else after the last pipe of the word.
fn pipe_split(word: &[u8]) -> Option<usize> {
    let mut at = memchr::memchr(b'|', word)? + 1;
    for _ in 0..3 {
        let Some(len) = memchr::memchr(b'|', &word[at..]) else {
            break;
        };
        if is_integer(&word[at..at + len]) {
            return Some(at + len + 1);
        }
        at += len + 1;
    }
    memchr::memrchr(b'|', word).map(|bar| bar + 1)
}

/// `1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02-M1-N0 RAS ...`,
/// `1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2915]: ...`: a collector's
/// time and the node it names, before the time that node wrote. Where that second time ends.
fn node_then_time(b: &[u8], pos: usize) -> Option<usize> {
    let end = token_end(b, pos);
    let next = skip_ws(b, end);
    // told by the first bytes of the time (a digit, a month) before the node is looked at
    let time_next = b.get(next).is_some_and(u8::is_ascii_digit)
        || (b.get(next + 3).is_some_and(u8::is_ascii_whitespace)
            && crate::text::is_month_or_day(&b[next..next + 3]));
    if !time_next || !is_node(&b[pos..end]) {
        return None;
    }
    match skip_time(b, next) {
        Time::Until(at) if at > next && is_timestamp(&b[next..at]) => Some(at),
        _ => None,
    }
}

/// `Google Chrome Helper[4171]: message`: a program name with spaces, which its pid and colon
/// end. Where the message starts.
fn spaced_program(b: &[u8], mut pos: usize) -> Option<usize> {
    for _ in 0..4 {
        let end = token_end(b, pos);
        let word = &b[pos..end];
        if end == pos || word.contains(&b'=') {
            return None;
        }
        if word.ends_with(b"]:") && word.len() > 3 && word[0] != b'[' {
            return Some(skip_ws(b, end));
        }
        if word.ends_with(b":") {
            return None;
        }
        pos = skip_ws(b, end);
    }
    None
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

    /// Header shapes of programs whose logs nobody here tuned on (lines written for this test, in
    /// the layouts those programs print): each was cut in the wrong place before the header was
    /// read as a run of typed fields.
    #[test]
    fn unseen_shapes() {
        // as the shape finds it, and as `patterns` strips it (the context after it included)
        fn stripped(line: &str) -> &str {
            &line[crate::header::message_start(line)..]
        }
        let cases = [
            // oslo.log (OpenStack services): source file, time, pid, level, logger, then the
            // request context in brackets
            (
                "glance-registry.log 2018-02-03 11:20:45.113 4410 WARNING glance.registry.api.v1.images [req-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b - - - - -] Image 8c1f7e2a-93d4-4b16-a0c5-2f6e8d9b1a37 not found",
                "Image 8c1f7e2a-93d4-4b16-a0c5-2f6e8d9b1a37 not found",
            ),
            (
                "cinder-volume.log.3 2018-02-03 11:21:02.550 1987 INFO cinder.volume.manager [-] Updating volume status",
                "Updating volume status",
            ),
            (
                "neutron-server.log.2018-02-03_11:00:00 2018-02-03 11:22:13.004 30112 ERROR neutron.plugins.ml2.managers [req-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d a1b2c3d4e5f60718293a4b5c6d7e8f90 0f9e8d7c6b5a49382716f5e4d3c2b1a0 - default default] Failed to bind port 5d2c on host compute-3",
                "Failed to bind port 5d2c on host compute-3",
            ),
            (
                "2018-02-03 11:23:40.871 2931 INFO nova.compute.resource_tracker [req-11112222-3333-4444-5555-666677778888 - - - - -] Final resource view: name=cp-7",
                "Final resource view: name=cp-7",
            ),
            // syslog kept by a collector: an alert tag, epoch seconds, a date and a host before
            // the syslog time, then `host/host program[pid]:`
            (
                "- 1132006411 2005.11.14 bn431 Nov 14 14:13:31 bn431/bn431 sshd[30127]: Accepted publickey for root from 10.100.4.251 port 40312 ssh2",
                "Accepted publickey for root from 10.100.4.251 port 40312 ssh2",
            ),
            (
                "- 1132006500 2005.11.14 tadmin2 Nov 14 14:15:00 local@tadmin2 postfix/smtpd[8817]: connect from unknown[10.0.0.7]",
                "connect from unknown[10.0.0.7]",
            ),
            (
                "NETERR 1132006577 2005.11.14 cn97 Nov 14 14:16:17 cn97/cn97 kernel: eth1: link down",
                "eth1: link down",
            ),
            // logcat `threadtime`: a tag padded to its column, a tag in lower case
            (
                "11-05 07:42:18.300  4721  4721 W libc    : Unable to set property ro.x to 1",
                "Unable to set property ro.x to 1",
            ),
            (
                "11-05 07:42:19.114   812   960 E lowmemorykiller: Error writing /proc/4720/oom_score_adj",
                "Error writing /proc/4720/oom_score_adj",
            ),
            // RAS events of a supercomputer's control system: flag, epoch, date, node, a second
            // time, the node again, then the event type, component and level
            (
                "- 1118145633 2005.06.07 R21-M0-NC-C:J05-U01 2005-06-07-05.00.33.204519 R21-M0-NC-C:J05-U01 RAS KERNEL INFO 1 ddr errors(s) detected and corrected on rank 0",
                "1 ddr errors(s) detected and corrected on rank 0",
            ),
            (
                "KERNSTOR 1118145700 2005.06.07 R33-M1-N4-C:J12-U01 2005-06-07-05.01.40.991204 R33-M1-N4-C:J12-U01 RAS KERNEL FATAL data storage interrupt",
                "data storage interrupt",
            ),
            (
                "- 1118145810 2005.06.07 NULL 2005-06-07-05.03.30.410077 NULL RAS MMCS ERROR idoproxydb hit ASSERT condition: ASSERT expression=0",
                "idoproxydb hit ASSERT condition: ASSERT expression=0",
            ),
            (
                "- 1118145902 2005.06.07 R14-M1-L2-U18-C 2005-06-07-05.05.02.118873 R14-M1-L2-U18-C RAS LINKCARD INFO MidplaneSwitchController performing bit sparing",
                "MidplaneSwitchController performing bit sparing",
            ),
            // macOS syslog: a process's context in parentheses after its pid, a line without a
            // program
            (
                "Aug 12 22:41:07 Annas-MacBook-Air com.apple.xpc.launchd[1] (com.apple.mdworker.shared.0B000000-0000-0000-0000-000000000000[40233]): Service exited due to SIGKILL",
                "Service exited due to SIGKILL",
            ),
            (
                "Aug 12 22:41:09 Annas-MacBook-Air Google Chrome Helper[4171]: Couldn't set color",
                "Couldn't set color",
            ),
            (
                "Aug  2 08:10:51 Annas-MacBook-Air --- last message repeated 2 times ---",
                "--- last message repeated 2 times ---",
            ),
            // a piped layout whose message holds a pipe in its first word
            (
                "20171230-12:00:01:550|Hub_Sync|1512|upload|retry=3 queued",
                "upload|retry=3 queued",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(line, want)| message(line) != *want || stripped(line) != *want)
            .map(|(line, _)| format!("{line}\n  -> {}", stripped(line)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Fetching reads the same headers: a word of the context they carry is no logger; the
    /// dotted name before a bracketed context is.
    #[test]
    fn context_after_an_unseen_header_names_no_logger() {
        let now = chrono::Utc::now();
        for (line, logger) in [
            (
                "2018-02-03 11:23:40.871 2931 INFO nova.compute.resource_tracker [req-11112222-3333-4444-5555-666677778888 - - - - -] Final resource view",
                Some("nova.compute.resource_tracker"),
            ),
            (
                "2026-11-27 08:00:03.587 4242 ERROR nova.compute.manager [req-5b2c9f0e 4f6c0b2d 8a7b6c5d - default default] [instance: 0d2c4b6a] Instance failed to spawn",
                Some("nova.compute.manager"),
            ),
            (
                "Aug 12 22:41:07 Annas-MacBook-Air com.apple.xpc.launchd[1] (com.apple.mdworker[40233]): Service exited",
                None,
            ),
        ] {
            assert_eq!(crate::header::read(line, now).logger.as_deref(), logger, "{line}");
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
