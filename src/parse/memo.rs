//! Parsed traces remembered by their text ([`TraceMemo`]): most errors repeat, trace and message
//! alike (the same `KeyError` from the same call path, thousands of times an hour), and parsing
//! a trace costs far more than finding its text among those seen.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{parse_exception_with, InAppRules, ParsedException};

/// The traces one reader parsed (with one service's in-app rules), by their text, up to a
/// bound on the text remembered; past it the memory starts over. Made with
/// [`TraceMemo::default`], it remembers nothing.
#[derive(Default)]
pub struct TraceMemo {
    seen: FxHashMap<Box<str>, Option<Arc<ParsedException>>>,
    /// What the traces remembered take, in bytes: their text and [`TraceMemo::ENTRY`] each.
    bytes: usize,
    /// The most text remembered at once.
    max_bytes: usize,
}

impl TraceMemo {
    /// The longest text remembered: a longer trace is parsed each time (one that long is rare,
    /// and would crowd the others out).
    const MAX_TEXT: usize = 16 * 1024;
    /// What an entry is counted as besides its text (the map's slot, the key's allocation): many
    /// short texts are bounded too.
    const ENTRY: usize = 64;

    /// A memo that keeps up to `max_bytes` of trace text (counting 64 bytes more for each entry).
    pub fn new(max_bytes: usize) -> TraceMemo {
        TraceMemo {
            max_bytes,
            ..TraceMemo::default()
        }
    }

    /// [`parse_exception_with`] of `text` and `rules` (the same rules at every call), or what it
    /// gave the last time it was given this text.
    pub fn parse(&mut self, text: &str, rules: &InAppRules) -> Option<Arc<ParsedException>> {
        if text.len() > Self::MAX_TEXT || text.len() + Self::ENTRY > self.max_bytes {
            return parse_exception_with(text, rules).map(Arc::new);
        }
        if let Some(known) = self.seen.get(text) {
            return known.clone();
        }
        let parsed = parse_exception_with(text, rules).map(Arc::new);
        let cost = text.len() + Self::ENTRY;
        if self.bytes + cost > self.max_bytes {
            self.seen.clear();
            self.bytes = 0;
        }
        self.bytes += cost;
        self.seen.insert(text.into(), parsed.clone());
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "Traceback (most recent call last):\n  File \"/app/api.py\", line 3, in \
                         handle\n    do()\nKeyError: 'port'";

    #[test]
    fn a_trace_seen_before_is_the_same_parse_and_not_parsed_again() {
        let rules = InAppRules::default();
        let mut memo = TraceMemo::new(1024);
        let first = memo.parse(TRACE, &rules).expect("a trace");
        let again = memo.parse(TRACE, &rules).expect("a trace");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second is the first's parse"
        );
        assert_eq!(*first, parse_exception_with(TRACE, &rules).unwrap());
        // text that is not a trace is remembered as such
        assert_eq!(memo.parse("just words\nand more", &rules), None);
        assert_eq!(memo.parse("just words\nand more", &rules), None);
        assert_eq!(memo.seen.len(), 2);
    }

    #[test]
    fn the_memory_starts_over_at_its_bound_and_remembers_nothing_by_default() {
        let rules = InAppRules::default();
        let mut memo = TraceMemo::new((TRACE.len() + TraceMemo::ENTRY) * 2);
        let other = TRACE.replace("port", "host");
        let third = TRACE.replace("port", "user");
        memo.parse(TRACE, &rules);
        memo.parse(&other, &rules);
        let cost = TRACE.len() + TraceMemo::ENTRY;
        assert_eq!((memo.seen.len(), memo.bytes), (2, cost * 2));
        memo.parse(&third, &rules);
        assert_eq!((memo.seen.len(), memo.bytes), (1, cost));
        let parsed = memo.parse(&third, &rules).expect("a trace");
        assert_eq!(parsed.chain[0].message, "'user'");

        let mut none = TraceMemo::default();
        let first = none.parse(TRACE, &rules).expect("a trace");
        let again = none.parse(TRACE, &rules).expect("a trace");
        assert!(!Arc::ptr_eq(&first, &again));
        assert!(none.seen.is_empty());
    }
}
