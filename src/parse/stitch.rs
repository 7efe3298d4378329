//! Traces whose every line carries the logger's prefix: OpenStack's oslo.log (each traceback line
//! repeats `<time> <pid> ERROR <logger> [instance: ...]`), syslog-forwarded Java (each line its own
//! syslog message, tabs escaped as `#011`), Android's logcat (every line of a crash under
//! `E AndroidRuntime:`). Consecutive lines from the same source whose payloads continue a trace
//! are one record; [`strip`] takes the prefixes off again before the trace is parsed.
//!
//! Where a line's prefix ends is found against the record's first line: the two lines agree up to
//! their payloads (digits aside: the time may move on between two syslog messages), so the payload
//! starts after the last space of what they share, past any `[context]` group.

use std::borrow::Cow;

use super::record_start::is_continuation_marker;

/// How a line that carries the record's prefix relates to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// It continues a trace (a frame, an indented line, a cause, ...).
    Continues,
    /// It begins one (`Traceback (most recent call last):`, an exception line, logcat's
    /// `FATAL EXCEPTION:`): it joins a record only with the very same prefix, time included.
    Begins,
    /// Nothing but the prefix (oslo.log ends a traceback so): it joins a record already
    /// stitched, with the very same prefix.
    Blank,
    /// Anything else: it joins only a crash the record's first line began, with the very same
    /// prefix (logcat's `Process: ...` after `FATAL EXCEPTION: main`).
    Other,
}

/// What a line shares with the first line of its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shared {
    /// Where the line's payload starts (past the `[context]` groups after the prefix).
    pub payload: usize,
    /// Where the shared prefix ends.
    pub prefix: usize,
    /// Whether the prefixes are the same byte for byte (time included).
    pub exact: bool,
}

/// What `line` shares with `first` (the first line of its record), found cheaply: whether the
/// prefix covers `first`'s header is [`covers_header`]'s to say, asked only of a line that would
/// join.
pub fn shared(first: &str, line: &str) -> Option<Shared> {
    let (prefix, exact) = shared_prefix(first, line)?;
    Some(Shared {
        payload: skip_context(line, prefix),
        prefix,
        exact,
    })
}

/// Whether a prefix that ends at `prefix` covers all of `first`'s header but its `[context]`
/// groups and level word: two lines of one host but of two programs share no prefix.
pub fn covers_header(first: &str, prefix: usize) -> bool {
    prefix >= header_end(first)
}

/// Where the payload of `line` starts when it carries the same prefix as `first` (the first line
/// of its record, [`shared`] and [`covers_header`]), and whether that prefix is byte for byte
/// the same (time included).
pub fn payload_at(first: &str, line: &str) -> Option<(usize, bool)> {
    let shared = shared(first, line)?;
    covers_header(first, shared.prefix).then_some((shared.payload, shared.exact))
}

/// What the payload of `first` is, when `line` carries its prefix ([`payload_at`]).
pub fn first_payload<'f>(first: &'f str, line: &str) -> Option<&'f str> {
    let (start, _) = shared_prefix(first, line)?;
    Some(&first[skip_context(first, start)..])
}

/// Where the header of `line` ends, the `[context]` groups and level words at its end aside
/// (oslo's `[req-...] [instance: ...]`, which its traceback lines print otherwise; the level of
/// a header inside a syslog message, which the lines of its trace do not repeat).
pub fn header_end(line: &str) -> usize {
    let mut head = line[..crate::header::message_start(line)].trim_end();
    while let Some(space) = head.rfind(' ') {
        let last = &head[space + 1..];
        if head.ends_with(']') {
            match head.rfind('[') {
                Some(open) if open > 0 && head.as_bytes()[open - 1] == b' ' => {
                    head = head[..open].trim_end();
                }
                _ => break,
            }
        } else if crate::header::level_word(last).is_some() {
            head = head[..head.len() - last.len()].trim_end();
        } else {
            break;
        }
    }
    head.len()
}

/// Where the prefix that `first` and `line` share ends (after its last space), and whether the
/// two prefixes are the same byte for byte (digits may differ otherwise).
fn shared_prefix(first: &str, line: &str) -> Option<(usize, bool)> {
    let (f, l) = (first.as_bytes(), line.as_bytes());
    let n = f.len().min(l.len());
    let mut m = 0;
    let mut exact = true;
    while m < n {
        // eight bytes at a time while they agree (most of two lines of one logger do)
        if m + 8 <= n && eight(f, m) == eight(l, m) {
            m += 8;
            continue;
        }
        if f[m] != l[m] {
            if !(f[m].is_ascii_digit() && l[m].is_ascii_digit()) {
                break;
            }
            exact = false;
        }
        m += 1;
    }
    // the prefix ends after the last space the two lines share
    let start = memchr::memrchr(b' ', &l[..m])? + 1;
    // a prefix is a header: a time and at least one more field
    if start < 12 || memchr::memchr(b' ', &l[..start - 1]).is_none() {
        return None;
    }
    Some((start, exact))
}

/// The eight bytes of `b` at `at` as one word (the caller checked they are there).
#[inline]
fn eight(b: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[at..at + 8]);
    u64::from_ne_bytes(word)
}

/// Past the `[context] ` groups at `at` (oslo's `[instance: ...]`, `[req-... - - -]`).
fn skip_context(line: &str, mut at: usize) -> usize {
    while line[at..].starts_with('[') {
        match line[at..].find("] ") {
            Some(close) if close > 1 => at += close + 2,
            _ => break,
        }
    }
    at
}

/// What `payload` (a line's text after its prefix) is to a trace.
pub fn classify(payload: &str) -> Payload {
    let payload = unquote(payload);
    if payload.is_empty() {
        return Payload::Blank;
    }
    if continues_unquoted(payload) {
        return Payload::Continues;
    }
    if payload.starts_with("Traceback (most recent call last):")
        || payload.starts_with("FATAL EXCEPTION:")
        || super::record_start::is_php_fatal(payload)
        || super::crash::restarts_trace(payload)
    {
        return Payload::Begins;
    }
    Payload::Other
}

/// Whether `payload` continues a trace ([`classify`]'s [`Payload::Continues`]): all a caller
/// needs to know when a payload that begins a trace or says something else would not join.
pub fn continues(payload: &str) -> bool {
    continues_unquoted(unquote(payload))
}

/// [`continues`] of a payload without php-fpm's quotes.
fn continues_unquoted(payload: &str) -> bool {
    let Some(&first) = payload.as_bytes().first() else {
        return false;
    };
    first == b' '
        || first == b'\t'
        || payload.starts_with("#011")
        || is_continuation_marker(payload)
        || payload.starts_with("at ")
        || payload.starts_with("Stack trace:")
        || (first == b'#' && super::php::is_frame_line(payload))
}

/// The payloads of a stitched record's lines, the first line's too, each without its prefix,
/// php-fpm's quotes and rsyslog's `#011` (back to a tab): the trace as its program printed it;
/// `None` when `text` is not stitched (its second line does not carry its first line's prefix).
pub fn strip(text: &str) -> Option<String> {
    let mut lines = text.split('\n');
    let first = lines.next()?;
    let first = first.strip_suffix('\r').unwrap_or(first);
    let second = lines.clone().next()?;
    let second = second.strip_suffix('\r').unwrap_or(second);
    if !super::record_start::default_is_header(second) {
        return None;
    }
    payload_at(first, second)?;
    let mut out = String::with_capacity(text.len());
    out.push_str(&unescape(unquote(first_payload(first, second)?)));
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let payload = match payload_at(first, line) {
            Some((at, _)) if super::record_start::default_is_header(line) => &line[at..],
            _ => line,
        };
        out.push('\n');
        out.push_str(&unescape(unquote(payload)));
    }
    Some(out)
}

/// A payload without the quotes php-fpm puts around what a worker said into stderr
/// (`child 12 said into stderr: "Stack trace:"`).
fn unquote(payload: &str) -> &str {
    match payload.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').unwrap_or(inner),
        None => payload,
    }
}

/// rsyslog's escapes of control characters at the start of a payload (`#011` is a tab).
fn unescape(payload: &str) -> Cow<'_, str> {
    if !payload.starts_with("#0") {
        return Cow::Borrowed(payload);
    }
    let mut out = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(after) = rest.strip_prefix("#011") {
        out.push('\t');
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_continues_exactly_when_classify_says_so() {
        for payload in [
            "",
            "\"\"",
            "  at a.B(B.java:1)",
            "\tat a.B(B.java:1)",
            "at Object.<anonymous> (/app/x.js:1:2)",
            "#011at com.acme.X(X.java:3)",
            "\"at x\"",
            "\"\"at x\"\"",
            "Caused by: java.io.IOException: x",
            "... 4 more",
            "Stack trace:",
            "#0 /srv/app.php(12): f()",
            "#1 {main}",
            "Traceback (most recent call last):",
            "FATAL EXCEPTION: main",
            "PHP Fatal error:  Uncaught Exception: x",
            "java.lang.IllegalStateException: pool closed",
            "panic: boom",
            "INFO [worker-5] http: GET /api 200",
            "request failed",
        ] {
            assert_eq!(
                continues(payload),
                classify(payload) == Payload::Continues,
                "{payload:?}"
            );
        }
    }

    #[test]
    fn payloads_are_found_against_the_first_line() {
        let first = "2017-05-16 00:00:04.500 25743 ERROR nova.compute.manager [req-3f1 113d 54f - - -] [instance: b90] Instance failed to spawn";
        let line = "2017-05-16 00:00:04.500 25743 ERROR nova.compute.manager [instance: b90]   File \"/usr/lib/python3/dist-packages/nova/compute/manager.py\", line 2218, in _build";
        let (at, exact) = payload_at(first, line).unwrap();
        assert!(line[at..].starts_with("  File \""), "{}", &line[at..]);
        assert!(exact);
        let first = "Nov 27 08:00:01 web-2 java[4242]: 2026-11-27 08:00:01.123 ERROR [main] c.a.Gateway - capture failed";
        let line =
            "Nov 27 08:00:02 web-2 java[4242]: #011at com.acme.Gateway.capture(Gateway.java:8)";
        let (at, exact) = payload_at(first, line).unwrap();
        assert_eq!(
            &line[at..],
            "#011at com.acme.Gateway.capture(Gateway.java:8)"
        );
        assert!(!exact);
        assert_eq!(classify(&line[at..]), Payload::Continues);
        // short shared starts are no prefix
        assert_eq!(payload_at("2026 a", "2026 b"), None);
        // two programs of one host share no prefix, nor does a host field padded otherwise
        for (first, line) in [
            (
                "Jul 27 14:41:57 combo kernel: BIOS-provided physical RAM map:",
                "Jul 27 14:41:57 combo syslog: klogd startup succeeded",
            ),
            (
                "Jul  7 08:06:15 combo login(pam_unix)[2421]: session opened for user root",
                "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2",
            ),
        ] {
            assert_eq!(payload_at(first, line), None, "{line}");
        }
    }

    #[test]
    fn payloads_are_classified() {
        assert_eq!(
            classify("Traceback (most recent call last):"),
            Payload::Begins
        );
        assert_eq!(
            classify("java.lang.NullPointerException: x"),
            Payload::Begins
        );
        assert_eq!(classify("FATAL EXCEPTION: main"), Payload::Begins);
        assert_eq!(classify("\tat com.acme.A.b(A.java:3)"), Payload::Continues);
        assert_eq!(
            classify("Caused by: java.io.IOException"),
            Payload::Continues
        );
        assert_eq!(classify("Process: com.acme, PID: 4242"), Payload::Other);
        assert_eq!(classify("request done"), Payload::Other);
    }

    #[test]
    fn strip_takes_the_prefixes_off() {
        let text = "Nov 27 08:00:01 web-2 java[4242]: ERROR capture failed\nNov 27 08:00:01 web-2 java[4242]: java.lang.IllegalStateException: boom\nNov 27 08:00:02 web-2 java[4242]: #011at com.acme.Gateway.capture(Gateway.java:8)";
        assert_eq!(
            strip(text).unwrap(),
            "ERROR capture failed\njava.lang.IllegalStateException: boom\n\tat com.acme.Gateway.capture(Gateway.java:8)"
        );
        let text = "[27-Nov-2026 08:00:01] WARNING: [pool www] child 12 said into stderr: \"PHP Fatal error:  Uncaught RuntimeException: empty in /var/www/src/Cart.php:7\"\n[27-Nov-2026 08:00:01] WARNING: [pool www] child 12 said into stderr: \"Stack trace:\"\n[27-Nov-2026 08:00:01] WARNING: [pool www] child 12 said into stderr: \"#0 {main}\"";
        assert_eq!(
            strip(text).unwrap(),
            "PHP Fatal error:  Uncaught RuntimeException: empty in /var/www/src/Cart.php:7\nStack trace:\n#0 {main}"
        );
        assert_eq!(
            strip("2026-11-27 08:00:01 ERROR x\n\tat a.B.c(B.java:1)"),
            None
        );
    }
}
