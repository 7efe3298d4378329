//! The dashboard's pages over real HTTP on 127.0.0.1, and in a real browser: headless Chromium
//! (Debian's `chromium`, installed by scripts/test) loads each page and the test reads the DOM it
//! built. A log message holding `<script>` and `onerror=` shows as text and never runs.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::serve::Served;
use common::Luffy;

const SCRIPT: &str = "<script>document.title='pwned'</script>";
const IMG: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";

/// A sandbox whose service `web` fetched a log with the two planted messages (cluster 1, an
/// exception whose title holds the `<script>`; cluster 2, a template whose sample holds the
/// `<img onerror>`), wrote their reports (generation 1), and, for cluster 1, a second report by
/// hand whose Markdown holds raw HTML and a `javascript:` link.
fn planted() -> Luffy {
    let luffy = Luffy::new();
    let log = format!(
        "2024-01-15 10:00:00,000 ERROR app: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/srv/app/api.py\", line 3, in handler\n    \
         run()\n\
         ValueError: bad input {SCRIPT} end\n\
         2024-01-15 10:05:00,000 ERROR app: upload rejected {IMG} \x1b[2J done\n\
         2024-01-15 10:06:00,000 ERROR app: upload rejected {IMG} \x1b[2J done\n"
    );
    let path = luffy.file("app.log", &log);
    luffy.watch_file("web", "app", &path);
    luffy.ok(&["trigger", "fetch", "web"]);
    luffy.ok(&["trigger", "rca", "web"]);
    let markdown = format!(
        "# Hand-written report\n\nRaw {SCRIPT} inline, and a block:\n\n{IMG}\n\n\
         [a trap](javascript:document.title='pwned') and [the docs](https://example.com/docs)\n"
    );
    luffy
        .write_db()
        .execute(
            "INSERT INTO rca_reports (cluster_id, generation, generated_at, commit_id, model,
               cluster_count, regressed, report_json, report_markdown)
             VALUES (1, 2, '2024-01-15T10:20:00Z', NULL, NULL, 1, 0, '{}', ?1)",
            [markdown],
        )
        .expect("insert a report");
    luffy
}

/// (status, body) of a GET; any status is an answer.
fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.get(url).call().expect("an answer");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().expect("a text body");
    (status, body)
}

/// The text of the page's `<title>`.
fn title(html: &str) -> &str {
    html.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map_or("", |(t, _)| t)
}

#[test]
fn every_page_answers_over_http_with_its_content() {
    let luffy = planted();
    // half an hour after the fetch and the reports
    let served = Served::start(&luffy, &[("LUFFY_NOW", "2024-01-15T11:00:00Z")]);
    let pages: [(&str, &str, &[&str]); 8] = [
        ("/", "services · luffy", &["<a href=\"/services/web\">web</a>", ">30m ago</time>", "<span class=\"warn\">now (fetch, rca)</span>", "Open clusters"]),
        ("/services/web", "web · luffy", &["app.log</code>", "ValueError: bad input &lt;script&gt;", "href=\"/clusters/1\"", "Recent task runs", "3 events, 2 new clusters, 7 lines", "2 reports of 2 clusters"]),
        ("/clusters/1", "cluster 1 · luffy", &["ValueError: bad input &lt;script&gt;document.title='pwned'&lt;/script&gt; end", "<dt>Events</dt><dd>1</dd>", "in-app", "href=\"/clusters/1/rca\"", "<svg class=\"chart\""]),
        ("/clusters/2", "cluster 2 · luffy", &["<dt>Events</dt><dd>2</dd>", "upload rejected &lt;img src=x onerror=&quot;document.body.setAttribute('data-pwned','1')&quot;&gt; \\x1b[2J done", "Grouped by message template, level and logger"]),
        ("/clusters/1/rca", "report of cluster 1 · luffy", &["<h1>Hand-written report</h1>", "<a href=\"https://example.com/docs\">the docs</a>", "&lt;script&gt;"]),
        ("/clusters/1/rca?generation=1", "report of cluster 1 · luffy", &["<h1>Root-cause report: cluster 1 (web)</h1>", "report #1"]),
        ("/notifications", "notifications · luffy", &["<h1>Notifications</h1>", "No notifications yet."]),
        ("/history", "history · luffy", &["<h1>History</h1>", "<td>fetch</td>", "<td>rca</td>"]),
    ];
    for (path, want_title, wants) in pages {
        let (status, body) = get(&served.url(path));
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(title(&body), want_title, "{path}");
        for want in wants {
            assert!(body.contains(want), "{path} lacks {want:?}:\n{body}");
        }
        assert!(!body.contains("<script"), "{path}: {body}");
        assert!(!body.contains("<img"), "{path}: {body}");
        assert!(!body.contains("href=\"javascript"), "{path}: {body}");
        // an escape sequence in a log line is shown, never sent to a terminal reading the page
        assert!(!body.contains('\x1b'), "{path}: {body}");
    }
    // the chart: a day of hourly bars, the last holding the cluster's one event
    let (_, body) = get(&served.url("/clusters/1"));
    assert_eq!(body.matches("<rect ").count(), 24, "{body}");
    assert!(
        body.contains("<title>2024-01-15 10:00: 1</title>"),
        "{body}"
    );
    assert!(served.stop());
}

#[test]
fn unknown_services_clusters_and_reports_are_404_pages() {
    let luffy = planted();
    let served = Served::start(&luffy, &[]);
    for (path, says) in [
        ("/services/nope", "There is no service 'nope'."),
        ("/clusters/99", "There is no cluster 99."),
        ("/clusters/x", "There is no cluster x."),
        (
            "/clusters/2/rca?generation=7",
            "Cluster 2 has no report #7.",
        ),
        ("/nothing/here", "Nothing lives at /nothing/here."),
    ] {
        let (status, body) = get(&served.url(path));
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains(says), "{path}: {body}");
        assert_eq!(title(&body), "not found · luffy", "{path}");
    }
}

#[test]
fn the_demo_shows_its_notifications_and_a_report_with_suspects() {
    let luffy = Luffy::new();
    let dir = luffy.path("demo");
    luffy.ok(&["demo", "--dir", dir.to_str().expect("a UTF-8 path")]);
    let db = dir.join("luffy.db");
    let served = Served::start(&luffy, &[("LUFFY_DB", db.to_str().expect("UTF-8"))]);
    let (status, body) = get(&served.url("/notifications"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("new_cluster"), "{body}");
    let (status, body) = get(&served.url("/clusters/2/rca"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<h1>Root-cause report: cluster 2"), "{body}");
    assert!(body.contains("<h2>Suspect commits</h2>"), "{body}");
    let (status, body) = get(&served.url("/"));
    assert_eq!(status, 200, "{body}");
    for id in ["api-service", "mobile-app", "web-app"] {
        assert!(body.contains(&format!("href=\"/services/{id}\"")), "{body}");
    }
}

/// Debian's headless Chromium; the test fails, saying why, when it is not installed.
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "this test needs a real browser, headless Chromium, and found no `chromium` on PATH: \
             scripts/test installs it as root (apt-get install -y chromium); install it, or run \
             scripts/test"
        )
    })
}

/// The DOM Chromium builds from `url`, after whatever the page would run.
fn dump_dom(browser: &PathBuf, luffy: &Luffy, url: &str) -> String {
    let profile = tempfile::tempdir().expect("a profile dir");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .env("HOME", luffy.path(""))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("a UTF-8 DOM")
}

#[test]
fn chromium_shows_log_text_as_text_and_runs_none_of_it() {
    let browser = chromium();
    let luffy = planted();
    let served = Served::start(&luffy, &[]);
    let script_text = "&lt;script&gt;document.title='pwned'&lt;/script&gt;";
    let img_text = "&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"&gt;";
    let pages: [(&str, &str, &[&str]); 8] = [
        ("/", "services · luffy", &["web", "Last fetch"]),
        (
            "/services/web",
            "web · luffy",
            &[script_text, "Recent task runs"],
        ),
        (
            "/clusters/1",
            "cluster 1 · luffy",
            &[script_text, "Why these events are grouped"],
        ),
        (
            "/clusters/2",
            "cluster 2 · luffy",
            &[img_text, "Events per hour"],
        ),
        (
            "/clusters/1/rca",
            "report of cluster 1 · luffy",
            &[
                script_text,
                img_text,
                "a trap",
                "href=\"https://example.com/docs\"",
            ],
        ),
        (
            "/clusters/2/rca",
            "report of cluster 2 · luffy",
            &["Root-cause report: cluster 2 (web)"],
        ),
        (
            "/notifications",
            "notifications · luffy",
            &["No notifications yet."],
        ),
        ("/history", "history · luffy", &["History", "rca"]),
    ];
    for (path, want_title, wants) in pages {
        let dom = dump_dom(&browser, &luffy, &served.url(path));
        assert_eq!(title(&dom), want_title, "{path}: the title changed:\n{dom}");
        for want in wants {
            assert!(dom.contains(want), "{path}: the DOM lacks {want:?}:\n{dom}");
        }
        assert!(!dom.contains("<script"), "{path}: a script element:\n{dom}");
        assert!(!dom.contains("<img"), "{path}: an img element:\n{dom}");
        assert!(
            !dom.contains("data-pwned=\""),
            "{path}: onerror ran:\n{dom}"
        );
        assert!(!dom.contains("href=\"javascript"), "{path}:\n{dom}");
    }
    assert!(served.stop());
}
