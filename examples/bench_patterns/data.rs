//! The labelled data sets: loading, a small CSV reader, and the GA / F1-GA scores.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// One labelled data set: its message column, raw lines and true event ids.
pub(crate) struct Dataset {
    pub(crate) name: String,
    pub(crate) contents: Vec<String>,
    pub(crate) raw: Vec<String>,
    pub(crate) truth: Vec<String>,
}

/// Grouping accuracy and F1 of group-level matching.
#[derive(Clone, Copy, Default)]
pub(crate) struct Score {
    pub(crate) ga: f64,
    pub(crate) f1: f64,
}

pub(crate) fn load_all(data: &Path) -> Result<Vec<Dataset>> {
    let mut names: Vec<String> = fs::read_dir(data)
        .with_context(|| format!("could not read {}", data.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.iter().map(|name| load(data, name)).collect()
}

fn load(data: &Path, name: &str) -> Result<Dataset> {
    let dir = data.join(name);
    let csv = fs::read_to_string(dir.join(format!("{name}_2k.log_structured.csv")))?;
    let raw = fs::read_to_string(dir.join(format!("{name}_2k.log")))?;
    let mut rows = parse_csv(&csv).into_iter();
    let header = rows.next().context("empty csv")?;
    let col = |c: &str| header.iter().position(|h| h == c).context("missing column");
    let (content, event) = (col("Content")?, col("EventId")?);
    let (mut contents, mut truth) = (Vec::new(), Vec::new());
    for row in rows {
        contents.push(row[content].clone());
        truth.push(row[event].clone());
    }
    let raw: Vec<String> = raw.lines().map(str::to_string).collect();
    if raw.len() != truth.len() {
        bail!("{name}: {} raw lines for {} labels", raw.len(), truth.len());
    }
    Ok(Dataset {
        name: name.to_string(),
        contents,
        raw,
        truth,
    })
}

/// A small RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// GA and F1-GA of predicted group labels against true ones.
pub(crate) fn score<P: std::hash::Hash + Eq + Clone>(pred: &[P], truth: &[String]) -> Score {
    let mut by_pred: HashMap<P, Vec<usize>> = HashMap::new();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (p, t)) in pred.iter().zip(truth).enumerate() {
        by_pred.entry(p.clone()).or_default().push(i);
        by_truth.entry(t).or_default().push(i);
    }
    let (mut right_lines, mut right_groups) = (0usize, 0usize);
    for members in by_truth.values() {
        let group = &by_pred[&pred[members[0]]];
        if group == members {
            right_lines += members.len();
            right_groups += 1;
        }
    }
    let precision = right_groups as f64 / by_pred.len().max(1) as f64;
    let recall = right_groups as f64 / by_truth.len().max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Score {
        ga: right_lines as f64 / truth.len().max(1) as f64,
        f1,
    }
}
