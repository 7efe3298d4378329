//! Dispatcher tests over every corpus, and robustness against hostile input.

use super::*;
use crate::grouping::{normalize, FingerprintInputs};

const CORPUS: &[(&str, &str, Language, &str)] = &[
    (
        "python_direct_cause",
        include_str!("../../tests/data/traces/python_direct_cause.txt"),
        Language::Python,
        "RuntimeError",
    ),
    (
        "python_during_handling",
        include_str!("../../tests/data/traces/python_during_handling.txt"),
        Language::Python,
        "KeyError",
    ),
    (
        "python_recursion",
        include_str!("../../tests/data/traces/python_recursion.txt"),
        Language::Python,
        "RecursionError",
    ),
    (
        "python_group",
        include_str!("../../tests/data/traces/python_group.txt"),
        Language::Python,
        "ExceptionGroup",
    ),
    (
        "python_taskgroup",
        include_str!("../../tests/data/traces/python_taskgroup.txt"),
        Language::Python,
        "ExceptionGroup",
    ),
    (
        "python_syntax",
        include_str!("../../tests/data/traces/python_syntax.txt"),
        Language::Python,
        "SyntaxError",
    ),
    (
        "python_cause_without_traceback",
        include_str!("../../tests/data/traces/python_cause_without_traceback.txt"),
        Language::Python,
        "RuntimeError",
    ),
    (
        "java_caused_suppressed",
        include_str!("../../tests/data/traces/java_caused_suppressed.txt"),
        Language::Java,
        "java.lang.IllegalArgumentException",
    ),
    (
        "java_logback",
        include_str!("../../tests/data/traces/java_logback.txt"),
        Language::Java,
        "org.springframework.dao.DataAccessResourceFailureException",
    ),
    (
        "java_multiline_message",
        include_str!("../../tests/data/traces/java_multiline_message.txt"),
        Language::Java,
        "java.lang.IllegalStateException",
    ),
    (
        "java_rmi_nested",
        include_str!("../../tests/data/traces/java_rmi_nested.txt"),
        Language::Java,
        "java.rmi.ServerException",
    ),
    (
        "java_spring_nested",
        include_str!("../../tests/data/traces/java_spring_nested.txt"),
        Language::Java,
        "org.springframework.web.util.NestedServletException",
    ),
    (
        "go_nil_map",
        include_str!("../../tests/data/traces/go_nil_map.txt"),
        Language::Go,
        "panic",
    ),
    (
        "go_recovered",
        include_str!("../../tests/data/traces/go_recovered.txt"),
        Language::Go,
        "panic",
    ),
    (
        "go_fatal",
        include_str!("../../tests/data/traces/go_fatal.txt"),
        Language::Go,
        "fatal error",
    ),
    (
        "go_deadlock",
        include_str!("../../tests/data/traces/go_deadlock.txt"),
        Language::Go,
        "fatal error",
    ),
    (
        "node_cause",
        include_str!("../../tests/data/traces/node_cause.txt"),
        Language::Node,
        "Error",
    ),
    (
        "node_uncaught",
        include_str!("../../tests/data/traces/node_uncaught.txt"),
        Language::Node,
        "TypeError",
    ),
    (
        "node_uncaught_esm",
        include_str!("../../tests/data/traces/node_uncaught_esm.txt"),
        Language::Node,
        "Error",
    ),
    (
        "node_express",
        include_str!("../../tests/data/traces/node_express.txt"),
        Language::Node,
        "Error",
    ),
    (
        "node_aggregate",
        include_str!("../../tests/data/traces/node_aggregate.txt"),
        Language::Node,
        "AggregateError",
    ),
    (
        "node_eval_parens",
        include_str!("../../tests/data/traces/node_eval_parens.txt"),
        Language::Node,
        "Error",
    ),
    (
        "node_frames_edge",
        include_str!("../../tests/data/traces/node_frames_edge.txt"),
        Language::Node,
        "TypeError",
    ),
    (
        "rust_panic_new",
        include_str!("../../tests/data/traces/rust_panic_new.txt"),
        Language::Rust,
        "panic",
    ),
    (
        "rust_panic_old",
        include_str!("../../tests/data/traces/rust_panic_old.txt"),
        Language::Rust,
        "panic",
    ),
    (
        "rust_backtrace",
        include_str!("../../tests/data/traces/rust_backtrace.txt"),
        Language::Rust,
        "panic",
    ),
    (
        "rust_backtrace_full",
        include_str!("../../tests/data/traces/rust_backtrace_full.txt"),
        Language::Rust,
        "panic",
    ),
    (
        "dotnet_inner",
        include_str!("../../tests/data/traces/dotnet_inner.txt"),
        Language::DotNet,
        "System.InvalidOperationException",
    ),
    (
        "dotnet_core",
        include_str!("../../tests/data/traces/dotnet_core.txt"),
        Language::DotNet,
        "System.ArgumentNullException",
    ),
    (
        "dotnet_framework",
        include_str!("../../tests/data/traces/dotnet_framework.txt"),
        Language::DotNet,
        "System.Data.SqlClient.SqlException",
    ),
    (
        "dotnet_aggregate",
        include_str!("../../tests/data/traces/dotnet_aggregate.txt"),
        Language::DotNet,
        "System.AggregateException",
    ),
    (
        "ruby_nomethod",
        include_str!("../../tests/data/traces/ruby_nomethod.txt"),
        Language::Ruby,
        "NoMethodError",
    ),
    (
        "ruby_34_cause",
        include_str!("../../tests/data/traces/ruby_34_cause.txt"),
        Language::Ruby,
        "OrderService::PlacementError",
    ),
    (
        "ruby_rails_log",
        include_str!("../../tests/data/traces/ruby_rails_log.txt"),
        Language::Ruby,
        "ActiveRecord::RecordNotFound",
    ),
    (
        "ruby_multiline",
        include_str!("../../tests/data/traces/ruby_multiline.txt"),
        Language::Ruby,
        "RuntimeError",
    ),
    (
        "php_uncaught_fpm",
        include_str!("../../tests/data/traces/php_uncaught_fpm.txt"),
        Language::Php,
        "RuntimeException",
    ),
    (
        "php_chained",
        include_str!("../../tests/data/traces/php_chained.txt"),
        Language::Php,
        "LogicException",
    ),
    (
        "php_display",
        include_str!("../../tests/data/traces/php_display.txt"),
        Language::Php,
        "DomainException",
    ),
    (
        "php5_uncaught",
        include_str!("../../tests/data/traces/php5_uncaught.txt"),
        Language::Php,
        "InvalidArgumentException",
    ),
    (
        "php5_chained",
        include_str!("../../tests/data/traces/php5_chained.txt"),
        Language::Php,
        "RuntimeException",
    ),
    (
        "php_include",
        include_str!("../../tests/data/traces/php_include.txt"),
        Language::Php,
        "UnexpectedValueException",
    ),
    (
        "php_laravel",
        include_str!("../../tests/data/traces/php_laravel.txt"),
        Language::Php,
        "RuntimeException",
    ),
];

#[test]
fn every_corpus_is_detected_and_parsed() {
    for (name, text, lang, ty) in CORPUS {
        let p = parse_exception(text).unwrap_or_else(|| panic!("{name}: not parsed"));
        assert_eq!(p.language, *lang, "{name}");
        assert_eq!(p.chain[0].exception_type, *ty, "{name}");
        assert!(p.all_frames().next().is_some(), "{name}: no frames");
        assert!(p.all_frames().any(|f| f.in_app), "{name}: no in-app frame");
        let fp = FingerprintInputs::from_exception(&p);
        assert!(fp.by_frames, "{name}");
    }
}

#[test]
fn serde_round_trip() {
    let (_, text, _, _) = CORPUS
        .iter()
        .find(|c| c.0 == "java_caused_suppressed")
        .unwrap();
    let p = parse_exception(text).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"language\":\"java\""));
    assert!(json.contains("\"relation\":\"suppressed\""));
    let back: ParsedException = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    // stored as JSON in the database: the name is `as_str`'s
    assert_eq!(serde_json::to_string(&Language::Php).unwrap(), "\"php\"");
    assert_eq!(Language::Php.as_str(), "php");
}

#[test]
fn every_corpus_round_trips_through_json() {
    // a cluster stores its first event's exception and fingerprint inputs as JSON
    for (name, text, _, _) in CORPUS {
        let p = parse_exception(text).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            serde_json::from_str::<ParsedException>(&json).unwrap(),
            p,
            "{name}"
        );
        let fp = FingerprintInputs::from_exception(&p);
        let json = serde_json::to_string(&fp).unwrap();
        assert_eq!(
            serde_json::from_str::<FingerprintInputs>(&json).unwrap(),
            fp,
            "{name}"
        );
    }
}

#[test]
fn unknown_formats_are_none() {
    for text in [
        "",
        "2026-11-28 10:00:00 ERROR connection refused to db-1:5432",
        "java.lang.NullPointerException",
        "GET /health 200 3ms",
        "at the end of the day",
        "\n\n\n",
    ] {
        assert_eq!(parse_exception(text), None, "{text:?}");
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let len = rng.below(400);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_exception(&text);
        let _ = multiline::assemble(&text);
        let _ = normalize::mask_message(&text);
    }
}

#[test]
fn mutated_corpora_never_panic() {
    let alphabet: &[&str] = &[
        "\n",
        " ",
        "\t",
        ":",
        "(",
        ")",
        "[",
        "]",
        "'",
        "`",
        "\"",
        "at ",
        "---> ",
        "Caused by: ",
        "panic: ",
        "goroutine 1 [running]:",
        "File \"",
        ", line ",
        "0x",
        "<",
        ">",
        "{",
        "}",
        "é",
        "+-+---- 1 ----",
        "| ",
        ":in `",
        " panicked at ",
        "\tfrom ",
        ":line ",
        "9999999999",
        "#0 ",
        "Stack trace:",
        "Next ",
        "{main}",
        "[internal function]: ",
        " in ",
        "(12): ",
        "[object] (",
        "(code: ",
        " : eval()'d code",
        "\\",
        "; nested exception is",
        "; nested exception is: \n\t",
        "    at ",
        "(copy)",
    ];
    let mut rng = Rng(42);
    for (_, text, _, _) in CORPUS {
        for _ in 0..60 {
            let mut s = (*text).to_owned();
            for _ in 0..=rng.below(8) {
                let mut at = rng.below(s.len() + 1);
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => s.insert_str(at, alphabet[rng.below(alphabet.len())]),
                    1 => s.truncate(at),
                    _ => {
                        let mut end = (at + rng.below(40)).min(s.len());
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s.replace_range(at..end, "");
                    }
                }
            }
            if let Some(p) = parse_exception(&s) {
                let _ = FingerprintInputs::from_exception(&p).to_string();
            }
            let _ = multiline::assemble(&s);
            for lang in [
                Language::Python,
                Language::Java,
                Language::Go,
                Language::Node,
                Language::Rust,
                Language::DotNet,
                Language::Ruby,
                Language::Php,
            ] {
                let _ = parse_exception_as(&s, lang);
            }
        }
    }
}

#[test]
fn huge_and_degenerate_inputs() {
    let huge = "x".repeat(10 * 1024 * 1024);
    assert_eq!(parse_exception(&huge), None);
    let frames = "\tat a.B.c(B.java:1)\n".repeat(50_000);
    let p = parse_exception(&format!("java.lang.E: m\n{frames}")).unwrap();
    assert_eq!(p.chain[0].frames.len(), trace::MAX_FRAMES);
    let causes = "Caused by: java.lang.E: m\n\tat a.B.c(B.java:1)\n".repeat(1000);
    let p = parse_exception(&format!("java.lang.E: m\n\tat a.B.c(B.java:1)\n{causes}")).unwrap();
    assert_eq!(p.chain.len(), trace::MAX_CHAIN);
    let open_parens = format!("main.f{}\n", "(".repeat(100_000));
    let _ = parse_exception(&format!(
        "panic: x\n\ngoroutine 1 [running]:\n{open_parens}"
    ));
}

#[test]
fn trace_without_header_line() {
    let p = parse_exception("\tat com.acme.A.b(A.java:3)\n\tat com.acme.A.c(A.java:9)\n").unwrap();
    assert_eq!(p.language, Language::Java);
    assert_eq!(p.chain[0].frames.len(), 2);
    let p = parse_exception("    at handler (/app/x.js:1:2)\n").unwrap();
    assert_eq!(p.language, Language::Node);
    let p = parse_exception("\tfrom /app/x.rb:3:in `y'\n").unwrap();
    assert_eq!(p.language, Language::Ruby);
}
