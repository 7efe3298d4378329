//! The `loki` source: entries of a LogQL selector, read with `query_range` and
//! `direction=forward`, every stream merged in timestamp order.
//!
//! The cursor is the last nanosecond timestamp read and the hashes of the entries read at that
//! nanosecond. The next page starts *at* that nanosecond (Loki's `start` is inclusive) and skips
//! the entries whose hash it holds, so entries sharing the last nanosecond are neither read twice
//! nor lost when a page ends among them.

use anyhow::{anyhow, Context as _, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::{excerpt, Client, Reply};
use super::{LokiSettings, Page, RawRecord};

/// The number of entries asked for per page by default (Loki's default `max_entries_limit` is 5000).
pub const DEFAULT_LIMIT: usize = 1000;
/// Stream labels that carry the level, in order of preference.
const LEVEL_LABELS: [&str; 4] = ["level", "detected_level", "severity", "lvl"];

/// A LogQL selector on a Loki server.
#[derive(Debug)]
pub struct LokiSource {
    client: Client,
    query: String,
}

/// Where reading stands: the last nanosecond read and the entries read at it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LokiCursor {
    /// Nanoseconds since the epoch, as text (JSON numbers lose precision in many readers).
    pub ns: String,
    /// FNV-1a hashes (hex) of stream labels + line of the entries read at `ns`.
    pub seen: Vec<String>,
}

/// One entry of a stream.
struct Entry {
    ns: i64,
    stream: String,
    level: Option<String>,
    line: String,
}

impl LokiSource {
    /// A source for `settings`; fails when the URL is not HTTP(S) or the password variable is unset.
    pub fn new(settings: &LokiSettings) -> Result<LokiSource> {
        let mut client = Client::new(
            &settings.url,
            settings.username.as_deref(),
            settings.password_env.as_deref(),
        )?;
        if let Some(org) = settings.org_id.as_deref().filter(|org| !org.is_empty()) {
            client = client.with_header("X-Scope-OrgID", org);
        }
        Ok(LokiSource {
            client,
            query: settings.query.clone(),
        })
    }

    /// Reads up to `limit` entries after `cursor` (or from `start` when there is none) up to `now`.
    pub fn fetch_page(
        &self,
        cursor: Option<&Value>,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Page> {
        let limit = limit.max(1);
        let cursor: Option<LokiCursor> = cursor
            .map(|value| {
                serde_json::from_value(value.clone())
                    .map_err(|_| anyhow!("the stored Loki cursor {value} is not understood"))
            })
            .transpose()?;
        let from = match &cursor {
            Some(cursor) => cursor
                .ns
                .parse::<i64>()
                .map_err(|_| anyhow!("the stored Loki cursor has a bad time '{}'", cursor.ns))?,
            None => nanos(start),
        };
        let end = nanos(now);
        if from >= end {
            return Ok(Page {
                records: Vec::new(),
                cursor: None,
                done: true,
            });
        }
        let entries = self.query_range(from, end, limit, "forward")?;
        let full = entries.len() >= limit;
        let seen_before = cursor.as_ref().map_or(&[][..], |c| c.seen.as_slice());
        let mut records = Vec::new();
        let (mut last_ns, mut seen) = (from, seen_before.to_vec());
        for entry in &entries {
            let hash = entry_hash(entry);
            if entry.ns < from || (entry.ns == from && seen_before.contains(&hash)) {
                continue;
            }
            if entry.ns != last_ns {
                last_ns = entry.ns;
                seen.clear();
            }
            seen.push(hash);
            records.push(RawRecord {
                version: None,
                text: entry.line.clone(),
                timestamp: Some(DateTime::from_timestamp_nanos(entry.ns)),
                level: entry.level.clone(),
            });
        }
        if records.is_empty() && full {
            // More than `limit` entries share one nanosecond and all were read: step past it
            // rather than asking for the same page forever.
            let next = LokiCursor {
                ns: (from + 1).to_string(),
                seen: Vec::new(),
            };
            return Ok(Page {
                records,
                cursor: Some(serde_json::to_value(next)?),
                done: false,
            });
        }
        let next = (!records.is_empty()).then(|| LokiCursor {
            ns: last_ns.to_string(),
            seen,
        });
        Ok(Page {
            records,
            cursor: next.map(serde_json::to_value).transpose()?,
            done: !full,
        })
    }

    /// `source test`: the query runs, and the newest matching entry of the last 24 hours.
    pub fn test(&self, now: DateTime<Utc>) -> Result<String> {
        let from = nanos(now - Duration::hours(24));
        let entries = self.query_range(from, nanos(now), 1, "backward")?;
        let newest = match entries.last() {
            Some(entry) => {
                let time = DateTime::from_timestamp_nanos(entry.ns);
                format!(
                    "newest matching entry of the last 24 hours at {}",
                    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                )
            }
            None => "no matching entry in the last 24 hours".to_string(),
        };
        Ok(format!(
            "{}: query {} runs; {newest}",
            self.client.shown(),
            self.query
        ))
    }

    /// One `query_range` call, entries of all streams merged in time order.
    fn query_range(
        &self,
        start: i64,
        end: i64,
        limit: usize,
        direction: &str,
    ) -> Result<Vec<Entry>> {
        let params = [
            ("query", self.query.clone()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("direction", direction.to_string()),
            ("limit", limit.to_string()),
        ];
        let reply = self.client.get("/loki/api/v1/query_range", &params)?;
        let body = self.decode(&reply)?;
        let mut entries = parse_streams(&body).map_err(|err| {
            anyhow!(
                "{} answered the query {} with {err}",
                self.client.shown(),
                self.query
            )
        })?;
        entries.sort_by(|a, b| a.ns.cmp(&b.ns).then_with(|| a.stream.cmp(&b.stream)));
        Ok(entries)
    }

    fn decode(&self, reply: &Reply) -> Result<Value> {
        if !(200..300).contains(&reply.status) {
            // Loki answers errors as plain text ("parse error at line 1, col 5: ...").
            let reason = serde_json::from_str::<Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| excerpt(&reply.body, 300));
            return Err(anyhow!(
                "{} refused the query {} (HTTP {}): {reason}",
                self.client.shown(),
                self.query,
                reply.status
            ));
        }
        serde_json::from_str(&reply.body).with_context(|| {
            format!(
                "{} answered with something else than JSON: {}",
                self.client.shown(),
                excerpt(&reply.body, 200)
            )
        })
    }
}

/// The entries of a `query_range` answer of result type `streams`.
fn parse_streams(body: &Value) -> Result<Vec<Entry>, String> {
    if body.get("status").and_then(Value::as_str) != Some("success") {
        return Err(format!("a failure: {}", excerpt(&body.to_string(), 200)));
    }
    let kind = body.pointer("/data/resultType").and_then(Value::as_str);
    if kind != Some("streams") {
        return Err(format!(
            "result type {} instead of log streams (use a log selector, not a metric query)",
            kind.unwrap_or("none")
        ));
    }
    let streams = body
        .pointer("/data/result")
        .and_then(Value::as_array)
        .ok_or("no result list")?;
    let mut entries = Vec::new();
    for stream in streams {
        let labels = stream.get("stream").and_then(Value::as_object);
        let key = labels.map_or_else(String::new, |l| Value::Object(l.clone()).to_string());
        let level = labels.and_then(|l| {
            LEVEL_LABELS
                .iter()
                .find_map(|name| l.get(*name).and_then(Value::as_str).map(str::to_string))
        });
        let values = stream
            .get("values")
            .and_then(Value::as_array)
            .ok_or("a stream without values")?;
        for value in values {
            let ns = value
                .get(0)
                .and_then(Value::as_str)
                .and_then(|ns| ns.parse::<i64>().ok())
                .ok_or_else(|| format!("a bad entry {value}"))?;
            let line = value
                .get(1)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("a bad entry {value}"))?;
            entries.push(Entry {
                ns,
                stream: key.clone(),
                level: level.clone(),
                line: line.to_string(),
            });
        }
    }
    Ok(entries)
}

/// Nanoseconds since the epoch, clamped to what Loki can take.
fn nanos(time: DateTime<Utc>) -> i64 {
    time.timestamp_nanos_opt()
        .unwrap_or(if time.timestamp() < 0 { 0 } else { i64::MAX })
        .max(0)
}

/// FNV-1a of the stream labels and the line, as hex.
fn entry_hash(entry: &Entry) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in entry.stream.bytes().chain([0]).chain(entry.line.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
