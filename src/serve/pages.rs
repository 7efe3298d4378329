//! The dashboard: server-rendered pages (maud escapes every value it prints), no script.

use maud::{html, Markup, DOCTYPE};

use super::{Handler, Reply, Req};

/// The page at `segs`, or `None` when there is none.
pub fn route(_handler: &Handler, req: &Req, segs: &[&str]) -> Option<Reply> {
    if !req.is_read() {
        return None;
    }
    match segs {
        [] => Some(Reply::html(
            200,
            page("luffy", &html! { h1 { "luffy" } }).into_string(),
        )),
        _ => None,
    }
}

/// The page for a path that has none.
pub fn not_found(path: &str) -> Reply {
    Reply::html(
        404,
        page(
            "not found",
            &html! { h1 { "Not found" } p { "Nothing lives at " code { (path) } "." } },
        )
        .into_string(),
    )
}

/// A whole page around `body`.
pub fn page(title: &str, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) }
            }
            body { (body) }
        }
    }
}
