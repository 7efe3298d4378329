//! Symbols of one source file: functions, methods, classes, structs, impls, interfaces... with
//! their container and lines, read from its tree-sitter syntax tree. Pure: bytes in, symbols out.

use serde::Serialize;
use tree_sitter::{Node, Parser};

use super::lang::Language;

/// What a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolKind {
    Function,
    Method,
    Constructor,
    Class,
    Interface,
    Struct,
    Enum,
    Trait,
    Impl,
    Type,
    Module,
}

impl SymbolKind {
    pub const ALL: &'static [SymbolKind] = &[
        SymbolKind::Function,
        SymbolKind::Method,
        SymbolKind::Constructor,
        SymbolKind::Class,
        SymbolKind::Interface,
        SymbolKind::Struct,
        SymbolKind::Enum,
        SymbolKind::Trait,
        SymbolKind::Impl,
        SymbolKind::Type,
        SymbolKind::Module,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Constructor => "constructor",
            SymbolKind::Class => "class",
            SymbolKind::Interface => "interface",
            SymbolKind::Struct => "struct",
            SymbolKind::Enum => "enum",
            SymbolKind::Trait => "trait",
            SymbolKind::Impl => "impl",
            SymbolKind::Type => "type",
            SymbolKind::Module => "module",
        }
    }

    /// The kind named `text`, as [`SymbolKind::as_str`] writes it.
    pub fn parse(text: &str) -> Option<SymbolKind> {
        SymbolKind::ALL.iter().copied().find(|k| k.as_str() == text)
    }
}

/// One symbol: lines are 1-based and inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The enclosing classes, impls, modules and functions, outermost first, joined by `.`.
    pub container: Option<String>,
    pub start_line: u32,
    pub end_line: u32,
}

/// Reads symbols; keeps one tree-sitter parser across files (one per thread).
pub struct Extractor {
    parser: Parser,
    language: Option<Language>,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor {
            parser: Parser::new(),
            language: None,
        }
    }
}

/// A definition found at a node.
struct Definition {
    name: String,
    kind: SymbolKind,
    /// Whether symbols inside it have it as their container.
    scope: bool,
    /// Whether functions directly inside it are methods.
    class_like: bool,
    /// A container other than the enclosing scopes (a Go method's receiver type).
    container: Option<String>,
    /// Whether it holds the rest of its parent rather than its own children (a C# file-scoped
    /// `namespace Acme.Api;` holds the declarations after it).
    to_end: bool,
}

/// An enclosing definition while walking the tree.
struct Scope {
    depth: usize,
    name: String,
    class_like: bool,
}

impl Extractor {
    /// The symbols of `source`, a file of `language`, in the order they start.
    pub fn symbols(&mut self, language: Language, source: &[u8]) -> anyhow::Result<Vec<Symbol>> {
        if self.language != Some(language) {
            self.parser
                .set_language(&language.grammar())
                .map_err(|err| anyhow::anyhow!("tree-sitter grammar of {language}: {err}"))?;
            self.language = Some(language);
        }
        let tree = self
            .parser
            .parse(source, None)
            .ok_or_else(|| anyhow::anyhow!("tree-sitter could not parse the file"))?;
        Ok(walk(language, tree.root_node(), source))
    }
}

fn walk(language: Language, root: Node<'_>, source: &[u8]) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut cursor = root.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        let in_class = scopes.last().is_some_and(|s| s.class_like);
        if let Some(def) = define(language, node, source, in_class) {
            let container = def.container.clone().or_else(|| {
                (!scopes.is_empty()).then(|| {
                    scopes
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                })
            });
            let extent = if def.to_end {
                node.parent().unwrap_or(node)
            } else {
                node
            };
            let (start, end) = (node.start_position(), extent.end_position());
            let end_row = if end.column == 0 && end.row > start.row {
                end.row
            } else {
                end.row + 1
            };
            symbols.push(Symbol {
                name: def.name.clone(),
                kind: def.kind,
                container,
                start_line: start.row as u32 + 1,
                end_line: end_row as u32,
            });
            if def.scope {
                scopes.push(Scope {
                    // A scope closes when the walk leaves the node at its depth: one that
                    // holds the rest of its parent closes with the parent.
                    depth: if def.to_end {
                        depth.saturating_sub(1)
                    } else {
                        depth
                    },
                    name: def.name,
                    class_like: def.class_like,
                });
            }
        }
        if descends(language, node.kind()) && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            // Leaving the node at `depth`: the scopes it opened close.
            while scopes.last().is_some_and(|s| s.depth >= depth) {
                scopes.pop();
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if depth == 0 || !cursor.goto_parent() {
                return symbols;
            }
            depth -= 1;
        }
    }
}

/// Whether definitions can be under a node of this kind: the walk skips the rest (most of a
/// file's nodes are expressions and tokens). Python defines only in statement blocks, Go only
/// at the top level, Java in type bodies; Rust items live in modules, impls, traits and blocks
/// (an item in a block nested in an expression is not indexed). JavaScript and TypeScript
/// define functions anywhere: every node is walked.
fn descends(language: Language, kind: &str) -> bool {
    match language {
        Language::Python => matches!(
            kind,
            "module"
                | "block"
                | "class_definition"
                | "function_definition"
                | "decorated_definition"
                | "if_statement"
                | "elif_clause"
                | "else_clause"
                | "for_statement"
                | "while_statement"
                | "try_statement"
                | "except_clause"
                | "except_group_clause"
                | "finally_clause"
                | "with_statement"
                | "match_statement"
                | "case_clause"
        ),
        Language::Go => matches!(kind, "source_file" | "type_declaration"),
        Language::Java => matches!(
            kind,
            "program"
                | "class_declaration"
                | "class_body"
                | "interface_declaration"
                | "interface_body"
                | "enum_declaration"
                | "enum_body"
                | "enum_body_declarations"
                | "record_declaration"
                | "annotation_type_declaration"
                | "annotation_type_body"
        ),
        Language::Rust => matches!(
            kind,
            "source_file"
                | "declaration_list"
                | "mod_item"
                | "impl_item"
                | "trait_item"
                | "function_item"
                | "block"
        ),
        // Methods in classes and modules, in `class << self`, and in the blocks of calls at
        // class level (a Rails concern's `included do ... end`); not in method bodies.
        Language::Ruby => matches!(
            kind,
            "program"
                | "class"
                | "module"
                | "singleton_class"
                | "body_statement"
                | "begin"
                | "if"
                | "unless"
                | "then"
                | "else"
                | "call"
                | "do_block"
                | "block"
                | "block_body"
        ),
        // Types in namespaces and types; local functions in a member's body.
        Language::CSharp => matches!(
            kind,
            "compilation_unit"
                | "namespace_declaration"
                | "declaration_list"
                | "class_declaration"
                | "struct_declaration"
                | "interface_declaration"
                | "record_declaration"
                | "record_struct_declaration"
                | "method_declaration"
                | "constructor_declaration"
                | "local_function_statement"
                | "block"
        ),
        // Types in types (objects and companions too); local functions in a function's body.
        Language::Kotlin => matches!(
            kind,
            "source_file"
                | "class_declaration"
                | "object_declaration"
                | "companion_object"
                | "class_body"
                | "enum_class_body"
                | "function_declaration"
                | "function_body"
                | "block"
        ),
        Language::Scala => matches!(
            kind,
            "compilation_unit"
                | "package_clause"
                | "package_object"
                | "class_definition"
                | "object_definition"
                | "trait_definition"
                | "enum_definition"
                | "enum_body"
                | "template_body"
                | "function_definition"
                | "block"
        ),
        Language::JavaScript | Language::TypeScript | Language::Tsx => true,
    }
}

fn text(node: Node<'_>, source: &[u8]) -> String {
    String::from_utf8_lossy(&source[node.byte_range()]).into_owned()
}

fn field_text(node: Node<'_>, field: &str, source: &[u8]) -> Option<String> {
    node.child_by_field_name(field).map(|n| text(n, source))
}

/// A definition of `kind` named by the node's `name` field.
fn named(
    node: Node<'_>,
    source: &[u8],
    kind: SymbolKind,
    scope: bool,
    class_like: bool,
) -> Option<Definition> {
    Some(Definition {
        name: field_text(node, "name", source)?,
        kind,
        scope,
        class_like,
        container: None,
        to_end: false,
    })
}

fn function_kind(in_class: bool) -> SymbolKind {
    if in_class {
        SymbolKind::Method
    } else {
        SymbolKind::Function
    }
}

fn define(language: Language, node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    if !node.is_named() {
        return None;
    }
    match language {
        Language::Python => python(node, source, in_class),
        Language::Java => java(node, source),
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            javascript(node, source, in_class)
        }
        Language::Go => go(node, source),
        Language::Rust => rust(node, source, in_class),
        Language::Ruby => ruby(node, source, in_class),
        Language::CSharp => csharp(node, source),
        Language::Kotlin => kotlin(node, source, in_class),
        Language::Scala => scala(node, source, in_class),
    }
}

/// Whether `node` has a child of `kind` (a keyword, say).
fn has_child(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| c.kind() == kind);
    found
}

fn kotlin(node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    match node.kind() {
        // `class`, `interface` and `enum class` are one node kind, told apart by a keyword.
        "class_declaration" => {
            let kind = if has_child(node, "interface") {
                SymbolKind::Interface
            } else if has_child(node, "enum_class_body") {
                SymbolKind::Enum
            } else {
                SymbolKind::Class
            };
            named(node, source, kind, true, true)
        }
        "object_declaration" => named(node, source, SymbolKind::Class, true, true),
        // A companion object is named `Companion` unless it says otherwise (as the JVM does).
        "companion_object" => Some(Definition {
            name: field_text(node, "name", source).unwrap_or_else(|| "Companion".into()),
            kind: SymbolKind::Class,
            scope: true,
            class_like: true,
            container: None,
            to_end: false,
        }),
        "function_declaration" => named(node, source, function_kind(in_class), true, false),
        "secondary_constructor" => Some(Definition {
            name: "constructor".into(),
            kind: SymbolKind::Constructor,
            scope: true,
            class_like: false,
            container: None,
            to_end: false,
        }),
        _ => None,
    }
}

fn scala(node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    match node.kind() {
        "class_definition" | "object_definition" => {
            named(node, source, SymbolKind::Class, true, true)
        }
        "trait_definition" => named(node, source, SymbolKind::Trait, true, true),
        "enum_definition" => named(node, source, SymbolKind::Enum, true, true),
        "function_definition" => named(node, source, function_kind(in_class), true, false),
        // An abstract method: no body.
        "function_declaration" if in_class => named(node, source, SymbolKind::Method, false, false),
        _ => None,
    }
}

fn ruby(node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    match node.kind() {
        "class" => named(node, source, SymbolKind::Class, true, true),
        "module" => named(node, source, SymbolKind::Module, true, true),
        "method" => named(node, source, function_kind(in_class), true, false),
        // `def self.build`: a method of the class, wherever it is written.
        "singleton_method" => named(node, source, SymbolKind::Method, true, false),
        _ => None,
    }
}

fn csharp(node: Node<'_>, source: &[u8]) -> Option<Definition> {
    let kind = match node.kind() {
        "namespace_declaration" => {
            return named(node, source, SymbolKind::Module, true, false);
        }
        "file_scoped_namespace_declaration" => {
            return Some(Definition {
                to_end: true,
                ..named(node, source, SymbolKind::Module, true, false)?
            });
        }
        "class_declaration" | "record_declaration" => SymbolKind::Class,
        "struct_declaration" | "record_struct_declaration" => SymbolKind::Struct,
        "interface_declaration" => SymbolKind::Interface,
        "enum_declaration" => return named(node, source, SymbolKind::Enum, false, false),
        "method_declaration" => return named(node, source, SymbolKind::Method, true, false),
        "constructor_declaration" => {
            return named(node, source, SymbolKind::Constructor, true, false);
        }
        "local_function_statement" => {
            return named(node, source, SymbolKind::Function, true, false);
        }
        _ => return None,
    };
    named(node, source, kind, true, true)
}

fn python(node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    match node.kind() {
        "class_definition" => named(node, source, SymbolKind::Class, true, true),
        "function_definition" => named(node, source, function_kind(in_class), true, false),
        _ => None,
    }
}

fn java(node: Node<'_>, source: &[u8]) -> Option<Definition> {
    let kind = match node.kind() {
        "class_declaration" | "record_declaration" => SymbolKind::Class,
        "interface_declaration" | "annotation_type_declaration" => SymbolKind::Interface,
        "enum_declaration" => SymbolKind::Enum,
        "method_declaration" => return named(node, source, SymbolKind::Method, true, false),
        "constructor_declaration" | "compact_constructor_declaration" => {
            return named(node, source, SymbolKind::Constructor, true, false)
        }
        _ => return None,
    };
    named(node, source, kind, true, true)
}

fn is_function_value(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

fn javascript(node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    match node.kind() {
        "class_declaration" | "abstract_class_declaration" | "class" => {
            named(node, source, SymbolKind::Class, true, true)
        }
        "interface_declaration" => named(node, source, SymbolKind::Interface, true, true),
        "enum_declaration" => named(node, source, SymbolKind::Enum, false, false),
        "type_alias_declaration" => named(node, source, SymbolKind::Type, false, false),
        "internal_module" | "module" => named(node, source, SymbolKind::Module, true, false),
        "method_definition" => {
            let name = field_text(node, "name", source)?;
            let kind = if name == "constructor" {
                SymbolKind::Constructor
            } else {
                SymbolKind::Method
            };
            Some(Definition {
                name,
                kind,
                scope: true,
                class_like: false,
                container: None,
                to_end: false,
            })
        }
        "abstract_method_signature" => named(node, source, SymbolKind::Method, false, false),
        "function_declaration" | "generator_function_declaration" => {
            named(node, source, function_kind(in_class), true, false)
        }
        "variable_declarator" | "public_field_definition" => {
            let value = node.child_by_field_name("value")?;
            if !is_function_value(value) {
                return None;
            }
            let kind = if node.kind() == "public_field_definition" {
                SymbolKind::Method
            } else {
                function_kind(in_class)
            };
            let name = node
                .child_by_field_name("name")
                .or_else(|| node.child_by_field_name("property"))?;
            Some(Definition {
                name: text(name, source),
                kind,
                scope: true,
                class_like: false,
                container: None,
                to_end: false,
            })
        }
        _ => None,
    }
}

/// The first `type_identifier` at or under `node` (a Go receiver's type, without `*` and
/// type parameters).
fn type_name(node: Node<'_>, source: &[u8]) -> Option<String> {
    if node.kind() == "type_identifier" {
        return Some(text(node, source));
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
    children
        .into_iter()
        .find_map(|child| type_name(child, source))
}

fn go(node: Node<'_>, source: &[u8]) -> Option<Definition> {
    match node.kind() {
        "function_declaration" => named(node, source, SymbolKind::Function, true, false),
        "method_declaration" => {
            let receiver = node
                .child_by_field_name("receiver")
                .and_then(|r| type_name(r, source));
            Some(Definition {
                container: receiver,
                ..named(node, source, SymbolKind::Method, false, false)?
            })
        }
        "type_spec" | "type_alias" => {
            let kind = match node.child_by_field_name("type").map(|t| t.kind()) {
                Some("struct_type") => SymbolKind::Struct,
                Some("interface_type") => SymbolKind::Interface,
                _ => SymbolKind::Type,
            };
            named(node, source, kind, false, false)
        }
        _ => None,
    }
}

/// The name of an `impl`'s type: `Foo` for `impl<T> Trait for Foo<T>` or `impl a::Foo`.
fn impl_type(node: Node<'_>, source: &[u8]) -> Option<String> {
    let mut ty = node.child_by_field_name("type")?;
    loop {
        match ty.kind() {
            "generic_type" => ty = ty.child_by_field_name("type")?,
            "scoped_type_identifier" => ty = ty.child_by_field_name("name")?,
            "reference_type" | "pointer_type" => ty = ty.child_by_field_name("type")?,
            _ => return Some(text(ty, source)),
        }
    }
}

fn rust(node: Node<'_>, source: &[u8], in_class: bool) -> Option<Definition> {
    match node.kind() {
        "function_item" => named(node, source, function_kind(in_class), true, false),
        "function_signature_item" if in_class => {
            named(node, source, SymbolKind::Method, false, false)
        }
        "struct_item" | "union_item" => named(node, source, SymbolKind::Struct, false, false),
        "enum_item" => named(node, source, SymbolKind::Enum, false, false),
        "type_item" => named(node, source, SymbolKind::Type, false, false),
        "trait_item" => named(node, source, SymbolKind::Trait, true, true),
        "mod_item" => named(node, source, SymbolKind::Module, true, false),
        "impl_item" => Some(Definition {
            name: impl_type(node, source)?,
            kind: SymbolKind::Impl,
            scope: true,
            class_like: true,
            container: None,
            to_end: false,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(name, kind, container, start, end)` of each symbol.
    fn read(language: Language, source: &str) -> Vec<(String, &'static str, String, u32, u32)> {
        Extractor::default()
            .symbols(language, source.as_bytes())
            .unwrap()
            .into_iter()
            .map(|s| {
                (
                    s.name,
                    s.kind.as_str(),
                    s.container.unwrap_or_default(),
                    s.start_line,
                    s.end_line,
                )
            })
            .collect()
    }

    fn sym(
        name: &str,
        kind: &'static str,
        container: &str,
        start: u32,
        end: u32,
    ) -> (String, &'static str, String, u32, u32) {
        (name.into(), kind, container.into(), start, end)
    }

    #[test]
    fn python_classes_methods_and_nested_functions() {
        let source = "import os\n\nclass Repo:\n    def fetch(self, id):\n        def inner():\n            return 1\n        return inner()\n\n@cache\ndef load(x):\n    return x\n";
        assert_eq!(
            read(Language::Python, source),
            [
                sym("Repo", "class", "", 3, 7),
                sym("fetch", "method", "Repo", 4, 7),
                sym("inner", "function", "Repo.fetch", 5, 6),
                sym("load", "function", "", 10, 11),
            ]
        );
    }

    #[test]
    fn java_classes_constructors_methods_and_inner_classes() {
        let source = "package com.acme;\n\npublic class UserService {\n  public UserService() {}\n  public User getUser(long id) {\n    return null;\n  }\n  interface Cache {\n    void put();\n  }\n  enum Mode { A, B }\n}\n";
        assert_eq!(
            read(Language::Java, source),
            [
                sym("UserService", "class", "", 3, 12),
                sym("UserService", "constructor", "UserService", 4, 4),
                sym("getUser", "method", "UserService", 5, 7),
                sym("Cache", "interface", "UserService", 8, 10),
                sym("put", "method", "UserService.Cache", 9, 9),
                sym("Mode", "enum", "UserService", 11, 11),
            ]
        );
    }

    #[test]
    fn javascript_and_typescript_functions_classes_and_arrows() {
        let source = "function a() {}\nconst b = () => {\n  return 1;\n};\nclass C {\n  constructor() {}\n  m() {}\n}\n";
        assert_eq!(
            read(Language::JavaScript, source),
            [
                sym("a", "function", "", 1, 1),
                sym("b", "function", "", 2, 4),
                sym("C", "class", "", 5, 8),
                sym("constructor", "constructor", "C", 6, 6),
                sym("m", "method", "C", 7, 7),
            ]
        );
        let source = "interface Shape {\n  area(): number;\n}\nexport class Sq implements Shape {\n  area(): number { return 1; }\n  handler = (e: Event) => {};\n}\ntype Id = string;\n";
        assert_eq!(
            read(Language::TypeScript, source),
            [
                sym("Shape", "interface", "", 1, 3),
                sym("Sq", "class", "", 4, 7),
                sym("area", "method", "Sq", 5, 5),
                sym("handler", "method", "Sq", 6, 6),
                sym("Id", "type", "", 8, 8),
            ]
        );
        let tsx = "export function App() {\n  return <div>hi</div>;\n}\n";
        assert_eq!(read(Language::Tsx, tsx), [sym("App", "function", "", 1, 3)]);
    }

    #[test]
    fn go_functions_methods_with_receivers_and_types() {
        let source = "package main\n\ntype Server struct {\n\tport int\n}\n\ntype Store interface {\n\tGet() int\n}\n\nfunc (s *Server) Run() error {\n\treturn nil\n}\n\nfunc main() {\n}\n";
        assert_eq!(
            read(Language::Go, source),
            [
                sym("Server", "struct", "", 3, 5),
                sym("Store", "interface", "", 7, 9),
                sym("Run", "method", "Server", 11, 13),
                sym("main", "function", "", 15, 16),
            ]
        );
    }

    #[test]
    fn rust_items_impls_traits_and_modules() {
        let source = "struct Db;\n\nimpl<T> From<T> for Db {\n    fn from(_: T) -> Self {\n        Db\n    }\n}\n\ntrait Load {\n    fn load(&self);\n}\n\nmod util {\n    pub fn helper() {}\n}\n";
        assert_eq!(
            read(Language::Rust, source),
            [
                sym("Db", "struct", "", 1, 1),
                sym("Db", "impl", "", 3, 7),
                sym("from", "method", "Db", 4, 6),
                sym("Load", "trait", "", 9, 11),
                sym("load", "method", "Load", 10, 10),
                sym("util", "module", "", 13, 15),
                sym("helper", "function", "util", 14, 14),
            ]
        );
    }

    #[test]
    fn ruby_classes_modules_and_methods() {
        let source = "module Shop\n  class Cart < Base\n    def total\n      items.sum { |i| i.price }\n    end\n\n    def self.build(x)\n      new(x)\n    end\n\n    class << self\n      def from_json(s)\n        nil\n      end\n    end\n  end\nend\n\nclass Shop::Order\n  def place; end\nend\n\ndef helper\n  1\nend\n";
        assert_eq!(
            read(Language::Ruby, source),
            [
                sym("Shop", "module", "", 1, 17),
                sym("Cart", "class", "Shop", 2, 16),
                sym("total", "method", "Shop.Cart", 3, 5),
                sym("build", "method", "Shop.Cart", 7, 9),
                sym("from_json", "method", "Shop.Cart", 12, 14),
                sym("Shop::Order", "class", "", 19, 21),
                sym("place", "method", "Shop::Order", 20, 20),
                sym("helper", "function", "", 23, 25),
            ]
        );
        let concern =
            "module Auditable\n  included do\n    def audit!\n      log\n    end\n  end\nend\n";
        assert_eq!(
            read(Language::Ruby, concern),
            [
                sym("Auditable", "module", "", 1, 7),
                sym("audit!", "method", "Auditable", 3, 5),
            ]
        );
    }

    #[test]
    fn csharp_namespaces_types_members_and_local_functions() {
        let source = "using System;\n\nnamespace Acme.Api\n{\n    public class UserService : IService\n    {\n        public UserService() { }\n        public User GetUser(long id)\n        {\n            int Local(int x) => x + 1;\n            return null;\n        }\n        interface ICache { void Put(); }\n        enum Mode { A, B }\n        struct Pt { public int X; }\n        record Rec(int A);\n    }\n}\n";
        assert_eq!(
            read(Language::CSharp, source),
            [
                sym("Acme.Api", "module", "", 3, 18),
                sym("UserService", "class", "Acme.Api", 5, 17),
                sym("UserService", "constructor", "Acme.Api.UserService", 7, 7),
                sym("GetUser", "method", "Acme.Api.UserService", 8, 12),
                sym("Local", "function", "Acme.Api.UserService.GetUser", 10, 10),
                sym("ICache", "interface", "Acme.Api.UserService", 13, 13),
                sym("Put", "method", "Acme.Api.UserService.ICache", 13, 13),
                sym("Mode", "enum", "Acme.Api.UserService", 14, 14),
                sym("Pt", "struct", "Acme.Api.UserService", 15, 15),
                sym("Rec", "class", "Acme.Api.UserService", 16, 16),
            ]
        );
        // A file-scoped namespace holds the declarations after it, to the end of the file.
        let file_scoped =
            "namespace Acme.Jobs;\n\npublic class Runner\n{\n    public void Run() { }\n}\n";
        assert_eq!(
            read(Language::CSharp, file_scoped),
            [
                sym("Acme.Jobs", "module", "", 1, 6),
                sym("Runner", "class", "Acme.Jobs", 3, 6),
                sym("Run", "method", "Acme.Jobs.Runner", 5, 5),
            ]
        );
    }

    #[test]
    fn kotlin_classes_objects_companions_and_functions() {
        let source = "package com.acme.api\n\nclass UserService(private val repo: Repo) : Service {\n    constructor(x: Int) : this(Repo())\n\n    fun getUser(id: Long): User {\n        fun local() = 1\n        return repo.find(id)\n    }\n\n    companion object {\n        fun create(): UserService = UserService(Repo())\n    }\n}\n\ninterface Repo {\n    fun find(id: Long): User\n}\n\nobject Registry {\n    fun all(): List<Int> = emptyList()\n}\n\nenum class Mode {\n    A, B;\n    fun label() = name\n}\n\nfun main() {\n}\n";
        assert_eq!(
            read(Language::Kotlin, source),
            [
                sym("UserService", "class", "", 3, 14),
                sym("constructor", "constructor", "UserService", 4, 4),
                sym("getUser", "method", "UserService", 6, 9),
                sym("local", "function", "UserService.getUser", 7, 7),
                sym("Companion", "class", "UserService", 11, 13),
                sym("create", "method", "UserService.Companion", 12, 12),
                sym("Repo", "interface", "", 16, 18),
                sym("find", "method", "Repo", 17, 17),
                sym("Registry", "class", "", 20, 22),
                sym("all", "method", "Registry", 21, 21),
                sym("Mode", "enum", "", 24, 27),
                sym("label", "method", "Mode", 26, 26),
                sym("main", "function", "", 29, 30),
            ]
        );
    }

    #[test]
    fn scala_classes_objects_traits_and_defs() {
        let source = "package com.acme.api\n\nclass UserService(repo: Repo) extends Service {\n  def getUser(id: Long): User = {\n    def local(): Int = 1\n    repo.find(id)\n  }\n}\n\nobject UserService {\n  def apply(): UserService = new UserService(new Repo)\n}\n\ntrait Repo { def find(id: Long): User }\ncase class User(id: Long)\n";
        assert_eq!(
            read(Language::Scala, source),
            [
                sym("UserService", "class", "", 3, 8),
                sym("getUser", "method", "UserService", 4, 7),
                sym("local", "function", "UserService.getUser", 5, 5),
                sym("UserService", "class", "", 10, 12),
                sym("apply", "method", "UserService", 11, 11),
                sym("Repo", "trait", "", 14, 14),
                sym("find", "method", "Repo", 14, 14),
                sym("User", "class", "", 15, 15),
            ]
        );
    }

    #[test]
    fn a_file_that_does_not_parse_cleanly_still_gives_what_it_can() {
        let source = "def ok():\n    pass\n\ndef broken(:\n";
        let names: Vec<String> = read(Language::Python, source)
            .into_iter()
            .map(|s| s.0)
            .collect();
        assert!(names.contains(&"ok".to_string()), "{names:?}");
    }
}
