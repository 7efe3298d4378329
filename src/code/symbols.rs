//! Symbols of one source file: functions, methods, classes, structs, impls, interfaces... with
//! their container and lines. The definitions come from the grammars' tags queries (`tags.rs`);
//! here they are placed in the ones enclosing them. Pure: bytes in, symbols out.

use tree_sitter::{Node, Parser, QueryCursor};

use super::kind::SymbolKind;
use super::lang::Language;
use super::tags::{self, Found, Kind, Tags};

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
    /// The symbols of `source`, a file of `language`, in the order they start. What a Rust or
    /// Python file's symbols never come from (function bodies that define nothing, values,
    /// fields, attributes, parameters...) is blanked before it is parsed ([`super::blank`]):
    /// the same symbols, for a fifth of the parsing.
    pub fn symbols(&mut self, language: Language, source: &[u8]) -> anyhow::Result<Vec<Symbol>> {
        let blanked = match language {
            Language::Rust => super::blank::rust::blank_rust(source),
            Language::Python => super::blank::python::blank_python(source),
            _ => None,
        };
        if let Some(blanked) = blanked {
            return self.symbols_as_written(language, &blanked);
        }
        self.symbols_as_written(language, source)
    }

    /// [`Extractor::symbols`] of the whole text, nothing blanked.
    pub fn symbols_as_written(
        &mut self,
        language: Language,
        source: &[u8],
    ) -> anyhow::Result<Vec<Symbol>> {
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
        let found = tags.find(&mut self.cursor, tree.root_node(), source);
        Ok(place(tags, &found, source))
    }
}

/// The symbols of the definitions found, each in the definitions enclosing it: its container,
/// and whether it is a method.
fn place(tags: &Tags, found: &[Found<'_>], source: &[u8]) -> Vec<Symbol> {
    let mut symbols = Vec::with_capacity(found.len());
    let mut scopes: Vec<Scope<'_>> = Vec::new();
    for def in found {
        while scopes
            .last()
            .is_some_and(|s| def.node.start_byte() >= s.holder.end_byte())
        {
            scopes.pop();
        }
        let read = tags.read(def, source);
        let in_class = scopes.last().is_some_and(|s| s.class_like);
        if read.member && !in_class {
            continue;
        }
        let kind = match read.kind {
            Kind::Is(kind) => kind,
            Kind::Function if in_class => SymbolKind::Method,
            Kind::Function => SymbolKind::Function,
        };
        let container = read.container.or_else(|| {
            (!scopes.is_empty()).then(|| {
                scopes
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            })
        });
        let holder = if read.to_end {
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
            name: read.name.clone(),
            kind,
            container,
            start_line: start.row as u32 + 1,
            end_line: end_row as u32,
        });
        scopes.push(Scope {
            holder,
            name: read.name,
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

    /// Checks the cases named `test` in `symbols_tests.txt`: after `=== test Language`, a source
    /// up to a line `---`, then its symbols, a line each: `name kind container start end`, with
    /// `-` for no container.
    fn check(test: &str) {
        let cases = include_str!("symbols_tests.txt").split("=== ").skip(1);
        let mut checked = 0;
        for case in cases {
            let (header, rest) = case.split_once('\n').unwrap();
            let (name, language) = header.split_once(' ').unwrap();
            if name != test {
                continue;
            }
            let language = *Language::ALL
                .iter()
                .find(|l| format!("{l:?}") == language)
                .unwrap();
            let (source, expected) = rest.split_once("---\n").unwrap();
            let expected: Vec<_> = expected
                .lines()
                .map(|line| {
                    let f: Vec<&str> = line.split(' ').collect();
                    let kind = SymbolKind::parse(f[1]).unwrap().as_str();
                    let container = if f[2] == "-" { "" } else { f[2] };
                    let lines = (f[3].parse().unwrap(), f[4].parse().unwrap());
                    (
                        f[0].to_string(),
                        kind,
                        container.to_string(),
                        lines.0,
                        lines.1,
                    )
                })
                .collect();
            assert_eq!(read(language, source), expected, "{test} ({language:?})");
            checked += 1;
        }
        assert!(checked > 0, "no case {test}");
    }

    #[test]
    fn python_classes_methods_and_nested_functions() {
        check("python_classes_methods_and_nested_functions");
    }

    #[test]
    fn java_classes_constructors_methods_and_inner_classes() {
        check("java_classes_constructors_methods_and_inner_classes");
    }

    #[test]
    fn javascript_and_typescript_functions_classes_and_arrows() {
        check("javascript_and_typescript_functions_classes_and_arrows");
    }

    #[test]
    fn go_functions_methods_with_receivers_and_types() {
        check("go_functions_methods_with_receivers_and_types");
    }

    #[test]
    fn rust_items_impls_traits_and_modules() {
        check("rust_items_impls_traits_and_modules");
    }

    #[test]
    fn ruby_classes_modules_and_methods() {
        check("ruby_classes_modules_and_methods");
    }

    #[test]
    fn csharp_namespaces_types_members_and_local_functions() {
        check("csharp_namespaces_types_members_and_local_functions");
    }

    #[test]
    fn kotlin_classes_objects_companions_and_functions() {
        check("kotlin_classes_objects_companions_and_functions");
    }

    #[test]
    fn scala_classes_objects_traits_and_defs() {
        check("scala_classes_objects_traits_and_defs");
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
