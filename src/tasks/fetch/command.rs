//! Reading a `command` source: the program's output line by line as it prints it, assembled into
//! records and sent in batches as a file's are, so that memory does not grow with the output.
//!
//! A run asks for records since the cursor's time. A batch sent before the run's end carries a
//! cursor with that same time and the number of lines stored so far (up to the record in
//! progress); a fetch killed, or a program timed out, after such a batch leaves the next run to
//! ask again since the same time and skip those lines. The run's end stores the time it started.

use std::borrow::Cow;

use anyhow::{Context as _, Result};
use chrono::{DateTime, SecondsFormat, Utc};

use super::pipeline::{Pending, Reader, Resume};
use super::sink::Sink;
use crate::ingest::LogRecord;
use crate::parse::Assembler;
use crate::sources::command::{CommandCursor, CommandSource};
use crate::sources::wrapper::Unwrapper;

/// Lines read between two commits (as for files).
const BATCH_LINES: usize = 50_000;

/// Runs `source` for the lines after `from` and reads them.
pub(super) fn read(
    source: &CommandSource,
    from: Resume<'_>,
    reader: &mut Reader<'_>,
    sink: &Sink<'_, '_>,
) -> Result<()> {
    let now = reader.now;
    let resume = source.since(from.cursor, from.first)?;
    let mut running = source.start(resume.since)?;
    let batch = reader.options.batch_size(BATCH_LINES);
    let part = reader.options.part_records();
    let mut limit = (batch / 10).max(1);
    let mut lines = Lines::new(source);
    let mut events = Pending::default();
    let mut line = Vec::new();
    let mut since_batch = 0;
    while running.next_line(&mut line)? {
        lines.number += 1;
        if lines.number <= resume.skip {
            continue; // stored by a run that stopped before its end
        }
        let text = match std::str::from_utf8(&line) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                reader.counts.invalid_utf8 += 1;
                String::from_utf8_lossy(&line)
            }
        };
        lines.line(&text, reader, &mut events);
        since_batch += 1;
        if since_batch >= limit {
            // up to the record in progress: the rest is read again if this run does not end
            let cursor = cursor_json(resume.since, lines.stored())?;
            sink.send(&mut events, cursor)?;
            since_batch = 0;
            limit = batch;
        } else if events.is_full(part) {
            sink.pass(&mut events)?;
        }
    }
    if let Err(err) = running.finish() {
        // what was read is kept, the record in progress excepted; the next run skips it
        let cursor = cursor_json(resume.since, lines.stored())?;
        sink.send(&mut events, cursor)?;
        return Err(err);
    }
    // the output is complete: a line in part and the record in progress are as they stand
    lines.finish(reader, &mut events);
    sink.send(&mut events, cursor_json(now, 0)?)?;
    Ok(())
}

/// The output's lines: unwrapped, assembled, and where the record in progress began.
struct Lines {
    assembler: Assembler,
    unwrapper: Unwrapper,
    /// Lines of the output so far (skipped ones included).
    number: u64,
    /// The number of the line the record in progress (or the part of a line held) starts at.
    open_first: Option<u64>,
    partial_first: Option<u64>,
    /// When the runtime wrote the first line of the record in progress (wrapped lines only).
    open_time: Option<DateTime<Utc>>,
}

impl Lines {
    fn new(source: &CommandSource) -> Lines {
        Lines {
            assembler: Assembler::new(),
            unwrapper: Unwrapper::new(source.format),
            number: 0,
            open_first: None,
            partial_first: None,
            open_time: None,
        }
    }

    /// The lines stored once every record before the one in progress is: the cursor's `skip`.
    fn stored(&self) -> u64 {
        let first = self.open_first.or(self.partial_first);
        first.map_or(self.number, |n| n - 1)
    }

    /// Takes line number `self.number`.
    fn line(&mut self, text: &str, reader: &mut Reader<'_>, events: &mut Pending) {
        reader.counts.lines += 1;
        let Some((text, time)) = self.unwrapper.push(text) else {
            self.partial_first.get_or_insert(self.number);
            return;
        };
        let first = self.partial_first.take().unwrap_or(self.number);
        self.take(&text, first, time, reader, events);
    }

    /// Takes one application line, written at `time`.
    fn take(
        &mut self,
        text: &str,
        first: u64,
        time: Option<DateTime<Utc>>,
        reader: &mut Reader<'_>,
        events: &mut Pending,
    ) {
        let mut finished = false;
        let record_time = self.open_time;
        let emit = |record: crate::parse::AssembledRef<'_>| {
            finished = true;
            let record = LogRecord {
                text: record.text,
                timestamp: record_time,
                ..LogRecord::default()
            };
            reader.record(&record, events);
        };
        // a record does not run from one stream of a container into the other
        if self.unwrapper.switched() {
            self.assembler.push_start_with(text, emit);
        } else {
            self.assembler.push_with(text, emit);
        }
        if finished || (self.open_first.is_none() && !crate::parse::multiline::is_blank(text)) {
            self.open_first = Some(first);
            self.open_time = time;
        }
    }

    /// Ends the output: a part of a line held and the record in progress are taken as they are.
    fn finish(&mut self, reader: &mut Reader<'_>, events: &mut Pending) {
        if let Some((text, time)) = self.unwrapper.finish() {
            let first = self.partial_first.take().unwrap_or(self.number);
            self.take(&text, first, time, reader, events);
        }
        if let Some(record) = self.assembler.finish() {
            let record = LogRecord {
                text: &record.text,
                timestamp: self.open_time,
                ..LogRecord::default()
            };
            reader.record(&record, events);
        }
    }
}

fn cursor_json(since: DateTime<Utc>, skip: u64) -> Result<serde_json::Value> {
    serde_json::to_value(CommandCursor {
        since: since.to_rfc3339_opts(SecondsFormat::Secs, true),
        skip,
    })
    .context("could not encode the cursor")
}
