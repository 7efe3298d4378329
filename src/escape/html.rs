//! HTML (the email's HTML part, Google Chat's text fields): `&`, `<`, `>`, `"` and `'` as
//! character references.

/// `text` as HTML text or attribute content.
pub fn text(text: &str) -> String {
    super::replaced(text, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    })
}

/// A link to `url` whose text is `label`, HTML already (escaped by [`text`]).
pub fn link(label: &str, url: &str) -> String {
    format!("<a href=\"{}\">{label}</a>", text(url))
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_arrives_as_text() {
        assert_eq!(
            super::text(r#"<img src=x onerror="alert('1')"> & co"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co"
        );
    }
}
