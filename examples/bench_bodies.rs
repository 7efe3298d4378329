//! Checks and times the blanking of Rust function bodies before parsing (`code/bodies.rs`):
//! every `.rs` file under the folders given (default: the crate sources under
//! `~/.cargo/registry/src`, as bench_index reads them: at most 1 MiB each) is read for its
//! symbols twice, as written and blanked; prints the files whose symbols differ (none is the
//! target) and the parse time of each way, on one thread.
//!
//! Run: `cargo run --release --example bench_bodies [-- DIR...]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use luffy::code::{Extractor, Language};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            rust_files(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let mut dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        dirs.push(home.join(".cargo/registry/src"));
    }
    let mut files = Vec::new();
    for dir in &dirs {
        rust_files(dir, &mut files);
    }
    files.sort();
    let mut extractor = Extractor::default();
    let (mut written, mut blanked) = (Duration::ZERO, Duration::ZERO);
    let (mut compared, mut differ, mut bytes, mut symbols) = (0usize, 0usize, 0usize, 0usize);
    for path in &files {
        let Ok(source) = std::fs::read(path) else {
            continue;
        };
        if source.len() > 1 << 20 || source.contains(&0) {
            continue;
        }
        let start = Instant::now();
        let as_written = extractor.symbols_as_written(Language::Rust, &source);
        written += start.elapsed();
        let start = Instant::now();
        let with_blanks = extractor.symbols(Language::Rust, &source);
        blanked += start.elapsed();
        let (Ok(as_written), Ok(with_blanks)) = (as_written, with_blanks) else {
            continue;
        };
        compared += 1;
        bytes += source.len();
        symbols += as_written.len();
        if as_written != with_blanks {
            differ += 1;
            if differ <= 10 {
                let first = as_written
                    .iter()
                    .zip(&with_blanks)
                    .find(|(a, b)| a != b)
                    .map_or_else(
                        || {
                            let (a, b) = (as_written.len(), with_blanks.len());
                            format!("{a} symbols, blanked {b}")
                        },
                        |(a, b)| format!("{a:?}\n    blanked: {b:?}"),
                    );
                println!("differs: {}\n    {first}", path.display());
            }
        }
    }
    println!(
        "\n{compared} Rust files ({:.0} MB, {symbols} symbols); symbols differ in {differ} (target 0)\n",
        bytes as f64 / 1e6
    );
    println!("| parse | seconds (one thread) | ratio |");
    println!("|---|---:|---:|");
    println!("| as written | {:.2} | 1.00 |", written.as_secs_f64());
    println!(
        "| function bodies blanked | {:.2} | {:.2} |",
        blanked.as_secs_f64(),
        blanked.as_secs_f64() / written.as_secs_f64().max(1e-9)
    );
}
