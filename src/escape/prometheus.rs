//! The Prometheus text exposition format: a label value is quoted with `\`, `"` and line feeds
//! escaped; a `# HELP` line's text with `\` and line feeds escaped.

/// `value` as the inside of a quoted label value.
pub fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a `# HELP` line's docstring.
pub fn help(text: &str) -> String {
    text.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_and_breaks_are_escaped() {
        assert_eq!(super::label("a\"b\\c\nd"), r#"a\"b\\c\nd"#);
        assert_eq!(super::help("x\\y\nz \"q\""), r#"x\\y\nz "q""#);
    }
}
