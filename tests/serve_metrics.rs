//! `GET /metrics` over real HTTP: the text parsed as Prometheus reads it, its values checked
//! against a service whose fetches ran (one failed) and one that never ran.
#![allow(clippy::float_cmp)] // the values compared are whole numbers, printed and read exactly

mod common;

use std::collections::HashMap;

use common::serve::Served;
use common::Luffy;

/// The samples of an exposition: `name{labels}` → value; and each family's TYPE.
struct Page {
    samples: HashMap<String, f64>,
    types: HashMap<String, String>,
}

fn parse(text: &str) -> Page {
    let (mut samples, mut types) = (HashMap::new(), HashMap::new());
    let mut helped = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.push(rest.split(' ').next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(helped.iter().any(|h| h == name), "TYPE before HELP: {line}");
            types.insert(name.to_string(), kind.to_string());
        } else if !line.is_empty() {
            let (series, value) = line.rsplit_once(' ').expect("a sample: series value");
            let value = match value {
                "NaN" => f64::NAN,
                v => v.parse().unwrap_or_else(|_| panic!("a number in {line:?}")),
            };
            let family = series.split('{').next().unwrap();
            let family = family
                .strip_suffix("_sum")
                .or_else(|| family.strip_suffix("_count"))
                .filter(|f| types.contains_key(*f))
                .unwrap_or(family);
            assert!(
                types.contains_key(family),
                "a sample before its TYPE: {line}"
            );
            assert!(
                samples.insert(series.to_string(), value).is_none(),
                "a series twice: {series}"
            );
        }
    }
    Page { samples, types }
}

impl Page {
    fn get(&self, series: &str) -> f64 {
        *self
            .samples
            .get(series)
            .unwrap_or_else(|| panic!("no {series} in {:?}", self.samples.keys()))
    }
}

#[test]
fn metrics_count_what_the_history_holds() {
    let mut luffy = Luffy::new();
    let log = luffy.file(
        "web.log",
        "2024-01-15 10:00:00 ERROR db: cannot reach the database\n\
         2024-01-15 10:00:01 ERROR db: cannot reach the database\n\
         2024-01-15 10:00:02 ERROR cache: key \"a\" missing\n",
    );
    luffy.watch_file("web", "app", &log);
    luffy.ok(&["service", "add", "idle"]);
    // the first fetch ten minutes before the server's clock, a failing one (the file gone)
    // five minutes before
    luffy.now = "2024-01-15T10:20:00Z".into();
    luffy.ok(&["trigger", "fetch", "web"]);
    std::fs::rename(&log, luffy.path("moved.log")).unwrap();
    luffy.now = "2024-01-15T10:25:00Z".into();
    let failed = luffy.run(&["trigger", "fetch", "web"]);
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    luffy.now = common::NOW.into();
    {
        let db = luffy.write_db();
        db.execute(
            "INSERT INTO notifications (service_id, channel, target, event, payload, status,
                                        created_at, next_attempt)
             VALUES ('web', 'slack', 'u', 'test', '{}', 'dead', 'x', 'x'),
                    ('web', 'slack', 'u', 'test', '{}', 'pending', 'x', 'x'),
                    ('web', 'slack', 'u', 'test', '{}', 'pending', 'x', 'x')",
            [],
        )
        .unwrap();
    }
    let served = Served::start(&luffy, &[]);
    let mut response = ureq::get(&served.url("/metrics"))
        .call()
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.body_mut().read_to_string().unwrap();
    let page = parse(&text);
    assert_eq!(page.types["luffy_task_runs_total"], "counter");
    assert_eq!(page.types["luffy_task_duration_seconds"], "summary");
    assert_eq!(page.types["luffy_last_fetch_age_seconds"], "gauge");
    assert_eq!(page.get("luffy_services"), 2.0);
    // the last fetch ran (and failed) five minutes before the server's clock
    let web = |labels: &str| format!("{{service=\"web\"{labels}}}");
    assert_eq!(
        page.get(&format!("luffy_last_fetch_age_seconds{}", web(""))),
        300.0,
        "{text}"
    );
    assert!(
        !text.contains("luffy_last_fetch_age_seconds{service=\"idle\"}"),
        "a service never fetched has no age: {text}"
    );
    assert_eq!(page.get(&format!("luffy_events_total{}", web(""))), 3.0);
    assert_eq!(page.get(&format!("luffy_open_clusters{}", web(""))), 2.0);
    assert_eq!(page.get("luffy_open_clusters{service=\"idle\"}"), 0.0);
    let fetch = web(",task=\"fetch\"");
    assert_eq!(page.get(&format!("luffy_task_runs_total{fetch}")), 2.0);
    assert_eq!(page.get(&format!("luffy_task_failures_total{fetch}")), 1.0);
    assert_eq!(
        page.get(&format!("luffy_task_duration_seconds_count{fetch}")),
        2.0
    );
    assert!(page.get(&format!("luffy_task_duration_seconds_sum{fetch}")) >= 0.0);
    assert!(page.get(&format!("luffy_task_last_duration_seconds{fetch}")) >= 0.0);
    let outbox = |status: &str| {
        page.get(&format!(
            "luffy_outbox_notifications{}",
            web(&format!(",status=\"{status}\""))
        ))
    };
    assert_eq!(
        (outbox("pending"), outbox("retrying"), outbox("dead")),
        (2.0, 0.0, 1.0)
    );
    assert_eq!(
        page.get("luffy_outbox_notifications{service=\"idle\",status=\"dead\"}"),
        0.0
    );
    assert!(served.stop());
}
