//! CODEOWNERS, with GitHub's rules exactly: the **last** matching pattern wins; `*` matches
//! within a folder and `**` across folders; a leading `/` anchors a pattern to the root, and so
//! does a `/` inside it; a trailing `/` matches a folder's whole tree, as does a pattern whose last
//! part has no wildcard (`docs`, `/build/logs`), while `docs/*` matches only the files right in
//! `docs`; a pattern with no owners un-assigns what an earlier one gave. Pure: text in, owners out.

use glob::{MatchOptions, Pattern};

/// Where a repository keeps its CODEOWNERS, in the order GitHub looks (the first that exists),
/// then GitLab's.
pub const LOCATIONS: [&str; 4] = [
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

/// The rules of one CODEOWNERS file, in file order.
#[derive(Debug, Clone, Default)]
pub struct Owners {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    /// The path itself matches.
    exact: Pattern,
    /// A folder the pattern names holds the path.
    tree: Option<Pattern>,
    owners: Vec<String>,
}

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Owners {
    /// Reads a CODEOWNERS file; lines it cannot read (a bad pattern, GitLab's `[Section]`
    /// headers) are passed over, as GitHub passes over invalid lines.
    pub fn parse(text: &str) -> Owners {
        let rules = text.lines().filter_map(rule).collect();
        Owners { rules }
    }

    /// The owners of `path` (relative to the repository root, `/`-separated): those of the last
    /// rule that matches it; none when no rule does, or the last that does names no one.
    pub fn of(&self, path: &str) -> &[String] {
        let path = path.trim_start_matches('/');
        self.rules
            .iter()
            .rev()
            .find(|rule| {
                rule.exact.matches_with(path, OPTIONS)
                    || rule
                        .tree
                        .as_ref()
                        .is_some_and(|tree| tree.matches_with(path, OPTIONS))
            })
            .map_or(&[], |rule| rule.owners.as_slice())
    }
}

/// One line's rule, or `None` for a comment, a blank line or a line that is no rule.
fn rule(line: &str) -> Option<Rule> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') || line.starts_with('[') || line.starts_with("^[") {
        return None;
    }
    let mut words = line.split_whitespace();
    let pattern = words.next()?;
    let owners: Vec<String> = words
        .take_while(|w| !w.starts_with('#'))
        .map(str::to_string)
        .collect();
    let dir_only = pattern.ends_with('/');
    let core = pattern.trim_matches('/');
    if core.is_empty() {
        return None;
    }
    // anchored: a leading `/`, or a `/` inside; otherwise it matches at any depth
    let anchored = pattern.starts_with('/') || core.contains('/');
    let glob = if anchored || core.starts_with("**") {
        core.to_string()
    } else {
        format!("**/{core}")
    };
    // `docs/*` is the files right in docs; `docs`, `apps/`, `/build/logs` name whole trees
    let last = glob.rsplit('/').next().unwrap_or(&glob);
    let names_a_tree = dir_only || !last.contains('*');
    let tree = if names_a_tree {
        Some(Pattern::new(&format!("{glob}/**")).ok()?)
    } else {
        None
    };
    let exact = if dir_only {
        // a folder only: the path itself is never it (files are what owners are asked of)
        Pattern::new(&format!("{glob}/**")).ok()?
    } else {
        Pattern::new(&glob).ok()?
    };
    Some(Rule {
        exact,
        tree,
        owners,
    })
}

#[cfg(test)]
mod tests {
    use super::Owners;

    fn of<'a>(owners: &'a Owners, path: &str) -> Vec<&'a str> {
        owners.of(path).iter().map(String::as_str).collect()
    }

    #[test]
    fn the_last_matching_pattern_wins() {
        // first match and last match disagree on every path here
        let owners = Owners::parse(
            "# everything\n\
             *       @acme/everyone\n\
             *.js    @acme/js   # inline comment\n\
             /app/   @acme/app\n\
             /app/legacy/ @acme/legacy\n\
             /app/legacy/keep.py\n",
        );
        assert_eq!(of(&owners, "README.md"), ["@acme/everyone"]);
        assert_eq!(of(&owners, "web/main.js"), ["@acme/js"]);
        assert_eq!(of(&owners, "app/main.js"), ["@acme/app"]);
        assert_eq!(of(&owners, "app/legacy/old.py"), ["@acme/legacy"]);
        // a rule with no owners un-assigns
        assert!(of(&owners, "app/legacy/keep.py").is_empty());
    }

    #[test]
    fn patterns_follow_githubs_documented_examples() {
        let owners = Owners::parse(
            "docs/*     @docs-top\n\
             apps/      @apps\n\
             /build/logs/ @logs\n\
             **/logs    @any-logs\n\
             /scripts/  @scripts\n\
             Makefile   @make\n",
        );
        // `docs/*`: files right in docs, not nested ones
        assert_eq!(of(&owners, "docs/getting-started.md"), ["@docs-top"]);
        assert!(of(&owners, "docs/build-app/troubleshooting.md").is_empty());
        // `apps/`: any apps folder, anywhere, all of its tree
        assert_eq!(of(&owners, "apps/web/src/main.rs"), ["@apps"]);
        assert_eq!(of(&owners, "services/apps/x.py"), ["@apps"]);
        // `**/logs` after `/build/logs/`: the later one wins for build/logs too
        assert_eq!(of(&owners, "build/logs/today.log"), ["@any-logs"]);
        assert_eq!(of(&owners, "deep/in/logs/x.log"), ["@any-logs"]);
        // anchored to the root
        assert_eq!(of(&owners, "scripts/deploy.sh"), ["@scripts"]);
        assert!(of(&owners, "tools/scripts/deploy.sh").is_empty());
        // a bare name matches at any depth
        assert_eq!(of(&owners, "Makefile"), ["@make"]);
        assert_eq!(of(&owners, "sub/Makefile"), ["@make"]);
        assert!(of(&owners, "Makefile.old").is_empty());
    }

    #[test]
    fn several_owners_and_lines_that_are_no_rules() {
        let owners =
            Owners::parse("\n# comment\n[Backend]\n*.py @py-team dev@example.com @octocat\n");
        assert_eq!(
            of(&owners, "app/db.py"),
            ["@py-team", "dev@example.com", "@octocat"]
        );
        assert!(of(&owners, "app/db.rb").is_empty());
        assert!(Owners::parse("").of("x").is_empty());
    }
}
