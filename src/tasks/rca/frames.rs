//! Which frames of a trace a report maps: the service's code, innermost first. A frame is the
//! service's code when the service's in-app rules (as they are now) say so, or when its path
//! resolves into the indexed repository (code installed as a package, say) with no doubt left:
//! by a path map or exactly, or by a path suffix that covers the file name and at least one
//! folder, with the frame's function a symbol of that file around the frame's line. Grouping
//! is not decided here: fingerprints keep the in-app flags set when the trace was read.

use std::collections::HashSet;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::code::blame::Checkout;
use crate::code::paths::{normalize, shared_suffix, PathMatch};
use crate::config::PathMapping;
use crate::parse::{Frame, InAppRules, ParsedException};
use crate::service::Service;
use crate::store::{CodeFile, Db};

/// Frames mapped per report.
pub const MAX_FRAMES: usize = 5;
/// How far (in lines) outside a symbol's span a frame's line may fall and still be in it: the
/// line the frame printed, moved to the indexed commit, may be off by a line or two when a
/// change since could not be followed line by line (a decorator added above a `def`, say).
const SYMBOL_SLACK: u32 = 2;
/// Trailing path components a suffix match must share: the file name and one folder at least
/// (`click/core.py`; a bare `core.py` could be any project's).
const MIN_SUFFIX: usize = 2;

/// What choosing a trace's frames looks at: the service's rules, maps and index.
pub struct Chooser<'a> {
    pub service: &'a Service,
    /// The configuration's `path_mappings`, after the service's own maps.
    pub defaults: &'a [PathMapping],
    /// Whether the service has an index to resolve paths in.
    pub indexed: bool,
    /// The indexed checkout, to move a frame's line to the indexed commit.
    pub checkout: Option<&'a Checkout>,
    /// When the cluster was first seen: the version that ran.
    pub first_seen: DateTime<Utc>,
}

impl Chooser<'_> {
    /// The frames to map, the one nearest the throw first: the root cause's frames, then those
    /// of the exceptions that wrap it, outward; each place once, at most [`MAX_FRAMES`].
    pub fn choose(&self, db: &Db<'_>, exception: &ParsedException) -> Result<Vec<Frame>> {
        let rules = InAppRules {
            app_paths: self.service.app_paths.clone(),
            app_packages: self.service.app_packages.clone(),
        };
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for f in ordered(exception) {
            if out.len() == MAX_FRAMES {
                break;
            }
            if !seen.insert((f.path.clone(), f.line, f.function.clone())) {
                continue;
            }
            // the rules as they are now: a rule added since the trace was read counts
            if rules.is_in_app(f, exception.language) || self.in_repository(db, f)? {
                out.push(f.clone());
            }
        }
        Ok(out)
    }

    /// Whether `frame`'s path resolves into the indexed repository with no doubt left (see the
    /// module's comment).
    fn in_repository(&self, db: &Db<'_>, frame: &Frame) -> Result<bool> {
        let Some(path) = &frame.path else {
            return Ok(false);
        };
        if !self.indexed {
            return Ok(false);
        }
        let lookup = jvm_source_path(frame).unwrap_or_else(|| path.clone());
        let (files, matched) = db.resolve_frame_path(self.service, self.defaults, &lookup)?;
        let [file] = files.as_slice() else {
            return Ok(false);
        };
        match matched {
            PathMatch::PathMap | PathMatch::Exact => Ok(true),
            PathMatch::Suffix => Ok(shared_suffix(&normalize(&lookup), &file.path) >= MIN_SUFFIX
                && self.function_is_there(db, file, frame)?),
        }
    }

    /// Whether the frame's function is a symbol of `file` whose span holds the frame's line
    /// (moved to the indexed commit), give or take [`SYMBOL_SLACK`] lines; a frame without a
    /// line needs only the name.
    fn function_is_there(&self, db: &Db<'_>, file: &CodeFile, frame: &Frame) -> Result<bool> {
        let Some(name) = function_name(&frame.function) else {
            return Ok(false);
        };
        let symbols = db.file_symbols(file.id)?;
        let named: Vec<_> = symbols.iter().filter(|s| s.name == name).collect();
        let Some(line) = frame.line else {
            return Ok(!named.is_empty());
        };
        if named.is_empty() {
            return Ok(false); // (before reading the history to move the line)
        }
        let line = match self.checkout {
            Some(checkout) => checkout.line_now(&file.path, line, self.first_seen)?,
            None => line,
        };
        Ok(named.iter().any(|s| {
            s.start_line.saturating_sub(SYMBOL_SLACK) <= line && line <= s.end_line + SYMBOL_SLACK
        }))
    }
}

/// The last name of a printed function (`invoke` of `Command.invoke`, `handle` of Go's
/// `(*Server).handle`, `total` of PHP's `App\Cart->total`); none for what names no symbol
/// (`<module>`, `<anonymous>`, an empty name).
fn function_name(function: &str) -> Option<&str> {
    if function.starts_with('<') {
        return None;
    }
    function
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .find(|s| !s.is_empty())
}

/// Every frame of the chain, the root cause's first, then those of the exceptions that wrap
/// it, outward; each exception's frames innermost first.
fn ordered(exception: &ParsedException) -> impl Iterator<Item = &Frame> {
    let mut order: Vec<usize> = Vec::new();
    if let Some(root) = exception.root_cause() {
        if let Some(i) = exception.chain.iter().position(|e| std::ptr::eq(e, root)) {
            order.push(i);
        }
    }
    let rest: Vec<usize> = (0..exception.chain.len())
        .rev()
        .filter(|i| !order.contains(i))
        .collect();
    order.extend(rest);
    order
        .into_iter()
        .flat_map(move |i| exception.chain[i].frames.iter())
}

/// The path a JVM frame's file has under its package (`com/acme/UserService.java` for
/// `at com.acme.UserService$Cache.get(UserService.java:6)`), when the frame prints only a file
/// name of a JVM language and names a class in a package.
pub fn jvm_source_path(frame: &Frame) -> Option<String> {
    let path = frame.path.as_deref()?;
    let jvm = [".java", ".kt", ".kts", ".scala", ".groovy"];
    if path.contains(['/', '\\']) || !jvm.iter().any(|ext| path.ends_with(ext)) {
        return None;
    }
    let class = frame.module.as_deref()?.split('$').next()?;
    let (package, _) = class.rsplit_once('.')?;
    Some(format!("{}/{path}", package.replace('.', "/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_known_by_its_last_name() {
        assert_eq!(function_name("invoke"), Some("invoke"));
        assert_eq!(function_name("Command.invoke"), Some("invoke"));
        assert_eq!(function_name("(*Server).handle"), Some("handle"));
        assert_eq!(function_name(r"App\Cart->total"), Some("total"));
        assert_eq!(function_name("Acme::Cart#total"), Some("total"));
        assert_eq!(function_name("<module>"), None);
        assert_eq!(function_name(""), None);
    }
}
