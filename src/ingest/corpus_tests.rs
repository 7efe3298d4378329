//! The header corpus (`tests/data/formats/`): every case's line read as a fetch reads it, with
//! the time, level, logger and message it must give.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

use super::{read_occurrence, LogRecord, Rules};
use crate::domain::Level;

struct Case {
    file: String,
    line: String,
    /// The record's lines after its first (`next:`), for the formats that write their message
    /// on the line after the header.
    next: Vec<String>,
    time: String,
    level: String,
    logger: String,
    message: String,
}

impl Case {
    /// The whole record: its first line and the lines after it.
    fn text(&self) -> String {
        let mut text = self.line.clone();
        for line in &self.next {
            text.push('\n');
            text.push_str(line);
        }
        text
    }
}

fn cases() -> Vec<Case> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for block in text.split("\n\n") {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
                    .unwrap_or_else(|| panic!("{file}: a case without {name}:\n{block}"))
                    .to_string()
            };
            let block = block.trim();
            if block.lines().all(|l| l.starts_with('#')) {
                continue;
            }
            let next = block
                .lines()
                .filter_map(|l| l.strip_prefix("next: "))
                .map(str::to_string)
                .collect();
            cases.push(Case {
                line: field("line"),
                next,
                time: field("time"),
                level: field("level"),
                logger: field("logger"),
                message: field("message"),
                file: file.clone(),
            });
        }
    }
    cases
}

#[test]
fn every_corpus_line_reads_as_its_case_says() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let rules = Rules {
        threshold: Level::Trace,
        ..Rules::default()
    };
    let cases = cases();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let text = case.text();
        let record = LogRecord {
            text: &text,
            ..LogRecord::default()
        };
        let Some(occurrence) = read_occurrence(&record, &rules, read_at) else {
            wrong.push(format!("{}: no event from {:?}", case.file, case.line));
            continue;
        };
        // a record without a time of its own takes the reading time
        let time = if occurrence.log_time == read_at {
            "-".to_string()
        } else {
            occurrence
                .log_time
                .to_rfc3339_opts(SecondsFormat::Micros, true)
        };
        let got = (
            time,
            occurrence.level.as_str().to_string(),
            occurrence.logger.clone().unwrap_or_else(|| "-".into()),
            occurrence.template_text().to_string(),
        );
        let want = (
            case.time.clone(),
            case.level.clone(),
            case.logger.clone(),
            case.message.clone(),
        );
        if got != want {
            wrong.push(format!(
                "{}: {:?}\n    got  {got:?}\n    want {want:?}",
                case.file, case.line
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The template miner's raw-line mode finds the message where fetching does.
#[test]
fn the_miner_strips_every_corpus_header_where_fetching_does() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let cases = cases();
    let mut text_cases = 0;
    for case in &cases {
        let start = crate::header::message_start(&case.line);
        assert_eq!(
            start,
            crate::header::read(&case.line, read_at).message_start,
            "{}: {:?}",
            case.file,
            case.line
        );
        if case.next.is_empty()
            && !case.line.starts_with('{')
            && case.line.ends_with(case.message.as_str())
        {
            text_cases += 1;
            assert_eq!(&case.line[start..], case.message, "{}", case.file);
        }
    }
    assert!(text_cases >= 20, "{text_cases} text cases");
}

/// A header that only looks like one of the families falls back to the plain line: its message
/// keeps the line's words and it has no time of its own (the reading time is used), never an
/// error or a lost record.
#[test]
fn a_malformed_header_falls_back_to_the_plain_line() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let rules = Rules {
        threshold: Level::Trace,
        ..Rules::default()
    };
    let lines = [
        "2026-13-45 25:61:00 ERROR order failed",
        "2026-11-27T08: ERROR order failed",
        "<999>Nov 27 08:00:02 web-1 shop[2340]: ERROR order failed",
        "<11>1 not-a-time web-1 shop 2340 ID47 - order failed",
        "E1327 08:00:09.386000      15 controller.go:144] order failed",
        "E1127 8:0:9 order failed",
        "E, [garbage #12] ERROR -- : order failed",
        "Feb 30 08:00:02 web-1 shop: ERROR order failed",
        "[08:61:01 ERR] order failed",
        "13:00PM ERR order failed",
        "ERRO[12x] order failed",
        "time=\"yesterday\" level=error msg=\"order failed\"",
        "{\"level\":\"error\",\"time\":\"soon\",\"msg\":\"order failed\"}",
    ];
    for line in lines {
        let record = LogRecord {
            text: line,
            ..LogRecord::default()
        };
        let described = super::describe(&record, &rules, read_at);
        assert_eq!(described.timestamp, None, "{line}");
        assert!(
            described.message.contains("order failed"),
            "{line:?} read as {:?}",
            described.message
        );
        let occurrence = read_occurrence(&record, &rules, read_at);
        if described.level.is_some() {
            let occurrence = occurrence.unwrap_or_else(|| panic!("no event from {line:?}"));
            assert_eq!(occurrence.log_time, read_at, "{line}");
        }
        // the miner keeps the words fetching keeps
        assert!(
            line[crate::header::message_start(line)..].contains("order failed"),
            "{line}"
        );
    }
    // a line that is only a priority's start is a line like any other
    let record = LogRecord {
        text: "<11",
        ..LogRecord::default()
    };
    assert_eq!(super::describe(&record, &rules, read_at).message, "<11");
}

/// The cheap test that drops a record before its header is read never drops one the full
/// reading keeps, at any threshold.
#[test]
fn no_corpus_record_is_plainly_below_a_threshold_its_reading_meets() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    for case in &cases() {
        let text = case.text();
        let record = LogRecord {
            text: &text,
            ..LogRecord::default()
        };
        for &threshold in Level::ALL {
            if super::is_plainly_below(&record, threshold) {
                let rules = Rules {
                    threshold,
                    ..Rules::default()
                };
                assert_eq!(
                    super::read_kept_occurrence(
                        &record,
                        &rules,
                        read_at,
                        &mut crate::parse::TraceMemo::default()
                    ),
                    None,
                    "{}: {text:?} at {threshold:?}",
                    case.file
                );
            }
        }
    }
}

/// A two-line record with a stack trace after it (as the assembler delivers java.util.logging's
/// and .NET's) is read from both lines and its trace parsed.
#[test]
fn a_two_line_record_with_a_trace_is_an_exception_with_its_first_lines_header() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let text = "Nov 27, 2026 8:00:01 AM com.acme.pay.Gateway capture\n\
                SEVERE: card capture failed\n\
                java.lang.IllegalStateException: card declined\n\
                \tat com.acme.pay.Gateway.capture(Gateway.java:42)\n\
                \tat com.acme.pay.Api.pay(Api.java:10)";
    let record = LogRecord {
        text,
        ..LogRecord::default()
    };
    let event = super::to_event(&record, &Rules::default(), read_at).expect("an event");
    assert_eq!(event.level, Level::Error);
    assert_eq!(event.logger.as_deref(), Some("com.acme.pay.Gateway"));
    assert_eq!(
        event.log_time,
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 1).unwrap()
    );
    let exception = event.exception.expect("the trace parsed");
    let outermost = exception.outermost().expect("an exception");
    assert_eq!(outermost.exception_type, "java.lang.IllegalStateException");
    assert_eq!(outermost.frames.len(), 2);
}

/// A Tomcat record with its trace below it is an exception event with the record's time.
#[test]
fn a_tomcat_record_with_a_trace_is_an_exception() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let text = "27-Nov-2026 08:00:01.123 SEVERE [http-nio-8080-exec-1] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() for servlet [dispatcher] threw exception\n\
                java.lang.NullPointerException: order is null\n\
                \tat com.acme.shop.OrderController.place(OrderController.java:42)\n\
                \tat jakarta.servlet.http.HttpServlet.service(HttpServlet.java:658)";
    let record = LogRecord {
        text,
        ..LogRecord::default()
    };
    let event = super::to_event(&record, &Rules::default(), read_at).expect("an event");
    assert_eq!(
        event.log_time,
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 1).unwrap() + chrono::Duration::milliseconds(123)
    );
    let exception = event.exception.expect("the trace parsed");
    assert_eq!(
        exception.outermost().map(|e| e.exception_type.as_str()),
        Some("java.lang.NullPointerException")
    );
}

/// A .NET console record with its exception below its message is an exception event, its
/// category the logger.
#[test]
fn a_dotnet_console_record_with_an_exception_is_an_exception() {
    let read_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let text = "fail: Microsoft.AspNetCore.Server.Kestrel[13]\n      \
                Connection id \"0HN8KQ2V1J3B1\": An unhandled exception was thrown by the application.\n      \
                System.InvalidOperationException: Order 1842 is already paid\n         \
                at Shop.Orders.OrderService.Pay(Int32 id) in /src/Shop/Orders/OrderService.cs:line 42\n         \
                at Shop.Api.PaymentsController.Post(Int32 id) in /src/Shop/Api/PaymentsController.cs:line 17";
    let record = LogRecord {
        text,
        ..LogRecord::default()
    };
    let event = super::to_event(&record, &Rules::default(), read_at).expect("an event");
    assert_eq!(
        event.logger.as_deref(),
        Some("Microsoft.AspNetCore.Server.Kestrel")
    );
    let exception = event.exception.expect("the trace parsed");
    let outermost = exception.outermost().expect("an exception");
    assert_eq!(outermost.exception_type, "System.InvalidOperationException");
    assert_eq!(outermost.frames.len(), 2);
}
