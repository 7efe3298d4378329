//! Go panics and fatal errors: `panic: msg [recovered]` followed by the re-panic, `fatal error:`,
//! the first `goroutine N [state]:` block with its function line + tab-indented
//! `file:line +0x..` line pairs, and the `created by` frame.

use super::trace::{
    append_line, push_frame, split_location, ExceptionInfo, Frame, Language, ParsedException,
    Relation, MAX_CHAIN,
};
use super::{lines, trim, trim_end, trim_start};

/// Most message lines kept after a `panic:` line.
const MAX_MESSAGE_LINES: usize = 32;

/// Whether `line` opens a goroutine block (`goroutine 1 [running]:`, or with the fields Go 1.21+
/// adds under `GOTRACEBACK=system`: `goroutine 1 gp=0xc000002380 m=0 mp=0x5a9b20 [running]:`).
pub fn is_goroutine_header(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("goroutine ") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && rest[digits..].starts_with(' ')
        && find(rest, b" [").is_some()
        && trim_end(rest).ends_with("]:")
}

/// Whether the text holds a Go panic or fatal error.
pub fn detect(text: &str) -> bool {
    text.lines().any(is_trace_line)
}

/// Whether one line (without its line break) opens a Go panic, a fatal error or a goroutine
/// block.
pub fn is_trace_line(line: &str) -> bool {
    line.starts_with("panic: ") || line.starts_with("fatal error: ") || is_goroutine_header(line)
}

/// `panic: x [recovered]` → (`panic`, `x`).
fn panic_line(line: &str) -> Option<(&'static str, &str)> {
    let (ty, msg) = if let Some(m) = line.strip_prefix("panic: ") {
        ("panic", m)
    } else {
        ("fatal error", line.strip_prefix("fatal error: ")?)
    };
    let msg = trim_end(msg);
    let msg = match msg.strip_suffix(']') {
        Some(body) => body.rfind(" [recovered").map_or(msg, |i| &msg[..i]),
        None => msg,
    };
    Some((ty, msg))
}

/// Parse the first Go panic or fatal error in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let (from, before) = find_start(text, |l| panic_line(l).is_some())
        .or_else(|| find_start(text, is_goroutine_header))?;
    // panics in the order printed: the first was recovered and replaced by the next
    let mut printed: Vec<ExceptionInfo> = Vec::new();
    let mut it = lines(from);
    // the text from the line that ended the panic messages on
    let mut rest = from;
    let mut k = 0; // lines read after the first
    while let Some(line) = it.next() {
        if let Some((ty, msg)) = panic_line(trim_start(line)) {
            if printed.len() < MAX_CHAIN {
                printed.push(ExceptionInfo {
                    exception_type: ty.to_owned(),
                    message: msg.to_owned(),
                    ..ExceptionInfo::default()
                });
            }
        } else if trim(line).is_empty()
            || line.starts_with("[signal ")
            || is_goroutine_header(line)
            || k > MAX_MESSAGE_LINES
        {
            break;
        } else if let Some(last) = printed.last_mut() {
            append_line(&mut last.message, trim_end(line));
        }
        rest = it.rest();
        k += 1;
    }
    if printed.is_empty() {
        // net/http's recovered handler panics: `http: panic serving 10.0.0.7:5123: msg`
        let served = before
            .and_then(|l| l.split_once("panic serving "))
            .map(|(_, rest)| rest.split_once(": ").map_or(rest, |(_, m)| m));
        printed.push(ExceptionInfo {
            exception_type: if served.is_some() {
                "panic"
            } else {
                "goroutine"
            }
            .to_owned(),
            message: trim_end(served.unwrap_or("")).to_owned(),
            ..ExceptionInfo::default()
        });
    }
    let frames = goroutine_frames(rest);
    let mut chain = printed;
    chain.reverse();
    for (k, e) in chain.iter_mut().enumerate().skip(1) {
        e.relation = Some(Relation::Context);
        e.parent = Some(k - 1);
    }
    chain[0].frames = frames;
    ParsedException::new(Language::Go, chain)
}

/// The text from the first line of `text` that `is_start` accepts on, and the last non-blank
/// line before it.
fn find_start(text: &str, is_start: impl Fn(&str) -> bool) -> Option<(&str, Option<&str>)> {
    let mut it = lines(text);
    let mut before = None;
    loop {
        let from = it.rest();
        let line = it.next()?;
        if is_start(line) {
            return Some((from, before));
        }
        if !trim(line).is_empty() {
            before = Some(line);
        }
    }
}

/// Frames of the first goroutine block in `text`.
fn goroutine_frames(text: &str) -> Vec<Frame> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut it = lines(text);
    if !it.any(is_goroutine_header) {
        return frames;
    }
    for line in it {
        if trim(line).is_empty() || is_goroutine_header(line) {
            break;
        }
        if line.starts_with('\t') || line.starts_with("    ") {
            if let Some(f) = frames.last_mut() {
                if f.path.is_none() {
                    set_location(f, trim(line));
                }
            }
        } else if let Some(creator) = line.strip_prefix("created by ") {
            let creator = find(creator, b" in goroutine ").map_or(creator, |i| &creator[..i]);
            push_frame(&mut frames, function_frame(creator));
        } else if line.ends_with(')') {
            push_frame(&mut frames, function_frame(strip_args(line)));
        } else {
            break;
        }
    }
    frames
}

/// `/app/x.go:41 +0x9a` → path and line.
fn set_location(frame: &mut Frame, loc: &str) {
    let loc = find(loc, b" +0x").map_or(loc, |i| &loc[..i]);
    let (path, line, _) = split_location(loc);
    frame.path = Some(path.to_owned());
    frame.line = line;
}

/// Where the ASCII `needle` first occurs in `hay` (a char boundary, the needle being ASCII). Go
/// trace lines are short: a plain scan is cheaper than setting up a substring searcher.
fn find(hay: &str, needle: &[u8]) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle)
}

/// `pkg.(*T).m(0x1, {0x2, 0x3})` → `pkg.(*T).m`: drop the balanced argument list at the end.
fn strip_args(line: &str) -> &str {
    let mut depth = 0usize;
    for (i, b) in line.bytes().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &line[..i];
                }
            }
            _ => {}
        }
    }
    line
}

/// `github.com/acme/x/api.(*Server).get` → module `github.com/acme/x/api`, function `(*Server).get`.
fn function_frame(name: &str) -> Frame {
    let name = trim(name);
    let slash = memchr::memrchr(b'/', name.as_bytes()).map_or(0, |i| i + 1);
    match memchr::memchr(b'.', &name.as_bytes()[slash..]) {
        Some(dot) => Frame {
            function: name[slash + dot + 1..].to_owned(),
            module: Some(name[..slash + dot].to_owned()),
            ..Frame::default()
        },
        None => Frame::named(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(text: &str) -> ParsedException {
        crate::parse::detected_and_parsed(detect, parse, text)
    }

    #[test]
    fn recovered_panic_chain_and_frames() {
        let p = corpus(include_str!("../../tests/data/traces/go_recovered.txt"));
        assert_eq!(p.chain.len(), 2);
        assert_eq!(
            p.chain[0].message,
            "order handler failed: runtime error: invalid memory address or nil pointer dereference"
        );
        assert_eq!(
            p.chain[1].message,
            "runtime error: invalid memory address or nil pointer dereference"
        );
        assert_eq!(p.chain[1].relation, Some(Relation::Context));
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 9, "only the panicking goroutine");
        assert_eq!(
            f[0].module.as_deref(),
            Some("github.com/acme/orders/internal/api")
        );
        assert_eq!(f[0].function, "(*Server).recoverer.func1");
        assert_eq!(
            (f[0].path.as_deref(), f[0].line),
            (Some("/app/internal/api/middleware.go"), Some(41))
        );
        assert_eq!(
            (f[1].module.as_deref(), f[1].function.as_str()),
            (None, "panic")
        );
        assert_eq!(f[2].function, "(*OrderRepo).Find");
        assert_eq!(f[4].module.as_deref(), Some("net/http"));
        assert_eq!(f[5].module.as_deref(), Some("github.com/go-chi/chi/v5"));
        assert_eq!(f[8].function, "(*Server).Serve", "created by");
        assert_eq!(f[8].line, Some(3285));
    }

    #[test]
    fn elided_arguments_and_no_offset() {
        let p = corpus(include_str!("../../tests/data/traces/go_nil_map.txt"));
        assert_eq!(p.chain[0].exception_type, "panic");
        assert_eq!(p.chain[0].message, "assignment to entry in nil map");
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[0].module.as_deref(), f[0].function.as_str()),
            (Some("main"), "(*Cache).Put")
        );
        assert_eq!(f[0].line, Some(23));
        assert_eq!(f[1].function, "main");
    }

    #[test]
    fn fatal_errors() {
        let p = corpus(include_str!("../../tests/data/traces/go_fatal.txt"));
        assert_eq!(p.chain[0].exception_type, "fatal error");
        assert_eq!(p.chain[0].message, "concurrent map writes");
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].function, "(*Store).Set.func1");
        assert_eq!(
            (f[2].module.as_deref(), f[2].function.as_str()),
            (Some("main"), "main")
        );
        let p = corpus(include_str!("../../tests/data/traces/go_deadlock.txt"));
        assert_eq!(p.chain[0].message, "all goroutines are asleep - deadlock!");
        assert_eq!(p.chain[0].frames[0].path.as_deref(), Some("/app/main.go"));
    }

    #[test]
    fn net_http_recovered_panic() {
        let text = "2026/11/28 10:15:32 http: panic serving 10.0.0.7:51234: runtime error: index out of range [3] with length 2\ngoroutine 35 [running]:\nnet/http.(*conn).serve.func1()\n\t/usr/local/go/src/net/http/server.go:1898 +0xbe\npanic({0x6c0f20?, 0xc00001a0d8?})\n\t/usr/local/go/src/runtime/panic.go:770 +0x132\nmain.handler({0x7a5e58?, 0xc0000f20e0?}, 0xc0000b0240?)\n\t/app/main.go:14 +0x2d\n";
        let p = corpus(text);
        assert_eq!(p.chain[0].exception_type, "panic");
        assert_eq!(
            p.chain[0].message,
            "runtime error: index out of range [3] with length 2"
        );
        assert_eq!(p.chain[0].frames.len(), 3);
        assert_eq!(p.chain[0].frames[2].function, "handler");
    }

    #[test]
    fn helpers() {
        assert_eq!(strip_args("main.f({0x1, 0x2}, 0x3)"), "main.f");
        assert_eq!(strip_args("main.(*T).m(...)"), "main.(*T).m");
        assert!(is_goroutine_header(
            "goroutine 7 [chan receive, 2 minutes]:"
        ));
        assert!(!is_goroutine_header("goroutine x [running]:"));
        assert!(is_goroutine_header(
            "goroutine 1 gp=0xc000002380 m=0 mp=0x5a9b20 [running]:"
        ));
        assert!(!is_goroutine_header("goroutine 12 leaked"));
        assert_eq!(
            panic_line("panic: x [recovered, repanicked]"),
            Some(("panic", "x"))
        );
    }
}
