//! Python tracebacks: `Traceback (most recent call last):`, `File "...", line N, in f` frames,
//! chained exceptions (`The above exception was the direct cause...` / `During handling...`),
//! 3.11+ caret lines, `[Previous line repeated N more times]`, and exception groups.

use super::trace::{
    append_line, indent, parse_num, push_frame, split_type_message, ExceptionInfo, Frame, Language,
    ParsedException, Relation, MAX_CHAIN,
};
use super::{lines, trim, trim_end, trim_start};

const TRACEBACK: &str = "Traceback (most recent call last):";
const GROUP_TRACEBACK: &str = "Exception Group Traceback (most recent call last):";
const DIRECT_CAUSE: &str = "The above exception was the direct cause of the following exception:";
const DURING_HANDLING: &str = "During handling of the above exception, another exception occurred:";

/// Whether the text holds a Python traceback.
pub fn detect(text: &str) -> bool {
    text.contains(TRACEBACK)
        || text.contains(GROUP_TRACEBACK)
        || text.lines().any(is_bare_file_line)
}

/// `  File "x.py", line 3` opening a report without `Traceback` (a `SyntaxError` of the main
/// script).
pub fn is_bare_file_line(line: &str) -> bool {
    line.starts_with("  File \"") && line.contains("\", line ")
}

/// One exception in document order, before reordering.
struct Node {
    info: ExceptionInfo,
    /// How this node relates to the next top-level node (set by a chaining sentence).
    link: Option<Relation>,
    /// Set when the node is a member of an exception group (printed after `+---- N ----`).
    member: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Before the first traceback, or after a blank line that ended a message.
    Outside,
    /// Reading `File ...` frames and their source/caret lines.
    Frames,
    /// After the exception line: further lines continue the message.
    Message,
    /// After a chaining sentence or a group member separator: waiting for the next exception.
    Expect,
}

/// Parse the first Python traceback (with its chained and grouped exceptions) in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut state = State::Outside;
    let mut group_mode = false;
    let mut member_next = false;
    // the last non-blank line before any traceback: a cause printed without its traceback
    let mut last_outside = "";
    for raw in lines(text) {
        let lead_trimmed = trim_start(raw);
        if !group_mode && lead_trimmed.starts_with('+') && raw.contains(GROUP_TRACEBACK) {
            group_mode = true;
        }
        let (line, separator) = if group_mode {
            strip_group_prefix(raw)
        } else {
            (raw, false)
        };
        if separator {
            member_next = true;
            state = State::Expect;
            continue;
        }
        // outside a group `line` is `raw`, whose start is already trimmed
        let trimmed = if group_mode {
            trim(line)
        } else {
            trim_end(lead_trimmed)
        };
        if trimmed == TRACEBACK || trimmed == GROUP_TRACEBACK {
            let unlinked = nodes.last().is_some_and(|n| n.link.is_none());
            if unlinked && !member_next {
                break; // a second, unrelated traceback
            }
            if nodes.len() >= MAX_CHAIN {
                break;
            }
            nodes.push(Node {
                info: ExceptionInfo::default(),
                link: None,
                member: std::mem::take(&mut member_next),
            });
            state = State::Frames;
            continue;
        }
        match state {
            State::Outside => {
                if let Some(rel) = chaining(trimmed).filter(|_| nodes.is_empty()) {
                    if split_type_message(last_outside).is_some() {
                        let mut info = ExceptionInfo::default();
                        set_exception_line(&mut info, last_outside);
                        nodes.push(Node {
                            info,
                            link: Some(rel),
                            member: false,
                        });
                        state = State::Expect;
                    }
                } else if !trimmed.is_empty() {
                    last_outside = trimmed;
                }
                if nodes.is_empty() && is_bare_file_line(line) {
                    let mut info = ExceptionInfo::default();
                    push_frame(&mut info.frames, parse_frame(&trimmed["File \"".len()..]));
                    nodes.push(Node {
                        info,
                        link: None,
                        member: false,
                    });
                    state = State::Frames;
                }
            }
            State::Frames => {
                if let Some(rest) = trimmed.strip_prefix("File \"") {
                    if let Some(node) = nodes.last_mut() {
                        push_frame(&mut node.info.frames, parse_frame(rest));
                    }
                } else if trimmed.is_empty()
                    || matches!(line.as_bytes().first(), Some(b' ' | b'\t'))
                {
                    // source lines, 3.11 `~~~^^^` caret lines, `[Previous line repeated N more times]`
                } else if let Some(node) = nodes.last_mut() {
                    set_exception_line(&mut node.info, trimmed);
                    state = State::Message;
                }
            }
            State::Message => {
                if let Some(rel) = chaining(trimmed) {
                    if let Some(node) = nodes.last_mut() {
                        node.link = Some(rel);
                    }
                    state = State::Expect;
                } else if trimmed.is_empty() {
                    state = State::Expect;
                } else if let Some(node) = nodes.last_mut() {
                    append_line(&mut node.info.message, trim_end(line));
                }
            }
            State::Expect => {
                if let Some(rel) = chaining(trimmed) {
                    if let Some(node) = nodes.last_mut() {
                        node.link = Some(rel);
                    }
                } else if trimmed.is_empty() {
                } else if member_next && nodes.len() < MAX_CHAIN {
                    // a group member printed without its own traceback
                    let mut info = ExceptionInfo::default();
                    set_exception_line(&mut info, trimmed);
                    nodes.push(Node {
                        info,
                        link: None,
                        member: true,
                    });
                    member_next = false;
                    state = State::Message;
                } else if nodes.last().is_some_and(|n| n.link.is_none()) {
                    break;
                } else if split_type_message(trimmed).is_some() && nodes.len() < MAX_CHAIN {
                    // a chained exception printed without its own traceback
                    let mut info = ExceptionInfo::default();
                    set_exception_line(&mut info, trimmed);
                    nodes.push(Node {
                        info,
                        link: None,
                        member: false,
                    });
                    state = State::Message;
                }
            }
        }
    }
    ParsedException::new(Language::Python, order(nodes))
}

/// A chaining sentence between two tracebacks.
fn chaining(trimmed: &str) -> Option<Relation> {
    if trimmed == DIRECT_CAUSE {
        Some(Relation::Cause)
    } else if trimmed == DURING_HANDLING {
        Some(Relation::Context)
    } else {
        None
    }
}

/// Remove exception-group drawing (`  | `, `+-+---- 1 ----`); the flag says the line was a
/// member separator.
fn strip_group_prefix(line: &str) -> (&str, bool) {
    let lead = indent(line);
    let rest = &line[lead..];
    if let Some(after) = rest.strip_prefix('|') {
        return (after.strip_prefix(' ').unwrap_or(after), false);
    }
    if let Some(after) = rest.strip_prefix('+') {
        if after.contains(GROUP_TRACEBACK) {
            return (after.trim_start(), false);
        }
        let is_member = after.starts_with('-') && after.bytes().any(|b| b.is_ascii_digit());
        return ("", is_member);
    }
    (line, false)
}

/// `ValueError: bad value` (or a bare `KeyboardInterrupt`).
fn set_exception_line(info: &mut ExceptionInfo, trimmed: &str) {
    if let Some((ty, msg)) = split_type_message(trimmed) {
        // fresh strings: `clone_into` an empty `String` costs a reallocation path
        info.exception_type = String::from(ty);
        info.message = String::from(msg);
    } else {
        info.exception_type = trimmed.chars().take(200).collect();
    }
}

/// `/app/x.py", line 10, in handler` (the part after `File "`): the parts after the path are
/// split at `, ` and a later `line`/`in` part overrides an earlier one.
fn parse_frame(rest: &str) -> Frame {
    let (path, tail) = match memchr::memchr(b'"', rest.as_bytes()) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (mut line, mut function) = (None, "");
    for part in comma_parts(tail) {
        let part = trim(part);
        if let Some(n) = part.strip_prefix("line ") {
            line = parse_num(trim(n));
        } else if let Some(f) = part.strip_prefix("in ") {
            function = trim(f);
        }
    }
    Frame {
        function: function.to_owned(),
        path: Some(path.to_owned()),
        line,
        ..Frame::default()
    }
}

/// `s.split(", ")`, matching the two bytes directly instead of through a substring searcher
/// (the parts of a frame line are a few bytes long).
fn comma_parts(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.as_bytes().windows(2).position(|w| w == b", ") {
            // `,` and ` ` are ASCII: both cuts fall on character boundaries
            Some(i) => {
                rest = Some(&r[i + 2..]);
                Some(&r[..i])
            }
            None => rest.take(),
        }
    })
}

/// Turn document order (root cause first, most recent call last) into the shared order
/// (outermost first, most recent call first).
fn order(nodes: Vec<Node>) -> Vec<ExceptionInfo> {
    let nodes_len = nodes.len();
    let mut top: Vec<(ExceptionInfo, Option<Relation>, Vec<ExceptionInfo>)> =
        Vec::with_capacity(nodes.len());
    for mut node in nodes {
        node.info.frames.reverse();
        match top.last_mut() {
            Some(last) if node.member => last.2.push(node.info),
            _ => top.push((node.info, node.link, Vec::new())),
        }
    }
    let mut chain = Vec::with_capacity(nodes_len);
    for (mut info, link, members) in top.into_iter().rev() {
        if !chain.is_empty() {
            // the node printed before the previous one is its cause/context
            info.relation = Some(link.unwrap_or(Relation::Context));
            info.parent = Some(last_top_index(&chain));
        }
        let idx = chain.len();
        chain.push(info);
        for mut m in members {
            m.relation = Some(Relation::Group);
            m.parent = Some(idx);
            chain.push(m);
        }
    }
    chain
}

/// Index of the last exception that is not a group member.
fn last_top_index(chain: &[ExceptionInfo]) -> usize {
    chain
        .iter()
        .rposition(|e| e.relation != Some(Relation::Group))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> ParsedException {
        let text = match name {
            "direct_cause" => include_str!("../../tests/data/traces/python_direct_cause.txt"),
            "during" => include_str!("../../tests/data/traces/python_during_handling.txt"),
            "recursion" => include_str!("../../tests/data/traces/python_recursion.txt"),
            "group" => include_str!("../../tests/data/traces/python_group.txt"),
            "taskgroup" => include_str!("../../tests/data/traces/python_taskgroup.txt"),
            "syntax" => include_str!("../../tests/data/traces/python_syntax.txt"),
            _ => unreachable!(),
        };
        assert!(detect(text));
        parse(text).expect("corpus parses")
    }

    fn types(p: &ParsedException) -> Vec<&str> {
        p.chain.iter().map(|e| e.exception_type.as_str()).collect()
    }

    #[test]
    fn direct_cause_chain_is_outermost_first() {
        let p = corpus("direct_cause");
        assert_eq!(types(&p), ["RuntimeError", "json.decoder.JSONDecodeError"]);
        let outer = &p.chain[0];
        assert_eq!(outer.message, "could not load config /etc/app.json");
        assert_eq!(outer.relation, None);
        let f = &outer.frames[0];
        assert_eq!(f.function, "get_config");
        assert_eq!(f.path.as_deref(), Some("/srv/app/chained.py"));
        assert_eq!(f.line, Some(8));
        assert_eq!(outer.frames.len(), 3);
        assert_eq!(outer.frames[2].function, "<module>");
        let cause = &p.chain[1];
        assert_eq!(cause.relation, Some(Relation::Cause));
        assert_eq!(cause.parent, Some(0));
        assert_eq!(cause.frames.len(), 5, "caret lines are not frames");
        assert_eq!(cause.frames[0].function, "raw_decode");
        assert!(cause.message.starts_with("Expecting property name"));
    }

    #[test]
    fn during_handling_after_log_header() {
        let p = corpus("during");
        assert_eq!(types(&p), ["KeyError", "ZeroDivisionError"]);
        assert_eq!(p.chain[0].message, "'currency'");
        assert_eq!(p.chain[1].relation, Some(Relation::Context));
        assert_eq!(p.chain[1].frames[0].function, "charge");
        assert_eq!(p.chain[1].frames[0].line, Some(5));
    }

    #[test]
    fn previous_line_repeated_is_skipped() {
        let p = corpus("recursion");
        assert_eq!(types(&p), ["RecursionError"]);
        assert_eq!(p.chain[0].frames.len(), 4);
        assert_eq!(p.chain[0].frames[3].function, "<module>");
    }

    #[test]
    fn exception_group_members() {
        let p = corpus("group");
        assert_eq!(types(&p), ["ExceptionGroup", "ValueError", "TypeError"]);
        assert_eq!(p.chain[0].frames[0].function, "work");
        assert_eq!(p.chain[1].relation, Some(Relation::Group));
        assert_eq!(p.chain[2].parent, Some(0));
        assert_eq!(p.chain[2].message, "worse 2");
        let p = corpus("taskgroup");
        assert_eq!(
            types(&p),
            ["ExceptionGroup", "ConnectionError", "TimeoutError"]
        );
        assert_eq!(p.chain[0].frames.len(), 6);
        assert_eq!(p.chain[2].frames[0].function, "fetch");
        assert_eq!(p.chain[2].frames[0].line, Some(5));
    }

    #[test]
    fn syntax_error_frame_without_function() {
        let p = corpus("syntax");
        assert_eq!(types(&p), ["SyntaxError"]);
        let f = &p.chain[0].frames[0];
        assert_eq!(f.path.as_deref(), Some("/srv/app/badmod.py"));
        assert_eq!((f.function.as_str(), f.line), ("", Some(1)));
        assert_eq!(
            p.chain[0].frames[1].path.as_deref(),
            Some("<frozen importlib._bootstrap>")
        );
    }

    #[test]
    fn syntax_error_without_traceback_line() {
        let text = "  File \"/srv/app/main.py\", line 3\n    def f(:\n          ^\nSyntaxError: invalid syntax\n";
        assert!(detect(text));
        let p = parse(text).unwrap();
        assert_eq!(p.chain[0].exception_type, "SyntaxError");
        assert_eq!(p.chain[0].frames[0].line, Some(3));
    }

    #[test]
    fn causes_without_traceback() {
        let p = parse(include_str!(
            "../../tests/data/traces/python_cause_without_traceback.txt"
        ))
        .unwrap();
        assert_eq!(types(&p), ["RuntimeError", "KeyError"]);
        assert_eq!(p.chain[0].frames.len(), 2);
        assert_eq!(p.chain[1].message, "'user:42'");
        assert_eq!(p.chain[1].relation, Some(Relation::Cause));
        assert!(p.chain[1].frames.is_empty());
        let text = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nA: a\n\nDuring handling of the above exception, another exception occurred:\n\nB: b\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"a.py\", line 9, in g\nC: c\n";
        let p = parse(text).unwrap();
        assert_eq!(types(&p), ["C", "B", "A"]);
        assert_eq!(p.chain[1].relation, Some(Relation::Cause));
        assert_eq!(p.chain[2].relation, Some(Relation::Context));
        assert_eq!(p.root_cause().unwrap().exception_type, "A");
    }

    #[test]
    fn second_unrelated_traceback_is_not_chained() {
        let one =
            "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nValueError: x\n";
        let text = format!("{one}\n{one}");
        let p = parse(&text).unwrap();
        assert_eq!(p.chain.len(), 1);
    }

    #[test]
    fn truncated_traceback_still_parses() {
        let p =
            parse("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n").unwrap();
        assert_eq!(p.chain[0].frames.len(), 1);
        assert_eq!(p.chain[0].exception_type, "");
    }
}
