//! `github=` channels through the real binary. GitHub itself is not reachable here, so a real
//! HTTP listener on 127.0.0.1 (`tiny_http`, in this process) stands in for it: it speaks the
//! subset of the REST API luffy calls (create an issue, comment on one, PATCH its state, read the
//! repository) under an Enterprise-style base (`/api/v3`), checks the bearer token on every
//! request (401 "Bad credentials" otherwise), keeps the issues it was asked to open, and can be
//! told to answer 500.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};

use common::listener::{Listener, Reply, Request};
use common::{Luffy, Run};
use serde_json::{json, Value};

/// The token luffy must send; it may show nowhere.
const TOKEN: &str = "ghp_t0ken-s3cr3t-abc";
/// A zero-width space: what breaks a mention or a reference in log text.
const ZWSP: char = '\u{200B}';

/// An issue the stand-in holds.
#[derive(Clone, Debug)]
struct Issue {
    title: String,
    body: String,
    labels: Value,
    state: String,
    comments: Vec<String>,
}

#[derive(Default)]
struct State {
    issues: Vec<Issue>,
    /// Answer 500 to this many more requests.
    failures: usize,
}

/// The stand-in for GitHub's REST API on 127.0.0.1.
struct FakeGithub {
    /// `http://127.0.0.1:PORT/api/v3`.
    api: String,
    state: Arc<Mutex<State>>,
    listener: Listener,
}

impl FakeGithub {
    fn start() -> FakeGithub {
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        // the answers link to the listener's own address, known once it listens
        let site = Arc::new(OnceLock::<String>::new());
        let web = site.clone();
        let listener = Listener::start(move |request| {
            let web = web.get().expect("the listener's address");
            let (status, answer) = answer(&mut st.lock().unwrap(), web, request);
            Some(Reply::json(status, &answer))
        });
        site.set(listener.url.clone()).expect("set once");
        FakeGithub {
            api: format!("{}/api/v3", listener.url),
            state,
            listener,
        }
    }

    fn repo(&self) -> String {
        format!("{}/repos/acme/shop", self.api)
    }

    fn requests(&self) -> Vec<Request> {
        self.listener.received()
    }

    fn issues(&self) -> Vec<Issue> {
        self.state.lock().unwrap().issues.clone()
    }

    fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().failures = n;
    }

    /// Closes an issue, as a team that fixed it would.
    fn close(&self, number: usize) {
        self.state.lock().unwrap().issues[number - 1].state = "closed".into();
    }
}

/// The stand-in's answer to one request (the listener recorded it first).
fn answer(state: &mut State, web: &str, request: &Request) -> (u16, Value) {
    if state.failures > 0 {
        state.failures -= 1;
        return (500, json!({"message": "Server Error"}));
    }
    if request.header("Authorization") != Some(&format!("Bearer {TOKEN}")) {
        return (401, json!({"message": "Bad credentials"}));
    }
    let Some(rest) = request.path.strip_prefix("/api/v3/repos/acme/shop") else {
        return (404, json!({"message": "Not Found"}));
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let issue_url = |n: usize| {
        json!({
            "number": n,
            "html_url": format!("{web}/acme/shop/issues/{n}"),
            "url": format!("{web}/api/v3/repos/acme/shop/issues/{n}"),
        })
    };
    let body = &serde_json::from_str(&request.body).unwrap_or(Value::Null);
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", []) => (200, json!({"full_name": "acme/shop"})),
        ("POST", ["issues"]) => {
            let Some(title) = body["title"].as_str() else {
                return (422, json!({"message": "Validation Failed"}));
            };
            state.issues.push(Issue {
                title: title.to_string(),
                body: body["body"].as_str().unwrap_or("").to_string(),
                labels: body["labels"].clone(),
                state: "open".into(),
                comments: Vec::new(),
            });
            (201, issue_url(state.issues.len()))
        }
        ("POST", ["issues", n, "comments"]) => match issue(state, n) {
            Some(issue) => {
                issue
                    .comments
                    .push(body["body"].as_str().unwrap_or("").to_string());
                (201, json!({"id": issue.comments.len()}))
            }
            None => (404, json!({"message": "Not Found"})),
        },
        ("PATCH", ["issues", n]) => {
            let number: usize = n.parse().unwrap_or(0);
            match issue(state, n) {
                Some(issue) => {
                    if let Some(s) = body["state"].as_str() {
                        issue.state = s.to_string();
                    }
                    (200, issue_url(number))
                }
                None => (404, json!({"message": "Not Found"})),
            }
        }
        _ => (404, json!({"message": "Not Found"})),
    }
}

fn issue<'a>(state: &'a mut State, number: &str) -> Option<&'a mut Issue> {
    let n: usize = number.parse().ok()?;
    state.issues.get_mut(n.checked_sub(1)?)
}

/// A sandbox with a service `web` reading `app.log`, a config file, and the token (or not).
struct Setup {
    luffy: Luffy,
    log: PathBuf,
    config: PathBuf,
    token: Option<(&'static str, &'static str)>,
}

impl Setup {
    fn new(config: &str) -> Setup {
        let luffy = Luffy::new();
        let log = luffy.path("app.log");
        let config = luffy.file("config.toml", config);
        let setup = Setup {
            luffy,
            log,
            config,
            token: Some(("GITHUB_TOKEN", TOKEN)),
        };
        setup.ok(&["service", "add", "web"]);
        let path = setup.log.to_str().unwrap().to_string();
        setup.ok(&[
            "source", "add", "web", "app", "--kind", "file", "--path", &path,
        ]);
        setup
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut command = self.luffy.command(args);
        command.env("LUFFY_CONFIG", &self.config);
        if let Some((var, token)) = self.token {
            command.env(var, token);
        }
        let run = common::to_run(&command.stdin(Stdio::null()).output().expect("run luffy"));
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
        run
    }

    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_ok(args);
        run.stdout
    }

    fn append(&self, text: &str) {
        common::append(&self.log, text);
    }

    /// The outbox, oldest first.
    fn outbox(&self) -> Vec<Value> {
        let list: Value = serde_json::from_str(&self.ok(&["notify", "list", "--json"])).unwrap();
        let mut rows = list.as_array().unwrap().clone();
        rows.reverse();
        rows
    }

    fn at(mut self, now: &str) -> Setup {
        self.luffy.now = now.into();
        self
    }
}

/// A Python exception of type `kind` raised in `function` with `message`: one cluster per
/// type and function.
fn trace(minute: u32, kind: &str, function: &str, message: &str) -> String {
    format!(
        "2024-01-15 10:{minute:02}:00,000 ERROR web: request failed
Traceback (most recent call last):
  File \"/app/api.py\", line 10, in handler
    {function}()
  File \"/app/db.py\", line 5, in {function}
    raise {kind}('{message}')
{kind}: {message}
"
    )
}

/// `(event, status)` of each outbox row, oldest first.
fn statuses(rows: &[Value]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["event"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

#[test]
fn a_new_cluster_opens_one_issue_that_later_events_comment_on_and_reopen() {
    let github = FakeGithub::start();
    // one notification at a time makes a digest elsewhere: never for github
    let setup = Setup::new("[notify]\ndigest_after = 1\n");
    let channel = format!("github={}/", github.repo());
    setup.ok(&["service", "set", "web", "--webhook", &channel]);
    let shown = setup.ok(&["service", "show", "web", "--json"]);
    assert!(
        shown.contains(&format!("github={}", github.repo())),
        "{shown}"
    );
    let out = setup.ok(&["notify", "test", "web"]);
    assert_eq!(out, format!("github {}: ok\n", github.repo()));
    assert!(github.issues().is_empty(), "a test opens no issue");

    setup.append(&trace(
        1,
        "ValueError",
        "parse",
        "bad <b>input</b> for @team, see #12",
    ));
    setup.append(&trace(2, "KeyError", "lookup", "user"));
    setup.ok(&["trigger", "fetch", "web"]);

    let issues = github.issues();
    assert_eq!(issues.len(), 2, "one issue per new cluster, no digest");
    let cluster: Value =
        serde_json::from_str(&setup.ok(&["cluster", "show", "1", "--json"])).unwrap();
    let title = cluster["title"].as_str().unwrap();
    assert!(title.contains("@team") && title.contains("#12"), "{title}");
    let neutral = title
        .replace("@team", &format!("@{ZWSP}team"))
        .replace("#12", &format!("#{ZWSP}12"));
    assert_eq!(issues[0].title, neutral);
    assert_eq!(issues[0].labels, json!(["luffy"]));
    assert_eq!(issues[0].state, "open");
    let body = &issues[0].body;
    assert!(
        body.starts_with("**New error in web: ValueError: bad \\<b\\>input"),
        "{body}"
    );
    assert!(body.contains(&format!("@{ZWSP}team")), "{body}");
    assert!(body.contains(&format!("\\#{ZWSP}12")), "{body}");
    assert!(!body.contains("<b>") && !body.contains("@team"), "{body}");
    // luffy's own "#1" would link the repository's issue 1: it is broken like log text's
    assert!(
        body.contains(&format!("- Cluster \\#{ZWSP}1 \\(exception\\)")),
        "{body}"
    );
    assert!(
        body.contains("<!-- luffy: service web, cluster 1 -->"),
        "{body}"
    );
    for request in github.requests() {
        assert_eq!(
            request.header("Authorization"),
            Some(&*format!("Bearer {TOKEN}"))
        );
    }
    assert_eq!(
        cluster["issue_url"],
        format!(
            "{}/acme/shop/issues/1",
            github.api.trim_end_matches("/api/v3")
        )
    );
    let text = setup.ok(&["cluster", "show", "2"]);
    assert!(text.contains("issue: http://127.0.0.1:"), "{text}");
    assert!(text.contains("/acme/shop/issues/2\n"), "{text}");
    let untold: Value = serde_json::from_str(&setup.ok(&["clusters", "--json"])).unwrap();
    assert_eq!(untold.as_array().unwrap().len(), 2);

    // More of the same: no second issue. Nor does a new_cluster delivered again (as after a
    // crash, or a retry by hand) open one: the cluster has its issue.
    setup.append(&trace(
        3,
        "ValueError",
        "parse",
        "bad <b>input</b> for @team, see #12",
    ));
    setup.ok(&["trigger", "fetch", "web"]);
    setup
        .luffy
        .write_db()
        .execute(
            "UPDATE notifications SET status = 'retrying' WHERE id = 1",
            [],
        )
        .unwrap();
    let before = github.requests().len();
    setup.ok(&["trigger", "notify", "web"]);
    assert_eq!(github.requests().len(), before, "nothing asked of GitHub");
    assert_eq!(github.issues().len(), 2);
    assert_eq!(setup.outbox()[0]["status"], "delivered");

    // A root-cause report: a comment on each issue, linking the report's page.
    std::fs::write(
        &setup.config,
        "[notify]\ndigest_after = 1\n[serve]\npublic_url = \"https://luffy.example.com\"\n",
    )
    .unwrap();
    // a repository whose last commit changed the raising line: the report has a suspect
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
    repo.write(
        "db.py",
        "import json\n\n\ndef parse(text=''):\n    raise ValueError(text)\n",
    );
    repo.commit("db: refuse @everyone's input, fixes #7");
    setup.ok(&[
        "service",
        "set",
        "web",
        "--repo",
        &repo.url(),
        "--path-map",
        "/app/=",
    ]);
    setup.ok(&["trigger", "index", "web"]);
    setup.ok(&["trigger", "rca", "web"]);
    let issues = github.issues();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0].comments.len(), 1);
    let comment = &issues[0].comments[0];
    assert!(
        comment.starts_with("**Root cause ready in web: "),
        "{comment}"
    );
    assert!(
        comment.contains(&format!(
            "db: refuse @{ZWSP}everyone's input, fixes \\#{ZWSP}7"
        )),
        "{comment}"
    );
    assert!(
        comment.contains(
            "Report: [https://luffy\\.example\\.com/clusters/1/rca](<https://luffy.example.com/clusters/1/rca>)"
        ),
        "{comment}"
    );

    // The team closes the issue; the error comes back: the issue reopens, with a comment.
    github.close(1);
    setup.ok(&["cluster", "resolve", "1"]);
    setup.append(&trace(
        4,
        "ValueError",
        "parse",
        "bad <b>input</b> for @team, see #12",
    ));
    setup.ok(&["trigger", "fetch", "web"]);
    let issues = github.issues();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0].state, "open");
    assert_eq!(issues[0].comments.len(), 2);
    assert!(issues[0].comments[1].starts_with("**Regression in web: "));
    let patch = github
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .expect("a PATCH");
    assert_eq!(patch.path, "/api/v3/repos/acme/shop/issues/1");
    assert_eq!(patch.json()["state"], "open");
    assert!(statuses(&setup.outbox())
        .iter()
        .all(|(_, s)| s == "delivered"));
}

#[test]
fn a_server_error_is_retried_and_the_issue_opens_once() {
    let github = FakeGithub::start();
    let setup = Setup::new("");
    let channel = format!("github={}", github.repo());
    setup.ok(&["service", "set", "web", "--webhook", &channel]);
    github.fail_next(1);
    setup.append(&trace(1, "ValueError", "parse", "bad input"));
    let run = setup.run(&["trigger", "fetch", "web"]);
    assert!(
        run.stdout.contains("1 to retry") || run.code != 0,
        "{}",
        run.stdout
    );
    let rows = setup.outbox();
    assert_eq!(statuses(&rows), pairs(&[("new_cluster", "retrying")]));
    assert_eq!(
        rows[0]["last_error"],
        format!(
            "POST {}/issues answered HTTP 500: Server Error",
            github.repo()
        )
    );
    assert!(github.issues().is_empty());
    let cluster: Value =
        serde_json::from_str(&setup.ok(&["cluster", "show", "1", "--json"])).unwrap();
    assert_eq!(cluster["issue_url"], Value::Null);

    let later = setup.at("2024-01-15T10:32:00Z");
    later.ok(&["trigger", "notify", "web"]);
    assert_eq!(github.issues().len(), 1);
    assert_eq!(
        statuses(&later.outbox()),
        pairs(&[("new_cluster", "delivered")])
    );
    later.ok(&["trigger", "notify", "web"]);
    assert_eq!(github.issues().len(), 1);
}

#[test]
fn a_refused_token_is_retried_until_the_notification_is_dead() {
    let github = FakeGithub::start();
    let mut setup = Setup::new("[notify]\nmax_age_hours = 1\n");
    setup.token = Some(("GITHUB_TOKEN", "ghp_wrong"));
    let channel = format!("github={}", github.repo());
    setup.ok(&["service", "set", "web", "--webhook", &channel]);
    setup.append(&trace(1, "ValueError", "parse", "bad input"));
    setup.run(&["trigger", "fetch", "web"]);
    let rows = setup.outbox();
    assert_eq!(rows[0]["status"], "retrying");
    assert_eq!(
        rows[0]["last_error"],
        format!(
            "POST {}/issues answered HTTP 401: Bad credentials",
            github.repo()
        )
    );
    assert_eq!(rows[0]["next_attempt"], "2024-01-15T10:31:00Z");
    assert_eq!(
        github.requests()[0].header("Authorization"),
        Some("Bearer ghp_wrong")
    );

    // Past the max age (1 h), the next failure is the last.
    let later = setup.at("2024-01-15T11:40:00Z");
    later.run(&["trigger", "notify", "web"]);
    let rows = later.outbox();
    assert_eq!(rows[0]["status"], "dead");
    let error = rows[0]["last_error"].as_str().unwrap();
    assert!(
        error.starts_with("gave up after 2 attempts over 1h: POST "),
        "{error}"
    );
    assert!(
        error.ends_with("answered HTTP 401: Bad credentials"),
        "{error}"
    );
    assert!(github.issues().is_empty());
}

#[test]
fn a_missing_token_variable_is_named_in_the_outbox() {
    let github = FakeGithub::start();
    let mut setup = Setup::new("[notify]\ngithub_token_env = \"SHOP_GITHUB_TOKEN\"\n");
    // the default variable is set, but the configuration names another
    let channel = format!("github={}", github.repo());
    setup.ok(&["service", "set", "web", "--webhook", &channel]);
    setup.append(&trace(1, "ValueError", "parse", "bad input"));
    setup.run(&["trigger", "fetch", "web"]);
    let rows = setup.outbox();
    assert_eq!(rows[0]["status"], "retrying");
    assert_eq!(
        rows[0]["last_error"],
        "the environment variable SHOP_GITHUB_TOKEN ([notify] github_token_env) is not set: it \
         holds the token that writes the issues of acme/shop"
    );
    assert!(github.requests().is_empty());

    // with it set, the retry opens the issue
    setup.token = Some(("SHOP_GITHUB_TOKEN", TOKEN));
    let later = setup.at("2024-01-15T10:32:00Z");
    later.ok(&["trigger", "notify", "web"]);
    assert_eq!(github.issues().len(), 1);
}

#[test]
fn malformed_github_channels_exit_2_naming_them_and_write_nothing() {
    let setup = Setup::new("");
    let before = setup.luffy.snapshot();
    for (value, message) in [
        (
            "github=not-a-url",
            "github channel 'not-a-url' is not an http(s) URL of the form API_URL/repos/OWNER/REPO",
        ),
        (
            "github=https://api.github.com",
            "github channel 'https://api.github.com' does not end in /repos/OWNER/REPO",
        ),
        (
            "github=https://ghe.example.com/api/v3/repos/acme",
            "github channel 'https://ghe.example.com/api/v3/repos/acme' does not end in /repos/OWNER/REPO",
        ),
        (
            "github=env:SHOP_REPO",
            "github channel 'env:SHOP_REPO' must be the repository's API URL itself",
        ),
    ] {
        let run = setup.run(&["service", "set", "web", "--webhook", value]);
        assert_eq!(run.code, 2, "{value}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{value}: {}", run.stderr);
    }
    let run = setup.run(&[
        "service",
        "add",
        "shop",
        "--webhook",
        "github=https://api.github.com/",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("does not end in /repos/OWNER/REPO"),
        "{}",
        run.stderr
    );
    assert_eq!(setup.luffy.snapshot(), before);
}
