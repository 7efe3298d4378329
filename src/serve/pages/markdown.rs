//! Markdown to HTML for the report page, with pulldown-cmark: raw HTML in the Markdown is shown
//! as text (never passed through), and only `http(s)` links are kept (a `javascript:` link keeps
//! its text, loses its target); images become their alt text.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

/// `markdown` as HTML that holds no markup the Markdown's author wrote by hand.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // whether each open link or image is kept, innermost last
    let mut open: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = is_web_url(&dest_url);
            open.push(keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::Start(Tag::Image { .. }) => {
            open.push(false);
            None
        }
        Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
            open.pop().unwrap_or(false).then_some(Event::End(end))
        }
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Whether a link's target is an `http:` or `https:` URL.
fn is_web_url(url: &CowStr<'_>) -> bool {
    let url = url.trim_start().to_ascii_lowercase();
    url.starts_with("https://") || url.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let html =
            to_html("# Root cause\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Root cause</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
    }

    #[test]
    fn raw_html_is_text() {
        let html = to_html(
            "before <script>alert(1)</script> after\n\n<img src=x onerror=\"alert(2)\">\n\n<div>\nblock\n</div>\n",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;img src=x onerror="), "{html}");
    }

    #[test]
    fn only_web_links_are_kept() {
        let html = to_html(
            "[ok](https://example.com/a?b=1) [bad](javascript:alert(1)) [BAD]( JavaScript:x ) \
             <javascript:alert(3)> [data](data:text/html,x) ![pic](https://example.com/p.png)",
        );
        assert!(
            html.contains("<a href=\"https://example.com/a?b=1\">ok</a>"),
            "{html}"
        );
        assert!(
            !html.to_ascii_lowercase().contains("javascript:x"),
            "{html}"
        );
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("href=\"data"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("bad") && html.contains("BAD") && html.contains("pic"),
            "{html}"
        );
    }
}
