//! Groups variants (distinct masked messages) into templates: variants equal but for the type
//! of a variable, then column merging (see `columns`), then templates whose constant words are
//! the same (a variable that spans a varying number of words, `bytes (1.16 KB) sent`).

use rustc_hash::FxHashMap;

use super::columns;
use super::tokens::{generalize, Cluster, Tok};

/// One distinct masked form of a message, with how often it was seen.
#[derive(Clone, Debug)]
pub(crate) struct Variant {
    pub tokens: Vec<Tok>,
    pub count: u64,
    pub example: String,
}

impl Variant {
    /// About what the variant takes in memory: its tokens (each with its own allocation) and
    /// its example.
    pub(crate) fn bytes(&self) -> usize {
        let tokens: usize = self
            .tokens
            .iter()
            .map(|t| std::mem::size_of::<Tok>() + t.text.len().max(16))
            .sum();
        std::mem::size_of::<Variant>() + tokens + self.example.len()
    }
}

/// Clusters the variants; returns the clusters and, per variant, its cluster's index.
/// With `pairs`, two-word variables merge too (see [`columns::merge_columns`]).
pub(crate) fn cluster(variants: &[Variant], pairs: bool) -> (Vec<Cluster>, Vec<u32>) {
    let mut order: Vec<usize> = (0..variants.len()).collect();
    order.sort_by(|&a, &b| variants[b].count.cmp(&variants[a].count).then(a.cmp(&b)));
    // Variants that differ only in the type of a variable (`<NUM>` and `<HEX>`) are one.
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut index: FxHashMap<Vec<&str>, u32> = FxHashMap::default();
    let mut of_variant = vec![0u32; variants.len()];
    for &v in &order {
        let tokens = &variants[v].tokens;
        let key: Vec<&str> = tokens
            .iter()
            .flat_map(|t| {
                let (a, b) = t.shape();
                [a, b]
            })
            .collect();
        let c = *index.entry(key).or_insert_with(|| {
            clusters.push(Cluster {
                tokens: tokens.clone(),
                count: 0,
                best: v as u32,
            });
            clusters.len() as u32 - 1
        });
        let cluster = &mut clusters[c as usize];
        generalize(&mut cluster.tokens, tokens);
        cluster.count += variants[v].count;
        of_variant[v] = c;
    }
    let (clusters, remap) = columns::merge_columns(clusters, pairs);
    let (clusters, remap2) = merge_skeletons(&clusters);
    for c in &mut of_variant {
        *c = remap2[remap[*c as usize] as usize];
    }
    (clusters, of_variant)
}

/// The constant part of a template: its words, and the text around variables without brackets
/// and punctuation, repeated words counted once.
fn skeleton(tokens: &[Tok]) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    for tok in tokens {
        let word = if tok.var {
            let punct = |c: char| "()[]{}<>\"'`,;:.!?".contains(c);
            let (pre, suf) = tok.shape();
            let (pre, suf) = (pre.trim_matches(punct), suf.trim_matches(punct));
            match (pre.is_empty(), suf.is_empty()) {
                (true, true) => continue,
                (false, _) => pre,
                (true, false) => suf,
            }
        } else {
            tok.text.as_ref()
        };
        if words.last() != Some(&word) {
            words.push(word);
        }
    }
    words
}

/// Merges clusters with the same skeleton (a variable that spans a varying number of words);
/// returns the merged clusters and, per old cluster, its new index.
fn merge_skeletons(clusters: &[Cluster]) -> (Vec<Cluster>, Vec<u32>) {
    let mut order: Vec<usize> = (0..clusters.len()).collect();
    order.sort_by(|&a, &b| clusters[b].count.cmp(&clusters[a].count).then(a.cmp(&b)));
    let mut index: FxHashMap<Vec<&str>, u32> = FxHashMap::default();
    let mut merged: Vec<Cluster> = Vec::new();
    let mut remap = vec![0u32; clusters.len()];
    for &c in &order {
        let key = skeleton(&clusters[c].tokens);
        let target = if key.is_empty() {
            None
        } else {
            index.get(&key).copied()
        };
        if let Some(t) = target {
            merged[t as usize].count += clusters[c].count;
            remap[c] = t;
        } else {
            let t = merged.len() as u32;
            merged.push(clusters[c].clone());
            if !key.is_empty() {
                index.insert(key, t);
            }
            remap[c] = t;
        }
    }
    (merged, remap)
}

/// The template text: tokens joined by spaces.
pub(crate) fn render(tokens: &[Tok]) -> String {
    let mut text = String::new();
    for (i, tok) in tokens.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&tok.text);
    }
    text
}
