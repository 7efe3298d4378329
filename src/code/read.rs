//! Reads files of a commit from the object database and their symbols, on a few threads; the
//! caller gets each file's result on its own thread, in the order they finish.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::{anyhow, Context as _, Result};
use git2::Repository;

use super::lang::Language;
use super::symbols::{Extractor, Symbol};
use super::tree::{vendored, Entry};

/// Files larger than this are not read.
pub const MAX_FILE_SIZE: usize = 1 << 20;

/// How many bytes at a file's start are looked at for a NUL byte (as git decides "binary").
const BINARY_PROBE: usize = 8000;

/// Why a file was not indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// In `vendor/`, `node_modules/`, `dist/`, `build/`, `target/`, or minified.
    Vendored,
    /// Over [`MAX_FILE_SIZE`].
    TooLarge,
    Binary,
}

/// One file as indexed: language none for files of other languages (indexed as files only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub blob: String,
    pub size: u64,
    pub language: Option<Language>,
    pub symbols: Vec<Symbol>,
}

/// What reading one file gave.
#[derive(Debug)]
pub enum Read {
    Indexed(File),
    Skipped(String, Skip),
}

/// Reads `entries` from the repository at `repo_path` on up to `threads` threads and hands the
/// result of each to `sink`; the first error (of reading, or of `sink`) stops the rest. A blob
/// that several paths share is read once (copies of a file, a crate vendored twice).
pub fn read_files(
    repo_path: &Path,
    entries: &[Entry],
    threads: usize,
    mut sink: impl FnMut(Read) -> Result<()>,
) -> Result<()> {
    let mut unique: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut first_of: HashMap<git2::Oid, usize> = HashMap::with_capacity(entries.len());
    let mut copies: HashMap<usize, Vec<String>> = HashMap::new();
    for entry in entries {
        if vendored(&entry.path) {
            sink(Read::Skipped(entry.path.clone(), Skip::Vendored))?;
            continue;
        }
        match first_of.get(&entry.blob) {
            Some(&i) => copies.entry(i).or_default().push(entry.path.clone()),
            None => {
                first_of.insert(entry.blob, unique.len());
                unique.push(entry.clone());
            }
        }
    }
    // Objects read are not hashed again (libgit2 does by default; git does not): a clone's
    // objects were hashed when its pack was indexed. A tenth of the reading's time.
    git2::opts::strict_hash_verification(false);
    let entries = &unique[..];
    let mut sink = |i: usize, read: Read| -> Result<()> {
        let paths = copies.remove(&i).unwrap_or_default();
        for path in paths {
            let copy = match &read {
                Read::Indexed(file) => Read::Indexed(File {
                    path,
                    ..file.clone()
                }),
                Read::Skipped(_, why) => Read::Skipped(path, *why),
            };
            sink(copy)?;
        }
        sink(read)
    };
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, 16).min(entries.len().max(1));
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<(usize, Result<Read>)>(256);
        for _ in 0..threads {
            let send = send.clone();
            let next = &next;
            scope.spawn(move || {
                let repo = match Repository::open(repo_path) {
                    Ok(repo) => repo,
                    Err(err) => {
                        let _ = send.send((
                            usize::MAX,
                            Err(anyhow!(
                                "cannot open the repository at {}: {}",
                                repo_path.display(),
                                err.message()
                            )),
                        ));
                        return;
                    }
                };
                let odb = match repo.odb() {
                    Ok(odb) => odb,
                    Err(err) => {
                        let _ = send.send((
                            usize::MAX,
                            Err(anyhow!(
                                "cannot open the object database of {}: {}",
                                repo_path.display(),
                                err.message()
                            )),
                        ));
                        return;
                    }
                };
                let mut extractor = Extractor::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(entry) = entries.get(i) else { return };
                    let read = read_one(&repo, &odb, &mut extractor, entry);
                    if send.send((i, read)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let mut failed = None;
        for (i, read) in receive {
            let result = read.and_then(|read| sink(i, read));
            if let Err(err) = result {
                failed = Some(err);
                // Workers stop at their next file: no entry is left for them.
                next.store(entries.len(), Ordering::Relaxed);
                break;
            }
        }
        failed.map_or(Ok(()), Err)
    })
}

fn read_one(
    repo: &Repository,
    odb: &git2::Odb<'_>,
    extractor: &mut Extractor,
    entry: &Entry,
) -> Result<Read> {
    let (size, _) = odb
        .read_header(entry.blob)
        .with_context(|| format!("cannot read {} ({})", entry.path, entry.blob))?;
    if size > MAX_FILE_SIZE {
        return Ok(Read::Skipped(entry.path.clone(), Skip::TooLarge));
    }
    let blob = repo
        .find_blob(entry.blob)
        .with_context(|| format!("cannot read {} ({})", entry.path, entry.blob))?;
    let content = blob.content();
    if memchr::memchr(0, &content[..content.len().min(BINARY_PROBE)]).is_some() {
        return Ok(Read::Skipped(entry.path.clone(), Skip::Binary));
    }
    let language = Language::of_path(&entry.path);
    let symbols = match language {
        // A file tree-sitter cannot read at all is kept as a file without symbols.
        Some(language) => extractor.symbols(language, content).unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Read::Indexed(File {
        path: entry.path.clone(),
        blob: entry.blob.to_string(),
        size: size as u64,
        language,
        symbols,
    }))
}
