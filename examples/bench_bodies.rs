//! Checks and times the blanking of what symbols never come from before parsing (`code/blank/`:
//! function bodies, values, fields, attributes, parameters, simple statements...): every
//! `.rs` and `.py` file under the folders given (default: the crate sources under
//! `~/.cargo/registry/src` and the Python standard library, as bench_index reads them: at most
//! 1 MiB each) is read for its symbols twice, as written and blanked; prints the files whose
//! symbols differ (none is the target) and the parse time of each way, on one thread.
//!
//! Run: `cargo run --release --example bench_bodies [-- DIR...]` (the files that differ go
//! to standard error)

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use luffy::code::{Extractor, Language};

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            source_files(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs" || e == "py") {
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
        dirs.push(PathBuf::from(python_stdlib()));
    }
    let mut files = Vec::new();
    for dir in &dirs {
        source_files(dir, &mut files);
    }
    files.sort();
    println!("| language | files | MB | symbols | differ (target 0) | parse as written s | blanked s | ratio |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for language in [Language::Rust, Language::Python] {
        let ext = if language == Language::Rust {
            "rs"
        } else {
            "py"
        };
        let of: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        compare(language, &of);
    }
}

/// The Python standard library's folder, as `python3` says.
fn python_stdlib() -> String {
    std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .map_or_else(
            |_| "/usr/lib/python3".into(),
            |out| String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )
}

fn compare(language: Language, files: &[&PathBuf]) {
    let mut extractor = Extractor::default();
    let (mut written, mut blanked) = (Duration::ZERO, Duration::ZERO);
    let (mut compared, mut differ, mut bytes, mut symbols) = (0usize, 0usize, 0usize, 0usize);
    for path in files {
        let Ok(source) = std::fs::read(path) else {
            continue;
        };
        if source.len() > 1 << 20 || source.contains(&0) {
            continue;
        }
        let start = Instant::now();
        let as_written = extractor.symbols_as_written(language, &source);
        written += start.elapsed();
        let start = Instant::now();
        let with_blanks = extractor.symbols(language, &source);
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
                eprintln!("differs: {}\n    {first}", path.display());
            }
        }
    }
    println!(
        "| {language} | {compared} | {:.0} | {symbols} | {differ} | {:.2} | {:.2} | {:.2} |",
        bytes as f64 / 1e6,
        written.as_secs_f64(),
        blanked.as_secs_f64(),
        blanked.as_secs_f64() / written.as_secs_f64().max(1e-9)
    );
}
