//! Rust: a lexer that knows comments (nested), strings (raw, byte and C strings too),
//! character literals from lifetimes, brackets, and enough of items to blank (see [`super`]):
//! - the body of a function that defines nothing of its own (a nested `fn`, `struct`, `impl`,
//!   `mod`, `macro_rules!`... keeps it). It opens at the first `{` after the `fn` at the same
//!   depth of brackets that follows `)`, `>`, `]`, a name or a lifetime (not a `{ N }` in a
//!   signature's const generic, which follows `<`, `;` or `,`);
//! - a function's parameters, between its parentheses;
//! - comments and attributes (`#[...]`, `#![...]`), whole;
//! - `use` declarations, whole;
//! - `const` and `static` items, whole;
//! - `where` clauses;
//! - the fields of a struct or union and the variants of an enum, between their brackets;
//! - what is between the brackets of a macro call made as a statement, of a `macro_rules!` and of
//!   an `extern` block.
//!
//! tree-sitter reads a macro's tokens as tokens, never as items, and luffy reads definitions only
//! under modules, impls, traits, functions and blocks: none of these can hold one.

use super::{blank_spans, is_word, is_word_start, Spans};

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

/// Rust's keywords: none names a macro, so `if !(x)` is not a call.
const KEYWORDS: &[&[u8]] = &[
    b"as",
    b"async",
    b"await",
    b"box",
    b"break",
    b"const",
    b"continue",
    b"crate",
    b"do",
    b"dyn",
    b"else",
    b"enum",
    b"extern",
    b"false",
    b"fn",
    b"for",
    b"gen",
    b"if",
    b"impl",
    b"in",
    b"let",
    b"loop",
    b"match",
    b"mod",
    b"move",
    b"mut",
    b"pub",
    b"ref",
    b"return",
    b"self",
    b"Self",
    b"static",
    b"struct",
    b"super",
    b"trait",
    b"true",
    b"try",
    b"type",
    b"unsafe",
    b"use",
    b"where",
    b"while",
    b"yield",
];

/// What the lexer is in at a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Code,
    /// Inside a comment, a string or a character literal: skipped to its end.
    Skipped,
}

/// What an item at a statement's start leaves to blank.
enum Blank {
    /// All of it, to this offset (a `use`).
    Whole(usize),
    /// A span further on (a value, fields, a macro's tokens).
    Ahead(usize, usize),
}

/// `source` with what its symbols never come from blanked (see the module's documentation):
/// only the line ends are left of it (a space where there was none: it parted two tokens).
/// `None` when there was nothing to blank, or the text is not balanced.
pub fn blank_rust(source: &[u8]) -> Option<Vec<u8>> {
    let spans = spans(source)?;
    if spans.is_empty() {
        return None;
    }
    let spans = spans
        .into_iter()
        .map(|(start, end)| (start, end, None))
        .collect();
    Some(blank_spans(source, spans))
}

/// The spans to blank, in the order they were found; `None` when the text is not balanced.
fn spans(s: &[u8]) -> Option<Spans> {
    let mut spans = Vec::new();
    // open braces and brackets: (byte, offset, whether it opens a function body)
    let mut open: Vec<(u8, usize, bool)> = Vec::new();
    // an `fn` waiting for its body: the depth of `open` where it was seen
    let mut pending: Option<usize> = None;
    // the last byte of code before this one that is not white space
    let mut previous = b';';
    // the body being read, and whether it defines something so far
    let mut body: Option<(usize, bool)> = None;
    // a span further on, passed over when the lexer reaches it
    let mut ahead: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < s.len() {
        if let Some((start, end)) = ahead {
            if i == start {
                spans.push((start, end));
                ahead = None;
                i = end;
                continue;
            }
            if i > start {
                ahead = None;
            }
        }
        let (at, next) = token(s, i);
        if at == At::Skipped {
            if s[i] == b'/' {
                spans.push((i, next));
            }
            i = next;
            continue;
        }
        let byte = s[i];
        if byte == b'#' {
            let bracket = if s.get(i + 1) == Some(&b'!') {
                i + 2
            } else {
                i + 1
            };
            if s.get(bracket) == Some(&b'[') {
                let close = close_of(s, bracket)?;
                spans.push((i, close + 1));
                previous = b']';
                i = close + 1;
                continue;
            }
        }
        if is_word_start(byte) && (i == 0 || !is_word(s[i - 1])) {
            let word = &s[i..next];
            if matches!(previous, b';' | b'{' | b'}' | b']') && ahead.is_none() {
                match item(s, (i, next)) {
                    Some(Blank::Whole(end)) => {
                        spans.push((i, end));
                        previous = b';';
                        i = end;
                        continue;
                    }
                    Some(Blank::Ahead(start, end)) => ahead = Some((start, end)),
                    None => {}
                }
            }
            if word == b"where" && ahead.is_none() {
                if let Some(end) = find_top(s, next, b"{;", true) {
                    spans.push((i, end));
                    i = end;
                    continue;
                }
            }
            if word == b"fn" {
                if pending.is_none() && body.is_none() {
                    pending = Some(open.len());
                }
                if ahead.is_none() {
                    ahead = parameters(s, next);
                }
            }
            if let Some((_, defines)) = &mut body {
                *defines |= ITEM_WORDS.contains(&word);
            }
            previous = s[next - 1];
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
                let (opened, at, was_body) = open.pop()?;
                if (opened, byte) != (b'{', b'}')
                    && (opened, byte) != (b'(', b')')
                    && (opened, byte) != (b'[', b']')
                {
                    return None;
                }
                if was_body {
                    if let Some((start, defines)) = body.take() {
                        if start == at && !defines {
                            spans.push((at + 1, i));
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
        return None;
    }
    Some(spans)
}

/// A token: where it starts and ends.
type Token = (usize, usize);

/// What the item whose first word is `first` (at a statement's start) leaves to blank.
fn item(s: &[u8], first: Token) -> Option<Blank> {
    let text = |token: Token| &s[token.0..token.1];
    let mut keyword = first;
    if text(first) == b"pub" {
        keyword = next_code(s, first.1)?;
        if s[keyword.0] == b'(' {
            keyword = next_code(s, close_of(s, keyword.0)? + 1)?;
        }
    }
    match text(keyword) {
        b"use" => Some(Blank::Whole(find_top(s, keyword.1, b";", false)? + 1)),
        b"const" | b"static" => {
            let mut name = next_code(s, keyword.1)?;
            if text(name) == b"mut" {
                name = next_code(s, name.1)?;
            }
            if !is_word_start(s[name.0])
                || matches!(text(name), b"fn" | b"unsafe" | b"extern" | b"async")
            {
                return None;
            }
            let colon = next_code(s, name.1)?.0;
            if s[colon] != b':' || s.get(colon + 1) == Some(&b':') {
                return None;
            }
            // the type, with angles; then the value, whose `<` may be less-than
            let end = find_top(s, colon + 1, b"=;", true)?;
            let end = match s[end] {
                b'=' => find_top(s, end + 1, b";", false)?,
                _ => end,
            };
            Some(Blank::Whole(end + 1))
        }
        b"struct" | b"enum" | b"union" => {
            let name = next_code(s, keyword.1)?;
            if !is_word_start(s[name.0]) {
                return None;
            }
            if text(keyword) == b"union" {
                let after = next_code(s, name.1)?;
                if !matches!(s[after.0], b'{' | b'<') && text(after) != b"where" {
                    return None;
                }
            }
            inside(s, find_top(s, name.1, b"{(;", true)?)
        }
        b"extern" | b"unsafe" => {
            let mut next = next_code(s, keyword.1)?;
            if text(keyword) == b"unsafe" {
                if text(next) != b"extern" {
                    return None;
                }
                next = next_code(s, next.1)?;
            }
            if token(s, next.0).0 == At::Skipped {
                next = next_code(s, next.1)?; // the ABI's string
            }
            inside(s, next.0)
        }
        _ => macro_call(s, keyword),
    }
}

/// What a macro call or `macro_rules!` whose first word is `first` leaves to blank: the
/// tokens between its brackets.
fn macro_call(s: &[u8], first: Token) -> Option<Blank> {
    let mut last = first;
    loop {
        let next = next_code(s, last.1)?.0;
        if s[next] == b':' && s.get(next + 1) == Some(&b':') {
            last = next_code(s, next + 2)?;
            if !is_word_start(s[last.0]) {
                return None;
            }
            continue;
        }
        let name = &s[last.0..last.1];
        if s[next] != b'!' || s.get(next + 1) == Some(&b'=') || KEYWORDS.contains(&name) {
            return None;
        }
        let mut open = next_code(s, next + 1)?;
        if name == b"macro_rules" && is_word_start(s[open.0]) {
            open = next_code(s, open.1)?;
        }
        return inside(s, open.0);
    }
}

/// The parameters of the `fn` whose word ends at `end`: between the parentheses after its name
/// (none for a function pointer's type).
fn parameters(s: &[u8], end: usize) -> Option<(usize, usize)> {
    let name = next_code(s, end)?;
    if !is_word_start(s[name.0]) {
        return None;
    }
    let open = find_top(s, name.1, b"({;", true)?;
    if s[open] != b'(' {
        return None;
    }
    Some((open + 1, close_of(s, open)?))
}

/// Between the bracket opening at `open` and the one closing it.
fn inside(s: &[u8], open: usize) -> Option<Blank> {
    if !matches!(s[open], b'(' | b'[' | b'{') {
        return None;
    }
    Some(Blank::Ahead(open + 1, close_of(s, open)?))
}

/// The next token of code from `i` (white space and comments passed over): where it starts and
/// ends.
fn next_code(s: &[u8], mut i: usize) -> Option<(usize, usize)> {
    while i < s.len() {
        if s[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let (at, end) = token(s, i);
        if at == At::Skipped && s[i] == b'/' {
            i = end;
            continue;
        }
        return Some((i, end));
    }
    None
}

/// The offset of the bracket that closes the one at `open`.
fn close_of(s: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < s.len() {
        let (at, end) = token(s, i);
        if at == At::Code {
            match s[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        i = end;
    }
    None
}

/// The offset of the first byte of `want` from `i` outside brackets opened after `i` (and, with
/// `angles`, outside a type's `<...>`), before any bracket closes that was open at `i`. An `=`
/// is wanted alone, not in `==`, `=>`, `<=`...
fn find_top(s: &[u8], mut i: usize, want: &[u8], angles: bool) -> Option<usize> {
    let (mut depth, mut angle) = (0usize, 0usize);
    while i < s.len() {
        let (at, end) = token(s, i);
        if at == At::Code {
            let byte = s[i];
            let operator = byte == b'='
                && (matches!(s.get(i + 1), Some(b'=' | b'>'))
                    || (i > 0 && matches!(s[i - 1], b'=' | b'!' | b'<' | b'>')));
            if depth == 0 && angle == 0 && want.contains(&byte) && !operator {
                return Some(i);
            }
            match byte {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
                b'<' if angles && depth == 0 => angle += 1,
                b'>' if angles && depth == 0 && i > 0 && s[i - 1] != b'-' => {
                    angle = angle.saturating_sub(1);
                }
                _ => {}
            }
        }
        i = end;
    }
    None
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
        match blank_rust(source.as_bytes()) {
            Some(out) => String::from_utf8(out).expect("still UTF-8"),
            None => source.to_string(),
        }
    }

    #[test]
    fn a_body_and_the_parameters_are_blanked_and_keep_their_lines() {
        let source = "fn a(x: u8,\n     y: u8) -> u8 {\n    let z = x + y;\n    z\n}\n";
        assert_eq!(blanked(source), "fn a(\n) -> u8 {\n\n\n}\n");
    }

    #[test]
    fn a_body_that_defines_an_item_is_kept() {
        for inner in [
            "fn b() {}",
            "struct S;",
            "impl S {}",
            "mod m {}",
            "type T = u8;",
        ] {
            let source = format!("fn a() {{\n    {inner}\n}}\n");
            assert_eq!(blanked(&source), source, "{inner}");
        }
        // the word in a string or a comment defines nothing; nor does a macro's token
        let inside = "    let s = \"fn b() {}\"; // struct\n    m! { fn c() {} }";
        let source = format!("fn a() {{\n{inside}\n}}\n");
        assert_eq!(blanked(&source), "fn a() {\n\n\n}\n");
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
        assert!(lines[1].is_empty() && lines[2].is_empty(), "{out}");
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
            "fn apply<G: Fn(u8) -> u8>(f: G) -> [u8; 2] { [f(1), 0] }\n",
        );
        let out = blanked(source);
        assert!(out.contains("impl<T: Fn(u8) -> u8> S<T> {"), "{out}");
        assert!(out.contains("fn get( ) -> u8 { }"), "{out}");
        assert!(out.contains("fn sig( );"), "{out}");
        assert!(out.contains("fn default( ) -> u8  { }"), "{out}");
        assert!(out.contains("type F = fn(u8) -> u8;"), "{out}");
        // the parameters after the generics, not a bound's
        assert!(
            out.contains("fn apply<G: Fn(u8) -> u8>( ) -> [u8; 2] { }"),
            "{out}"
        );
    }

    #[test]
    fn items_that_define_nothing_are_blanked_and_keep_their_lines() {
        let source = concat!(
            "#![allow(dead_code)]\n",
            "use std::{\n    io,\n    fmt,\n};\n",
            "pub(crate) use a::b;\n",
            "#[derive(Debug,\n    Clone)]\n",
            "pub struct S<T: Into<u8>> {\n    a: u8,\n    f: fn(u8) -> u8,\n}\n",
            "struct P(u8, u16);\n",
            "enum E { A = 1, B { x: u8 } }\n",
            "union U { a: u8 }\n",
            "pub const TABLE: [(u8, &str); 2] = [\n    (1, \"a\"),\n    (2, \"}\"),\n];\n",
            "static mut N: Option<Box<dyn Fn() -> u8>> = None;\n",
            "const fn c() -> u8 { 1 }\n",
            "extern \"C\" {\n    fn puts(s: *const u8) -> i32;\n}\n",
            "macro_rules! m {\n    ($x:expr) => { $x };\n}\n",
            "m! { struct Hidden; }\n",
            "thread_local!(static T: u8 = 1);\n",
            "union(a, b);\n",
        );
        let out = blanked(source);
        assert_eq!(out.lines().count(), source.lines().count(), "{out}");
        let expected = concat!(
            " \n",
            "\n\n\n\n",
            " \n",
            "\n\n",
            "pub struct S<T: Into<u8>> {\n\n\n}\n",
            "struct P( );\n",
            "enum E { }\n",
            "union U { }\n",
            "\n\n\n\n",
            " \n",
            "const fn c() -> u8 { }\n",
            "extern \"C\" {\n\n}\n",
            "macro_rules! m {\n\n}\n",
            "m! { }\n",
            "thread_local!( );\n",
            "union(a, b);\n",
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn a_call_of_a_keyword_and_a_not_equal_are_no_macros() {
        let source = "fn a() {\n    struct S;\n    if !(x) { y }\n    x != (y);\n}\n";
        assert_eq!(blanked(source), source);
    }

    #[test]
    fn comments_go_and_keep_their_lines_and_the_tokens_they_parted() {
        let source = "/// Docs.\n/// More.\npub fn/* x */main() {}\nstruct S; // end\n";
        assert_eq!(blanked(source), " \n \npub fn main() {}\nstruct S;  \n");
        // a comment-like text in a string stays
        let source = "type A = B<\"// not a comment\">;\n";
        assert_eq!(blanked(source), source);
    }

    #[test]
    fn a_const_generic_block_in_a_signature_is_not_the_body() {
        let source = "fn a() -> Foo<{ N + 1 }> {\n    body()\n}\n";
        assert_eq!(blanked(source), "fn a() -> Foo<{ N + 1 }> {\n\n}\n");
    }

    #[test]
    fn unbalanced_text_is_left_as_it_is() {
        assert_eq!(blank_rust(b"fn a() {\n    x\n"), None);
        assert_eq!(blank_rust(b"fn a() { ) }"), None);
        assert_eq!(blank_rust(b"struct S;"), None);
    }
}
