//! Reading a `file` source: lines from where the cursor stands, assembled into records, sent in
//! batches with the cursor that follows them. The cursor of a batch points at the first line of
//! the record still in progress, so that a fetch killed between batches reads it again whole.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use super::counts::FetchCounts;
use super::pipeline::{Pending, Reader};
use super::sink::Sink;
use crate::ingest::LogRecord;
use crate::parse::Assembler;
use crate::sources::file::{self, FileCursor, Planned, ReadTo};
use crate::sources::wrapper::{LineFormat, Unwrapper};
use crate::sources::FileSettings;

/// Lines read between two commits.
const BATCH_LINES: usize = 50_000;
/// Bytes read at a time.
const BLOCK: usize = 1 << 20;
/// The longest line kept whole; longer ones are cut (and counted).
const MAX_LINE: usize = 1024 * 1024;

/// Reads what is new in the files of `settings` after `cursor`.
pub(super) fn read(
    settings: &FileSettings,
    cursor: Option<&serde_json::Value>,
    reader: &mut Reader<'_>,
    sink: &Sink<'_, '_>,
) -> Result<()> {
    let cursor: Option<FileCursor> = cursor
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .context("the stored file cursor is unreadable")?;
    let planned = file::plan(settings, cursor.as_ref())?;
    let mut offsets: Vec<ReadTo> = planned
        .iter()
        .map(|p| ReadTo {
            offset: p.start,
            pending_since: p.pending_since,
            previous: p.previous.clone(),
        })
        .collect();
    let batch = reader.options.batch_size(BATCH_LINES);
    let part = reader.options.part_records();
    let mut events = Pending::default();
    // The first batch of a fetch is a tenth of the others: the writer commits whole batches, and
    // sets the pace of a fetch, so it should not wait long for its first.
    let mut limit = (batch / 10).max(1);
    // What is to be read, and what was read in the files before this one: a batch's size is cut
    // near the end ([`tail_batch`]). (The counts are the whole fetch's, over the service's
    // sources: its lines are told from those before it.)
    let total: u64 = planned.iter().map(|p| p.end - p.start).sum();
    let mut before = 0;
    let lines_before = reader.counts.lines;
    for (index, item) in planned.iter().enumerate() {
        let mut handle = File::open(&item.path)
            .with_context(|| format!("cannot open {}", item.path.display()))?;
        handle.seek(SeekFrom::Start(item.start))?;
        let mut blocks = Blocks::new(handle.take(item.end - item.start), item.end - item.start);
        let mut file = FileLines::new(item.start, settings.format);
        // A record held by the last fetch takes its time from the one before it, as then.
        if let Some(previous) = &item.previous {
            reader.previous.set(previous);
        }
        while let Some(block) = blocks.next()? {
            // Valid UTF-8 is checked once per block; a block that is not is taken line by line.
            let text = simdutf8::basic::from_utf8(block).ok();
            let mut from = 0;
            for newline in memchr::memchr_iter(b'\n', block) {
                let start = std::mem::replace(&mut from, newline + 1);
                let raw = &block[start..newline];
                let line = match text {
                    Some(text) if raw.len() <= MAX_LINE => Cow::Borrowed(&text[start..newline]),
                    _ => line_text(reader.counts, raw),
                };
                file.line(&line, raw.len() as u64 + 1, reader, &mut events);
                if file.batch_count >= limit {
                    offsets[index] = file.resume_at().into();
                    sink.send(&mut events, cursor_json(settings, &planned, &offsets)?)?;
                    file.batch_count = 0;
                    let read = before + (file.pos - item.start);
                    let lines = reader.counts.lines.saturating_sub(lines_before);
                    limit = tail_batch(batch, read, lines, total.saturating_sub(read));
                } else if events.is_full(part) {
                    sink.pass(&mut events)?;
                }
            }
        }
        offsets[index] = file.end(item, blocks.rest(), reader, &mut events);
        before += item.end - item.start;
        sink.send(&mut events, cursor_json(settings, &planned, &offsets)?)?;
    }
    if planned.is_empty() {
        sink.send(
            &mut Pending::default(),
            cursor_json(settings, &planned, &offsets)?,
        )?;
    }
    Ok(())
}

/// Reading one file: the assembler, and where the record in progress began.
struct FileLines {
    assembler: Assembler,
    /// The offset just past the last line read.
    pos: u64,
    /// Where the record in progress starts: a batch's cursor points there, so that a fetch killed
    /// between batches reads that record again whole.
    open_start: Option<u64>,
    /// When the runtime wrote the first line of the record in progress (wrapped lines only).
    open_time: Option<DateTime<Utc>>,
    batch_count: usize,
    /// How the file's lines are wrapped, and the parts of a wrapped line read so far (CRI `P`
    /// lines, Docker lines without a newline).
    unwrapper: Unwrapper,
    /// Where the first of those parts began.
    partial_start: Option<u64>,
    /// Lines of the file read so far in this fetch; the index of the first line of the part
    /// held and of the record in progress (counted again by the fetch that reads them again).
    lines_read: u64,
    partial_first: u64,
    open_first: u64,
}

impl FileLines {
    fn new(start: u64, format: LineFormat) -> FileLines {
        FileLines {
            assembler: Assembler::new(),
            pos: start,
            open_start: None,
            open_time: None,
            batch_count: 0,
            unwrapper: Unwrapper::new(format),
            partial_start: None,
            lines_read: 0,
            partial_first: 0,
            open_first: 0,
        }
    }

    /// Where a fetch that stops here starts again: the record in progress, or the line in part.
    fn resume_at(&self) -> u64 {
        self.open_start.or(self.partial_start).unwrap_or(self.pos)
    }

    /// Takes one line (`len` bytes with its newline), unwrapping it when it is wrapped.
    fn line(&mut self, text: &str, len: u64, reader: &mut Reader<'_>, events: &mut Pending) {
        let line_start = self.pos;
        self.pos += len;
        reader.counts.lines += 1;
        self.batch_count += 1;
        let index = self.lines_read;
        self.lines_read += 1;
        match self.unwrapper.push(text) {
            None => {
                if self.partial_start.is_none() {
                    self.partial_start = Some(line_start);
                    self.partial_first = index;
                }
            }
            Some((line, time)) => {
                let (start, first) = match self.partial_start.take() {
                    Some(start) => (start, self.partial_first),
                    None => (line_start, index),
                };
                let switched = self.unwrapper.switched();
                self.take(&line, (start, first), (time, switched), reader, events);
            }
        }
    }

    /// Ends the reading of `item`: the record in progress (and a line in part, or a last line
    /// without its newline, `rest`) is closed as it stands when the file is settled or the
    /// record old; otherwise it is held for the next fetch, which reads it again from its start.
    /// Returns where the next fetch starts.
    fn end(
        &mut self,
        item: &Planned,
        rest: &[u8],
        reader: &mut Reader<'_>,
        events: &mut Pending,
    ) -> ReadTo {
        let bound = chrono::Duration::seconds(i64::from(reader.options.open_record_seconds));
        let now = reader.now;
        let idle = item.modified.is_none_or(|modified| {
            SystemTime::now()
                .duration_since(modified)
                .is_ok_and(|idle| idle.as_secs_f64() >= bound.as_seconds_f64())
        });
        // held long enough already (the cursor still points where it did)
        let overdue = item
            .pending_since
            .is_some_and(|since| item.start == self.resume_at() && now - since >= bound);
        let settled = bound.is_zero() || idle || overdue;
        if settled {
            if !rest.is_empty() {
                let line = line_text(reader.counts, rest);
                self.line(&line, rest.len() as u64, reader, events);
            }
            if let Some((line, time)) = self.unwrapper.finish() {
                let start = self.partial_start.take().unwrap_or(self.pos);
                let switched = self.unwrapper.switched();
                self.take(
                    &line,
                    (start, self.partial_first),
                    (time, switched),
                    reader,
                    events,
                );
            }
        }
        let open_time = self.open_time;
        let previous = reader.previous;
        // Only the file's own activity tells whether its writer is done with the last record:
        // a log time says nothing of it (a writer whose clock or zone is off looks hours old).
        let held = match self.assembler.finish() {
            None => false,
            Some(record) if settled => {
                // Its time is the one before's when it has none of its own.
                let record = LogRecord {
                    text: &record.text,
                    timestamp: open_time,
                    previous: previous.as_str(),
                    ..LogRecord::default()
                };
                reader.record(&record, events);
                false
            }
            Some(_) => true,
        };
        if held {
            let start = self.open_start.unwrap_or(self.pos);
            reader.counts.lines -= self.lines_read - self.open_first;
            let since = item
                .pending_since
                .filter(|_| item.start == start)
                .unwrap_or(now);
            return ReadTo {
                offset: start,
                pending_since: Some(since),
                previous: Some(previous.as_str().to_string()).filter(|p| !p.is_empty()),
            };
        }
        // A line the runtime has written only a part of yet is read whole by the next fetch.
        reader.counts.lines -= self.unwrapper.held_lines();
        self.partial_start.unwrap_or(self.pos).into()
    }

    /// Takes one application line that starts at `line_start`, written at `time` on a stream
    /// other than the line before it when `switched` (wrapped lines).
    fn take(
        &mut self,
        text: &str,
        (line_start, first): (u64, u64),
        (time, switched): (Option<DateTime<Utc>>, bool),
        reader: &mut Reader<'_>,
        events: &mut Pending,
    ) {
        let mut finished = false;
        let record_time = self.open_time;
        let emit = |assembled: crate::parse::AssembledRef<'_>| {
            finished = true;
            let record = LogRecord {
                text: assembled.text,
                timestamp: record_time,
                ..LogRecord::default()
            };
            if assembled.lines == 1 {
                reader.line_record(&record, assembled.level, events);
            } else {
                reader.record(&record, events);
            }
        };
        if switched {
            self.assembler.push_start_with(text, emit);
        } else {
            self.assembler.push_with(text, emit);
        }
        // The record in progress starts here when this line ended the previous one, or when it
        // is the first non-blank line since the last record.
        if finished || (self.open_start.is_none() && !crate::parse::multiline::is_blank(text)) {
            self.open_start = Some(line_start);
            self.open_first = first;
            self.open_time = time;
        }
    }
}

/// Lines in the batch after one that ended when `read` bytes (`lines` lines) of a fetch were
/// read and `left` bytes are still to be read: `batch`, but near the end half of what is left,
/// down to a sixteenth of `batch`. The writer commits the last batch after the reader is done,
/// and the checkpointer then copies it, each alone: the smaller it is, the sooner the fetch
/// ends.
fn tail_batch(batch: usize, read: u64, lines: u64, left: u64) -> usize {
    let per_line = read.max(1) as f64 / lines.max(1) as f64;
    let left_lines = left as f64 / per_line;
    ((left_lines / 2.0) as usize).clamp((batch / 16).max(1), batch)
}

/// Whole lines of a file, read a large block at a time. A last line without its newline (still
/// being written) is never handed out.
struct Blocks<R> {
    input: R,
    buf: Vec<u8>,
    /// How much of `buf` was handed out.
    used: usize,
}

impl<R: Read> Blocks<R> {
    /// Blocks of `input`, which holds `size` bytes: the buffer is no larger than they need (an
    /// incremental fetch reads a few kilobytes, and a fresh megabyte costs more to map than
    /// they do to read).
    fn new(input: R, size: u64) -> Self {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        Blocks {
            input,
            buf: Vec::with_capacity(size.min(BLOCK) + 4096),
            used: 0,
        }
    }

    /// What is left after the last whole line, once [`Blocks::next`] said the input ended: a
    /// last line without its newline.
    fn rest(&self) -> &[u8] {
        &self.buf[self.used..]
    }

    /// The next run of whole lines, each ending in a newline; `None` at the end of the input.
    fn next(&mut self) -> Result<Option<&[u8]>> {
        // What follows the last newline handed out (a line in part) moves to the front.
        self.buf.drain(..self.used);
        self.used = 0;
        loop {
            let old = self.buf.len();
            let n = (&mut self.input)
                .take(BLOCK as u64)
                .read_to_end(&mut self.buf)?;
            if let Some(last) = memchr::memrchr(b'\n', &self.buf[old..]) {
                self.used = old + last + 1;
                return Ok(Some(&self.buf[..self.used]));
            }
            if n == 0 {
                return Ok(None);
            }
        }
    }
}

/// A line (without its newline) decoded lossily and cut at 1 MiB, both counted.
fn line_text<'b>(counts: &mut FetchCounts, mut raw: &'b [u8]) -> Cow<'b, str> {
    if raw.len() > MAX_LINE {
        counts.long_lines += 1;
        raw = &raw[..MAX_LINE];
    }
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            counts.invalid_utf8 += 1;
            String::from_utf8_lossy(raw)
        }
    }
}

fn cursor_json(
    settings: &FileSettings,
    planned: &[Planned],
    offsets: &[ReadTo],
) -> Result<serde_json::Value> {
    serde_json::to_value(file::cursor_after(settings, planned, offsets))
        .context("could not encode the cursor")
}

#[cfg(test)]
mod tests {
    use super::tail_batch;

    #[test]
    fn batches_shrink_to_half_of_what_is_left_near_the_end_and_no_further_than_a_sixteenth() {
        // 100 bytes a line; 50,000-line batches
        let next = |left_lines: u64| tail_batch(50_000, 1_000_000, 10_000, left_lines * 100);
        assert_eq!(next(900_000), 50_000);
        assert_eq!(next(100_000), 50_000);
        assert_eq!(next(60_000), 30_000);
        assert_eq!(next(10_000), 5_000);
        assert_eq!(next(1_000), 3_125);
        assert_eq!(next(0), 3_125);
        // small batches (tests kill fetches between them) never reach zero
        assert_eq!(tail_batch(3, 300, 3, 100), 1);
        assert_eq!(tail_batch(1, 0, 0, 0), 1);
    }
}
