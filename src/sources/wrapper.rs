//! Container runtimes' log lines: the CRI format Kubernetes writes
//! (`2026-11-27T08:00:08.143000000Z stdout F <the app's line>`, `P` for a part of a long line)
//! and Docker's json-file driver (`{"log":"<the app's line>\n","stream":"stdout","time":"..."}`,
//! a `log` without its newline for a part). The application's line inside is what the rest of
//! luffy reads: header, level, multi-line assembly.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::named_enum;

named_enum!(
    /// How a file's or a command's lines are wrapped.
    #[derive(Default)]
    LineFormat, "line format", {
        /// Told from the first line of each file a fetch reads.
        #[default]
        Auto = "auto",
        /// The application's own lines.
        Plain = "plain",
        /// Kubernetes' CRI log format.
        Cri = "cri",
        /// Docker's json-file logging driver.
        Docker = "docker",
    }
);

impl LineFormat {
    pub fn is_auto(&self) -> bool {
        *self == LineFormat::Auto
    }

    /// The format of a file whose first line is `line` (plain when it is neither wrapper).
    pub fn detect(line: &str) -> LineFormat {
        if cri(line).is_some() {
            LineFormat::Cri
        } else if docker(line).is_some() {
            LineFormat::Docker
        } else {
            LineFormat::Plain
        }
    }

    /// `self`, with `auto` decided by `first_line`.
    #[must_use]
    pub fn resolve(self, first_line: &str) -> LineFormat {
        match self {
            LineFormat::Auto => LineFormat::detect(first_line),
            other => other,
        }
    }
}

/// The application's line inside a wrapped line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwrapped<'a> {
    pub text: Cow<'a, str>,
    /// When the runtime wrote it.
    pub time: Option<DateTime<Utc>>,
    /// Only a part of a line: the rest follows in the next wrapped line(s).
    pub partial: bool,
    /// The runtime's stream it came on (`stdout`, `stderr`), when wrapped.
    pub stream: Option<Stream>,
}

/// A container's output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn parse(name: &str) -> Option<Stream> {
        match name {
            "stdout" => Some(Stream::Stdout),
            "stderr" => Some(Stream::Stderr),
            _ => None,
        }
    }
}

/// Unwraps `line` of a file in `format` (resolved: not auto); a line that is not in the format
/// (a malformed or foreign line) is taken as it is, never dropped.
pub fn unwrap(line: &str, format: LineFormat) -> Unwrapped<'_> {
    let unwrapped = match format {
        LineFormat::Cri => cri(line),
        LineFormat::Docker => docker(line),
        LineFormat::Plain | LineFormat::Auto => None,
    };
    unwrapped.unwrap_or(Unwrapped {
        text: Cow::Borrowed(line),
        time: None,
        partial: false,
        stream: None,
    })
}

/// Unwraps a stream of lines as they come: decides `auto` on the first line and joins the parts
/// of a long line into the line they make.
#[derive(Debug, Clone, Default)]
pub struct Unwrapper {
    format: LineFormat,
    partial: String,
    partial_lines: u64,
    /// When the runtime wrote the first of the parts held.
    partial_time: Option<DateTime<Utc>>,
    /// The stream of the last whole line handed out, and whether it was another than the one
    /// before it.
    stream: Option<Stream>,
    switched: bool,
}

impl Unwrapper {
    pub fn new(format: LineFormat) -> Unwrapper {
        Unwrapper {
            format,
            ..Unwrapper::default()
        }
    }

    /// The format, once the first line decided `auto`.
    pub fn format(&self) -> LineFormat {
        self.format
    }

    /// The application's line that `line` completes and when the runtime began writing it, or `None`
    /// while `line` is only a part of it (held until the rest comes).
    pub fn push<'l>(&mut self, line: &'l str) -> Option<(Cow<'l, str>, Option<DateTime<Utc>>)> {
        if self.format == LineFormat::Auto {
            self.format = self.format.resolve(line);
        }
        if self.format == LineFormat::Plain {
            return Some((Cow::Borrowed(line), None));
        }
        let unwrapped = unwrap(line, self.format);
        if let Some(stream) = unwrapped.stream {
            // a line's parts all come on one stream: its first part decides
            if self.partial_lines == 0 {
                self.switched = self.stream.is_some_and(|last| last != stream);
                self.stream = Some(stream);
            }
        } else if self.partial_lines == 0 {
            self.switched = false;
        }
        if unwrapped.partial {
            if self.partial_lines == 0 {
                self.partial_time = unwrapped.time;
            }
            self.partial.push_str(&unwrapped.text);
            self.partial_lines += 1;
            return None;
        }
        if self.partial_lines == 0 {
            return Some((unwrapped.text, unwrapped.time));
        }
        self.partial_lines = 0;
        let mut whole = std::mem::take(&mut self.partial);
        whole.push_str(&unwrapped.text);
        Some((
            Cow::Owned(whole),
            self.partial_time.take().or(unwrapped.time),
        ))
    }

    /// Whether the line [`Unwrapper::push`] handed out last came on another stream than the
    /// one before it (stdout, then stderr): a record does not run across streams.
    pub fn switched(&self) -> bool {
        self.switched
    }

    /// How many wrapped lines the part held so far came in (0: none is held).
    pub fn held_lines(&self) -> u64 {
        self.partial_lines
    }

    /// The part held at the end of an input that is complete (a command's output): the line
    /// as far as it was written.
    pub fn finish(&mut self) -> Option<(String, Option<DateTime<Utc>>)> {
        (self.partial_lines > 0).then(|| {
            self.partial_lines = 0;
            (std::mem::take(&mut self.partial), self.partial_time.take())
        })
    }
}

/// `TIME STREAM TAGS CONTENT`: an RFC 3339 time, `stdout` or `stderr`, `F` (full) or `P`
/// (partial) possibly with more `:`-separated tags, then the content (which may be empty).
fn cri(line: &str) -> Option<Unwrapped<'_>> {
    let (time, rest) = line.split_once(' ')?;
    if !time.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let time = DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc);
    let (stream, rest) = rest.split_once(' ')?;
    let stream = Stream::parse(stream)?;
    let (tags, content) = rest.split_once(' ').unwrap_or((rest, ""));
    let partial = match tags.split(':').next()? {
        "F" => false,
        "P" => true,
        _ => return None,
    };
    Some(Unwrapped {
        text: Cow::Borrowed(content),
        time: Some(time),
        partial,
        stream: Some(stream),
    })
}

#[derive(Deserialize)]
struct DockerLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(default)]
    time: Option<&'a str>,
    #[serde(default)]
    stream: Option<&'a str>,
}

/// `{"log":"...\n","stream":"stdout","time":"..."}`.
fn docker(line: &str) -> Option<Unwrapped<'_>> {
    if !line.starts_with("{\"log\":") {
        return None;
    }
    let parsed: DockerLine<'_> = serde_json::from_str(line).ok()?;
    let time = parsed
        .time
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let (text, partial) = match parsed.log {
        Cow::Borrowed(text) => match text.strip_suffix('\n') {
            Some(text) => (
                Cow::Borrowed(text.strip_suffix('\r').unwrap_or(text)),
                false,
            ),
            None => (Cow::Borrowed(text), true),
        },
        Cow::Owned(mut text) => {
            let full = text.ends_with('\n');
            if full {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            (Cow::Owned(text), !full)
        }
    };
    Some(Unwrapped {
        text,
        time,
        partial,
        stream: parsed.stream.and_then(Stream::parse),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_unwrapper_joins_parts_at_the_time_of_the_first_and_decides_auto_once() {
        let at = |s: u32| Some(Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, s).unwrap());
        let mut u = Unwrapper::new(LineFormat::Auto);
        assert_eq!(u.push("2026-11-27T08:00:01Z stdout P ERROR:app:"), None);
        assert_eq!(u.held_lines(), 1);
        assert_eq!(u.push("2026-11-27T08:00:02Z stdout P looku"), None);
        assert_eq!(
            u.push("2026-11-27T08:00:03Z stdout F p failed"),
            Some((Cow::Owned("ERROR:app:lookup failed".to_string()), at(1)))
        );
        assert_eq!((u.format(), u.held_lines()), (LineFormat::Cri, 0));
        // a foreign line in a CRI stream is taken as it is
        assert_eq!(u.push("not cri"), Some((Cow::Borrowed("not cri"), None)));
        assert_eq!(u.push("2026-11-27T08:00:04Z stderr P half"), None);
        assert_eq!(u.finish(), Some(("half".to_string(), at(4))));
        assert_eq!(u.finish(), None);
        // stdout, then stderr: the line after the change says so, once
        let mut u = Unwrapper::new(LineFormat::Cri);
        u.push("2026-11-27T08:00:01Z stdout F a");
        assert!(!u.switched());
        u.push("2026-11-27T08:00:02Z stderr P b");
        u.push("2026-11-27T08:00:02Z stderr F c");
        assert!(u.switched());
        u.push("2026-11-27T08:00:03Z stderr F d");
        assert!(!u.switched());
        let mut plain = Unwrapper::new(LineFormat::Auto);
        assert_eq!(plain.push("08:00:01 ERROR x").unwrap().1, None);
        assert_eq!(plain.format(), LineFormat::Plain);
        // later lines do not change a decided format
        assert_eq!(
            plain.push("2026-11-27T08:00:04Z stderr F y").unwrap().0,
            "2026-11-27T08:00:04Z stderr F y"
        );
    }

    #[test]
    fn cri_lines_give_the_app_line_its_time_and_whether_it_is_whole() {
        let u = unwrap(
            "2026-11-27T08:00:08.143000000Z stdout F 2026-11-27 08:00:08 ERROR db: down",
            LineFormat::Cri,
        );
        assert_eq!(u.text, "2026-11-27 08:00:08 ERROR db: down");
        assert_eq!(
            u.time,
            Some(
                Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 8).unwrap()
                    + chrono::Duration::milliseconds(143)
            )
        );
        assert!(!u.partial);
        let u = unwrap(
            "2026-11-27T09:00:08.1+01:00 stderr P a long li",
            LineFormat::Cri,
        );
        assert_eq!((u.text.as_ref(), u.partial), ("a long li", true));
        let u = unwrap("2026-11-27T08:00:08Z stdout F", LineFormat::Cri);
        assert_eq!(u.text, "");
        assert_eq!(
            LineFormat::detect("2026-11-27T08:00:08Z stdout F x"),
            LineFormat::Cri
        );
    }

    #[test]
    fn docker_lines_unescape_the_app_line() {
        let u = unwrap(
            r#"{"log":"Traceback (most recent call last):\n","stream":"stderr","time":"2026-11-27T08:00:08.143Z"}"#,
            LineFormat::Docker,
        );
        assert_eq!(u.text, "Traceback (most recent call last):");
        assert!(!u.partial);
        assert!(u.time.is_some());
        let u = unwrap(
            r#"{"log":"  File \"/app/a.py\", line 3, in f","stream":"stderr","time":"2026-11-27T08:00:08Z"}"#,
            LineFormat::Docker,
        );
        assert_eq!(u.text, "  File \"/app/a.py\", line 3, in f");
        assert!(u.partial, "no newline: a part of a line");
        assert_eq!(
            LineFormat::detect(r#"{"log":"x\n","stream":"stdout","time":"2026-11-27T08:00:08Z"}"#),
            LineFormat::Docker
        );
    }

    #[test]
    fn lines_that_are_not_wrapped_stay_as_they_are() {
        for line in [
            "2026-11-27 08:00:08 ERROR db: down",
            "2026-11-27T08:00:08Z ERROR db: down",
            r#"{"level":"error","msg":"x"}"#,
            "{\"log\": broken",
        ] {
            assert_eq!(LineFormat::detect(line), LineFormat::Plain, "{line}");
            for format in [LineFormat::Cri, LineFormat::Docker] {
                let u = unwrap(line, format);
                assert_eq!((u.text.as_ref(), u.time, u.partial), (line, None, false));
            }
        }
        assert_eq!("docker".parse::<LineFormat>(), Ok(LineFormat::Docker));
        assert!("json"
            .parse::<LineFormat>()
            .unwrap_err()
            .contains("use auto, plain, cri, docker"));
    }
}
