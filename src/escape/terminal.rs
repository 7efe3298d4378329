//! A terminal: control characters in text from outside (C0 but tab and newline, DEL, C1, and so
//! every escape sequence: clear screen, colours, a window title) are shown as visible escapes
//! (`\x1b`, `\r`, `\u{9b}`) instead of being obeyed. `--json` output keeps text exact.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `text` holds a character a terminal would act on ([`visible`] would change it).
pub fn has_control(text: &str) -> bool {
    text.chars().any(is_control)
}

/// `text` with its control characters made visible; borrowed when it has none.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !has_control(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_control(c) {
            out.push(c);
            continue;
        }
        match c {
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// A character a terminal would act on rather than show (tab and newline aside).
fn is_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(
            visible("a\x1b[2Jb \x1b[31mred\x1b[0m \x1b]0;title\x07 x\ry\u{9b}z\x7f"),
            "a\\x1b[2Jb \\x1b[31mred\\x1b[0m \\x1b]0;title\\x07 x\\ry\\u{9b}z\\x7f"
        );
        assert_eq!(visible("tab\tand\nnewline é ü"), "tab\tand\nnewline é ü");
        assert!(matches!(visible("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
