//! Reading the sources read a page at a time (Elasticsearch/OpenSearch, Loki): page
//! after page from the stored cursor, each page's events committed with the cursor after it.

use anyhow::Result;

use super::pipeline::{Pending, Reader, Resume};
use super::sink::Sink;
use crate::ingest::LogRecord;
use crate::sources::{PagedSource, RawRecord};

/// Records asked for per page (hits of a search, entries of a Loki query).
const PAGE_SIZE: usize = 1000;
/// Pages read in one fetch at most; the rest waits for the next fetch.
const MAX_PAGES: usize = 10_000;

/// Reads the pages of `source` after `from`, each committed with the cursor after it.
pub(super) fn read(
    source: &PagedSource,
    from: Resume<'_>,
    reader: &mut Reader<'_>,
    sink: &Sink<'_, '_>,
) -> Result<()> {
    let (now, start) = (reader.now, from.first);
    let limit = reader.options.batch_size(PAGE_SIZE);
    let mut cursor = from.cursor.cloned();
    for _ in 0..MAX_PAGES {
        let page = source.fetch_page(cursor.as_ref(), start, now, limit)?;
        let mut events = Pending::default();
        assemble(&page.records, reader, &mut events, sink)?;
        if let Some(next) = page.cursor {
            sink.send(&mut events, next.clone())?;
            cursor = Some(next);
        }
        if page.done {
            break;
        }
    }
    Ok(())
}

/// Turns a page's records (each a whole record: a hit, an entry) into events. Kept records are
/// handed on in parts as they fill ([`Pending::is_full`]); the caller sends the rest with the
/// page's cursor.
fn assemble(
    records: &[RawRecord],
    reader: &mut Reader<'_>,
    events: &mut Pending,
    sink: &Sink<'_, '_>,
) -> Result<()> {
    let part = reader.options.part_records();
    for raw in records {
        reader.counts.lines += 1;
        let record = LogRecord {
            text: &raw.text,
            timestamp: raw.timestamp,
            level: raw.level.as_deref(),
            version: raw.version.as_deref(),
            ..LogRecord::default()
        };
        reader.record(&record, events);
        if events.is_full(part) {
            sink.pass(events)?;
        }
    }
    Ok(())
}
