//! Groups variants (distinct masked messages) into templates: variants equal but for the type
//! of a variable, then column merging (see `columns`), then templates whose constant words are
//! the same (a variable that spans a varying number of words, `bytes (1.16 KB) sent`).

use rustc_hash::FxHashMap;

use super::columns;

/// One token of a masked message or template.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Tok {
    /// The text shown: a word, or a placeholder with the text around it (`(uid=<NUM>)`).
    pub text: Box<str>,
    /// True for a variable.
    pub var: bool,
}

impl Tok {
    pub fn lit(text: &str) -> Tok {
        Tok {
            text: text.into(),
            var: false,
        }
    }

    pub fn var(text: &str) -> Tok {
        Tok {
            text: text.into(),
            var: true,
        }
    }

    /// The token with its placeholder's type left out: `(uid=<NUM>)` gives `("(uid=", ")")`
    /// (so `<NUM>` and `<HEX>` in the same place compare equal); a word gives `(word, "")`.
    pub fn shape(&self) -> (&str, &str) {
        if self.var {
            let open = self.text.find('<').unwrap_or(0);
            let close = self.text.rfind('>').map_or(self.text.len(), |c| c + 1);
            (&self.text[..open], &self.text[close.max(open)..])
        } else {
            (&self.text, "\u{1}")
        }
    }

    /// For `key=value` words and variables: the key with its `=`.
    pub fn key(&self) -> Option<&str> {
        let eq = self.text.find('=')?;
        let key = &self.text[..=eq];
        let valid = eq > 0
            && eq + 1 < self.text.len()
            && key[..eq]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        valid.then_some(key)
    }
}

/// A group of variants with one template.
#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    pub tokens: Vec<Tok>,
    pub count: u64,
    /// The most frequent variant, whose example line stands for the cluster.
    pub best: u32,
}

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

/// Makes every position where `tokens` differs from `template` a variable.
pub(crate) fn generalize(template: &mut [Tok], tokens: &[Tok]) {
    for (t, x) in template.iter_mut().zip(tokens) {
        if t != x && t.text.as_ref() != "<*>" {
            *t = match (t.var && x.var, t.key()) {
                (true, _) => Tok::var(&common_affixes(&t.text, &x.text)),
                (false, Some(key)) if x.key() == Some(key) => Tok::var(&format!("{key}<*>")),
                _ => Tok::var("<*>"),
            };
        }
    }
}

/// `(uid=<NUM>)` and `(uid=<HEX>)` give `(uid=<*>)`; text around a placeholder is kept when
/// both variables share it.
fn common_affixes(a: &str, b: &str) -> String {
    let (x, y) = (Tok::var(a), Tok::var(b));
    let ((pa, sa), (pb, sb)) = (x.shape(), y.shape());
    if pa == pb && sa == sb {
        format!("{pa}<*>{sa}")
    } else {
        "<*>".to_string()
    }
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
