//! Multi-line assembly and stack-trace parsers, one file per language (pure: values in, values out).
//!
//! [`parse_exception`] detects the runtime that printed a trace and hands it to that runtime's
//! parser; [`InAppRules`] marks application frames; [`FingerprintInputs`] turns a parsed trace
//! into the explainable inputs of an exception cluster's fingerprint; [`Assembler`] joins the
//! lines of one log record (a header line and its stack trace) before any of this happens.

pub mod crash;
pub mod dotnet;
pub mod go;
pub mod in_app;
pub mod java;
pub mod memo;
pub mod multiline;
pub mod node;
pub mod php;
pub mod python;
pub mod record_start;
pub mod ruby;
pub mod rust;
pub mod stitch;
pub mod trace;

use crate::text::is_ascii_space;

pub use in_app::InAppRules;
pub use memo::TraceMemo;
pub use multiline::{assemble, AssembledRecord, AssembledRef, Assembler, Limits};
pub use trace::{ExceptionInfo, Frame, Language, ParsedException, Relation};

/// Only this much of a record is looked at; traces are far shorter, and this bounds the work
/// a pathological record can cause.
pub const MAX_TRACE_BYTES: usize = 2 * 1024 * 1024;

/// The runtime that printed the stack trace in `text`, if any: the first line that only one
/// runtime prints decides (one pass, cheap prefix tests first). A Rust panic message anywhere in
/// the text (` panicked at `) is only looked for when no line decided.
pub fn detect_language(text: &str) -> Option<Language> {
    let text = clip(text);
    for line in lines(text) {
        // most lines start with a printable ASCII byte: nothing to trim
        let t = if line.as_bytes().first().is_some_and(u8::is_ascii_graphic) {
            line
        } else {
            line.trim_start()
        };
        let Some(&first) = t.as_bytes().first() else {
            continue;
        };
        let found = match first {
            b'T' if t.starts_with("Traceback (most recent call last):") => Some(Language::Python),
            b'F' if python::is_bare_file_line(line) => Some(Language::Python),
            b'+' if t.contains("Exception Group Traceback") => Some(Language::Python),
            b't' if line.starts_with("thread '") && line.contains(" panicked at ") => {
                Some(Language::Rust)
            }
            b'C' if t.trim_end() == "Caused by:" && text.contains("Error: ") => {
                Some(Language::Rust)
            }
            b'p' | b'f' | b'g' if t.len() == line.len() && go::is_trace_line(line) => {
                Some(Language::Go)
            }
            b'a' if t.starts_with("at ") => frame_language(line),
            b'f' if ruby::is_from_line(line) => Some(Language::Ruby),
            b'#' if php::is_frame_line(t) => Some(Language::Php),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    if memchr::memmem::find(text.as_bytes(), b" panicked at ").is_some() {
        return Some(Language::Rust);
    }
    ruby::detect(text).then_some(Language::Ruby)
}

/// The runtime of an `at ...` frame line.
fn frame_language(line: &str) -> Option<Language> {
    if java::is_frame_line(line) {
        Some(Language::Java)
    } else if dotnet::is_frame_line(line) {
        Some(Language::DotNet)
    } else if node::is_frame_line(line) {
        Some(Language::Node)
    } else {
        None
    }
}

/// Detect the runtime, parse the first stack trace in `text` and mark in-app frames with the
/// default rules (re-mark with a service's [`InAppRules::apply`]). `None` when no known trace
/// format is found. Never panics, whatever the input.
pub fn parse_exception(text: &str) -> Option<ParsedException> {
    parse_exception_as(text, detect_language(text)?)
}

/// [`parse_exception`] with in-app frames marked by `rules` (a service's).
pub fn parse_exception_with(text: &str, rules: &InAppRules) -> Option<ParsedException> {
    let mut parsed = parse_trace(text, detect_language(text)?)?;
    rules.apply(&mut parsed);
    Some(parsed)
}

/// Parse `text` as a trace printed by `language` (when the source says which runtime it is).
pub fn parse_exception_as(text: &str, language: Language) -> Option<ParsedException> {
    let mut parsed = parse_trace(text, language)?;
    InAppRules::default().apply(&mut parsed);
    Some(parsed)
}

/// The trace in `text` as `language` prints it, in-app frames not yet marked.
fn parse_trace(text: &str, language: Language) -> Option<ParsedException> {
    let text = clip(text);
    match language {
        Language::Python => python::parse(text),
        Language::Java => java::parse(text),
        Language::Go => go::parse(text),
        Language::Node => node::parse(text),
        Language::Rust => rust::parse(text),
        Language::DotNet => dotnet::parse(text),
        Language::Ruby => ruby::parse(text),
        Language::Php => php::parse(text),
    }
}

/// The lines of `text`, exactly as [`str::lines`] yields them, each line break found with the
/// vectorised `memchr` ([`trace::Lines`] without the offsets).
pub(crate) fn lines(text: &str) -> Lines<'_> {
    Lines(trace::Lines::new(text))
}

/// The iterator of [`lines`]; [`Lines::rest`] is the text not yet split.
#[derive(Clone)]
pub(crate) struct Lines<'a>(trace::Lines<'a>);

impl<'a> Lines<'a> {
    /// The text from the next line on (what `lines` of it would yield is what is left here).
    pub(crate) fn rest(&self) -> &'a str {
        self.0.rest()
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.0.next().map(|(_, line)| line)
    }
}

/// [`str::trim_start`] without decoding characters while the leading bytes are ASCII: the ASCII
/// bytes `char::is_whitespace` accepts are skipped, and only a non-ASCII byte after them hands
/// the rest to `str::trim_start` (it may be Unicode whitespace). A string starting with a
/// printable ASCII byte (most trace lines) is returned after one byte test.
#[inline]
pub(crate) fn trim_start(s: &str) -> &str {
    if s.as_bytes().first().is_some_and(u8::is_ascii_graphic) {
        return s;
    }
    let skip = s.bytes().take_while(|&b| is_ascii_space(b)).count();
    // the skipped bytes are ASCII, so `skip` is a character boundary
    let rest = &s[skip..];
    if rest.as_bytes().first().is_some_and(|&b| b >= 0x80) {
        rest.trim_start()
    } else {
        rest
    }
}

/// [`str::trim_end`], skipping trailing ASCII whitespace bytes without decoding characters (see
/// [`trim_start`]).
#[inline]
pub(crate) fn trim_end(s: &str) -> &str {
    if s.as_bytes().last().is_some_and(u8::is_ascii_graphic) {
        return s;
    }
    let keep = s.len() - s.bytes().rev().take_while(|&b| is_ascii_space(b)).count();
    let rest = &s[..keep];
    if rest.as_bytes().last().is_some_and(|&b| b >= 0x80) {
        rest.trim_end()
    } else {
        rest
    }
}

/// [`str::trim`] by [`trim_start`] and [`trim_end`].
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    trim_end(trim_start(s))
}

/// The first [`MAX_TRACE_BYTES`] of `text`, cut at a character boundary.
fn clip(text: &str) -> &str {
    if text.len() <= MAX_TRACE_BYTES {
        return text;
    }
    let mut end = MAX_TRACE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests;

/// For a language's tests: a trace its `detect` recognizes, parsed by its `parse`.
#[cfg(test)]
fn detected_and_parsed(
    detect: fn(&str) -> bool,
    parse: fn(&str) -> Option<ParsedException>,
    text: &str,
) -> ParsedException {
    assert!(detect(text), "not detected: {text}");
    parse(text).expect("a parsed trace")
}

#[cfg(test)]
mod lines_tests {
    #[test]
    fn lines_match_str_lines() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\n",
            "a\r",
            "a\r\r\nb",
            "\r\n\r\n",
            "x\n\ny\rz\r\n  w\n",
            "é\nü\r\n",
        ] {
            let ours: Vec<&str> = super::lines(text).collect();
            let std: Vec<&str> = text.lines().collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn trims_match_str_trims() {
        for text in [
            "",
            " ",
            "\t\x0B\x0C\r\n",
            "a",
            "  a b  ",
            "\u{a0} a \u{3000}",
            " \u{2003}x\u{2003} ",
            "é ",
            " ü",
            "\u{85}",
            "a\u{1F600}",
        ] {
            assert_eq!(super::trim_start(text), text.trim_start(), "{text:?}");
            assert_eq!(super::trim_end(text), text.trim_end(), "{text:?}");
            assert_eq!(super::trim(text), text.trim(), "{text:?}");
        }
    }
}
