//! Log text is data on a terminal: the escape sequences a log line carries (clear screen,
//! colours, a window title) are shown as `\x1b...` on human output, never obeyed; `--json`
//! keeps the text exact.

mod common;

use common::Luffy;
use serde_json::Value;

#[test]
fn escape_sequences_in_log_text_are_shown_not_obeyed() {
    let luffy = Luffy::new();
    // an exception's message (a title keeps it; a template would mask the sequences)
    let log = "2024-01-15 10:00:00,000 ERROR app: request failed\n\
               Traceback (most recent call last):\n  \
               File \"/srv/app/api.py\", line 3, in handler\n    \
               run()\n\
               ValueError: boom \x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07 end\n\
               2024-01-15 10:00:01,000 ERROR app: plain \x1b[2J line\n";
    let path = luffy.file("app.log", log);
    luffy.watch_file("web", "app", &path);
    luffy.ok(&["trigger", "fetch", "web"]);
    for args in [
        &["clusters"][..],
        &["cluster", "show", "1"],
        &["source", "test", "web", "app"],
    ] {
        let out = luffy.ok(args);
        assert!(
            !out.contains('\x1b') && !out.contains('\x07'),
            "{args:?}: {out:?}"
        );
        assert!(out.contains(r"\x1b[2J"), "{args:?}: {out}");
    }
    let shown = luffy.ok(&["cluster", "show", "1"]);
    assert!(shown.contains(r"\x1b]0;pwned\x07 end"), "{shown}");
    // JSON keeps the text as the log has it
    let json: Value = serde_json::from_str(&luffy.ok(&["cluster", "show", "1", "--json"])).unwrap();
    assert_eq!(
        json["samples"][0]["text"],
        log.lines().take(5).collect::<Vec<_>>().join("\n")
    );
    assert_eq!(
        json["title"],
        "ValueError: boom \x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07 end"
    );
}

#[test]
fn long_values_are_cut_on_human_output_and_whole_in_json() {
    let luffy = Luffy::new();
    let long = "x".repeat(1024 * 1024);
    let path = luffy.file(
        "app.log",
        &format!("2024-01-15 10:00:00,000 ERROR app: payload {long} rejected\n"),
    );
    luffy.watch_file("web", "app", &path);
    luffy.ok(&["trigger", "fetch", "web"]);
    let shown = luffy.ok(&["cluster", "show", "1"]);
    assert!(shown.len() < 20_000, "{} bytes", shown.len());
    assert!(
        shown.contains("more characters: --json shows them"),
        "{}",
        &shown[..2000]
    );
    let json: Value = serde_json::from_str(&luffy.ok(&["cluster", "show", "1", "--json"])).unwrap();
    assert!(json["samples"][0]["text"].as_str().unwrap().len() > 60_000);
}
