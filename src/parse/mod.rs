//! Multi-line assembly and stack-trace parsers, one file per language (pure: values in, values out).
//!
//! [`parse_exception`] detects the runtime that printed a trace and hands it to that runtime's
//! parser; [`InAppRules`] marks application frames; [`FingerprintInputs`] turns a parsed trace
//! into the explainable inputs of an exception cluster's fingerprint; [`Assembler`] joins the
//! lines of one log record (a header line and its stack trace) before any of this happens.

pub mod dotnet;
pub mod fingerprint;
pub mod go;
pub mod header;
pub mod in_app;
pub mod java;
pub mod multiline;
pub mod node;
pub mod normalize;
pub mod python;
pub mod ruby;
pub mod rust;
pub mod trace;

pub use fingerprint::{ExceptionInputs, FingerprintInputs};
pub use in_app::InAppRules;
pub use multiline::{assemble, Assembler, Limits, Record, RecordRef};
pub use trace::{ExceptionInfo, Frame, Language, ParsedException, Relation};

/// Only this much of a record is looked at; traces are far shorter, and this bounds the work
/// a pathological record can cause.
pub const MAX_TRACE_BYTES: usize = 2 * 1024 * 1024;

/// The runtime that printed the stack trace in `text`, if any: the first line that only one
/// runtime prints decides (one pass, cheap prefix tests first).
pub fn detect_language(text: &str) -> Option<Language> {
    let text = clip(text);
    let rust_panic = text.contains(" panicked at ");
    for line in text.lines() {
        let t = line.trim_start();
        let Some(&first) = t.as_bytes().first() else {
            continue;
        };
        let found = match first {
            b'T' if t.starts_with("Traceback (most recent call last):") => Some(Language::Python),
            b'F' if python::is_bare_file_line(line) => Some(Language::Python),
            b'+' if t.contains("Exception Group Traceback") => Some(Language::Python),
            b't' if rust_panic
                && line.starts_with("thread '")
                && line.contains(" panicked at ") =>
            {
                Some(Language::Rust)
            }
            b'C' if t.trim_end() == "Caused by:" && text.contains("Error: ") => {
                Some(Language::Rust)
            }
            b'p' | b'f' | b'g' if t.len() == line.len() && go::detect(line) => Some(Language::Go),
            b'a' if t.starts_with("at ") => frame_language(line),
            b'f' if ruby::is_from_line(line) => Some(Language::Ruby),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    if rust_panic {
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
    }
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
