//! The header reader's tests: common headers, each family's, and the helpers' agreement.

use chrono::TimeZone;

use super::*;

#[test]
fn common_level_words_read_as_their_names() {
    for word in ["INFO", "ERROR", "WARN", "WARNING", "DEBUG"] {
        assert!(Level::parse(word).is_some());
        assert_eq!(level_word(word), Level::parse(word), "{word}");
        assert_eq!(
            level_word(&format!("[{word}]")),
            Level::parse(word),
            "{word}"
        );
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap()
}

#[test]
fn reads_common_headers() {
    let h = read(
        "2024-01-15 10:30:00,123 ERROR [main] com.acme.Api: request failed",
        now(),
    );
    assert_eq!(
        h.timestamp,
        Some(
            Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap()
                + chrono::Duration::milliseconds(123)
        )
    );
    assert_eq!(h.level, Some(Level::Error));
    assert_eq!(h.logger.as_deref(), Some("com.acme.Api"));
    let h = read("2024-01-15T10:30:00+02:00 WARN disk almost full", now());
    assert_eq!(
        h.timestamp,
        Some(Utc.with_ymd_and_hms(2024, 1, 15, 8, 30, 0).unwrap())
    );
    assert_eq!(h.level, Some(Level::Warn));
    let h = read(
        "Jan 15 10:30:00 web-1 app[42]: ERROR could not connect",
        now(),
    );
    assert_eq!(
        h.timestamp,
        Some(Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap())
    );
    let h = read(
        "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
        now(),
    );
    assert_eq!(
        h.timestamp,
        Some(Utc.with_ymd_and_hms(2005, 12, 4, 4, 47, 44).unwrap())
    );
    assert_eq!(h.level, Some(Level::Error));
    let h = read("ERROR: something broke", now());
    assert_eq!(h.level, Some(Level::Error));
    assert_eq!(h.timestamp, None);
}

fn at_micros(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::Duration::microseconds(micros)
}

#[test]
fn epoch_seconds_after_a_record_number_and_fields_are_the_time() {
    let line = "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component down";
    let h = read(line, now());
    assert_eq!(h.timestamp, DateTime::from_timestamp(1_077_804_742, 0));
    assert_eq!(&line[h.message_start..], "Component down");
    assert_eq!(message_start(line), h.message_start);
}

#[test]
fn go_log_and_nginx_dates_with_slashes_are_read() {
    let h = read("2026/11/27 08:01:32 ERROR upstream api-2 unhealthy", now());
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 1, 32, 0)));
    assert_eq!(h.level, Some(Level::Error));
    let h = read("2026/11/27 08:01:32.123456 upstream api-2 unhealthy", now());
    assert_eq!(
        h.timestamp,
        Some(at_micros(2026, 11, 27, 8, 1, 32, 123_456))
    );
    let h = read(
        "2026/11/27 08:00:02 [error] 2340#2340: *1 connect() failed (111: Connection refused)",
        now(),
    );
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 0)));
    assert_eq!(h.level, Some(Level::Error));
    // mixed separators are no date
    assert_eq!(read("2026/11-27 08:01:32 ERROR x", now()).timestamp, None);
}

#[test]
fn apache_times_keep_their_microseconds() {
    let h = read(
        "[Fri Nov 27 08:00:02.123456 2026] [proxy:error] [pid 2340:tid 1234] AH00957: failed",
        now(),
    );
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 123_456)));
}

#[test]
fn a_syslog_pid_is_no_part_of_the_program_name() {
    for line in [
        "Nov 27 08:00:02 web-1 shop[2340]: ERROR upstream timed out",
        "Nov 27 08:00:03 web-1 shop[17]: ERROR upstream timed out",
        "2026-11-27T08:00:02+0100 web-1 shop[2340]: upstream timed out",
    ] {
        assert_eq!(read(line, now()).logger.as_deref(), Some("shop"), "{line}");
    }
    // a bracketed word that is not a pid stays
    assert_eq!(
        read("2024-01-15 10:00:00 ERROR worker[main]: x", now())
            .logger
            .as_deref(),
        Some("worker[main")
    );
}

#[test]
fn monolog_channels_carry_the_level() {
    let h = read(
        r#"[2026-11-27T08:00:18.054000+00:00] app.ERROR: order failed {"order":1} []"#,
        now(),
    );
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 18, 54_000)));
    assert_eq!(h.level, Some(Level::Error));
    assert_eq!(h.logger.as_deref(), Some("app"));
    let h = read("[2026-11-27T08:00:18+00:00] security.WARNING: x", now());
    assert_eq!(
        (h.level, h.logger.as_deref()),
        (Some(Level::Warn), Some("security"))
    );
    // a logger whose last part merely spells a level in other case keeps its name
    let h = read("2024-01-15 10:00:00 com.acme.Error: x", now());
    assert_eq!(
        (h.level, h.logger.as_deref()),
        (None, Some("com.acme.Error"))
    );
}

#[test]
fn ruby_logger_headers_name_time_level_and_progname() {
    let line = "E, [2026-11-27T08:00:28.616000 #9313] ERROR -- : undefined method 'name' for nil (NoMethodError)";
    let h = read(line, now());
    assert_eq!(
        h.timestamp,
        Some(at_micros(2026, 11, 27, 8, 0, 28, 616_000))
    );
    assert_eq!((h.level, h.logger.as_deref()), (Some(Level::Error), None));
    assert_eq!(
        &line[h.message_start..],
        "undefined method 'name' for nil (NoMethodError)"
    );
    let line = "W, [2026-11-27T08:00:29.000001 #9313]  WARN -- billing: card expires soon";
    let h = read(line, now());
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 29, 1)));
    assert_eq!(
        (h.level, h.logger.as_deref()),
        (Some(Level::Warn), Some("billing"))
    );
    assert_eq!(&line[h.message_start..], "card expires soon");
    // a line that only starts like one is read as any other
    let h = read("E, [not a logger line", now());
    assert_eq!(h.timestamp, None);
}

#[test]
fn klog_headers_keep_thread_and_file_out_of_the_message() {
    let line = "E1127 08:00:09.386000      15 controller.go:144] sync of pod web-1 failed";
    let later = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
    let h = read(line, later);
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 9, 386_000)));
    assert_eq!((h.level, h.logger.as_deref()), (Some(Level::Error), None));
    assert_eq!(&line[h.message_start..], "sync of pod web-1 failed");
    assert_eq!(level_word("E1127"), Some(Level::Error));
    assert_eq!(level_word("I0102"), Some(Level::Info));
    // no year: around New Year, a December time read in January is last year's
    let january = Utc.with_ymd_and_hms(2027, 1, 1, 0, 5, 0).unwrap();
    let h = read("W1231 23:59:59.900000 7 main.go:1] late", january);
    assert_eq!(
        h.timestamp,
        Some(at_micros(2026, 12, 31, 23, 59, 59, 900_000))
    );
    assert_eq!(h.level, Some(Level::Warn));
    // and a January time read on New Year's Eve is this year's
    let eve = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
    let h = read("I0101 00:00:01.000000 7 main.go:1] early", eve);
    assert_eq!(h.timestamp, Some(at_micros(2026, 1, 1, 0, 0, 1, 0)));
    // not klog: a code that looks like its level and date, with no time after it
    let h = read("E1127 is an error code", later);
    assert_eq!((h.timestamp, h.message_start), (None, 0));
}

#[test]
fn context_after_the_header_is_neither_logger_nor_message() {
    for (line, logger, message) in [
        (
            "2026-11-27T08:00:01.123+01:00 ERROR 4242 --- [nio-8080-exec-1] c.a.shop.OrderService   : order failed",
            Some("c.a.shop.OrderService"),
            "order failed",
        ),
        (
            "2026-11-27T08:00:01.123Z ERROR 4242 --- [shop] [nio-8080-exec-7] c.a.shop.OrderService : order failed",
            Some("c.a.shop.OrderService"),
            "order failed",
        ),
        (
            "2026/11/27 08:00:02 [error] 2340#2340: *1 connect() failed (111: Connection refused)",
            None,
            "connect() failed (111: Connection refused)",
        ),
        (
            "2026-11-27T08:00:01.123Z\tERROR\tshop/order.go:42\torder failed",
            None,
            "order failed",
        ),
        (
            "2026-11-27T08:00:01.123456Z ERROR shop::order: order failed",
            Some("shop::order"),
            "order failed",
        ),
        // nothing to skip
        (
            "2026-11-27 08:00:01 ERROR db: order.go:42 is the caller",
            None,
            "db: order.go:42 is the caller",
        ),
    ] {
        let h = read(line, now());
        assert_eq!(h.logger.as_deref(), logger, "{line}");
        assert_eq!(&line[h.message_start..], message, "{line}");
        assert_eq!(h.level, Some(Level::Error), "{line}");
    }
}

#[test]
fn syslog_priorities_give_the_level() {
    let line = "<11>1 2026-11-27T08:00:02.123Z web-1 shop 2340 ID47 - upstream timed out";
    let h = read(line, now());
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 123_000)));
    assert_eq!(
        (h.level, h.logger.as_deref()),
        (Some(Level::Error), Some("shop"))
    );
    assert_eq!(&line[h.message_start..], "upstream timed out");
    let line = r#"<165>1 2026-11-27T08:00:02+01:00 web-1 shop - - [origin ip="10.0.0.1"][meta x="a\]b"] disk almost full"#;
    let h = read(line, now());
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 7, 0, 2, 0)));
    assert_eq!(h.level, Some(Level::Info));
    assert_eq!(&line[h.message_start..], "disk almost full");
    let line = "<12>Nov 27 08:00:02 web-1 shop[2340]: retrying";
    let h = read(line, Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap());
    assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 0)));
    assert_eq!(
        (h.level, h.logger.as_deref()),
        (Some(Level::Warn), Some("shop"))
    );
    assert_eq!(&line[h.message_start..], "retrying");
    // not a priority
    assert_eq!(read("<html> broke", now()).level, None);
    assert_eq!(read("<1>1 broken", now()).timestamp, None);
}

#[test]
fn zone_less_times_are_read_in_the_zone_across_daylight_saving_changes() {
    let berlin = chrono_tz::Europe::Berlin;
    let utc = |h, mi| at_micros(2024, 3, 31, h, mi, 0, 0);
    let wall = |d, h, mi| Utc.with_ymd_and_hms(2024, 3, d, h, mi, 0).unwrap();
    // winter time (+01:00) before 02:00 on 31 March, summer time (+02:00) after
    assert_eq!(in_zone(wall(31, 1, 30), berlin), utc(0, 30));
    assert_eq!(in_zone(wall(31, 3, 30), berlin), utc(1, 30));
    // 02:30 never happened that night: it is read as the hour after
    assert_eq!(in_zone(wall(31, 2, 30), berlin), utc(1, 30));
    // 02:30 on 27 October happened twice: the first one
    let october = Utc.with_ymd_and_hms(2024, 10, 27, 2, 30, 0).unwrap();
    assert_eq!(
        in_zone(october, berlin),
        Utc.with_ymd_and_hms(2024, 10, 27, 0, 30, 0).unwrap()
    );
    // whether a header said its zone
    let zoned = |line: &str| read(line, now()).zoned;
    assert!(!zoned("2024-01-15 10:30:00,123 ERROR x"));
    assert!(zoned("2024-01-15T10:30:00Z ERROR x"));
    assert!(zoned("2024-01-15T10:30:00.5+02:00 ERROR x"));
    assert!(!zoned("Jan 15 10:30:00 host app: x"));
}

#[test]
fn syslog_dates_never_land_in_the_future() {
    let h = read("Dec 31 23:59:59 host app: ERROR x", now());
    assert_eq!(
        h.timestamp,
        Some(Utc.with_ymd_and_hms(2023, 12, 31, 23, 59, 59).unwrap())
    );
}

#[test]
fn ascii_words_split_as_split_whitespace_does() {
    for text in [
        "",
        "   ",
        "a",
        " 2024-01-15 10:00:00,123  ERROR\t[main]\x0Bcom.acme.Api: ",
        "x\x0C y\r\nz - w",
    ] {
        let want: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(ascii_words(text).collect::<Vec<_>>(), want, "{text:?}");
        let mut back: Vec<&str> = ascii_words(text).rev().collect();
        back.reverse();
        assert_eq!(back, want, "{text:?}");
        // from both ends at once
        let mut words = ascii_words(text);
        let (first, last) = (words.next(), words.next_back());
        assert_eq!(first, want.first().copied());
        if want.len() > 1 {
            assert_eq!(last, want.last().copied());
        }
    }
}

#[test]
fn the_logger_is_the_last_word_with_a_colon_or_else_before_a_dash() {
    for (head, want) in [
        (
            "2024-01-15 10:00:00 ERROR [main] com.acme.Api: ",
            Some("com.acme.Api"),
        ),
        ("2024-01-15 10:00:00 a.B: - ERROR [x] c.D: ", Some("c.D")),
        ("2024-01-15 10:00:00 ERROR web.views - ", Some("web.views")),
        ("2024-01-15 10:00:00 - app - ERROR - ", None), // the level before the dash is no logger
        ("2024-01-15 10:00:00 ERROR [worker-1] ", None),
        ("2024-01-15 10:00:00 ERROR: ", None),
        ("2024-01-15 10:00:00 [42]: ", None),
        (
            "2024-01-15 10:00:00 ERROR\u{a0}[main] café.Api: ",
            Some("café.Api"),
        ),
    ] {
        assert_eq!(logger(head).as_deref(), want, "{head:?}");
    }
}

#[test]
fn headers_without_colon_words_or_dashes_name_no_logger_quickly() {
    for head in [
        "2024-01-15 10:00:00,123 ERROR [main] ",
        "2024-01-15T10:00:00-05:00 WARN a-b [x-y] ",
        "",
    ] {
        assert!(!might_name_a_logger(head.as_bytes()), "{head}");
    }
    for head in [
        "2024-01-15 10:00:00 ERROR app: ",
        "2024-01-15 10:00:00 ERROR app -",
        "- app ",
        "10:00:00\u{a0}-\u{a0}app ",
        "x:",
    ] {
        assert!(might_name_a_logger(head.as_bytes()), "{head}");
    }
}

#[test]
fn levels_order() {
    assert!(Level::Fatal > Level::Error && Level::Error > Level::Warn);
    assert_eq!(Level::parse("critical"), Some(Level::Fatal));
    assert_eq!(Level::parse("Information"), Some(Level::Info));
    assert_eq!(Level::parse("errors"), None);
}

#[test]
fn a_bracketed_dotted_name_after_the_level_is_the_logger_and_a_thread_is_not() {
    for (line, logger) in [
        ("2026-11-27 08:00:01,123 ERROR [app.db] x", Some("app.db")),
        (
            "2026-11-27 08:00:01,123 ERROR [shop::db] x",
            Some("shop::db"),
        ),
        (
            "2026-11-27 08:00:01,123 ERROR [main] [a.B$Inner] x",
            Some("a.B$Inner"),
        ),
        (
            "2026-11-27 08:00:01,123 ERROR [_private.mod] x",
            Some("_private.mod"),
        ),
        ("2026-11-27 08:00:01,123 ERROR [main] x", None),
        ("2026-11-27 08:00:01,123 ERROR [worker-1] x", None),
        (
            "2026-11-27 08:00:01,123 ERROR [http-nio-8080-exec-1] x",
            None,
        ),
        (
            "2026-11-27 08:00:01,123 ERROR [ForkJoinPool.commonPool-worker-1] x",
            None,
        ),
        ("2026-11-27 08:00:01,123 ERROR [1.2.3] x", None),
        ("2026-11-27 08:00:01,123 ERROR [main.go:42] x", None),
        ("2026-11-27 08:00:01,123 ERROR [app..db] x", None),
        ("2026-11-27 08:00:01,123 ERROR [app.] x", None),
        // env_logger's target in the brackets after the level
        ("[2026-11-27T08:00:01Z ERROR shop::db] x", Some("shop::db")),
        ("[2026-11-27T08:00:01Z INFO  shop] x", Some("shop")),
        ("[08:00:01 ERR] x", None),
        (
            "[Fri Nov 27 08:00:02 2026] [error] [client example.com] x",
            None,
        ),
        (
            "[Fri Nov 27 08:00:02 2026] [error] [pid 2340:tid 1234] x",
            None,
        ),
        // a logger the header names otherwise comes first
        (
            "2026-11-27 08:00:01,123 ERROR [app.db] web.views: x",
            Some("web.views"),
        ),
    ] {
        let h = read(line, now());
        assert_eq!(h.logger.as_deref(), logger, "{line}");
        assert_eq!(&line[h.message_start..], "x", "{line}");
    }
}

#[test]
fn dotnet_and_celery_level_words_read_as_the_line_reads() {
    for (word, level) in [
        ("fail:", Some(Level::Error)),
        ("crit:", Some(Level::Fatal)),
        ("dbug:", Some(Level::Debug)),
        ("trce:", Some(Level::Trace)),
        ("ERROR/ForkPoolWorker-1]", Some(Level::Error)),
        ("WARNING/MainProcess]", Some(Level::Warn)),
        ("CRITICAL/ForkPoolWorker-12]", Some(Level::Fatal)),
        ("Error/x]", None),
        ("I/O]", None),
        ("fail", None),
    ] {
        assert_eq!(level_word(word), level, "{word}");
    }
}

#[test]
fn the_first_lines_of_two_line_records_say_their_message_is_below() {
    for line in [
        "Nov 27, 2026 8:00:01 AM com.acme.Gateway capture",
        "fail: Microsoft.AspNetCore.Server.Kestrel[13]",
        "2026-11-27 08:00:01.123 warn: Shop.Orders[2]",
    ] {
        assert!(message_is_below(line), "{line}");
    }
    for line in [
        "SEVERE: card declined",
        "fail: Shop.Orders[2] single line",
        "2026-11-27 08:00:01 ERROR x",
        "Nov 27, 2026 8:00:01 AM ERROR x",
    ] {
        assert!(!message_is_below(line), "{line}");
    }
}

#[test]
fn a_dotted_name_is_what_splitting_at_double_colons_and_dots_says() {
    // the reading by splitting, as it was written before the byte loop
    let split = |name: &str| {
        name.as_bytes()
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && name.split("::").flat_map(|p| p.split('.')).count() > 1
            && name.split("::").flat_map(|p| p.split('.')).all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
            })
    };
    for name in [
        "app.db",
        "com.acme.Cart$Inner",
        "shop::db",
        "shop::db.pool",
        "_x.y",
        "a",
        "",
        "a.",
        ".a",
        "a..b",
        "a:b",
        "a:::b",
        "a::::b",
        "a::",
        "::a",
        "a::.b",
        "a.::b",
        "worker-3",
        "main",
        "1.2.3",
        "a.b-c",
        "é.x",
        "x.é",
        "a.b:",
        "a:.b",
    ] {
        assert_eq!(is_dotted_name(name), split(name), "{name:?}");
    }
}
