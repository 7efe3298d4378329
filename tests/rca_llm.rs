//! The optional narrative of a root-cause report, against a real HTTP listener on 127.0.0.1
//! speaking `/v1/chat/completions` (tiny_http, in the test): a good answer, an HTTP 500, an
//! answer that is not the JSON asked for, and no answer within the timeout. Without a narrative
//! the report is written all the same and says why.

mod common;

use std::time::Duration;

use common::git::{indexed_service, Repo};
use common::listener::{Listener, Reply};
use common::Luffy;
use serde_json::Value;

const DB_PY: &str = "\
class Repo:
    def fetch(self, item_id):
        return self.rows[item_id]
";

const LOG: &str = "\
2024-01-05 12:00:00,000 ERROR [worker-1] app.api: request failed
Traceback (most recent call last):
  File \"/srv/app/app/db.py\", line 3, in fetch
    return self.rows[item_id]
KeyError: 'item-7'
";

/// What the listener answers.
#[derive(Clone, Copy)]
enum Answer {
    Good,
    ServerError,
    NotJson,
    TooLate,
}

/// A chat-completions listener that answers every request as `answer` says; its endpoint.
fn listener(answer: Answer) -> (String, Listener) {
    let listener = Listener::start(move |_| {
        let content = r#"{"root_cause": "fetch indexes rows with a missing id", "explanation": "KeyError from self.rows[item_id]", "fix_suggestions": ["use rows.get and return 404"], "tests_to_add": ["fetch of a missing id"]}"#;
        let (status, text) = match answer {
            Answer::Good => (
                200,
                serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
                    .to_string(),
            ),
            Answer::ServerError => (500, "model crashed".to_string()),
            Answer::NotJson => (
                200,
                serde_json::json!({"choices": [{"message": {"role": "assistant", "content": "It is probably the database."}}]})
                    .to_string(),
            ),
            Answer::TooLate => {
                std::thread::sleep(Duration::from_secs(4));
                (200, "{}".to_string())
            }
        };
        Some(Reply::new(status, text))
    });
    (format!("{}/v1/chat/completions", listener.url), listener)
}

/// A service with one exception cluster, indexed; its rca run with `[llm]` at `endpoint`;
/// the report's JSON and Markdown.
fn report_with(endpoint: &str) -> (Value, String) {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("web"));
    repo.write("app/db.py", DB_PY);
    repo.commit("repo: fail loudly");
    indexed_service(&luffy, &repo, LOG);
    let config = luffy.file(
        "config.toml",
        &format!(
            "[llm]\nendpoint = \"{endpoint}\"\nmodel = \"smollm2\"\n\
             api_key_env = \"LUFFY_TEST_LLM_KEY\"\ntimeout_seconds = 1\n"
        ),
    );
    let config = config.to_str().unwrap();
    let out = luffy
        .command(&["--config", config, "trigger", "rca", "app", "--json"])
        .env("LUFFY_TEST_LLM_KEY", "sk-test-4f9a1c")
        .output()
        .expect("run luffy");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["counts"]["reports"], 1, "{run}");
    let report: Value = serde_json::from_str(&luffy.ok(&["rca", "show", "1", "--json"])).unwrap();
    let md = luffy.ok(&["rca", "show", "1"]);
    (report, md)
}

#[test]
fn a_good_answer_becomes_the_narrative() {
    let (endpoint, llm) = listener(Answer::Good);
    let (report, md) = report_with(&endpoint);
    assert_eq!(report["model"], "smollm2");
    assert_eq!(report["narrative_error"], Value::Null);
    let n = &report["narrative"];
    assert_eq!(n["root_cause"], "fetch indexes rows with a missing id");
    assert_eq!(n["fix_suggestions"][0], "use rows.get and return 404");
    assert_eq!(n["tests_to_add"][0], "fetch of a missing id");
    assert!(
        md.contains("**Likely root cause:** fetch indexes rows with a missing id"),
        "{md}"
    );
    // The suspects are there as without a narrative.
    assert_eq!(report["suspects"][0]["summary"], "repo: fail loudly");

    let requests = llm.received();
    let got = requests.first().expect("a request");
    assert_eq!(got.header("Authorization"), Some("Bearer sk-test-4f9a1c"));
    let body: Value = serde_json::from_str(&got.body).unwrap_or(Value::Null);
    assert_eq!(body["model"], "smollm2");
    let prompt = body["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.contains("KeyError: item-7") || prompt.contains("KeyError: 'item-7'"),
        "{prompt}"
    );
    assert!(prompt.contains("app/db.py:3 in Repo.fetch"), "{prompt}");
    assert!(
        prompt.len() <= 6100,
        "bounded evidence: {} chars",
        prompt.len()
    );
    assert!(
        !body.to_string().contains("sk-test-4f9a1c"),
        "the key is never in the body"
    );
}

#[test]
fn an_http_error_leaves_the_report_without_a_narrative() {
    let (endpoint, _llm) = listener(Answer::ServerError);
    let (report, md) = report_with(&endpoint);
    assert_eq!(report["narrative"], Value::Null);
    let why = report["narrative_error"].as_str().unwrap();
    assert!(why.contains("answered HTTP 500: model crashed"), "{why}");
    assert!(md.contains("No narrative: "), "{md}");
    assert_eq!(report["suspects"][0]["summary"], "repo: fail loudly");
}

#[test]
fn an_answer_that_is_not_the_json_asked_for_is_refused() {
    let (endpoint, _llm) = listener(Answer::NotJson);
    let (report, _) = report_with(&endpoint);
    assert_eq!(report["narrative"], Value::Null);
    assert_eq!(report["narrative_error"], "the answer holds no JSON object");
}

#[test]
fn no_answer_within_the_timeout_leaves_the_report_without_a_narrative() {
    let (endpoint, _llm) = listener(Answer::TooLate);
    let (report, _) = report_with(&endpoint);
    assert_eq!(report["narrative"], Value::Null);
    let why = report["narrative_error"].as_str().unwrap();
    assert!(why.contains("did not answer within 1s"), "{why}");
}
