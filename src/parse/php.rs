//! PHP traces: PHP 7/8 `Uncaught Type: message in /path:12` + `Stack trace:` + `#0 ...` lines,
//! `Next Type: ...` chains (the previous exception printed first), PHP 5's
//! `exception 'Type' with message '...'`, and Laravel/Monolog's `[object] (Type(code: 0): message at
//! /path:12)` + `[stacktrace]` + `[previous exception]` blocks.
//!
//! A PHP frame line names the function *called* and the file and line it was called *from*; the
//! frames here pair each function with the line inside it instead (the throw site for the first),
//! like every other language: `#0 /a/Cart.php(16): App\Prices::of()` after `in /a/Prices.php:13`
//! is the frame `App\Prices::of` at `Prices.php:13`, and the caller at `Cart.php:16` is the
//! function of `#1`. `{main}` is the script's top level.

use std::borrow::Cow;

use super::trace::{lines_before, parse_num, push_frame, split_location};
use super::trace::{ExceptionInfo, Frame, Language, Lines, ParsedException, Relation};
use super::trace::{MAX_CHAIN, MAX_FRAMES};
use super::trim;

/// How far above the first `Stack trace:` the first exception's header is looked for.
const HEADER_LOOKBACK: usize = 32;
/// Most lines of one exception's header (a multi-line message).
const MAX_HEADER_LINES: usize = 64;

/// A source location: path and line (`None` for `[internal function]`).
type Location<'a> = Option<(&'a str, Option<u32>)>;

/// One `#N` line of a PHP stack trace.
#[derive(Clone, Copy)]
enum Entry<'a> {
    /// `#3 /path(12): call()` or `#3 [internal function]: call()`.
    Call { call: &'a str, from: Location<'a> },
    /// `#9 {main}`: the end of the frames.
    Main,
}

/// How the exceptions of a trace are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// PHP's own `__toString`: `Type: message in /path:12`, the previous exception first.
    Native,
    /// Monolog's normalizer (Laravel): `Type(code: 0): message at /path:12)`, JSON-escaped,
    /// the outer exception first.
    Monolog,
}

/// Whether `line` is a PHP frame line (`#0 /app/x.php(12): f()`, `#1 [internal function]: g()`,
/// `#2 {main}`).
pub fn is_frame_line(line: &str) -> bool {
    entry(trim(line)).is_some()
}

/// Parse a trimmed `#N ...` line.
fn entry(t: &str) -> Option<Entry<'_>> {
    let rest = t.strip_prefix('#')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return None;
    }
    let rest = rest[digits..].strip_prefix(' ')?;
    if rest == "{main}" {
        return Some(Entry::Main);
    }
    if let Some(call) = rest.strip_prefix("[internal function]: ") {
        return Some(Entry::Call { call, from: None });
    }
    // `/path(12): call()`: the first `(digits): `
    let bytes = rest.as_bytes();
    memchr::memmem::find_iter(bytes, b"): ").find_map(|close| {
        let digits = bytes[..close]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let open = close.checked_sub(digits + 1)?;
        (digits > 0 && open > 0 && bytes[open] == b'(').then(|| Entry::Call {
            call: &rest[close + 3..],
            from: Some(eval_location(
                &rest[..open],
                parse_num(&rest[open + 1..close]),
            )),
        })
    })
}

/// Code run by `eval()` is printed as `/path(23) : eval()'d code` plus its own line: the frame is
/// put at the `eval()` call in the real file.
fn eval_location(path: &str, line: Option<u32>) -> (&str, Option<u32>) {
    let Some(outer) = path.strip_suffix(" : eval()'d code") else {
        return (path, line);
    };
    let Some(inner) = outer.strip_suffix(')') else {
        return (path, line);
    };
    match inner.rfind('(') {
        Some(open) if open > 0 => (&inner[..open], parse_num(&inner[open + 1..])),
        _ => (path, line),
    }
}

/// The function of a call (`App\Cart->total('x', 2)` → `App\Cart->total`).
fn function_of(call: &str) -> &str {
    let call = trim(call);
    // `{closure:/app/x.php:12}()` (PHP 8.4) holds no `(` before its own
    let name_end = match call.strip_prefix('{') {
        Some(_) => call.find('}').map_or(call.len(), |i| i + 1),
        None => call.find('(').unwrap_or(call.len()),
    };
    &call[..name_end]
}

/// Whether `line` is the `Stack trace:` (PHP) or `[stacktrace]` (Monolog) line.
fn is_marker(t: &str) -> bool {
    t == "Stack trace:" || t == "[stacktrace]"
}

/// Where an exception's header starts on a line that only a PHP trace holds: the text after
/// `Uncaught `, `Next `, `[previous exception] [object] (` or `[object] (`.
fn explicit_start(line: &str) -> Option<(&str, Form)> {
    let t = trim(line);
    if let Some(rest) = t.strip_prefix("Next ") {
        return Some((rest, Form::Native));
    }
    let bytes = t.as_bytes();
    if let Some(i) = memchr::memmem::find(bytes, b"[object] (") {
        return Some((&t[i + 10..], Form::Monolog));
    }
    let i = memchr::memmem::find(bytes, b"Uncaught ")?;
    Some((&t[i + 9..], Form::Native))
}

/// Where a chained exception's header starts: PHP's `Next ` and Monolog's `[previous exception]`.
fn chained_start(t: &str) -> Option<(&str, Form)> {
    if let Some(rest) = t.strip_prefix("Next ") {
        Some((rest, Form::Native))
    } else {
        let rest = t.strip_prefix("[previous exception] [object] (")?;
        Some((rest, Form::Monolog))
    }
}

/// A line that is a header by its shape alone (`RuntimeException: msg in /a.php:3`,
/// `exception 'E' with message ...`), as `error_log((string) $e)` prints it.
fn bare_start(line: &str) -> Option<(&str, Form)> {
    let t = trim(line);
    native_header(t)
        .filter(|h| !h.0.is_empty())
        .map(|_| (t, Form::Native))
}

/// A parsed header: type, message, throw site.
type Header<'a> = (&'a str, &'a str, Location<'a>);

/// `Type: message in /path:12`, `Type in /path:12` or PHP 5's
/// `exception 'Type' with message 'message' in /path:12`.
fn native_header(s: &str) -> Option<Header<'_>> {
    if let Some(rest) = s.strip_prefix("exception '") {
        let (ty, rest) = rest.split_once("' with message '")?;
        let (message, at) = match rest.rfind("' in ") {
            Some(i) => (&rest[..i], location(&rest[i + 5..])),
            None => (rest.strip_suffix('\'').unwrap_or(rest), None),
        };
        return is_type(ty).then_some((ty, message, at));
    }
    let ty_len = s.bytes().take_while(|&b| is_type_byte(b)).count();
    let (ty, rest) = s.split_at(ty_len);
    if !is_type(ty) {
        return None;
    }
    if let Some(body) = rest.strip_prefix(": ") {
        let (message, at) = split_trailing(body, " in ", location);
        Some((ty, message, at))
    } else if let Some(loc) = rest.strip_prefix(" in ") {
        Some((ty, "", Some(location(loc)?)))
    } else {
        None
    }
}

/// Monolog's `Type(code: 0): message at /path:12)` (what follows `[object] (`).
fn monolog_header(s: &str) -> Option<Header<'_>> {
    let (ty, rest) = s.split_once("(code: ")?;
    let body = rest.split_once("): ").map_or("", |(_, body)| body);
    let (message, at) = split_trailing(body, " at ", |loc| {
        // the location ends at the first `)` after its line number
        loc.match_indices(')')
            .find_map(|(i, _)| location(&loc[..i]))
    });
    is_type(ty).then_some((ty, message, at))
}

/// `body` split at the last `sep` that a location follows (`location` parses it).
fn split_trailing<'a>(
    body: &'a str,
    sep: &str,
    location: impl Fn(&'a str) -> Option<(&'a str, Option<u32>)>,
) -> (&'a str, Location<'a>) {
    body.rmatch_indices(sep)
        .take(8)
        .find_map(|(i, _)| location(&body[i + sep.len()..]).map(|at| (&body[..i], Some(at))))
        .unwrap_or((body, None))
}

/// `/path:12` (one line, a line number required).
fn location(s: &str) -> Option<(&str, Option<u32>)> {
    if s.contains('\n') {
        return None;
    }
    match split_location(trim(s)) {
        (path, Some(line), None) if !path.is_empty() => Some(eval_location(path, Some(line))),
        _ => None,
    }
}

/// The bytes of a PHP class name: letters, digits, `_`, namespace `\` and `@` (`class@anonymous`).
fn is_type_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\\' | b'@')
}

fn is_type(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes().all(is_type_byte)
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'\\')
}

/// One printed exception: its header text and `#N` lines.
struct Block<'a> {
    header: String,
    form: Form,
    entries: Vec<Entry<'a>>,
}

/// Parse the first PHP stack trace in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let mut lines = Lines::new(text);
    let (first_at, first) = lines
        .by_ref()
        .find(|(_, l)| is_marker(trim(l)) || entry(trim(l)).is_some())?;
    let mut blocks = vec![first_block(text, first_at)];
    if let Some(e) = entry(trim(first)) {
        blocks[0].entries.push(e);
    }
    // a started exception whose `Stack trace:` has not come yet, and its header's line count
    let mut pending: Option<(Block<'_>, usize)> = None;
    for (_, line) in lines {
        let t = trim(line);
        if let Some((block, n)) = pending.as_mut() {
            if is_marker(t) || entry(t).is_some() {
                blocks.extend(pending.take().map(|(block, _)| block));
            } else if *n < MAX_HEADER_LINES {
                block.header.push('\n');
                block.header.push_str(line.trim_end());
                *n += 1;
                continue;
            } else {
                break;
            }
        }
        if let Some(e) = entry(t) {
            if let Some(block) = blocks.last_mut() {
                if block.entries.len() <= MAX_FRAMES {
                    block.entries.push(e);
                }
            }
        } else if let Some((start, form)) = chained_start(t) {
            if blocks.len() >= MAX_CHAIN {
                break;
            }
            let block = Block {
                header: start.to_owned(),
                form,
                entries: Vec::new(),
            };
            pending = Some((block, 1));
        } else if !(is_marker(t) || t.is_empty()) {
            break; // `  thrown in ...`, Monolog's `"}`, the next log record
        }
    }
    blocks.extend(pending.map(|(block, _)| block));
    build(&blocks)
}

/// The first exception: the header nearest above the first frame (or `Stack trace:` line),
/// preferring one that only PHP prints, its message running down to that line.
fn first_block(text: &str, first_at: usize) -> Block<'_> {
    let window = || lines_before(text, first_at).take(HEADER_LOOKBACK);
    let start = window()
        .find_map(|(at, l)| explicit_start(l).map(|s| (at, s)))
        .or_else(|| window().find_map(|(at, l)| bare_start(l).map(|s| (at, s))));
    let Some((at, (start, form))) = start else {
        return Block {
            header: String::new(),
            form: Form::Native,
            entries: Vec::new(),
        };
    };
    let mut header = start.to_owned();
    for l in text[at..first_at].lines().skip(1) {
        if !is_marker(trim(l)) {
            header.push('\n');
            header.push_str(l.trim_end());
        }
    }
    header.truncate(header.trim_end().len());
    Block {
        header,
        form,
        entries: Vec::new(),
    }
}

/// The chain from the printed blocks, outermost first.
fn build(blocks: &[Block<'_>]) -> Option<ParsedException> {
    let mut chain: Vec<ExceptionInfo> = blocks.iter().map(exception).collect();
    // PHP prints the innermost (previous) exception first, `Next` the one that wrapped it
    if blocks.first().is_some_and(|b| b.form == Form::Native) {
        chain.reverse();
    }
    for (i, e) in chain.iter_mut().enumerate() {
        e.parent = i.checked_sub(1);
        e.relation = e.parent.map(|_| Relation::Cause);
    }
    // a lone `#3 {main}` (a trace's last line split off by itself) names nothing
    let named = |e: &ExceptionInfo| {
        !e.exception_type.is_empty() || e.frames.iter().any(|f| f.path.is_some())
    };
    if !chain.iter().any(named) {
        return None;
    }
    ParsedException::new(Language::Php, chain)
}

/// One exception: its header parsed and its frames paired with the lines inside them.
fn exception(block: &Block<'_>) -> ExceptionInfo {
    let header = match block.form {
        Form::Native => native_header(&block.header),
        Form::Monolog => monolog_header(&block.header),
    };
    let (ty, message, mut at) = header.unwrap_or(("", block.header.as_str(), None));
    let text = |s: &str| match block.form {
        Form::Native => s.to_owned(),
        Form::Monolog => unescape_json(s).into_owned(),
    };
    let mut frames = Vec::new();
    let mut frame = |function: &str, at: Location<'_>| {
        let mut f = Frame::named(&text(function));
        if let Some((path, line)) = at {
            f.path = Some(text(path));
            f.line = line;
        }
        push_frame(&mut frames, f);
    };
    let mut ended = false;
    for e in &block.entries {
        match *e {
            Entry::Call { call, from } => {
                frame(function_of(call), at);
                at = from;
            }
            Entry::Main => {
                frame("{main}", at);
                ended = true;
                break;
            }
        }
    }
    // a trace cut short: the last call site, its function unknown
    if !ended && at.is_some() {
        frame("", at);
    }
    ExceptionInfo {
        exception_type: text(ty),
        message: text(message),
        frames,
        ..ExceptionInfo::default()
    }
}

/// Undo the JSON escapes Monolog leaves in a log line (`App\\Cart`, `\"`, `\/`).
fn unescape_json(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(c @ ('\\' | '"' | '/')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[path = "php_tests.rs"]
mod tests;
