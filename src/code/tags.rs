//! Which nodes of a syntax tree are definitions, per language: the grammar crate's own tags query
//! (`queries/tags.scm`, what GitHub's code navigation runs), after a few patterns of ours
//! (`queries/*.scm`) for what luffy tells apart and the crate's query does not say, and for the
//! grammars that ship none (Kotlin, Scala). Compiled once per process.

use std::sync::OnceLock;

use tree_sitter::{CaptureQuantifier, Node, Query, QueryCursor, StreamingIterator};

use super::lang::Language;
use super::symbols::SymbolKind;

/// A language's definitions: the queries, and the few facts about the tree a query cannot state.
struct Spec {
    /// Our patterns, first: when two patterns take one node, the earlier one wins.
    ours: &'static [&'static str],
    /// The grammar crates' tags queries.
    tags: &'static [&'static str],
    /// Definitions of the crates' queries that luffy leaves out, by node kind.
    leave_out: &'static [&'static str],
    /// The node kinds definitions are read under: every node between the file's root and a
    /// definition must be one (most of a file's nodes are expressions); none: anywhere.
    within: Option<&'static [&'static str]>,
    /// Whether functions directly in a module are its methods (Ruby's are; Rust's are not).
    modules_hold_methods: bool,
    /// Name nodes read through to their inner type (`impl<T> a::Foo<T>` is `Foo`'s), by kind
    /// and field.
    unwrap: &'static [(&'static str, &'static str)],
}

const JAVASCRIPT: &str = include_str!("queries/javascript.scm");

fn spec(language: Language) -> Spec {
    let base = Spec {
        ours: &[],
        tags: &[],
        leave_out: &[],
        within: None,
        modules_hold_methods: false,
        unwrap: &[],
    };
    match language {
        Language::Python => Spec {
            tags: &[tree_sitter_python::TAGS_QUERY],
            within: Some(&[
                "module",
                "block",
                "class_definition",
                "function_definition",
                "decorated_definition",
                "if_statement",
                "elif_clause",
                "else_clause",
                "for_statement",
                "while_statement",
                "try_statement",
                "except_clause",
                "except_group_clause",
                "finally_clause",
                "with_statement",
                "match_statement",
                "case_clause",
            ]),
            ..base
        },
        Language::Java => Spec {
            ours: &[include_str!("queries/java.scm")],
            tags: &[tree_sitter_java::TAGS_QUERY],
            // Type bodies, not method bodies (nor the anonymous classes in them).
            within: Some(&[
                "program",
                "class_declaration",
                "class_body",
                "interface_declaration",
                "interface_body",
                "enum_declaration",
                "enum_body",
                "enum_body_declarations",
                "record_declaration",
                "annotation_type_declaration",
                "annotation_type_body",
            ]),
            ..base
        },
        // Functions are defined anywhere. A named function expression, a function assigned to
        // a property or held in an object literal is not indexed; nor are signatures.
        Language::JavaScript => Spec {
            ours: &[JAVASCRIPT],
            tags: &[tree_sitter_javascript::TAGS_QUERY],
            leave_out: &[
                "function_expression",
                "generator_function",
                "assignment_expression",
                "pair",
            ],
            ..base
        },
        Language::TypeScript | Language::Tsx => Spec {
            ours: &[JAVASCRIPT, include_str!("queries/typescript.scm")],
            tags: &[
                tree_sitter_javascript::TAGS_QUERY,
                tree_sitter_typescript::TAGS_QUERY,
            ],
            leave_out: &[
                "function_expression",
                "generator_function",
                "assignment_expression",
                "pair",
                "function_signature",
                "method_signature",
            ],
            ..base
        },
        Language::Go => Spec {
            ours: &[include_str!("queries/go.scm")],
            tags: &[tree_sitter_go::TAGS_QUERY],
            within: Some(&["source_file", "type_declaration"]),
            ..base
        },
        // Items live in modules, impls, traits and blocks (an item in a block nested in an
        // expression is not indexed).
        Language::Rust => Spec {
            ours: &[include_str!("queries/rust.scm")],
            tags: &[tree_sitter_rust::TAGS_QUERY],
            within: Some(&[
                "source_file",
                "declaration_list",
                "mod_item",
                "impl_item",
                "trait_item",
                "function_item",
                "block",
            ]),
            unwrap: &[
                ("generic_type", "type"),
                ("scoped_type_identifier", "name"),
                ("reference_type", "type"),
                ("pointer_type", "type"),
            ],
            ..base
        },
        // Methods in classes and modules, in `class << self`, and in the blocks of calls at
        // class level (a Rails concern's `included do ... end`); not in method bodies.
        Language::Ruby => Spec {
            ours: &[include_str!("queries/ruby.scm")],
            tags: &[tree_sitter_ruby::TAGS_QUERY],
            leave_out: &["alias", "singleton_class"],
            within: Some(&[
                "program",
                "class",
                "module",
                "singleton_class",
                "body_statement",
                "begin",
                "if",
                "unless",
                "then",
                "else",
                "call",
                "do_block",
                "block",
                "block_body",
            ]),
            modules_hold_methods: true,
            ..base
        },
        // Types in namespaces and types; local functions in a member's body.
        Language::CSharp => Spec {
            ours: &[include_str!("queries/csharp.scm")],
            tags: &[tree_sitter_c_sharp::TAGS_QUERY],
            within: Some(&[
                "compilation_unit",
                "namespace_declaration",
                "declaration_list",
                "class_declaration",
                "struct_declaration",
                "interface_declaration",
                "record_declaration",
                "method_declaration",
                "constructor_declaration",
                "local_function_statement",
                "block",
            ]),
            ..base
        },
        // Types in types (objects and companions too); local functions in a function's body.
        Language::Kotlin => Spec {
            ours: &[include_str!("queries/kotlin.scm")],
            within: Some(&[
                "source_file",
                "class_declaration",
                "object_declaration",
                "companion_object",
                "class_body",
                "enum_class_body",
                "function_declaration",
                "function_body",
                "block",
            ]),
            ..base
        },
        Language::Scala => Spec {
            ours: &[include_str!("queries/scala.scm")],
            within: Some(&[
                "compilation_unit",
                "package_clause",
                "package_object",
                "class_definition",
                "object_definition",
                "trait_definition",
                "enum_definition",
                "enum_body",
                "template_body",
                "function_definition",
                "block",
            ]),
            ..base
        },
    }
}

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
    /// By node kind id.
    left_out: Vec<bool>,
    within: Option<Vec<bool>>,
    /// The node kinds the patterns taken start at, by kind id; none: any (a wildcard).
    roots: Option<Vec<bool>>,
    modules_hold_methods: bool,
    unwrap: &'static [(&'static str, &'static str)],
}

/// A definition found by a query, before it is placed among its enclosing ones.
pub(super) struct Found<'t> {
    pub node: Node<'t>,
    pub name: String,
    /// A container named by the pattern (a Go method's receiver type).
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

/// The node kinds a pattern (its source text) starts at: those in no other node's parentheses.
/// A pattern is `(kind ...)`, a group of siblings and predicates `((comment)* . (kind ...)
/// (#eq? ...))`, or an alternation `[(a ...) (b ...)]`; `_` for a wildcard.
fn pattern_roots(text: &str) -> Vec<&str> {
    let mut roots = Vec::new();
    // For each open parenthesis or bracket: whether it is a node's or a predicate's.
    let mut open: Vec<bool> = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '(' => {
                let inner = rest.trim_start();
                let kind_len = inner
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
                    .unwrap_or(inner.len());
                let kind = &inner[..kind_len];
                if !kind.is_empty() && !kind.starts_with('#') && !open.contains(&true) {
                    roots.push(kind);
                }
                open.push(!kind.is_empty());
            }
            '[' => open.push(false),
            ')' | ']' => {
                open.pop();
            }
            _ => rest = after_literal(c, rest),
        }
    }
    roots
}

/// The patterns of a query's text that define something (`@definition.`): a crate's reference
/// patterns are not compiled at all (compiling TypeScript's whole query takes about 40 ms).
fn definitions_only(text: &str) -> String {
    let mut kept = String::new();
    let mut keep = |form: &str| {
        if form.contains("@definition.") {
            kept.push_str(form);
            kept.push('\n');
        }
    };
    let (mut depth, mut start) = (0usize, 0);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let at = text.len() - rest.len();
        rest = &rest[c.len_utf8()..];
        match c {
            '(' | '[' => {
                if depth == 0 {
                    keep(&text[start..at]);
                    start = at;
                }
                depth += 1;
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => rest = after_literal(c, rest),
        }
    }
    keep(&text[start..]);
    kept
}

/// `rest` after the comment (`;` to the end of the line) or string (`"..."`) that `c` opens.
fn after_literal(c: char, rest: &str) -> &str {
    match c {
        ';' => rest.split_once('\n').map_or("", |(_, after)| after),
        '"' => {
            let end = rest
                .char_indices()
                .scan(false, |escaped, (i, c)| {
                    let quote = c == '"' && !*escaped;
                    *escaped = c == '\\' && !*escaped;
                    Some((i, quote))
                })
                .find(|(_, quote)| *quote)
                .map_or(rest.len(), |(i, _)| i + 1);
            &rest[end..]
        }
        _ => rest,
    }
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
        let mut found: Vec<(usize, Found<'t>)> = Vec::new();
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
        found.sort_by_key(|(pattern, f)| {
            (
                f.node.start_byte(),
                std::cmp::Reverse(f.node.end_byte()),
                f.node.id(),
                *pattern,
            )
        });
        found.dedup_by_key(|(_, f)| f.node.id());
        found.into_iter().map(|(_, f)| f).collect()
    }

    /// The definitions the query's patterns match under `root`, with their pattern's index.
    fn matches<'t>(
        &self,
        cursor: &mut QueryCursor,
        root: Node<'t>,
        source: &[u8],
        found: &mut Vec<(usize, Found<'t>)>,
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
            if is(&self.left_out, node) {
                continue;
            }
            let name = match capture(self.name) {
                Some(name) => match self.unwrapped(name) {
                    Some(name) => text(name, source),
                    None => continue,
                },
                None => match &pattern.name {
                    Some(name) => name.to_string(),
                    None => continue,
                },
            };
            let found_here = Found {
                node,
                name,
                container: capture(self.container).map(|n| text(n, source)),
                kind: pattern.kind,
                to_end: pattern.to_end,
                member: pattern.member,
            };
            found.push((m.pattern_index, found_here));
        }
    }

    /// `node` read through the wrappers of [`Spec::unwrap`]; none when a wrapper lacks its field.
    fn unwrapped<'t>(&self, mut node: Node<'t>) -> Option<Node<'t>> {
        while let Some((_, field)) = self.unwrap.iter().find(|(kind, _)| *kind == node.kind()) {
            node = node.child_by_field_name(field)?;
        }
        Some(node)
    }

    /// Whether `node` is read under `from` (an enclosing definition, or the root): every node
    /// from `from` down to `node`'s parent is of a kind definitions are read under.
    pub fn within(&self, from: Node<'_>, node: Node<'_>) -> bool {
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
    fn a_pattern_starts_at_the_nodes_in_no_other_node() {
        let method = "((comment)* @doc\n  .\n  (method_definition name: (_) @name) @definition.method\n  (#not-eq? @name \"constructor\")\n  (#strip! @doc \"^[\\\\s\\\\*/]+|^[\\\\s\\\\*/]$\"))";
        assert_eq!(pattern_roots(method), ["comment", "method_definition"]);
        let alternation = "[\n  (class name: (_) @name) ; a class (expression)\n  (class_declaration name: (_) @name)\n] @definition.class";
        assert_eq!(pattern_roots(alternation), ["class", "class_declaration"]);
        let nested = "(declaration_list\n    (function_item\n        name: (identifier) @name) @definition.method)";
        assert_eq!(pattern_roots(nested), ["declaration_list"]);
        let set = "((companion_object) @definition.class\n  (#set! name \"Companion\"))";
        assert_eq!(pattern_roots(set), ["companion_object"]);
        assert_eq!(
            pattern_roots("(_ name: (identifier) @name) @definition.class"),
            ["_"]
        );
    }

    #[test]
    fn only_the_patterns_that_define_something_are_compiled() {
        let query = "; calls (not definitions)\n(call function: (identifier) @name) @reference.call\n\n((function_definition name: (identifier) @name) @definition.function\n  (#not-eq? @name \")\"))\n[(a) (b)] @name @reference.type\n";
        assert_eq!(
            definitions_only(query),
            "((function_definition name: (identifier) @name) @definition.function\n  (#not-eq? @name \")\"))\n\n"
        );
    }

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
