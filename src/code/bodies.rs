//! Rust function bodies that hold no definition, blanked before the file is parsed.
//!
//! tree-sitter spends most of a Rust file's parse on the statements inside function bodies,
//! and luffy's symbols never come from there unless a body defines an item of its own (a
//! nested `fn`, `struct`, `impl`, `mod`, `macro_rules!`...). Such a body is left as written;
//! every other one has each byte between its braces but the line ends made a space, so that the
//! symbols, their names and their lines are those of the file as written (tests: the symbols of
//! every Rust file of the benchmark's corpus, blanked and not).
//!
//! A lexer, not a parser: it knows comments (nested), strings (raw, byte and C strings too),
//! character literals from lifetimes, and where an `fn`'s body opens: the first `{` after the
//! `fn` at the same depth of brackets that follows `)`, `>`, `]`, a name or a lifetime (not a
//! `{ N }` in a signature's const generic, which follows `<`, `;` or `,`). Anything it cannot
//! place leaves the text as it is.

/// Words that begin a definition luffy reads inside a function body: a body holding one, in
/// code, is left as written.
const ITEM_WORDS: &[&[u8]] = &[
    b"fn",
    b"struct",
    b"enum",
    b"union",
    b"trait",
    b"impl",
    b"mod",
    b"type",
    b"macro_rules",
];

/// What the lexer is in at a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Code,
    /// Inside a comment, a string or a character literal: skipped to its end.
    Skipped,
}

/// `source` with the bodies of its functions blanked (see the module's documentation), or
/// `None` when there was none to blank.
pub fn blank_rust_bodies(source: &[u8]) -> Option<Vec<u8>> {
    let bodies = function_bodies(source);
    if bodies.is_empty() {
        return None;
    }
    let mut out = source.to_vec();
    for (open, close) in bodies {
        for byte in &mut out[open + 1..close] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    Some(out)
}

/// The byte offsets of the braces of each function body that holds no definition, outermost
/// only, in order.
fn function_bodies(source: &[u8]) -> Vec<(usize, usize)> {
    let mut bodies = Vec::new();
    // open braces and brackets: (byte, offset, whether it opens a function body)
    let mut open: Vec<(u8, usize, bool)> = Vec::new();
    // an `fn` waiting for its body: the depth of `open` where it was seen
    let mut pending: Option<usize> = None;
    // the last byte of code before this one that is not white space
    let mut previous = b';';
    // the body being read, and whether it defines something so far
    let mut body: Option<(usize, bool)> = None;
    let mut i = 0;
    while i < source.len() {
        let (at, next) = token(source, i);
        if at == At::Skipped {
            i = next;
            continue;
        }
        let byte = source[i];
        if is_word_start(byte) && (i == 0 || !is_word(source[i - 1])) {
            let word = &source[i..next];
            if word == b"fn" && pending.is_none() && body.is_none() {
                pending = Some(open.len());
            }
            if let Some((_, defines)) = &mut body {
                *defines |= ITEM_WORDS.contains(&word);
            }
            previous = source[next - 1];
            i = next;
            continue;
        }
        match byte {
            b'{' | b'(' | b'[' => {
                let opens_body = byte == b'{'
                    && pending == Some(open.len())
                    && body.is_none()
                    && (matches!(previous, b')' | b'>' | b']' | b'\'') || is_word(previous));
                if opens_body {
                    pending = None;
                    body = Some((i, false));
                }
                open.push((byte, i, opens_body));
            }
            b'}' | b')' | b']' => {
                let Some((opened, at, was_body)) = open.pop() else {
                    return Vec::new(); // unbalanced: leave the file as it is
                };
                if (opened, byte) != (b'{', b'}')
                    && (opened, byte) != (b'(', b')')
                    && (opened, byte) != (b'[', b']')
                {
                    return Vec::new();
                }
                if was_body {
                    if let Some((start, defines)) = body.take() {
                        if start == at && !defines {
                            bodies.push((at, i));
                        }
                    }
                }
                // an `fn` whose enclosing braces closed had no body (a type, say)
                if pending.is_some_and(|depth| depth > open.len()) {
                    pending = None;
                }
            }
            b';' if pending == Some(open.len()) => pending = None,
            _ => {}
        }
        if !byte.is_ascii_whitespace() {
            previous = byte;
        }
        i = next;
    }
    if !open.is_empty() || body.is_some() {
        return Vec::new();
    }
    bodies
}

fn is_word_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// The token at `i`: whether it is code, and where it ends. A word, a comment, a string, a
/// character literal or a lifetime is one token; any other byte is one on its own.
fn token(s: &[u8], i: usize) -> (At, usize) {
    let byte = s[i];
    let after = |n: usize| s.get(i + n).copied();
    match byte {
        b'/' if after(1) == Some(b'/') => {
            let end = memchr::memchr(b'\n', &s[i..]).map_or(s.len(), |n| i + n);
            (At::Skipped, end)
        }
        b'/' if after(1) == Some(b'*') => (At::Skipped, block_comment_end(s, i)),
        b'"' => (At::Skipped, string_end(s, i + 1)),
        b'\'' => match character_end(s, i) {
            Some(end) => (At::Skipped, end),
            // a lifetime or a label: the quote and the name are code
            None => (At::Code, i + 1),
        },
        _ if is_word_start(byte) && (i == 0 || !is_word(s[i - 1])) => {
            if let Some(end) = prefixed_string_end(s, i) {
                return (At::Skipped, end);
            }
            let mut end = i + 1;
            while end < s.len() && is_word(s[end]) {
                end += 1;
            }
            (At::Code, end)
        }
        _ => (At::Code, i + 1),
    }
}

/// The end of the block comment at `i` (`/*`), nested ones within.
fn block_comment_end(s: &[u8], i: usize) -> usize {
    let (mut depth, mut j) = (0usize, i);
    while j + 1 < s.len() {
        match (s[j], s[j + 1]) {
            (b'/', b'*') => {
                depth += 1;
                j += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return j;
                }
            }
            _ => j += 1,
        }
    }
    s.len()
}

/// The end of a string whose text starts at `j` (after its `"`), escapes within.
fn string_end(s: &[u8], mut j: usize) -> usize {
    while j < s.len() {
        match s[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    s.len()
}

/// The end of the string a word at `i` prefixes (`b"`, `c"`, `r"`, `r#"`, `br#"`, `cr"`...),
/// or `None` when the word is just a word.
fn prefixed_string_end(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(s[j], b'b' | b'c') {
        j += 1;
    }
    let raw = s.get(j) == Some(&b'r');
    if raw {
        j += 1;
    }
    if j == i {
        return None;
    }
    if !raw {
        return (s.get(j) == Some(&b'"')).then(|| string_end(s, j + 1));
    }
    let hashes = s[j..].iter().take_while(|&&b| b == b'#').count();
    j += hashes;
    if s.get(j) != Some(&b'"') {
        return None;
    }
    // a raw string ends at the first `"` followed by as many `#`
    let mut k = j + 1;
    while k < s.len() {
        if s[k] == b'"'
            && s[k + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(s.len())
}

/// The end of the character literal at `i` (`'x'`, `'\n'`, `'\u{1F600}'`, `'é'`), or `None`
/// for a lifetime or a label (`'a`, `'static`, `'outer:`).
fn character_end(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i + 1)? {
        b'\\' => {
            // an escape: to the closing quote, within a few bytes
            let end = s[i + 2..].iter().take(12).position(|&b| b == b'\'')?;
            Some(i + 2 + end + 1)
        }
        &first => {
            let width = match first {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            (s.get(i + 1 + width) == Some(&b'\'')).then_some(i + 2 + width)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(source: &str) -> String {
        match blank_rust_bodies(source.as_bytes()) {
            Some(out) => String::from_utf8(out).expect("still UTF-8"),
            None => source.to_string(),
        }
    }

    #[test]
    fn a_body_is_blanked_to_its_braces_and_keeps_its_lines() {
        let source = "fn a(x: u8) -> u8 {\n    let y = x + 1;\n    y\n}\n";
        assert_eq!(
            blanked(source),
            "fn a(x: u8) -> u8 {\n                  \n     \n}\n"
        );
    }

    #[test]
    fn a_body_that_defines_an_item_is_kept() {
        for inner in [
            "fn b() {}",
            "struct S;",
            "impl S {}",
            "mod m {}",
            "macro_rules! m { () => {} }",
            "enum E { A }",
        ] {
            let source = format!("fn a() {{\n    {inner}\n}}\n");
            assert_eq!(blanked(&source), source, "{inner}");
        }
        // the word in a string or a comment defines nothing
        let inside = "    let s = \"fn b() {}\"; // struct";
        let source = format!("fn a() {{\n{inside}\n}}\n");
        let spaces = " ".repeat(inside.len());
        assert_eq!(blanked(&source), format!("fn a() {{\n{spaces}\n}}\n"));
    }

    #[test]
    fn braces_in_strings_characters_and_comments_are_not_code() {
        let source = concat!(
            "fn a() {\n",
            "    let s = \"}\"; let c = '}'; let q = '\\''; let r = r#\"}\"#;\n",
            "    /* } /* nested } */ */ let b = b\"}\"; let l: &'static str = \"x\";\n",
            "}\n",
            "fn after() {}\n",
        );
        let out = blanked(source);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "fn a() {");
        assert!(
            lines[1].trim().is_empty() && lines[2].trim().is_empty(),
            "{out}"
        );
        assert_eq!(lines[3], "}");
        assert_eq!(lines[4], "fn after() {}");
    }

    #[test]
    fn methods_in_impls_and_traits_are_blanked_and_declarations_are_not_bodies() {
        let source = concat!(
            "impl<T: Fn(u8) -> u8> S<T> {\n",
            "    fn get(&self) -> u8 { 1 }\n",
            "}\n",
            "trait T {\n",
            "    fn sig(&self);\n",
            "    fn default(&self) -> u8 where Self: Sized { 2 }\n",
            "}\n",
            "type F = fn(u8) -> u8;\n",
            "struct W { f: fn(u8) -> u8 }\n",
            "fn apply(f: fn(u8) -> u8) -> [u8; 2] { [f(1), 0] }\n",
        );
        let out = blanked(source);
        assert!(out.contains("fn get(&self) -> u8 {   }"), "{out}");
        assert!(out.contains("fn sig(&self);"), "{out}");
        assert!(out.contains("where Self: Sized {   }"), "{out}");
        assert!(out.contains("struct W { f: fn(u8) -> u8 }"), "{out}");
        assert!(out.contains("-> [u8; 2] {           }"), "{out}");
    }

    #[test]
    fn a_const_generic_block_in_a_signature_is_not_the_body() {
        let source = "fn a() -> Foo<{ N + 1 }> {\n    body()\n}\n";
        assert_eq!(
            blanked(source),
            "fn a() -> Foo<{ N + 1 }> {\n          \n}\n"
        );
    }

    #[test]
    fn unbalanced_text_is_left_as_it_is() {
        assert_eq!(blank_rust_bodies(b"fn a() {\n    x\n"), None);
        assert_eq!(blank_rust_bodies(b"fn a() { ) }"), None);
        assert_eq!(blank_rust_bodies(b"struct S;"), None);
    }
}
