//! `GET /api/v1/services/status` is computed once per state of the database, and never
//! stale: a commit by another process (the CLI here) shows in the next answer, even within the
//! same second of the server's clock (fixed by `LUFFY_NOW`).

mod common;

use common::serve::Served;
use common::Luffy;
use serde_json::Value;

fn ids(served: &Served) -> Vec<String> {
    let text = ureq::get(&served.url("/api/v1/services/status"))
        .call()
        .expect("an answer")
        .body_mut()
        .read_to_string()
        .unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_status_answer_follows_every_commit() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let served = Served::start(&luffy, &[]);
    assert_eq!(ids(&served), ["web"]);
    assert_eq!(ids(&served), ["web"], "the cached answer is the same");
    luffy.ok(&["service", "add", "api"]);
    assert_eq!(ids(&served), ["api", "web"]);
    luffy.ok(&["service", "rm", "web", "--yes"]);
    assert_eq!(ids(&served), ["api"]);
    // concurrent clients all get the current answer
    let answers: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16).map(|_| scope.spawn(|| ids(&served))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|a| a == &["api"]), "{answers:?}");
    assert!(served.stop());
}
