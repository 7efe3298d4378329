//! `luffy service ...` driven through the real binary.

mod common;

use common::json;

use common::{examples, Luffy};
use serde_json::Value;

#[test]
fn set_creates_a_missing_service_and_says_so() {
    let luffy = Luffy::new();
    let out = luffy.ok(&["service", "set", "web-app", "--log-interval", "15"]);
    assert_eq!(out, "created service web-app (it did not exist)\n");
    let show = json(&luffy.ok(&["service", "show", "web-app", "--json"]));
    assert_eq!(show["id"], "web-app");
    assert_eq!(show["name"], "web-app");
    assert_eq!(show["log_fetch_interval_minutes"], 15);
    assert_eq!(show["rca_generation_interval_minutes"], 15);
    assert_eq!(show["code_indexing_interval_hours"], 24);
    assert_eq!(show["git_branch"], "main");
    assert_eq!(show["is_active"], true);
    assert_eq!(show["last_log_fetch"], Value::Null);
    assert_eq!(show["created_at"], "2024-01-15T10:30:00Z");
    // Stored as not set, and where luffy keeps the checkout then.
    assert_eq!(show["git_repo_path"], Value::Null);
    let checkout = show["checkout"].as_str().unwrap();
    assert!(checkout.ends_with("/repos/web-app"), "{checkout}");
    luffy.ok(&["service", "set", "web-app", "--repo-path", "/srv/web"]);
    let show = json(&luffy.ok(&["service", "show", "web-app", "--json"]));
    assert_eq!(show["checkout"], "/srv/web");
}

#[test]
fn set_changes_only_the_flags_given() {
    let luffy = Luffy::new();
    luffy.ok(&[
        "service",
        "add",
        "api",
        "--repo",
        "git@github.com:company/api.git",
        "--branch",
        "production",
        "--rca-interval",
        "20",
        "--email",
        "api-team@company.com",
    ]);
    let before = json(&luffy.ok(&["service", "show", "api", "--json"]));
    let out = luffy.ok(&[
        "service",
        "set",
        "api",
        "--log-interval",
        "1h30m",
        "--index-interval",
        "2d",
    ]);
    assert_eq!(
        out,
        "updated service api\n  log_fetch_interval_minutes: 30 -> 90\n  code_indexing_interval_hours: 24 -> 48\n"
    );
    let after = json(&luffy.ok(&["service", "show", "api", "--json"]));
    for field in [
        "repository_url",
        "git_branch",
        "rca_generation_interval_minutes",
        "notification_email",
    ] {
        assert_eq!(before[field], after[field], "{field} changed");
    }
    assert_eq!(after["log_fetch_interval_minutes"], 90);
    assert_eq!(after["code_indexing_interval_hours"], 48);
    assert_eq!(
        luffy.ok(&["service", "set", "api", "--log-interval", "90m"]),
        "service api unchanged\n"
    );
    luffy.ok(&["service", "set", "api", "--email", "none", "--rca", "off"]);
    let cleared = json(&luffy.ok(&["service", "show", "api", "--json"]));
    assert_eq!(cleared["notification_email"], Value::Null);
    assert_eq!(cleared["rca_generation_enabled"], false);
}

#[test]
fn add_refuses_an_existing_id() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    let before = luffy.snapshot();
    let err = luffy.fails(&["service", "add", "web-app", "--log-interval", "5"], 2);
    assert!(err.contains("service 'web-app' already exists"), "{err}");
    assert_eq!(luffy.snapshot(), before);
}

#[test]
fn show_redacts_webhook_tokens() {
    let luffy = Luffy::new();
    luffy.ok(&[
        "service",
        "add",
        "web",
        "--webhook",
        "https://hooks.slack.com/services/T0/B0/s3cr3t",
    ]);
    let shown = luffy.ok(&["service", "show", "web"]);
    assert!(
        shown.contains("https://hooks.slack.com/services/***"),
        "{shown}"
    );
    for args in [
        &["service", "show", "web"][..],
        &["service", "show", "web", "--json"],
        &["service", "list"],
        &["service", "list", "--json"],
        &["status"],
        &["status", "web", "--json"],
    ] {
        assert!(
            !luffy.ok(args).contains("s3cr3t"),
            "{args:?} printed the token"
        );
    }
    // export is the configuration itself, so it keeps the URL for import
    assert!(luffy.ok(&["service", "export"]).contains("s3cr3t"));
}

#[test]
fn show_prints_the_configuration() {
    let luffy = Luffy::new();
    luffy.ok(&[
        "service",
        "import",
        examples().join("services.toml").to_str().unwrap(),
    ]);
    let out = luffy.ok(&["service", "show", "mobile-app"]);
    let expected = "\
id              mobile-app
name            mobile-app
active          yes
repository      https://github.com/company/mobile.git
branch          develop
repo path       /repos/mobile
token from      none
ssh key         ssh agent
path maps       none
log fetch       every 1h
rca             off
indexing        every 2d
notifications   yes
webhook         none
email           none
cooldown        1h
threshold       1/1m
events from     ERROR
app paths       default (everything but libraries and runtimes)
app packages    default (everything but libraries and runtimes)
suspect window  90 days (config)
last log fetch  never
last rca        never
last indexing   never
created         2024-01-15T10:30:00Z
updated         2024-01-15T10:30:00Z
";
    assert_eq!(out, expected);
}

#[test]
fn list_shows_every_service() {
    let luffy = Luffy::new();
    assert_eq!(
        luffy.ok(&["service", "list"]),
        "no services yet; add one with `luffy service add ID`\n"
    );
    luffy.ok(&[
        "service",
        "import",
        examples().join("services.json").to_str().unwrap(),
    ]);
    let out = luffy.ok(&["service", "list"]);
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("ID  "), "{out}");
    assert!(
        lines[1].contains("api-service") && lines[1].ends_with("email"),
        "{out}"
    );
    assert!(
        lines[2].contains("mobile-app") && lines[2].ends_with("nowhere"),
        "{out}"
    );
    assert!(
        lines[3].contains("web-app") && lines[3].ends_with("webhook"),
        "{out}"
    );
    let list = json(&luffy.ok(&["service", "list", "--json"]));
    assert_eq!(list.as_array().map(Vec::len), Some(3));
}

#[test]
fn rm_needs_yes_without_a_terminal() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    let before = luffy.snapshot();
    let err = luffy.fails(&["service", "rm", "web-app"], 2);
    assert!(err.contains("without --yes"), "{err}");
    assert_eq!(luffy.snapshot(), before);
    assert_eq!(
        luffy.ok(&["service", "rm", "web-app", "--yes"]),
        "removed service web-app\n"
    );
    assert_eq!(luffy.ok(&["service", "list", "--json"]), "[]\n");
}

#[test]
fn rm_asks_on_a_terminal() {
    // `script` gives luffy a real pseudo-terminal as standard input.
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    let bin = env!("CARGO_BIN_EXE_luffy");
    let run = |answer: &str| {
        let mut cmd = luffy.command(&[]);
        cmd.env("BIN", bin);
        let mut child = std::process::Command::new("script")
            .args(["-qec", "\"$BIN\" service rm web-app", "/dev/null"])
            .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script(1) from util-linux");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), answer.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let kept = run("n\n");
    assert!(kept.contains("Remove service 'web-app'"), "{kept}");
    assert!(kept.contains("kept service web-app"), "{kept}");
    assert!(luffy.ok(&["service", "list"]).contains("web-app"));
    let removed = run("y\n");
    assert!(removed.contains("removed service web-app"), "{removed}");
    assert_eq!(luffy.ok(&["service", "list", "--json"]), "[]\n");
}

#[test]
fn unknown_ids_suggest_a_close_one() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    let err = luffy.fails(&["service", "show", "web-ap"], 2);
    assert_eq!(
        err,
        "luffy: error: no service 'web-ap'; did you mean 'web-app'?\n"
    );
    let err = luffy.fails(&["service", "rm", "wepp-app", "--yes"], 2);
    assert!(err.contains("did you mean 'web-app'"), "{err}");
    let err = luffy.fails(&["service", "show", "billing"], 2);
    assert_eq!(
        err,
        "luffy: error: no service 'billing' (see `luffy service list`)\n"
    );
    assert!(luffy.ok(&["service", "list"]).contains("web-app"));
}

#[test]
fn import_reports_created_updated_unchanged() {
    let luffy = Luffy::new();
    let file = examples().join("services.json");
    let file = file.to_str().unwrap();
    luffy.ok(&["service", "set", "web-app", "--log-interval", "5"]);
    assert_eq!(
        luffy.ok(&["service", "import", file]),
        "updated   web-app\ncreated   api-service\ncreated   mobile-app\n"
    );
    let before = luffy.snapshot();
    assert_eq!(
        luffy.ok(&["service", "import", file]),
        "unchanged web-app\nunchanged api-service\nunchanged mobile-app\n"
    );
    assert_eq!(luffy.snapshot(), before);
    let web = json(&luffy.ok(&["service", "show", "web-app", "--json"]));
    assert_eq!(web["log_fetch_interval_minutes"], 15);
    assert_eq!(web["rca_generation_interval_minutes"], 10);
    assert_eq!(web["code_indexing_interval_hours"], 12);
    assert_eq!(web["git_repo_path"], "/repos/web-app");
    let api = json(&luffy.ok(&["service", "show", "api-service", "--json"]));
    assert_eq!(api["git_branch"], "production");
    assert_eq!(api["notification_email"], "api-team@company.com");
}

#[test]
fn import_dry_run_says_what_would_change_and_writes_nothing() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "set", "web-app", "--log-interval", "5"]);
    let before = luffy.snapshot();
    let file = examples().join("services.json");
    let out = luffy.ok(&["service", "import", "--dry-run", file.to_str().unwrap()]);
    assert_eq!(
        out,
        "would update web-app\nwould create api-service\nwould create mobile-app\n"
    );
    assert_eq!(luffy.snapshot(), before);
}

#[test]
fn import_reads_stdin_and_a_single_object() {
    let luffy = Luffy::new();
    let run = luffy.run_with_input(
        &["service", "import", "-"],
        r#"{"id": "billing", "name": "Billing", "log_fetch_interval_minutes": "2h"}"#,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "created   billing\n");
    let shown = json(&luffy.ok(&["service", "show", "billing", "--json"]));
    assert_eq!(shown["name"], "Billing");
    assert_eq!(shown["log_fetch_interval_minutes"], 120);
}

#[test]
fn export_import_export_is_identical() {
    for format in ["toml", "json"] {
        let first = Luffy::new();
        first.ok(&[
            "service",
            "import",
            examples().join("services.toml").to_str().unwrap(),
        ]);
        first.ok(&[
            "service",
            "set",
            "extra",
            "--name",
            "Extra \"quoted\" name",
            "--active",
            "off",
            "--webhook",
            "env:EXTRA_HOOK",
            "--notify",
            "off",
            "--indexing",
            "off",
        ]);
        let exported = first.ok(&["service", "export", "--format", format]);
        let second = Luffy::new();
        let file = second.file(&format!("services.{format}"), &exported);
        second.ok(&["service", "import", file.to_str().unwrap()]);
        assert_eq!(
            second.ok(&["service", "export", "--format", format]),
            exported
        );
        assert_eq!(
            second.ok(&["service", "import", file.to_str().unwrap()]),
            "unchanged api-service\nunchanged extra\nunchanged mobile-app\nunchanged web-app\n"
        );
    }
}

#[test]
fn export_of_one_service() {
    let luffy = Luffy::new();
    luffy.ok(&[
        "service",
        "import",
        examples().join("services.toml").to_str().unwrap(),
    ]);
    let out = luffy.ok(&["service", "export", "mobile-app"]);
    assert_eq!(
        out,
        "[[services]]\nid = \"mobile-app\"\nname = \"mobile-app\"\n\
         repository_url = \"https://github.com/company/mobile.git\"\ngit_branch = \"develop\"\n\
         git_repo_path = \"/repos/mobile\"\nlog_fetch_interval_minutes = 60\n\
         rca_generation_enabled = false\nrca_generation_interval_minutes = 15\n\
         code_indexing_enabled = true\ncode_indexing_interval_hours = 48\n\
         notification_enabled = true\nnotification_cooldown_minutes = 60\nnotification_threshold = \"1/1m\"\nis_active = true\nlevel_threshold = \"ERROR\"\n"
    );
    let err = luffy.fails(&["service", "export", "mobile"], 2);
    assert!(err.contains("did you mean 'mobile-app'"), "{err}");
}

#[test]
fn toml_and_json_examples_hold_the_same_services() {
    let a = Luffy::new();
    a.ok(&[
        "service",
        "import",
        examples().join("services.toml").to_str().unwrap(),
    ]);
    let b = Luffy::new();
    b.ok(&[
        "service",
        "import",
        examples().join("services.json").to_str().unwrap(),
    ]);
    assert_eq!(a.ok(&["service", "export"]), b.ok(&["service", "export"]));
}

#[test]
fn service_set_help_says_what_a_new_service_starts_with() {
    let luffy = Luffy::new();
    let help = luffy.ok(&["service", "set", "--help"]).replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for default in [
        "[a new service: 30 minutes]",
        "[a new service: 15 minutes]",
        "[a new service: 24 hours]",
        "[a new service: main]",
        "[a new service: ERROR]",
        "[a new service: 1h]",
    ] {
        assert!(help.contains(default), "{default} not in {help}");
    }
}

#[test]
fn commands_that_change_things_print_what_they_changed_with_json() {
    let luffy = Luffy::new();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&luffy.ok(&all)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let added = json(&["service", "add", "web", "--log-interval", "15"]);
    assert_eq!(added["id"], "web");
    assert_eq!(added["log_fetch_interval_minutes"], 15);
    let set = json(&["service", "set", "web", "--rca-interval", "45"]);
    assert_eq!(set["rca_generation_interval_minutes"], 45);
    assert_eq!(set, json(&["service", "show", "web"]));
    let log = luffy.file("app.log", "2024-01-15 10:00:00,000 ERROR app: down\n");
    let source = json(&[
        "source",
        "add",
        "web",
        "app",
        "--kind",
        "file",
        "--path",
        log.to_str().unwrap(),
    ]);
    assert_eq!(
        (&source["name"], &source["kind"]),
        (&"app".into(), &"file".into())
    );
    let source = json(&["source", "set", "web", "app", "--active", "off"]);
    assert_eq!(source["is_active"], false);
    assert_eq!(json(&["source", "list"])[0], source);
    luffy.ok(&["source", "set", "web", "app", "--active", "on"]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let resolved = json(&["cluster", "resolve", "1"]);
    assert_eq!(
        (&resolved["id"], &resolved["status"]),
        (&1.into(), &"resolved".into())
    );
    assert_eq!(json(&["cluster", "reopen", "1"])["status"], "open");
    let removed = json(&["source", "rm", "web", "app"]);
    assert_eq!(removed["removed"]["name"], "app");
    let removed = json(&["service", "rm", "web", "--yes"]);
    assert_eq!(removed["removed"]["id"], "web");
    assert_eq!(json(&["service", "list"]), serde_json::json!([]));
}
