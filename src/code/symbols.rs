//! Symbols of one source file: functions, methods, classes, structs, impls, interfaces... with
//! their container and lines. The definitions come from the grammars' tags queries (`tags.rs`);
//! here they are placed in the ones enclosing them. Pure: bytes in, symbols out.

use serde::Serialize;
use tree_sitter::{Node, Parser, QueryCursor};

use super::lang::Language;
use super::tags::{self, Found, Kind, Tags};

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

/// Reads symbols; keeps one tree-sitter parser and query cursor across files (one per thread).
pub struct Extractor {
    parser: Parser,
    language: Option<Language>,
    cursor: QueryCursor,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor {
            parser: Parser::new(),
            language: None,
            cursor: QueryCursor::new(),
        }
    }
}

/// An enclosing definition, while placing the ones after it.
struct Scope<'t> {
    /// Its node, or the parent it holds the rest of.
    holder: Node<'t>,
    name: String,
    class_like: bool,
}

impl Extractor {
    /// The symbols of `source`, a file of `language`, in the order they start.
    pub fn symbols(&mut self, language: Language, source: &[u8]) -> anyhow::Result<Vec<Symbol>> {
        let tags = tags::of(language)?;
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
        let root = tree.root_node();
        let found = tags.find(&mut self.cursor, root, source);
        Ok(place(tags, root, found))
    }
}

/// The symbols of the definitions found, each in the definitions enclosing it: its container,
/// and whether it is a method.
fn place(tags: &Tags, root: Node<'_>, found: Vec<Found<'_>>) -> Vec<Symbol> {
    let mut symbols = Vec::with_capacity(found.len());
    let mut scopes: Vec<Scope<'_>> = Vec::new();
    for def in found {
        while scopes
            .last()
            .is_some_and(|s| def.node.start_byte() >= s.holder.end_byte())
        {
            scopes.pop();
        }
        if !tags.within(scopes.last().map_or(root, |s| s.holder), def.node) {
            continue;
        }
        let in_class = scopes.last().is_some_and(|s| s.class_like);
        if def.member && !in_class {
            continue;
        }
        let kind = match def.kind {
            Kind::Is(kind) => kind,
            Kind::Function if in_class => SymbolKind::Method,
            Kind::Function => SymbolKind::Function,
        };
        let container = def.container.or_else(|| {
            (!scopes.is_empty()).then(|| {
                scopes
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            })
        });
        let holder = if def.to_end {
            def.node.parent().unwrap_or(def.node)
        } else {
            def.node
        };
        let (start, end) = (def.node.start_position(), holder.end_position());
        let end_row = if end.column == 0 && end.row > start.row {
            end.row
        } else {
            end.row + 1
        };
        symbols.push(Symbol {
            name: def.name.clone(),
            kind,
            container,
            start_line: start.row as u32 + 1,
            end_line: end_row as u32,
        });
        scopes.push(Scope {
            holder,
            name: def.name,
            class_like: tags.class_like(kind),
        });
    }
    symbols
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
