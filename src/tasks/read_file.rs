//! Reading a `file` source: lines from where the cursor stands, assembled into records, sent in
//! batches with the cursor that follows them. The cursor of a batch points at the first line of
//! the record still in progress, so that a fetch killed between batches reads it again whole.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use anyhow::{Context as _, Result};

use super::fetch::{batch_size, FetchCounts, Reader, Sink};
use crate::ingest::Record;
use crate::parse::Assembler;
use crate::sources::file::{self, FileCursor, Planned};
use crate::sources::FileSettings;

/// Lines read between two commits.
const BATCH_LINES: usize = 50_000;
/// The longest line kept whole; longer ones are cut (and counted).
const MAX_LINE: usize = 1024 * 1024;

/// Reads what is new in the files of `settings` after `cursor`.
pub(super) fn read(
    settings: &FileSettings,
    cursor: Option<&serde_json::Value>,
    reader: &mut Reader<'_>,
    sink: &Sink,
) -> Result<()> {
    let cursor: Option<FileCursor> = cursor
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .context("the stored file cursor is unreadable")?;
    let planned = file::plan(settings, cursor.as_ref())?;
    let mut offsets: Vec<u64> = planned.iter().map(|p| p.start).collect();
    let batch = batch_size(BATCH_LINES);
    let mut events = Vec::new();
    let mut line = Vec::new();
    for (index, item) in planned.iter().enumerate() {
        let mut handle = File::open(&item.path)
            .with_context(|| format!("cannot open {}", item.path.display()))?;
        handle.seek(SeekFrom::Start(item.start))?;
        let mut input = BufReader::with_capacity(1 << 20, handle.take(item.end - item.start));
        let mut assembler = Assembler::new();
        let mut pos = item.start;
        let mut open_start: Option<u64> = None;
        let mut batch_count = 0;
        loop {
            line.clear();
            let n = input.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                break; // end, or a last line still being written: left for the next fetch
            }
            let line_start = pos;
            pos += n as u64;
            reader.counts.lines += 1;
            let text = line_text(reader.counts, &line);
            let mut finished = false;
            assembler.push_with(&text, |record| {
                finished = true;
                let record = Record {
                    text: record.text,
                    ..Record::default()
                };
                reader.record(&record, &mut events);
            });
            // The record in progress starts here when this line ended the previous one, or when
            // it is the first non-blank line since the last record.
            if finished || (open_start.is_none() && !text.trim().is_empty()) {
                open_start = Some(line_start);
            }
            batch_count += 1;
            if batch_count >= batch {
                offsets[index] = open_start.unwrap_or(pos);
                sink.send(
                    std::mem::take(&mut events),
                    cursor_json(settings, &planned, &offsets)?,
                )?;
                batch_count = 0;
            }
        }
        if let Some(record) = assembler.finish() {
            let record = Record {
                text: &record.text,
                ..Record::default()
            };
            reader.record(&record, &mut events);
        }
        offsets[index] = pos;
        sink.send(
            std::mem::take(&mut events),
            cursor_json(settings, &planned, &offsets)?,
        )?;
    }
    if planned.is_empty() {
        sink.send(Vec::new(), cursor_json(settings, &planned, &offsets)?)?;
    }
    Ok(())
}

/// A line without its newline, decoded lossily and cut at 1 MiB, both counted.
fn line_text<'b>(counts: &mut FetchCounts, raw: &'b [u8]) -> std::borrow::Cow<'b, str> {
    let mut raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    if raw.len() > MAX_LINE {
        counts.long_lines += 1;
        raw = &raw[..MAX_LINE];
    }
    match std::str::from_utf8(raw) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            counts.invalid_utf8 += 1;
            String::from_utf8_lossy(raw)
        }
    }
}

fn cursor_json(
    settings: &FileSettings,
    planned: &[Planned],
    offsets: &[u64],
) -> Result<serde_json::Value> {
    serde_json::to_value(file::cursor_after(settings, planned, offsets))
        .context("could not encode the cursor")
}
