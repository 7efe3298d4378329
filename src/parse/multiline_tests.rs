//! Tests of the multi-line assembler.

use super::*;
use crate::parse::{parse_exception, Language};

fn firsts(records: &[AssembledRecord]) -> Vec<u64> {
    records.iter().map(|r| r.first_line).collect()
}

#[test]
fn mixed_log_with_headers() {
    let text = include_str!("../../tests/data/traces/mixed_app.log");
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 1, 31, 51, 52, 60, 69, 72]);
    let langs: Vec<Option<Language>> = records
        .iter()
        .map(|r| parse_exception(&r.text).map(|p| p.language))
        .collect();
    let want = [
        None,
        Some(Language::Python),
        Some(Language::Java),
        None,
        Some(Language::Go),
        Some(Language::DotNet),
        Some(Language::Rust),
        None,
    ];
    assert_eq!(langs, want);
    let py = parse_exception(&records[1].text).unwrap();
    assert_eq!(
        py.chain.len(),
        2,
        "blank lines inside the chained traceback were kept"
    );
    assert!(records[1].text.contains("\n\nThe above exception"));
    let java = parse_exception(&records[2].text).unwrap();
    assert_eq!(java.chain.len(), 4);
    assert_eq!(
        records[4].lines, 8,
        "go panic with its blank line and exit status"
    );
    assert!(records
        .iter()
        .all(|r| !r.truncated && !r.text.ends_with('\n')));
}

#[test]
fn headerless_traces_split_per_trace() {
    let mut text = String::new();
    for t in [
        include_str!("../../tests/data/traces/python_during_handling.txt"),
        include_str!("../../tests/data/traces/java_multiline_message.txt"),
        include_str!("../../tests/data/traces/go_fatal.txt"),
        include_str!("../../tests/data/traces/rust_backtrace.txt"),
        include_str!("../../tests/data/traces/node_cause.txt"),
        include_str!("../../tests/data/traces/ruby_nomethod.txt"),
        include_str!("../../tests/data/traces/python_recursion.txt"),
        // its cause starts with an unindented location line and stays in the record
        include_str!("../../tests/data/traces/ruby_34_cause.txt"),
        include_str!("../../tests/data/traces/dotnet_inner.txt"),
    ] {
        text.push_str(t);
    }
    // a custom predicate that never sees a header: only trace grammar splits records
    let mut asm = Assembler::with_header(|_: &str| false);
    let mut types = Vec::new();
    for line in text.lines() {
        asm.push_with(line, |r| types.push(first_type(r.text)));
    }
    asm.finish_with(|r| types.push(first_type(r.text)));
    let want = [
        "",
        "KeyError/2",
        "java.lang.IllegalStateException/1",
        "fatal error/1",
        "panic/1",
        "Error/2",
        "NoMethodError/1",
        "RecursionError/1",
        "OrderService::PlacementError/2",
        "",
        "System.InvalidOperationException/3",
    ];
    assert_eq!(types, want);
}

/// `Type/chain length` of the record's exception, or "" when it holds none.
fn first_type(text: &str) -> String {
    parse_exception(text)
        .map(|p| format!("{}/{}", p.chain[0].exception_type, p.chain.len()))
        .unwrap_or_default()
}

#[test]
fn custom_predicate_is_used() {
    let mut asm = Assembler::with_header(|l: &str| l.starts_with(">> "));
    let mut out = Vec::new();
    for l in [">> a", "b", ">> c", "  d", "e"] {
        if let Some(r) = asm.push(l) {
            out.push(r);
        }
    }
    out.extend(asm.finish());
    let texts: Vec<&str> = out.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, [">> a\nb", ">> c\n  d\ne"]);
    assert_eq!(firsts(&out), [0, 2]);
}

#[test]
fn line_and_byte_limits_count_truncations() {
    let limits = Limits {
        max_bytes: 80,
        max_lines: 3,
    };
    let mut asm = Assembler::new().with_limits(limits);
    let mut out = Vec::new();
    let lines = [
        "2026-11-28 10:00:00 ERROR a",
        "\tat a.B.c(B.java:1)",
        "\tat a.B.d(B.java:2)",
        "\tat a.B.e(B.java:3)",
        "2026-11-28 10:00:01 ERROR b",
        "2026-11-28 10:00:02 ERROR ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
        "\tat x.Y.z(Y.java:9)",
    ];
    for l in lines {
        out.extend(asm.push(l));
    }
    out.extend(asm.finish());
    assert_eq!(out.len(), 3, "{out:#?}");
    assert_eq!(out[0].lines, 3);
    assert!(out[0].truncated);
    assert!(!out[1].truncated);
    assert_eq!(out[2].text.len(), 80);
    assert_eq!(out[2].lines, 1);
    assert_eq!(asm.truncations(), 2);
}

#[test]
fn ten_mib_line_is_cut_not_kept() {
    let mut asm = Assembler::new();
    let mut big = String::from("2026-11-28 10:00:00 ERROR ");
    big.push_str(&"é".repeat(5 * 1024 * 1024));
    assert!(asm.push(&big).is_none());
    let r = asm.push("2026-11-28 10:00:01 INFO next").unwrap();
    assert!(r.truncated);
    assert!(r.text.len() <= Limits::default().max_bytes);
    assert_eq!(asm.truncations(), 1);
    assert_eq!(asm.finish().unwrap().first_line, 1);
}

#[test]
fn crlf_blank_runs_and_leading_blanks() {
    let text = "\r\n\r\n2026-11-28 10:00:00 ERROR a\r\nTraceback (most recent call last):\r\n  File \"x.py\", line 1, in f\r\nValueError: v\r\n\r\n\r\n2026-11-28 10:00:01 INFO b\r\n";
    let records = assemble(text);
    assert_eq!(firsts(&records), [2, 8]);
    assert_eq!(
        records[0].text,
        "2026-11-28 10:00:00 ERROR a\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\nValueError: v"
    );
}

#[test]
fn own_header_lines_start_records_after_a_header() {
    let text = "2026-11-28 10:00:00 INFO serving\npanic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\nexit status 2\n";
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 1]);
    assert_eq!(records[1].lines, 6);
}

#[test]
fn loose_predicate_cannot_split_a_trace() {
    // a predicate that, like a header finder skipping whitespace, matches indented frames too
    let mut asm = Assembler::with_header(|l: &str| l.contains(" at ") || l.contains("ERROR"));
    let mut out = Vec::new();
    for l in include_str!("../../tests/data/traces/java_caused_suppressed.txt").lines() {
        out.extend(asm.push(l));
    }
    out.extend(asm.finish());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].lines, 19);
}

#[test]
fn go_header_fields_and_node_excerpt_in_header_mode() {
    let text = "2026-11-28 10:00:00 ERROR worker died\n/srv/app/src/server.js:13\n  null.x;\n       ^\n\nTypeError: Cannot read properties of null (reading 'x')\n    at /srv/app/src/server.js:13:53\n\nNode.js v20.20.2\n2026-11-28 10:00:01 INFO next\n";
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 9]);
    let p = parse_exception(&records[0].text).unwrap();
    assert_eq!(p.chain[0].exception_type, "TypeError");
}

#[test]
fn held_back_blank_lines_respect_the_byte_limit() {
    let mut asm = Assembler::new().with_limits(Limits {
        max_bytes: 10,
        max_lines: 100,
    });
    let mut out = Vec::new();
    for l in ["2026-11-28", "", "", "  x"] {
        out.extend(asm.push(l));
    }
    out.extend(asm.finish());
    assert_eq!(out.len(), 1);
    assert!(out[0].text.len() <= 10, "{:?}", out[0].text);
    assert!(out[0].truncated);
}

#[test]
fn dotnet_console_logger_record() {
    let text = include_str!("../../tests/data/traces/dotnet_inner.txt");
    let records = assemble(&format!("info: Acme.Startup[0]\n      listening\n{text}"));
    assert_eq!(firsts(&records), [0, 2]);
    let p = parse_exception(&records[1].text).unwrap();
    assert_eq!(p.chain.len(), 3);
}

#[test]
fn blank_lines_are_those_trim_empties() {
    for line in [
        "", " ", "\t", "\r", " \u{a0} ", "\u{3000}", "x", " x", "\u{a0}x", "é", "\u{feff}",
    ] {
        assert_eq!(is_blank(line), line.trim().is_empty(), "{line:?}");
    }
}

#[test]
fn a_trace_right_after_a_complete_one_starts_a_record() {
    let text = "2026-11-27 08:00:01 ERROR job failed\nTraceback (most recent call last):\n  File \"/srv/a.py\", line 1, in f\nKeyError: 'a'\nTraceback (most recent call last):\n  File \"/srv/a.py\", line 9, in <module>\nZeroDivisionError: division by zero\n\
2026-11-27 08:00:02 ERROR sync failed\njava.lang.IllegalStateException: a\n\tat a.B.c(B.java:1)\njava.lang.IllegalArgumentException: b\n\tat a.B.d(B.java:2)\n";
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 4, 7, 10]);
    // a cause or a chained traceback stays in its record
    let chained = "2026-11-27 08:00:01 ERROR x\nTraceback (most recent call last):\n  File \"/srv/a.py\", line 1, in f\nKeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"/srv/a.py\", line 3, in f\nValueError: b\n\
2026-11-27 08:00:02 ERROR y\njava.lang.IllegalStateException: a\n\tat a.B.c(B.java:1)\nCaused by: java.io.IOException: b\n\tat a.B.d(B.java:2)\n";
    assert_eq!(firsts(&assemble(chained)), [0, 10]);
}

#[test]
fn java_util_logging_records_are_their_two_lines_and_their_trace() {
    let text = "Nov 27, 2026 8:00:01 AM com.acme.Gateway capture\nSEVERE: capture failed\njava.lang.IllegalStateException: boom\n\tat com.acme.Gateway.capture(Gateway.java:8)\nNov 27, 2026 8:00:02 AM com.acme.Gateway start\nINFO: started\nWARNING: not a second line of a record\n";
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 4, 6]);
    assert_eq!(records[0].lines, 4);
}

#[test]
fn lines_that_carry_the_records_prefix_are_stitched() {
    let text = include_str!("../../tests/data/formats/stitched_oslo.log");
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 1, 13, 14]);
    let text = include_str!("../../tests/data/formats/stitched_rsyslog_java.log");
    assert_eq!(firsts(&assemble(text)), [0, 1, 10, 11]);
    let text = include_str!("../../tests/data/formats/stitched_logcat.log");
    assert_eq!(firsts(&assemble(text)), [0, 1, 2, 12]);
    let text = include_str!("../../tests/data/formats/stitched_php_fpm.log");
    assert_eq!(firsts(&assemble(text)), [0, 1, 7]);
    // lines of one logger and time whose payloads continue nothing are records of their own
    let plain = "2026-11-27 08:00:01.000 42 INFO app.db [ctx] opened\n2026-11-27 08:00:01.000 42 INFO app.db [ctx] closed\n2026-11-27 08:00:01.000 42 INFO app.db [ctx] Process: 42 restarted\n";
    assert_eq!(firsts(&assemble(plain)), [0, 1, 2]);
}

#[test]
fn a_forced_start_ends_the_record_in_progress() {
    let mut asm = Assembler::new();
    let mut out = Vec::new();
    asm.push_with("2026-11-27 08:00:01 ERROR payment failed", |r| {
        out.push(r.to_record());
    });
    asm.push_start_with("Traceback (most recent call last):", |r| {
        out.push(r.to_record());
    });
    asm.push_with("  File \"/srv/a.py\", line 1, in f", |r| {
        out.push(r.to_record());
    });
    out.extend(asm.finish());
    assert_eq!(firsts(&out), [0, 1]);
    assert_eq!(out[1].lines, 2);
}

#[test]
fn a_php_crash_runs_from_its_fatal_error_to_thrown_in() {
    let text = "checkout started\nPHP Fatal error:  Uncaught RuntimeException: cart\nspans two lines in /var/www/src/Cart.php:7\nStack trace:\n#0 /var/www/src/Cart.php(12): App\\Cart->total()\n#1 {main}\n\nNext LogicException: wrapped in /var/www/src/Cart.php:9\nStack trace:\n#0 {main}\n  thrown in /var/www/src/Cart.php on line 9\nnext plain line\n";
    let records = assemble(text);
    assert_eq!(firsts(&records), [0, 1, 11]);
    let p = parse_exception(&records[1].text).unwrap();
    assert_eq!(p.language, Language::Php);
    assert_eq!(p.chain.len(), 2);
}
