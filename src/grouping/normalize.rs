//! Normalization for fingerprints: function names without compiler-generated numbers and
//! hashes, paths without volatile parts, messages with variables masked.

use crate::parse::Language;

/// Longest masked message kept, in bytes.
const MAX_MASKED: usize = 256;

/// Strip what changes between builds or call sites but not the code: Java/Kotlin/Scala lambda
/// and anonymous-class numbers (`lambda$main$0`, `App$1`, `$$Lambda$12/0x...`), Go closure
/// numbers (`func1.2`), .NET state machines and lambdas (`<Run>d__5.MoveNext` → `Run`),
/// Rust symbol hashes (`::h0123456789abcdef`, `std[0123456789abcdef]`), Node `[as x]` aliases and
/// PHP 8.4 closure locations (`{closure:/app/x.php:12}` → `{closure}`).
pub fn normalize_function(name: &str, language: Language) -> String {
    let name = name.trim();
    match language {
        Language::Java => java(name),
        Language::Go => go(name),
        Language::DotNet => dotnet(name),
        Language::Rust => rust(name),
        Language::Node => {
            let name = name.strip_prefix("async ").unwrap_or(name);
            match name.find(" [as ") {
                Some(i) if name.ends_with(']') => name[..i].to_owned(),
                _ => name.to_owned(),
            }
        }
        Language::Php => php(name),
        Language::Python | Language::Ruby => name.to_owned(),
    }
}

/// PHP 8.4 names closures by where they are (`{closure:App\Cart::total():18}`) and anonymous
/// classes by file and a counter (`class@anonymous/app/x.php:3$0`): both drop what follows.
fn php(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(i) = rest.find("{closure:") {
        out.push_str(&rest[..i]);
        out.push_str("{closure}");
        rest = rest[i..].find('}').map_or("", |end| &rest[i + end + 1..]);
    }
    out.push_str(rest);
    if let Some(i) = out.find("@anonymous") {
        let end = i + "@anonymous".len();
        let tail = out[end..].find("->").or_else(|| out[end..].find("::"));
        let tail = tail.map(|t| out[end + t..].to_owned()).unwrap_or_default();
        out.truncate(end);
        out.push_str(&tail);
    }
    out
}

fn is_hex_id(s: &str) -> bool {
    s.len() >= 8
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn java(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, seg) in name.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        // hidden classes: `Foo$$Lambda$123/0x0000000800c03000`
        let seg = seg.split('/').next().unwrap_or(seg);
        let start = out.len();
        for (j, part) in seg.split('$').enumerate() {
            let numeric = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            if j > 0 && (numeric || is_hex_id(part)) {
                continue;
            }
            if j > 0 {
                out.push('$');
            }
            out.push_str(part);
        }
        while out.len() > start + 1 && out.ends_with('$') {
            out.pop();
        }
    }
    out
}

fn go(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for seg in name.split('.') {
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if !out.is_empty() {
            out.push('.');
        }
        let mut seg = seg;
        for prefix in ["func", "gowrap", "deferwrap"] {
            if let Some(rest) = seg.strip_prefix(prefix) {
                if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                    seg = prefix;
                }
            }
        }
        out.push_str(seg);
    }
    out
}

fn dotnet(name: &str) -> String {
    let name = match name.strip_suffix(".MoveNext") {
        Some(n) if n.contains(">d__") => n,
        _ => name,
    };
    let mut parts: Vec<String> = Vec::new();
    for seg in name.split('.') {
        let Some(inner) = seg.strip_prefix('<') else {
            parts.push(seg.to_owned());
            continue;
        };
        let Some((method, suffix)) = inner.split_once('>') else {
            parts.push(seg.to_owned());
            continue;
        };
        if method.is_empty() {
            continue; // `<>c`, `<>c__DisplayClass0_0`: closure classes
        }
        parts.push(method.to_owned());
        if suffix.starts_with("b__") {
            parts.push("<lambda>".to_owned());
        } else if let Some(local) = suffix.strip_prefix("g__") {
            parts.push(local.split('|').next().unwrap_or(local).to_owned());
        }
    }
    parts.join(".")
}

fn rust(name: &str) -> String {
    let name = match name.rfind("::h") {
        Some(i) if name.len() - i == 19 && is_hex_id(&name[i + 3..]) => &name[..i],
        _ => name,
    };
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').map(|c| open + c);
        match close {
            Some(c) if is_hex_id(&rest[open + 1..c]) => {
                out.push_str(&rest[..open]);
                rest = &rest[c + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Forward slashes, no `file://` or leading `./`, and directory names that look like build ids,
/// release timestamps or hashes replaced by `*`.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    push_normalized_path(&mut out, path);
    out
}

/// [`normalize_path`] appending to `out`.
pub fn push_normalized_path(out: &mut String, path: &str) {
    let p = path.strip_prefix("file://").unwrap_or(path);
    let p = p
        .strip_prefix("./")
        .or_else(|| p.strip_prefix(".\\"))
        .unwrap_or(p);
    let mut parts = p.split(['/', '\\']).peekable();
    while let Some(part) = parts.next() {
        let is_dir = parts.peek().is_some();
        let volatile = is_dir
            && (is_hex_id(part) || (part.len() >= 6 && part.bytes().all(|b| b.is_ascii_digit())));
        out.push_str(if volatile { "*" } else { part });
        if is_dir {
            out.push('/');
        }
    }
}

/// Mask variable parts of a message: UUIDs → `<uuid>`, `0x..` and long hex → `<hex>`, numbers →
/// `<num>`, other tokens with digits → `<id>`, quoted values → `<str>`. Cut to 256 bytes.
pub fn mask_message(msg: &str) -> String {
    let bytes = msg.as_bytes();
    let mut out = String::with_capacity(msg.len().min(MAX_MASKED));
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_MASKED {
        let b = bytes[i];
        if matches!(b, b'\'' | b'"' | b'`') && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let close = if b == b'`' { [b'`', b'\''] } else { [b, b] };
            if let Some(len) = bytes[i + 1..]
                .iter()
                .take(512)
                .position(|c| close.contains(c))
            {
                out.push_str("<str>");
                i += len + 2;
                continue;
            }
        }
        if b.is_ascii_alphanumeric() {
            let end = i + bytes[i..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
                .unwrap_or(bytes.len() - i);
            let token = msg[i..end].trim_end_matches(['.', '-']);
            out.push_str(&mask_token(token));
            i += token.len();
            continue;
        }
        let ch_len = msg[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&msg[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn mask_token(token: &str) -> String {
    if !token.bytes().any(|b| b.is_ascii_digit()) {
        return token.to_owned();
    }
    if is_uuid(token) {
        return "<uuid>".to_owned();
    }
    if let Some(hex) = token.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return "<hex>".to_owned();
        }
    }
    if token
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-'))
    {
        return "<num>".to_owned();
    }
    if is_hex_id(token) {
        return "<hex>".to_owned();
    }
    "<id>".to_owned()
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions() {
        let jv = |s| normalize_function(s, Language::Java);
        assert_eq!(jv("com.acme.App.lambda$main$0"), "com.acme.App.lambda$main");
        assert_eq!(jv("com.acme.App$1.run"), "com.acme.App.run");
        assert_eq!(jv("com.acme.App$Res.close"), "com.acme.App$Res.close");
        assert_eq!(
            jv("com.acme.Foo$$Lambda$123/0x0000000800c03000.accept"),
            "com.acme.Foo$$Lambda.accept"
        );
        assert_eq!(
            jv("com.acme.Svc$$EnhancerBySpringCGLIB$$8f3c2a1b.create"),
            "com.acme.Svc$$EnhancerBySpringCGLIB.create"
        );
        assert_eq!(
            jv("com.acme.Reports$$anonfun$run$1.apply"),
            "com.acme.Reports$$anonfun$run.apply"
        );
        let gof = |s| normalize_function(s, Language::Go);
        assert_eq!(gof("main.main.func1"), "main.main.func");
        assert_eq!(
            gof("github.com/acme/x/api.(*S).h.func2.1"),
            "github.com/acme/x/api.(*S).h.func"
        );
        assert_eq!(gof("main.worker.gowrap3"), "main.worker.gowrap");
        let net = |s| normalize_function(s, Language::DotNet);
        assert_eq!(
            net("Acme.Svc.<PlaceOrderAsync>d__5.MoveNext"),
            "Acme.Svc.PlaceOrderAsync"
        );
        assert_eq!(
            net("Acme.Program.<>c__DisplayClass0_0.<Main>b__0"),
            "Acme.Program.Main.<lambda>"
        );
        assert_eq!(
            net("Acme.Program.<Main>g__Local|0_0"),
            "Acme.Program.Main.Local"
        );
        assert_eq!(net("Acme.Program.<Main>"), "Acme.Program.Main");
        let php = |s| normalize_function(s, Language::Php);
        assert_eq!(
            php("App\\Cart->App\\{closure}"),
            "App\\Cart->App\\{closure}"
        );
        assert_eq!(
            php("{closure:App\\Cart::total():18}"),
            "{closure}",
            "PHP 8.4 closure"
        );
        assert_eq!(
            php("class@anonymous/app/x.php:3$0->customer"),
            "class@anonymous->customer"
        );
        assert_eq!(php("App\\Prices::of"), "App\\Prices::of");
        let rs = |s| normalize_function(s, Language::Rust);
        assert_eq!(
            rs("orders::main::{{closure}}::hecb0103ae27bd7ca"),
            "orders::main::{{closure}}"
        );
        assert_eq!(
            rs("std[e28293b1aa0f68bd]::panicking::x"),
            "std::panicking::x"
        );
        assert_eq!(rs("<[T] as core::Foo>::f"), "<[T] as core::Foo>::f");
        let nd = |s| normalize_function(s, Language::Node);
        assert_eq!(nd("Layer.handle [as handle_request]"), "Layer.handle");
    }

    #[test]
    fn paths() {
        assert_eq!(normalize_path("file:///srv/app/x.mjs"), "/srv/app/x.mjs");
        assert_eq!(normalize_path("./src/main.rs"), "src/main.rs");
        assert_eq!(normalize_path("C:\\build\\App\\X.cs"), "C:/build/App/X.cs");
        assert_eq!(
            normalize_path("/var/www/releases/20240101120000/app/models/user.rb"),
            "/var/www/releases/*/app/models/user.rb"
        );
    }

    #[test]
    fn messages() {
        assert_eq!(
            mask_message(
                "order 9f1c2e7a-3b4d-4e5f-8a9b-0c1d2e3f4a5b rejected after 30s at 0x7ffe12"
            ),
            "order <uuid> rejected after <id> at <hex>"
        );
        assert_eq!(
            mask_message("user 'bob' can't log in: id=42, v1.2.3."),
            "user <str> can't log in: id=<num>, <id>."
        );
        assert_eq!(
            mask_message("undefined method `amount' for nil"),
            "undefined method <str> for nil"
        );
        assert_eq!(
            mask_message("sha deadbeef0123 of \"x\""),
            "sha <hex> of <str>"
        );
        assert_eq!(mask_message("ünïcödé 12 ✓"), "ünïcödé <num> ✓");
        assert!(mask_message(&"x 1 ".repeat(1000)).len() <= MAX_MASKED + 8);
    }
}
