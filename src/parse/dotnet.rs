//! .NET exceptions: `Type: message ---> Inner: message` headers, frames
//! `at Ns.Class.Method(args) in /path/File.cs:line 42`, `--- End of inner exception stack trace ---`
//! (frame blocks innermost first), async `<Method>d__5.MoveNext()` frames,
//! `--- End of stack trace from previous location ---` and `AggregateException` members.

use super::trace::{
    is_type_name, parse_num, push_frame, ExceptionInfo, Frame, Language, ParsedException, Relation,
    MAX_CHAIN,
};

const INNER: &str = " ---> ";
const END_OF_INNER: &str = "--- End of inner exception stack trace ---";
const HEADER_LOOKBACK: usize = 32;

/// Split a trimmed `at ...` line into the qualified method, its argument list and the
/// ` in path:line N` part. Mono's form (`at Ns.C.M (String s) [0x00012] in /x/C.cs:42`) has a
/// space before the arguments and must carry an offset or location after them.
fn frame_parts(trimmed: &str) -> Option<(&str, &str, &str)> {
    let rest = trimmed.strip_prefix("at ")?;
    let rest = rest.strip_suffix("<---").unwrap_or(rest).trim_end();
    let open = rest.find('(')?;
    let raw_name = &rest[..open];
    let name = raw_name.trim_end();
    let mono = name.len() < raw_name.len();
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let close = open + rest[open..].find(')')?;
    let args = &rest[open + 1..close];
    let mut tail = rest[close + 1..].trim();
    if mono {
        if !(tail.starts_with('[') || tail.starts_with('<') || tail.starts_with("in ")) {
            return None;
        }
        if let Some((_, after)) = tail
            .split_once([']', '>'])
            .filter(|_| !tail.starts_with("in "))
        {
            tail = after.trim_start();
        }
    }
    // .NET prints `()` or typed parameters (`Int32 id`); JVM parens hold a file name
    let dotnet_args = args.is_empty()
        || (args.contains(' ') && !matches!(args, "Native Method" | "Unknown Source"));
    if !dotnet_args || !(tail.is_empty() || tail.starts_with("in ")) {
        return None;
    }
    Some((name, args, tail.strip_prefix("in ").unwrap_or("")))
}

/// Whether `line` is a .NET frame line.
pub fn is_frame_line(line: &str) -> bool {
    frame_parts(line.trim()).is_some()
}

fn parse_frame(trimmed: &str) -> Option<Frame> {
    let (name, _, location) = frame_parts(trimmed)?;
    let (module, function) = split_method(name);
    let mut frame = Frame {
        function: function.to_owned(),
        module: module.map(str::to_owned),
        ..Frame::default()
    };
    if !location.is_empty() {
        // `path:line 42` (.NET) or `path:42` (Mono)
        let (path, line) = if let Some((p, n)) = location.rsplit_once(":line ") {
            (p, parse_num(n.trim()))
        } else {
            let (p, line, _) = super::trace::split_location(location);
            (p, line)
        };
        if !path.starts_with("<filename unknown>") {
            frame.path = Some(path.to_owned());
            frame.line = line;
        }
    }
    Some(frame)
}

/// `Ns.Class.<Run>d__5.MoveNext` → (`Ns.Class`, `<Run>d__5.MoveNext`); `Ns.List`1..ctor` →
/// (`Ns.List`1`, `.ctor`); otherwise split at the last dot.
fn split_method(name: &str) -> (Option<&str>, &str) {
    for ctor in ["..ctor", "..cctor"] {
        if let Some(m) = name.strip_suffix(ctor) {
            return (Some(m), &name[m.len() + 1..]);
        }
    }
    let mut depth = 0i32;
    let mut last_dot = None;
    for (i, b) in name.bytes().enumerate() {
        match b {
            b'<' => {
                if depth == 0 && i > 0 && name.as_bytes()[i - 1] == b'.' {
                    // compiler-generated names: the method is everything from here on
                    return (Some(&name[..i - 1]), &name[i..]);
                }
                depth += 1;
            }
            b'>' => depth -= 1,
            b'.' if depth == 0 => last_dot = Some(i),
            _ => {}
        }
    }
    match last_dot {
        Some(i) if i > 0 => (Some(&name[..i]), &name[i + 1..]),
        _ => (None, name),
    }
}

/// `System.X (0x80131904): msg` / `System.X: msg` / `System.X` → (type, message).
fn type_and_message(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    let text = text.strip_prefix("Unhandled exception. ").unwrap_or(text);
    let end = text.find([':', ' ']).unwrap_or(text.len());
    let ty = &text[..end];
    if !is_type_name(ty) || !ty.contains('.') {
        return None;
    }
    let mut rest = &text[end..];
    if let Some(after) = rest.strip_prefix(" (0x") {
        rest = after.split_once(')').map_or("", |(_, r)| r);
    }
    let msg = match rest.strip_prefix(':') {
        Some(m) => m.trim_start(),
        None if rest.trim().is_empty() => "",
        None => return None,
    };
    Some((ty, msg))
}

fn new_exception(
    segment: &str,
    relation: Option<Relation>,
    parent: Option<usize>,
) -> ExceptionInfo {
    let (ty, msg) = type_and_message(segment).unwrap_or(("", segment));
    ExceptionInfo {
        exception_type: ty.to_owned(),
        message: msg.trim_end().to_owned(),
        relation,
        parent,
        ..ExceptionInfo::default()
    }
}

/// Parse the first .NET exception in `text`.
pub fn parse(text: &str) -> Option<ParsedException> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines
        .iter()
        .position(|l| is_frame_line(l) || l.trim() == END_OF_INNER)?;
    let from = first.saturating_sub(HEADER_LOOKBACK);
    let start = (from..first)
        .rev()
        .find(|&i| type_and_message(lines[i]).is_some())
        .or_else(|| first.checked_sub(1));
    let header = start.map_or_else(String::new, |s| lines[s..first].join("\n"));
    let mut chain: Vec<ExceptionInfo> = Vec::new();
    for segment in header.split(INNER.trim_start()).take(MAX_CHAIN) {
        let (rel, parent) = match chain.len() {
            0 => (None, None),
            n => (Some(Relation::Inner), Some(n - 1)),
        };
        chain.push(new_exception(segment.trim(), rel, parent));
    }
    let separators = lines[first..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with("---> ("))
        .filter(|l| l.trim() == END_OF_INNER)
        .count();
    let last = chain.len() - 1;
    // blocks are printed innermost first; the last block belongs to the outermost exception
    let mut target = separators.min(last);
    let mut block = 0usize;
    for line in &lines[first..] {
        let trimmed = line.trim();
        if let Some(frame) = parse_frame(trimmed) {
            push_frame(&mut chain[target].frames, frame);
        } else if trimmed == END_OF_INNER {
            if target > last {
                continue; // inside an aggregate member: its own inner blocks stay with it
            }
            block += 1;
            target = separators.saturating_sub(block).min(last);
        } else if trimmed.starts_with("--- End of stack trace from previous location") {
        } else if let Some(rest) = trimmed.strip_prefix("---> (Inner Exception #") {
            if chain.len() >= MAX_CHAIN {
                break;
            }
            let segment = rest.split_once(") ").map_or("", |(_, s)| s);
            chain.push(new_exception(segment, Some(Relation::Group), Some(0)));
            target = chain.len() - 1;
        } else if trimmed.is_empty() || trimmed == "<---" {
        } else {
            break;
        }
    }
    ParsedException::new(Language::DotNet, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(p: &ParsedException) -> Vec<&str> {
        p.chain.iter().map(|e| e.exception_type.as_str()).collect()
    }

    #[test]
    fn inner_exceptions_on_one_line() {
        let p = parse(include_str!("../../tests/data/traces/dotnet_inner.txt")).unwrap();
        assert_eq!(
            types(&p),
            [
                "System.InvalidOperationException",
                "Acme.Orders.Data.StorageException",
                "System.IO.IOException"
            ]
        );
        assert_eq!(p.chain[0].message, "Could not place order 42");
        assert_eq!(p.chain[2].message, "Disk full");
        assert_eq!(p.chain[2].relation, Some(Relation::Inner));
        assert_eq!(p.chain[2].parent, Some(1));
        let inner = &p.chain[2].frames;
        assert_eq!(inner.len(), 2);
        assert_eq!(
            inner[0].module.as_deref(),
            Some("Acme.Orders.Data.FileStore")
        );
        assert_eq!(inner[0].function, "Write");
        assert_eq!(
            inner[0].path.as_deref(),
            Some("/src/Acme.Orders/Data/FileStore.cs")
        );
        assert_eq!(inner[0].line, Some(88));
        let mid = &p.chain[1].frames;
        assert_eq!(mid.len(), 2);
        assert_eq!(
            mid[1].module.as_deref(),
            Some("Acme.Orders.Services.OrderService")
        );
        assert_eq!(mid[1].function, "<PlaceOrderAsync>d__5.MoveNext");
        let outer = &p.chain[0].frames;
        assert_eq!(
            outer.len(),
            5,
            "across `End of stack trace from previous location`"
        );
        assert_eq!(outer[1].path, None);
        assert_eq!(outer[3].function, "<Create>d__3.MoveNext");
        assert_eq!(outer[4].function, "Execute");
    }

    #[test]
    fn core_unhandled_lambdas_generics() {
        let p = parse(include_str!("../../tests/data/traces/dotnet_core.txt")).unwrap();
        assert_eq!(types(&p), ["System.ArgumentNullException"]);
        assert_eq!(
            p.chain[0].message,
            "Value cannot be null. (Parameter 'customerId')"
        );
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 7);
        assert_eq!(
            f[0].path.as_deref(),
            Some("C:\\build\\Acme.Billing\\InvoiceBuilder.cs")
        );
        assert_eq!(f[1].module.as_deref(), Some("Acme.Billing.Program"));
        assert_eq!(f[1].function, "<>c__DisplayClass0_0.<Main>b__0");
        assert_eq!(
            (f[3].module.as_deref(), f[3].function.as_str()),
            (Some("System.Collections.Generic.List`1"), ".ctor")
        );
        assert_eq!(f[4].function, "LoadAll[TKey]");
        assert_eq!(f[6].function, "<Main>");
    }

    #[test]
    fn framework_hresult_and_multiline_message() {
        let p = parse(include_str!("../../tests/data/traces/dotnet_framework.txt")).unwrap();
        assert_eq!(
            types(&p),
            [
                "System.Data.SqlClient.SqlException",
                "System.ComponentModel.Win32Exception"
            ]
        );
        assert!(p.chain[0]
            .message
            .ends_with("The statement has been terminated."));
        assert!(p.chain[1].frames.is_empty());
        assert_eq!(p.chain[0].frames.len(), 3);
        assert_eq!(p.chain[0].frames[1].line, Some(114));
    }

    #[test]
    fn aggregate_members() {
        let p = parse(include_str!("../../tests/data/traces/dotnet_aggregate.txt")).unwrap();
        assert_eq!(
            types(&p),
            [
                "System.AggregateException",
                "System.Net.Http.HttpRequestException",
                "System.Net.Http.HttpRequestException"
            ]
        );
        assert_eq!(p.chain[1].frames.len(), 1);
        assert_eq!(p.chain[0].frames.len(), 2);
        assert_eq!(p.chain[2].relation, Some(Relation::Group));
        assert_eq!(p.chain[2].message, "Name or service not known");
        assert_eq!(p.chain[2].frames[0].line, Some(40));
    }

    #[test]
    fn mono_frames() {
        let text = "System.NullReferenceException: Object reference not set to an instance of an object\n  at Game.Player.Update (System.Single dt) [0x00012] in /build/Game/Player.cs:42 \n  at Game.Loop.Tick () [0x00000] in <filename unknown>:0 \n";
        let p = parse(text).unwrap();
        let f = &p.chain[0].frames;
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[0].module.as_deref(), f[0].function.as_str()),
            (Some("Game.Player"), "Update")
        );
        assert_eq!(
            (f[0].path.as_deref(), f[0].line),
            (Some("/build/Game/Player.cs"), Some(42))
        );
        assert_eq!((f[1].path.as_deref(), f[1].line), (None, None));
    }

    #[test]
    fn jvm_and_v8_lines_are_not_dotnet_frames() {
        assert!(!is_frame_line("\tat com.x.A.b(A.java:3)"));
        assert!(!is_frame_line("\tat a.B.c(Native Method)"));
        assert!(!is_frame_line("    at getUser (/app/users.js:12:18)"));
        assert!(!is_frame_line(
            "    at getUser (/Users/J Smith/app/users.js:12:18)"
        ));
        assert!(!is_frame_line("    at Promise.all (index 0)"));
        assert!(is_frame_line("   at A.B.C()"));
    }
}
