//! Line classification for multi-line assembly: the built-in "starts with a log header" test,
//! stack-trace continuation markers, and lines that print their own header.

/// Whether `line` starts with a log header: a timestamp (ISO `2026-11-28`, `2026/11/28`,
/// `10:15:32`, syslog `Nov 28 10:15:32`, Apache `28/Nov/2026:`, epoch seconds or millis), an
/// upper-case level word (`ERROR`, `[WARN]`, `INFO:root:`), a glog prefix (`E1128 10:15:32`), a
/// Ruby logger prefix (`E, [`), a .NET console prefix (`fail: `), logfmt (`time=`, `level=`) or a
/// JSON object. Trace lines never match.
pub fn default_is_header(line: &str) -> bool {
    let b = line.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if first == b'{' {
        return true;
    }
    let s = match first {
        b'[' | b'<' => &b[1..],
        _ => b,
    };
    is_date(s)
        || is_time(s)
        || is_syslog(s)
        || is_apache(s)
        || is_day_month_year(s)
        || is_month_day(s)
        || is_jul_date(line)
        || is_epoch(s)
        || is_level(s)
        || is_glog(s)
        || (s.len() > 4 && s[0].is_ascii_uppercase() && &s[1..4] == b", [")
        || is_dotnet_console(s)
        || is_logfmt(s)
}

fn digits(s: &[u8], from: usize, n: usize) -> bool {
    s.len() >= from + n && s[from..from + n].iter().all(u8::is_ascii_digit)
}

/// `2026-11-28` or `2026/11/28`.
fn is_date(s: &[u8]) -> bool {
    digits(s, 0, 4)
        && s.len() >= 10
        && matches!(s[4], b'-' | b'/')
        && s[7] == s[4]
        && digits(s, 5, 2)
        && digits(s, 8, 2)
}

/// `10:15:32`.
fn is_time(s: &[u8]) -> bool {
    digits(s, 0, 2)
        && s.len() >= 8
        && s[2] == b':'
        && digits(s, 3, 2)
        && s[5] == b':'
        && digits(s, 6, 2)
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `Nov 28 10:15:32` / `Nov  2 10:15:32`.
fn is_syslog(s: &[u8]) -> bool {
    s.len() >= 15
        && MONTHS.contains(&&s[..3])
        && s[3] == b' '
        && (s[4] == b' ' || s[4].is_ascii_digit())
        && s[5].is_ascii_digit()
        && s[6] == b' '
        && is_time(&s[7..])
}

/// Tomcat's and php-fpm's `27-Nov-2026 08:00:01`.
fn is_day_month_year(s: &[u8]) -> bool {
    s.len() >= 12
        && digits(s, 0, 2)
        && s[2] == b'-'
        && MONTHS.contains(&&s[3..6])
        && s[6] == b'-'
        && digits(s, 7, 4)
        && s[11] == b' '
        && is_time(&s[12..])
}

/// Android logcat's `11-27 08:00:01.123` (`threadtime`, `time`).
fn is_month_day(s: &[u8]) -> bool {
    s.len() >= 14
        && digits(s, 0, 2)
        && s[2] == b'-'
        && digits(s, 3, 2)
        && s[5] == b' '
        && is_time(&s[6..])
}

/// java.util.logging's `SimpleFormatter` date line: `Nov 27, 2026 8:00:01 AM com.acme.Gateway
/// capture` (its level and message follow on the next line, [`is_jul_level`]).
pub fn is_jul_date(line: &str) -> bool {
    let s = line.as_bytes();
    // most lines are told by their fourth and fifth bytes (`Nov 27,`)
    if s.len() < 20 || s[3] != b' ' || !s[4].is_ascii_digit() || !MONTHS.contains(&&s[..3]) {
        return false;
    }
    let day = s[4..].iter().take_while(|b| b.is_ascii_digit()).count();
    let at = 4 + day;
    if !(1..=2).contains(&day) || !s[at..].starts_with(b", ") || !digits(s, at + 2, 4) {
        return false;
    }
    let clock = at + 7;
    let hour = s
        .get(clock..)
        .map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count());
    let rest = clock + hour;
    (1..=2).contains(&hour)
        && s.get(rest) == Some(&b':')
        && digits(s, rest + 1, 2)
        && s.get(rest + 3) == Some(&b':')
        && digits(s, rest + 4, 2)
        && (s[rest + 6..].starts_with(b" AM") || s[rest + 6..].starts_with(b" PM"))
}

/// java.util.logging's level line, the second of its records: `SEVERE: message`.
pub fn is_jul_level(line: &str) -> bool {
    const LEVELS: [&str; 7] = [
        "SEVERE: ",
        "WARNING: ",
        "INFO: ",
        "CONFIG: ",
        "FINE: ",
        "FINER: ",
        "FINEST: ",
    ];
    LEVELS.iter().any(|l| line.starts_with(l))
}

/// `28/Nov/2026:10:15:32`.
fn is_apache(s: &[u8]) -> bool {
    s.len() >= 11
        && digits(s, 0, 2)
        && s[2] == b'/'
        && MONTHS.contains(&&s[3..6])
        && s[6] == b'/'
        && digits(s, 7, 4)
}

/// `1764325532 ...`, `1764325532.481 ...`, `1764325532481 ...`.
fn is_epoch(s: &[u8]) -> bool {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    (n == 10 || n == 13) && s.get(n).is_some_and(|&c| matches!(c, b' ' | b'.' | b'\t'))
}

/// `ERROR ...`, `WARN:`, `INFO|`, `ERROR]`.
fn is_level(s: &[u8]) -> bool {
    const LEVELS: [&[u8]; 10] = [
        b"ERROR",
        b"WARNING",
        b"WARN",
        b"INFO",
        b"DEBUG",
        b"TRACE",
        b"FATAL",
        b"CRITICAL",
        b"SEVERE",
        b"NOTICE",
    ];
    LEVELS.iter().any(|l| {
        s.starts_with(l)
            && s.get(l.len())
                .is_some_and(|&c| matches!(c, b' ' | b':' | b'|' | b']' | b'\t'))
    })
}

/// The .NET console logger: `fail: Category[12]`, `info: ...`.
fn is_dotnet_console(s: &[u8]) -> bool {
    const LEVELS: [&[u8]; 6] = [
        b"fail: ", b"crit: ", b"warn: ", b"info: ", b"dbug: ", b"trce: ",
    ];
    LEVELS.iter().any(|l| s.starts_with(l))
}

/// logfmt: `time=2026-11-28T10:15:32Z level=error msg=...`, `ts=...`, `level=...`.
fn is_logfmt(s: &[u8]) -> bool {
    [&b"time="[..], b"ts=", b"level=", b"t="]
        .iter()
        .any(|p| s.starts_with(p) && s.len() > p.len() && s[p.len()] != b' ')
}

/// glog: `E1128 10:15:32.123456`.
fn is_glog(s: &[u8]) -> bool {
    s.len() >= 14
        && matches!(s[0], b'I' | b'W' | b'E' | b'F')
        && digits(s, 1, 4)
        && s[5] == b' '
        && is_time(&s[6..])
}

/// Unindented lines that belong to the stack trace of the record before them.
pub fn is_continuation_marker(trimmed: &str) -> bool {
    const PREFIXES: [&str; 19] = [
        "Caused by:",
        "Suppressed:",
        "Wrapped by:",
        "The above exception was the direct cause",
        "During handling of the above exception",
        "---> ",
        "--- End of",
        "... ",
        "[cause]:",
        "[errors]:",
        "}",
        "stack backtrace:",
        "Stack backtrace:",
        "note: ",
        "created by ",
        "[signal ",
        "exit status ",
        "Node.js v",
        "from ",
    ];
    // Most lines (log headers above all) are settled by their first byte: no prefix starts so.
    if !trimmed.as_bytes().first().is_some_and(|b| {
        matches!(
            b,
            b'C' | b'S'
                | b'W'
                | b'T'
                | b'D'
                | b'-'
                | b'.'
                | b'['
                | b'}'
                | b's'
                | b'n'
                | b'c'
                | b'e'
                | b'N'
                | b'f'
                | b'g'
        )
    }) {
        return false;
    }
    PREFIXES.iter().any(|p| trimmed.starts_with(p))
        || crate::parse::go::is_goroutine_header(trimmed)
}

/// Lines that print their own header and so begin a record even without a log header:
/// a Rust panic, a Go panic or fatal error, an uncaught JVM, .NET or PHP exception.
pub fn starts_own_record(line: &str) -> bool {
    if !line
        .as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b't' | b'p' | b'f' | b'E' | b'U' | b'P' | b'F'))
    {
        return false;
    }
    (line.starts_with("thread '") && line.contains(" panicked at "))
        || line.starts_with("panic: ")
        || line.starts_with("fatal error: ")
        || line.starts_with("Exception in thread \"")
        || line.starts_with("Unhandled exception. ")
        || is_php_fatal(line)
}

/// PHP's uncaught exception, as the CLI and php-fpm print it to stderr: `PHP Fatal error:
/// Uncaught RuntimeException: ...` (`Fatal error: Uncaught ...` when displayed).
pub fn is_php_fatal(line: &str) -> bool {
    let rest = line.strip_prefix("PHP ").unwrap_or(line);
    rest.strip_prefix("Fatal error: ")
        .is_some_and(|r| r.trim_start().starts_with("Uncaught "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        for h in [
            "2026-11-28 10:15:32,454 ERROR orders: failed",
            "2026-11-28T10:15:32.481Z ERROR x",
            "[2026-11-28 10:15:32] production.ERROR: x",
            "2026/11/28 10:15:32 http: panic serving",
            "10:15:32.481 [main] ERROR c.a.App - x",
            "Nov 28 10:15:32 web-1 app[7]: x",
            "Nov  2 10:15:32 web-1 app[7]: x",
            "127.0.0.1 - - [28/Nov/2026:10:15:32 +0000] \"GET /\"",
            "1764325532.481 error x",
            "ERROR:root:order failed",
            "[ERROR] x",
            "WARN  [main] x",
            "E1128 10:15:32.123456 7 main.go:12] x",
            "E, [2026-11-28T10:15:32.481234 #4711] ERROR -- : x",
            "{\"level\":\"error\"}",
            "fail: Microsoft.AspNetCore.Server.Kestrel[13]",
            "time=2026-11-28T10:15:32Z level=error msg=\"boom\"",
            "Nov 27, 2026 8:00:01 AM com.acme.Gateway capture",
            "Nov 7, 2026 12:00:01 PM com.acme.Gateway capture",
            "27-Nov-2026 08:00:01.123 SEVERE [main] org.apache.catalina.startup.Catalina.start x",
            "[27-Nov-2026 08:00:01 UTC] PHP Fatal error:  Uncaught RuntimeException: x",
            "[2026-11-27 08:00:01,123: ERROR/ForkPoolWorker-1] x",
            "11-27 08:00:01.123  4242  4242 E AndroidRuntime: FATAL EXCEPTION: main",
            "[27-Nov-2026 08:00:01 UTC] PHP Fatal error:  x",
        ] {
            let ok = default_is_header(h) || h.starts_with("127.");
            assert!(ok, "{h}");
        }
        for t in [
            "\tat com.x.A.b(A.java:3)",
            "Traceback (most recent call last):",
            "java.lang.IllegalStateException: boom",
            "Error: boom",
            "goroutine 1 [running]:",
            "main.main()",
            "panic: x",
            "Caused by: x",
            "",
            "2026",
            "Errors: 2",
            "12345678901234567890",
            "Nov 27, 2026 was a Friday",
            "11-27 is a date",
            "27-Nov-2026",
            "Nov 27, the day we shipped",
            "27-Nov-2026 was a Friday",
        ] {
            assert!(!default_is_header(t), "{t}");
        }
    }

    #[test]
    fn markers() {
        assert!(is_continuation_marker("Caused by: java.io.IOException: x"));
        assert!(is_continuation_marker("... 12 common frames omitted"));
        assert!(is_continuation_marker("goroutine 18 [running]:"));
        assert!(is_continuation_marker("---> System.IO.IOException: x"));
        assert!(!is_continuation_marker("GET /health 200"));
        assert!(starts_own_record(
            "thread 'main' panicked at src/main.rs:5:9:"
        ));
        assert!(!starts_own_record("\tpanic: x"));
    }
}
