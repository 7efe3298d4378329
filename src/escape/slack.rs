//! Slack's text fields (mrkdwn and plain text alike): `&`, `<` and `>` are Slack's control
//! characters (`<!channel>`, `<url|label>`, `<@U123>`) and are sent as `&amp;`, `&lt;`, `&gt;`,
//! as Slack's "Escaping text" documentation asks; nothing else is encoded.

/// `text` as Slack shows it, never a mention or a link.
pub fn text(text: &str) -> String {
    super::replaced(text, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        _ => None,
    })
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
