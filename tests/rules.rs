//! Grouping rules through the real binary (`luffy rule add | list | rm`): each action on real log
//! files, first-match order, rules applying to records fetched after they are added, `cluster
//! show` naming the rule, export and import, and bad input.

mod common;

use common::{append, json, Luffy};
use serde_json::Value;

/// A Python trace of `ty` raised in `function` of `/app/api.py`, at minute `n`.
fn trace(n: u32, ty: &str, function: &str) -> String {
    format!(
        "2024-01-15 10:{n:02}:00,000 ERROR web: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/app/api.py\", line 1{n}, in {function}\n    call()\n\
         {ty}: gave up after {n}s\n"
    )
}

fn fetch(luffy: &Luffy) -> Value {
    json(&luffy.ok(&["trigger", "fetch", "web", "--json"]))
}

fn clusters(luffy: &Luffy) -> Vec<Value> {
    json(&luffy.ok(&["clusters", "--json"]))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn group_by_type_merges_frame_sets_of_one_type_from_the_next_fetch_on() {
    let (luffy, log) = Luffy::with_app_log();
    append(
        &log,
        &(trace(1, "TimeoutError", "handle") + &trace(2, "TimeoutError", "serve")),
    );
    fetch(&luffy);
    assert_eq!(
        luffy.cluster_counts().len(),
        2,
        "without a rule, two frame sets are two clusters"
    );
    let added = luffy.ok(&[
        "rule",
        "add",
        "web",
        "type:*TimeoutError",
        "--group-by",
        "type",
    ]);
    assert_eq!(
        added,
        "added rule 1 of web: type:*TimeoutError → by type\n\
         (it applies to records fetched from now on)\n"
    );
    append(
        &log,
        &(trace(3, "TimeoutError", "handle")
            + &trace(4, "TimeoutError", "serve")
            + &trace(5, "ValueError", "handle")),
    );
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["events"], 3);
    assert_eq!(report["counts"]["ignored"], 0);
    assert_eq!(
        luffy.cluster_counts(),
        [
            ("TimeoutError: gave up after 1s".to_string(), 1),
            ("TimeoutError: gave up after 2s".to_string(), 1),
            ("TimeoutError: gave up after 3s".to_string(), 2),
            ("ValueError: gave up after 5s".to_string(), 1),
        ],
        "the rule groups only what was fetched after it; ValueError is not matched"
    );
}

#[test]
fn group_by_message_ignores_logger_and_type() {
    let (luffy, log) = Luffy::with_app_log();
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "message:disk*",
        "--group-by",
        "message",
    ]);
    let line = |logger: &str, message: &str| {
        format!(
            "{{\"time\":\"2024-01-15T10:00:00Z\",\"level\":\"error\",\"logger\":\"{logger}\",\"message\":\"{message}\"}}\n"
        )
    };
    append(
        &log,
        &[
            line("db", "disk 3 is full"),
            line("cache", "disk 7 is full"),
            line("db", "out of memory"),
            line("cache", "out of memory"),
        ]
        .concat(),
    );
    fetch(&luffy);
    assert_eq!(
        luffy.cluster_counts(),
        [
            ("disk <NUM> is full".to_string(), 2),
            ("out of memory".to_string(), 1),
            ("out of memory".to_string(), 1),
        ]
    );
}

#[test]
fn fingerprint_sends_every_type_to_one_named_cluster() {
    let (luffy, log) = Luffy::with_app_log();
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "function:handle",
        "--fingerprint",
        "api-failures",
        "--title",
        "The API handler fails",
    ]);
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "type:KeyError",
        "--fingerprint",
        "keys",
    ]);
    append(
        &log,
        &(trace(1, "TimeoutError", "handle")
            + &trace(2, "ValueError", "handle")
            + &trace(3, "KeyError", "handle")
            + &trace(4, "KeyError", "serve")),
    );
    fetch(&luffy);
    assert_eq!(
        luffy.cluster_counts(),
        [
            ("The API handler fails".to_string(), 3),
            ("keys".to_string(), 1)
        ],
        "first match decides: a KeyError in handle goes to rule 1"
    );
}

#[test]
fn ignore_counts_records_and_clusters_none() {
    let (luffy, log) = Luffy::with_app_log();
    luffy.ok(&["rule", "add", "web", "type:KeyError", "--ignore"]);
    luffy.ok(&["rule", "add", "web", "type:*", "--group-by", "type"]);
    append(
        &log,
        &(trace(1, "KeyError", "handle")
            + &trace(2, "KeyError", "serve")
            + &trace(3, "ValueError", "handle")
            + "2024-01-15 10:04:00,000 ERROR db: down\n"),
    );
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["ignored"], 2, "{report}");
    assert_eq!(report["counts"]["events"], 2);
    assert_eq!(
        luffy.cluster_counts(),
        [
            ("ValueError: gave up after 3s".to_string(), 1),
            ("db: down".to_string(), 1)
        ],
        "type:* does not match a record without a trace: it groups as without rules"
    );
    let text = luffy.ok(&["trigger", "fetch", "web"]);
    assert!(!text.contains("ignored"), "nothing new: {text}");
    append(&log, &trace(5, "KeyError", "x"));
    let text = luffy.ok(&["trigger", "fetch", "web"]);
    assert!(
        text.contains("note: 1 records were ignored by grouping rules"),
        "{text}"
    );
}

#[test]
fn cluster_show_names_the_rule() {
    let (luffy, log) = Luffy::with_app_log();
    luffy.ok(&["rule", "add", "web", "level:FATAL", "--ignore"]);
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "type:*TimeoutError",
        "--group-by",
        "type",
    ]);
    append(
        &log,
        &(trace(1, "TimeoutError", "handle") + &trace(2, "ValueError", "x")),
    );
    fetch(&luffy);
    let all = clusters(&luffy);
    let id_of = |title: &str| {
        all.iter()
            .find(|c| c["title"].as_str().unwrap().starts_with(title))
            .unwrap()["id"]
            .to_string()
    };
    let timeout = id_of("TimeoutError");
    let shown = luffy.ok(&["cluster", "show", &timeout]);
    assert!(
        shown.contains("why these events are grouped:\n  rule 2: type:*TimeoutError → by type\n  fingerprint: exc-"),
        "{shown}"
    );
    let shown = json(&luffy.ok(&["cluster", "show", &timeout, "--json"]));
    assert_eq!(
        shown["rule"],
        serde_json::json!({"number": 2, "matchers": ["type:*TimeoutError"], "action": "by type"})
    );
    assert_eq!(
        shown["fingerprint_inputs"]["exceptions"][0]["exception_type"],
        "TimeoutError"
    );
    // the dashboard says the same, escaped
    let served = common::serve::Served::start(&luffy, &[]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let page = agent
        .get(served.url(&format!("/clusters/{timeout}")))
        .call()
        .expect("an answer")
        .body_mut()
        .read_to_string()
        .expect("a page");
    assert!(
        page.contains(
            "Grouped by a grouping rule of the service: <code>rule 2: type:*TimeoutError → by type</code>"
        ),
        "{page}"
    );
    assert!(served.stop());
    // removing the rule later leaves the cluster's note as it was when it was grouped
    luffy.ok(&["rule", "rm", "web", "1"]);
    let shown = json(&luffy.ok(&["cluster", "show", &timeout, "--json"]));
    assert_eq!(shown["rule"]["number"], 2);
    let other = json(&luffy.ok(&["cluster", "show", &id_of("ValueError"), "--json"]));
    assert_eq!(other["rule"], Value::Null);
}

#[test]
fn list_and_rm_by_position() {
    let (luffy, _log) = Luffy::with_app_log();
    assert_eq!(
        luffy.ok(&["rule", "list", "web"]),
        "web has no grouping rules (add one with `luffy rule add web MATCHER... --group-by type`)\n"
    );
    luffy.ok(&["rule", "add", "web", "type:A*", "--ignore"]);
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "type:B*",
        "logger:db",
        "--group-by",
        "message",
    ]);
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "type:C*",
        "--fingerprint",
        "c",
        "--title",
        "Cs",
    ]);
    luffy.ok(&["rule", "add", "web", "type:D*", "--ignore"]);
    assert_eq!(
        luffy.ok(&["rule", "list", "web"]),
        "N  MATCHERS           ACTION         TITLE\n\
         1  type:A*            ignore\n\
         2  type:B* logger:db  by message\n\
         3  type:C*            fingerprint c  Cs\n\
         4  type:D*            ignore\n"
    );
    assert_eq!(
        luffy.ok(&["rule", "rm", "web", "2"]),
        "removed rule 2 of web: type:B* logger:db → by message\n"
    );
    assert_eq!(
        json(&luffy.ok(&["rule", "rm", "web", "3", "--json"])),
        serde_json::json!({"removed": {"number": 3, "matchers": ["type:D*"], "action": "ignore"}})
    );
    let listed = json(&luffy.ok(&["rule", "list", "web", "--json"]));
    assert_eq!(
        listed,
        serde_json::json!([
            {"number": 1, "matchers": ["type:A*"], "action": "ignore"},
            {"number": 2, "matchers": ["type:C*"], "action": "fingerprint c", "title": "Cs"},
        ]),
        "the rules after the removed one move up"
    );
    let before = luffy.snapshot();
    let err = luffy.fails(&["rule", "rm", "web", "3"], 2);
    assert_eq!(err, "luffy: error: no rule 3; web has rules 1 to 2\n");
    luffy.fails(&["rule", "rm", "web", "0"], 2);
    let err = luffy.fails(&["rule", "rm", "nope", "1"], 2);
    assert!(err.contains("no service 'nope'"), "{err}");
    assert_eq!(luffy.snapshot(), before);
}

#[test]
fn rules_export_and_import_with_the_service() {
    let (luffy, _log) = Luffy::with_app_log();
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "type:*Timeout*",
        "path:/app/*",
        "--group-by",
        "type",
    ]);
    luffy.ok(&[
        "rule",
        "add",
        "web",
        "message:disk [0-9]*",
        "--fingerprint",
        "disk",
        "--title",
        "Disks",
    ]);
    let listed = luffy.ok(&["rule", "list", "web", "--json"]);
    for format in ["toml", "json"] {
        let exported = luffy.ok(&["service", "export", "--format", format]);
        assert!(exported.contains("grouping_rules"), "{exported}");
        let other = Luffy::new();
        let file = other.file("services", &exported);
        other.ok(&["service", "import", file.to_str().unwrap()]);
        assert_eq!(
            other.ok(&["rule", "list", "web", "--json"]),
            listed,
            "{format}"
        );
    }
    // a file from before rules imports, and one with a bad rule names it and writes nothing
    let other = Luffy::new();
    let old = other.file("old.json", r#"[{"id": "web", "level_threshold": "ERROR"}]"#);
    other.ok(&["service", "import", old.to_str().unwrap()]);
    assert_eq!(other.ok(&["rule", "list", "web", "--json"]), "[]\n");
    let before = other.snapshot();
    let bad = other.file(
        "bad.json",
        r#"[{"id": "web", "grouping_rules": [{"matchers": ["size:3"], "action": "ignore"}]}]"#,
    );
    let err = other.fails(&["service", "import", bad.to_str().unwrap()], 2);
    assert!(
        err.contains("field `grouping_rules`: rule 1: matcher 'size:3': unknown field 'size'"),
        "{err}"
    );
    assert_eq!(other.snapshot(), before);
}

#[test]
fn bad_rules_exit_2_naming_the_fault_and_write_nothing() {
    let (luffy, _log) = Luffy::with_app_log();
    luffy.ok(&["rule", "add", "web", "type:X", "--ignore"]);
    let before = luffy.snapshot();
    let cases: [(&[&str], &str); 7] = [
        (
            &["colour:red", "--ignore"],
            "matcher 'colour:red': unknown field 'colour'; the fields are type, message, logger, level, path, function",
        ),
        (&["type:", "--ignore"], "matcher 'type:': the glob is empty"),
        (&["type", "--ignore"], "matcher 'type' has no ':'"),
        (&["type:[a", "--ignore"], "matcher 'type:[a': bad glob"),
        (&["type:*"], "<--group-by <HOW>|--fingerprint <NAME>|--ignore>"),
        (&["type:*", "--fingerprint", " "], "--fingerprint NAME cannot be empty"),
        (&["type:*", "--ignore", "--title", "x"], "--title"),
    ];
    for (args, message) in cases {
        let mut all = vec!["rule", "add", "web"];
        all.extend_from_slice(args);
        let err = luffy.fails(&all, 2);
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(luffy.snapshot(), before, "{args:?}");
    }
    let err = luffy.fails(&["rule", "add", "nope", "type:*", "--ignore"], 2);
    assert!(err.contains("no service 'nope'"), "{err}");
    assert_eq!(luffy.snapshot(), before);
}
