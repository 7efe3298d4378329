//! JVM stack traces (Java, Kotlin, Scala): `Exception in thread`, `Caused by:`, indented
//! `Suppressed:`, `... N more` / `... N common frames omitted`, `java.base/` and `app//` module
//! prefixes, `(Native Method)`, `(Unknown Source)` and Logback's `~[jar:ver]` suffixes.

use super::trace::{
    append_line, indent, push_frame, split_location, split_type_message, ExceptionInfo, Frame,
    Language, ParsedException, Relation, MAX_CHAIN,
};

/// How far above the first frame the exception line is looked for (multi-line messages).
const HEADER_LOOKBACK: usize = 64;

/// Whether `line` is a JVM frame line (`at com.x.Y.m(Y.java:10)`).
pub fn is_frame_line(line: &str) -> bool {
    frame_parts(line.trim()).is_some()
}

/// Split a trimmed `at ...` line into the qualified method and the source inside the parens.
fn frame_parts(trimmed: &str) -> Option<(&str, &str)> {
    let rest = trimmed.strip_prefix("at ")?;
    let open = rest.find('(')?;
    let name = &rest[..open];
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let close = open + rest[open..].find(')')?;
    let source = &rest[open + 1..close];
    let tail = rest[close + 1..].trim();
    // Android/R8 prints `(Unknown Source:12)`
    let known = source == "Native Method" || source.starts_with("Unknown Source");
    if source.is_empty() || (source.contains(' ') && !known) {
        return None;
    }
    // nothing but a Logback packaging suffix (`~[app.jar:1.0]`, `[na:na]`) may follow
    if !(tail.is_empty() || tail.starts_with('[') || tail.starts_with("~[")) {
        return None;
    }
    Some((name, source))
}

/// Parse a frame line into a [`Frame`].
fn parse_frame(trimmed: &str) -> Option<Frame> {
    let (name, source) = frame_parts(trimmed)?;
    // `java.base/`, `java.base@17.0.2/`, `app//`, `loader/module@1.0/`: the class follows the last '/'
    let name = name.rsplit('/').next().unwrap_or(name);
    let (module, function) = match name.rfind('.') {
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

/// Whether a line is a JVM exception line (`pkg.Type: message`, `pkg.Type`).
fn is_exception_line(trimmed: &str) -> bool {
    split_type_message(header(trimmed).1).is_some_and(|(t, _)| t.contains('.'))
}

fn new_exception(text: &str, relation: Option<Relation>, parent: Option<usize>) -> ExceptionInfo {
    let (exception_type, message) = match split_type_message(text) {
        Some((t, m)) => (t.to_owned(), m.to_owned()),
        None => (String::new(), text.to_owned()),
    };
    ExceptionInfo {
        exception_type,
        message,
        relation,
        parent,
        ..ExceptionInfo::default()
    }
}

/// Parse the first JVM stack trace in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let lines: Vec<&str> = text.lines().collect();
    let first_frame = lines.iter().position(|l| is_frame_line(l))?;
    let start = header_start(&lines, first_frame);
    let mut chain: Vec<ExceptionInfo> = Vec::new();
    // (indent of the header line, index in chain): the exceptions that can still take a
    // `Caused by:` (same indent) or a `Suppressed:` (deeper indent)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut in_message = true;
    if let Some(first) = start {
        let (_, rest) = header(lines[first].trim());
        chain.push(new_exception(rest, None, None));
        for l in &lines[first + 1..first_frame] {
            append_line(&mut chain[0].message, l.trim_end());
        }
    } else {
        chain.push(ExceptionInfo::default());
    }
    stack.push((start.map_or(0, |i| indent(lines[i])), 0));
    for line in &lines[first_frame..] {
        let trimmed = line.trim();
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
    if text.contains("\nWrapped by: ") {
        root_cause_first(&mut chain);
    }
    ParsedException::new(Language::Java, chain)
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

/// The line holding the first exception: the nearest exception line above the first frame
/// (lines between are its message), else the line right above.
fn header_start(lines: &[&str], first_frame: usize) -> Option<usize> {
    let from = first_frame.saturating_sub(HEADER_LOOKBACK);
    (from..first_frame)
        .rev()
        .find(|&i| is_exception_line(lines[i].trim()))
        .or_else(|| first_frame.checked_sub(1))
        .filter(|&i| !lines[i].trim().is_empty())
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
