//! The fetch task: reads what is new from each of a service's active sources, turns records into
//! events, and stores events, cluster updates and the new cursor in one transaction per batch, so
//! that a killed fetch loses nothing and counts nothing twice.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{lease, Trigger};
use crate::config::Config;
use crate::ingest::{self, Event, Level, Record, Rules};
use crate::parse::{Assembler, InAppRules};
use crate::service::Service;
use crate::sources::file::{self, FileCursor};
use crate::sources::{FileSettings, LogSource, SourceSettings};
use crate::store::Store;

/// Lines read between two commits (`LUFFY_FETCH_BATCH` overrides it, for tests).
const BATCH_LINES: usize = 50_000;

fn batch_lines() -> usize {
    std::env::var("LUFFY_FETCH_BATCH")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(BATCH_LINES)
}
/// The longest line kept whole; longer ones are cut (and counted).
const MAX_LINE: usize = 1024 * 1024;
/// How long a fetch may hold its lease before another process may take it.
const LEASE_MINUTES: i64 = 30;

/// What one fetch did, as stored in the task run's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FetchCounts {
    pub sources: u64,
    pub lines: u64,
    pub records: u64,
    pub events: u64,
    pub new_clusters: u64,
    pub regressed: u64,
    /// Records below the service's level threshold.
    pub dropped: u64,
    /// Lines that were not valid UTF-8 (decoded lossily).
    pub invalid_utf8: u64,
    /// Lines over 1 MiB (cut).
    pub long_lines: u64,
    /// Records whose time was in the future (the reading time was used).
    pub future_times: u64,
}

/// How a fetch ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchReport {
    pub service_id: String,
    /// `ok`, `failed` (a source failed; the others were read) or `skipped` (another process holds
    /// the lease).
    pub status: &'static str,
    pub counts: FetchCounts,
    pub errors: Vec<String>,
}

/// Fetches every active source of `service` under its lease, and records the task run.
pub fn fetch_service(
    store: &mut Store,
    service: &Service,
    trigger: Trigger,
    now: DateTime<Utc>,
    config: &Config,
) -> Result<FetchReport> {
    let id = service.id.as_str();
    let holder = lease::holder();
    let acquired = store.write(|db| {
        let ok = db.acquire_lease(
            id,
            "fetch",
            holder,
            now,
            now + Duration::minutes(LEASE_MINUTES),
            lease::is_dead,
        )?;
        if ok {
            db.fail_interrupted_runs(id, "fetch", now)?;
        }
        Ok(ok)
    })?;
    if !acquired {
        let message = format!("another luffy process is fetching {id}");
        store.write(|db| {
            let run = db.start_run(id, "fetch", trigger.as_str(), now)?;
            db.finish_run(run, "skipped", &serde_json::json!({}), Some(&message), now)
        })?;
        return Ok(FetchReport {
            service_id: id.to_string(),
            status: "skipped",
            counts: FetchCounts::default(),
            errors: vec![message],
        });
    }
    let run = store.write(|db| db.start_run(id, "fetch", trigger.as_str(), now))?;
    let result = fetch_sources(store, service, now, config);
    let (counts, errors) = match result {
        Ok(done) => done,
        Err(err) => (FetchCounts::default(), vec![format!("{err:#}")]),
    };
    let status = if errors.is_empty() { "ok" } else { "failed" };
    let error_text = (!errors.is_empty()).then(|| errors.join("; "));
    store.write(|db| {
        db.finish_run(
            run,
            status,
            &serde_json::to_value(&counts)?,
            error_text.as_deref(),
            now,
        )?;
        db.set_last_log_fetch(id, now)?;
        db.prune_events(now - Duration::days(i64::from(config.retention.events_days)))?;
        db.release_lease(id, "fetch", holder)
    })?;
    Ok(FetchReport {
        service_id: id.to_string(),
        status,
        counts,
        errors,
    })
}

fn fetch_sources(
    store: &mut Store,
    service: &Service,
    now: DateTime<Utc>,
    config: &Config,
) -> Result<(FetchCounts, Vec<String>)> {
    let sources = store.db().sources(Some(service.id.as_str()))?;
    let rules = Rules {
        threshold: Level::parse(&service.level_threshold).unwrap_or(Level::Error),
        in_app: InAppRules {
            app_paths: service.app_paths.clone(),
            app_packages: service.app_packages.clone(),
        },
    };
    let mut counts = FetchCounts::default();
    let mut errors = Vec::new();
    for source in sources.iter().filter(|s| s.is_active) {
        counts.sources += 1;
        let mut ctx = Batcher {
            store: &mut *store,
            source,
            rules: &rules,
            now,
            samples: config.retention.samples_per_cluster as usize,
            counts: &mut counts,
        };
        let result = match &source.settings {
            SourceSettings::File(settings) => ctx.fetch_file(settings),
            other => Err(anyhow::anyhow!(
                "{} sources are read by a later luffy",
                other.kind().as_str()
            )),
        };
        if let Err(err) = result {
            errors.push(format!("source {}: {err:#}", source.name));
        }
    }
    Ok((counts, errors))
}

/// Turns records of one source into events and commits them with the source's cursor.
struct Batcher<'a> {
    store: &'a mut Store,
    source: &'a LogSource,
    rules: &'a Rules,
    now: DateTime<Utc>,
    samples: usize,
    counts: &'a mut FetchCounts,
}

impl Batcher<'_> {
    fn event(&mut self, record: &Record, events: &mut Vec<Event>) {
        record_event(self.counts, record, self.rules, self.now, events);
    }
}

/// Counts a record and keeps its event, if it makes one.
fn record_event(
    counts: &mut FetchCounts,
    record: &Record,
    rules: &Rules,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    counts.records += 1;
    match ingest::to_event(record, rules, now) {
        Some(event) => {
            counts.future_times += u64::from(event.clamped_time);
            events.push(event);
        }
        None => counts.dropped += 1,
    }
}

impl Batcher<'_> {
    /// Stores events and the cursor in one transaction.
    fn commit(&mut self, events: &mut Vec<Event>, cursor: &serde_json::Value) -> Result<()> {
        let (service_id, source_id) = (self.source.service_id.as_str(), self.source.id);
        let (now, samples) = (self.now, self.samples);
        let result = self.store.write(|db| {
            let result = db.record_events(service_id, Some(source_id), events, now, samples)?;
            db.set_cursor(source_id, cursor)?;
            Ok(result)
        })?;
        self.counts.events += result.events;
        self.counts.new_clusters += result.new_clusters;
        self.counts.regressed += result.regressed;
        events.clear();
        Ok(())
    }

    fn fetch_file(&mut self, settings: &FileSettings) -> Result<()> {
        let cursor: Option<FileCursor> = self
            .source
            .cursor
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .context("the stored file cursor is unreadable")?;
        let planned = file::plan(settings, cursor.as_ref())?;
        let mut offsets: Vec<u64> = planned.iter().map(|p| p.start).collect();
        let mut events = Vec::new();
        let mut line = Vec::new();
        let batch = batch_lines();
        let mut scratch = Record::default();
        for (index, item) in planned.iter().enumerate() {
            let mut handle = File::open(&item.path)
                .with_context(|| format!("cannot open {}", item.path.display()))?;
            handle.seek(SeekFrom::Start(item.start))?;
            let mut reader = BufReader::with_capacity(1 << 20, handle.take(item.end - item.start));
            let mut assembler = Assembler::new();
            let mut pos = item.start;
            let mut open_start: Option<u64> = None;
            let mut batch_lines = 0;
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line)?;
                if n == 0 || line.last() != Some(&b'\n') {
                    break; // end, or a last line still being written: left for the next fetch
                }
                let line_start = pos;
                pos += n as u64;
                self.counts.lines += 1;
                let text = line_text(self.counts, &line);
                let mut finished = false;
                let (counts, rules, now) = (&mut *self.counts, self.rules, self.now);
                assembler.push_with(&text, |record| {
                    finished = true;
                    scratch.text.clear();
                    scratch.text.push_str(record.text);
                    record_event(counts, &scratch, rules, now, &mut events);
                });
                // The record in progress starts here when this line ended the previous one, or
                // when it is the first non-blank line since the last record.
                if finished || (open_start.is_none() && !text.trim().is_empty()) {
                    open_start = Some(line_start);
                }
                batch_lines += 1;
                if batch_lines >= batch {
                    offsets[index] = open_start.unwrap_or(pos);
                    self.commit(&mut events, &cursor_json(settings, &planned, &offsets)?)?;
                    batch_lines = 0;
                }
            }
            if let Some(record) = assembler.finish() {
                self.event(
                    &Record {
                        text: record.text,
                        ..Record::default()
                    },
                    &mut events,
                );
            }
            offsets[index] = pos;
            self.commit(&mut events, &cursor_json(settings, &planned, &offsets)?)?;
        }
        if planned.is_empty() {
            self.commit(&mut events, &cursor_json(settings, &planned, &offsets)?)?;
        }
        Ok(())
    }
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
    planned: &[file::Planned],
    offsets: &[u64],
) -> Result<serde_json::Value> {
    serde_json::to_value(file::cursor_after(settings, planned, offsets))
        .context("could not encode the cursor")
}

/// `source test`: what the source holds, or a precise error.
pub fn test_source(source: &LogSource, _now: DateTime<Utc>) -> Result<String> {
    match &source.settings {
        SourceSettings::File(settings) => file::describe(settings),
        other => Err(anyhow::anyhow!(
            "{} sources are read by a later luffy",
            other.kind().as_str()
        )),
    }
}
