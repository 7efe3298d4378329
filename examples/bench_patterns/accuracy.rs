//! Accuracy in-process (no binary): the quick table and the per-set error listing.

use std::collections::HashMap;
use std::fmt::Write as _;

use luffy::template::{Miner, Options};

use crate::data::{score, Dataset, Score};

pub(crate) fn mine_in_process(lines: &[String], detect_header: bool) -> Vec<u32> {
    let mut miner = Miner::new(Options {
        detect_header,
        ..Options::default()
    });
    let variants: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
    let patterns = miner.patterns();
    variants
        .iter()
        .map(|&v| patterns.pattern_of(v).id)
        .collect()
}

/// Prints the true groups that were not found exactly, with the templates they went to.
pub(crate) fn explain(set: &Dataset, raw: bool) {
    let lines = if raw { &set.raw } else { &set.contents };
    let mut miner = Miner::new(Options {
        detect_header: raw,
        ..Options::default()
    });
    let variants: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
    let patterns = miner.patterns();
    let pred: Vec<u32> = variants
        .iter()
        .map(|&v| patterns.pattern_of(v).id)
        .collect();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, (p, t)) in pred.iter().zip(&set.truth).enumerate() {
        by_truth.entry(t).or_default().push(i);
        by_pred.entry(*p).or_default().push(i);
    }
    let mut wrong: Vec<_> = by_truth
        .iter()
        .filter(|(_, m)| by_pred[&pred[m[0]]] != **m)
        .collect();
    wrong.sort_by_key(|(_, m)| std::cmp::Reverse(m.len()));
    for (event, members) in wrong {
        println!(
            "{event} ({} lines) e.g. {}",
            members.len(),
            lines[members[0]]
        );
        let mut ids: HashMap<u32, usize> = HashMap::new();
        for &i in members {
            *ids.entry(pred[i]).or_default() += 1;
        }
        for (id, n) in ids {
            let p = &patterns.patterns[id as usize - 1];
            println!("    {n}/{} -> {}", p.count, p.template);
        }
    }
}

pub(crate) fn quick_report(sets: &[Dataset], command: &str) {
    let mut rows = Vec::new();
    for set in sets {
        let msg = score(&mine_in_process(&set.contents, false), &set.truth);
        let raw = score(&mine_in_process(&set.raw, true), &set.truth);
        rows.push((set.name.clone(), msg, raw));
    }
    print!("{}", accuracy_table(&rows));
    println!("(in-process library, no binary)\n");
    print!("{}", crate::generality::leave_one_out(&rows));
    println!();
    print!("{}", crate::unseen::unseen_report());
    println!("\ncommand: {command}");
}

pub(crate) fn accuracy_table(rows: &[(String, Score, Score)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| dataset | GA message-only | F1-GA message-only | GA raw | F1-GA raw |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    let mut sum = [0.0; 4];
    for (name, msg, raw) in rows {
        let _ = writeln!(
            out,
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            msg.ga, msg.f1, raw.ga, raw.f1
        );
        for (s, v) in sum.iter_mut().zip([msg.ga, msg.f1, raw.ga, raw.f1]) {
            *s += v;
        }
    }
    let n = rows.len().max(1) as f64;
    let _ = writeln!(
        out,
        "| **average** | **{:.3}** | **{:.3}** | **{:.3}** | **{:.3}** |",
        sum[0] / n,
        sum[1] / n,
        sum[2] / n,
        sum[3] / n
    );
    out
}
