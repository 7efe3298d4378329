//! Where a stack trace begins when a runtime prints it bare, with no log header of its own: an
//! uncaught crash (`Traceback (most recent call last):`, `Exception in thread "main" ...`,
//! `e.printStackTrace()`'s exception line, Node's `file.js:3` excerpt, Ruby's
//! `app.rb:3:in 'm': msg (NoMethodError)`, PHP's `PHP Fatal error:  Uncaught ...`). A crash is the
//! most important record a log holds: it is never lost for the level of the line before it.

use super::record_start::starts_own_record;
use super::{java, node, ruby, trim_start};

/// How far into a record a trace start is looked for (lines after the first).
const MAX_LINES: usize = 512;

/// The byte offset in `text` of the first line after its first that begins a stack trace, if
/// any: the trace a runtime printed after a log record, glued to it by the assembler.
pub fn trace_start(text: &str) -> Option<usize> {
    let mut offset = memchr::memchr(b'\n', text.as_bytes())? + 1;
    for _ in 0..MAX_LINES {
        let rest = &text[offset..];
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        let line = rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]);
        let after = rest.get(end + 1..).unwrap_or("");
        if starts_trace(line, after) {
            return Some(offset);
        }
        offset += (end + 1).min(rest.len());
    }
    None
}

/// Whether `line` (unindented) begins a trace, `after` being the text that follows it.
fn starts_trace(line: &str, after: &str) -> bool {
    let Some(&first) = line.as_bytes().first() else {
        return false;
    };
    if first.is_ascii_whitespace() {
        return false;
    }
    if is_bare_start(line) {
        return true;
    }
    let next = next_line(after);
    if is_exception_line(line) && is_frame(next) {
        return true;
    }
    if is_ruby_crash(line) {
        return true;
    }
    // Node's uncaught error starts with where it was thrown (`/app/x.js:3`), the source line and
    // a caret, then the error and its frames.
    is_node_location(line) && memchr::memmem::find(after.as_bytes(), b"\n    at ").is_some()
}

/// Whether `line` is a crash's first line as its runtime prints it, header and all (a Python
/// traceback, a Go or Rust panic, an uncaught JVM, .NET or PHP exception): a trace begins there
/// whatever follows.
pub fn is_bare_start(line: &str) -> bool {
    starts_own_record(line) || line.starts_with("Traceback (most recent call last):")
}

/// Whether `line` begins another trace in a record whose trace is complete (its frames printed,
/// no cause announced): a second `Traceback (most recent call last):`, or an exception line of a
/// JVM, .NET or Node trace (`java.lang.IllegalStateException: msg`, `TypeError: x`).
pub fn restarts_trace(trimmed: &str) -> bool {
    trimmed.starts_with("Traceback (most recent call last):")
        || (is_exception_line(trimmed) && has_exception_suffix(exception_name(trimmed)))
}

/// The first line of `text`.
fn next_line(text: &str) -> &str {
    let end = memchr::memchr(b'\n', text.as_bytes()).unwrap_or(text.len());
    text[..end].strip_suffix('\r').unwrap_or(&text[..end])
}

/// An `at ...` frame of the JVM, .NET or V8.
fn is_frame(line: &str) -> bool {
    let t = trim_start(line);
    t.starts_with("at ")
        && t.len() < line.len()
        && (java::is_frame_line(t) || node::is_frame_line(t) || super::dotnet::is_frame_line(t))
}

/// `Name: message` or `Name` alone, where `Name` is a (qualified) type name: an exception line.
fn is_exception_line(line: &str) -> bool {
    let name = exception_name(line);
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'$' | b'_'))
        && name.as_bytes()[0].is_ascii_alphabetic()
        && name
            .rsplit('.')
            .next()
            .is_some_and(|last| last.as_bytes().first().is_some_and(u8::is_ascii_uppercase))
}

/// The first word of `line` without its `:` when it is followed by `: ` or ends the line: the
/// type name of an exception line (`java.lang.IllegalStateException: msg`); empty otherwise.
fn exception_name(line: &str) -> &str {
    let line = line.trim_end();
    match memchr::memchr(b' ', line.as_bytes()) {
        None => line,
        Some(space) => line[..space].strip_suffix(':').unwrap_or(""),
    }
}

/// Whether a type name reads as an exception's (`...Exception`, `...Error`, ...).
fn has_exception_suffix(name: &str) -> bool {
    [
        "Exception",
        "Error",
        "Throwable",
        "Failure",
        "Fault",
        "Panic",
    ]
    .iter()
    .any(|suffix| name.ends_with(suffix))
}

/// Ruby's uncaught exception: `app.rb:3:in 'm': msg (NoMethodError)`.
fn is_ruby_crash(line: &str) -> bool {
    line.ends_with(')') && line.contains(":in ") && ruby::is_location_line(line) && {
        let body = &line[..line.len() - 1];
        body.rfind('(').is_some_and(|open| {
            let ty = &body[open + 1..];
            ty.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
                && ty
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_'))
        })
    }
}

/// `/app/server.js:3` or `file:///app/x.mjs:12`: where Node says an uncaught error was thrown.
fn is_node_location(line: &str) -> bool {
    let Some((path, number)) = line.rsplit_once(':') else {
        return false;
    };
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && !path.contains(' ')
        && [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(text: &str) -> Option<&str> {
        trace_start(text).map(|at| &text[at..])
    }

    #[test]
    fn bare_crashes_after_a_record_are_found() {
        for (text, begins) in [
            (
                "2026-12-06 01:44:08,671 INFO shop.worker: started\nTraceback (most recent call last):\n  File \"/app/x.py\", line 1, in <module>\nKeyError: 'customer'",
                "Traceback",
            ),
            (
                "2026-12-06 01:44:15.075 INFO [main] c.a.Gateway - started\njava.lang.IllegalStateException: card token missing\n\tat com.acme.Gateway.capture(Gateway.java:8)",
                "java.lang.IllegalStateException",
            ),
            (
                "01:44:15 INFO retrying\nException in thread \"main\" java.lang.NullPointerException\n\tat com.acme.Gateway.main(Gateway.java:20)",
                "Exception in thread",
            ),
            (
                "2026-12-06T01:44:15.499Z info: listening\n/tmp/crash/server.js:3\nfunction handle(req) { return x; }\n                       ^\n\nReferenceError: x is not defined\n    at handle (/tmp/crash/server.js:3:24)",
                "/tmp/crash/server.js:3",
            ),
            (
                "info: Started\nUnhandled exception. System.InvalidOperationException: no\n   at Shop.Program.Main(String[] args) in /src/Program.cs:line 9",
                "Unhandled exception.",
            ),
            (
                "I, [2026-11-27T08:00:00 #1]  INFO -- : boot\napp.rb:3:in 'charge': undefined method 'total' for nil (NoMethodError)\n\tfrom app.rb:7:in '<main>'",
                "app.rb:3",
            ),
            (
                "[27-Nov-2026 08:00:00 UTC] PHP Notice:  x\nPHP Fatal error:  Uncaught RuntimeException: no in /var/www/src/Cart.php:88",
                "PHP Fatal error",
            ),
            (
                "2026-12-06 INFO ok\nsome text\nSystem.IO.IOException: disk\n   at Shop.Disk.Write() in /src/Disk.cs:line 3",
                "System.IO.IOException",
            ),
        ] {
            assert!(start(text).is_some_and(|s| s.starts_with(begins)), "{text}");
        }
    }

    #[test]
    fn messages_that_only_look_alike_begin_no_trace() {
        for text in [
            "2026-12-06 INFO ok",
            "2026-12-06 INFO query:\n  SELECT 1\n  FROM t",
            "2026-12-06 INFO status: done\nError: not a trace, no frames follow",
            "2026-12-06 INFO config\nListening: 8080\n    at the front door",
            "2026-12-06 INFO see app.js:3 for details",
            "2026-12-06 INFO note\nsee app.js:3\nno frames",
            "2026-12-06 INFO x\n\tat com.acme.A.b(A.java:3)",
        ] {
            assert_eq!(start(text), None, "{text}");
        }
    }

    #[test]
    fn a_trace_restarts_on_its_exception_line() {
        assert!(restarts_trace("Traceback (most recent call last):"));
        assert!(restarts_trace("java.lang.IllegalStateException: boom"));
        assert!(restarts_trace("TypeError: x is not a function"));
        assert!(restarts_trace("System.InvalidOperationException"));
        assert!(!restarts_trace("Caused by: java.io.IOException: x"));
        assert!(!restarts_trace("Request failed: timeout"));
        assert!(!restarts_trace("com.acme.Service: started"));
        assert!(!restarts_trace("... 12 more"));
    }
}
