//! Multi-line record assembly: decides, line by line, whether a line continues the current log
//! record (a stack trace under its header line) or starts a new one. Streaming, allocation-free
//! per line, with bounded record size.

use super::record_start::{
    default_is_header, is_continuation_marker, is_jul_date, is_jul_level, starts_own_record,
};
use super::stitch::{self, Payload};
use crate::domain::Level;

/// Bounds on one record; what does not fit is dropped and the record is marked truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of text in one record (a longer first line is cut at a character boundary).
    pub max_bytes: usize,
    /// Most lines in one record.
    pub max_lines: usize,
}

impl Default for Limits {
    /// 1 MiB and 2,000 lines.
    fn default() -> Self {
        Limits {
            max_bytes: 1024 * 1024,
            max_lines: 2000,
        }
    }
}

/// A finished record, borrowed from the assembler's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssembledRef<'a> {
    /// 0-based index of the record's first line among all lines pushed.
    pub first_line: u64,
    /// The record's lines joined with `\n` (no trailing newline, trailing blank lines dropped).
    pub text: &'a str,
    /// Number of lines kept in `text`.
    pub lines: usize,
    /// Whether lines or bytes were dropped because of [`Limits`].
    pub truncated: bool,
    /// The level the first line says among its first words ([`crate::header::first_level`]),
    /// read once here for the record's sake and handed on.
    pub level: Option<Level>,
}

/// A finished record that owns its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledRecord {
    /// 0-based index of the record's first line among all lines pushed.
    pub first_line: u64,
    /// The record's lines joined with `\n`.
    pub text: String,
    /// Number of lines kept in `text`.
    pub lines: usize,
    /// Whether lines or bytes were dropped because of [`Limits`].
    pub truncated: bool,
}

impl AssembledRef<'_> {
    /// Copy into an owned [`AssembledRecord`].
    pub fn to_record(&self) -> AssembledRecord {
        AssembledRecord {
            first_line: self.first_line,
            text: self.text.to_owned(),
            lines: self.lines,
            truncated: self.truncated,
        }
    }
}

/// Which stack trace the current record is in, as far as continuation decisions need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trace {
    None,
    /// After `Traceback (most recent call last):` (or a chaining sentence): frames until the
    /// unindented exception line.
    PythonFrames,
    /// A Go panic: unindented function lines belong to it.
    Go,
    /// After a new-form `panicked at file:line:col:`: the message lines follow unindented.
    RustMessage,
    /// A Ruby backtrace: its causes start with an unindented `file:line:in ...` line.
    Ruby,
    /// PHP's uncaught exception: its message lines, `Stack trace:`, `#N` frames and `Next`
    /// chains run unindented to `  thrown in ...`.
    Php,
}

/// Joins lines into records. `H` says whether a line starts with a log header (timestamp, level,
/// ...); the default is [`default_is_header`].
///
/// A line continues the current record when it is not a header line and it is indented, or is a
/// stack-trace marker (`Caused by:`, `Traceback ...`, `goroutine N [...]:`, ` ---> `,
/// `--- End of`, `... N more`, `[cause]:`, chaining sentences...), or the record began with a
/// header line (everything up to the next header belongs to it), or the current trace's grammar
/// expects it (a Python exception line, Go function lines, a Rust panic message, a Ruby cause).
/// Lines that print their own header (`thread 'x' panicked at`, `panic:`, `fatal error:`,
/// `Exception in thread`, `Unhandled exception.`) always start a record. Blank lines are held
/// back and kept only when the record continues after them.
pub struct Assembler<H = fn(&str) -> bool> {
    is_header: H,
    limits: Limits,
    buf: String,
    open: bool,
    first_line: u64,
    lines: usize,
    next_line: u64,
    pending_blank: usize,
    by_header: bool,
    trace: Trace,
    truncated: bool,
    truncations: u64,
    /// The length of the record's first line in `buf`.
    first_len: usize,
    /// What the lines of a record that began with a header say about its trace.
    shape: Shape,
    /// The next line starts a record whatever it is ([`Assembler::push_start_with`]).
    force: bool,
    /// The level of the record's first line ([`AssembledRef::level`]).
    first_level: Option<Level>,
}

/// What the lines of a record that began with a log header have shown so far: enough to tell a
/// trace that starts after a complete one, a line that carries the record's prefix, and
/// java.util.logging's second line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Shape {
    /// The last line was a frame (`at ...`) or `... N more`.
    after_frame: bool,
    /// A Python traceback began, and its exception line was the last line.
    after_python_exception: bool,
    python: bool,
    last_indented: bool,
    /// Lines after the first carry its prefix ([`super::stitch`]).
    stitched: bool,
    /// The record is one java.util.logging date line: its level line follows.
    jul: bool,
    /// Where the first line's header ends ([`stitch::header_end`]), once asked.
    header_end: Option<usize>,
}

impl Default for Assembler {
    fn default() -> Self {
        Assembler::with_header(default_is_header as fn(&str) -> bool)
    }
}

impl Assembler {
    /// An assembler with the built-in header detection ([`default_is_header`]).
    pub fn new() -> Self {
        Self::default()
    }
}

impl<H: FnMut(&str) -> bool> Assembler<H> {
    /// An assembler whose header detection is `is_header` (e.g. the template miner's).
    pub fn with_header(is_header: H) -> Self {
        Assembler {
            is_header,
            limits: Limits::default(),
            buf: String::new(),
            open: false,
            first_line: 0,
            lines: 0,
            next_line: 0,
            pending_blank: 0,
            by_header: false,
            trace: Trace::None,
            truncated: false,
            truncations: 0,
            first_len: 0,
            shape: Shape::default(),
            force: false,
            first_level: None,
        }
    }

    /// Replace the size limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How many records were truncated so far.
    pub fn truncations(&self) -> u64 {
        self.truncations
    }

    /// Push one line (without its newline; a trailing `\r` is ignored). When the line starts a
    /// new record, the finished record is passed to `emit` first.
    pub fn push_with<F: FnMut(AssembledRef<'_>)>(&mut self, line: &str, mut emit: F) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let index = self.next_line;
        self.next_line += 1;
        if is_blank(line) {
            if self.open {
                self.pending_blank += 1;
            }
            return;
        }
        let (start, header) = self.classify(line);
        self.force = false;
        if start {
            self.emit_current(&mut emit);
            self.open = true;
            self.first_line = index;
            self.by_header = header;
            self.trace = Trace::None;
            self.shape = Shape {
                jul: header && is_jul_date(line),
                ..Shape::default()
            };
            self.first_level = crate::header::first_level(line);
        } else {
            for _ in 0..std::mem::take(&mut self.pending_blank) {
                self.append("");
            }
            if self.by_header {
                self.follow(line);
            }
        }
        self.pending_blank = 0;
        // A record that began with a log header runs to the next header whatever its trace
        // says: its trace state is followed only as far as `follow` needs.
        if !self.by_header {
            self.trace = next_trace(self.trace, line);
        }
        self.append(line);
        if start {
            self.first_len = self.buf.len();
        }
    }

    /// [`Assembler::push_with`] of a line that starts a record whatever it is (a container's
    /// stream changed: stdout's record is over when stderr begins). A blank line is held as ever.
    pub fn push_start_with<F: FnMut(AssembledRef<'_>)>(&mut self, line: &str, emit: F) {
        self.force = !is_blank(line);
        self.push_with(line, emit);
    }

    /// Follows a line that continues a record begun with a header: what [`Shape`] tracks.
    fn follow(&mut self, line: &str) {
        let trimmed = line.trim_start();
        let indented = trimmed.len() < line.len();
        let shape = &mut self.shape;
        shape.jul = false;
        if shape.stitched {
            return;
        }
        shape.after_frame = (indented && trimmed.starts_with("at ")) || trimmed.starts_with("... ");
        if trimmed.starts_with("Traceback (most recent call last):") {
            shape.python = true;
        }
        shape.after_python_exception =
            shape.python && !indented && shape.last_indented && !is_continuation_marker(trimmed);
        shape.last_indented = indented;
    }

    /// Whether `trimmed` (unindented) begins another trace after the complete one of a record
    /// begun with a header: a second traceback, or an exception line after frames.
    fn restarts(&self, trimmed: &str) -> bool {
        if self.shape.after_python_exception
            && trimmed.starts_with("Traceback (most recent call last):")
        {
            return true;
        }
        self.shape.after_frame
            && !trimmed.starts_with("Traceback")
            && super::crash::restarts_trace(trimmed)
    }

    /// Whether the header line `line` continues the record: the second line of a
    /// java.util.logging record, or a line from the same source whose payload continues the
    /// record's trace ([`super::stitch`]).
    fn stitches(&mut self, line: &str) -> bool {
        if self.shape.jul {
            return is_jul_level(line);
        }
        let first = &self.buf[..self.first_len.min(self.buf.len())];
        // a logger that prints a trace line by line prints it at WARN or above
        if self.first_level.is_some_and(|level| level < Level::Warn) {
            return false;
        }
        let Some(shared) = stitch::shared(first, line) else {
            return false;
        };
        let exact = shared.exact;
        let payload = &line[shared.payload..];
        let in_python = self.trace == Trace::PythonFrames;
        // Not the very same prefix, nor in a Python trace: only a payload that continues a
        // trace joins (most header lines after an error's are this, and say something else).
        let joins = if !exact && !in_python {
            stitch::continues(payload)
        } else {
            match stitch::classify(payload) {
                Payload::Continues => true,
                Payload::Begins => exact || in_python,
                Payload::Blank => exact && self.shape.stitched,
                // a line like logcat's `Process: ...` after `FATAL EXCEPTION: main`: only in a
                // crash the record's first line began, with the very same prefix
                Payload::Other => {
                    let crash = exact
                        && stitch::first_payload(first, line)
                            .is_some_and(|p| stitch::classify(p) == Payload::Begins);
                    crash || in_python
                }
            }
        };
        if !joins {
            return false;
        }
        // the costly test last, and once a record
        let header_end = *self
            .shape
            .header_end
            .get_or_insert_with(|| stitch::header_end(first));
        if shared.prefix < header_end {
            return false;
        }
        self.shape.stitched = true;
        self.trace = next_trace(self.trace, payload);
        true
    }

    /// Push one line; returns the record it finished, if any (allocates one `String` per record).
    pub fn push(&mut self, line: &str) -> Option<AssembledRecord> {
        let mut out = None;
        self.push_with(line, |r| out = Some(r.to_record()));
        out
    }

    /// Emit the record in progress (at end of input).
    pub fn finish_with<F: FnMut(AssembledRef<'_>)>(&mut self, mut emit: F) {
        self.emit_current(&mut emit);
    }

    /// Return the record in progress (at end of input).
    pub fn finish(&mut self) -> Option<AssembledRecord> {
        let mut out = None;
        self.finish_with(|r| out = Some(r.to_record()));
        out
    }

    fn emit_current<F: FnMut(AssembledRef<'_>)>(&mut self, emit: &mut F) {
        if self.open {
            emit(AssembledRef {
                first_line: self.first_line,
                text: &self.buf,
                lines: self.lines,
                truncated: self.truncated,
                level: self.first_level,
            });
        }
        self.buf.clear();
        self.open = false;
        self.lines = 0;
        self.pending_blank = 0;
        self.truncated = false;
    }

    /// Whether `line` starts a new record, and whether it is a header line. Indented lines and
    /// trace markers are settled before the header predicate is asked, so a loose predicate
    /// (one that skips leading whitespace, say) cannot split a trace.
    fn classify(&mut self, line: &str) -> (bool, bool) {
        let trimmed = line.trim_start();
        let indented = trimmed.len() < line.len();
        if self.force {
            return (true, !indented && (self.is_header)(line));
        }
        if starts_own_record(line) {
            return (true, false);
        }
        if self.open && (indented || is_continuation_marker(trimmed)) {
            return (false, false);
        }
        if self.open && self.by_header && self.restarts(trimmed) {
            return (true, false);
        }
        let header = !indented && (self.is_header)(line);
        if header && self.open && self.by_header && self.stitches(line) {
            return (false, false);
        }
        if !self.open || header {
            return (true, header);
        }
        if trimmed.starts_with("Traceback (most recent call last):") {
            return (
                !(self.by_header || self.trace == Trace::PythonFrames),
                false,
            );
        }
        let start = !self.by_header
            && match self.trace {
                Trace::PythonFrames | Trace::RustMessage | Trace::Php => false,
                Trace::Go => !(line.ends_with(')') || line.starts_with("created by ")),
                Trace::Ruby => !crate::parse::ruby::is_location_line(line),
                Trace::None => true,
            };
        (start, false)
    }

    fn append(&mut self, line: &str) {
        if self.lines >= self.limits.max_lines {
            self.mark_truncated();
            return;
        }
        let sep = usize::from(self.lines > 0);
        let fits = self.buf.len() + sep + line.len() <= self.limits.max_bytes;
        let room = self.limits.max_bytes.saturating_sub(self.buf.len() + sep);
        let kept = if fits {
            line
        } else if self.lines == 0 {
            self.mark_truncated();
            let mut end = room;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            &line[..end]
        } else {
            self.mark_truncated();
            return;
        };
        if sep == 1 {
            self.buf.push('\n');
        }
        self.buf.push_str(kept);
        self.lines += 1;
    }

    fn mark_truncated(&mut self) {
        if !self.truncated {
            self.truncated = true;
            self.truncations += 1;
        }
    }
}

/// Whether `line` is empty or all whitespace (as `trim` sees it); decided by the first byte for
/// most lines ([`super::trim_start`]).
pub fn is_blank(line: &str) -> bool {
    super::trim_start(line).is_empty()
}

/// The trace state after accepting `line`.
fn next_trace(state: Trace, line: &str) -> Trace {
    let trimmed = line.trim();
    if trimmed.ends_with("Traceback (most recent call last):")
        || trimmed.starts_with("The above exception was the direct cause")
        || trimmed.starts_with("During handling of the above exception")
    {
        return Trace::PythonFrames;
    }
    if line.starts_with("panic: ")
        || line.starts_with("fatal error: ")
        || trimmed.starts_with("goroutine ")
    {
        return Trace::Go;
    }
    // The cheap test first: this runs for every line of every log.
    if trimmed.ends_with(':') && line.contains(" panicked at ") {
        return Trace::RustMessage;
    }
    if super::record_start::is_php_fatal(line) {
        return Trace::Php;
    }
    if memchr::memmem::find(line.as_bytes(), b":in ").is_some()
        && crate::parse::ruby::is_location_line(line)
    {
        return Trace::Ruby;
    }
    match state {
        Trace::PythonFrames if !line.starts_with([' ', '\t']) => Trace::None,
        Trace::RustMessage if trimmed.starts_with("note: ") || trimmed == "stack backtrace:" => {
            Trace::None
        }
        Trace::Php if trimmed.starts_with("thrown in ") => Trace::None,
        other => other,
    }
}

/// Assemble a whole text into owned records with the default header detection.
pub fn assemble(text: &str) -> Vec<AssembledRecord> {
    let mut asm = Assembler::new();
    let mut out = Vec::new();
    for line in text.split('\n') {
        asm.push_with(line, |r| out.push(r.to_record()));
    }
    asm.finish_with(|r| out.push(r.to_record()));
    out
}

#[cfg(test)]
#[path = "multiline_tests.rs"]
mod tests;
