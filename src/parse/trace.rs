//! The language-neutral model of a parsed stack trace, shared by every parser, plus the small
//! scanning helpers the parsers have in common.

use serde::{Deserialize, Serialize};

use super::trim;

/// Most exceptions kept in one chain; a longer chain is cut (the first ones are kept).
pub const MAX_CHAIN: usize = 64;
/// Most frames kept per exception; deeper frames are dropped.
pub const MAX_FRAMES: usize = 512;

/// The runtime that printed a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// `CPython` tracebacks.
    Python,
    /// The JVM: Java, Kotlin, Scala.
    Java,
    /// Go panics and fatal errors.
    Go,
    /// Node.js (V8) stacks.
    Node,
    /// Rust panics and `anyhow`-style reports.
    Rust,
    /// .NET (CLR and Mono).
    DotNet,
    /// Ruby (MRI) backtraces.
    Ruby,
    /// PHP (7, 8 and 5) and Laravel/Monolog's log form.
    Php,
}

impl Language {
    /// A short lowercase name (`python`, `java`, `go`, `node`, `rust`, `dotnet`, `ruby`, `php`),
    /// the same as its serialised form.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Java => "java",
            Language::Go => "go",
            Language::Node => "node",
            Language::Rust => "rust",
            Language::DotNet => "dotnet",
            Language::Ruby => "ruby",
            Language::Php => "php",
        }
    }
}

/// How an exception is attached to the exception it hangs off (its `parent` in the chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// An explicit cause: Java/Kotlin `Caused by:`, Python `raise ... from`, Node `[cause]:`,
    /// Ruby's `cause` printed after the exception, PHP's previous exception (printed before the
    /// `Next` one that wrapped it; Monolog's `[previous exception]`).
    Cause,
    /// Raised while handling the parent: Python `During handling of the above exception`,
    /// a Go panic that a later panic replaced (`[recovered]`).
    Context,
    /// A JVM `Suppressed:` exception.
    Suppressed,
    /// A .NET inner exception (` ---> `).
    Inner,
    /// A member of a Python exception group or a .NET `AggregateException`.
    Group,
}

/// One stack frame. Which fields are filled depends on what the runtime prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// The function or method name without its package/class (Java `run`, Go `(*Server).Serve`);
    /// for runtimes that print one qualified symbol (Python, Node, Rust, Ruby, PHP) the symbol as
    /// printed (PHP `App\Cart->total`, `App\Prices::of`, `{closure}`, without the arguments).
    /// Empty when the trace names no function (Node `at /app/x.js:1:2`, a Rust panic location).
    pub function: String,
    /// The package or class the function belongs to (Java/.NET class, Go package path).
    pub module: Option<String>,
    /// The source file as printed (absolute, relative or just a file name, as the runtime gives it).
    pub path: Option<String>,
    /// 1-based line number.
    pub line: Option<u32>,
    /// 1-based column number.
    pub column: Option<u32>,
    /// Whether the frame is application code rather than a library or the runtime.
    pub in_app: bool,
}

impl Frame {
    /// A frame with only a function name.
    pub fn named(function: &str) -> Frame {
        Frame {
            function: function.to_owned(),
            ..Frame::default()
        }
    }

    /// `module.function`, or just the function (or just the module when there is no function).
    pub fn qualified_name(&self) -> String {
        match &self.module {
            Some(m) if !m.is_empty() => {
                if self.function.is_empty() {
                    m.clone()
                } else {
                    format!("{m}.{}", self.function)
                }
            }
            _ => self.function.clone(),
        }
    }
}

/// One exception of a chain: its type, message and frames.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionInfo {
    /// The type as printed (`java.lang.IllegalStateException`, `ValueError`, `panic`).
    pub exception_type: String,
    /// The message, possibly several lines; empty when the runtime printed none.
    pub message: String,
    /// Frames, always **most recent call first** (Python's order is reversed to match).
    pub frames: Vec<Frame>,
    /// How this exception relates to its parent; `None` for the first exception of the chain.
    pub relation: Option<Relation>,
    /// Index in [`ParsedException::chain`] of the exception this one hangs off; `None` for the
    /// first. Usually the previous entry; a JVM `Caused by:` after a `Suppressed:` block points
    /// back past the suppressed exceptions.
    pub parent: Option<usize>,
}

/// A parsed stack trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedException {
    /// The exceptions of the trace, **outermost first**: `chain[0]` is the exception that reached
    /// the top (the one that was thrown out, logged, or killed the program), followed by what it
    /// wraps — causes, inner exceptions, handled contexts — in depth-first order, each naming its
    /// `parent` and `relation`. Python, Ruby and PHP print the other way round; their chains are
    /// reordered to match, so `chain.last()` is the root cause in every language.
    pub chain: Vec<ExceptionInfo>,
    /// The runtime that printed the trace.
    pub language: Language,
}

impl ParsedException {
    /// The exception that reached the top.
    pub fn outermost(&self) -> Option<&ExceptionInfo> {
        self.chain.first()
    }

    /// The deepest exception along the primary chain (causes, contexts, inner exceptions;
    /// suppressed and group members are not followed).
    pub fn root_cause(&self) -> Option<&ExceptionInfo> {
        let mut idx = 0;
        for (i, e) in self.chain.iter().enumerate().skip(1) {
            let primary = !matches!(e.relation, Some(Relation::Suppressed | Relation::Group));
            if primary && e.parent == Some(idx) {
                idx = i;
            }
        }
        self.chain.get(idx)
    }

    /// Every frame of every exception, in chain order.
    pub fn all_frames(&self) -> impl Iterator<Item = &Frame> {
        self.chain.iter().flat_map(|e| e.frames.iter())
    }

    pub(crate) fn new(language: Language, chain: Vec<ExceptionInfo>) -> Option<ParsedException> {
        if chain.is_empty() {
            None
        } else {
            Some(ParsedException { chain, language })
        }
    }
}

/// Push a frame unless the exception already holds [`MAX_FRAMES`].
pub(crate) fn push_frame(frames: &mut Vec<Frame>, frame: Frame) {
    if frames.len() < MAX_FRAMES {
        frames.push(frame);
    }
}

/// Parse a line/column number: ASCII digits only, no overflow.
pub(crate) fn parse_num(s: &str) -> Option<u32> {
    // nine digits at most, so the value always fits
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Split `path:line:col` / `path:line` from the right. Returns the path and the numbers found.
pub(crate) fn split_location(s: &str) -> (&str, Option<u32>, Option<u32>) {
    let Some((rest, n_last)) = split_num_suffix(s) else {
        return (s, None, None);
    };
    if let Some((path, n_mid)) = split_num_suffix(rest) {
        if !path.is_empty() {
            return (path, Some(n_mid), Some(n_last));
        }
    }
    if rest.is_empty() {
        return (s, None, None);
    }
    (rest, Some(n_last), None)
}

/// `s` split at its last colon when only a number (see [`parse_num`]) follows that colon.
/// Only the trailing digits are looked at, not the whole of `s`.
fn split_num_suffix(s: &str) -> Option<(&str, u32)> {
    let bytes = s.as_bytes();
    let digits = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let colon = bytes.len().checked_sub(digits + 1)?;
    if bytes[colon] != b':' {
        return None;
    }
    Some((&s[..colon], parse_num(&s[colon + 1..])?))
}

/// Number of leading spaces/tabs.
pub(crate) fn indent(line: &str) -> usize {
    line.bytes()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count()
}

/// The bytes that may appear in a type name (see [`is_type_name`]).
const TYPE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    loop {
        table[b as usize] = b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'_' | b'$' | b':' | b'`' | b'+' | b'-');
        if b == u8::MAX {
            break table;
        }
        b += 1;
    }
};

/// Whether `b` may appear in a type name.
fn is_type_byte(b: u8) -> bool {
    TYPE_BYTES[usize::from(b)]
}

/// Whether `s`, made of type-name bytes only, may start and be a type name.
fn is_type_name_shape(s: &str) -> bool {
    s.len() <= 256
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// Whether `s` looks like a dotted type name (`java.lang.Error`, `ValueError`, `Foo::Bar`).
pub(crate) fn is_type_name(s: &str) -> bool {
    is_type_name_shape(s) && s.bytes().all(is_type_byte)
}

/// Split `Type: message` at the first `": "` when the left part is a type name.
pub(crate) fn split_type_message(line: &str) -> Option<(&str, &str)> {
    let line = trim(line);
    let bytes = line.as_bytes();
    // A type name holds no space, so the first `": "` can only follow a type name if it ends
    // the leading run of type-name bytes; any other byte ending that run rules out both forms.
    match bytes.iter().position(|&b| !is_type_byte(b)) {
        None => {
            let t = line.strip_suffix(':').unwrap_or(line);
            is_type_name_shape(t).then_some((t, ""))
        }
        Some(i) if i > 0 && bytes[i] == b' ' && bytes[i - 1] == b':' => {
            let t = &line[..i - 1];
            is_type_name_shape(t).then(|| (t, line[i + 1..].trim_end()))
        }
        Some(_) => None,
    }
}

/// Whether `bytes` hold `"\n"` followed by `marker`: whether a line after the first starts
/// with `marker`.
pub(crate) fn has_line_starting_with(bytes: &[u8], marker: &str) -> bool {
    memchr::memchr_iter(b'\n', bytes).any(|i| bytes[i + 1..].starts_with(marker.as_bytes()))
}

/// The lines of a text as [`str::lines`] splits them (at `\n`, dropping a `\r` before it), each
/// with the byte offset where it starts, so that a parser can look back from a line it found.
#[derive(Debug, Clone)]
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// Where the next line starts.
    pos: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        Lines { text, pos: 0 }
    }

    /// The offset just past the last line returned (past its line break).
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    /// The text from the next line on.
    pub(crate) fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let start = self.pos;
        let rest = &self.text[start..];
        if rest.is_empty() {
            return None;
        }
        let line = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                self.pos += i + 1;
                let line = &rest[..i];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => {
                self.pos = self.text.len();
                rest
            }
        };
        Some((start, line))
    }
}

/// The lines of `text[..end]` last first, as `text[..end].lines().rev()` yields them, each with
/// the byte offset where it starts. `end` is the start of a line (see [`Lines`]) or `text.len()`.
pub(crate) fn lines_before(text: &str, end: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut end = end;
    std::iter::from_fn(move || {
        if end == 0 {
            return None;
        }
        let mut line = &text[..end];
        if let Some(l) = line.strip_suffix('\n') {
            line = l.strip_suffix('\r').unwrap_or(l);
        }
        let start = memchr::memrchr(b'\n', line.as_bytes()).map_or(0, |i| i + 1);
        end = start;
        Some((start, &line[start..]))
    })
}

/// Append a message line, separating lines with `\n`.
pub(crate) fn append_line(message: &mut String, line: &str) {
    if !message.is_empty() {
        message.push('\n');
    }
    message.push_str(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_location_forms() {
        assert_eq!(
            split_location("/a/b.js:10:5"),
            ("/a/b.js", Some(10), Some(5))
        );
        assert_eq!(split_location("b.go:7"), ("b.go", Some(7), None));
        assert_eq!(
            split_location("C:\\x\\y.rb:3"),
            ("C:\\x\\y.rb", Some(3), None)
        );
        assert_eq!(split_location("nothing"), ("nothing", None, None));
        assert_eq!(split_location(":5"), (":5", None, None));
        assert_eq!(
            split_location("x:99999999999"),
            ("x:99999999999", None, None)
        );
    }

    #[test]
    fn type_message_split() {
        assert_eq!(
            split_type_message("java.io.IOException: disk full"),
            Some(("java.io.IOException", "disk full"))
        );
        assert_eq!(
            split_type_message("KeyboardInterrupt"),
            Some(("KeyboardInterrupt", ""))
        );
        assert_eq!(split_type_message("not a type: x"), None);
    }

    #[test]
    fn root_cause_skips_suppressed() {
        let e = |t: &str, rel, parent| ExceptionInfo {
            exception_type: t.into(),
            relation: rel,
            parent,
            ..ExceptionInfo::default()
        };
        let p = ParsedException {
            language: Language::Java,
            chain: vec![
                e("A", None, None),
                e("S", Some(Relation::Suppressed), Some(0)),
                e("B", Some(Relation::Cause), Some(0)),
                e("S2", Some(Relation::Suppressed), Some(2)),
            ],
        };
        assert_eq!(p.root_cause().map(|e| e.exception_type.as_str()), Some("B"));
    }
}
