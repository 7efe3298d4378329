//! Python: a lexer of logical lines that knows comments, strings (triple-quoted across lines),
//! brackets, backslashes that carry a line on, and indentation. The body of a function that
//! defines no function or class of its own becomes one `pass` on its last line, the lines
//! before it empty.

use super::{blank_spans, is_word, is_word_start, Spans};

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
    /// Whether it starts with `@` (a decorator).
    decorator: bool,
    /// Its first parentheses not within brackets that follow a name (a `def`'s parameters, a
    /// class's bases, a decorator's arguments): the offsets of both.
    parens: Option<(usize, usize)>,
}

/// The words that start a compound statement (or go on with one: `else`, `except`...).
const COMPOUND: &[&[u8]] = &[
    b"if", b"elif", b"else", b"for", b"while", b"try", b"except", b"finally", b"with", b"async",
    b"def", b"class", b"match", b"case",
];

impl Logical {
    /// Whether it is a simple statement (an assignment, a call, a docstring, an import...):
    /// it defines nothing and holds no block, and `pass` stands for it.
    fn is_simple(&self) -> bool {
        !self.ends_with_colon
            && !self.decorator
            && !self.defines
            && !COMPOUND.contains(&self.word.as_slice())
    }
}

/// `source` (Python) with what its symbols never come from blanked: the body of each function
/// that defines no function or class of its own, and each run of simple statements in a block,
/// made a single `pass` on their last line, every line before it empty; the parameters of each
/// `def`, the bases of each `class` and the arguments of each decorator, only their line ends
/// left. The same lines, and the same symbols with their lines, for a shorter parse. `None` when
/// there was nothing to blank, or the text is not what this reader understands (tabs in
/// indentation, a string left open, brackets that do not close).
pub fn blank_python(source: &[u8]) -> Option<Vec<u8>> {
    let lines: Vec<&[u8]> = source.split(|&b| b == b'\n').collect();
    let mut starts = Vec::with_capacity(lines.len());
    let mut offset = 0;
    for line in &lines {
        starts.push(offset);
        offset += line.len() + 1;
    }
    let logical = logical_lines(&lines, &starts)?;
    // line ranges made one `pass`: (first line, last line, the indentation)
    let mut passes: Vec<(usize, usize, usize)> = Vec::new();
    // byte spans left only their line ends
    let mut spans: Spans = Vec::new();
    let mut k = 0;
    while k < logical.len() {
        let line = &logical[k];
        if line.is_simple() {
            // the one before it in the same block: the run goes on
            let before = k.checked_sub(1).map(|b| &logical[b]);
            match passes.last_mut() {
                Some(run)
                    if before.is_some_and(|b| {
                        b.is_simple() && b.indent == line.indent && run.1 == b.last
                    }) =>
                {
                    run.1 = line.last;
                }
                _ => passes.push((line.first, line.last, line.indent)),
            }
            k += 1;
            continue;
        }
        let is_def =
            line.word == b"def" || (line.word == b"async" && starts_def(lines[line.first]));
        if is_def || line.word == b"class" || line.decorator {
            if let Some((open, close)) = line.parens {
                spans.push((open + 1, close));
            }
        }
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
                passes.push((line.last + 1, last.last, first.indent));
                // the defs inside (none) need no visit: go on after the body
                k = end;
            }
            _ => k += 1,
        }
    }
    if passes.is_empty() && spans.is_empty() {
        return None;
    }
    // (start, end, the indentation of the `pass` it becomes; none: only its line ends)
    let mut edits: Vec<(usize, usize, Option<usize>)> =
        spans.into_iter().map(|(a, b)| (a, b, None)).collect();
    edits.extend(passes.into_iter().map(|(first, last, indent)| {
        (
            starts[first],
            starts[last] + lines[last].len(),
            Some(indent),
        )
    }));
    Some(blank_spans(source, edits))
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
fn logical_lines(lines: &[&[u8]], line_starts: &[usize]) -> Option<Vec<Logical>> {
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
            if rest == b"\\" {
                // a line of only a backslash: Python takes the indentation from the next line
                return None;
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
                decorator: rest[0] == b'@',
                parens: None,
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
                    if b == b'('
                        && depth == 0
                        && logical.parens.is_none()
                        && i > 0
                        && is_word(line[i - 1])
                    {
                        logical.parens = Some((line_starts[n] + i, usize::MAX));
                    }
                    depth += 1;
                    last_code = Some(b);
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if let Some((_, close @ usize::MAX)) = &mut logical.parens {
                        if depth == 0 {
                            *close = line_starts[n] + i;
                        }
                    }
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

    fn python(source: &str) -> String {
        match blank_python(source.as_bytes()) {
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
        assert_eq!(lines[0], "def load(");
        assert_eq!(lines[1], "):");
        assert!(lines[2..9].iter().all(|l| l.is_empty()), "{out}");
        assert_eq!(lines[9], "    pass");
        assert_eq!(lines[11], "pass");
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
        assert_eq!(lines[4], "    async def outer( ):");
        assert_eq!(lines[5], "        def inner():");
        assert_eq!(lines[6], "            pass");
        assert_eq!(lines[7], "        pass");
        assert_eq!(lines[8], "def one(): return 1");
    }

    #[test]
    fn runs_of_simple_statements_become_one_pass_and_headers_stay() {
        let source = concat!(
            "\"\"\"The module.\"\"\"\n",
            "import os\n",
            "TABLE = {\n",
            "    'a': 1,\n",
            "}\n",
            "@register(name='x',\n",
            "          kind=(1, 2))\n",
            "class Base(object, metaclass=Meta):\n",
            "    x = 1; y = 2\n",
            "    if DEBUG:\n",
            "        level = 1\n",
            "    else: level = 2\n",
            "    def method(self): return self.x\n",
            "print('done')\n",
        );
        let out = python(source);
        let expected = concat!(
            "\n\n\n\n",
            "pass\n",
            "@register(\n",
            ")\n",
            "class Base( ):\n",
            "    pass\n",
            "    if DEBUG:\n",
            "        pass\n",
            "    else: level = 2\n",
            "    def method( ): return self.x\n",
            "pass\n",
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn python_text_this_reader_does_not_follow_is_left_as_it_is() {
        // tabs in indentation, a string left open, a bracket that does not close
        assert_eq!(blank_python(b"def f():\n\treturn 1\n"), None);
        assert_eq!(blank_python(b"def f():\n    x = '''open\n"), None);
        assert_eq!(blank_python(b"def f():\n    x = (1,\n"), None);
        // a backslash alone before an indented line (black's test cases have one)
        assert_eq!(blank_python(b"class A:\n\\\n    pass\n"), None);
    }
}
