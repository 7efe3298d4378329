//! Text luffy's symbols never come from, blanked before a Rust or Python file is parsed (the
//! languages most code here is in).
//!
//! tree-sitter's time goes by the tokens it reads, and most of a file's tokens are in places no
//! definition luffy indexes can be: the statements of a function body that defines nothing of
//! its own, a constant's value, a struct's fields, an attribute, a macro's arguments, a
//! function's parameters; in Python, a body, a module's assignments and calls, a docstring.
//! Those are blanked: only their line ends are kept, so every definition keeps its lines, and
//! what is left still parses as the same items. examples/bench_bodies.rs compares the symbols
//! of each file as written and blanked, over the crate sources and the Python standard library.
//!
//! Lexers, not parsers ([`rust::blank_rust`], [`python::blank_python`]): anything either
//! cannot place leaves the file as it is.

pub mod python;
pub mod rust;

/// Byte ranges, start and end.
type Spans = Vec<(usize, usize)>;

fn is_word_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// `source` with each span's text replaced by the line ends in it, then, for a span given an
/// indentation, a `pass` so indented (Python); else by a space when it holds no line end (it
/// parted two tokens). Spans are nested or apart; one inside another goes with it.
fn blank_spans(source: &[u8], mut spans: Vec<(usize, usize, Option<usize>)>) -> Vec<u8> {
    spans.sort_unstable_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
    let mut out = Vec::with_capacity(source.len());
    let mut from = 0;
    for (start, end, pass) in spans {
        if start < from || end <= start {
            continue;
        }
        out.extend_from_slice(&source[from..start]);
        let lines = memchr::memchr_iter(b'\n', &source[start..end]).count();
        out.extend(std::iter::repeat_n(b'\n', lines));
        match pass {
            Some(indent) => {
                out.extend(std::iter::repeat_n(b' ', indent));
                out.extend_from_slice(b"pass");
            }
            None if lines == 0 => out.push(b' '),
            None => {}
        }
        from = end;
    }
    out.extend_from_slice(&source[from..]);
    out
}
