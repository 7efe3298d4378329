//! Reading a tags query's text: which node kinds a pattern starts at, and which top-level
//! patterns define something. Only parentheses, brackets, strings and comments are told apart.

/// The node kinds a pattern (its source text) starts at: those in no other node's parentheses.
/// A pattern is `(kind ...)`, a group of siblings and predicates `((comment)* . (kind ...)
/// (#eq? ...))`, or an alternation `[(a ...) (b ...)]`; `_` for a wildcard.
pub(super) fn pattern_roots(text: &str) -> Vec<&str> {
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
pub(super) fn definitions_only(text: &str) -> String {
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
}
