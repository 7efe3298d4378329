//! Reading the sources read a page at a time (Elasticsearch/OpenSearch, Loki, commands): page
//! after page from the stored cursor, each page's events committed with the cursor after it.

use anyhow::Result;

use super::pipeline::{Pending, Reader, Sink};
use crate::ingest::LogRecord;
use crate::parse::Assembler;
use crate::sources::wrapper::{LineFormat, Unwrapper};
use crate::sources::{PagedSource, RawRecord};

/// Records asked for per page (hits of a search, entries of a Loki query).
const PAGE_SIZE: usize = 1000;
/// Pages read in one fetch at most; the rest waits for the next fetch.
const MAX_PAGES: usize = 10_000;

/// Reads `source` from `cursor` (from its start when there is none); `interval_minutes` is the
/// service's fetch interval, where a first fetch without `--since` starts.
pub(super) fn read(
    source: &PagedSource,
    cursor: Option<&serde_json::Value>,
    interval_minutes: u32,
    reader: &mut Reader<'_>,
    sink: &Sink,
) -> Result<()> {
    let now = reader.now;
    let start = source.start(interval_minutes, now)?;
    let limit = reader.options.batch_size(PAGE_SIZE);
    let mut cursor = cursor.cloned();
    for _ in 0..MAX_PAGES {
        let page = source.fetch_page(cursor.as_ref(), start, now, limit)?;
        let mut events = Pending::default();
        assemble(
            &page.records,
            source.line_format(),
            reader,
            &mut events,
            sink,
        )?;
        if let Some(next) = page.cursor {
            sink.send(events, next.clone())?;
            cursor = Some(next);
        }
        if page.done {
            break;
        }
    }
    Ok(())
}

/// Turns raw records into events: whole records as they are, lines (unwrapped from a container
/// runtime's format when they are wrapped) through multi-line assembly. Kept records are handed
/// on in parts as they fill ([`Pending::is_full`]); the caller sends the rest with the page's
/// cursor.
fn assemble(
    records: &[RawRecord],
    format: LineFormat,
    reader: &mut Reader<'_>,
    events: &mut Pending,
    sink: &Sink,
) -> Result<()> {
    let part = reader.options.part_records();
    let mut assembler = Assembler::new();
    let mut unwrapper = Unwrapper::new(format);
    // when the runtime wrote the first line of the record in progress (wrapped lines only)
    let mut open_time = None;
    let mut line = |text: &str, time, reader: &mut Reader<'_>, events: &mut Pending| {
        let mut finished = false;
        assembler.push_with(text, |record| {
            finished = true;
            let record = LogRecord {
                text: record.text,
                timestamp: open_time,
                ..LogRecord::default()
            };
            reader.record(&record, events);
        });
        if finished || open_time.is_none() {
            open_time = time;
        }
    };
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
        } else if let Some((text, time)) = unwrapper.push(&raw.text) {
            line(&text, time, reader, events);
        }
        if events.is_full(part) {
            sink.pass(events.take())?;
        }
    }
    // a command's output is complete: a line left in part is as far as it was written
    if let Some((text, time)) = unwrapper.finish() {
        line(&text, time, reader, events);
    }
    if let Some(record) = assembler.finish() {
        let record = LogRecord {
            text: &record.text,
            timestamp: open_time,
            ..LogRecord::default()
        };
        reader.record(&record, events);
    }
    Ok(())
}
