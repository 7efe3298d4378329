//! Each language's definitions as data: its grammar crate's tags query, our patterns before it
//! (`queries/*.scm`), and the few facts about its trees a query cannot state.

use crate::code::lang::Language;

/// A language's definitions: the queries, and the few facts about the tree a query cannot state.
pub(super) struct Spec {
    /// Our patterns, first: when two patterns take one node, the earlier one wins.
    pub ours: &'static [&'static str],
    /// The grammar crates' tags queries.
    pub tags: &'static [&'static str],
    /// Definitions of the crates' queries that luffy leaves out, by node kind.
    pub leave_out: &'static [&'static str],
    /// The node kinds definitions are read under: every node between the file's root and a
    /// definition must be one (most of a file's nodes are expressions); none: anywhere.
    pub within: Option<&'static [&'static str]>,
    /// Whether functions directly in a module are its methods (Ruby's are; Rust's are not).
    pub modules_hold_methods: bool,
    /// Name nodes read through to their inner type (`impl<T> a::Foo<T>` is `Foo`'s), by kind
    /// and field.
    pub unwrap: &'static [(&'static str, &'static str)],
}

const JAVASCRIPT: &str = include_str!("queries/javascript.scm");

pub(super) fn spec(language: Language) -> Spec {
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
