//! Which nodes of a syntax tree are definitions, per language: the grammar crate's own tags query
//! (`queries/tags.scm`, what GitHub's code navigation runs), after a few patterns of ours
//! (`tags/queries/*.scm`) for what luffy tells apart and the crate's query does not say, and for
//! the grammars that ship none (Kotlin, Scala). Compiled once per process.

use std::sync::OnceLock;

use tree_sitter::{CaptureQuantifier, Node, Query, QueryCursor, StreamingIterator};

use super::kind::SymbolKind;
use super::lang::Language;

mod scan;
mod spec;

use scan::{definitions_only, pattern_roots};
use spec::spec;

/// What a pattern's definition is.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Is(SymbolKind),
    /// A method when directly in a class-like definition, else a function.
    Function,
}

/// A pattern luffy takes, from its captures and `#set!` properties.
struct Pattern {
    /// The capture of the definition's node (`@definition.class`...).
    definition: u32,
    kind: Kind,
    /// The name when the pattern captures none (`#set! name "Companion"`).
    name: Option<Box<str>>,
    /// It holds the rest of its parent rather than its own children (`#set! to-end`).
    to_end: bool,
    /// It counts only directly in a class-like definition (`#set! member`: a bodiless method).
    member: bool,
}

/// A language's compiled definitions.
pub(super) struct Tags {
    query: Query,
    /// By pattern index; none for the patterns luffy does not take (references, constants...).
    patterns: Vec<Option<Pattern>>,
    name: Option<u32>,
    container: Option<u32>,
    /// The node kinds of the crates' definitions luffy leaves out, by kind id.
    left_out: Vec<bool>,
    /// The node kinds definitions are read under, by kind id; none: any.
    within: Option<Vec<bool>>,
    /// The node kinds the patterns taken start at, by kind id; none: any (a wildcard).
    roots: Option<Vec<bool>>,
    modules_hold_methods: bool,
    unwrap: &'static [(&'static str, &'static str)],
}

/// A definition found by a query, before it is placed among its enclosing ones.
pub(super) struct Found<'t> {
    pub node: Node<'t>,
    /// Its name's node; none for a pattern that gives the name.
    name: Option<Node<'t>>,
    /// A container named by the pattern (a Go method's receiver type).
    container: Option<Node<'t>>,
    /// Its pattern's index.
    pattern: usize,
}

/// How definitions are sorted: where they start, outer first, then by node and pattern (so
/// that of one node's matches the first pattern's comes first).
type Key = (usize, std::cmp::Reverse<usize>, usize, usize);

/// A found definition as its pattern reads it.
pub(super) struct Read {
    pub name: String,
    pub container: Option<String>,
    pub kind: Kind,
    pub to_end: bool,
    pub member: bool,
}

/// The compiled definitions of `language`.
pub(super) fn of(language: Language) -> anyhow::Result<&'static Tags> {
    static COMPILED: [OnceLock<Result<Tags, String>>; Language::ALL.len()] =
        [const { OnceLock::new() }; Language::ALL.len()];
    let index = Language::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or_default();
    COMPILED[index]
        .get_or_init(|| compile(language))
        .as_ref()
        .map_err(|err| anyhow::anyhow!("tags query of {language}: {err}"))
}

fn compile(language: Language) -> Result<Tags, String> {
    let spec = spec(language);
    let grammar = language.grammar();
    let tags = spec.tags.iter().map(|tags| definitions_only(tags));
    let source = spec
        .ours
        .iter()
        .map(|ours| (*ours).to_string())
        .chain(tags)
        .collect::<Vec<_>>()
        .join("\n");
    let mut query = Query::new(&grammar, &source).map_err(|e| e.to_string())?;
    query.disable_capture("doc");
    let patterns: Vec<Option<Pattern>> = (0..query.pattern_count())
        .map(|i| pattern(&query, i))
        .collect();
    let mut roots = Some(Vec::new());
    for (i, p) in patterns.iter().enumerate() {
        if p.is_none() {
            query.disable_pattern(i);
            continue;
        }
        let text = &source[query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i)];
        for root in pattern_roots(text) {
            match (root, &mut roots) {
                ("_", _) => roots = None,
                (root, Some(roots)) if !spec.leave_out.contains(&root) => roots.push(root),
                _ => {}
            }
        }
    }
    let kinds = |names: &[&str]| -> Vec<bool> {
        (0..grammar.node_kind_count() as u16)
            .map(|id| {
                grammar.node_kind_is_named(id)
                    && grammar
                        .node_kind_for_id(id)
                        .is_some_and(|kind| names.contains(&kind))
            })
            .collect()
    };
    Ok(Tags {
        name: query.capture_index_for_name("name"),
        container: query.capture_index_for_name("container"),
        patterns,
        left_out: kinds(spec.leave_out),
        within: spec.within.map(kinds),
        roots: roots.map(|roots| kinds(&roots)),
        modules_hold_methods: spec.modules_hold_methods,
        unwrap: spec.unwrap,
        query,
    })
}

/// The pattern at `index`, if it captures a definition of a kind luffy indexes.
fn pattern(query: &Query, index: usize) -> Option<Pattern> {
    let quantifiers = query.capture_quantifiers(index);
    let (definition, kind) = query
        .capture_names()
        .iter()
        .enumerate()
        .filter(|(id, _)| quantifiers[*id] != CaptureQuantifier::Zero)
        .find_map(|(id, name)| Some((id as u32, kind(name.strip_prefix("definition.")?)?)))?;
    let settings = query.property_settings(index);
    let set = |key: &str| settings.iter().find(|p| &*p.key == key);
    Some(Pattern {
        definition,
        kind,
        name: set("name").and_then(|p| p.value.clone()),
        to_end: set("to-end").is_some(),
        member: set("member").is_some(),
    })
}

/// The kind a tags query's syntax type (`class` of `@definition.class`) names, if luffy indexes it.
fn kind(syntax_type: &str) -> Option<Kind> {
    Some(match syntax_type {
        "function" => Kind::Function,
        other => Kind::Is(SymbolKind::parse(other)?),
    })
}

impl Tags {
    /// The definitions in the tree under `root`, in the order they start, outer before inner;
    /// a node two patterns take is taken by the first.
    pub fn find<'t>(
        &self,
        cursor: &mut QueryCursor,
        root: Node<'t>,
        source: &[u8],
    ) -> Vec<Found<'t>> {
        let mut found: Vec<(Key, Found<'t>)> = Vec::new();
        // The patterns are tried only where they start (a query's start depth 0), and only
        // under the nodes definitions are read under: most of a file's nodes are expressions.
        cursor.set_max_start_depth(Some(0));
        let mut walk = root.walk();
        'walk: loop {
            let node = walk.node();
            let here = match &self.roots {
                Some(roots) => is(roots, node),
                None => node.is_named(),
            };
            if here {
                self.matches(cursor, node, source, &mut found);
            }
            let under = self.within.as_ref().is_none_or(|within| is(within, node));
            if under && walk.goto_first_child() {
                continue;
            }
            while !walk.goto_next_sibling() {
                if !walk.goto_parent() {
                    break 'walk;
                }
            }
        }
        found.sort_unstable_by_key(|(key, _)| *key);
        found.dedup_by_key(|(key, _)| key.2);
        found.into_iter().map(|(_, f)| f).collect()
    }

    /// The definitions the query's patterns match under `root` (a node visited: every node above
    /// it is of a kind definitions are read under), with the keys they are sorted by.
    fn matches<'t>(
        &self,
        cursor: &mut QueryCursor,
        root: Node<'t>,
        source: &[u8],
        found: &mut Vec<(Key, Found<'t>)>,
    ) {
        let mut matches = cursor.matches(&self.query, root, source);
        while let Some(m) = matches.next() {
            let Some(pattern) = &self.patterns[m.pattern_index] else {
                continue;
            };
            let capture = |id: Option<u32>| {
                m.captures
                    .iter()
                    .find(|c| Some(c.index) == id)
                    .map(|c| c.node)
            };
            let Some(node) = capture(Some(pattern.definition)) else {
                continue;
            };
            if is(&self.left_out, node) || (node != root && !self.within(root, node)) {
                continue;
            }
            let name = match capture(self.name) {
                Some(name) => match self.unwrapped(name) {
                    Some(name) => Some(name),
                    None => continue,
                },
                None if pattern.name.is_some() => None,
                None => continue,
            };
            let key = (
                node.start_byte(),
                std::cmp::Reverse(node.end_byte()),
                node.id(),
                m.pattern_index,
            );
            let container = capture(self.container);
            let pattern = m.pattern_index;
            found.push((
                key,
                Found {
                    node,
                    name,
                    container,
                    pattern,
                },
            ));
        }
    }

    /// What `found`'s pattern says of it: its name, container, kind, whether it holds the rest
    /// of its parent, whether it counts only in a class.
    pub fn read(&self, found: &Found<'_>, source: &[u8]) -> Read {
        let pattern = self.patterns[found.pattern]
            .as_ref()
            .expect("a definition is found by a pattern taken");
        Read {
            name: match found.name {
                Some(name) => text(name, source),
                None => pattern.name.as_deref().unwrap_or_default().to_string(),
            },
            container: found.container.map(|n| text(n, source)),
            kind: pattern.kind,
            to_end: pattern.to_end,
            member: pattern.member,
        }
    }

    /// `node` read through the wrappers of [`Spec::unwrap`]; none when a wrapper lacks its field.
    fn unwrapped<'t>(&self, mut node: Node<'t>) -> Option<Node<'t>> {
        while let Some((_, field)) = self.unwrap.iter().find(|(kind, _)| *kind == node.kind()) {
            node = node.child_by_field_name(field)?;
        }
        Some(node)
    }

    /// Whether `node` is read under `from` (a node visited): every node from `from` down to
    /// `node`'s parent is of a kind definitions are read under.
    fn within(&self, from: Node<'_>, node: Node<'_>) -> bool {
        let Some(within) = &self.within else {
            return true;
        };
        let mut at = from;
        while at != node {
            if !is(within, at) {
                return false;
            }
            match at.child_with_descendant(node) {
                Some(child) => at = child,
                None => return false,
            }
        }
        true
    }

    /// Whether functions directly in a definition of `kind` are its methods.
    pub fn class_like(&self, kind: SymbolKind) -> bool {
        match kind {
            SymbolKind::Class
            | SymbolKind::Interface
            | SymbolKind::Struct
            | SymbolKind::Enum
            | SymbolKind::Trait
            | SymbolKind::Impl => true,
            SymbolKind::Module => self.modules_hold_methods,
            _ => false,
        }
    }
}

/// Whether `node`'s kind is one of `kinds` (by kind id; an `ERROR` node's is past the end).
fn is(kinds: &[bool], node: Node<'_>) -> bool {
    kinds
        .get(usize::from(node.kind_id()))
        .copied()
        .unwrap_or(false)
}

fn text(node: Node<'_>, source: &[u8]) -> String {
    String::from_utf8_lossy(&source[node.byte_range()]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_s_queries_compile_and_define_something() {
        for &language in Language::ALL {
            let tags = of(language).unwrap();
            assert!(
                tags.patterns.iter().flatten().count() >= 2,
                "{language}: too few definition patterns"
            );
        }
    }
}
