//! The `file` source: a path or glob on this machine, read incrementally.
//!
//! The cursor remembers, per file, its device and inode, the byte offset read up to, and a hash of
//! its first line. A rotated file (`app.log` renamed to `app.log.1`) keeps its inode, so its rest is
//! read before the new `app.log`, which is read from the start; a truncated file (smaller than the
//! offset) or a replaced one (another first line) restarts at 0. The last record of a file may be
//! still being written: the fetch holds it ([`FilePosition::pending_since`]) until it is old or
//! the file settled.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::FileSettings;
use crate::error::bad_input;

/// Where reading of one file stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePosition {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    pub offset: u64,
    /// FNV-1a of the file's first line (up to 256 bytes), 0 while the file is empty.
    pub head: u64,
    /// Since when the record at `offset` has been held as possibly unfinished (the last record
    /// of the file, which its writer may still be writing): a fetch closes it as it is once this
    /// is the open-record bound ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_since: Option<DateTime<Utc>>,
    /// The start of the record before the one held: the held record's time, when it has none of
    /// its own (a panic printed after a log line), is that record's, as in one reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// Where reading of one planned file stopped, for [`cursor_after`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadTo {
    pub offset: u64,
    /// The record at `offset` is held as possibly unfinished, since then.
    pub pending_since: Option<DateTime<Utc>>,
    /// The start of the record before the held one ([`FilePosition::previous`]).
    pub previous: Option<String>,
}

impl From<u64> for ReadTo {
    fn from(offset: u64) -> ReadTo {
        ReadTo {
            offset,
            pending_since: None,
            previous: None,
        }
    }
}

/// The cursor of a file source: one position per file seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCursor {
    pub files: Vec<FilePosition>,
}

/// One file to read in this fetch, from `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    pub head: u64,
    pub start: u64,
    /// The size when planned: reading stops here, so that a file growing meanwhile is not chased.
    pub end: u64,
    /// When the file was last written, as planned.
    pub modified: Option<SystemTime>,
    /// Since when the record at `start` has been held as possibly unfinished.
    pub pending_since: Option<DateTime<Utc>>,
    /// The start of the record before the held one at `start` ([`FilePosition::previous`]).
    pub previous: Option<String>,
}

impl Planned {
    /// The file at `path` as `meta` describes it now, read from `start`; `held` is the record
    /// held at `start` since when, and the start of the one before it.
    fn of(
        path: &Path,
        meta: &fs::Metadata,
        head: u64,
        start: u64,
        held: (Option<DateTime<Utc>>, Option<String>),
    ) -> Planned {
        Planned {
            path: path.to_path_buf(),
            dev: meta.dev(),
            ino: meta.ino(),
            head,
            start,
            end: meta.len(),
            modified: meta.modified().ok(),
            pending_since: held.0,
            previous: held.1,
        }
    }
}

/// What to read, in order: rotated files first (their rest), then the current ones, oldest first.
pub fn plan(settings: &FileSettings, cursor: Option<&FileCursor>) -> Result<Vec<Planned>> {
    let current = expand(&settings.path)?;
    let mut planned: Vec<Planned> = Vec::new();
    let known = cursor.map_or(&[][..], |c| c.files.as_slice());
    // Files the cursor knows that are no longer matched (rotated away): find them by inode.
    for position in known {
        if current.iter().any(|(_, meta)| same_file(meta, position)) {
            continue;
        }
        if let Some((path, meta)) = find_by_inode(position) {
            if let Some(item) = resume(&path, &meta, position)? {
                planned.push(item);
            }
        }
    }
    let mut fresh: Vec<Planned> = Vec::new();
    for (path, meta) in &current {
        let item = match known.iter().find(|p| same_file(meta, p)) {
            Some(position) => resume(path, meta, position)?,
            None => {
                let head = head_hash(path)?;
                // Only the very first fetch of a source may start at the end.
                let start = if cursor.is_none() && settings.from_end {
                    last_line_end(path, meta.len())?
                } else {
                    0
                };
                Some(Planned::of(path, meta, head, start, (None, None)))
            }
        };
        fresh.extend(item);
    }
    fresh.sort_by_key(|item| fs::metadata(&item.path).and_then(|m| m.modified()).ok());
    planned.extend(fresh);
    Ok(planned)
}

/// The cursor after reading each planned file up to `offsets[i]`; files that vanished are dropped.
pub fn cursor_after(settings: &FileSettings, planned: &[Planned], stops: &[ReadTo]) -> FileCursor {
    let current = expand(&settings.path).unwrap_or_default();
    let files = planned
        .iter()
        .zip(stops)
        .filter(|(item, stop)| {
            // A rotated-away file that was read to its end is done with.
            let matched = current
                .iter()
                .any(|(_, m)| m.dev() == item.dev && m.ino() == item.ino);
            matched || stop.offset < item.end
        })
        .map(|(item, stop)| FilePosition {
            path: item.path.clone(),
            dev: item.dev,
            ino: item.ino,
            offset: stop.offset,
            head: item.head,
            pending_since: stop.pending_since,
            previous: stop.previous.clone(),
        })
        .collect();
    FileCursor { files }
}

fn same_file(meta: &fs::Metadata, position: &FilePosition) -> bool {
    meta.dev() == position.dev && meta.ino() == position.ino
}

/// Continues a known file, or restarts it when it was truncated or replaced.
fn resume(path: &Path, meta: &fs::Metadata, position: &FilePosition) -> Result<Option<Planned>> {
    let head = head_hash(path)?;
    let replaced = position.head != 0 && head != position.head;
    let truncated = meta.len() < position.offset;
    let (start, pending_since, previous) = if replaced || truncated {
        (0, None, None)
    } else {
        (
            position.offset,
            position.pending_since,
            position.previous.clone(),
        )
    };
    Ok(Some(Planned::of(
        path,
        meta,
        head,
        start,
        (pending_since, previous),
    )))
}

/// Looks for a rotated file in the folder it used to be in, by device and inode.
fn find_by_inode(position: &FilePosition) -> Option<(PathBuf, fs::Metadata)> {
    let dir = position.path.parent()?;
    fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let meta = entry.metadata().ok()?;
        (meta.is_file() && same_file(&meta, position)).then(|| (entry.path(), meta))
    })
}

/// The regular files a path or glob names, sorted by path.
pub fn expand(pattern: &str) -> Result<Vec<(PathBuf, fs::Metadata)>> {
    let is_glob = pattern.contains(['*', '?', '[']);
    let paths: Vec<PathBuf> = if is_glob {
        glob::glob(pattern)
            .map_err(|err| bad_input(format!("invalid glob '{pattern}': {err}")))?
            .filter_map(Result::ok)
            .collect()
    } else {
        vec![PathBuf::from(pattern)]
    };
    let mut files = Vec::new();
    for path in paths {
        match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => files.push((path, meta)),
            Ok(_) if !is_glob => anyhow::bail!("log path {} is not a regular file", path.display()),
            Ok(_) => {}
            Err(err) if !is_glob => {
                return Err(anyhow::Error::new(err)
                    .context(format!("cannot read log file {}", path.display())));
            }
            Err(_) => {}
        }
    }
    if files.is_empty() && is_glob {
        anyhow::bail!("glob {pattern} matches no file");
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// FNV-1a of the first line (at most 256 bytes); 0 for an empty file.
fn head_hash(path: &Path) -> Result<u64> {
    let mut buffer = [0u8; 256];
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut filled = 0;
    while filled < buffer.len() {
        let n = file.read(&mut buffer[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    let line = &buffer[..filled];
    let line = memchr::memchr(b'\n', line).map_or(line, |end| &line[..end]);
    if line.is_empty() {
        return Ok(0);
    }
    Ok(crate::hash::fnv1a(line))
}

/// The offset just after the last newline before `len` (start of the partial line, if any).
fn last_line_end(path: &Path, len: u64) -> Result<u64> {
    let mut file = File::open(path)?;
    let mut pos = len;
    let mut buffer = vec![0u8; 64 * 1024];
    while pos > 0 {
        let chunk = pos.min(buffer.len() as u64);
        pos -= chunk;
        file.seek(SeekFrom::Start(pos))?;
        let slice = &mut buffer[..chunk as usize];
        file.read_exact(slice)?;
        if let Some(i) = memchr::memrchr(b'\n', slice) {
            return Ok(pos + i as u64 + 1);
        }
    }
    Ok(0)
}

/// A summary for `source test`: the files matched, their sizes, and whether they can be read.
pub fn describe(settings: &FileSettings) -> Result<String> {
    let files = expand(&settings.path)?;
    let mut lines = vec![format!(
        "{} matches {} file(s):",
        settings.path,
        files.len()
    )];
    for (path, meta) in &files {
        File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        lines.push(format!("  {}  {} bytes", path.display(), meta.len()));
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn settings(path: &Path) -> FileSettings {
        FileSettings {
            path: path.to_string_lossy().into_owned(),
            from_end: false,
            format: crate::sources::wrapper::LineFormat::Auto,
            timezone: None,
            version_field: None,
        }
    }

    fn append(path: &Path, text: &str) {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    #[test]
    fn follows_rotation_then_reads_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        append(&log, "one\ntwo\n");
        let s = settings(&log);
        let first = plan(&s, None).unwrap();
        assert_eq!((first[0].start, first[0].end), (0, 8));
        let cursor = cursor_after(&s, &first, &[8.into()]);
        append(&log, "three\n");
        fs::rename(&log, dir.path().join("app.log.1")).unwrap();
        append(&log, "new\n");
        let second = plan(&s, Some(&cursor)).unwrap();
        assert_eq!(second.len(), 2);
        assert!(second[0].path.ends_with("app.log.1"));
        assert_eq!((second[0].start, second[0].end), (8, 14));
        assert!(second[1].path.ends_with("app.log"));
        assert_eq!((second[1].start, second[1].end), (0, 4));
        let cursor = cursor_after(&s, &second, &[14.into(), 4.into()]);
        assert_eq!(
            cursor.files.len(),
            1,
            "the rotated file was read to its end"
        );
    }

    #[test]
    fn truncation_and_replacement_restart_at_zero() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        append(&log, "first line\nsecond\n");
        let s = settings(&log);
        let cursor = cursor_after(&s, &plan(&s, None).unwrap(), &[18.into()]);
        fs::write(&log, "x\n").unwrap();
        assert_eq!(plan(&s, Some(&cursor)).unwrap()[0].start, 0);
        fs::write(&log, "other first line\nsecond\nthird\n").unwrap();
        assert_eq!(plan(&s, Some(&cursor)).unwrap()[0].start, 0);
    }

    #[test]
    fn from_end_starts_after_the_last_full_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        append(&log, "old\nolder\npartial");
        let s = FileSettings {
            path: log.to_string_lossy().into_owned(),
            from_end: true,
            format: crate::sources::wrapper::LineFormat::Auto,
            timezone: None,
            version_field: None,
        };
        assert_eq!(plan(&s, None).unwrap()[0].start, 10);
        let cursor = FileCursor::default();
        assert_eq!(
            plan(&s, Some(&cursor)).unwrap()[0].start,
            0,
            "only the first fetch"
        );
    }

    #[test]
    fn missing_files_and_empty_globs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = expand(&dir.path().join("nope.log").to_string_lossy()).unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot read log file"),
            "{err:#}"
        );
        let err = expand(&dir.path().join("*.log").to_string_lossy()).unwrap_err();
        assert!(err.to_string().contains("matches no file"), "{err}");
    }
}
