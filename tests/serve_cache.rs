//! `GET /api/v1/services/status` and the connection layer of `luffy serve`, over real HTTP on
//! 127.0.0.1: the status answer is at most a second old, and a write through the server shows
//! in the very next answer; answers come compressed to clients that accept gzip and as 304 to
//! clients that hold them; many connections opened at once are all served; request bodies sent
//! in chunks or after `Expect: 100-continue` are read; HTTP/1.0 and `Connection: close` close.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::serve::Served;
use common::Luffy;
use serde_json::Value;

const TOKEN: &str = "s3cret-t0ken";

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

/// Polls until the status answer lists `want`; how long that took.
fn shows_within(served: &Served, want: &[&str], most: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let got = ids(served);
        if got == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < most,
            "after {most:?} the answer still lists {got:?}, not {want:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn served_with_token(luffy: &Luffy) -> Served {
    let config = luffy.path("config.toml");
    std::fs::write(&config, "[serve]\ntoken_env = \"LUFFY_TEST_TOKEN\"\n").unwrap();
    Served::start(
        luffy,
        &[
            ("LUFFY_CONFIG", config.to_str().unwrap()),
            ("LUFFY_TEST_TOKEN", TOKEN),
        ],
    )
}

/// Sends `request` as raw bytes on a new connection; the whole answer, read until the server
/// closes the connection.
fn raw(served: &Served, request: &[u8]) -> String {
    let addr = served.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_status_answer_is_at_most_a_second_old_and_shows_the_servers_writes_at_once() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let served = served_with_token(&luffy);
    assert_eq!(ids(&served), ["web"]);
    assert_eq!(ids(&served), ["web"], "the kept answer is the same");

    // a commit by another process (the CLI) shows within the second
    luffy.ok(&["service", "add", "api"]);
    let took = shows_within(&served, &["api", "web"], Duration::from_secs(3));
    assert!(took <= Duration::from_millis(1500), "{took:?}");
    luffy.ok(&["service", "rm", "web", "--yes"]);
    shows_within(&served, &["api"], Duration::from_secs(3));

    // a write through the server shows in the very next answer, every time
    for name in ["billing", "cart", "db"] {
        let (status, _) = {
            let mut response = ureq::put(&served.url(&format!("/api/v1/services/{name}/config")))
                .header("Authorization", &format!("Bearer {TOKEN}"))
                .content_type("application/json")
                .send("{}")
                .expect("an answer");
            (
                response.status().as_u16(),
                response.body_mut().read_to_string(),
            )
        };
        assert_eq!(status, 201);
        let listed = ids(&served);
        assert!(
            listed.contains(&name.to_string()),
            "{name} missing from {listed:?}"
        );
    }

    // concurrent clients all get the current answer
    let answers: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16).map(|_| scope.spawn(|| ids(&served))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        answers
            .iter()
            .all(|a| a == &["api", "billing", "cart", "db"]),
        "{answers:?}"
    );
    assert!(served.stop());
}

#[test]
fn answers_are_compressed_for_clients_that_accept_gzip_and_not_modified_for_those_that_hold_them() {
    let luffy = Luffy::new();
    for i in 0..40 {
        luffy.ok(&["service", "add", &format!("svc-{i:02}")]);
    }
    let served = Served::start(&luffy, &[]);
    // ureq asks for gzip and inflates: the JSON is the CLI's
    let plain = luffy.ok(&["status", "--json"]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(&served.url("/api/v1/services/status"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let served_json: Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    let cli_json: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(served_json, cli_json);

    // on the wire: gzip when asked, its validator, and 304 for a client holding it
    let asked = raw(
        &served,
        b"GET /api/v1/services/status HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    let head = asked.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("vary: accept-encoding"), "{head}");
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("an ETag")
        .to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("a length");
    assert!(
        length * 4 < plain.len(),
        "{length} bytes compressed, {} plain",
        plain.len()
    );
    let refused = raw(
        &served,
        b"GET /api/v1/services/status HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\nConnection: close\r\n\r\n",
    );
    assert!(
        !refused.to_ascii_lowercase().contains("content-encoding"),
        "{refused:.300}"
    );
    let again = raw(
        &served,
        format!(
            "GET /api/v1/services/status HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(again.starts_with("HTTP/1.1 304"), "{again}");
    assert!(
        again.contains("Vary: Accept-Encoding") && again.contains(&format!("ETag: {etag}")),
        "a 304 names the validator and the variants of its 200: {again}"
    );
    assert!(again.ends_with("\r\n\r\n"), "a 304 has no body: {again}");
    // a change makes a new validator
    luffy.ok(&["service", "add", "zz-new"]);
    std::thread::sleep(Duration::from_millis(1100));
    let changed = raw(
        &served,
        format!(
            "GET /api/v1/services/status HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(changed.starts_with("HTTP/1.1 200"), "{changed:.200}");
    assert!(changed.contains("zz-new"));
    assert!(served.stop());
}

#[test]
fn many_connections_opened_at_once_are_all_served() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let served = Served::start(&luffy, &[]);
    let addr = served.base.trim_start_matches("http://").to_string();
    // opened together and kept open, as browsers and pollers keep them
    let mut streams: Vec<TcpStream> = (0..120)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    for stream in &mut streams {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
    }
    let start = Instant::now();
    for (i, stream) in streams.iter_mut().enumerate() {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut buf = [0u8; 512];
        let n = stream.read(&mut buf).unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 200"), "connection {i}: {text:?}");
    }
    assert!(start.elapsed() < Duration::from_secs(10));
    // and each again, on the same connection
    for stream in &mut streams {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 512];
        let n = stream.read(&mut buf).unwrap_or(0);
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    }
    assert!(served.stop());
}

#[test]
fn bodies_in_chunks_or_after_100_continue_are_read_and_old_clients_are_closed() {
    let luffy = Luffy::new();
    let served = served_with_token(&luffy);
    let auth = format!("Authorization: Bearer {TOKEN}\r\n");
    // a chunked body (as `curl -T -` sends one)
    let chunked = raw(
        &served,
        format!(
            "PUT /api/v1/services/chunked/config HTTP/1.1\r\nHost: x\r\n{auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             6\r\n{{\"name\r\n10;ext=1\r\n\": \"Chunky One\"}}\r\n0\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(chunked.starts_with("HTTP/1.1 201"), "{chunked}");
    // Expect: 100-continue (as curl sends for a larger body)
    let body = r#"{"name": "Continued"}"#;
    let continued = raw(
        &served,
        format!(
            "PUT /api/v1/services/continued/config HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    assert!(
        continued.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201"),
        "{continued}"
    );
    let listed = luffy.ok(&["service", "list"]);
    assert!(
        listed.contains("Chunky One") && listed.contains("Continued"),
        "{listed}"
    );
    // HTTP/1.0 without keep-alive: answered, then closed (raw reads to the end)
    let old = raw(&served, b"GET /healthz HTTP/1.0\r\n\r\n");
    assert!(
        old.starts_with("HTTP/1.1 200") && old.contains("Connection: close"),
        "{old}"
    );
    // two requests in one write (pipelined): two answers, in order
    let both = raw(
        &served,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let first = both.find("HTTP/1.1 200").expect("the first answer");
    let second = both.find("HTTP/1.1 404").expect("the second answer");
    assert!(first < second, "{both}");
    // a malformed request: 400, closed
    let bad = raw(&served, b"NOT A REQUEST\r\n\r\n");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    assert!(served.stop());
}
