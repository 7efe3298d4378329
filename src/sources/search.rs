//! The `elasticsearch` / `opensearch` source: error-level hits of an index pattern, read in pages
//! with `_search`, sorted on the timestamp and the document id and continued with `search_after`.
//!
//! The cursor is the last hit's sort values, `[millis, "_id"]`. Elasticsearch 8 refuses to sort on
//! `_id` unless `indices.id_field_data.enabled` is set, and `_doc`/`_shard_doc` are not unique
//! across shards without a point in time, so on that refusal the source sorts on the timestamp
//! alone and continues with `timestamp >= last` minus the ids already read at `last`; that cursor is
//! `{"after": millis, "ids": [...]}`, which starts the next fetch in that mode at once.
//! Hits without the timestamp field are not read: they have no place in the order.
//! Hits indexed later with a timestamp before the cursor are not seen (search engines give no
//! change feed); the fetch interval should exceed the ingestion delay.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, Context as _, Result};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

mod answer;

use self::answer::{error_reason, hit_record, incomplete};
use super::http::{excerpt, Client, Reply};
use super::{Page, RawRecord, SearchSettings};

/// Levels that count as "ERROR or above" in the default filter; each is matched upper case, lower
/// case and capitalized, so that both keyword fields and analyzed text fields match.
pub const ERROR_LEVELS: [&str; 10] = [
    "ERROR",
    "ERR",
    "CRITICAL",
    "CRIT",
    "FATAL",
    "ALERT",
    "EMERGENCY",
    "EMERG",
    "SEVERE",
    "PANIC",
];

/// The page size used when the caller has no reason to choose another.
pub const DEFAULT_PAGE_SIZE: usize = 1000;

/// How hits sharing a timestamp are ordered and continued after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tiebreak {
    /// Sort on `[timestamp, _id]` and continue with `search_after` (OpenSearch, Elasticsearch 7).
    Id,
    /// Sort on the timestamp and exclude the ids already read at the last one (Elasticsearch 8).
    ExcludeIds,
}

/// An index pattern on an Elasticsearch or OpenSearch cluster.
pub struct SearchSource {
    client: Client,
    settings: SearchSettings,
    /// Set once the server refused to sort on `_id`.
    exclude_ids: AtomicBool,
}

impl std::fmt::Debug for SearchSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the settings: their URL may hold a password.
        f.debug_struct("SearchSource")
            .field("client", &self.client)
            .field("index", &self.settings.index)
            .field("tiebreak", &self.tiebreak())
            .finish_non_exhaustive()
    }
}

/// Where a page starts.
enum Position {
    Since(DateTime<Utc>),
    After(Vec<Value>),
    Seen { millis: i64, ids: Vec<String> },
}

impl SearchSource {
    /// A source for `settings`; fails when the URL is not HTTP(S) or the password variable is unset.
    pub fn new(settings: &SearchSettings) -> Result<SearchSource> {
        let client = Client::new(
            &settings.url,
            settings.username.as_deref(),
            settings.password_env.as_deref(),
        )?;
        Ok(SearchSource {
            client,
            settings: settings.clone(),
            exclude_ids: AtomicBool::new(false),
        })
    }

    /// Chooses the tiebreak instead of finding out from the server.
    #[must_use]
    pub fn with_tiebreak(self, tiebreak: Tiebreak) -> SearchSource {
        self.exclude_ids
            .store(tiebreak == Tiebreak::ExcludeIds, Ordering::Relaxed);
        self
    }

    /// The tiebreak in use.
    pub fn tiebreak(&self) -> Tiebreak {
        if self.exclude_ids.load(Ordering::Relaxed) {
            Tiebreak::ExcludeIds
        } else {
            Tiebreak::Id
        }
    }

    /// Reads up to `page_size` hits after `cursor` (or from `start` when there is none).
    pub fn fetch_page(
        &self,
        cursor: Option<&Value>,
        start: DateTime<Utc>,
        page_size: usize,
    ) -> Result<Page> {
        let position = match cursor {
            None => Position::Since(start),
            Some(value) => parse_cursor(value)?,
        };
        if matches!(position, Position::Seen { .. }) {
            // The cursor was made without `_id` sorting: this server refused it before.
            self.exclude_ids.store(true, Ordering::Relaxed);
        }
        let page_size = page_size.max(1);
        let reply = match self.search(&position, page_size)? {
            Err(reply) if self.tiebreak() == Tiebreak::Id && refuses_id_sort(&reply.body) => {
                self.exclude_ids.store(true, Ordering::Relaxed);
                self.search(&position, page_size)?
            }
            other => other,
        };
        let body = reply.map_err(|reply| self.failure(&reply))?;
        self.page(&body, &position, page_size)
    }

    /// `source test`: index count, documents matching the filter, newest matching record.
    pub fn test(&self, now: DateTime<Utc>) -> Result<String> {
        let ts = &self.settings.timestamp_field;
        let body = json!({
            "size": 0,
            "track_total_hits": true,
            "aggs": {
                "indices": {"terms": {"field": "_index", "size": 10000}},
                "matching": {
                    "filter": self.filter(),
                    "aggs": {"newest": {"max": {"field": ts}}}
                }
            }
        });
        let reply = self.post_search(&body)?;
        let value = self.decode(&reply)?;
        let indices = value
            .pointer("/aggregations/indices/buckets")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let matching = value
            .pointer("/aggregations/matching/doc_count")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let total = value
            .pointer("/hits/total/value")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let newest = value
            .pointer("/aggregations/matching/newest/value")
            .and_then(Value::as_f64)
            .and_then(|millis| DateTime::from_timestamp_millis(millis as i64));
        let newest = match newest {
            Some(time) => format!(
                "{} ({})",
                time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                crate::ui::ago(Some(time), now)
            ),
            None => "none yet".to_string(),
        };
        Ok(format!(
            "{}: index pattern {} matches {indices} indices with {total} documents; \
             {matching} match the filter, newest: {newest}",
            self.client.shown(),
            self.settings.index
        ))
    }

    /// Runs one `_search`: `Ok(Err(reply))` when the server answered with an error.
    fn search(&self, position: &Position, size: usize) -> Result<Result<Value, Reply>> {
        let body = self.request(position, size);
        let reply = self.post_search(&body)?;
        if (200..300).contains(&reply.status) {
            Ok(Ok(self.decode(&reply)?))
        } else {
            Ok(Err(reply))
        }
    }

    fn post_search(&self, body: &Value) -> Result<Reply> {
        let path = format!("/{}/_search?allow_no_indices=false", self.settings.index);
        self.client.post_json(&path, body)
    }

    /// The JSON of a successful answer, or the server's reason as an error.
    fn decode(&self, reply: &Reply) -> Result<Value> {
        if !(200..300).contains(&reply.status) {
            return Err(self.failure(reply));
        }
        serde_json::from_str(&reply.body).with_context(|| {
            format!(
                "{} answered with something else than JSON: {}",
                self.client.shown(),
                excerpt(&reply.body, 200)
            )
        })
    }

    fn failure(&self, reply: &Reply) -> anyhow::Error {
        let parsed: Option<Value> = serde_json::from_str(&reply.body).ok();
        let kind = parsed
            .as_ref()
            .and_then(|v| v.pointer("/error/type"))
            .and_then(Value::as_str);
        if kind == Some("index_not_found_exception") {
            return anyhow!(
                "index pattern {} matches no index on {}",
                self.settings.index,
                self.client.shown()
            );
        }
        let reason = parsed
            .as_ref()
            .and_then(error_reason)
            .unwrap_or_else(|| excerpt(&reply.body, 300));
        anyhow!(
            "{} refused the search on {} (HTTP {}): {reason}",
            self.client.shown(),
            self.settings.index,
            reply.status
        )
    }

    /// The `_search` body for a page.
    fn request(&self, position: &Position, size: usize) -> Value {
        let ts = self.settings.timestamp_field.as_str();
        // A hit without the timestamp sorts last with a sort value of i64::MAX, which would carry
        // the cursor past every later record: such hits are not read.
        let mut filters = vec![self.filter(), json!({"exists": {"field": ts}})];
        let mut must_not = Vec::new();
        match position {
            Position::Since(start) => filters.push(json!({"range": {ts: {
                "gte": start.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "format": "strict_date_optional_time"
            }}})),
            Position::After(_) => {}
            Position::Seen { millis, ids } => {
                filters.push(json!({"range": {ts: {"gte": millis, "format": "epoch_millis"}}}));
                if !ids.is_empty() {
                    must_not.push(json!({"ids": {"values": ids}}));
                }
            }
        }
        let mut sort = vec![json!({ts: {"order": "asc", "numeric_type": "date"}})];
        if self.tiebreak() == Tiebreak::Id {
            sort.push(json!({"_id": "asc"}));
        }
        let mut body = json!({
            "size": size,
            "track_total_hits": false,
            "sort": sort,
            "query": {"bool": {"filter": filters, "must_not": must_not}},
        });
        if let Position::After(values) = position {
            if self.tiebreak() == Tiebreak::Id {
                body["search_after"] = Value::Array(values.clone());
            } else if let Some(seen) = after_as_seen(values) {
                return self.request(&seen, size);
            }
        }
        body
    }

    /// The query filter: the configured clause, or "the level is ERROR or above".
    fn filter(&self) -> Value {
        match &self.settings.query {
            Some(query) => query.clone(),
            None => {
                let mut levels = Vec::new();
                for level in ERROR_LEVELS {
                    let lower = level.to_ascii_lowercase();
                    let title = format!("{}{}", &level[..1], &lower[1..]);
                    levels.extend([level.to_string(), lower, title]);
                }
                json!({"terms": {self.settings.level_field.as_str(): levels}})
            }
        }
    }

    /// Turns an answer into records and the cursor after them.
    fn page(&self, body: &Value, position: &Position, page_size: usize) -> Result<Page> {
        if let Some(problem) = incomplete(body) {
            // Moving the cursor past a partial answer would lose the hits of the failed shards.
            return Err(anyhow!(
                "{} answered the search on {} incompletely: {problem}",
                self.client.shown(),
                self.settings.index
            ));
        }
        let hits = body
            .pointer("/hits/hits")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                anyhow!(
                    "{} answered without hits: {}",
                    self.client.shown(),
                    excerpt(&body.to_string(), 200)
                )
            })?;
        let records: Vec<RawRecord> = hits
            .iter()
            .map(|hit| hit_record(hit, &self.settings))
            .collect();
        let cursor = match hits.last() {
            None => None,
            Some(last) => Some(self.cursor_after(hits, last, position)?),
        };
        Ok(Page {
            records,
            cursor,
            done: hits.len() < page_size,
        })
    }

    fn cursor_after(&self, hits: &[Value], last: &Value, position: &Position) -> Result<Value> {
        let sort = last
            .get("sort")
            .and_then(Value::as_array)
            .filter(|values| !values.is_empty())
            .ok_or_else(|| anyhow!("{} returned a hit without sort values", self.client.shown()))?;
        if self.tiebreak() == Tiebreak::Id {
            return Ok(Value::Array(sort.clone()));
        }
        let millis = sort[0]
            .as_i64()
            .ok_or_else(|| anyhow!("the sort value {} is not a time in milliseconds", sort[0]))?;
        let mut ids: Vec<String> = match position {
            Position::Seen {
                millis: before,
                ids,
            } if *before == millis => ids.clone(),
            Position::After(values) => match after_as_seen(values) {
                Some(Position::Seen {
                    millis: before,
                    ids,
                }) if before == millis => ids,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for hit in hits.iter().rev() {
            if hit.pointer("/sort/0").and_then(Value::as_i64) != Some(millis) {
                break;
            }
            if let Some(id) = hit.get("_id").and_then(Value::as_str) {
                ids.push(id.to_string());
            }
        }
        Ok(json!({"after": millis, "ids": ids}))
    }
}

/// Reads a stored cursor: sort values, or `{"after": millis, "ids": [...]}`.
fn parse_cursor(value: &Value) -> Result<Position> {
    match value {
        Value::Array(values) if !values.is_empty() => Ok(Position::After(values.clone())),
        Value::Object(map) => {
            let millis = map.get("after").and_then(Value::as_i64);
            let ids = map.get("ids").and_then(Value::as_array).map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_string))
                    .collect()
            });
            match (millis, ids) {
                (Some(millis), Some(ids)) => Ok(Position::Seen { millis, ids }),
                _ => Err(anyhow!(
                    "the stored search cursor {value} is not understood"
                )),
            }
        }
        _ => Err(anyhow!(
            "the stored search cursor {value} is not understood"
        )),
    }
}

/// A `[millis, "_id"]` cursor continued without `_id` sorting.
fn after_as_seen(values: &[Value]) -> Option<Position> {
    let millis = values.first()?.as_i64()?;
    let ids = values
        .get(1)
        .and_then(Value::as_str)
        .map(|id| vec![id.to_string()])
        .unwrap_or_default();
    Some(Position::Seen { millis, ids })
}

/// True when the server refuses to sort on `_id` (Elasticsearch 8 without id field data).
fn refuses_id_sort(body: &str) -> bool {
    body.contains("id_field_data") || body.contains("_id field is disallowed")
}

/// Settings used by this module's tests and its `answer` submodule's.
#[cfg(test)]
fn test_settings() -> SearchSettings {
    SearchSettings {
        url: "http://127.0.0.1:9200".into(),
        index: "logs-*".into(),
        query: None,
        timestamp_field: "@timestamp".into(),
        message_field: "message".into(),
        level_field: "log.level".into(),
        stack_field: Some("error.stack_trace".into()),
        username: None,
        password_env: None,
        since: None,
        version_field: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_filter_lists_case_variants() {
        let source = SearchSource::new(&test_settings()).expect("source");
        let filter = source.filter();
        let levels = filter["terms"]["log.level"].as_array().expect("terms");
        for want in ["ERROR", "error", "Error", "FATAL", "fatal", "Critical"] {
            assert!(levels.contains(&json!(want)), "{want}");
        }
    }

    #[test]
    fn cursors_are_read_in_both_shapes() {
        assert!(matches!(
            parse_cursor(&json!([1, "a"])),
            Ok(Position::After(_))
        ));
        assert!(matches!(
            parse_cursor(&json!({"after": 5, "ids": ["a"]})),
            Ok(Position::Seen { millis: 5, .. })
        ));
        assert!(parse_cursor(&json!("x")).is_err());
        assert!(parse_cursor(&json!({"after": "x"})).is_err());
    }
}
