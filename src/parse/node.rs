//! Node.js (V8) stack traces: `at fn (path:line:col)`, `at async fn`, `at new Class`,
//! `[as alias]`, `<anonymous>`, `node:internal/...`, `file://` URLs, frames without a function
//! (`at /app/x.js:1:2`), frames without a location (`at a_function_name`), parentheses in paths
//! (`at fn (a(copy).js:1:2)`, `at fn(a(copy).js:1:2)`), error codes (`Error [ERR_X]: ...`) and
//! nested `[cause]: ...` errors.

use super::trace::{
    append_line, lines_before, push_frame, split_location, split_type_message, ExceptionInfo,
    Frame, Language, Lines, ParsedException, Relation, MAX_CHAIN,
};
use super::trim;

/// How far above the first frame the error line is looked for.
const HEADER_LOOKBACK: usize = 32;

/// The function part and location part of a trimmed `at ...` line; the location is empty for a
/// function name alone (`at a_function_name`), accepted only with `bare`.
fn frame_parts(trimmed: &str, bare: bool) -> Option<(&str, &str)> {
    let rest = trimmed.strip_prefix("at ")?;
    let rest = rest.strip_suffix(" {").unwrap_or(rest).trim_end();
    // the last frame of an `[errors]: [...]` member is followed by a comma
    let rest = rest.strip_suffix(',').unwrap_or(rest);
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    if let Some(open) = find_pair(rest, b' ', b'(') {
        let inner = rest[open + 2..].strip_suffix(')')?;
        return Some((&rest[..open], inner));
    }
    let spaced = rest.as_bytes().contains(&b' ');
    // `fn(path:1:2)`: no space before the parenthesis (a path may hold parentheses too); the
    // column tells it from a JVM frame (`at a.B.c(B.java:3)`)
    if let Some(open) = memchr::memchr(b'(', rest.as_bytes()).filter(|&i| i > 0 && !spaced) {
        if let Some(inner) = rest[open + 1..].strip_suffix(')') {
            if split_location(inner).2.is_some() {
                return Some((&rest[..open], inner));
            }
        }
    }
    // no function: the location alone
    if rest == "<anonymous>" || (!spaced && split_location(rest).1.is_some()) {
        return Some(("", rest));
    }
    // no location: the function alone
    (bare && is_function_name(rest)).then_some((rest, ""))
}

/// A name V8 prints as a frame by itself: `a_function_name`, `Array.forEach`, `Foo.<anonymous>`.
fn is_function_name(s: &str) -> bool {
    s.len() <= 256
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'$' | b'<'))
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.' | b'<' | b'>'))
}

/// Where the first `a` directly followed by `b` is in `s` (`s.find("ab")` for two ASCII bytes,
/// without setting up a substring search).
fn find_pair(s: &str, a: u8, b: u8) -> Option<usize> {
    let bytes = s.as_bytes();
    memchr::memchr_iter(b, bytes)
        .find(|&i| i > 0 && bytes[i - 1] == a)
        .map(|i| i - 1)
}

/// Whether `line` is a V8 frame line with a location (a function name alone is not enough to
/// tell a runtime: `at startup` may end a sentence).
pub fn is_frame_line(line: &str) -> bool {
    frame_parts(trim(line), false).is_some()
}

/// The frame of an `at ...` line; a function name alone counts when the line is indented, as V8
/// indents every frame.
fn frame_of_line(line: &str) -> Option<Frame> {
    let trimmed = trim(line);
    parse_frame(trimmed, trimmed.len() < line.len())
}

fn parse_frame(trimmed: &str, bare: bool) -> Option<Frame> {
    let (function, location) = frame_parts(trimmed, bare)?;
    // `eval at compile (/app/tpl.js:5:9), <anonymous>:1:1`: the evaluated code's own position
    // (what follows the last ", ")
    let bytes = location.as_bytes();
    let location = memchr::memrchr_iter(b',', bytes)
        .find(|&i| bytes.get(i + 1) == Some(&b' '))
        .map_or(location, |i| &location[i + 2..]);
    let mut frame = Frame::named(function);
    if location.is_empty() || location.starts_with("index ") || location == "native" {
        return Some(frame);
    }
    let (path, line, column) = split_location(location);
    let path = path.strip_prefix("file://").unwrap_or(path);
    frame.path = Some(path.to_owned());
    frame.line = line;
    frame.column = column;
    Some(frame)
}

/// `TypeError: msg`, `Error [ERR_X]: msg`, `Uncaught Error: msg` → (type, message).
fn error_line(trimmed: &str) -> Option<(&str, &str)> {
    let trimmed = trimmed.strip_prefix("Uncaught ").unwrap_or(trimmed);
    if let Some(open) = find_pair(trimmed, b' ', b'[')
        .filter(|&i| memchr::memchr(b':', &trimmed.as_bytes()[..i]).is_none())
    {
        let close = open + memchr::memchr(b']', &trimmed.as_bytes()[open..])?;
        let ty = &trimmed[..open];
        let msg = trimmed[close + 1..].trim_start_matches(':').trim();
        return super::trace::is_type_name(ty).then_some((ty, msg));
    }
    split_type_message(trimmed)
}

/// The type and message of an error line whose type reads like an error class.
fn error_class_line(trimmed: &str) -> Option<(&str, &str)> {
    error_line(trimmed).filter(|(t, _)| {
        t.ends_with("Error") || t.ends_with("Exception") || t.ends_with("Rejection")
    })
}

/// An error line whose type reads like an error class.
fn is_error_line(trimmed: &str) -> bool {
    error_class_line(trimmed).is_some()
}

/// An exception from its error line (the whole line is the message when it is not one).
fn new_exception(trimmed: &str) -> ExceptionInfo {
    exception(error_line(trimmed).unwrap_or(("", trimmed)))
}

/// An exception from its type and message.
fn exception((ty, msg): (&str, &str)) -> ExceptionInfo {
    ExceptionInfo {
        exception_type: ty.to_owned(),
        message: msg.to_owned(),
        ..ExceptionInfo::default()
    }
}

/// `[AggregateError: All promises were rejected] {`: an error printed without its own stack.
fn bracketed_error(trimmed: &str) -> Option<&str> {
    let inner = trimmed
        .strip_suffix(" {")
        .unwrap_or(trimmed)
        .strip_prefix('[')?;
    let inner = inner.strip_suffix(']')?;
    is_error_line(inner).then_some(inner)
}

/// Parse the first V8 stack trace in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let mut lines = Lines::new(text);
    let (frame_start, first_frame, first_opens_block) = lines
        .by_ref()
        .find_map(|(at, line)| frame_of_line(line).map(|f| (at, f, trim(line).ends_with(" {"))))?;
    // the lines above the first frame where the error line is looked for, nearest first
    let window = || lines_before(text, frame_start).take(HEADER_LOOKBACK);
    // (how many lines of the window are below it, offset, trimmed line, its type and message)
    let start = window()
        .enumerate()
        .find_map(|(n, (at, line))| {
            let trimmed = trim(line);
            error_class_line(trimmed).map(|split| (n, at, trimmed, Some(split)))
        })
        .or_else(|| {
            window()
                .next()
                .map(|(at, line)| (0, at, trim(line), None))
                .filter(|&(_, _, trimmed, _)| !trimmed.is_empty())
        });
    let mut chain = vec![match start {
        Some((_, _, _, Some(split))) => exception(split),
        Some((_, _, trimmed, None)) => new_exception(trimmed),
        None => ExceptionInfo::default(),
    }];
    if let Some((_, at, _, _)) = start {
        let message = &mut chain[0].message;
        for l in text[at..frame_start].lines().skip(1) {
            append_line(message, l.trim_end());
        }
        message.truncate(message.trim_end().len());
    }
    // `[AggregateError: ...] {` + `[errors]: [` above the first member: the aggregate comes first
    let mut in_errors = false;
    if let Some((n, _, _, _)) = start {
        let mut above = window().skip(n + 1);
        if above
            .next()
            .is_some_and(|(_, line)| trim(line) == "[errors]: [")
        {
            if let Some(outer) = above.find_map(|(_, line)| bracketed_error(trim(line))) {
                let mut member = std::mem::replace(&mut chain[0], new_exception(outer));
                member.relation = Some(Relation::Group);
                member.parent = Some(0);
                chain.push(member);
                in_errors = true;
            }
        }
    }
    // depth of `{ ... }` property blocks printed after a frame list
    let mut depth = usize::from(in_errors) + usize::from(first_opens_block);
    if let Some(e) = chain.last_mut() {
        push_frame(&mut e.frames, first_frame);
    }
    for (_, line) in lines {
        let trimmed = trim(line);
        if let Some(frame) = frame_of_line(line) {
            if let Some(e) = chain.last_mut() {
                push_frame(&mut e.frames, frame);
            }
            if trimmed.ends_with(" {") {
                depth += 1;
            }
        } else if let Some(rest) = trimmed.strip_prefix("[cause]: ") {
            if chain.len() >= MAX_CHAIN {
                break;
            }
            let parent = chain.len() - 1;
            let mut e = new_exception(rest.strip_suffix(" {").unwrap_or(rest));
            e.relation = Some(Relation::Cause);
            e.parent = Some(parent);
            chain.push(e);
            if rest.ends_with('{') {
                depth += 1;
            }
        } else if in_errors && is_error_line(trimmed) {
            if chain.len() >= MAX_CHAIN {
                break;
            }
            let mut e = new_exception(trimmed);
            e.relation = Some(Relation::Group);
            e.parent = Some(0);
            chain.push(e);
        } else if trimmed.starts_with(']') {
            in_errors = false;
        } else if trimmed.starts_with('}') {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                break;
            }
        } else if trimmed.starts_with("... ") && trimmed.contains("lines matching cause") {
        } else if depth == 0 {
            break;
        }
    }
    ParsedException::new(Language::Node, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(p: &ParsedException) -> Vec<&str> {
        p.chain.iter().map(|e| e.exception_type.as_str()).collect()
    }

    #[test]
    fn cause_from_real_node() {
        let p = parse(include_str!("../../tests/data/traces/node_cause.txt")).unwrap();
        assert_eq!(types(&p), ["Error", "TypeError"]);
        assert_eq!(p.chain[0].message, "failed to load user 42");
        assert_eq!(p.chain[0].frames.len(), 2);
        assert_eq!(p.chain[0].frames[1].function, "Promise.all");
        assert_eq!(p.chain[0].frames[1].path, None);
        let f = &p.chain[1].frames[0];
        assert_eq!(f.function, "Repo.find");
        assert_eq!((f.line, f.column), (Some(3), Some(56)));
        assert_eq!(p.chain[1].relation, Some(Relation::Cause));
    }

    #[test]
    fn uncaught_with_source_excerpt() {
        let p = parse(include_str!("../../tests/data/traces/node_uncaught.txt")).unwrap();
        assert_eq!(types(&p), ["TypeError"]);
        assert_eq!(
            p.chain[0].message,
            "Cannot read properties of null (reading 'x')"
        );
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 5);
        assert_eq!(f[0].function, "");
        assert_eq!(f[0].path.as_deref(), Some("/srv/app/src/server.js"));
        assert_eq!(f[1].path.as_deref(), Some("<anonymous>"));
        assert_eq!(f[3].path.as_deref(), Some("node:internal/timers"));
        assert_eq!(f[3].line, Some(581));
    }

    #[test]
    fn esm_file_urls_and_properties() {
        let p = parse(include_str!(
            "../../tests/data/traces/node_uncaught_esm.txt"
        ))
        .unwrap();
        assert_eq!(types(&p), ["Error"]);
        assert!(p.chain[0].message.starts_with("ENOENT: no such file"));
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 4);
        assert_eq!(f[2].function, "loadConfig");
        assert_eq!(f[2].path.as_deref(), Some("/srv/app/esm.mjs"));
        assert_eq!((f[3].function.as_str(), f[3].line), ("", Some(3)));
    }

    #[test]
    fn express_aliases_codes_nested_causes() {
        let p = parse(include_str!("../../tests/data/traces/node_express.txt")).unwrap();
        assert_eq!(types(&p), ["Error", "ValidationError", "RangeError"]);
        assert!(p.chain[0].message.starts_with("order 9f1c2e7a"));
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 11);
        assert_eq!(f[1].function, "new OrderRequest");
        assert_eq!(f[2].function, "Layer.handle [as handle_request]");
        assert_eq!(f[4].function, "Object.<anonymous>");
        assert_eq!(
            (f[5].function.as_str(), f[5].path.as_deref()),
            ("eval", Some("<anonymous>"))
        );
        assert_eq!(
            (f[7].function.as_str(), f[7].path.as_deref()),
            ("", Some("<anonymous>"))
        );
        assert_eq!(f[10].path.as_deref(), Some("C:\\srv\\app\\dist\\server.js"));
        assert_eq!(p.chain[1].frames.len(), 2);
        assert_eq!(p.chain[2].parent, Some(1));
        assert_eq!(p.chain[2].frames[0].function, "check");
    }

    #[test]
    fn aggregate_error_members() {
        let p = parse(include_str!("../../tests/data/traces/node_aggregate.txt")).unwrap();
        assert_eq!(types(&p), ["AggregateError", "Error", "TypeError"]);
        assert_eq!(p.chain[0].message, "All promises were rejected");
        assert!(p.chain[0].frames.is_empty());
        assert_eq!(p.chain[1].relation, Some(Relation::Group));
        assert_eq!(p.chain[2].parent, Some(0));
        assert_eq!(p.chain[1].frames.len(), 9);
        assert_eq!(
            p.chain[1].frames[8].path.as_deref(),
            Some("node:internal/main/run_main_module")
        );
        assert_eq!(p.chain[2].message, "mirror b returned 503");
        assert_eq!(p.chain[2].frames[0].function, "b");
    }

    #[test]
    fn frames_without_location_and_parens_in_paths() {
        let text = include_str!("../../tests/data/traces/node_frames_edge.txt");
        let p = crate::parse::parse_exception(text).unwrap();
        assert_eq!(p.language, Language::Node);
        assert_eq!(types(&p), ["TypeError"]);
        let f: Vec<_> = p.chain[0]
            .frames
            .iter()
            .map(|f| {
                (
                    f.function.as_str(),
                    f.path.as_deref(),
                    f.line,
                    f.column,
                    f.in_app,
                )
            })
            .collect();
        assert_eq!(
            f,
            [
                ("a_function_name", None, None, None, false),
                (
                    "Type.main",
                    Some("/srv/app/sample(copy).js"),
                    Some(6),
                    Some(4),
                    true
                ),
                (
                    "Type.main",
                    Some("/srv/app/sample(copy).js"),
                    Some(9),
                    Some(2),
                    true
                ),
                ("Basket.sum", Some("basket.js"), Some(14), Some(21), false),
                ("eval", Some("<anonymous>"), Some(1), Some(1), false),
                ("new Foo", Some("/srv/app/foo.js"), Some(3), Some(9), true),
                ("fn", Some("/srv/app/x.js"), Some(3), Some(9), true),
                ("Array.forEach", None, None, None, false),
                ("Promise.all", None, None, None, false),
            ]
        );
        // a bare name counts only inside a trace, indented: it tells no runtime by itself
        assert!(!is_frame_line("    at a_function_name"));
        assert_eq!(crate::parse::detect_language("failed\nat startup\n"), None);
        assert!(parse("Error: x\nat startup\n").is_none());
        assert!(is_frame_line("    at /srv/app/x(1).js:3:9"));
        assert!(!crate::parse::java::is_frame_line(
            "    at Basket.sum(basket.js:14:21)"
        ));
    }

    #[test]
    fn other_runtimes_are_not_v8_frames() {
        assert!(!is_frame_line("\tat com.x.A.b(A.java:3)"));
        assert!(!is_frame_line("   at App.Svc.Run() in /src/Svc.cs:line 4"));
        assert!(is_frame_line(
            "    at new Repo (/srv/app/src/users.js:2:36)"
        ));
        assert_eq!(
            error_line("TypeError: a [b]: c"),
            Some(("TypeError", "a [b]: c"))
        );
    }
}
