//! The languages luffy reads symbols of, told from a file's name, with their tree-sitter grammars.

use std::fmt;

/// A language with a tree-sitter grammar in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Python,
    Java,
    JavaScript,
    TypeScript,
    /// TypeScript with JSX (`.tsx`): the same language, its own grammar.
    Tsx,
    Go,
    Rust,
    Ruby,
    CSharp,
    Kotlin,
    Scala,
}

impl Language {
    /// Every language, in the order help texts list them.
    pub const ALL: &'static [Language] = &[
        Language::Python,
        Language::Java,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::Go,
        Language::Rust,
        Language::Ruby,
        Language::CSharp,
        Language::Kotlin,
        Language::Scala,
    ];

    /// The language of a file, from its extension; none for files indexed as files only.
    pub fn of_path(path: &str) -> Option<Language> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (_, ext) = name.rsplit_once('.')?;
        Some(match ext {
            "py" | "pyi" | "pyw" => Language::Python,
            "java" => Language::Java,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "go" => Language::Go,
            "rs" => Language::Rust,
            "rb" | "rake" => Language::Ruby,
            "cs" => Language::CSharp,
            "kt" | "kts" => Language::Kotlin,
            "scala" | "sc" => Language::Scala,
            _ => return None,
        })
    }

    /// The name stored in the index and printed (`.tsx` files are `typescript`).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Java => "java",
            Language::JavaScript => "javascript",
            Language::TypeScript | Language::Tsx => "typescript",
            Language::Go => "go",
            Language::Rust => "rust",
            Language::Ruby => "ruby",
            Language::CSharp => "csharp",
            Language::Kotlin => "kotlin",
            Language::Scala => "scala",
        }
    }

    /// The tree-sitter grammar.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
            Language::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Language::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
            Language::Kotlin => tree_sitter_kotlin_ng::LANGUAGE.into(),
            Language::Scala => tree_sitter_scala::LANGUAGE.into(),
        }
    }
}

/// Whether `path` is source code: a file of a [`Language`], or of a language luffy reads traces
/// of but has no grammar for (PHP), whose symbols are not read.
pub fn is_source(path: &str) -> bool {
    if Language::of_path(path).is_some() {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name.rsplit_once('.'), Some((_, "php" | "phtml")))
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_is_source_without_a_grammar() {
        assert_eq!(Language::of_path("src/Cart.php"), None);
        assert!(is_source("src/Cart.php"));
        assert!(is_source("resources/views/cart.phtml"));
        assert!(is_source("src/lib.rs"));
        assert!(!is_source("composer.lock"));
        assert!(!is_source("README.md"));
    }

    #[test]
    fn languages_by_extension() {
        assert_eq!(Language::of_path("src/app/db.py"), Some(Language::Python));
        assert_eq!(Language::of_path("a/B.java"), Some(Language::Java));
        assert_eq!(Language::of_path("web/x.tsx"), Some(Language::Tsx));
        assert_eq!(
            Language::of_path("web/x.tsx").unwrap().as_str(),
            "typescript"
        );
        assert_eq!(Language::of_path("main.go"), Some(Language::Go));
        assert_eq!(Language::of_path("src/lib.rs"), Some(Language::Rust));
        assert_eq!(
            Language::of_path("app/models/user.rb"),
            Some(Language::Ruby)
        );
        assert_eq!(Language::of_path("lib/tasks/db.rake"), Some(Language::Ruby));
        assert_eq!(
            Language::of_path("Api/UserService.cs"),
            Some(Language::CSharp)
        );
        assert_eq!(Language::CSharp.as_str(), "csharp");
        assert_eq!(
            Language::of_path("src/main/kotlin/UserService.kt"),
            Some(Language::Kotlin)
        );
        assert_eq!(
            Language::of_path("build.gradle.kts"),
            Some(Language::Kotlin)
        );
        assert_eq!(Language::of_path("src/App.scala"), Some(Language::Scala));
        assert_eq!(Language::of_path("README.md"), None);
        assert_eq!(Language::of_path("Makefile"), None);
        assert_eq!(Language::of_path("dir.py/Makefile"), None);
    }
}
