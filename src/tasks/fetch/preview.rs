//! How a file source's first records read, for `luffy source test`: the wrapper found, and per
//! record its time, level, logger and message, as a fetch would read them.

use std::io::Read;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::domain::Level;
use crate::ingest::{self, Described, LogRecord, Rules};
use crate::parse::Assembler;
use crate::sources::file;
use crate::sources::wrapper::{LineFormat, Unwrapper};
use crate::sources::FileSettings;

/// The start of a file that is looked at.
const HEAD_BYTES: u64 = 256 * 1024;

/// The first records of a file source's first file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub format: LineFormat,
    pub records: Vec<Described>,
}

/// Reads up to `max` records from the start of the first file `settings` matches; `None` when
/// it matches none.
pub fn preview(settings: &FileSettings, now: DateTime<Utc>, max: usize) -> Result<Option<Preview>> {
    let Some((path, _)) = file::expand(&settings.path)?.into_iter().next() else {
        return Ok(None);
    };
    let mut head = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut head))
        .with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8_lossy(&head);
    // only whole lines: the last may be cut
    let text = text.rfind('\n').map_or("", |end| &text[..end]);
    let rules = Rules {
        threshold: Level::Trace,
        timezone: settings.timezone.as_deref().and_then(|z| z.parse().ok()),
        ..Rules::default()
    };
    let mut records = Vec::new();
    let mut assembler = Assembler::new();
    let mut unwrapper = Unwrapper::new(settings.format);
    // the runtime's time of the first line of the record in progress (wrapped lines only)
    let mut open_time: Option<DateTime<Utc>> = None;
    for line in text.lines() {
        if records.len() >= max {
            break;
        }
        let Some((whole, time)) = unwrapper.push(line) else {
            continue;
        };
        let mut finished = None;
        let emit = |record: crate::parse::AssembledRef<'_>| {
            finished = Some(record.text.to_string());
        };
        if unwrapper.switched() {
            assembler.push_start_with(&whole, emit);
        } else {
            assembler.push_with(&whole, emit);
        }
        if let Some(done) = finished {
            records.push(describe(&done, open_time, &rules, now));
            open_time = time;
        } else if open_time.is_none() {
            open_time = time;
        }
    }
    if records.len() < max {
        if let Some(last) = assembler.finish() {
            records.push(describe(&last.text, open_time, &rules, now));
        }
    }
    let format = unwrapper.format();
    Ok(Some(Preview { format, records }))
}

fn describe(
    text: &str,
    time: Option<DateTime<Utc>>,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Described {
    let record = LogRecord {
        text,
        timestamp: time,
        ..LogRecord::default()
    };
    ingest::describe(&record, rules, now)
}
