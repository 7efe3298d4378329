//! Function bodies that hold no definition, blanked before the file is parsed (Rust and
//! Python, the languages most code here is in).
//!
//! tree-sitter spends most of a file's parse on the statements inside function bodies, and
//! luffy's symbols never come from there unless a body defines something of its own (a nested
//! `fn`, `struct`, `impl`, `mod`, `macro_rules!`...; a nested `def` or `class`). Such a body is
//! left as written. Of every other Rust body only the line ends between its braces are kept; every other Python body becomes one `pass` on its last line, the lines before
//! it empty. So the symbols, their names and their lines are those of the file as written
//! (examples/bench_bodies.rs compares them over the crate sources and the Python standard
//! library).
//!
//! Lexers, not parsers. The Rust one knows comments (nested), strings (raw, byte and C strings
//! too), character literals from lifetimes, and where an `fn`'s body opens: the first `{` after
//! the `fn` at the same depth of brackets that follows `)`, `>`, `]`, a name or a lifetime (not
//! a `{ N }` in a signature's const generic, which follows `<`, `;` or `,`). The Python one knows
//! comments, strings (triple-quoted across lines), brackets and backslashes that carry a line
//! on, and indentation. Anything either cannot place leaves the file as it is.

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

/// `source` with the bodies of its functions blanked (see the module's documentation): of the
/// text between their braces only the line ends are left, and of its comments too (a space for
/// a comment without one: it parted two tokens). `None` when there was nothing to blank.
pub fn blank_rust_bodies(source: &[u8]) -> Option<Vec<u8>> {
    let (bodies, comments) = function_bodies(source);
    if bodies.is_empty() && comments.is_empty() {
        return None;
    }
    // What goes, in order: a body's text between its braces, a comment whole. Only the line
    // ends stay: tree-sitter would lex the rest byte by byte, and a symbol's lines are all luffy
    // reads of where it is.
    let mut gone: Vec<(usize, usize)> = bodies
        .iter()
        .map(|&(open, close)| (open + 1, close))
        .collect();
    gone.extend(comments);
    gone.sort_unstable();
    let mut out = Vec::with_capacity(source.len());
    let mut from = 0;
    for (start, end) in gone {
        if start < from {
            continue; // a comment inside a body that went
        }
        out.extend_from_slice(&source[from..start]);
        let lines = memchr::memchr_iter(b'\n', &source[start..end]).count();
        if lines == 0 && end > start {
            out.push(b' ');
        }
        out.extend(std::iter::repeat_n(b'\n', lines));
        from = end;
    }
    out.extend_from_slice(&source[from..]);
    Some(out)
}

/// Byte ranges: a body's braces, or a comment's start and end.
type Spans = Vec<(usize, usize)>;

/// The byte offsets of the braces of each function body that holds no definition, outermost
/// only, in order; and the ranges of the comments (nothing when the text is not balanced).
fn function_bodies(source: &[u8]) -> (Spans, Spans) {
    let mut comments = Vec::new();
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
            if source[i] == b'/' {
                comments.push((i, next));
            }
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
                    return (Vec::new(), Vec::new()); // unbalanced: leave the file as it is
                };
                if (opened, byte) != (b'{', b'}')
                    && (opened, byte) != (b'(', b')')
                    && (opened, byte) != (b'[', b']')
                {
                    return (Vec::new(), Vec::new());
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
        return (Vec::new(), Vec::new());
    }
    (bodies, comments)
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

/// Words that begin a definition luffy reads inside a Python function: a body holding one is
/// left as written.
const PYTHON_ITEM_WORDS: &[&[u8]] = &[b"def", b"class"];

/// A logical line of Python: where it starts and ends (physical lines, 0-based, inclusive),
/// its indentation, and whether its last code byte is a `:`.
struct Logical {
    first: usize,
    last: usize,
    indent: usize,
    /// Its first word (`def`, `async`, `class`, `return`...), empty for none.
    word: Vec<u8>,
    /// Whether the line's code holds `def` or `class` anywhere.
    defines: bool,
    ends_with_colon: bool,
}

/// `source` (Python) with the bodies of its functions that define no function or class of
/// their own made a single `pass` on their last line, every line before it empty: the same
/// lines, and the same symbols with their lines, for a shorter parse. `None` when there was none
/// to blank, or the text is not what this reader understands (tabs in indentation, a string
/// left open, brackets that do not close).
pub fn blank_python_bodies(source: &[u8]) -> Option<Vec<u8>> {
    let lines: Vec<&[u8]> = source.split(|&b| b == b'\n').collect();
    let logical = logical_lines(&lines)?;
    // (first body line, last body line, the body's indentation)
    let mut bodies: Vec<(usize, usize, usize)> = Vec::new();
    let mut k = 0;
    while k < logical.len() {
        let line = &logical[k];
        let is_def =
            line.word == b"def" || (line.word == b"async" && starts_def(lines[line.first]));
        if !is_def || !line.ends_with_colon {
            k += 1;
            continue;
        }
        let mut end = k + 1;
        let mut defines = false;
        while end < logical.len() && logical[end].indent > line.indent {
            defines |= logical[end].defines;
            end += 1;
        }
        let inside = &logical[k + 1..end];
        match (inside.first(), inside.last()) {
            (Some(first), Some(last)) if !defines && first.first > line.last => {
                bodies.push((line.last + 1, last.last, first.indent));
                // the defs inside (none) need no visit: go on after the body
                k = end;
            }
            _ => k += 1,
        }
    }
    if bodies.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(source.len());
    let mut next_body = bodies.iter().peekable();
    let mut n = 0;
    while n < lines.len() {
        if let Some(&&(first, last, indent)) = next_body.peek() {
            if n == first {
                out.extend(std::iter::repeat_n(b'\n', last - first));
                out.extend(std::iter::repeat_n(b' ', indent));
                out.extend_from_slice(b"pass");
                if last + 1 < lines.len() {
                    out.push(b'\n');
                }
                n = last + 1;
                next_body.next();
                continue;
            }
        }
        out.extend_from_slice(lines[n]);
        if n + 1 < lines.len() {
            out.push(b'\n');
        }
        n += 1;
    }
    Some(out)
}

/// Whether a line that starts with `async` goes on with `def`.
fn starts_def(line: &[u8]) -> bool {
    let rest = line.trim_ascii_start();
    rest.strip_prefix(b"async").is_some_and(|r| {
        r.first().is_some_and(u8::is_ascii_whitespace) && r.trim_ascii_start().starts_with(b"def")
    })
}

/// The logical lines of the file (comment-only and blank lines are none), or `None` when the
/// text is not what this reader understands.
fn logical_lines(lines: &[&[u8]]) -> Option<Vec<Logical>> {
    let mut out = Vec::new();
    // an open triple-quoted string's quote byte, brackets open, a backslash continuation
    let mut triple: Option<u8> = None;
    let mut depth = 0usize;
    let mut continued = false;
    let mut current: Option<Logical> = None;
    for (n, line) in lines.iter().enumerate() {
        let starts = triple.is_none() && depth == 0 && !continued;
        let mut i = 0;
        if starts {
            let indent = line
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t' || b == b'\x0c')
                .count();
            if line[..indent].iter().any(|&b| b != b' ') {
                return None;
            }
            let rest = &line[indent..];
            let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
            if rest.is_empty() || rest[0] == b'#' {
                continue; // no logical line
            }
            if let Some(done) = current.take() {
                out.push(done);
            }
            let word: Vec<u8> = rest.iter().take_while(|&&b| is_word(b)).copied().collect();
            current = Some(Logical {
                first: n,
                last: n,
                indent,
                word,
                defines: false,
                ends_with_colon: false,
            });
            i = indent;
        }
        let logical = current.as_mut()?;
        logical.last = n;
        continued = false;
        let mut last_code = None;
        while i < line.len() {
            if let Some(quote) = triple {
                match find_triple(line, i, quote) {
                    Some(end) => {
                        triple = None;
                        i = end;
                        last_code = Some(quote);
                    }
                    None => i = line.len(),
                }
                continue;
            }
            let b = line[i];
            match b {
                b'#' => break,
                b'\\' if i + 1 == line.len() || line[i + 1..] == *b"\r" => {
                    continued = true;
                    break;
                }
                b'"' | b'\'' => {
                    if line[i..].starts_with(&[b, b, b]) {
                        match find_triple(line, i + 3, b) {
                            Some(end) => i = end,
                            None => {
                                triple = Some(b);
                                i = line.len();
                            }
                        }
                    } else {
                        i = short_string_end(line, i + 1, b)?;
                    }
                    last_code = Some(b);
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    last_code = Some(b);
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    last_code = Some(b);
                    i += 1;
                }
                _ if is_word_start(b) && (i == 0 || !is_word(line[i - 1])) => {
                    let end = i + line[i..].iter().take_while(|&&c| is_word(c)).count();
                    // a string's prefix (r, b, f, u and their pairs) is part of the string
                    if end < line.len() && matches!(line[end], b'"' | b'\'') && end - i <= 2 {
                        i = end;
                        continue;
                    }
                    logical.defines |= PYTHON_ITEM_WORDS.contains(&&line[i..end]);
                    last_code = Some(line[end - 1]);
                    i = end;
                }
                _ => {
                    if !b.is_ascii_whitespace() {
                        last_code = Some(b);
                    }
                    i += 1;
                }
            }
        }
        if last_code.is_some() || triple.is_some() {
            logical.ends_with_colon = last_code == Some(b':') && triple.is_none();
        }
    }
    if triple.is_some() || depth != 0 {
        return None;
    }
    out.extend(current);
    Some(out)
}

/// The end of a triple-quoted string whose text goes on at `i` on this line (after its closing
/// quotes), or `None` when it goes on past the line.
fn find_triple(line: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b if b == quote && line[i..].starts_with(&[quote, quote, quote]) => return Some(i + 3),
            _ => i += 1,
        }
    }
    None
}

/// The end of a one-line string whose text starts at `i`; `None` when the line ends first.
fn short_string_end(line: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
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
        assert_eq!(blanked(source), "fn a(x: u8) -> u8 {\n\n\n}\n");
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
        assert_eq!(blanked(&source), "fn a() {\n\n}\n");
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
            "struct W { f: fn(u8) -> u8 }\n",
            "fn apply(f: fn(u8) -> u8) -> [u8; 2] { [f(1), 0] }\n",
        );
        let out = blanked(source);
        assert!(out.contains("fn get(&self) -> u8 { }"), "{out}");
        assert!(out.contains("fn sig(&self);"), "{out}");
        assert!(out.contains("where Self: Sized { }"), "{out}");
        assert!(out.contains("struct W { f: fn(u8) -> u8 }"), "{out}");
        assert!(out.contains("-> [u8; 2] { }"), "{out}");
    }

    #[test]
    fn comments_go_and_keep_their_lines_and_the_tokens_they_parted() {
        let source = "/// Docs.\n/// More.\npub fn/* x */main() {}\nstruct S; // end\n";
        assert_eq!(blanked(source), " \n \npub fn main() {}\nstruct S;  \n");
        // a comment-like text in a string stays
        let source = "const A: &str = \"// not a comment\";\n";
        assert_eq!(blanked(source), source);
    }

    #[test]
    fn a_const_generic_block_in_a_signature_is_not_the_body() {
        let source = "fn a() -> Foo<{ N + 1 }> {\n    body()\n}\n";
        assert_eq!(blanked(source), "fn a() -> Foo<{ N + 1 }> {\n\n}\n");
    }

    #[test]
    fn unbalanced_text_is_left_as_it_is() {
        assert_eq!(blank_rust_bodies(b"fn a() {\n    x\n"), None);
        assert_eq!(blank_rust_bodies(b"fn a() { ) }"), None);
        assert_eq!(blank_rust_bodies(b"struct S;"), None);
    }
    fn python(source: &str) -> String {
        match blank_python_bodies(source.as_bytes()) {
            Some(out) => String::from_utf8(out).expect("still UTF-8"),
            None => source.to_string(),
        }
    }

    #[test]
    fn a_python_body_becomes_one_pass_on_its_last_line() {
        let source = concat!(
            "def load(path,\n",
            "         mode='r'):\n",
            "    \"\"\"Reads it.\n",
            "\n",
            "    def in a docstring is no definition\n",
            "    \"\"\"\n",
            "    # a comment\n",
            "    with open(path, mode) as f:\n",
            "        return f.read(\n",
            "    )\n",
            "\n",
            "x = 1\n",
        );
        let out = python(source);
        assert_eq!(out.lines().count(), source.lines().count());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "def load(path,");
        assert_eq!(lines[1], "         mode='r'):");
        assert!(lines[2..9].iter().all(|l| l.is_empty()), "{out}");
        assert_eq!(lines[9], "    pass");
        assert_eq!(lines[11], "x = 1");
    }

    #[test]
    fn python_bodies_with_nested_definitions_keep_them_and_methods_are_blanked() {
        let source = concat!(
            "class Repo:\n",
            "    def fetch(self, key):\n",
            "        return self.rows[key]\n",
            "\n",
            "    async def outer(self):\n",
            "        def inner():\n",
            "            return 1\n",
            "        return inner\n",
            "def one(): return 1\n",
        );
        let out = python(source);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "class Repo:");
        assert_eq!(lines[2], "        pass");
        assert_eq!(lines[4], "    async def outer(self):");
        assert_eq!(lines[5], "        def inner():");
        assert_eq!(lines[6], "            pass");
        assert_eq!(lines[7], "        return inner");
        assert_eq!(lines[8], "def one(): return 1");
    }

    #[test]
    fn python_text_this_reader_does_not_follow_is_left_as_it_is() {
        // tabs in indentation, a string left open, a bracket that does not close
        assert_eq!(blank_python_bodies(b"def f():\n\treturn 1\n"), None);
        assert_eq!(blank_python_bodies(b"def f():\n    x = '''open\n"), None);
        assert_eq!(blank_python_bodies(b"def f():\n    x = (1,\n"), None);
    }
}
