//! `luffy patterns`: mines log templates from files or standard input (offline, no database).
//!
//! Output: a table of templates, most frequent first; `--json` a list of `{id, count, share,
//! template, example}`; `--assign` one row per input line, `LINE<TAB>PATTERN_ID<TAB>TEMPLATE`,
//! lines numbered from 1 and continuously across all files in the order given.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::PatternsArgs;
use crate::error::bad_input;
use crate::ingest::{json, logfmt};
use crate::template::{Miner, Options, Pattern, Patterns};
use crate::ui;

/// Lines longer than this are cut (and counted in a note).
const MAX_LINE: usize = 1 << 20;

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

/// Inputs larger than this get a progress bar (on a terminal).
const PROGRESS_BYTES: u64 = 64 << 20;

/// Width of the example column in the table.
const EXAMPLE_CHARS: usize = 80;

/// Counts of lines that were not read as they were.
#[derive(Debug, Default)]
struct Damage {
    invalid_utf8: u64,
    cut: u64,
}

/// Runs `luffy patterns`.
pub fn run(args: &PatternsArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let inputs = open_inputs(&args.files)?;
    let total: u64 = inputs.iter().filter_map(|(_, _, size)| *size).sum();
    let progress = progress_bar(total);
    let mut miner = Miner::new(Options {
        detect_header: !args.message_only,
        ..Options::default()
    });
    let mut assigned: Vec<u32> = Vec::new();
    let mut damage = Damage::default();
    for (name, reader, _) in inputs {
        let mut lossy = String::new();
        for_each_line(reader, &progress, |bytes, cut| {
            damage.cut += u64::from(cut);
            let line = decode(bytes, cut, &mut lossy, &mut damage);
            let variant = match structured_message(line, args.message_only) {
                Some(message) => miner.add_message(line, &message),
                None => miner.add(line),
            };
            if args.assign {
                assigned.push(variant);
            }
        })
        .with_context(|| format!("could not read {name}"))?;
    }
    progress.finish_and_clear();
    note_damage(&damage);
    let patterns = miner.patterns();
    if args.assign {
        return write_assignments(out, &patterns, &assigned);
    }
    let shown: Vec<&Pattern> = patterns
        .patterns
        .iter()
        .filter(|p| p.count >= args.min_count)
        .take(if args.top == 0 { usize::MAX } else { args.top })
        .collect();
    if json {
        write_json(out, &patterns, &shown)
    } else {
        write_table(out, &patterns, &shown)
    }
}

type Input = (String, Box<dyn Read>, Option<u64>);

/// Opens every input first, so a missing file fails before any work: name, reader, size.
fn open_inputs(files: &[std::path::PathBuf]) -> Result<Vec<Input>> {
    files
        .iter()
        .map(|path| {
            if path.as_os_str() == "-" {
                return Ok((
                    "standard input".to_string(),
                    Box::new(io::stdin()) as Box<dyn Read>,
                    None,
                ));
            }
            let name = path.display().to_string();
            let (file, size) =
                open_file(path).map_err(|err| bad_input(format!("cannot read {name}: {err}")))?;
            Ok((name, Box::new(file) as Box<dyn Read>, Some(size)))
        })
        .collect()
}

fn open_file(path: &Path) -> Result<(File, u64), String> {
    let file = File::open(path).map_err(|err| describe(&err))?;
    let meta = file.metadata().map_err(|err| describe(&err))?;
    if meta.is_dir() {
        return Err("it is a directory".to_string());
    }
    Ok((file, meta.len()))
}

fn describe(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

fn progress_bar(total: u64) -> ProgressBar {
    if total < PROGRESS_BYTES || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// Calls `f` with each line (without `\n` or `\r\n`), cut to [`MAX_LINE`] bytes; the flag says
/// whether it was cut. Memory stays at one chunk plus one line.
fn for_each_line(
    mut reader: Box<dyn Read>,
    progress: &ProgressBar,
    mut f: impl FnMut(&[u8], bool),
) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    let mut partial: Vec<u8> = Vec::new();
    let mut skipping = false;
    let mut emit = |line: &[u8], cut: bool| f(line.strip_suffix(b"\r").unwrap_or(line), cut);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        progress.inc(n as u64);
        let mut chunk = &buf[..n];
        while let Some(nl) = memchr::memchr(b'\n', chunk) {
            let piece = &chunk[..nl];
            chunk = &chunk[nl + 1..];
            if skipping {
                skipping = false;
            } else if partial.is_empty() {
                emit(&piece[..piece.len().min(MAX_LINE)], piece.len() > MAX_LINE);
            } else {
                let take = piece.len().min(MAX_LINE - partial.len());
                partial.extend_from_slice(&piece[..take]);
                emit(&partial, piece.len() > take);
                partial.clear();
            }
        }
        if !skipping {
            let room = MAX_LINE - partial.len();
            if chunk.len() > room {
                partial.extend_from_slice(&chunk[..room]);
                emit(&partial, true);
                partial.clear();
                skipping = true;
            } else {
                partial.extend_from_slice(chunk);
            }
        }
    }
    if !partial.is_empty() {
        emit(&partial, false);
    }
    Ok(())
}

/// The message field of a JSON or logfmt line (`message`, `msg`..., read as fetching reads
/// them), which is mined instead of the whole line; `None` for other lines, for a line without
/// a message field, and with `--message-only` (each line is taken as it is).
fn structured_message(line: &str, message_only: bool) -> Option<String> {
    if message_only {
        return None;
    }
    // The time is not used here, so no clock is read to complete a year-less one.
    let now = DateTime::<Utc>::UNIX_EPOCH;
    let first = *line.as_bytes().iter().find(|b| !b.is_ascii_whitespace())?;
    let record = if first == b'{' {
        json::parse(line, now, None)?
    } else if first.is_ascii_lowercase()
        && (memchr::memmem::find(line.as_bytes(), b"msg=").is_some()
            || memchr::memmem::find(line.as_bytes(), b"message=").is_some())
    {
        // the search keeps plain lines from being split into pairs
        logfmt::parse(line, now, None)?
    } else {
        return None;
    };
    Some(record.message).filter(|m| !m.trim().is_empty())
}

/// The line as text: invalid UTF-8 is replaced (and counted); a cut in the middle of a
/// character drops the partial character.
fn decode<'a>(bytes: &'a [u8], cut: bool, lossy: &'a mut String, damage: &mut Damage) -> &'a str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) if cut && err.error_len().is_none() => {
            std::str::from_utf8(&bytes[..err.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => {
            damage.invalid_utf8 += 1;
            *lossy = String::from_utf8_lossy(bytes).into_owned();
            lossy
        }
    }
}

fn note_damage(damage: &Damage) {
    if damage.invalid_utf8 > 0 {
        crate::ui::to_stderr(&format!(
            "luffy: note: {} line(s) were not valid UTF-8; invalid bytes were replaced with U+FFFD",
            damage.invalid_utf8
        ));
    }
    if damage.cut > 0 {
        crate::ui::to_stderr(&format!(
            "luffy: note: {} line(s) longer than 1 MiB were cut",
            damage.cut
        ));
    }
}

fn write_assignments(out: &mut dyn Write, patterns: &Patterns, assigned: &[u32]) -> Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    for (i, &variant) in assigned.iter().enumerate() {
        let pattern = patterns.pattern_of(variant);
        writeln!(out, "{}\t{}\t{}", i + 1, pattern.id, pattern.template)?;
    }
    out.flush()?;
    Ok(())
}

fn share(count: u64, lines: u64) -> f64 {
    count as f64 / lines.max(1) as f64
}

fn write_json(out: &mut dyn Write, patterns: &Patterns, shown: &[&Pattern]) -> Result<()> {
    let list: Vec<serde_json::Value> = shown
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "count": p.count,
                "share": share(p.count, patterns.lines),
                "template": p.template,
                "example": p.example,
            })
        })
        .collect();
    ui::write_json(out, &list)?;
    Ok(())
}

fn write_table(out: &mut dyn Write, patterns: &Patterns, shown: &[&Pattern]) -> Result<()> {
    let mut table = ui::table(
        &["ID", "COUNT", "SHARE", "TEMPLATE", "EXAMPLE"],
        ui::use_color(),
    );
    for p in shown {
        table.add_row(vec![
            p.id.to_string(),
            p.count.to_string(),
            format!("{:.1}%", 100.0 * share(p.count, patterns.lines)),
            p.template.clone(),
            shorten(&p.example, EXAMPLE_CHARS),
        ]);
    }
    ui::write_table(out, &table)?;
    let hidden = patterns.patterns.len() - shown.len();
    if hidden > 0 {
        writeln!(
            out,
            "{} lines, {} templates ({hidden} not shown; see --top and --min-count)",
            patterns.lines,
            patterns.patterns.len()
        )?;
    }
    Ok(())
}

/// At most `max` characters, with `…` when cut; tabs and control characters become spaces.
fn shorten(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        return clean;
    }
    let mut short: String = clean.chars().take(max - 1).collect();
    short.push('…');
    short
}
