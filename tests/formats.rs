//! Log formats read end to end through a file source: each family's records keep their own
//! time, level and logger, and group as the same error when they are the same error.

mod common;

use std::fmt::Write as _;

use common::Luffy;
use serde_json::Value;

/// Adds a service `web` with a file source `app` on `path`, with these flags besides.
fn watch(luffy: &Luffy, path: &std::path::Path, flags: &[&str]) {
    luffy.ok(&["service", "add", "web"]);
    let mut args = vec!["source", "add", "web", "app", "--kind", "file", "--path"];
    args.push(path.to_str().unwrap());
    args.extend_from_slice(flags);
    luffy.ok(&args);
}

/// Adds a file source with these flags besides, which must be refused as bad input (exit 2);
/// returns the error.
fn refused(luffy: &Luffy, flags: &[&str]) -> String {
    let mut args = vec![
        "source",
        "add",
        "web",
        "app",
        "--kind",
        "file",
        "--path",
        "/var/log/app.log",
    ];
    args.extend_from_slice(flags);
    luffy.fails(&args, 2)
}

/// Fetches `log` from a file source of a new service `web`; returns the clusters, by title.
fn clusters_of(log: &str) -> Vec<(String, u64, String, String)> {
    let luffy = Luffy::new();
    let path = luffy.file("app.log", log);
    watch(&luffy, &path, &[]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let mut out: Vec<(String, u64, String, String)> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
                c["first_seen"].as_str().unwrap().to_string(),
                c["last_seen"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(title: &str, count: u64, first: &str, last: &str) -> (String, u64, String, String) {
    (
        title.to_string(),
        count,
        first.to_string(),
        last.to_string(),
    )
}

#[test]
fn go_log_records_keep_their_own_times() {
    let log = "2024/01/15 08:01:32 INFO listening on :8080\n\
               2024/01/15 08:01:33 ERROR upstream api-2 unhealthy\n\
               2024/01/15 08:05:10.250000 ERROR upstream api-7 unhealthy\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "upstream <*> unhealthy",
            2,
            "2024-01-15T08:01:33.000Z",
            "2024-01-15T08:05:10.250Z"
        )]
    );
}

#[test]
fn syslog_records_of_one_program_group_whatever_its_pid() {
    let log = "Jan 15 08:00:02 web-1 shop[2340]: ERROR upstream 10.0.0.5 timed out\n\
               Jan 15 08:00:07 web-1 shop[2388]: ERROR upstream 10.0.0.9 timed out\n\
               Jan 15 08:00:09 web-2 shop[17]: ERROR upstream 10.0.0.5 timed out\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "upstream <IP> timed out",
            3,
            "2024-01-15T08:00:02.000Z",
            "2024-01-15T08:00:09.000Z"
        )]
    );
}

#[test]
fn monolog_errors_are_events_and_its_infos_are_not() {
    let log = "[2024-01-15T08:00:18.054000+00:00] app.INFO: order 1 placed {\"order\":1} []\n\
               [2024-01-15T08:00:19.000000+01:00] app.ERROR: payment failed for order 1 {\"order\":1} []\n\
               [2024-01-15T08:00:20.500000+00:00] app.ERROR: payment failed for order 2 {\"order\":2} []\n";
    let clusters = clusters_of(log);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let (_, count, first, last) = &clusters[0];
    assert_eq!(
        (*count, first.as_str(), last.as_str()),
        (2, "2024-01-15T07:00:19.000Z", "2024-01-15T08:00:20.500Z")
    );
}

#[test]
fn logfmt_records_are_read_by_their_keys_and_a_trace_after_one_belongs_to_it() {
    let log = "time=\"2024-01-15T08:00:00Z\" level=info msg=\"started\"\n\
               time=\"2024-01-15T08:00:01Z\" level=error msg=\"payment for order 17 failed\" order=17\n\
               ts=2024-01-15T08:00:02.5Z level=error msg=\"payment for order 18 failed\" order=18\n\
               time=\"2024-01-15T08:00:03Z\" level=error msg=\"lookup failed\"\n\
               Traceback (most recent call last):\n  \
               File \"/app/api.py\", line 10, in handler\n    \
               do()\n\
               KeyError: 'user-9'\n";
    assert_eq!(
        clusters_of(log),
        [
            row(
                "KeyError: 'user-9'",
                1,
                "2024-01-15T08:00:03.000Z",
                "2024-01-15T08:00:03.000Z"
            ),
            row(
                "payment for order <NUM> failed",
                2,
                "2024-01-15T08:00:01.000Z",
                "2024-01-15T08:00:02.500Z"
            ),
        ]
    );
}

#[test]
fn klog_records_keep_their_time_and_leave_thread_and_file_out_of_the_title() {
    let log = "I0115 08:00:01.000000      15 controller.go:120] starting\n\
               E0115 08:00:09.386000      15 controller.go:144] sync of pod web-1 failed\n\
               E0115 08:00:12.100000      22 controller.go:144] sync of pod web-2 failed\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "sync of pod <*> failed",
            2,
            "2024-01-15T08:00:09.386Z",
            "2024-01-15T08:00:12.100Z"
        )]
    );
}

#[test]
fn ruby_logger_exceptions_are_exception_clusters() {
    let log = "I, [2024-01-15T08:00:27.000000 #9313]  INFO -- : Started GET /users/1\n\
               E, [2024-01-15T08:00:28.616000 #9313] ERROR -- : undefined method 'name' for nil (NoMethodError)\n\
               /app/app/models/user.rb:17:in 'User#display_name'\n\
               /app/app/controllers/users_controller.rb:9:in 'UsersController#show'\n\
               E, [2024-01-15T08:01:02.000001 #9313] ERROR -- web: undefined method 'name' for nil (NoMethodError)\n\
               /app/app/models/user.rb:17:in 'User#display_name'\n\
               /app/app/controllers/users_controller.rb:9:in 'UsersController#show'\n";
    let luffy = Luffy::new();
    let path = luffy.file("app.log", log);
    watch(&luffy, &path, &[]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let clusters = clusters.as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let c = &clusters[0];
    assert_eq!(c["kind"], "exception");
    assert_eq!(c["exception_type"], "NoMethodError");
    assert_eq!(c["title"], "NoMethodError: undefined method 'name' for nil");
    assert_eq!(c["count"], 2);
    assert_eq!(c["first_seen"], "2024-01-15T08:00:28.616Z");
    assert_eq!(c["last_seen"], "2024-01-15T08:01:02.000Z");
}

#[test]
fn spring_boot_records_of_one_logger_group_whatever_the_thread() {
    let log = "2024-01-15T08:00:01.123+01:00 ERROR 4242 --- [nio-8080-exec-1] c.a.shop.OrderService   : payment for order 17 failed\n\
               2024-01-15T08:00:02.500+01:00 ERROR 4242 --- [nio-8080-exec-93] c.a.shop.OrderService   : payment for order 18 failed\n\
               2024-01-15T08:00:03.000+01:00 ERROR 4242 --- [shop] [scheduling-1] c.a.shop.OrderService : payment for order 19 failed\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "payment for order <NUM> failed",
            3,
            "2024-01-15T07:00:01.123Z",
            "2024-01-15T07:00:03.000Z"
        )]
    );
}

/// `lines` as Kubernetes' CRI format writes them, one a millisecond from `08:00:00`, on stderr;
/// a line given as `(text, true)` is cut in two `P` + `F` parts.
fn cri(lines: &[(&str, bool)]) -> String {
    let mut out = String::new();
    for (i, (line, split)) in lines.iter().enumerate() {
        let time = format!("2024-01-15T08:00:00.{:03}000000Z", i + 1);
        if *split {
            let (a, b) = line.split_at(line.len() / 2);
            let _ = writeln!(out, "{time} stderr P {a}\n{time} stderr F {b}");
        } else {
            let _ = writeln!(out, "{time} stderr F {line}");
        }
    }
    out
}

const PYTHON_TRACE: [&str; 6] = [
    "Traceback (most recent call last):",
    "  File \"/app/api.py\", line 10, in handler",
    "    do()",
    "  File \"/app/db.py\", line 5, in do",
    "    raise KeyError(key)",
    "KeyError: 'user-9'",
];

#[test]
fn a_trace_inside_cri_lines_is_one_event_at_the_runtime_time() {
    let mut lines: Vec<(&str, bool)> = vec![("ERROR:app:lookup failed", false)];
    lines.extend(PYTHON_TRACE.iter().map(|l| (*l, false)));
    // the same error again, with lines the runtime wrote in parts
    lines.push(("ERROR:app:lookup failed", true));
    lines.extend(
        PYTHON_TRACE
            .iter()
            .enumerate()
            .map(|(i, l)| (*l, i % 2 == 1)),
    );
    assert_eq!(
        clusters_of(&cri(&lines)),
        [row(
            "KeyError: 'user-9'",
            2,
            "2024-01-15T08:00:00.001Z",
            "2024-01-15T08:00:00.008Z"
        )]
    );
}

#[test]
fn a_trace_inside_docker_json_lines_is_one_event() {
    let trace = [
        "2024-01-15 08:00:01,500 ERROR [main] c.a.Api - request failed",
        "java.lang.IllegalStateException: order 7 is not payable",
        "\tat com.acme.pay.OrderService.pay(OrderService.java:120)",
        "\tat com.acme.pay.PayController.post(PayController.java:57)",
    ];
    let mut log = String::new();
    for (i, line) in trace.iter().chain(trace.iter()).enumerate() {
        let text = serde_json::to_string(&format!("{line}\n")).unwrap();
        let _ = writeln!(
            log,
            "{{\"log\":{text},\"stream\":\"stdout\",\"time\":\"2024-01-15T08:00:0{}.000000000Z\"}}",
            i + 1
        );
    }
    let clusters = clusters_of(&log);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let (title, count, first, last) = &clusters[0];
    assert_eq!(
        title,
        "java.lang.IllegalStateException: order 7 is not payable"
    );
    assert_eq!(
        (*count, first.as_str(), last.as_str()),
        (2, "2024-01-15T08:00:01.000Z", "2024-01-15T08:00:05.000Z")
    );
}

#[test]
fn a_trace_inside_a_commands_cri_lines_is_one_event_at_the_runtime_time() {
    let mut lines: Vec<(&str, bool)> = vec![("ERROR:app:lookup failed", false)];
    lines.extend(PYTHON_TRACE.iter().map(|l| (*l, i_am_odd(l))));
    // the output ends inside a line: a command's output is complete, so it is read as it is
    lines.push(("ERROR:app:lookup failed", false));
    lines.extend(PYTHON_TRACE.iter().map(|l| (*l, false)));
    let mut text = cri(&lines);
    // (a line without a time of its own: the runtime's is its time)
    text.push_str("2024-01-15T08:00:09.000000000Z stderr P ERROR:db:connection gone");
    let luffy = Luffy::new();
    let path = luffy.file("pod.log", &text);
    luffy.ok(&["service", "add", "web"]);
    let command = format!("cat {}", path.display());
    luffy.ok(&[
        "source",
        "add",
        "web",
        "pod",
        "--kind",
        "command",
        "--command",
        &command,
        "--since",
        "2024-01-01T00:00:00Z",
    ]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let mut got: Vec<(String, u64, String)> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
                c["first_seen"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "KeyError: 'user-9'".to_string(),
                2,
                "2024-01-15T08:00:00.001Z".to_string()
            ),
            (
                "connection gone".to_string(),
                1,
                "2024-01-15T08:00:09.000Z".to_string()
            ),
        ]
    );
}

/// Which lines of a trace the runtime wrote in parts: every other one.
fn i_am_odd(line: &str) -> bool {
    PYTHON_TRACE.iter().position(|l| *l == line).unwrap() % 2 == 1
}

#[test]
fn a_part_of_a_line_at_the_end_of_a_file_waits_for_the_rest() {
    let luffy = Luffy::new();
    let path = luffy.path("app.log");
    let mut lines: Vec<(&str, bool)> = PYTHON_TRACE.iter().map(|l| (*l, false)).collect();
    lines.push((
        "2024-01-15 08:00:09 ERROR db: connection to 10.0.0.1 refused",
        true,
    ));
    let text = cri(&lines);
    // the file ends inside the last line: its `P` part is there, its `F` part not yet
    let cut = text.rfind(" stderr F ").unwrap();
    let cut = text[..cut].rfind('\n').unwrap() + 1;
    std::fs::write(&path, &text[..cut]).unwrap();
    watch(&luffy, &path, &["--format", "cri"]);
    luffy.ok(&["trigger", "fetch", "web"]);
    // the file is being written: the record before the part waits with it
    assert_eq!(luffy.cluster_counts(), []);
    std::fs::write(&path, &text).unwrap();
    common::settle(&path);
    luffy.ok(&["trigger", "fetch", "web"]);
    assert_eq!(
        luffy.cluster_counts(),
        [
            ("KeyError: 'user-9'".to_string(), 1),
            ("db: connection to <IP> refused".to_string(), 1)
        ]
    );
}

#[test]
fn a_bad_line_format_is_refused_and_nothing_is_written() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let err = refused(&luffy, &["--format", "json"]);
    assert!(
        err.contains("unknown line format 'json'; use auto, plain, cri, docker"),
        "{err}"
    );
    let err = luffy.fails(
        &[
            "source",
            "add",
            "web",
            "logs",
            "--kind",
            "loki",
            "--url",
            "http://127.0.0.1:3100",
            "--query",
            "{app=\"web\"}",
            "--format",
            "cri",
        ],
        2,
    );
    assert!(err.contains("--format"), "{err}");
    assert_eq!(luffy.ok(&["source", "list", "--json"]).trim(), "[]");
}

#[test]
fn a_source_zone_places_zone_less_times_and_leaves_zoned_ones_alone() {
    let luffy = Luffy::new();
    let path = luffy.file(
        "app.log",
        "2023-03-25 12:00:00 ERROR disk full on /var\n\
         2023-03-26 12:00:00 ERROR disk full on /var\n\
         2023-03-26T12:00:00Z ERROR queue stalled\n",
    );
    watch(&luffy, &path, &["--timezone", "Europe/Berlin"]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let mut seen: Vec<(String, String, String)> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                c["first_seen"].as_str().unwrap().to_string(),
                c["last_seen"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                "disk full on <PATH>".to_string(),
                "2023-03-25T11:00:00.000Z".to_string(), // +01:00 before the change
                "2023-03-26T10:00:00.000Z".to_string(), // +02:00 after it
            ),
            (
                "queue stalled".to_string(),
                "2023-03-26T12:00:00.000Z".to_string(),
                "2023-03-26T12:00:00.000Z".to_string(),
            ),
        ]
    );
    let shown = luffy.ok(&["source", "list", "--json"]);
    assert!(shown.contains("\"timezone\": \"Europe/Berlin\""), "{shown}");
}

#[test]
fn an_unknown_zone_is_refused_with_the_closest_name() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let err = refused(&luffy, &["--timezone", "Europe/Berlim"]);
    assert!(
        err.contains("unknown time zone 'Europe/Berlim'; did you mean 'Europe/Berlin'?"),
        "{err}"
    );
    let err = luffy.fails(
        &[
            "source",
            "add",
            "web",
            "es",
            "--kind",
            "opensearch",
            "--url",
            "http://127.0.0.1:9",
            "--index",
            "logs",
            "--timezone",
            "UTC",
        ],
        2,
    );
    assert!(err.contains("--timezone"), "{err}");
    assert_eq!(luffy.ok(&["source", "list", "--json"]).trim(), "[]");
}

#[test]
fn source_test_shows_how_the_first_records_read() {
    let luffy = Luffy::new();
    let mut lines: Vec<(&str, bool)> = vec![("ERROR:app:lookup failed", false)];
    lines.extend(PYTHON_TRACE.iter().map(|l| (*l, false)));
    lines.push((
        "2024-01-15 08:00:09,000 - app.db - WARNING - slow query",
        true,
    ));
    let path = luffy.file("app.log", &cri(&lines));
    watch(&luffy, &path, &[]);
    let out = luffy.ok(&["source", "test", "web", "app"]);
    let preview = out.split_once("\n\n").map_or("", |(_, p)| p);
    assert_eq!(
        preview,
        "first records as read (lines: cri):\n\
         TIME                      LEVEL  LOGGER  MESSAGE\n\
         2024-01-15T08:00:00.001Z  ERROR  app     lookup failed\n\
         2024-01-15T08:00:00.008Z  WARN   app.db  slow query\n"
    );
    // The same, as data.
    let json: serde_json::Value =
        serde_json::from_str(&luffy.ok(&["source", "test", "web", "app", "--json"])).unwrap();
    assert_eq!(json["kind"], "file");
    assert_eq!(json["format"], "cri");
    assert!(json["report"]
        .as_str()
        .unwrap()
        .contains("matches 1 file(s)"));
    assert_eq!(json["records"][0]["timestamp"], "2024-01-15T08:00:00.001Z");
    assert_eq!(json["records"][0]["level"], "ERROR");
    assert_eq!(json["records"][0]["logger"], "app");
    assert_eq!(json["records"][1]["message"], "slow query");
    assert_eq!(json["records"].as_array().unwrap().len(), 2);
}

#[test]
fn java_util_logging_records_take_time_and_logger_from_their_first_line_and_level_from_the_second()
{
    let log = "Jan 15, 2024 8:00:00 AM com.acme.pay.Gateway start\n\
               INFO: gateway started\n\
               Jan 15, 2024 8:00:01 AM com.acme.pay.Gateway capture\n\
               SEVERE: card capture failed for order 17\n\
               Jan 14, 2024 12:05:10 PM com.acme.pay.Gateway capture\n\
               SEVERE: card capture failed for order 18\n\
               Jan 15, 2024 12:30:00 AM com.acme.pay.Ledger flush\n\
               WARNING: ledger flush took 5120 ms\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "card capture failed for order <NUM>",
            2,
            "2024-01-14T12:05:10.000Z", // 12 PM is noon
            "2024-01-15T08:00:01.000Z"
        )]
    );
}

#[test]
fn tomcat_records_keep_their_time_and_leave_the_thread_out_of_the_title() {
    let log = "15-Jan-2024 08:00:00.007 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [2345] milliseconds\n\
               15-Jan-2024 08:00:01.123 SEVERE [http-nio-8080-exec-1] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() for servlet [dispatcher] threw exception\n\
               15-Jan-2024 08:00:05.500 SEVERE [http-nio-8080-exec-7] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() for servlet [dispatcher] threw exception\n\
               15-Jan-2024 08:00:06.000 WARNING [main] org.apache.catalina.loader.WebappClassLoaderBase.clearReferencesThreads The web application [shop] did not stop a thread\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "Servlet.service() for servlet [dispatcher] threw exception",
            2,
            "2024-01-15T08:00:01.123Z",
            "2024-01-15T08:00:05.500Z"
        )]
    );
}

#[test]
fn celery_records_keep_their_time_and_leave_the_process_out_of_the_title() {
    let log = "[2024-01-15 08:00:00,000: INFO/MainProcess] Connected to redis://redis:6379/0\n\
               [2024-01-15 08:00:01,123: ERROR/MainProcess] consumer: Cannot connect to redis: Connection refused. Trying again in 2.00 seconds...\n\
               [2024-01-15 08:00:03,500: ERROR/ForkPoolWorker-2] consumer: Cannot connect to redis: Connection refused. Trying again in 4.00 seconds...\n\
               [2024-01-15 08:00:04,000: WARNING/ForkPoolWorker-1] app.tasks.refund[9b2e4f61-0c3d-4a8b-b7e5-1f6a2c9d8e03]: refund retried\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "consumer: Cannot connect to redis: Connection refused. Trying again in <NUM>...",
            2,
            "2024-01-15T08:00:01.123Z",
            "2024-01-15T08:00:03.500Z"
        )]
    );
}

#[test]
fn dotnet_console_records_are_titled_by_the_message_on_their_second_line() {
    let log = "2024-01-15 08:00:00.000 info: Microsoft.Hosting.Lifetime[14]\n      \
               Now listening on: http://[::]:8080\n\
               2024-01-15 08:00:01.123 fail: Shop.Orders.OrderService[1001]\n      \
               Payment for order 17 failed: card declined\n\
               2024-01-15 08:00:04.250 fail: Shop.Orders.OrderService[1001]\n      \
               Payment for order 18 failed: card declined\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "Payment for order <NUM> failed: card declined",
            2,
            "2024-01-15T08:00:01.123Z",
            "2024-01-15T08:00:04.250Z"
        )]
    );
}

#[test]
fn php_error_log_records_are_read_in_the_zone_they_name() {
    let log = "[15-Jan-2024 08:00:00 UTC] PHP Notice:  Undefined index: currency in /var/www/shop/src/Cart.php on line 17\n\
               [15-Jan-2024 09:00:01 Europe/Berlin] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/shop/src/Report.php on line 120\n\
               [15-Jan-2024 08:30:00 UTC] PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 65536 bytes) in /var/www/shop/src/Report.php on line 120\n\
               [15-Jan-2024 08:31:00 UTC] PHP Warning:  Undefined array key \"email\" in /var/www/shop/src/Checkout.php on line 88\n";
    assert_eq!(
        clusters_of(log),
        [row(
            "Allowed memory size of <NUM> bytes exhausted (tried to allocate <NUM> bytes) in <PATH> on line <NUM>",
            2,
            "2024-01-15T08:00:01.000Z",
            "2024-01-15T08:30:00.000Z"
        )]
    );
}

#[test]
fn source_test_shows_a_dotnet_record_with_its_message_from_the_line_below() {
    let luffy = Luffy::new();
    let path = luffy.file(
        "app.log",
        "2024-01-15 08:00:00.000 info: Microsoft.Hosting.Lifetime[14]\n      \
         Now listening on: http://[::]:8080\n\
         2024-01-15 08:00:01.123 fail: Shop.Orders.OrderService[1001]\n      \
         => RequestPath:/pay RequestId:0HN8KQ2V1J3B1:00000002\n      \
         Payment for order 17 failed: card declined\n",
    );
    watch(&luffy, &path, &[]);
    let out = luffy.ok(&["source", "test", "web", "app"]);
    let preview = out.split_once("\n\n").map_or("", |(_, p)| p);
    assert_eq!(
        preview,
        "first records as read (lines: plain):\n\
         TIME                      LEVEL  LOGGER                      MESSAGE\n\
         2024-01-15T08:00:00.000Z  INFO   Microsoft.Hosting.Lifetime  Now listening on: http://[::]:8080\n\
         2024-01-15T08:00:01.123Z  ERROR  Shop.Orders.OrderService    Payment for order 17 failed: card declined\n"
    );
}

#[test]
fn a_source_zone_places_jvm_times_and_leaves_a_php_time_in_its_named_zone() {
    let luffy = Luffy::new();
    let path = luffy.file(
        "app.log",
        "15-Jan-2024 09:00:01.123 SEVERE [main] org.acme.Boot.start servlet container failed\n\
         Jan 15, 2024 9:00:02 AM org.acme.Boot start\n\
         SEVERE: logging bridge failed\n\
         [15-Jan-2024 08:00:03 UTC] PHP Fatal error:  script failed\n",
    );
    watch(&luffy, &path, &["--timezone", "Europe/Berlin"]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let mut seen: Vec<(String, String)> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                c["first_seen"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    // Tomcat's and JUL's times are Berlin's (+01:00 in January), PHP's says UTC
    let row = |title: &str, first: &str| (title.to_string(), first.to_string());
    assert_eq!(
        seen,
        [
            row("logging bridge failed", "2024-01-15T08:00:02.000Z"),
            row("script failed", "2024-01-15T08:00:03.000Z"),
            row("servlet container failed", "2024-01-15T08:00:01.123Z"),
        ]
    );
}
