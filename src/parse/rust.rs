//! Rust panics: `thread 'main' panicked at src/main.rs:5:9:` with the message on the next lines
//! (1.73+) and `panicked at 'msg', src/main.rs:5:9` (older), `stack backtrace:` frames
//! (`  N: symbol` or `  N: 0x... - symbol`, then `at file:line:col`), and `anyhow`-style
//! `Error: ...` / `Caused by:` reports.

use super::trace::{
    append_line, parse_num, push_frame, split_location, ExceptionInfo, Frame, Language,
    ParsedException, Relation, MAX_CHAIN,
};

const PANICKED_AT: &str = " panicked at ";
/// Most message lines kept for a new-form panic.
const MAX_MESSAGE_LINES: usize = 64;

/// Whether the text holds a Rust panic or an `anyhow` error report.
pub fn detect(text: &str) -> bool {
    text.contains(PANICKED_AT) || (text.contains("\nCaused by:\n") && text.contains("Error: "))
}

/// Parse the first Rust panic (or `Error:`/`Caused by:` report) in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let lines: Vec<&str> = text.lines().collect();
    match lines.iter().position(|l| l.contains(PANICKED_AT)) {
        Some(i) => parse_panic(&lines, i),
        None => parse_report(&lines),
    }
}

fn parse_panic(lines: &[&str], at: usize) -> Option<ParsedException> {
    let line = lines[at];
    let idx = line.find(PANICKED_AT)?;
    let rest = line[idx + PANICKED_AT.len()..].trim_end();
    let mut info = ExceptionInfo {
        exception_type: "panic".to_owned(),
        ..ExceptionInfo::default()
    };
    let mut next = at + 1;
    let location = if let Some(quoted) = rest.strip_prefix('\'') {
        // old form: 'message', file:line:col
        let (msg, loc) = quoted.rsplit_once("', ").unwrap_or((quoted, ""));
        msg.clone_into(&mut info.message);
        loc
    } else {
        // new form: file:line:col: then the message lines
        while next < lines.len() && next - at <= MAX_MESSAGE_LINES {
            let l = lines[next];
            if l.starts_with("note: ") || l.trim() == "stack backtrace:" || l.contains(PANICKED_AT)
            {
                break;
            }
            append_line(&mut info.message, l.trim_end());
            next += 1;
        }
        rest.strip_suffix(':').unwrap_or(rest)
    };
    let frames = backtrace(&lines[next.min(lines.len())..]);
    if frames.is_empty() {
        let (path, line, column) = split_location(location);
        if !path.is_empty() {
            info.frames.push(Frame {
                path: Some(path.to_owned()),
                line,
                column,
                ..Frame::default()
            });
        }
    } else {
        info.frames = frames;
    }
    ParsedException::new(Language::Rust, vec![info])
}

/// Frames after `stack backtrace:` (or `Stack backtrace:` in anyhow reports).
fn backtrace(lines: &[&str]) -> Vec<Frame> {
    let mut frames = Vec::new();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim().eq_ignore_ascii_case("stack backtrace:"))
    else {
        return frames;
    };
    for l in &lines[start + 1..] {
        let trimmed = l.trim();
        if let Some(loc) = trimmed.strip_prefix("at ") {
            if let Some(f) = frames.last_mut() {
                let (path, line, column) = split_location(loc);
                f.path = Some(path.to_owned());
                f.line = line;
                f.column = column;
            }
        } else if let Some(symbol) = frame_symbol(trimmed) {
            push_frame(&mut frames, Frame::named(symbol));
        } else {
            break;
        }
    }
    frames
}

/// `12: symbol` or `12:     0x55d4c6c0a0e3 - symbol` → `symbol`.
fn frame_symbol(trimmed: &str) -> Option<&str> {
    let (num, rest) = trimmed.split_once(':')?;
    parse_num(num)?;
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix("0x") {
        Some(addr) => addr.split_once(" - ").map_or("", |(_, s)| s),
        None => rest,
    };
    Some(rest.trim())
}

/// `Error: msg` + `Caused by:` + `    0: cause` lines (anyhow / eyre `{:?}` output).
fn parse_report(lines: &[&str]) -> Option<ParsedException> {
    let start = lines.iter().position(|l| l.starts_with("Error: "))?;
    let mut chain = vec![ExceptionInfo {
        exception_type: "Error".to_owned(),
        message: lines[start]["Error: ".len()..].trim_end().to_owned(),
        ..ExceptionInfo::default()
    }];
    let mut in_causes = false;
    for l in &lines[start + 1..] {
        let trimmed = l.trim();
        if trimmed == "Caused by:" {
            in_causes = true;
        } else if trimmed.eq_ignore_ascii_case("stack backtrace:") || trimmed.is_empty() {
            if in_causes && chain.len() > 1 {
                break;
            }
        } else if in_causes && l.starts_with(' ') && chain.len() < MAX_CHAIN {
            let msg = match trimmed.split_once(": ") {
                Some((n, m)) if parse_num(n).is_some() => m,
                _ => trimmed,
            };
            let parent = chain.len() - 1;
            chain.push(ExceptionInfo {
                exception_type: "Error".to_owned(),
                message: msg.to_owned(),
                relation: Some(Relation::Cause),
                parent: Some(parent),
                ..ExceptionInfo::default()
            });
        } else if in_causes {
            break;
        }
    }
    if let Some(first) = chain.first_mut() {
        first.frames = backtrace(&lines[start..]);
    }
    ParsedException::new(Language::Rust, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_form_without_backtrace() {
        let text = include_str!("../../tests/data/traces/rust_panic_new.txt");
        assert!(detect(text));
        let p = parse(text).unwrap();
        let e = &p.chain[0];
        assert_eq!(e.exception_type, "panic");
        assert_eq!(e.message, "called `Option::unwrap()` on a `None` value");
        assert_eq!(e.frames.len(), 1);
        let f = &e.frames[0];
        assert_eq!(
            (f.path.as_deref(), f.line, f.column),
            (Some("src/main.rs"), Some(8), Some(10))
        );
    }

    #[test]
    fn new_form_with_backtrace() {
        let p = parse(include_str!("../../tests/data/traces/rust_backtrace.txt")).unwrap();
        let e = &p.chain[0];
        assert_eq!(e.message, "called `Option::unwrap()` on a `None` value");
        assert_eq!(e.frames.len(), 8);
        assert_eq!(e.frames[0].function, "__rustc::rust_begin_unwind");
        let f = &e.frames[5];
        assert_eq!(f.function, "orders::handle");
        assert_eq!(
            (f.path.as_deref(), f.line, f.column),
            (Some("./src/main.rs"), Some(8), Some(10))
        );
    }

    #[test]
    fn full_backtrace_with_addresses() {
        let p = parse(include_str!(
            "../../tests/data/traces/rust_backtrace_full.txt"
        ))
        .unwrap();
        let e = &p.chain[0];
        assert_eq!(
            e.message,
            "index out of bounds: the len is 0 but the index is 7"
        );
        assert_eq!(e.frames.len(), 35);
        let f = &e.frames[20];
        assert_eq!(f.function, "orders::main::{{closure}}::hecb0103ae27bd7ca");
        assert_eq!(f.path.as_deref(), Some("/home/ci/orders/src/main.rs"));
        assert_eq!(e.frames[25].path, None, "__rust_try has no location");
        assert_eq!(e.frames[34].function, "<unknown>");
    }

    #[test]
    fn old_form_quoted_message() {
        let p = parse(include_str!("../../tests/data/traces/rust_panic_old.txt")).unwrap();
        let e = &p.chain[0];
        assert!(e
            .message
            .starts_with("called `Result::unwrap()` on an `Err` value: Os {"));
        assert!(e.message.ends_with("\"No such file or directory\" }"));
        assert_eq!(e.frames.len(), 7);
        assert_eq!(
            e.frames[4].function,
            "orders::config::load::h5d8a1a3c1b2e4f60"
        );
        assert_eq!(e.frames[4].line, Some(42));
        let p = parse("thread 'main' panicked at 'boom', src/lib.rs:3:5\n").unwrap();
        assert_eq!(p.chain[0].message, "boom");
        assert_eq!(p.chain[0].frames[0].path.as_deref(), Some("src/lib.rs"));
    }

    #[test]
    fn anyhow_report() {
        let text = "Error: could not start server\n\nCaused by:\n    0: could not read config /etc/orders.toml\n    1: No such file or directory (os error 2)\n";
        assert!(detect(text));
        let p = parse(text).unwrap();
        let msgs: Vec<_> = p.chain.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "could not start server",
                "could not read config /etc/orders.toml",
                "No such file or directory (os error 2)"
            ]
        );
        assert_eq!(p.chain[2].parent, Some(1));
    }
}
