//! Column merging (after Brain and IPLoM): templates of the same length that are equal except
//! at one position merge when that position takes enough distinct values to be a variable.
//! Two values (`startup`/`shutdown`, `view`/`modify`) name different events; three or more
//! (`cyrus`/`news`/`test`) are a parameter.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use super::merge::{generalize, Cluster, Tok};

/// Distinct words at one position that make it a variable.
const MIN_VALUES: usize = 3;

/// Distinct values of one `key=value` word that make its value a variable: a word value names a
/// setting (`user=root`, `user=guest`), so a few of them are kept apart.
const MIN_SETTINGS: usize = 4;

/// Constant words (with letters) a template must keep after a merge: `Link ok` and
/// `Link error` stay apart.
const MIN_WORDS: usize = 2;

/// Rounds of merging (each round can make one more position of a template variable).
const MAX_ROUNDS: usize = 4;

/// Merges clusters column by column until nothing changes; returns the merged clusters and, per
/// old cluster, its new index.
pub(crate) fn merge_columns(mut clusters: Vec<Cluster>) -> (Vec<Cluster>, Vec<u32>) {
    let mut remap: Vec<u32> = (0..clusters.len() as u32).collect();
    for _ in 0..MAX_ROUNDS {
        let parent = one_round(&clusters);
        if parent.iter().enumerate().all(|(i, &p)| p as usize == i) {
            break;
        }
        let (merged, step) = rebuild(&clusters, &parent);
        clusters = merged;
        for r in &mut remap {
            *r = step[*r as usize];
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

/// One round: groups clusters equal but at position `i` and unions the groups that qualify.
fn one_round(clusters: &[Cluster]) -> Vec<u32> {
    let mut groups: FxHashMap<(usize, usize, u64), Vec<u32>> = FxHashMap::default();
    for (c, cluster) in clusters.iter().enumerate() {
        let tokens = &cluster.tokens;
        let mixed: Vec<u64> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| mix(token_hash(t), i))
            .collect();
        let total = mixed.iter().fold(0u64, |a, &h| a.wrapping_add(h));
        // The first word names the event in most logs (as in Drain's tree): never a variable.
        for (i, &own) in mixed.iter().enumerate().skip(1) {
            let key = (tokens.len(), i, total.wrapping_sub(own));
            groups.entry(key).or_default().push(c as u32);
        }
    }
    let mut parent: Vec<u32> = (0..clusters.len() as u32).collect();
    let mut keys: Vec<_> = groups.into_iter().filter(|(_, m)| m.len() > 1).collect();
    keys.sort_unstable();
    for ((_, i, _), members) in keys {
        if qualifies(clusters, &members, i) {
            for &m in &members[1..] {
                union(&mut parent, members[0], m);
            }
        }
    }
    (0..clusters.len() as u32)
        .map(|c| find(&mut parent, c))
        .collect()
}

/// Whether clusters equal but at position `i` should become one template.
fn qualifies(clusters: &[Cluster], members: &[u32], i: usize) -> bool {
    let first = &clusters[members[0] as usize].tokens;
    let words = first
        .iter()
        .enumerate()
        .filter(|&(j, t)| j != i && !t.var && t.text.bytes().any(|b| b.is_ascii_alphabetic()))
        .count();
    if words < MIN_WORDS {
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
    distinct.len() >= if settings { MIN_SETTINGS } else { MIN_VALUES }
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
fn rebuild(clusters: &[Cluster], parent: &[u32]) -> (Vec<Cluster>, Vec<u32>) {
    let mut new_index = vec![u32::MAX; clusters.len()];
    let mut merged: Vec<Cluster> = Vec::new();
    for (c, &root) in parent.iter().enumerate() {
        if root as usize == c {
            new_index[c] = merged.len() as u32;
            merged.push(clusters[c].clone());
        }
    }
    for (c, cluster) in clusters.iter().enumerate() {
        let root = parent[c] as usize;
        if root != c {
            let target = &mut merged[new_index[root] as usize];
            generalize(&mut target.tokens, &cluster.tokens);
            target.count += cluster.count;
        }
    }
    let step = parent
        .iter()
        .map(|&root| new_index[root as usize])
        .collect();
    (merged, step)
}
