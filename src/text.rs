//! Text helpers shared across modules.

/// `text` cut to at most `max` bytes, at a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether `b` is one of the ASCII bytes `char::is_whitespace` accepts (space, tab, line feed,
/// vertical tab, form feed, carriage return): where `split_whitespace` and `trim` cut ASCII text.
/// (`u8::is_ascii_whitespace` leaves out the vertical tab.)
pub fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_spaces_are_the_ascii_chars_that_are_whitespace() {
        for b in 0..=127u8 {
            assert_eq!(is_ascii_space(b), char::from(b).is_whitespace(), "{b}");
        }
    }

    #[test]
    fn cuts_at_character_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }
}
