//! Notifications through the real binary, to real receivers on 127.0.0.1: an in-process HTTP
//! listener (`tiny_http`) that records each request and can answer 500 or hang, and a real SMTP
//! server (`aiosmtpd` from PyPI, installed by `scripts/test`, run by the python that
//! `LUFFY_TEST_PYTHON` names) writing a Maildir. Root-cause reports' messages are tested
//! against a real git repository with a known introducing commit.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::listener::{Listener, Reply, Request};
use common::{Luffy, Run};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// A token in webhook URLs and a signing secret: neither may show anywhere.
const TOKEN: &str = "T0KEN-s3cr3t-abc";
const SIGNING_SECRET: &str = "sign-me-0xdeadbeef";
/// The SMTP server's password for `luffy` (in `WEB_SMTP_PASSWORD`); `WEB_SMTP_WRONG` holds
/// another. Neither may show anywhere.
const SMTP_PASSWORD: &str = "smtp-pa55-word";
const SMTP_WRONG: &str = "not-the-pa55";

/// How the listener answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ok,
    Fail,
    Hang,
}

/// The webhooks' receiver: a [`Listener`] that answers as its mode says.
struct Hooks {
    listener: Listener,
    mode: Arc<Mutex<Mode>>,
}

impl Hooks {
    fn start() -> Hooks {
        Hooks::on("127.0.0.1:0")
    }

    fn on(addr: &str) -> Hooks {
        let mode = Arc::new(Mutex::new(Mode::Ok));
        let md = mode.clone();
        let listener = Listener::on(addr, move |_| {
            let status = match *md.lock().unwrap() {
                Mode::Ok => 200,
                Mode::Fail => 500,
                Mode::Hang => {
                    std::thread::sleep(Duration::from_secs(3));
                    return None;
                }
            };
            Some(Reply::new(status, "upstream broke"))
        });
        Hooks { listener, mode }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

impl std::ops::Deref for Hooks {
    type Target = Listener;

    fn deref(&self) -> &Listener {
        &self.listener
    }
}

/// A port nothing listens on (for now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A sandbox with a service `web` reading `app.log`, and a config file.
struct Setup {
    luffy: Luffy,
    log: PathBuf,
    config: PathBuf,
}

impl Setup {
    fn new(config: &str) -> Setup {
        let luffy = Luffy::new();
        let log = luffy.path("app.log");
        let config = luffy.file("config.toml", config);
        let setup = Setup { luffy, log, config };
        setup.ok(&["service", "add", "web"]);
        setup.ok(&[
            "source",
            "add",
            "web",
            "app",
            "--kind",
            "file",
            "--path",
            setup.log.to_str().unwrap(),
        ]);
        setup
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = self
            .luffy
            .command(args)
            .env("LUFFY_CONFIG", &self.config)
            .env("WEB_SIGNING_SECRET", SIGNING_SECRET)
            .env("WEB_SMTP_PASSWORD", SMTP_PASSWORD)
            .env("WEB_SMTP_WRONG", SMTP_WRONG)
            .env(
                "WEB_HOOK",
                format!("{}/from-env/{TOKEN}", "http://127.0.0.1:9"),
            )
            .stdin(Stdio::null())
            .output()
            .expect("run luffy");
        common::to_run(&output)
    }

    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_ok(args);
        for secret in [TOKEN, SIGNING_SECRET, SMTP_PASSWORD, SMTP_WRONG] {
            assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
        }
        run.stdout
    }

    fn append(&self, text: &str) {
        // the writer is done with it: its last record is not held
        common::append(&self.log, text);
    }

    /// `luffy --db PATH ARGS`: the command a notification names (the sandbox's database is not
    /// the default one).
    fn command(&self, args: &str) -> String {
        format!("luffy --db {} {args}", self.luffy.db.display())
    }

    fn outbox(&self) -> Vec<Value> {
        let list: Value = serde_json::from_str(&self.ok(&["notify", "list", "--json"])).unwrap();
        let mut rows = list.as_array().unwrap().clone();
        rows.reverse(); // oldest first
        rows
    }
}

/// A Python exception of type `kind` raised in function `function`: one cluster per pair.
fn trace(minute: u32, kind: &str, function: &str) -> String {
    trace_at(&format!("2024-01-15 10:{minute:02}:00,000"), kind, function)
}

/// [`trace`] at any time.
fn trace_at(time: &str, kind: &str, function: &str) -> String {
    format!(
        "{time} ERROR web: request failed
Traceback (most recent call last):
  File \"/app/api.py\", line 10, in handler
    {function}()
  File \"/app/db.py\", line 5, in {function}
    raise {kind}('bad input')
{kind}: bad input
"
    )
}

fn statuses(rows: &[Value]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["channel"].as_str().unwrap().to_string(),
                r["event"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_channel_gets_one_message_per_new_cluster_in_its_own_format() {
    let hooks = Hooks::start();
    let setup = Setup::new("[notify]\nwebhook_secret_env = \"WEB_SIGNING_SECRET\"\n");
    let webhooks = format!(
        "slack={0}/slack/{TOKEN}, googlechat={0}/chat/{TOKEN}, {0}/generic/{TOKEN}",
        hooks.url
    );
    setup.ok(&["service", "set", "web", "--webhook", &webhooks]);
    setup.append(&trace(1, "ValueError", "parse"));
    setup.append(&trace(2, "KeyError", "lookup"));
    let out = setup.ok(&["trigger", "fetch", "web"]);
    assert!(
        out.contains("notified web: 6 delivered in 6 message(s), 0 to retry, 0 dead"),
        "{out}"
    );

    let received = hooks.received();
    let paths: Vec<String> = received
        .iter()
        .map(|r| r.path.split('/').nth(1).unwrap().to_string())
        .collect();
    // Channel by channel, each in the order its events came.
    assert_eq!(
        paths,
        ["slack", "slack", "chat", "chat", "generic", "generic"]
    );
    let (slack, chat, generic) = (received[0].json(), received[2].json(), received[4].json());
    assert_eq!(
        slack["blocks"][0]["text"]["text"],
        "New error in web: ValueError: bad input"
    );
    let inspect = format!("Inspect: {}", setup.command("cluster show 1"));
    assert!(slack["text"].as_str().unwrap().contains(&inspect));
    assert_eq!(
        chat["cardsV2"][0]["card"]["header"]["title"],
        "New error in web"
    );
    assert!(
        chat["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["textParagraph"]["text"]
            .as_str()
            .unwrap()
            .starts_with("New error in web: ValueError: bad input<br>")
    );
    assert!(chat["text"]
        .as_str()
        .unwrap()
        .starts_with("New error in web"));
    assert_eq!(generic["version"], 1);
    assert_eq!(generic["event"], "new_cluster");
    assert_eq!(generic["service"]["id"], "web");
    assert_eq!(generic["cluster"]["id"], 1);
    assert_eq!(generic["cluster"]["title"], "ValueError: bad input");
    assert_eq!(generic["cluster"]["exception_type"], "ValueError");
    assert_eq!(generic["rca"], Value::Null);
    assert_eq!(
        received[5].json()["cluster"]["title"],
        "KeyError: bad input"
    );
    // Only the generic webhook is signed, with the secret from the environment.
    let mut mac = Hmac::<Sha256>::new_from_slice(SIGNING_SECRET.as_bytes()).unwrap();
    mac.update(received[4].body.as_bytes());
    let expected = luffy::notify::webhook::sign(SIGNING_SECRET.as_bytes(), b"");
    let expected: String = {
        use std::fmt::Write as _;
        let mut hex = String::new();
        for byte in mac.finalize().into_bytes() {
            write!(hex, "{byte:02x}").unwrap();
        }
        assert_ne!(hex, expected, "signed over the body");
        hex
    };
    assert_eq!(
        received[4].header("X-Luffy-Signature"),
        Some(format!("sha256={expected}").as_str())
    );
    assert_eq!(received[0].header("X-Luffy-Signature"), None);
    for request in &received {
        assert!(!request.body.contains(SIGNING_SECRET) && !request.body.contains(TOKEN));
    }

    let rows = setup.outbox();
    assert_eq!(rows.len(), 6);
    assert!(rows
        .iter()
        .all(|r| r["status"] == "delivered" && r["attempts"] == 1 && r["last_error"].is_null()));
    assert_eq!(rows[0]["channel"], "slack");
    assert_eq!(rows[0]["event"], "new_cluster");
    assert_eq!(rows[0]["cluster_id"], 1);
    // Nothing is due any more: a second delivery sends nothing.
    setup.ok(&["trigger", "notify", "web"]);
    assert_eq!(hooks.received().len(), 6);
    // The token stays hidden in what luffy prints.
    let table = setup.ok(&["notify", "list"]);
    assert!(table.contains("delivered"), "{table}");
    let show = setup.ok(&["service", "show", "web", "--json"]);
    assert!(show.contains("slack="), "{show}");
}

#[test]
fn log_text_is_never_a_mention_a_link_or_markup_in_any_channel() {
    let hooks = Hooks::start();
    let setup = Setup::new("");
    let webhooks = format!(
        "slack={0}/slack/{TOKEN}, googlechat={0}/chat/{TOKEN}, teams={0}/teams/{TOKEN}",
        hooks.url
    );
    setup.ok(&["service", "set", "web", "--webhook", &webhooks]);
    // exception messages, which titles keep as they are (a template would mask the URL)
    setup.append(&trace(1, "ValueError", "parse").replace(
        "bad input",
        "<!channel> ping <http://evil.example|click here> & done",
    ));
    setup.append(&trace(2, "KeyError", "lookup").replace(
        "bad input",
        "image <img src=x onerror=alert(1)> [a](http://evil.example) *b*",
    ));
    setup.ok(&["trigger", "fetch", "web"]);
    let received = hooks.received();
    let by = |path: &str| -> Vec<Value> {
        received
            .iter()
            .filter(|r| r.path.starts_with(path))
            .map(Request::json)
            .collect()
    };
    let slack = by("/slack/");
    assert_eq!(slack.len(), 2);
    let escaped = "&lt;!channel&gt; ping &lt;http://evil.example|click here&gt; &amp; done";
    assert!(
        slack[0]["text"].as_str().unwrap().contains(escaped),
        "{}",
        slack[0]
    );
    assert!(slack[0]["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .contains(escaped));
    for message in &slack {
        let body = message.to_string();
        assert!(
            !body.contains("<!channel>") && !body.contains("<http"),
            "{body}"
        );
    }
    let chat = by("/chat/");
    assert_eq!(chat.len(), 2);
    let paragraph = |m: &Value| {
        m["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["textParagraph"]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let card = chat.iter().map(ToString::to_string).collect::<String>();
    assert!(
        !card.contains("<img") && !card.contains("<!channel>"),
        "{card}"
    );
    assert!(
        chat.iter().any(|m| m["text"]
            .as_str()
            .unwrap()
            .contains("&lt;img src=x onerror=alert(1)&gt;")),
        "{card}"
    );
    let inspect = format!("Inspect: {}", setup.command("cluster show 1"));
    assert!(paragraph(&chat[0]).contains(&inspect));
    let teams = by("/teams/");
    assert_eq!(teams.len(), 2);
    let cards = teams.iter().map(ToString::to_string).collect::<String>();
    assert!(
        cards.contains(
            r"\\<img src\\=x onerror\\=alert\\(1\\)\\> \\[a\\]\\(http://evil\\.example\\) \\*b\\*"
        ),
        "{cards}"
    );
}

#[test]
fn a_regression_within_the_cooldown_is_told_once() {
    let hooks = Hooks::start();
    let setup = Setup::new("");
    setup.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        &format!("{}/h", hooks.url),
    ]);
    setup.append(&trace(1, "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    for _ in 0..2 {
        setup.ok(&["cluster", "resolve", "1"]);
        setup.append(&trace(3, "ValueError", "parse"));
        setup.ok(&["trigger", "fetch", "web"]);
    }
    let events: Vec<String> = hooks
        .received()
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["new_cluster", "regression"]);

    // Past the service's cooldown (here 30 minutes), the next regression is told again.
    setup.ok(&["service", "set", "web", "--notify-cooldown", "30m"]);
    let mut later = Setup { ..setup };
    later.luffy.now = "2024-01-15T11:05:00Z".into();
    later.ok(&["cluster", "resolve", "1"]);
    later.append(&trace(4, "ValueError", "parse"));
    later.ok(&["trigger", "fetch", "web"]);
    assert_eq!(hooks.received().len(), 3);
    assert_eq!(hooks.received()[2].json()["event"], "regression");
}

#[test]
fn more_than_five_events_for_a_channel_go_out_as_one_digest() {
    let hooks = Hooks::start();
    let setup = Setup::new("");
    setup.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        &format!("{}/h", hooks.url),
    ]);
    let kinds = [
        "AError", "BError", "CError", "DError", "EError", "FError", "GError",
    ];
    for (i, kind) in kinds.iter().enumerate() {
        setup.append(&trace(i as u32, kind, &format!("f{i}")));
    }
    let out = setup.ok(&["trigger", "fetch", "web"]);
    assert!(
        out.contains("notified web: 7 delivered in 1 message(s)"),
        "{out}"
    );
    let received = hooks.received();
    assert_eq!(received.len(), 1);
    let digest = received[0].json();
    assert_eq!(digest["version"], 1);
    assert_eq!(digest["event"], "digest");
    let titles: Vec<&str> = digest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["cluster"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 7);
    assert_eq!(titles[0], "AError: bad input");
    assert_eq!(titles[6], "GError: bad input");
    assert!(setup.outbox().iter().all(|r| r["status"] == "delivered"));
}

#[test]
fn a_receiver_down_then_up_gets_the_message_once_after_it_recovers() {
    let port = free_port();
    let setup = Setup::new("");
    let url = format!("http://127.0.0.1:{port}/hook/{TOKEN}");
    setup.ok(&["service", "set", "web", "--webhook", &url]);
    setup.append(&trace(1, "ValueError", "parse"));
    let run = setup.run(&["trigger", "fetch", "web"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("luffy: warning: webhook notification 1:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(TOKEN), "{}", run.stderr);
    let rows = setup.outbox();
    assert_eq!(
        statuses(&rows),
        [("webhook".into(), "new_cluster".into(), "retrying".into())]
    );
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[0]["next_attempt"], "2024-01-15T10:31:00Z");
    let error = rows[0]["last_error"].as_str().unwrap();
    assert!(error.contains("refused"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");

    // The receiver comes back; not yet due at the same time, due a minute later.
    let hooks = Hooks::on(&format!("127.0.0.1:{port}"));
    setup.ok(&["trigger", "notify", "web"]);
    assert_eq!(hooks.received().len(), 0);
    let mut later = Setup { ..setup };
    later.luffy.now = "2024-01-15T10:32:00Z".into();
    later.ok(&["trigger", "notify", "web"]);
    later.ok(&["trigger", "notify", "web"]);
    let received = hooks.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].json()["cluster"]["title"],
        "ValueError: bad input"
    );
    let rows = later.outbox();
    assert_eq!(rows[0]["status"], "delivered");
    assert_eq!(rows[0]["attempts"], 2);
}

#[test]
fn retry_all_delivers_every_waiting_notification_now() {
    let port = free_port();
    let setup = Setup::new("");
    let url = format!("http://127.0.0.1:{port}/hook/{TOKEN}");
    setup.ok(&["service", "set", "web", "--webhook", &url]);
    setup.append(&trace(1, "ValueError", "parse"));
    setup.append(&trace(2, "KeyError", "lookup"));
    assert_eq!(setup.run(&["trigger", "fetch", "web"]).code, 0);
    let waiting = |setup: &Setup| {
        setup
            .outbox()
            .iter()
            .filter(|r| r["status"] == "retrying")
            .count()
    };
    assert_eq!(waiting(&setup), 2);
    // the receiver is back: not due yet, so `trigger notify` leaves them; --all sends both now
    let hooks = Hooks::on(&format!("127.0.0.1:{port}"));
    setup.ok(&["trigger", "notify", "web"]);
    assert_eq!(hooks.received().len(), 0);
    let out = setup.ok(&["notify", "retry", "--all", "web"]);
    assert!(
        out.contains("notified web: 2 delivered in 2 message(s), 0 to retry, 0 dead"),
        "{out}"
    );
    assert_eq!(hooks.received().len(), 2);
    assert_eq!(waiting(&setup), 0);
    assert_eq!(
        setup.ok(&["notify", "retry", "--all"]).trim(),
        "nothing waits in the outbox"
    );
    // bad input: exit 2, naming what is wrong
    let run = setup.run(&["notify", "retry", "--all", "nope"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no service 'nope'"), "{}", run.stderr);
    let run = setup.run(&["notify", "retry", "web"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("'web' is no notification id"),
        "{}",
        run.stderr
    );
}

#[test]
fn errors_and_hangs_are_retried_with_backoff_and_die_past_the_max_age() {
    let hooks = Hooks::start();
    let setup = Setup::new("[notify]\ntimeout_seconds = 1\nmax_age_hours = 1\n");
    setup.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        &format!("{}/h", hooks.url),
    ]);
    hooks.set(Mode::Fail);
    setup.append(&trace(1, "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    let rows = setup.outbox();
    assert_eq!(rows[0]["status"], "retrying");
    assert_eq!(
        rows[0]["last_error"],
        format!("{}/h answered HTTP 500: upstream broke", hooks.url)
    );

    hooks.set(Mode::Hang);
    let mut later = Setup { ..setup };
    later.luffy.now = "2024-01-15T10:31:00Z".into();
    let started = Instant::now();
    let run = later.run(&["trigger", "notify", "web"]);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rows = later.outbox();
    assert_eq!(rows[0]["attempts"], 2);
    assert_eq!(rows[0]["next_attempt"], "2024-01-15T10:36:00Z");
    assert!(
        rows[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{rows:?}"
    );

    // Past the max age (1 h), the next failure is the last.
    hooks.set(Mode::Fail);
    later.luffy.now = "2024-01-15T11:40:00Z".into();
    later.run(&["trigger", "notify", "web"]);
    let rows = later.outbox();
    assert_eq!(rows[0]["status"], "dead");
    assert!(rows[0]["last_error"]
        .as_str()
        .unwrap()
        .starts_with("gave up after 3 attempts over 1h: "));
    let dead = later.ok(&["notify", "list", "--status", "dead", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&dead)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // `notify retry` brings it back and delivers it; it is as old as its event (the cooldown
    // counts from then).
    hooks.set(Mode::Ok);
    let created = later.outbox()[0]["created_at"].clone();
    let out = later.ok(&["notify", "retry", "1"]);
    assert_eq!(out, "notification 1: delivered\n");
    assert_eq!(later.outbox()[0]["status"], "delivered");
    assert_eq!(later.outbox()[0]["created_at"], created);
    let before = hooks.received().len();
    let err = later.run(&["notify", "retry", "1"]);
    assert_eq!(err.code, 2);
    assert!(
        err.stderr.contains("notification 1 was delivered already"),
        "{}",
        err.stderr
    );
    assert_eq!(hooks.received().len(), before);
}

#[test]
fn notify_test_reports_each_channel() {
    let hooks = Hooks::start();
    let setup = Setup::new("");
    let webhooks = format!(
        "slack={0}/slack/{TOKEN}, http://127.0.0.1:{1}/down/{TOKEN}",
        hooks.url,
        free_port()
    );
    setup.ok(&["service", "set", "web", "--webhook", &webhooks]);
    let run = setup.run(&["notify", "test", "web"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0], format!("slack {}/slack/***: ok", hooks.url));
    assert!(
        lines[1].starts_with("webhook http://127.0.0.1:"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("/down/***: failed: "), "{}", lines[1]);
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    assert!(
        run.stderr.contains("1 of 2 channel(s) of web failed"),
        "{}",
        run.stderr
    );
    let received = hooks.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].json()["blocks"][0]["text"]["text"],
        "Test notification from luffy for web"
    );
    // A test goes straight out, never through the outbox.
    assert!(setup.outbox().is_empty());
}

#[test]
fn a_service_without_channels_or_with_notifications_off_writes_nothing() {
    let hooks = Hooks::start();
    let setup = Setup::new("");
    setup.append(&trace(1, "ValueError", "parse"));
    let out = setup.ok(&["trigger", "fetch", "web"]);
    assert!(!out.contains("notified"), "{out}");
    assert!(setup.outbox().is_empty());
    assert_eq!(setup.ok(&["notify", "list"]), "no notifications\n");
    let run = setup.run(&["notify", "test", "web"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("service web has no notification channels; give it --webhook or --email"),
        "{}",
        run.stderr
    );

    setup.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        &format!("{}/h", hooks.url),
        "--notify",
        "off",
    ]);
    setup.append(&trace(2, "KeyError", "lookup"));
    setup.ok(&["trigger", "fetch", "web"]);
    assert!(setup.outbox().is_empty());
    assert!(hooks.received().is_empty());
    // Its configuration is kept: on again, the next new cluster is told.
    setup.ok(&["service", "set", "web", "--notify", "on"]);
    setup.append(&trace(3, "TypeError", "convert"));
    setup.ok(&["trigger", "fetch", "web"]);
    assert_eq!(hooks.received().len(), 1);
    assert_eq!(
        hooks.received()[0].json()["cluster"]["title"],
        "TypeError: bad input"
    );
}

#[test]
fn malformed_webhooks_and_emails_are_refused_and_nothing_is_written() {
    let setup = Setup::new("");
    let before = setup.luffy.snapshot();
    for (value, message) in [
        (
            "slack=ftp://hooks.example.com/x",
            "webhook 'ftp://hooks.example.com/x' is not an http(s) URL",
        ),
        (
            "msteams=https://hooks.example.com/x",
            "webhook kind 'msteams' is unknown; use slack, googlechat, teams, generic, github",
        ),
        (
            "https://ok.example.com/a, https://",
            "webhook URL 'https://' has no host",
        ),
        ("not a url", "is not an http(s) URL"),
        (",", "webhook list is empty"),
    ] {
        let run = setup.run(&["service", "set", "web", "--webhook", value]);
        assert_eq!(run.code, 2, "{value}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{value}: {}", run.stderr);
    }
    let run = setup.run(&[
        "service",
        "set",
        "web",
        "--email",
        "ops@example.com, not-an-address",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("email 'not-an-address' has no '@'"),
        "{}",
        run.stderr
    );
    assert_eq!(setup.luffy.snapshot(), before);
}

/// A running aiosmtpd writing a Maildir; stopped when dropped.
struct Smtp {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the test SMTP server behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SmtpKind {
    /// aiosmtpd's `Mailbox` handler: takes everything.
    Open,
    /// Refuses recipients `nobody@`.
    Rejecting,
    /// Takes mail only after AUTH (PLAIN or LOGIN) as `luffy` with [`SMTP_PASSWORD`];
    /// offered without TLS, as a local relay does.
    Auth,
}

/// Starts aiosmtpd writing a Maildir under `dir`, of the given kind.
fn start_smtp(dir: &Path, rejecting: bool) -> Smtp {
    start_smtp_kind(
        dir,
        if rejecting {
            SmtpKind::Rejecting
        } else {
            SmtpKind::Open
        },
    )
}

fn start_smtp_kind(dir: &Path, kind: SmtpKind) -> Smtp {
    let python = std::env::var("LUFFY_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("LUFFY_TEST_PYTHON is not set: run scripts/test, which installs aiosmtpd")
    });
    let port = free_port();
    let maildir = dir.join("maildir");
    let mut command = Command::new(&python);
    match kind {
        SmtpKind::Open | SmtpKind::Rejecting => {
            std::fs::write(
                dir.join("rejecting.py"),
                "from aiosmtpd.handlers import Mailbox\n\
                 class Rejecting(Mailbox):\n\
                 \x20   async def handle_RCPT(self, server, session, envelope, address, rcpt_options):\n\
                 \x20       if address.startswith('nobody@'):\n\
                 \x20           return '550 5.1.1 <' + address + '>: no such user here'\n\
                 \x20       envelope.rcpt_tos.append(address)\n\
                 \x20       return '250 OK'\n",
            )
            .unwrap();
            let handler = if kind == SmtpKind::Rejecting {
                "rejecting.Rejecting"
            } else {
                "aiosmtpd.handlers.Mailbox"
            };
            command.args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                handler,
            ]);
        }
        SmtpKind::Auth => {
            let script = dir.join("auth_server.py");
            std::fs::write(
                &script,
                format!(
                    "import sys, time\n\
                     from aiosmtpd.controller import Controller\n\
                     from aiosmtpd.handlers import Mailbox\n\
                     from aiosmtpd.smtp import AuthResult, LoginPassword\n\
                     def check(server, session, envelope, mechanism, data):\n\
                     \x20   ok = isinstance(data, LoginPassword) and data.login == b'luffy' \\\n\
                     \x20       and data.password == b'{SMTP_PASSWORD}'\n\
                     \x20   return AuthResult(success=ok, handled=False)\n\
                     controller = Controller(Mailbox(sys.argv[1]), hostname='127.0.0.1', \\\n\
                     \x20   port=int(sys.argv[2]), authenticator=check, auth_required=True, \\\n\
                     \x20   auth_require_tls=False)\n\
                     controller.start()\n\
                     while True:\n\
                     \x20   time.sleep(3600)\n"
                ),
            )
            .unwrap();
            command.arg(&script).arg(&maildir).arg(port.to_string());
        }
    }
    if kind != SmtpKind::Auth {
        command.arg(&maildir);
    }
    let child = command
        .env("PYTHONPATH", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start aiosmtpd with {python} ({err})"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Smtp {
        child,
        port,
        maildir,
    }
}

fn mails(smtp: &Smtp) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(smtp.maildir.join("new"))
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    // Python's Maildir names a message `SECONDS.M<micros>P<pid>Q<n>.<host>`, the microseconds
    // not zero-padded: the order delivered is the server's counter `Q<n>`.
    files.sort_by_key(|f| {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let counter = name
            .split('Q')
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .and_then(|n| n.parse::<u64>().ok());
        (counter.expect("a Maildir name with Q<n>"), name)
    });
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

fn smtp_config(port: u16) -> String {
    format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"luffy@example.com\"\n"
    )
}

#[test]
fn email_goes_to_every_recipient_with_text_and_html() {
    let luffy_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(luffy_dir.path(), false);
    let setup = Setup::new(&smtp_config(smtp.port));
    setup.ok(&[
        "service",
        "set",
        "web",
        "--email",
        "ops@example.com,dev@example.com",
    ]);
    setup.append(&trace(1, "ValueError", "parse"));
    let out = setup.ok(&["trigger", "fetch", "web"]);
    assert!(out.contains("notified web: 1 delivered"), "{out}");
    let mails = mails(&smtp);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        mail.contains("X-RcptTo: ops@example.com, dev@example.com"),
        "{mail}"
    );
    assert!(mail.contains("From: luffy@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: [luffy] New error in web: ValueError: bad input"),
        "{mail}"
    );
    assert!(mail.contains("Content-Type: text/plain"), "{mail}");
    assert!(mail.contains("Content-Type: text/html"), "{mail}");
    let inspect = format!("Inspect: {}", setup.command("cluster show 1"));
    assert!(mail.contains(&inspect), "{mail}");
    assert!(
        mail.contains("<h3>New error in web: ValueError: bad input</h3>"),
        "{mail}"
    );
    let rows = setup.outbox();
    assert_eq!(
        statuses(&rows),
        [("email".into(), "new_cluster".into(), "delivered".into())]
    );
}

#[test]
fn an_smtp_rejection_stays_in_the_outbox_with_the_servers_answer() {
    let luffy_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(luffy_dir.path(), true);
    let setup = Setup::new(&smtp_config(smtp.port));
    setup.ok(&[
        "service",
        "set",
        "web",
        "--email",
        "ops@example.com, nobody@example.com",
    ]);
    setup.append(&trace(1, "ValueError", "parse"));
    let run = setup.run(&["trigger", "fetch", "web"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("luffy: warning: email notification 1:"),
        "{}",
        run.stderr
    );
    assert!(mails(&smtp).is_empty());
    let rows = setup.outbox();
    assert_eq!(rows[0]["status"], "retrying");
    let error = rows[0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("550") && error.contains("no such user here"),
        "{error}"
    );

    // Without the bad recipient, the retry goes through.
    setup.ok(&["service", "set", "web", "--email", "ops@example.com"]);
    let out = setup.ok(&["notify", "test", "web"]);
    assert_eq!(out, "email ops@example.com: ok\n");
    let mails = mails(&smtp);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Subject: [luffy] Test notification from luffy for web"));
}

#[test]
fn a_burst_far_above_the_usual_rate_is_a_spike() {
    let hooks = Hooks::start();
    let setup = Setup::new("[notify]\nspike_factor = 10\nspike_min_count = 20\n");
    setup.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        &format!("{}/h", hooks.url),
    ]);
    // Seen the day before, then a few times in the 24 hours before the burst.
    setup.append(&trace_at("2024-01-14 05:00:00,000", "ValueError", "parse"));
    setup.append(&trace_at("2024-01-14 12:00:00,000", "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    // 19 more in an hour: not yet the minimum of 20.
    for second in 0..19 {
        setup.append(&trace_at(
            &format!("2024-01-15 10:00:{second:02},000"),
            "ValueError",
            "parse",
        ));
    }
    setup.ok(&["trigger", "fetch", "web"]);
    assert_eq!(hooks.received().len(), 1);
    // The 20th: 20 in the hour against 1/24 an hour before.
    setup.append(&trace_at("2024-01-15 10:00:30,000", "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    let received = hooks.received();
    let events: Vec<&str> = received.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    let spike = received[1].json();
    assert_eq!(spike["event"], "spike");
    assert_eq!(spike["cluster"]["last_hour"], 20);
    assert_eq!(spike["cluster"]["new_events"], 1);
    assert!((spike["cluster"]["hourly_mean"].as_f64().unwrap() - 1.0 / 24.0).abs() < 1e-9);
    // Within the cooldown, more of the burst is not told again.
    setup.append(&trace_at("2024-01-15 10:00:40,000", "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    assert_eq!(hooks.received().len(), 2);
}

#[test]
fn a_receiver_that_closes_the_connection_is_retried() {
    // A listener that reads the request and closes the connection without an answer.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(Mutex::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            *count.lock().unwrap() += 1;
            drop(stream);
        }
    });
    let setup = Setup::new("");
    let url = format!("http://127.0.0.1:{port}/hook/{TOKEN}");
    setup.ok(&["service", "set", "web", "--webhook", &url]);
    setup.append(&trace(1, "ValueError", "parse"));
    let run = setup.run(&["trigger", "fetch", "web"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(*accepted.lock().unwrap() >= 1);
    let rows = setup.outbox();
    assert_eq!(rows[0]["status"], "retrying");
    assert_eq!(rows[0]["attempts"], 1);
    let error = rows[0]["last_error"].as_str().unwrap();
    assert!(
        error.starts_with(&format!("http://127.0.0.1:{port}/hook/***: ")),
        "{error}"
    );
    assert!(!error.contains(TOKEN), "{error}");
}

#[test]
fn a_root_cause_report_is_told_with_its_top_suspect_once() {
    let hooks = Hooks::start();
    let luffy_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(luffy_dir.path(), false);
    let setup = Setup::new(&smtp_config(smtp.port));
    // db.py's line 5 is the raise of `trace`; api.py's line 10 the call.
    let mut repo = common::git::Repo::init(&setup.luffy.path("repo"));
    let api: String = (1..=9)
        .map(|n| format!("# api line {n}\n"))
        .chain(["def handler():\n    parse()\n".to_string()])
        .collect();
    repo.write("api.py", &api);
    repo.write(
        "db.py",
        "import json\n\n\ndef parse(text=''):\n    return json.loads(text)\n",
    );
    repo.commit("app: parse requests");
    repo.write("README", "the app\n");
    repo.commit("docs: a readme");
    repo.write(
        "db.py",
        "import json\n\n\ndef parse(text=''):\n    raise ValueError('bad input')\n",
    );
    let introducing = repo.commit("db: refuse unparsable input");
    let webhooks = format!("slack={0}/slack/{TOKEN}, {0}/generic/{TOKEN}", hooks.url);
    setup.ok(&[
        "service",
        "set",
        "web",
        "--repo",
        &repo.url(),
        "--path-map",
        "/app/=",
        "--webhook",
        &webhooks,
        "--email",
        "ops@example.com",
    ]);
    setup.append(&trace(1, "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    assert_eq!(hooks.received().len(), 2, "new_cluster to both webhooks");
    // without [serve] public_url the new_cluster names the command, with the database
    let inspect = format!("Inspect: {}", setup.command("cluster show 1"));
    let text = hooks.received()[0].json()["text"].to_string();
    assert!(text.contains(&inspect), "{text}");
    // with it, the report's notifications link to the dashboard's pages
    std::fs::write(
        &setup.config,
        format!(
            "{}\n[serve]\npublic_url = \"https://luffy.example.com/\"\n",
            smtp_config(smtp.port)
        ),
    )
    .unwrap();
    setup.ok(&["trigger", "index", "web"]);
    let out = setup.ok(&["trigger", "rca", "web"]);
    assert!(
        out.contains("notified web: 3 delivered in 3 message(s)"),
        "{out}"
    );

    let received = hooks.received();
    assert_eq!(received.len(), 4);
    let (slack, generic) = (received[2].json(), received[3].json());
    let short = &introducing[..10];
    let top = format!("Top suspect: {short} \"db: refuse unparsable input\" by Ada on 2024-01-03");
    assert_eq!(
        slack["blocks"][0]["text"]["text"],
        "Root cause ready in web: ValueError: bad input"
    );
    let text = slack["text"].as_str().unwrap();
    assert!(text.contains(&top), "{text}");
    assert!(text.contains("It last changed db.py:5"), "{text}");
    let report = "https://luffy.example.com/clusters/1/rca";
    assert!(text.contains(&format!("Report: {report}")), "{text}");
    assert!(
        text.contains("Cluster: https://luffy.example.com/clusters/1"),
        "{text}"
    );
    assert_eq!(generic["event"], "rca_ready");
    assert_eq!(generic["cluster"]["id"], 1);
    assert_eq!(generic["cluster"]["title"], "ValueError: bad input");
    assert_eq!(generic["rca"]["generation"], 1);
    assert_eq!(
        generic["rca"]["top_suspect"]["commit"],
        introducing.as_str()
    );
    assert_eq!(
        generic["rca"]["top_suspect"]["summary"],
        "db: refuse unparsable input"
    );
    assert_eq!(generic["rca"]["show"], setup.command("rca show 1"));
    assert_eq!(generic["rca"]["url"], report);
    assert_eq!(
        generic["cluster"]["url"],
        "https://luffy.example.com/clusters/1"
    );

    let mails = mails(&smtp);
    assert_eq!(mails.len(), 2, "new_cluster, then rca_ready");
    // Quoted-printable: soft line breaks joined, `=` decoded.
    let mail = mails[1]
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        mail.contains("Subject: [luffy] Root cause ready in web: ValueError: bad input"),
        "{mail}"
    );
    assert!(mail.contains("X-RcptTo: ops@example.com"), "{mail}");
    assert!(mail.contains(&top), "{mail}");
    assert!(mail.contains(&format!("Report: {report}")), "{mail}");
    assert!(
        mail.contains(&format!("<a href=\"{report}\">{report}</a>")),
        "{mail}"
    );
    for request in &received {
        assert!(!request.body.contains(TOKEN));
    }
    let table = setup.ok(&["history", "web"]);
    let notify = table.lines().find(|l| l.contains(" notify ")).unwrap();
    assert!(
        notify.contains("3 delivered in 3 messages, 0 to retry, 0 dead"),
        "{table}"
    );

    // More of the same error: a second report, with the same top suspect, is not news.
    setup.append(&trace(3, "ValueError", "parse"));
    setup.ok(&["trigger", "fetch", "web"]);
    let out = setup.ok(&["trigger", "rca", "web", "--json"]);
    let run: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(run["counts"]["grown"], 1, "{run}");
    assert_eq!(run["counts"]["notifications"], 0, "{run}");
    assert_eq!(hooks.received().len(), 4);
    let events: Vec<(String, String, String)> = statuses(&setup.outbox());
    assert_eq!(
        events
            .iter()
            .filter(|(_, event, status)| event == "rca_ready" && status == "delivered")
            .count(),
        3
    );
}

#[test]
fn email_authenticates_with_the_password_from_the_environment() {
    let luffy_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp_kind(luffy_dir.path(), SmtpKind::Auth);
    let config = |var: &str| {
        format!(
            "{}username = \"luffy\"\npassword_env = \"{var}\"\n",
            smtp_config(smtp.port)
        )
    };
    // The wrong password: refused by the server, retried later, the password nowhere.
    let setup = Setup::new(&config("WEB_SMTP_WRONG"));
    setup.ok(&["service", "set", "web", "--email", "ops@example.com"]);
    setup.append(&trace(1, "ValueError", "parse"));
    let run = setup.run(&["trigger", "fetch", "web"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("luffy: warning: email notification 1:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(SMTP_WRONG), "{}", run.stderr);
    assert!(mails(&smtp).is_empty());
    let rows = setup.outbox();
    assert_eq!(rows[0]["status"], "retrying");
    let error = rows[0]["last_error"].as_str().unwrap();
    assert!(error.contains("535"), "{error}");
    assert!(!error.contains(SMTP_WRONG), "{error}");

    // A variable that is not set says which.
    std::fs::write(&setup.config, config("WEB_SMTP_UNSET")).unwrap();
    let run = setup.run(&["notify", "test", "web"]);
    assert!(
        run.stdout
            .contains("WEB_SMTP_UNSET (smtp.password_env) is not set"),
        "{}",
        run.stdout
    );
    assert!(mails(&smtp).is_empty());

    // The right one: the retry goes through, once.
    std::fs::write(&setup.config, config("WEB_SMTP_PASSWORD")).unwrap();
    let out = setup.ok(&["notify", "retry", &rows[0]["id"].to_string()]);
    assert_eq!(out.trim(), "notification 1: delivered");
    let mails = mails(&smtp);
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("Subject: [luffy] New error in web: ValueError: bad input"),
        "{}",
        mails[0]
    );
    assert!(!mails[0].contains(SMTP_PASSWORD));
    assert_eq!(setup.outbox()[0]["status"], "delivered");
}

#[test]
fn a_teams_channel_gets_an_adaptive_card() {
    let hooks = Hooks::start();
    let setup = Setup::new("");
    let webhook = format!("teams={}/workflows/{TOKEN}", hooks.url);
    setup.ok(&["service", "set", "web", "--webhook", &webhook]);
    setup.append(&trace(1, "ValueError", "parse"));
    let out = setup.ok(&["trigger", "fetch", "web"]);
    assert!(out.contains("notified web: 1 delivered"), "{out}");
    let received = hooks.received();
    assert_eq!(received.len(), 1);
    let body = received[0].json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    let texts: Vec<&str> = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|block| block["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts[0], "New error in web: ValueError: bad input");
    // Markdown prose: `-` and `.` escaped
    let inspect = format!("Inspect: {}", setup.command("cluster show 1"))
        .replace('-', "\\-")
        .replace('.', "\\.");
    assert_eq!(texts.last(), Some(&inspect.as_str()));
    assert_eq!(card["body"][0]["weight"], "Bolder");
    assert!(!received[0].body.contains(TOKEN));
    assert_eq!(statuses(&setup.outbox())[0].0, "teams");
}

#[test]
fn the_demo_sends_its_outbox_to_the_webhook_it_is_given() {
    let hooks = Hooks::start();
    let luffy = Luffy::new();
    let dir = luffy.path("demo");
    let output = luffy
        .command(&["demo", "--dir", dir.to_str().unwrap()])
        .env("LUFFY_DEMO_WEBHOOK", format!("{}/demo/{TOKEN}", hooks.url))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{out}");
    assert!(
        out.contains(
            "notified web-app through $LUFFY_DEMO_WEBHOOK: 7 delivered in 1 message(s), 0 to retry"
        ),
        "{out}"
    );
    assert!(!out.contains(TOKEN), "{out}");
    let received = hooks.received();
    assert_eq!(received.len(), 1, "one digest");
    let digest = received[0].json();
    assert_eq!(digest["event"], "digest");
    let events = digest["events"].as_array().unwrap();
    assert_eq!(events.len(), 7);
    let ready: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "rca_ready")
        .collect();
    assert_eq!(ready.len(), 2, "{digest:#}");
    assert!(ready.iter().any(|e| e["rca"]["top_suspect"]["summary"]
        == "repo: fail loudly on missing rows instead of returning None"));
    // A second run has nothing new to tell.
    let again = luffy
        .command(&["demo", "--dir", dir.to_str().unwrap()])
        .env("LUFFY_DEMO_WEBHOOK", format!("{}/demo/{TOKEN}", hooks.url))
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(hooks.received().len(), 1);
}

/// Every channel's payload, one message and a digest, links to the cluster's page when
/// `[serve] public_url` is set.
#[test]
fn with_a_public_url_every_channel_links_to_the_clusters_page() {
    let hooks = Hooks::start();
    let luffy_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(luffy_dir.path(), false);
    let setup = Setup::new(&format!(
        "{}\n[serve]\npublic_url = \"https://luffy.example.com\"\n",
        smtp_config(smtp.port)
    ));
    let webhooks = format!(
        "slack={0}/slack/{TOKEN}, googlechat={0}/chat/{TOKEN}, teams={0}/teams/{TOKEN}, \
         {0}/generic/{TOKEN}",
        hooks.url
    );
    setup.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        &webhooks,
        "--email",
        "ops@example.com",
    ]);
    setup.append(&trace(1, "ValueError", "parse"));
    let out = setup.ok(&["trigger", "fetch", "web"]);
    assert!(out.contains("notified web: 5 delivered"), "{out}");
    let cluster = "https://luffy.example.com/clusters/1";
    let received = hooks.received();
    let by = |part: &str| -> Value {
        received
            .iter()
            .find(|r| r.path.contains(part))
            .unwrap_or_else(|| panic!("nothing on {part}"))
            .json()
    };
    let slack = by("/slack/");
    let section = slack["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(section.ends_with(&format!("Open: {cluster}")), "{section}");
    assert!(!section.contains("luffy cluster show"), "{section}");
    let chat = by("/chat/");
    let paragraph = chat["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["textParagraph"]
        ["text"]
        .as_str()
        .unwrap();
    assert!(
        paragraph.ends_with(&format!("Open: <a href=\"{cluster}\">{cluster}</a>")),
        "{paragraph}"
    );
    let teams = by("/teams/").to_string();
    assert!(
        teams.contains(&format!(
            "Open: [https://luffy\\\\.example\\\\.com/clusters/1](<{cluster}>)"
        )),
        "{teams}"
    );
    assert_eq!(by("/generic/")["cluster"]["url"], cluster);
    let first = mails(&smtp);
    let mail = first[0]
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(mail.contains(&format!("Open: {cluster}")), "{mail}");
    assert!(
        mail.contains(&format!("<a href=\"{cluster}\">{cluster}</a>")),
        "{mail}"
    );

    // a digest: every line links to its cluster, the list to the service's page
    let kinds = ["AError", "BError", "CError", "DError", "EError", "FError"];
    for (i, kind) in kinds.iter().enumerate() {
        setup.append(&trace(10 + i as u32, kind, &format!("f{i}")));
    }
    setup.ok(&["trigger", "fetch", "web"]);
    let received = hooks.received();
    let digest = received
        .iter()
        .rev()
        .find(|r| r.path.contains("/slack/"))
        .unwrap()
        .json();
    let text = digest["text"].as_str().unwrap();
    for id in 2..=7 {
        assert!(
            text.contains(&format!(
                "1 event): https://luffy.example.com/clusters/{id}\n"
            )),
            "{text}"
        );
    }
    assert!(
        text.ends_with("List them: https://luffy.example.com/services/web"),
        "{text}"
    );
    let generic = received
        .iter()
        .rev()
        .find(|r| r.path.contains("/generic/"))
        .unwrap()
        .json();
    assert_eq!(generic["event"], "digest");
    assert_eq!(
        generic["events"][0]["cluster"]["url"],
        "https://luffy.example.com/clusters/2"
    );
    let mails = mails(&smtp);
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].contains("https://luffy.example.com/clusters/7"),
        "{}",
        mails[1]
    );
}
