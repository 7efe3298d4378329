//! Slack's text fields (mrkdwn and plain text alike): `&`, `<` and `>` are Slack's control
//! characters (`<!channel>`, `<url|label>`, `<@U123>`) and are sent as `&amp;`, `&lt;`, `&gt;`,
//! as Slack's "Escaping text" documentation asks; nothing else is encoded.

/// `text` as Slack shows it, never a mention or a link.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn mentions_and_links_arrive_as_text() {
        assert_eq!(
            super::text("<!channel> ping <http://evil.example|click here> & done"),
            "&lt;!channel&gt; ping &lt;http://evil.example|click here&gt; &amp; done"
        );
    }
}
