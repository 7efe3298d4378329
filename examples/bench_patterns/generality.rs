//! Whether anything was fitted to one data set: the leave-one-out table and the check that no
//! code on the `patterns` path names a data set.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::data::Score;

/// Data sets the benchmark scores on (the ten here) and the Loghub sets held out from it: code
/// that names one of them would be a rule for that set.
const DATA_SETS: &[&str] = &[
    "Apache",
    "HDFS",
    "HPC",
    "Hadoop",
    "Linux",
    "OpenSSH",
    "Proxifier",
    "Spark",
    "Windows",
    "Zookeeper",
    "Android",
    "BGL",
    "HealthApp",
    "Mac",
    "OpenStack",
    "Thunderbird",
];

/// The code `luffy patterns` runs on a line: these files, and every file of the header module
/// (`header::message_start` reaches the fixed-shape readers of each family through it).
const WHOLE_FILES: &[&str] = &[
    "src/commands/patterns.rs",
    "src/template/classify.rs",
    "src/template/columns.rs",
    "src/template/merge.rs",
    "src/template/miner.rs",
    "src/template/token.rs",
    "src/text.rs",
];
const HEADER_DIR: &str = "src/header";

/// The leave-one-out table: per data set, the GA of a configuration chosen without it. The
/// recogniser and the miner have no per-set knobs and nothing trained, so that configuration is
/// the one configuration, and the check below shows no code path names a set.
pub(crate) fn leave_one_out(rows: &[(String, Score, Score)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Leave-one-out: the header recogniser and the miner have no per-set knobs and no trained \
         parameters (one configuration for every input), so the configuration chosen without a \
         set is the same one and its leave-one-out GA is its GA."
    );
    match dataset_names() {
        Ok((files, hits)) if hits.is_empty() => {
            let _ = writeln!(
                out,
                "Check: no code on the patterns path names a data set ({} files searched for {} \
                 names, comments and tests left out).",
                files,
                DATA_SETS.len()
            );
        }
        Ok((_, hits)) => {
            let _ = writeln!(out, "CHECK FAILED: code names a data set:");
            for hit in hits {
                let _ = writeln!(out, "  {hit}");
            }
        }
        Err(err) => {
            let _ = writeln!(out, "CHECK FAILED: the code could not be read: {err}");
        }
    }
    let _ = writeln!(
        out,
        "\n| held-out set | leave-one-out GA raw | leave-one-out GA message-only |"
    );
    let _ = writeln!(out, "|---|---|---|");
    for (name, msg, raw) in rows {
        let _ = writeln!(out, "| {name} | {:.3} | {:.3} |", raw.ga, msg.ga);
    }
    out
}

/// How many files were searched, and `file:line: text` of every code line on the patterns path
/// that names a data set.
fn dataset_names() -> anyhow::Result<(usize, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = WHOLE_FILES.iter().map(|f| (*f).to_string()).collect();
    let mut stack = vec![root.join(HEADER_DIR)];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy().ends_with("tests"))
            {
                files.push(path.strip_prefix(root)?.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    let mut sources: Vec<(String, String)> = Vec::new();
    for file in &files {
        sources.push((file.clone(), code_of(&fs::read_to_string(root.join(file))?)));
    }
    let mut hits = Vec::new();
    for (file, code) in &sources {
        for (n, line) in code.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            if let Some(name) = DATA_SETS
                .iter()
                .find(|name| has_word(&lower, &name.to_ascii_lowercase()))
            {
                hits.push(format!("{file}:{}: {name}: {}", n + 1, line.trim()));
            }
        }
    }
    Ok((files.len(), hits))
}

/// The source without its test module and with comments blanked (line numbers kept).
fn code_of(source: &str) -> String {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `word` occurs in `text` with no letter, digit or `_` on either side, and not as a
/// method (`.windows(3)` is the slice method).
fn has_word(text: &str, word: &str) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(inner)
            && !text[at + word.len()..].chars().next().is_some_and(inner)
    })
}
