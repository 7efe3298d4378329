//! `cluster merge TARGET SOURCE...` and `cluster unmerge TARGET FINGERPRINT` (issue 28, part
//! 1): events, counts, hours and samples move; merged fingerprints route later events; an
//! unmerge takes back exactly the fingerprint's events.

mod common;

use std::path::PathBuf;

use common::{append, json, Luffy};
use serde_json::Value;

/// "connection refused": three at 10:0M.
const REFUSED: &str = "web.db: connection to 10.0.0.1:5432 refused after 3 retries";
/// "could not connect": the same outage from another code path.
const CANNOT: &str = "web.pool: could not connect to postgres: connection refused";
/// An unrelated error.
const EXPORT: &str = "web.jobs: job export failed";

fn line(hour: u32, minute: u32, text: &str) -> String {
    format!("2024-01-15 {hour:02}:{minute:02}:00,000 ERROR {text}\n")
}

/// A service `web` reading `app.log`, with a webhook no one listens on (its notifications stay
/// in the outbox), fetched once: REFUSED ×3 (10:00-10:02), CANNOT ×2 (09:10, 09:20), EXPORT ×1.
fn setup() -> (Luffy, PathBuf) {
    let (luffy, log) = Luffy::with_app_log();
    luffy.unheard_webhook("web", &[]);
    append(
        &log,
        &[
            line(9, 10, CANNOT),
            line(9, 20, CANNOT),
            line(10, 0, REFUSED),
            line(10, 1, REFUSED),
            line(10, 2, REFUSED),
            line(10, 5, EXPORT),
        ]
        .concat(),
    );
    luffy.ok(&["trigger", "fetch", "web"]);
    (luffy, log)
}

/// The id of the listed cluster whose title starts with `prefix`.
fn id_of(luffy: &Luffy, prefix: &str) -> Option<i64> {
    let list = json(&luffy.ok(&["clusters", "--json"]));
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap().starts_with(prefix))
        .map(|c| c["id"].as_i64().unwrap())
}

fn show(luffy: &Luffy, id: i64) -> Value {
    json(&luffy.ok(&["cluster", "show", &id.to_string(), "--json"]))
}

/// `(hour, count)` of `cluster show --json`'s hourly counts.
fn hours(shown: &Value) -> Vec<(String, u64)> {
    shown["hourly_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["hour"].as_str().unwrap()[11..16].to_string(),
                h["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The texts of a cluster's samples, sorted.
fn samples(shown: &Value) -> Vec<String> {
    let mut texts: Vec<String> = shown["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap()[30..].to_string())
        .collect();
    texts.sort();
    texts.dedup();
    texts
}

/// The messages of a cluster's stored events, by the runs that hold them, in id order.
fn events_of(luffy: &Luffy, id: i64) -> Vec<String> {
    let db = luffy.read_db();
    let mut stmt = db
        .prepare(
            "SELECT e.message, e.cluster_id FROM event_runs r
             JOIN events e ON e.id BETWEEN r.first_id AND r.last_id
             WHERE r.cluster_id = ?1 ORDER BY e.id",
        )
        .unwrap();
    stmt.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(|row| {
            let (message, cluster): (String, i64) = row.unwrap();
            assert_eq!(cluster, id, "an event's cluster_id follows its run");
            message
        })
        .collect()
}

/// `(event, cluster)` of every notification in the outbox, oldest first.
fn outbox(luffy: &Luffy) -> Vec<(String, i64)> {
    let list = json(&luffy.ok(&["notify", "list", "--json"]));
    let mut out: Vec<(String, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["event"].as_str().unwrap().to_string(),
                n["cluster_id"].as_i64().unwrap(),
            )
        })
        .collect();
    out.reverse();
    out
}

#[test]
fn a_merge_moves_events_counts_hours_and_samples_and_routes_later_events() {
    let (luffy, log) = setup();
    let refused = id_of(&luffy, "connection to").unwrap();
    let cannot = id_of(&luffy, "could not connect").unwrap();
    let export = id_of(&luffy, "job export").unwrap();
    let cannot_fp = show(&luffy, cannot)["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(outbox(&luffy).len(), 3, "one new_cluster each");

    let merged = json(&luffy.ok(&[
        "cluster",
        "merge",
        &refused.to_string(),
        &cannot.to_string(),
        "--json",
    ]));
    assert_eq!(merged["id"], refused);
    assert_eq!(merged["count"], 5);
    assert_eq!(merged["first_seen"], "2024-01-15T09:10:00.000Z");
    assert_eq!(merged["last_seen"], "2024-01-15T10:02:00.000Z");
    assert_eq!(
        hours(&merged),
        [("09:00".to_string(), 2), ("10:00".to_string(), 3)]
    );
    assert_eq!(merged["merged_fingerprints"][0]["fingerprint"], cannot_fp);
    assert_eq!(
        merged["merged_fingerprints"][0]["source_cluster_id"],
        cannot
    );
    assert_eq!(
        merged["merged_fingerprints"][0]["title"],
        "could not connect to postgres: connection refused"
    );
    // the earliest event is the first sample now, the latest the last; both texts are kept
    let roles: Vec<(&str, &str)> = merged["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["role"].as_str().unwrap(), s["log_time"].as_str().unwrap()))
        .collect();
    assert_eq!(roles[0], ("first", "2024-01-15T09:10:00.000Z"), "{roles:?}");
    assert_eq!(roles[1], ("last", "2024-01-15T10:02:00.000Z"), "{roles:?}");
    assert_eq!(samples(&merged), [REFUSED, CANNOT]);
    assert_eq!(events_of(&luffy, refused).len(), 5);
    assert!(events_of(&luffy, cannot).is_empty());

    // the source is gone from every list
    assert_eq!(id_of(&luffy, "could not connect"), None);
    assert_eq!(
        json(&luffy.ok(&["clusters", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        json(&luffy.ok(&["status", "web", "--json"]))["open_clusters"],
        2
    );
    let gone = luffy.fails(&["cluster", "show", &cannot.to_string()], 2);
    assert!(gone.contains(&format!("no cluster {cannot}")), "{gone}");
    // its new_cluster notification, not yet sent, went with it
    assert_eq!(
        outbox(&luffy),
        [
            ("new_cluster".to_string(), refused),
            ("new_cluster".to_string(), export)
        ]
    );
    let text = luffy.ok(&["cluster", "show", &refused.to_string()]);
    assert!(
        text.contains(&format!(
            "merged fingerprints (`luffy cluster unmerge {refused} FINGERPRINT`):\n  {cannot_fp}  was cluster {cannot}: could not connect to postgres: connection refused\n"
        )),
        "{text}"
    );

    // later events of the merged fingerprint grow the target: no new cluster, nothing told
    append(&log, &[line(10, 10, CANNOT), line(10, 11, CANNOT)].concat());
    luffy.ok(&["trigger", "fetch", "web"]);
    assert_eq!(id_of(&luffy, "could not connect"), None);
    let grown = show(&luffy, refused);
    assert_eq!(grown["count"], 7);
    assert_eq!(grown["last_seen"], "2024-01-15T10:11:00.000Z");
    assert_eq!(
        hours(&grown),
        [("09:00".to_string(), 2), ("10:00".to_string(), 5)]
    );
    assert_eq!(outbox(&luffy).len(), 2, "{:?}", outbox(&luffy));
    assert_eq!(events_of(&luffy, refused).len(), 7);
}

#[test]
fn an_unmerge_gives_the_fingerprint_a_cluster_of_its_own_with_exactly_its_events() {
    let (luffy, log) = setup();
    let refused = id_of(&luffy, "connection to").unwrap();
    let cannot = id_of(&luffy, "could not connect").unwrap();
    let export = id_of(&luffy, "job export").unwrap();
    let cannot_fp = show(&luffy, cannot)["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let export_fp = show(&luffy, export)["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    luffy.ok(&[
        "cluster",
        "merge",
        &refused.to_string(),
        &cannot.to_string(),
    ]);
    // events of the merged fingerprint read after the merge go back too
    append(&log, &line(10, 20, CANNOT));
    luffy.ok(&["trigger", "fetch", "web"]);
    // a cluster that had a merged fingerprint, merged in turn: both fingerprints move on
    let out = luffy.ok(&[
        "cluster",
        "merge",
        &export.to_string(),
        &refused.to_string(),
    ]);
    assert_eq!(
        out,
        format!("merged cluster {refused} into cluster {export} (7 events): job export failed\n")
    );
    let merged = show(&luffy, export);
    let fingerprints: Vec<&str> = merged["merged_fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 2);
    assert!(
        fingerprints.contains(&cannot_fp.as_str()),
        "{fingerprints:?}"
    );

    let out = json(&luffy.ok(&[
        "cluster",
        "unmerge",
        &export.to_string(),
        &cannot_fp,
        "--json",
    ]));
    let own = out["unmerged_cluster"]["id"].as_i64().unwrap();
    assert!(![refused, cannot, export].contains(&own));
    assert_eq!(out["id"], export);
    assert_eq!(out["count"], 4, "EXPORT once, REFUSED three times");
    assert_eq!(out["merged_fingerprints"].as_array().unwrap().len(), 1);
    assert_eq!(out["first_seen"], "2024-01-15T10:00:00.000Z");
    assert_eq!(hours(&out), [("10:00".to_string(), 4)]);
    assert_eq!(samples(&out), [REFUSED, EXPORT]);

    let back = show(&luffy, own);
    assert_eq!(back["fingerprint"], cannot_fp);
    assert_eq!(
        back["title"],
        "could not connect to postgres: connection refused"
    );
    assert_eq!(back["status"], "open");
    assert_eq!(back["count"], 3);
    assert_eq!(back["first_seen"], "2024-01-15T09:10:00.000Z");
    assert_eq!(back["last_seen"], "2024-01-15T10:20:00.000Z");
    assert_eq!(
        hours(&back),
        [("09:00".to_string(), 2), ("10:00".to_string(), 1)]
    );
    assert_eq!(samples(&back), [CANNOT]);
    let roles: Vec<&str> = back["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["role"].as_str().unwrap())
        .collect();
    assert_eq!(&roles[..2], ["first", "last"]);
    // exactly its events, and the target keeps exactly the others
    let its = events_of(&luffy, own);
    assert_eq!(its.len(), 3);
    assert!(its.iter().all(|m| m.ends_with(CANNOT)), "{its:?}");
    let rest = events_of(&luffy, export);
    assert_eq!(rest.len(), 4);
    assert!(
        rest.iter().all(|m| !m.contains("could not connect")),
        "{rest:?}"
    );
    assert_eq!(id_of(&luffy, "could not connect"), Some(own));

    // its later events go to it; the target's own fingerprint cannot be unmerged
    append(&log, &[line(10, 25, CANNOT), line(10, 26, EXPORT)].concat());
    luffy.ok(&["trigger", "fetch", "web"]);
    assert_eq!(show(&luffy, own)["count"], 4);
    assert_eq!(show(&luffy, export)["count"], 5);
    let told: Vec<(String, i64)> = outbox(&luffy)
        .into_iter()
        .filter(|(event, _)| event == "new_cluster")
        .collect();
    // the merged clusters' pending new_cluster went with them; an unmerged one is not new
    assert_eq!(told, [("new_cluster".to_string(), export)]);
    let err = luffy.fails(&["cluster", "unmerge", &export.to_string(), &export_fp], 2);
    assert!(err.contains("is cluster"), "{err}");
    assert!(err.contains("own fingerprint"), "{err}");
}

/// What a refused command must leave as it was.
fn state(luffy: &Luffy) -> String {
    let merged: i64 = luffy
        .read_db()
        .query_row("SELECT count(*) FROM merged_fingerprints", [], |row| {
            row.get(0)
        })
        .unwrap();
    format!(
        "{}\n{}\n{merged}",
        luffy.ok(&["clusters", "--json"]),
        luffy.ok(&["notify", "list", "--json"])
    )
}

#[test]
fn bad_merges_and_unmerges_exit_2_and_write_nothing() {
    let (luffy, _log) = setup();
    let api_log = luffy.file("api.log", &line(10, 0, "api: request failed"));
    luffy.watch_file("api", "app", &api_log);
    luffy.ok(&["trigger", "fetch", "api"]);
    let refused = id_of(&luffy, "connection to").unwrap().to_string();
    let cannot = id_of(&luffy, "could not connect").unwrap().to_string();
    let api = id_of(&luffy, "api: request failed").unwrap().to_string();
    let own = show(&luffy, refused.parse().unwrap())["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let before = state(&luffy);
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["merge", &refused, &api],
            format!(
                "cluster {api} is of service api, cluster {refused} of web: clusters of two \
                 services cannot merge"
            ),
        ),
        (
            vec!["merge", &refused, &refused],
            format!("cannot merge cluster {refused} into itself"),
        ),
        // a valid source before a bad one: neither is merged
        (
            vec!["merge", &refused, &cannot, "999"],
            "no cluster 999".into(),
        ),
        (vec!["merge", "999", &cannot], "no cluster 999".into()),
        (
            vec!["merge", &refused, &cannot, &cannot],
            format!("cluster {cannot} is named twice"),
        ),
        (
            vec!["unmerge", &refused, "tpl-0000"],
            format!("no fingerprint tpl-0000 was merged into cluster {refused}"),
        ),
        (
            vec!["unmerge", &refused, &own],
            format!("{own} is cluster {refused}'s own fingerprint"),
        ),
        (vec!["unmerge", "999", &own], "no cluster 999".into()),
    ];
    for (args, says) in cases {
        let args: Vec<&str> = std::iter::once("cluster").chain(args).collect();
        let err = luffy.fails(&args, 2);
        assert!(err.contains(&says), "{args:?}: {err}");
        assert_eq!(state(&luffy), before, "{args:?} wrote");
    }
    // no source at all is clap's refusal
    let run = luffy.run(&["cluster", "merge", &refused]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(state(&luffy), before);
}
