//! Reading the remote sources (Elasticsearch/OpenSearch, Loki) and command sources: page after
//! page from the stored cursor, each page's events committed with the cursor after it.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use super::fetch::{batch_size, part_records, Pending, Reader, Sink};
use crate::ingest::LogRecord;
use crate::parse::Assembler;
use crate::sources::command::CommandSource;
use crate::sources::loki::LokiSource;
use crate::sources::search::SearchSource;
use crate::sources::since::parse_since;
use crate::sources::{Page, RawRecord, SourceSettings};

/// Hits asked for per search request.
const PAGE_SIZE: usize = 1000;
/// Entries asked for per Loki request.
const LOKI_LIMIT: usize = 1000;
/// Pages read in one fetch at most; the rest waits for the next fetch.
const MAX_PAGES: usize = 10_000;

/// Where the first fetch of a source starts: its `--since`, else one fetch interval ago.
fn start(since: Option<&str>, interval_minutes: u32, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    match since {
        Some(text) => Ok(parse_since(text).map_err(anyhow::Error::msg)?.start(now)),
        None => Ok(now - Duration::minutes(i64::from(interval_minutes))),
    }
}

/// Reads a remote or command source; `interval_minutes` is the service's fetch interval.
pub(super) fn read(
    settings: &SourceSettings,
    cursor: Option<&serde_json::Value>,
    interval_minutes: u32,
    reader: &mut Reader<'_>,
    sink: &Sink,
) -> Result<()> {
    let now = reader.now;
    let mut cursor = cursor.cloned();
    match settings {
        SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => {
            let source = SearchSource::new(search)?;
            let from = start(search.since.as_deref(), interval_minutes, now)?;
            pages(&mut cursor, reader, sink, |cursor| {
                source.fetch_page(cursor, from, batch_size(PAGE_SIZE))
            })
        }
        SourceSettings::Loki(loki) => {
            let source = LokiSource::new(loki)?;
            let from = start(loki.since.as_deref(), interval_minutes, now)?;
            pages(&mut cursor, reader, sink, |cursor| {
                source.fetch_page(cursor, from, now, batch_size(LOKI_LIMIT))
            })
        }
        SourceSettings::Command(command) => {
            let source = CommandSource::new(command)?;
            let from = start(command.since.as_deref(), interval_minutes, now)?;
            let page = source.fetch(cursor.as_ref(), from, now)?;
            let mut events = Pending::default();
            assemble(&page.records, reader, &mut events, sink)?;
            match page.cursor {
                Some(next) => sink.send(events, next),
                None => Ok(()),
            }
        }
        SourceSettings::File(_) => anyhow::bail!("a file source is read by tasks::read_file"),
    }
}

/// Reads pages until the source says it is done, sending each with the cursor after it.
fn pages(
    cursor: &mut Option<serde_json::Value>,
    reader: &mut Reader<'_>,
    sink: &Sink,
    mut fetch: impl FnMut(Option<&serde_json::Value>) -> Result<Page>,
) -> Result<()> {
    for _ in 0..MAX_PAGES {
        let page = fetch(cursor.as_ref())?;
        let mut events = Pending::default();
        assemble(&page.records, reader, &mut events, sink)?;
        if let Some(next) = page.cursor {
            sink.send(events, next.clone())?;
            *cursor = Some(next);
        }
        if page.done {
            break;
        }
    }
    Ok(())
}

/// Turns raw records into events: whole records as they are, lines through multi-line assembly.
/// Kept records are handed on in parts as they fill ([`Pending::is_full`]); the caller sends the
/// rest with the page's cursor.
fn assemble(
    records: &[RawRecord],
    reader: &mut Reader<'_>,
    events: &mut Pending,
    sink: &Sink,
) -> Result<()> {
    let part = part_records();
    let mut assembler = Assembler::new();
    for raw in records {
        reader.counts.lines += 1;
        if raw.whole {
            let record = LogRecord {
                text: &raw.text,
                timestamp: raw.timestamp,
                level: raw.level.as_deref(),
                ..LogRecord::default()
            };
            reader.record(&record, events);
        } else {
            assembler.push_with(&raw.text, |record| {
                let record = LogRecord {
                    text: record.text,
                    ..LogRecord::default()
                };
                reader.record(&record, events);
            });
        }
        if events.is_full(part) {
            sink.pass(events.take())?;
        }
    }
    if let Some(record) = assembler.finish() {
        let record = LogRecord {
            text: &record.text,
            ..LogRecord::default()
        };
        reader.record(&record, events);
    }
    Ok(())
}

/// `source test` of a remote or command source.
pub fn test(settings: &SourceSettings, now: DateTime<Utc>) -> Result<String> {
    match settings {
        SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => {
            SearchSource::new(search)?.test(now)
        }
        SourceSettings::Loki(loki) => LokiSource::new(loki)?.test(now),
        SourceSettings::Command(command) => CommandSource::new(command)?.test(now),
        SourceSettings::File(file) => crate::sources::file::describe(file),
    }
}
