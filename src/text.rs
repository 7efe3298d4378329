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

/// `text` cut to at most `max` bytes for a table's column: at the last space before the limit
/// when there is one in its last quarter, else at a character boundary, and `…` after it.
pub fn cut_words(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let head = cut(text, max.saturating_sub('…'.len_utf8()));
    let ends_a_word = text[head.len()..].starts_with(' ');
    let at_space = head
        .rfind(' ')
        .filter(|&space| !ends_a_word && space >= head.len() * 3 / 4)
        .map_or(head, |space| &head[..space]);
    let at_space = at_space.trim_end();
    format!("{at_space}…").into()
}

/// The characters of a long word of a message kept before and after a cut, and of a long line
/// (see [`shorten_long_lines`]).
const WORD_HEAD: usize = 150;
const WORD_TAIL: usize = 50;
const LINE_HEAD: usize = 600;
const LINE_TAIL: usize = 200;

/// `text` with every word (a run without spaces) longer than about 200 characters cut in its
/// middle, and then every line still longer than about 800, on character boundaries, with `...`
/// where it was cut. For messages that quote input, which may be a 200 KB line: a quoted URL
/// or value is one word, prose never is, so the words around a quote (the flag, the reason)
/// stay, and so do both ends of what was quoted.
pub fn shorten_long_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !longer_than(text, WORD_HEAD + WORD_TAIL + 3) {
        return text.into();
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            let words: Vec<String> = line
                .split(' ')
                .map(|word| cut_middle(word, WORD_HEAD, WORD_TAIL))
                .collect();
            cut_middle(&words.join(" "), LINE_HEAD, LINE_TAIL)
        })
        .collect();
    lines.join("\n").into()
}

fn longer_than(text: &str, chars: usize) -> bool {
    text.chars().nth(chars).is_some()
}

/// `text`, or its first `head` and last `tail` characters around `...` when it is longer.
fn cut_middle(text: &str, head: usize, tail: usize) -> String {
    if !longer_than(text, head + tail + 3) {
        return text.to_string();
    }
    let head_end = text.char_indices().nth(head).map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .rev()
        .nth(tail - 1)
        .map_or(0, |(i, _)| i);
    format!("{}...{}", &text[..head_end], &text[tail_start..])
}

/// Whether `b` is one of the ASCII bytes `char::is_whitespace` accepts (space, tab, line feed,
/// vertical tab, form feed, carriage return): where `split_whitespace` and `trim` cut ASCII text.
/// (`u8::is_ascii_whitespace` leaves out the vertical tab.)
pub fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

/// Where the first byte of `bytes` at or after `at` that is at most `b' '` and passes `is_space`
/// is, or `bytes.len()`. Eight bytes at a time: the words of a log header run long enough that a
/// byte loop (six instructions a byte) costs more than finding the lowest byte below `0x21` in
/// each eight; a control byte found there that `is_space` refuses is passed over.
pub fn find_space(bytes: &[u8], mut at: usize, is_space: impl Fn(u8) -> bool) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    while let Some(eight) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let x = u64::from_le_bytes(*eight);
        // The high bit of each byte below 0x21 is set; above the lowest such byte a borrow may
        // set others, so only the lowest one is taken.
        let below = x.wrapping_sub(ONES * 0x21) & !x & HIGH;
        if below == 0 {
            at += 8;
            continue;
        }
        let found = at + (below.trailing_zeros() / 8) as usize;
        if is_space(bytes[found]) {
            return found;
        }
        at = found + 1;
    }
    while at < bytes.len() && (bytes[at] > b' ' || !is_space(bytes[at])) {
        at += 1;
    }
    at
}

/// Month and weekday names (as written in dates), which are masked next to a number.
pub fn is_month_or_day(word: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun",
    ];
    word.len() == 3 && NAMES.contains(&word)
}

#[cfg(test)]
mod tests {

    #[test]
    fn columns_are_cut_between_words_with_an_ellipsis() {
        let text =
            "cannot open /var/log/app/service-with-a-long-name.log: No such file or directory";
        assert_eq!(cut_words(text, 200), text);
        let cut = cut_words(text, 60);
        assert_eq!(
            cut,
            "cannot open /var/log/app/service-with-a-long-name.log: No…"
        );
        assert!(cut.len() <= 60);
        // no space near the end: cut at a character boundary
        assert_eq!(cut_words(&"é".repeat(40), 11), "éééé…");
        assert_eq!(cut_words("a word cut inside it", 14), "a word cut…");
    }

    use super::*;

    #[test]
    fn long_lines_are_cut_in_the_middle_on_character_boundaries() {
        let short = "repository URL 'x' contains a space";
        assert_eq!(shorten_long_lines(short), short);
        let value = format!("<{}>", "é".repeat(10_000));
        let long = format!("invalid value '{value}' for '--x': '{value}' is bad\nnext line");
        let cut = shorten_long_lines(&long);
        // the quotes are part of the word
        let quoted = format!(
            "'<{}...{}>'",
            "é".repeat(WORD_HEAD - 2),
            "é".repeat(WORD_TAIL - 2)
        );
        assert_eq!(
            cut,
            format!("invalid value {quoted} for '--x': {quoted} is bad\nnext line")
        );
        // prose is kept, however long the line; a word just at the limit is kept whole
        let prose = "a warning that runs on and on ".repeat(20);
        assert_eq!(shorten_long_lines(&prose), prose);
        let edge = format!("'{}'", "a".repeat(WORD_HEAD + WORD_TAIL + 1));
        assert_eq!(shorten_long_lines(&edge), edge);
        // a line of many short words is cut once it is very long
        let words = "[ ".repeat(10_000);
        let cut = shorten_long_lines(&words);
        assert_eq!(cut.chars().count(), LINE_HEAD + 3 + LINE_TAIL);
    }

    #[test]
    fn finds_spaces_as_a_byte_loop_does() {
        let naive = |bytes: &[u8], at: usize, is_space: fn(u8) -> bool| {
            (at..bytes.len())
                .find(|&i| is_space(bytes[i]))
                .unwrap_or(bytes.len())
        };
        // Every byte value, at every place of texts long enough for several eights, among
        // control bytes and bytes above 0x80 (borrows run across them).
        let fills: [&[u8]; 4] = [b"abcdefgh", b"\x01\x1f\x7f!", "é€".as_bytes(), b"\x00\xff"];
        let tests: [fn(u8) -> bool; 2] = [is_ascii_space, |b: u8| b.is_ascii_whitespace()];
        for fill in fills {
            for b in 0..=255u8 {
                for place in 0..20 {
                    let mut bytes: Vec<u8> = fill.iter().copied().cycle().take(24).collect();
                    bytes[place] = b;
                    for at in [0, 1, 7, 8, 9, place, 23, 24] {
                        for is_space in tests {
                            assert_eq!(
                                find_space(&bytes, at, is_space),
                                naive(&bytes, at, is_space),
                                "{bytes:?} from {at}"
                            );
                        }
                    }
                }
            }
        }
    }

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
