//! Ruby backtraces: `file:line:in 'meth': message (ClassName)` first line, `from file:line:in ...`
//! lines, `block (2 levels) in`, Ruby 3.4 `'Klass#meth'` quoting and the older backtick form,
//! causes printed as further first lines, the Rails log form `Class (message):` + frame lines,
//! and the form Ruby's `Logger` prints an exception in: `message (Class)` + frame lines.

use super::trace::{
    append_line, is_type_name, parse_num, push_frame, ExceptionInfo, Frame, Language,
    ParsedException, Relation, MAX_CHAIN,
};

/// A parsed `path:line:in 'label'` location, plus whatever followed the closing quote.
struct Location<'a> {
    frame: Frame,
    rest: &'a str,
}

/// Parse `path:12:in 'label'rest` (also `` `label' ``); `None` if the shape does not match.
fn location(s: &str) -> Option<Location<'_>> {
    let s = s.trim_start();
    let s = s.strip_prefix("from ").unwrap_or(s);
    let at = s.find(":in ")?;
    let (path, line) = s[..at].rsplit_once(':')?;
    let line = parse_num(line)?;
    if path.is_empty() {
        return None;
    }
    let label = &s[at + 4..];
    let label = label.strip_prefix(['`', '\'']).unwrap_or(label);
    let close = label.find('\'')?;
    let frame = Frame {
        function: label[..close].to_owned(),
        path: Some(path.to_owned()),
        line: Some(line),
        ..Frame::default()
    };
    Some(Location {
        frame,
        rest: &label[close + 1..],
    })
}

/// Whether `line` is a Ruby backtrace location (`file:12:in 'm'...`, with or without `from`).
pub fn is_location_line(line: &str) -> bool {
    location(line).is_some()
}

/// Whether `line` is a `from file:line:in 'm'` continuation line.
pub fn is_from_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("from ") && location(t).is_some()
}

/// `: message (Klass)` after a first-line location → (type, first message line).
fn first_line_exception(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.strip_prefix(": ")?.trim_end();
    if let Some(body) = rest.strip_suffix(')') {
        if let Some(open) = body.rfind(" (") {
            let ty = &body[open + 2..];
            if is_type_name(ty) {
                return Some((ty, &body[..open]));
            }
        } else if let Some(ty) = body.strip_prefix('(').filter(|t| is_type_name(t)) {
            return Some((ty, ""));
        }
    }
    Some(("", rest))
}

/// Whether the text holds a Ruby backtrace.
pub fn detect(text: &str) -> bool {
    let mut previous = None;
    text.lines().take(256).any(|l| {
        let logger_form =
            previous.is_some_and(|p| logger_header(p).is_some()) && location(l).is_some();
        previous = Some(l);
        logger_form
            || is_from_line(l)
            || location(l).is_some_and(|loc| {
                first_line_exception(loc.rest).is_some_and(|(t, _)| !t.is_empty())
            })
            || rails_header(l).is_some()
    })
}

/// `undefined method 'name' for nil (NoMethodError)`: an exception as Ruby's `Logger` prints
/// it, message then class in parentheses (its backtrace follows, one location a line).
fn logger_header(line: &str) -> Option<(&str, &str)> {
    if location(line).is_some() {
        return None; // a backtrace's own first line: `file:1:in 'm': message (Class)`
    }
    let body = line.trim().strip_suffix(')')?;
    let (msg, ty) = body.rsplit_once(" (")?;
    (is_type_name(ty) && ty.bytes().next().is_some_and(|b| b.is_ascii_uppercase()))
        .then_some((ty, msg))
}

/// `ActiveRecord::RecordNotFound (Couldn't find User with 'id'=42):`.
fn rails_header(line: &str) -> Option<(&str, &str)> {
    let body = line.trim().strip_suffix("):")?;
    let (ty, msg) = body.split_once(" (")?;
    (is_type_name(ty) && ty.bytes().next().is_some_and(|b| b.is_ascii_uppercase()))
        .then_some((ty, msg))
}

fn exception(ty: &str, msg: &str, parent: Option<usize>) -> ExceptionInfo {
    ExceptionInfo {
        exception_type: ty.to_owned(),
        message: msg.to_owned(),
        relation: parent.map(|_| Relation::Cause),
        parent,
        ..ExceptionInfo::default()
    }
}

/// Parse the first Ruby backtrace (with its causes) in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let mut chain: Vec<ExceptionInfo> = Vec::new();
    let mut in_message = false;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if chain.is_empty() && lines.peek().is_some_and(|next| location(next).is_some()) {
            if let Some((ty, msg)) = logger_header(line) {
                chain.push(exception(ty, msg, None));
                continue;
            }
        }
        if line.trim().is_empty() {
            in_message = false;
            continue;
        }
        let from = line.trim_start().starts_with("from ");
        if let Some(loc) = location(line) {
            let first = if from {
                None
            } else {
                first_line_exception(loc.rest)
            };
            if let Some((ty, msg)) = first {
                // a new first line: the exception, or the cause of the previous one
                if chain.len() >= MAX_CHAIN {
                    break;
                }
                let parent = chain.len().checked_sub(1);
                chain.push(exception(ty, msg, parent));
                in_message = true;
            } else if chain.is_empty() {
                chain.push(ExceptionInfo::default());
            } else {
                in_message = false;
            }
            if let Some(e) = chain.last_mut() {
                push_frame(&mut e.frames, loc.frame);
            }
        } else if let Some((ty, msg)) = rails_header(line).filter(|_| chain.is_empty()) {
            chain.push(exception(ty, msg, None));
        } else if in_message {
            if let Some(e) = chain.last_mut() {
                append_line(&mut e.message, line.trim_end());
            }
        } else if !chain.is_empty() {
            break;
        }
    }
    ParsedException::new(Language::Ruby, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(text: &str) -> ParsedException {
        crate::parse::detected_and_parsed(detect, parse, text)
    }

    #[test]
    fn backtick_form_with_blocks() {
        let p = corpus(include_str!("../../tests/data/traces/ruby_nomethod.txt"));
        assert_eq!(p.chain.len(), 1);
        let e = &p.chain[0];
        assert_eq!(e.exception_type, "NoMethodError");
        assert_eq!(e.message, "undefined method `amount' for nil:NilClass");
        assert_eq!(e.frames.len(), 7);
        assert_eq!(e.frames[0].function, "total");
        assert_eq!(e.frames[0].line, Some(42));
        assert_eq!(e.frames[1].function, "block (2 levels) in render");
        assert_eq!(e.frames[6].path.as_deref(), Some("bin/billing"));
        assert_eq!(e.frames[6].function, "<main>");
    }

    #[test]
    fn ruby_34_quoting_and_cause() {
        let p = corpus(include_str!("../../tests/data/traces/ruby_34_cause.txt"));
        let types: Vec<_> = p.chain.iter().map(|e| e.exception_type.as_str()).collect();
        assert_eq!(
            types,
            ["OrderService::PlacementError", "Errno::ECONNREFUSED"]
        );
        let e = &p.chain[0];
        assert_eq!(e.message, "could not place order 42");
        assert_eq!(e.frames[0].function, "OrderService#place");
        assert_eq!(e.frames[2].function, "block (2 levels) in OrderService.run");
        assert_eq!(e.frames[3].path.as_deref(), Some("<internal:kernel>"));
        assert_eq!(e.frames.len(), 5);
        let c = &p.chain[1];
        assert_eq!(c.relation, Some(Relation::Cause));
        assert_eq!(
            c.message,
            "connection refused - connect(2) for \"pay.internal\" port 443"
        );
        assert_eq!(c.frames.len(), 3);
    }

    #[test]
    fn multi_line_message() {
        let p = corpus(include_str!("../../tests/data/traces/ruby_multiline.txt"));
        assert_eq!(p.chain[0].exception_type, "RuntimeError");
        assert_eq!(
            p.chain[0].message,
            "invalid config\nmissing key: database.url\nmissing key: redis.url"
        );
        assert_eq!(p.chain[0].frames.len(), 2);
    }

    #[test]
    fn logger_form() {
        let text = "undefined method 'name' for nil (NoMethodError)\n\
                    /app/app/models/user.rb:17:in 'User#display_name'\n\
                    /app/app/controllers/users_controller.rb:9:in 'UsersController#show'";
        let p = corpus(text);
        let e = &p.chain[0];
        assert_eq!(e.exception_type, "NoMethodError");
        assert_eq!(e.message, "undefined method 'name' for nil");
        let functions: Vec<&str> = e.frames.iter().map(|f| f.function.as_str()).collect();
        assert_eq!(functions, ["User#display_name", "UsersController#show"]);
        // a message in parentheses with no backtrace after it is no exception
        assert!(!detect("retrying later (Timeout)\nnext line"));
    }

    #[test]
    fn rails_log_form() {
        let p = corpus(include_str!("../../tests/data/traces/ruby_rails_log.txt"));
        let e = &p.chain[0];
        assert_eq!(e.exception_type, "ActiveRecord::RecordNotFound");
        assert_eq!(e.message, "Couldn't find User with 'id'=42");
        assert_eq!(e.frames.len(), 3);
        assert_eq!(
            e.frames[0].path.as_deref(),
            Some("app/controllers/users_controller.rb")
        );
        assert_eq!(
            e.frames[2].function,
            "block (2 levels) in <module:Callbacks>"
        );
    }
}
