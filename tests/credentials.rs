//! Credentials at rest: a password in a URL (a log source's `--url`, a repository URL, a webhook
//! URL) is refused when it is set; rows that hold one from before keep working, and `source
//! list` and `status` say that it is stored in the clear and how to move it.

mod common;

use common::listener::{Listener, Reply};
use common::Luffy;

/// A sandbox with one service, and the snapshot (with its sources) to compare after a failure.
fn with_service() -> (Luffy, String) {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "es",
        "--kind",
        "opensearch",
        "--url",
        "http://127.0.0.1:9200",
        "--index",
        "logs-*",
    ]);
    let snapshot = snapshot(&luffy);
    (luffy, snapshot)
}

fn snapshot(luffy: &Luffy) -> String {
    format!(
        "{}\n{}",
        luffy.snapshot(),
        luffy.ok(&["source", "list", "--json"])
    )
}

#[test]
fn passwords_in_urls_are_refused_where_they_are_set() {
    let (luffy, before) = with_service();
    let source_url = [
        "--url",
        "http://elastic:s3cret@127.0.0.1:9200",
        "--index",
        "logs-*",
    ];
    let refusals: Vec<(Vec<&str>, &str)> =
        vec![
        (
            [&["source", "add", "web", "es2", "--kind", "opensearch"][..], &source_url].concat(),
            "--url 'http://elastic:***@127.0.0.1:9200' holds credentials, which luffy would \
             store in the clear; give the URL without them ('http://127.0.0.1:9200') with \
             --username elastic and --password-env VAR",
        ),
        (
            vec![
                "source", "add", "web", "logs", "--kind", "loki", "--url",
                "https://grafana@loki.example.com", "--query", "{app=\"web\"}",
            ],
            "--url 'https://grafana@loki.example.com' holds credentials, which luffy would \
             store in the clear; give the URL without them ('https://loki.example.com') with \
             --username grafana and --password-env VAR",
        ),
        (
            vec!["source", "set", "web", "es", "--url", "http://elastic:s3cret@127.0.0.1:9200"],
            "--username elastic and --password-env VAR",
        ),
        (
            vec!["service", "set", "web", "--repo", "https://bot:s3cret@git.example.com/web.git"],
            "repository URL 'https://bot:***@git.example.com/web.git' holds a password, which \
             luffy would store in the clear",
        ),
        (
            vec!["service", "add", "api", "--repo", "https://bot:s3cret@git.example.com/a.git"],
            "holds a password",
        ),
        (
            vec!["service", "set", "web", "--webhook", "https://u:s3cret@hooks.example.com/x"],
            "webhook URL 'https://***@hooks.example.com/x' holds a password, which luffy would \
             store in the clear; put the URL in an environment variable and give --webhook \
             env:VAR",
        ),
    ];
    for (args, needle) in refusals {
        let err = luffy.fails(&args, 2);
        assert!(err.contains(needle), "{args:?}:\n{err}");
        assert!(
            !err.contains("s3cret"),
            "{args:?} printed the secret: {err}"
        );
        assert_eq!(snapshot(&luffy), before, "{args:?} changed the database");
    }
    let file = luffy.file(
        "services.toml",
        "[[services]]\nname = \"api\"\nrepository_url = \"https://bot:s3cret@git.example.com/a.git\"\n",
    );
    let err = luffy.fails(&["service", "import", file.to_str().expect("utf-8")], 2);
    assert!(err.contains("holds a password"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert_eq!(snapshot(&luffy), before);
    // a user name alone in an SSH repository URL is no secret
    luffy.ok(&[
        "service",
        "set",
        "web",
        "--repo",
        "ssh://git@git.example.com/web.git",
    ]);
}

#[test]
fn a_password_stored_before_keeps_working_and_is_warned_about() {
    // a listener that refuses every request with HTTP 401
    let listener = Listener::start(|_| Some(Reply::new(401, r#"{"error":"unauthorized"}"#)));
    let port = listener.port();
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "es",
        "--kind",
        "opensearch",
        "--url",
        &format!("http://127.0.0.1:{port}"),
        "--index",
        "logs-*",
    ]);
    // what a luffy that did not refuse them stored
    luffy
        .write_db()
        .execute_batch(&format!(
            "UPDATE log_sources SET settings = json_set(settings, '$.url',
                 'http://elastic:s3cret@127.0.0.1:{port}');
             UPDATE services SET repository_url = 'https://bot:s3cret@git.example.com/web.git',
                 notification_webhook_url = 'https://u:s3cret@hooks.example.com/x'"
        ))
        .expect("store credentials");
    let db = luffy.db.display();
    let source_warning = format!(
        "luffy: warning: source web/es keeps a password in its URL, in the clear in {db}; move \
         it out: luffy source set web es --url 'http://127.0.0.1:{port}' --username elastic \
         --password-env VAR (an environment variable that holds the password)\n"
    );
    let repo_warning = format!(
        "luffy: warning: service web keeps a password in its repository URL, in the clear in \
         {db}; move it out: luffy service set web --repo 'https://git.example.com/web.git' (and \
         let git find the credentials: a credential helper, or an SSH URL)\n"
    );
    let webhook_warning = format!(
        "luffy: warning: service web keeps a password in its webhook URL, in the clear in {db}; \
         move it out: put the URL in an environment variable and run luffy service set web \
         --webhook env:VAR\n"
    );
    let list = luffy.run(&["source", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(list.stderr, source_warning);
    assert!(!list.stdout.contains("s3cret"), "{}", list.stdout);
    for args in [&["status"][..], &["status", "web"], &["status", "--json"]] {
        let status = luffy.run(args);
        assert_eq!(status.code, 0, "{}", status.stderr);
        assert_eq!(
            status.stderr,
            format!("{repo_warning}{webhook_warning}{source_warning}"),
            "{args:?}"
        );
        assert!(!status.stdout.contains("s3cret"), "{}", status.stdout);
    }
    // changing something else keeps the row as it is, and it is still read with its password
    luffy.ok(&["source", "set", "web", "es", "--index", "logs-web-*"]);
    luffy.ok(&["service", "set", "web", "--log-interval", "10"]);
    let err = luffy.fails(&["source", "test", "web", "es"], 1);
    assert!(
        err.contains(&format!(
            "http://elastic:***@127.0.0.1:{port} refused the credentials (HTTP 401): user \
             elastic with the password written in the URL (stored in the clear; move it to \
             --username and --password-env)"
        )),
        "{err}"
    );
    assert!(!err.contains("no credentials were sent"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    // base64("elastic:s3cret")
    let sent: Vec<Option<String>> = listener
        .received()
        .iter()
        .map(|r| r.header("Authorization").map(str::to_string))
        .collect();
    assert_eq!(
        sent.first(),
        Some(&Some("Basic ZWxhc3RpYzpzM2NyZXQ=".to_string()))
    );
    // moved out as the warning says: no warning, and the variable's password is sent
    luffy.ok(&[
        "source",
        "set",
        "web",
        "es",
        "--url",
        &format!("http://127.0.0.1:{port}"),
        "--username",
        "elastic",
    ]);
    let list = luffy.run(&["source", "list"]);
    assert_eq!(list.stderr, "");
}
