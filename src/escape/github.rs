//! GitHub Flavored Markdown as issues and comments render it: Markdown escaped as
//! [`super::markdown::text`] does, and what GitHub links after rendering neutralized. GitHub
//! finds `@user`/`@org/team` mentions (which notify) and `#123`/`GH-123` references in the
//! rendered text, where a backslash no longer is; a zero-width space (U+200B) after the `@`,
//! the `#` or `GH` breaks the pattern while the text reads the same.

use super::markdown;

/// Breaks a mention or an issue reference: put right after `@`, `#` or `GH`.
const BREAK: char = '\u{200B}';

/// GitHub's longest issue title.
const TITLE_MAX: usize = 256;

/// `text` as GitHub Markdown prose: no markup, HTML, mention or issue reference.
pub fn text(text: &str) -> String {
    markdown::text(&neutralize(text))
}

/// `text` as an issue title (plain text; GitHub links references in titles too): one line, no
/// mention or reference, at most 256 characters.
pub fn title(text: &str) -> String {
    let line = neutralize(&text.replace(['\r', '\n'], " "));
    if line.chars().count() <= TITLE_MAX {
        return line;
    }
    let mut cut: String = line.chars().take(TITLE_MAX - 1).collect();
    cut.push('…');
    cut
}

/// `text` with a zero-width space after each `@` or `#` that a word character follows, and
/// between the `GH` and the `-` of each `GH-`.
fn neutralize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let next = chars.peek().copied();
        match c {
            '@' | '#' if next.is_some_and(|n| n.is_alphanumeric() || n == '_') => out.push(BREAK),
            'H' | 'h'
                if next == Some('-')
                    && out.len() >= 2
                    && out[..out.len() - 1].ends_with(['G', 'g']) =>
            {
                out.push(BREAK);
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_references_are_broken() {
        assert_eq!(
            neutralize("ping @team and @org/sre about #123, GH-7 and a#b; me@host, 1 @ 2, # x"),
            "ping @\u{200B}team and @\u{200B}org/sre about #\u{200B}123, GH\u{200B}-7 and \
             a#\u{200B}b; me@\u{200B}host, 1 @ 2, # x"
        );
        assert_eq!(
            text("@team <b>*x*</b> #1"),
            "@\u{200B}team \\<b\\>\\*x\\*\\</b\\> \\#\u{200B}1"
        );
    }

    #[test]
    fn titles_are_one_line_and_not_too_long() {
        assert_eq!(
            title("Error: @admin\nsecond"),
            "Error: @\u{200B}admin second"
        );
        let long = "x".repeat(300);
        assert_eq!(title(&long).chars().count(), 256);
        assert!(title(&long).ends_with('…'));
    }
}
