//! Markdown (CommonMark/GitHub; `rca show --markdown`, Teams' Adaptive Card text): text from
//! outside goes into code spans and code blocks whose fence is longer than any run of backticks
//! inside, or is escaped, so that it never becomes HTML, a link, an image or emphasis.

/// `text` in an inline code span: a fence one backtick longer than the longest run inside,
/// padded with a space when the text starts or ends with a backtick; line breaks become spaces.
pub fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The fence of a code block holding `lines`: three backticks, or more than any run inside.
pub fn fence<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let longest = lines
        .into_iter()
        .map(|line| longest_run(line, '`'))
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// `text` as Markdown prose: every character Markdown or HTML would read as markup is
/// backslash-escaped (CommonMark lets any ASCII punctuation be), line breaks become spaces.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '<' | '>' | '&' | '~' | '"' | '=' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A link to `url` whose label is `label` as Markdown already (escaped by [`text`]): the
/// destination in angle brackets, with the characters that would end it percent-encoded.
pub fn link(label: &str, url: &str) -> String {
    let dest = url
        .replace('%', "%25")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace(' ', "%20")
        .replace(['\r', '\n'], "");
    // a `%` already part of an escape stays one
    let dest = restore_escapes(&dest);
    format!("[{label}](<{dest}>)")
}

/// `%25XX` back to `%XX` where XX are hex digits (an escape the URL had already).
fn restore_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("%25") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let hex = after.len() >= 2 && after.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit);
        out.push_str(if hex { "%" } else { "%25" });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for x in text.chars() {
        run = if x == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code("a `b` c"), "``a `b` c``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("two\nlines"), "`two lines`");
        assert_eq!(fence(["x", "```y```", "````"]), "`````");
        assert_eq!(fence(["no ticks"]), "```");
    }

    #[test]
    fn links_keep_their_destination_whole() {
        assert_eq!(
            link(
                &text("https://l.example/clusters/4"),
                "https://l.example/clusters/4"
            ),
            "[https://l\\.example/clusters/4](<https://l.example/clusters/4>)"
        );
        assert_eq!(
            link("x", "https://l.example/a b<c>%41%zz"),
            "[x](<https://l.example/a%20b%3Cc%3E%41%25zz>)"
        );
    }

    #[test]
    fn prose_never_becomes_markup() {
        assert_eq!(
            text("<img src=x onerror=alert(1)> [a](http://e.example) *b* `c`"),
            "\\<img src\\=x onerror\\=alert\\(1\\)\\> \\[a\\]\\(http://e\\.example\\) \\*b\\* \\`c\\`"
        );
    }
}
