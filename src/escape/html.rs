//! HTML (the email's HTML part, Google Chat's text fields): `&`, `<`, `>`, `"` and `'` as
//! character references.

/// `text` as HTML text or attribute content.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
