//! The language-neutral model of a parsed stack trace, shared by every parser, plus the small
//! scanning helpers the parsers have in common.

use serde::{Deserialize, Serialize};

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
}

impl Language {
    /// A short lowercase name (`python`, `java`, `go`, `node`, `rust`, `dotnet`, `ruby`).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Java => "java",
            Language::Go => "go",
            Language::Node => "node",
            Language::Rust => "rust",
            Language::DotNet => "dotnet",
            Language::Ruby => "ruby",
        }
    }
}

/// How an exception is attached to the exception it hangs off (its `parent` in the chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// An explicit cause: Java/Kotlin `Caused by:`, Python `raise ... from`, Node `[cause]:`,
    /// Ruby's `cause` printed after the exception.
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
    /// for runtimes that print one qualified symbol (Python, Node, Rust, Ruby) the symbol as printed.
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
    /// `parent` and `relation`. Python and Ruby print the other way round; their chains are
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
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Split `path:line:col` / `path:line` from the right. Returns the path and the numbers found.
pub(crate) fn split_location(s: &str) -> (&str, Option<u32>, Option<u32>) {
    let Some((rest, last)) = s.rsplit_once(':') else {
        return (s, None, None);
    };
    let Some(n_last) = parse_num(last) else {
        return (s, None, None);
    };
    if let Some((path, mid)) = rest.rsplit_once(':') {
        if let Some(n_mid) = parse_num(mid) {
            if !path.is_empty() {
                return (path, Some(n_mid), Some(n_last));
            }
        }
    }
    if rest.is_empty() {
        return (s, None, None);
    }
    (rest, Some(n_last), None)
}

/// Number of leading spaces/tabs.
pub(crate) fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// Whether `s` looks like a dotted type name (`java.lang.Error`, `ValueError`, `Foo::Bar`).
pub(crate) fn is_type_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$' | b':' | b'`' | b'+' | b'-')
        })
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// Split `Type: message` at the first `": "` when the left part is a type name.
pub(crate) fn split_type_message(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    match line.find(": ") {
        Some(i) if is_type_name(&line[..i]) => Some((&line[..i], line[i + 2..].trim_end())),
        _ => {
            let t = line.strip_suffix(':').unwrap_or(line);
            is_type_name(t).then_some((t, ""))
        }
    }
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
