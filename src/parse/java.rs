//! JVM stack traces (Java, Kotlin, Scala): `Exception in thread`, `Caused by:`, indented
//! `Suppressed:`, `... N more` / `... N common frames omitted`, `java.base/` and `app//` module
//! prefixes, `(Native Method)`, `(Unknown Source)` and Logback's `~[jar:ver]` suffixes; the
//! exceptions a message names after `; nested exception is` (Spring, javax, RMI) are causes too.

use super::trace::{
    append_line, has_line_starting_with, indent, lines_before, push_frame, split_location,
    split_type_message, ExceptionInfo, Frame, Language, Lines, ParsedException, Relation,
    MAX_CHAIN,
};
use super::trim;

/// How far above the first frame the exception line is looked for (multi-line messages).
const HEADER_LOOKBACK: usize = 64;

/// Whether `line` is a JVM frame line (`at com.x.Y.m(Y.java:10)`).
pub fn is_frame_line(line: &str) -> bool {
    frame_parts(trim(line)).is_some()
}

/// Split a trimmed `at ...` line into the qualified method and the source inside the parens.
fn frame_parts(trimmed: &str) -> Option<(&str, &str)> {
    let rest = trimmed.strip_prefix("at ")?;
    let bytes = rest.as_bytes();
    // the name runs up to the first '(' and holds no space
    let open = memchr::memchr2(b'(', b' ', bytes)?;
    if open == 0 || bytes[open] != b'(' {
        return None;
    }
    let close = open + memchr::memchr(b')', &bytes[open..])?;
    let source = &rest[open + 1..close];
    let tail = trim(&rest[close + 1..]);
    // Android/R8 prints `(Unknown Source:12)`
    let known = source == "Native Method" || source.starts_with("Unknown Source");
    if source.is_empty() || (source.as_bytes().contains(&b' ') && !known) {
        return None;
    }
    // a JVM source has a line, never a column (`at f(x.js:6:4)` is V8's)
    if split_location(source).2.is_some() {
        return None;
    }
    // nothing but a Logback packaging suffix (`~[app.jar:1.0]`, `[na:na]`) may follow
    if !(tail.is_empty() || tail.starts_with('[') || tail.starts_with("~[")) {
        return None;
    }
    Some((&rest[..open], source))
}

/// Parse a frame line into a [`Frame`].
fn parse_frame(trimmed: &str) -> Option<Frame> {
    let (name, source) = frame_parts(trimmed)?;
    // `java.base/`, `java.base@17.0.2/`, `app//`, `loader/module@1.0/`: the class follows the last '/'
    let name = memchr::memrchr(b'/', name.as_bytes()).map_or(name, |i| &name[i + 1..]);
    let (module, function) = match name.bytes().rposition(|b| b == b'.') {
        Some(i) if i > 0 => (Some(name[..i].to_owned()), &name[i + 1..]),
        _ => (None, name),
    };
    let mut frame = Frame {
        function: function.to_owned(),
        module,
        ..Frame::default()
    };
    if let Some(line) = source.strip_prefix("Unknown Source:") {
        frame.line = super::trace::parse_num(line);
    } else if !matches!(source, "Native Method" | "Unknown Source" | "<generated>") {
        let (path, line, _) = split_location(source);
        frame.path = Some(path.to_owned());
        frame.line = line;
    }
    Some(frame)
}

/// A header line: `Caused by: X`, `Suppressed: X`, or the first exception.
fn header(trimmed: &str) -> (Option<Relation>, &str) {
    if let Some(rest) = trimmed
        .strip_prefix("Caused by: ")
        .or_else(|| trimmed.strip_prefix("Wrapped by: "))
    {
        (Some(Relation::Cause), rest)
    } else if let Some(rest) = trimmed.strip_prefix("Suppressed: ") {
        (Some(Relation::Suppressed), rest)
    } else {
        (None, strip_thread_prefix(trimmed))
    }
}

/// `Exception in thread "main" java.lang.X: m` → `java.lang.X: m`.
fn strip_thread_prefix(trimmed: &str) -> &str {
    if let Some(rest) = trimmed.strip_prefix("Exception in thread \"") {
        if let Some(i) = rest.find("\" ") {
            return &rest[i + 2..];
        }
    }
    trimmed
}

/// The type and message of a JVM exception line (`pkg.Type: message`, `pkg.Type`), after any
/// `Caused by: ` or thread prefix.
fn exception_line(trimmed: &str) -> Option<(&str, &str)> {
    split_type_message(header(trimmed).1).filter(|(t, _)| t.contains('.'))
}

/// An exception from the text after its `Caused by: ` (or other) prefix.
fn new_exception(text: &str, relation: Option<Relation>, parent: Option<usize>) -> ExceptionInfo {
    let split = split_type_message(text);
    exception(split.unwrap_or(("", text)), relation, parent)
}

/// An exception from its type and message.
fn exception(
    (exception_type, message): (&str, &str),
    relation: Option<Relation>,
    parent: Option<usize>,
) -> ExceptionInfo {
    ExceptionInfo {
        exception_type: exception_type.to_owned(),
        message: message.to_owned(),
        relation,
        parent,
        ..ExceptionInfo::default()
    }
}

/// Logback's `rootCauseFirst` marker, at the start of a line.
const WRAPPED_BY: &str = "Wrapped by: ";

/// Parse the first JVM stack trace in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let mut lines = Lines::new(text);
    let (frame_start, first_frame) = lines
        .by_ref()
        .find_map(|(at, line)| parse_frame(trim(line)).map(|f| (at, f)))?;
    let mut chain: Vec<ExceptionInfo> = Vec::new();
    // (indent of the header line, index in chain): the exceptions that can still take a
    // `Caused by:` (same indent) or a `Suppressed:` (deeper indent)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    match header_start(text, frame_start) {
        Some((at, line, split)) => {
            let mut first = match split {
                Some(split) => exception(split, None, None),
                None => new_exception(header(trim(line)).1, None, None),
            };
            for l in text[at..frame_start].lines().skip(1) {
                append_line(&mut first.message, l.trim_end());
            }
            chain.push(first);
            stack.push((indent(line), 0));
        }
        None => {
            chain.push(ExceptionInfo::default());
            stack.push((0, 0));
        }
    }
    push_frame(&mut chain[0].frames, first_frame);
    let mut in_message = false;
    // whether a line of the trace (none of them the first line of `text`) starts with
    // `Wrapped by: ` (see `root_cause_first`)
    let mut wrapped = false;
    for (_, line) in lines.by_ref() {
        wrapped |= line.starts_with(WRAPPED_BY);
        let trimmed = trim(line);
        if let Some(frame) = parse_frame(trimmed) {
            in_message = false;
            if let Some(&(_, idx)) = stack.last() {
                push_frame(&mut chain[idx].frames, frame);
            }
            continue;
        }
        if trimmed.starts_with("... ")
            && (trimmed.ends_with(" more") || trimmed.ends_with(" omitted"))
        {
            continue;
        }
        let (relation, rest) = header(trimmed);
        if let Some(rel) = relation {
            if chain.len() >= MAX_CHAIN {
                break;
            }
            let level = indent(line);
            let parent = attach(&mut stack, level, rel);
            chain.push(new_exception(rest, Some(rel), parent));
            stack.push((level, chain.len() - 1));
            in_message = true;
        } else if in_message && !trimmed.is_empty() {
            if let Some(&(_, idx)) = stack.last() {
                append_line(&mut chain[idx].message, line.trim_end());
            }
        } else {
            break;
        }
    }
    // The marker counts anywhere in the text, also above the first frame and below the trace;
    // the lines of the trace were checked one by one, only the rest is searched (from the line
    // break that ends the last line looked at).
    if is_linear_cause_chain(&chain)
        && (wrapped || {
            let bytes = text.as_bytes();
            has_line_starting_with(&bytes[..frame_start], WRAPPED_BY)
                || has_line_starting_with(&bytes[lines.offset() - 1..], WRAPPED_BY)
        })
    {
        root_cause_first(&mut chain);
    }
    add_nested_causes(&mut chain);
    ParsedException::new(Language::Java, chain)
}

/// Whether the chain has more than one exception, each the cause of the one before (the only
/// chains [`root_cause_first`] changes).
fn is_linear_cause_chain(chain: &[ExceptionInfo]) -> bool {
    chain.len() > 1
        && chain
            .iter()
            .skip(1)
            .all(|e| e.relation == Some(Relation::Cause))
}

/// Logback's `rootCauseFirst` prints the root cause first and each wrapper after it as
/// `Wrapped by:`; turn such a (linear) chain outermost first. Chains with suppressed exceptions
/// are left as printed.
fn root_cause_first(chain: &mut [ExceptionInfo]) {
    if chain
        .iter()
        .skip(1)
        .any(|e| e.relation != Some(Relation::Cause))
    {
        return;
    }
    chain.reverse();
    for (i, e) in chain.iter_mut().enumerate() {
        e.relation = (i > 0).then_some(Relation::Cause);
        e.parent = i.checked_sub(1);
    }
}

/// Pop the exceptions a new `Caused by:`/`Suppressed:` at `level` cannot belong to and return
/// its parent. A cause replaces its parent on the stack (the next cause chains onto it).
fn attach(stack: &mut Vec<(usize, usize)>, level: usize, rel: Relation) -> Option<usize> {
    if rel == Relation::Suppressed {
        while stack.len() > 1 && stack.last().is_some_and(|&(l, _)| l >= level) {
            stack.pop();
        }
        stack.last().map(|&(_, i)| i)
    } else {
        while stack.len() > 1 && stack.last().is_some_and(|&(l, _)| l > level) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, i)| i);
        if stack.len() > 1 || stack.last().is_some_and(|&(l, _)| l == level) {
            stack.pop();
        }
        parent
    }
}

/// `; nested exception is` (Spring's `NestedRuntimeException`, javax/RMI's `; nested exception
/// is: ` + a new line): the message goes on with the wrapped exception.
const NESTED: &str = "; nested exception is";

/// Whether the line before the one at `at` ends with `nested exception is:` (RMI prints the
/// wrapped exception on the next line, indented: that line is message, not the header).
fn follows_nested_marker(text: &str, at: usize) -> bool {
    lines_before(text, at)
        .next()
        .is_some_and(|(_, l)| trim(l).ends_with("nested exception is:"))
}

/// The exception a message names after `; nested exception is` (`java.io.IOException: x`).
fn nested_in(message: &str) -> Option<(&str, &str)> {
    let i = memchr::memmem::find(message.as_bytes(), NESTED.as_bytes())?;
    let rest = message[i + NESTED.len()..]
        .strip_prefix(':')
        .unwrap_or(&message[i + NESTED.len()..]);
    split_type_message(rest).filter(|(t, _)| t.contains('.'))
}

/// Add the exceptions that messages name after `; nested exception is` as causes, where the
/// trace printed no `Caused by:` for them (a trace cut short, a runtime that kept the cause in
/// the message only). One printed as `Caused by:` is not added twice.
fn add_nested_causes(chain: &mut Vec<ExceptionInfo>) {
    let mut i = 0;
    while i < chain.len() && chain.len() < MAX_CHAIN {
        let has_cause = chain[i + 1..]
            .iter()
            .any(|e| e.parent == Some(i) && e.relation == Some(Relation::Cause));
        if !has_cause {
            if let Some(split) = nested_in(&chain[i].message) {
                let nested = exception(split, Some(Relation::Cause), Some(i));
                for e in &mut chain[i + 1..] {
                    if let Some(p) = e.parent.as_mut().filter(|p| **p > i) {
                        *p += 1;
                    }
                }
                chain.insert(i + 1, nested);
            }
        }
        i += 1;
    }
}

/// An exception's type and message.
type TypeMessage<'a> = (&'a str, &'a str);

/// The line holding the first exception, as (offset, line, its type and message when it is an
/// exception line): the nearest exception line above the first frame (lines between are its
/// message), else the line right above. `frame_start` is the offset of the first frame line.
fn header_start(text: &str, frame_start: usize) -> Option<(usize, &str, Option<TypeMessage<'_>>)> {
    lines_before(text, frame_start)
        .take(HEADER_LOOKBACK)
        .filter(|&(at, _)| !follows_nested_marker(text, at))
        .find_map(|(at, line)| exception_line(trim(line)).map(|split| (at, line, Some(split))))
        .or_else(|| {
            lines_before(text, frame_start)
                .next()
                .map(|(at, line)| (at, line, None))
        })
        .filter(|(_, line, _)| !trim(line).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(p: &ParsedException) -> Vec<&str> {
        p.chain.iter().map(|e| e.exception_type.as_str()).collect()
    }

    #[test]
    fn caused_by_and_suppressed() {
        let text = include_str!("../../tests/data/traces/java_caused_suppressed.txt");
        let p = parse(text).unwrap();
        assert_eq!(
            types(&p),
            [
                "java.lang.IllegalArgumentException",
                "java.lang.RuntimeException",
                "java.lang.NumberFormatException",
                "java.lang.IllegalStateException"
            ]
        );
        assert_eq!(p.chain[0].message, "checkout failed");
        let top = &p.chain[0].frames;
        assert_eq!(top[0].module.as_deref(), Some("com.acme.shop.App$1"));
        assert_eq!(top[0].function, "run");
        assert_eq!(top[0].path.as_deref(), Some("App.java"));
        assert_eq!(top[0].line, Some(18));
        assert_eq!(top[1].module.as_deref(), Some("java.lang.Thread"));
        assert_eq!(p.chain[1].parent, Some(0));
        assert_eq!(p.chain[2].parent, Some(1));
        assert_eq!(p.chain[2].frames.len(), 7);
        assert_eq!(p.chain[2].frames[4].function, "lambda$load$0");
        assert_eq!(p.chain[2].message, "For input string: \"12x\"");
        assert_eq!(p.chain[3].relation, Some(Relation::Suppressed));
        assert_eq!(p.chain[3].parent, Some(2));
        assert_eq!(p.chain[3].frames.len(), 2);
        assert_eq!(
            p.root_cause().unwrap().exception_type,
            "java.lang.NumberFormatException"
        );
    }

    #[test]
    fn logback_suffixes_modules_kotlin_scala() {
        let text = include_str!("../../tests/data/traces/java_logback.txt");
        let p = parse(text).unwrap();
        assert_eq!(
            types(&p),
            [
                "org.springframework.dao.DataAccessResourceFailureException",
                "org.hibernate.exception.JDBCConnectionException",
                "java.sql.SQLTransientConnectionException"
            ]
        );
        assert!(p.chain[0]
            .message
            .starts_with("Unable to acquire JDBC Connection; nested"));
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 8);
        assert_eq!(f[1].function, "createInvoice");
        assert_eq!(f[1].path, None);
        assert_eq!(f[3].path, None, "Unknown Source");
        assert_eq!(f[4].function, "invoke0");
        assert_eq!(
            f[4].module.as_deref(),
            Some("jdk.internal.reflect.NativeMethodAccessorImpl")
        );
        assert_eq!(f[5].module.as_deref(), Some("java.lang.reflect.Method"));
        let kt = &p.chain[1].frames[1];
        assert_eq!(kt.module.as_deref(), Some("com.acme.billing.db.Pool"));
        assert_eq!((kt.path.as_deref(), kt.line), (Some("Pool.kt"), Some(41)));
        let scala = &p.chain[2].frames;
        assert_eq!(
            scala[4].module.as_deref(),
            Some("com.acme.billing.Reports$$anonfun$run$1")
        );
        assert_eq!(
            (scala[5].path.as_deref(), scala[5].line),
            (Some("Reports.scala"), None)
        );
        assert_eq!(p.chain[2].parent, Some(1));
    }

    #[test]
    fn multi_line_message() {
        let text = include_str!("../../tests/data/traces/java_multiline_message.txt");
        let p = parse(text).unwrap();
        assert_eq!(types(&p), ["java.lang.IllegalStateException"]);
        assert_eq!(
            p.chain[0].message,
            "validation failed:\n  - field 'email' is required\n  - field 'age' must be >= 18"
        );
        assert_eq!(p.chain[0].frames.len(), 2);
    }

    #[test]
    fn nested_suppressed_cause_and_headerless() {
        let text = "java.io.IOException: a\n\tat A.a(A.java:1)\n\tSuppressed: java.lang.E1: s\n\t\tat S.s(S.java:2)\n\tCaused by: java.lang.E2: sc\n\t\tat T.t(T.java:3)\nCaused by: java.lang.E3: c\n\tat C.c(C.java:4)\n";
        let p = parse(text).unwrap();
        let parents: Vec<_> = p.chain.iter().map(|e| e.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(1), Some(0)]);
        assert_eq!(p.root_cause().unwrap().exception_type, "java.lang.E3");
        let p = parse("\tat com.x.A.b(A.java:3)\n\tat com.x.A.c(A.java:9)\n").unwrap();
        assert_eq!(p.chain[0].exception_type, "");
        assert_eq!(p.chain[0].frames.len(), 2);
    }

    #[test]
    fn logback_root_cause_first() {
        let text = "java.net.ConnectException: Connection refused\n\tat sun.nio.ch.Net.connect0(Native Method)\n\tat com.acme.db.Client.open(Client.java:40)\nWrapped by: com.acme.db.DbException: could not connect\n\tat com.acme.db.Client.open(Client.java:44)\n\t... 3 common frames omitted\nWrapped by: java.lang.IllegalStateException: startup failed\n\tat com.acme.Main.main(Main.java:12)\n";
        let p = parse(text).unwrap();
        assert_eq!(
            types(&p),
            [
                "java.lang.IllegalStateException",
                "com.acme.db.DbException",
                "java.net.ConnectException"
            ]
        );
        assert_eq!(p.chain[0].relation, None);
        assert_eq!(p.chain[2].parent, Some(1));
        assert_eq!(p.chain[2].frames.len(), 2);
        assert_eq!(
            p.root_cause().unwrap().exception_type,
            "java.net.ConnectException"
        );
    }

    #[test]
    fn rmi_nested_exception_lines_are_message_not_header() {
        let text = include_str!("../../tests/data/traces/java_rmi_nested.txt");
        let p = parse(text).unwrap();
        assert_eq!(
            types(&p),
            [
                "java.rmi.ServerException",
                "java.rmi.RemoteException",
                "java.io.IOException"
            ]
        );
        assert_eq!(
            p.chain[0].message,
            "RemoteException occurred in server thread; nested exception is:\n\tjava.rmi.RemoteException: ledger write failed; nested exception is:\n\tjava.io.IOException: disk quota exceeded: /var/ledger/a17"
        );
        assert_eq!(p.chain[0].frames.len(), 2);
        assert_eq!(p.chain[0].frames[0].function, "handle");
        assert_eq!(p.chain[0].frames[0].line, Some(27));
        assert_eq!(p.chain[1].frames[0].function, "append");
        assert_eq!(p.chain[2].parent, Some(1));
        assert_eq!(p.chain[2].frames[0].function, "readBlock");
        assert_eq!(
            p.root_cause().unwrap().message,
            "disk quota exceeded: /var/ledger/a17"
        );
    }

    #[test]
    fn spring_nested_exception_is_a_cause() {
        let text = include_str!("../../tests/data/traces/java_spring_nested.txt");
        let spring = [
            "org.springframework.web.util.NestedServletException",
            "org.springframework.dao.DataIntegrityViolationException",
            "org.hibernate.exception.ConstraintViolationException",
        ];
        // printed as `Caused by:` too: each cause once, with its frames
        let p = parse(text).unwrap();
        assert_eq!(types(&p), spring);
        assert_eq!(p.chain[1].frames.len(), 6);
        assert_eq!(p.chain[2].frames[2].function, "save");
        // cut before the first `Caused by:` (a line limit): the causes come from the message
        let cut = text.lines().take(11).collect::<Vec<_>>().join("\n");
        let p = parse(&cut).unwrap();
        assert_eq!(types(&p), spring);
        assert_eq!(p.chain[0].frames.len(), 9);
        assert!(p.chain[1].frames.is_empty());
        assert_eq!(p.chain[1].relation, Some(Relation::Cause));
        assert_eq!(p.chain[2].parent, Some(1));
        assert_eq!(
            p.chain[1].message,
            "could not execute statement; SQL [n/a]; constraint [uk_customer_email]; nested exception is org.hibernate.exception.ConstraintViolationException: could not execute statement"
        );
        assert_eq!(
            p.root_cause().unwrap().message,
            "could not execute statement"
        );
        // javax style, the wrapped exception on the next line; one `Suppressed:` child kept apart
        let text = "javax.naming.CommunicationException: ldap.acme.internal:389; nested exception is: \n\tjava.net.ConnectException: Connection refused\n\tat com.sun.jndi.ldap.Connection.<init>(Connection.java:252)\n\tat com.acme.auth.Directory.lookup(Directory.java:40)\n\tSuppressed: java.lang.IllegalStateException: closed\n\t\tat com.acme.auth.Pool.close(Pool.java:9)\n";
        let p = parse(text).unwrap();
        assert_eq!(
            types(&p),
            [
                "javax.naming.CommunicationException",
                "java.net.ConnectException",
                "java.lang.IllegalStateException"
            ]
        );
        assert_eq!(p.chain[1].message, "Connection refused");
        assert_eq!(p.chain[2].relation, Some(Relation::Suppressed));
        assert_eq!(p.chain[2].parent, Some(0));
        assert_eq!(
            p.root_cause().unwrap().exception_type,
            "java.net.ConnectException"
        );
    }

    #[test]
    fn non_jvm_at_lines_are_not_frames() {
        assert!(!is_frame_line("    at getUser (/app/users.js:12:18)"));
        assert!(!is_frame_line(
            "   at App.Svc.Run(Int32 id) in /src/Svc.cs:line 4"
        ));
        assert!(!is_frame_line("   at App.Svc.Run()"));
        assert!(is_frame_line("\tat a.B.c(Native Method)"));
        let f = parse_frame("at com.acme.a.b(Unknown Source:12)").unwrap();
        assert_eq!((f.path, f.line), (None, Some(12)));
    }
}
