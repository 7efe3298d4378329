//! The streaming template miner: masks each message, counts identical masked forms (variants)
//! through a hash lookup, and groups the variants into templates when asked.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use super::merge::{self, Variant};
use super::token::{mask_into, Piece};
use super::tokens::Tok;
use crate::text::cut;

/// The longest example line kept for a template (longer ones are cut at a character boundary).
const EXAMPLE_BYTES: usize = 512;

/// Distinct masked forms kept before they are compacted into their templates, which bounds
/// memory when a word that masking cannot see as variable takes very many values.
const MAX_VARIANTS: usize = 20_000;
/// Bytes the variants may take before they are compacted too: wide lines (hundreds of words)
/// reach it before [`MAX_VARIANTS`], so that memory stays bounded whatever the lines' width.
const VARIANT_BYTES: usize = 8 << 20;

/// Messages remembered whole (exact repeats skip masking); the memo is emptied when full.
const MEMO_ENTRIES: usize = 1 << 16;

/// How the miner reads each line.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Detect and drop a leading header (timestamp, level, pid, thread, logger) before mining.
    pub detect_header: bool,
    /// Remember recent messages whole, so an exact repeat costs one hash lookup (on by default;
    /// bounded to 65,536 entries).
    pub memo: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            detect_header: false,
            memo: true,
        }
    }
}

/// Mines log templates from a stream of lines. Memory grows with the number of distinct masked
/// forms (a small multiple of the number of templates), not with the number of lines.
#[derive(Debug, Default)]
pub struct Miner {
    options: Options,
    index: FxHashMap<u64, u32>,
    memo: FxHashMap<u64, u32>,
    variants: Vec<Variant>,
    /// Per id handed out by [`Miner::add`]: its variant's index in `variants` (ids stay valid
    /// when variants are compacted).
    ids: Vec<u32>,
    max_variants: usize,
    /// What the variants take, about ([`Variant::bytes`]).
    variant_bytes: usize,
    /// Set once variants were compacted: from then on two-word variables merge too.
    overflowed: bool,
    pieces: Vec<Piece>,
    lines: u64,
}

/// One mined template.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Pattern {
    /// 1-based id: templates are numbered by count (most frequent first), then by template text.
    pub id: u32,
    /// How many lines the template covers.
    pub count: u64,
    /// The template, variables shown as `<*>` or typed (`<NUM>`, `<IP>`, `<HEX>`...).
    pub template: String,
    /// The first line seen of the template's most frequent variant.
    pub example: String,
}

/// The result of mining: the templates and which template each variant belongs to.
#[derive(Clone, Debug, Default)]
pub struct Patterns {
    /// The templates, most frequent first (`patterns[i].id == i + 1`).
    pub patterns: Vec<Pattern>,
    /// The number of lines mined.
    pub lines: u64,
    of_variant: Vec<u32>,
}

impl Patterns {
    /// The template of the id that [`Miner::add`] returned for a line.
    pub fn pattern_of(&self, variant: u32) -> &Pattern {
        &self.patterns[self.of_variant[variant as usize] as usize]
    }
}

impl Miner {
    /// A miner with no lines yet.
    pub fn new(options: Options) -> Self {
        Miner {
            options,
            max_variants: MAX_VARIANTS,
            ..Miner::default()
        }
    }

    /// Mines one line (without its newline) and returns the id of its variant, which
    /// [`Patterns::pattern_of`] maps to a template once mining is finished.
    pub fn add(&mut self, line: &str) -> u32 {
        let message = if self.options.detect_header {
            &line[crate::header::message_start(line)..]
        } else {
            line
        };
        self.add_message(line, message)
    }

    /// [`Miner::add`] for a line whose message the caller has already found (the `msg` field
    /// of a JSON or logfmt line): `message` is mined as it is, `line` is kept as the example.
    #[inline]
    pub fn add_message(&mut self, line: &str, message: &str) -> u32 {
        self.lines += 1;
        let whole = if self.options.memo {
            let mut hasher = FxHasher::default();
            hasher.write(message.as_bytes());
            let whole = hasher.finish();
            if let Some(&id) = self.memo.get(&whole) {
                self.variants[self.ids[id as usize] as usize].count += 1;
                return id;
            }
            Some(whole)
        } else {
            None
        };
        let id = self.add_masked(line, message);
        if let Some(whole) = whole {
            if self.memo.len() >= MEMO_ENTRIES {
                self.memo.clear();
            }
            self.memo.insert(whole, id);
        }
        id
    }

    fn add_masked(&mut self, line: &str, message: &str) -> u32 {
        mask_into(message, &mut self.pieces);
        let key = hash_pieces(message.as_bytes(), &self.pieces);
        if let Some(&id) = self.index.get(&key) {
            self.variants[self.ids[id as usize] as usize].count += 1;
            return id;
        }
        if self.variants.len() >= self.max_variants || self.variant_bytes >= VARIANT_BYTES {
            self.compact();
        }
        let id = self.ids.len() as u32;
        self.ids.push(self.variants.len() as u32);
        let variant = Variant {
            tokens: materialize(message, &self.pieces),
            count: 1,
            example: cut(line, EXAMPLE_BYTES).to_string(),
        };
        self.variant_bytes += variant.bytes();
        self.variants.push(variant);
        self.index.insert(key, id);
        id
    }

    /// Replaces the variants by the templates they form so far; later lines of those templates
    /// come back as new variants and join them again when templates are built.
    fn compact(&mut self) {
        self.overflowed = true;
        let (clusters, of_variant) = merge::cluster(&self.variants, true);
        // Past a quarter of the limit, the rarest templates go into one catch-all per token count
        // (all words variable), so compaction always frees room and memory stays bounded.
        let keep = self.max_variants / 4;
        let mut kept_bytes = 0;
        let mut order: Vec<usize> = (0..clusters.len()).collect();
        order.sort_by_key(|&c| (std::cmp::Reverse(clusters[c].count), c));
        let mut target = vec![0u32; clusters.len()];
        let mut variants: Vec<Variant> = Vec::with_capacity(keep + 16);
        let mut catch_all: FxHashMap<usize, u32> = FxHashMap::default();
        for (rank, &c) in order.iter().enumerate() {
            let cluster = &clusters[c];
            let example = std::mem::take(&mut self.variants[cluster.best as usize].example);
            if rank < keep && kept_bytes < VARIANT_BYTES / 4 {
                target[c] = variants.len() as u32;
                let variant = Variant {
                    tokens: cluster.tokens.clone(),
                    count: cluster.count,
                    example,
                };
                kept_bytes += variant.bytes();
                variants.push(variant);
                continue;
            }
            let len = cluster.tokens.len();
            let slot = *catch_all.entry(len).or_insert_with(|| {
                variants.push(Variant {
                    tokens: vec![Tok::var("<*>"); len],
                    count: 0,
                    example,
                });
                variants.len() as u32 - 1
            });
            variants[slot as usize].count += cluster.count;
            target[c] = slot;
        }
        self.variant_bytes = variants.iter().map(Variant::bytes).sum();
        self.variants = variants;
        for live in &mut self.ids {
            *live = target[of_variant[*live as usize] as usize];
        }
        self.index.clear();
    }

    /// The number of lines mined so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Groups the variants seen so far into templates. Deterministic for the same input.
    pub fn patterns(&self) -> Patterns {
        let (clusters, of_variant) = merge::cluster(&self.variants, self.overflowed);
        let mut order: Vec<usize> = (0..clusters.len()).collect();
        let texts: Vec<String> = clusters
            .iter()
            .map(|c| printable(&merge::render(&c.tokens)))
            .collect();
        order.sort_by(|&a, &b| {
            clusters[b]
                .count
                .cmp(&clusters[a].count)
                .then_with(|| texts[a].cmp(&texts[b]))
        });
        let mut rank = vec![0u32; clusters.len()];
        let patterns = order
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                rank[c] = i as u32;
                Pattern {
                    id: i as u32 + 1,
                    count: clusters[c].count,
                    template: texts[c].clone(),
                    example: self.variants[clusters[c].best as usize].example.clone(),
                }
            })
            .collect();
        Patterns {
            patterns,
            lines: self.lines,
            of_variant: self
                .ids
                .iter()
                .map(|&live| rank[of_variant[live as usize] as usize])
                .collect(),
        }
    }
}

/// A hash of the masked form: literal words and variables with the text around them.
fn hash_pieces(message: &[u8], pieces: &[Piece]) -> u64 {
    let mut hasher = FxHasher::default();
    for piece in pieces {
        match *piece {
            Piece::Lit { start, end } => {
                hasher.write_u8(0);
                hasher.write(&message[start as usize..end as usize]);
                hasher.write_u32(end - start);
            }
            Piece::Var { kind, pre, suf } => {
                hasher.write_u8(1 + kind as u8);
                hasher.write(&message[pre.0 as usize..pre.1 as usize]);
                hasher.write_u32(pre.1 - pre.0);
                hasher.write(&message[suf.0 as usize..suf.1 as usize]);
                hasher.write_u32(suf.1 - suf.0);
            }
        }
    }
    hasher.finish()
}

fn materialize(message: &str, pieces: &[Piece]) -> Vec<Tok> {
    let text = |(a, b): (u32, u32)| &message[a as usize..b as usize];
    pieces
        .iter()
        .map(|piece| match *piece {
            Piece::Lit { start, end } => Tok::lit(text((start, end))),
            Piece::Var { kind, pre, suf } => {
                Tok::var(&format!("{}{}{}", text(pre), kind.placeholder(), text(suf)))
            }
        })
        .collect()
}

/// A template fit to print: control characters become `\u{fffd}`, and a blank line `(blank)`.
fn printable(template: &str) -> String {
    if template.is_empty() {
        return "(blank)".to_string();
    }
    template
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_lines_are_compacted_by_the_bytes_their_variants_take() {
        let mut miner = Miner::new(Options::default());
        let words = [
            "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
        ];
        let mut widest = 0;
        let mut compacted = false;
        for i in 0..4_000usize {
            // 150 words in an order of their own: every line a variant of its own
            let mut state = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let line: Vec<&str> = (0..150)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    words[(state % 8) as usize]
                })
                .collect();
            let before = miner.variants.len();
            miner.add(&line.join(" "));
            compacted |= miner.variants.len() < before;
            widest = widest.max(miner.variants.last().map_or(0, Variant::bytes));
            assert!(
                miner.variant_bytes <= VARIANT_BYTES + widest,
                "{} bytes after {i} lines",
                miner.variant_bytes
            );
        }
        assert!(compacted, "the byte bound was reached");
        assert!(miner.variants.len() < MAX_VARIANTS);
        assert_eq!(miner.patterns().lines, 4_000);
    }

    #[test]
    fn compaction_bounds_variants_and_keeps_ids() {
        let mut miner = Miner::new(Options::default());
        miner.max_variants = 50;
        let mut ids = Vec::new();
        for i in 0..2_000 {
            let word: String = (0..3)
                .map(|k| char::from(b'a' + ((i / 26u32.pow(k)) % 26) as u8))
                .collect();
            ids.push(miner.add(&format!("user {word} logged in")));
            ids.push(miner.add(&format!("disk {word} is full now")));
        }
        assert!(miner.variants.len() <= 50);
        let patterns = miner.patterns();
        assert_eq!(patterns.lines, 4_000);
        assert_eq!(patterns.patterns.len(), 2, "{:?}", patterns.patterns);
        assert_eq!(patterns.pattern_of(ids[0]).template, "user <*> logged in");
        assert_eq!(
            patterns.pattern_of(ids[3999]).template,
            "disk <*> is full now"
        );
        assert_eq!(
            patterns.patterns[0].count + patterns.patterns[1].count,
            4_000
        );
    }

    #[test]
    fn unique_messages_go_to_a_catch_all_when_over_the_limit() {
        let mut miner = Miner::new(Options::default());
        miner.max_variants = 100;
        for i in 0..5_000u32 {
            let words: Vec<String> = (0..4)
                .map(|k| {
                    let n = i.wrapping_mul(2_654_435_761).rotate_left(k * 7);
                    (0..5)
                        .map(|j| char::from(b'a' + ((n >> (j * 5)) % 26) as u8))
                        .collect()
                })
                .collect();
            miner.add(&words.join(" "));
        }
        assert!(miner.variants.len() <= 100);
        let patterns = miner.patterns();
        let total: u64 = patterns.patterns.iter().map(|p| p.count).sum();
        assert_eq!(total, 5_000);
        assert_eq!(patterns.patterns[0].template, "<*> <*> <*> <*>");
    }

    #[test]
    fn same_input_same_patterns() {
        let lines = ["a 1 b", "a 2 b", "c d e", "x=1 y", "x=2 y"];
        let run = || {
            let mut miner = Miner::new(Options::default());
            let ids: Vec<u32> = lines.iter().map(|l| miner.add(l)).collect();
            let patterns = miner.patterns();
            let names: Vec<String> = ids
                .iter()
                .map(|&i| patterns.pattern_of(i).template.clone())
                .collect();
            (patterns.patterns, names)
        };
        assert_eq!(run(), run());
        let mut miner = Miner::new(Options::default());
        let blank = miner.add("   ");
        let nul = miner.add("a\0b 1");
        let patterns = miner.patterns();
        assert_eq!(patterns.pattern_of(blank).template, "(blank)");
        assert_eq!(patterns.pattern_of(nul).template, "a\u{fffd}b <NUM>");
        assert_eq!(
            run().1,
            ["a <NUM> b", "a <NUM> b", "c d e", "x=<NUM> y", "x=<NUM> y"]
        );
    }
}
