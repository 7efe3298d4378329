//! Column merging (after Brain and IPLoM): templates of the same length that are equal except
//! at one position merge when that position takes enough distinct values to be a variable.
//! Two values (`startup`/`shutdown`, `view`/`modify`) name different events; three or more
//! (`cyrus`/`news`/`test`) are a parameter.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use super::tokens::{generalize, Cluster, Tok};

/// Distinct words at one position that make it a variable.
const MIN_VALUES: usize = 3;

/// Distinct values of one `key=value` word that make its value a variable: a word value names a
/// setting (`user=root`, `user=guest`), so a few of them are kept apart.
const MIN_SETTINGS: usize = 4;

/// Distinct upper-case words (`GET`/`POST`/`DELETE`, `NEW`/`RUNNING`) that make a position a
/// variable: such words name states and methods, so more of them are kept apart.
const MIN_STATES: usize = 6;

/// Constant words (with letters) a template must keep after a merge: `Link ok` and
/// `Link error` stay apart.
const MIN_WORDS: usize = 2;

/// Constant words a template must keep for its first word to become a variable
/// (`com.apple.<*>: scheduler_evaluate_activity told me to run this job...`).
const MIN_WORDS_FIRST: usize = 4;

/// Rounds of merging (each round can make one more position of a template variable).
const MAX_ROUNDS: usize = 4;

/// Merges clusters column by column until nothing changes; returns the merged clusters and, per
/// old cluster, its new index.
/// With `pairs` (used once the miner has overflowed, i.e. the input has words that vary on
/// nearly every line), templates equal but at two word positions merge too.
pub(crate) fn merge_columns(mut clusters: Vec<Cluster>, pairs: bool) -> (Vec<Cluster>, Vec<u32>) {
    let mut remap: Vec<u32> = (0..clusters.len() as u32).collect();
    let mut step = |clusters: &mut Vec<Cluster>, pairs: bool| {
        let parent = if pairs {
            pair_round(clusters)
        } else {
            one_round(clusters)
        };
        if parent.iter().enumerate().all(|(i, &p)| p as usize == i) {
            return false;
        }
        let (merged, moved) = rebuild(std::mem::take(clusters), &parent);
        *clusters = merged;
        for r in &mut remap {
            *r = moved[*r as usize];
        }
        true
    };
    for with_pairs in [false, pairs] {
        for _ in 0..MAX_ROUNDS {
            if !step(&mut clusters, false) {
                break;
            }
        }
        if with_pairs && step(&mut clusters, true) {
            for _ in 0..MAX_ROUNDS {
                if !step(&mut clusters, false) {
                    break;
                }
            }
        }
    }
    (clusters, remap)
}

fn token_hash(tok: &Tok) -> u64 {
    let mut hasher = FxHasher::default();
    tok.shape().hash(&mut hasher);
    hasher.finish()
}

fn mix(hash: u64, position: usize) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write_u64(hash);
    hasher.write_usize(position);
    hasher.finish()
}

/// Each word's hash mixed with its position, and their sum (the template's hash).
fn position_hashes(tokens: &[Tok]) -> (Vec<u64>, u64) {
    let mixed: Vec<u64> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| mix(token_hash(t), i))
        .collect();
    let total = mixed.iter().fold(0u64, |a, &h| a.wrapping_add(h));
    (mixed, total)
}

/// One round: groups clusters equal but at position `i` and unions the groups that qualify.
fn one_round(clusters: &[Cluster]) -> Vec<u32> {
    let mut entries: Vec<(Key, u32)> = Vec::new();
    for (c, cluster) in clusters.iter().enumerate() {
        let tokens = &cluster.tokens;
        let (mixed, total) = position_hashes(tokens);
        // The first word names the event in most logs (as in Drain's tree); it may vary only
        // in long templates (see `qualifies`).
        for (i, &own) in mixed.iter().enumerate() {
            let rest = mix(total.wrapping_sub(own), tokens.len());
            entries.push(((rest, i as u32, u32::MAX), c as u32));
        }
    }
    unite(clusters.len(), entries, |members, (_, i, _)| {
        qualifies(clusters, members, i as usize)
    })
}

/// A hash of the template length and the other tokens, and the one or two positions left out.
type Key = (u64, u32, u32);

/// Sorts the entries by key and unions each group of two or more that `check` accepts;
/// returns each cluster's root.
fn unite(
    count: usize,
    mut entries: Vec<(Key, u32)>,
    check: impl Fn(&[u32], Key) -> bool,
) -> Vec<u32> {
    entries.sort_unstable();
    let mut parent: Vec<u32> = (0..count as u32).collect();
    let mut members: Vec<u32> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let key = entries[start].0;
        let mut end = start + 1;
        while end < entries.len() && entries[end].0 == key {
            end += 1;
        }
        if end - start > 1 {
            members.clear();
            members.extend(entries[start..end].iter().map(|&(_, c)| c));
            if check(&members, key) {
                for &m in &members[1..] {
                    union(&mut parent, members[0], m);
                }
            }
        }
        start = end;
    }
    (0..count as u32).map(|c| find(&mut parent, c)).collect()
}

/// Longest run of words considered for two-variable merging (bounds the pairs per template).
const MAX_PAIR_WORDS: usize = 16;

/// Templates that are equal but at two word positions, each with [`MIN_VALUES`] distinct
/// words (`user X logged in from host Y` with X and Y new on every line), become one.
fn pair_round(clusters: &[Cluster]) -> Vec<u32> {
    let mut entries: Vec<(Key, u32)> = Vec::new();
    for (c, cluster) in clusters.iter().enumerate() {
        let tokens = &cluster.tokens;
        let (mixed, total) = position_hashes(tokens);
        let words: Vec<usize> = (1..tokens.len())
            .filter(|&i| !tokens[i].var && tokens[i].key().is_none())
            .collect();
        if words.len() > MAX_PAIR_WORDS {
            continue;
        }
        for (a, &i) in words.iter().enumerate() {
            for &j in &words[a + 1..] {
                let rest = total.wrapping_sub(mixed[i]).wrapping_sub(mixed[j]);
                let rest = mix(rest, tokens.len());
                entries.push(((rest, i as u32, j as u32), c as u32));
            }
        }
    }
    unite(clusters.len(), entries, |members, (_, i, j)| {
        qualifies_pair(clusters, members, i as usize, j as usize)
    })
}

fn qualifies_pair(clusters: &[Cluster], members: &[u32], i: usize, j: usize) -> bool {
    let first = &clusters[members[0] as usize].tokens;
    let words = first
        .iter()
        .enumerate()
        .filter(|&(k, t)| {
            k != i && k != j && !t.var && t.text.bytes().any(|b| b.is_ascii_alphabetic())
        })
        .count();
    let distinct = |p: usize| {
        let mut values: Vec<&str> = members
            .iter()
            .map(|&m| clusters[m as usize].tokens[p].text.as_ref())
            .collect();
        values.sort_unstable();
        values.dedup();
        values.len()
    };
    words > MIN_WORDS && distinct(i) >= MIN_VALUES && distinct(j) >= MIN_VALUES
}

/// Whether clusters equal but at position `i` should become one template.
fn qualifies(clusters: &[Cluster], members: &[u32], i: usize) -> bool {
    let first = &clusters[members[0] as usize].tokens;
    let words = first
        .iter()
        .enumerate()
        .filter(|&(j, t)| j != i && !t.var && t.text.bytes().any(|b| b.is_ascii_alphabetic()))
        .count();
    if words < if i == 0 { MIN_WORDS_FIRST } else { MIN_WORDS } {
        return false;
    }
    let values: Vec<&Tok> = members
        .iter()
        .map(|&m| &clusters[m as usize].tokens[i])
        .collect();
    if values.iter().any(|t| t.var) {
        return true;
    }
    let mut distinct: Vec<&str> = values.iter().map(|t| t.text.as_ref()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let key = values[0].key();
    let settings = key.is_some() && values.iter().all(|t| t.key() == key);
    let shouted = distinct.iter().all(|v| is_upper_word(v));
    distinct.len()
        >= if settings {
            MIN_SETTINGS
        } else if shouted {
            MIN_STATES
        } else {
            MIN_VALUES
        }
}

/// `GET`, `RUNNING`, `FAIL_TASK_CLEANUP`: upper-case words name states and methods.
fn is_upper_word(word: &str) -> bool {
    let core = word.trim_matches(|c: char| c.is_ascii_punctuation() && c != '_');
    core.len() >= 2
        && core.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        && core.bytes().any(|b| b.is_ascii_uppercase())
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    // The smaller index (the more frequent cluster) stays the root, for stable templates.
    if ra < rb {
        parent[rb as usize] = ra;
    } else if rb < ra {
        parent[ra as usize] = rb;
    }
}

/// Builds the merged clusters from the union roots; returns them and the old-to-new index.
fn rebuild(clusters: Vec<Cluster>, parent: &[u32]) -> (Vec<Cluster>, Vec<u32>) {
    let mut new_index = vec![u32::MAX; clusters.len()];
    let mut merged: Vec<Cluster> = Vec::new();
    let mut members: Vec<(usize, Cluster)> = Vec::new();
    for (c, cluster) in clusters.into_iter().enumerate() {
        if parent[c] as usize == c {
            new_index[c] = merged.len() as u32;
            merged.push(cluster);
        } else {
            members.push((c, cluster));
        }
    }
    for (c, cluster) in members {
        let target = &mut merged[new_index[parent[c] as usize] as usize];
        generalize(&mut target.tokens, &cluster.tokens);
        target.count += cluster.count;
    }
    let step = parent
        .iter()
        .map(|&root| new_index[root as usize])
        .collect();
    (merged, step)
}
