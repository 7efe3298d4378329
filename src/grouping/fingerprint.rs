//! The inputs of an exception cluster's fingerprint: the chain's exception types, the top in-app
//! frames of each (normalized function + path, never line numbers) and, when no frame is in-app,
//! the masked messages. The inputs explain themselves (`cluster show`) and hash to a stable id.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::normalize::{mask_message, normalize_function, push_normalized_path};
use crate::hash::Fnv1a;
use crate::parse::{Frame, Language, ParsedException, Relation};

/// In-app frames kept per exception by [`FingerprintInputs::from_exception`].
pub const DEFAULT_FRAMES: usize = 5;
/// Exceptions of a chain taken into account; deeper ones are ignored.
pub const MAX_EXCEPTIONS: usize = 8;
/// Version of the input format, hashed first: bump it when normalization changes.
const VERSION: &str = "luffy-exc-v1";

/// What one exception of the chain contributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionInputs {
    /// The exception type as printed.
    pub exception_type: String,
    /// How it hangs off the previous exception (`None` for the outermost).
    pub relation: Option<Relation>,
    /// Up to N in-app frames, most recent first, as `function (path)` without line numbers.
    pub frames: Vec<String>,
    /// The masked first line of the message: set when the whole chain has no in-app frame, or
    /// when one of this exception's frames has no function name.
    pub message: Option<String>,
}

/// The normalized inputs that decide which cluster an exception belongs to.
///
/// The whole chain counts (as Sentry does): outermost first, then causes, inner exceptions and
/// group members; `Suppressed:` exceptions are left out because they vary with cleanup paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintInputs {
    /// The runtime that printed the trace.
    pub language: Language,
    /// One entry per exception taken into account.
    pub exceptions: Vec<ExceptionInputs>,
    /// `true` when frames decided the grouping, `false` when it fell back to masked messages.
    pub by_frames: bool,
}

impl FingerprintInputs {
    /// The inputs with the default number of frames per exception.
    pub fn from_exception(parsed: &ParsedException) -> FingerprintInputs {
        Self::with_frames(parsed, DEFAULT_FRAMES)
    }

    /// The inputs with up to `max_frames` in-app frames per exception.
    pub fn with_frames(parsed: &ParsedException, max_frames: usize) -> FingerprintInputs {
        let language = parsed.language;
        let chain = parsed
            .chain
            .iter()
            .filter(|e| e.relation != Some(Relation::Suppressed))
            .take(MAX_EXCEPTIONS);
        let mut exceptions: Vec<ExceptionInputs> = chain
            .clone()
            .map(|e| {
                let in_app = e.frames.iter().filter(|f| f.in_app).take(max_frames);
                // a frame without a function (a Rust panic location, an anonymous Node
                // function) says little on its own: the message then counts too
                let anonymous = in_app.clone().any(|f| f.function.is_empty());
                ExceptionInputs {
                    exception_type: e.exception_type.trim().to_owned(),
                    relation: e.relation,
                    frames: in_app.map(|f| frame_key(f, language)).collect(),
                    message: anonymous.then(|| first_line_masked(&e.message)),
                }
            })
            .collect();
        let by_frames = exceptions.iter().any(|e| !e.frames.is_empty());
        if !by_frames {
            for (inputs, e) in exceptions.iter_mut().zip(chain) {
                inputs.message = Some(first_line_masked(&e.message));
            }
        }
        FingerprintInputs {
            language,
            exceptions,
            by_frames,
        }
    }

    /// A stable 64-bit FNV-1a hash of the inputs (the same on every run and machine).
    pub fn hash(&self) -> u64 {
        let mut h = Fnv1a::new();
        h.part(VERSION);
        h.part(self.language.as_str());
        for e in &self.exceptions {
            h.part("\u{1e}");
            h.part(&e.exception_type);
            h.part(e.relation.map_or("", relation_code));
            for f in &e.frames {
                h.part(f);
            }
            if let Some(m) = &e.message {
                h.part("\u{1d}");
                h.part(m);
            }
        }
        h.finish()
    }

    /// The hash as 16 lowercase hex digits.
    pub fn hex(&self) -> String {
        crate::hash::with_hex("", self.hash())
    }
}

/// Writes into `key` everything of `parsed` that [`FingerprintInputs::with_frames`] reads, as
/// printed (before any normalization), each field prefixed with its length: two exceptions with
/// the same key have the same inputs, so a caller may reuse the inputs of the first for the
/// second (the key is finer than the inputs: it may tell apart what normalization merges).
pub fn write_raw_key(parsed: &ParsedException, max_frames: usize, key: &mut Vec<u8>) {
    fn field(key: &mut Vec<u8>, value: Option<&str>) {
        match value {
            Some(text) => {
                key.push(1);
                key.extend_from_slice(&(text.len() as u64).to_le_bytes());
                key.extend_from_slice(text.as_bytes());
            }
            None => key.push(0),
        }
    }
    key.clear();
    field(key, Some(parsed.language.as_str()));
    let chain = || {
        parsed
            .chain
            .iter()
            .filter(|e| e.relation != Some(Relation::Suppressed))
            .take(MAX_EXCEPTIONS)
    };
    let by_frames = chain().any(|e| e.frames.iter().any(|f| f.in_app));
    for e in chain() {
        field(key, Some(&e.exception_type));
        field(key, e.relation.map(relation_code));
        let mut anonymous = false;
        for f in e.frames.iter().filter(|f| f.in_app).take(max_frames) {
            field(key, f.module.as_deref());
            field(key, Some(&f.function));
            field(key, f.path.as_deref());
            anonymous |= f.function.is_empty();
        }
        // ends the frames: no frame starts with this byte
        key.push(2);
        field(key, (anonymous || !by_frames).then_some(e.message.as_str()));
    }
}

fn first_line_masked(message: &str) -> String {
    mask_message(message.lines().next().unwrap_or(""))
}

/// `module.function (path)`, normalized, without line numbers.
fn frame_key(f: &Frame, language: Language) -> String {
    let mut key = match f.module.as_deref() {
        // normalization works per `.` segment, so module and function can be done apart
        Some(m) if !m.is_empty() => {
            let mut k = normalize_function(m, language);
            if !f.function.is_empty() {
                k.push('.');
                k.push_str(&normalize_function(&f.function, language));
            }
            k
        }
        _ => normalize_function(&f.function, language),
    };
    if let Some(p) = f.path.as_deref() {
        if key.is_empty() {
            push_normalized_path(&mut key, p);
        } else {
            key.push_str(" (");
            push_normalized_path(&mut key, p);
            key.push(')');
        }
    }
    key
}

/// Multi-line explanation for `cluster show`.
impl fmt::Display for FingerprintInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let basis = if self.by_frames {
            "exception types + top in-app frames (function and file, no line numbers)"
        } else {
            "exception types + masked messages (no in-app frames)"
        };
        writeln!(f, "grouped by {basis} [{}]", self.language.as_str())?;
        for e in &self.exceptions {
            let ty = if e.exception_type.is_empty() {
                "(no type)"
            } else {
                &e.exception_type
            };
            match e.relation {
                Some(rel) => writeln!(f, "  {} {ty}", relation_name(rel))?,
                None => writeln!(f, "  {ty}")?,
            }
            for frame in &e.frames {
                writeln!(f, "    at {frame}")?;
            }
            if let Some(m) = &e.message {
                writeln!(f, "    message: {m}")?;
            }
        }
        write!(f, "fingerprint {}", self.hex())
    }
}

/// Stable codes for hashing (the display names may change; these may not).
fn relation_code(rel: Relation) -> &'static str {
    match rel {
        Relation::Cause => "cause",
        Relation::Context => "context",
        Relation::Suppressed => "suppressed",
        Relation::Inner => "inner",
        Relation::Group => "group",
    }
}

fn relation_name(rel: Relation) -> &'static str {
    match rel {
        Relation::Cause => "caused by",
        Relation::Context => "during handling of",
        Relation::Suppressed => "suppressed",
        Relation::Inner => "inner",
        Relation::Group => "group member",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_exception, InAppRules};

    fn inputs(text: &str) -> FingerprintInputs {
        FingerprintInputs::from_exception(&parse_exception(text).unwrap())
    }

    #[test]
    fn java_chain_inputs() {
        let fp = inputs(include_str!(
            "../../tests/data/traces/java_caused_suppressed.txt"
        ));
        assert!(fp.by_frames);
        assert_eq!(fp.exceptions.len(), 3, "suppressed left out");
        assert_eq!(
            fp.exceptions[0].frames,
            ["com.acme.shop.App.run (App.java)"]
        );
        assert_eq!(
            fp.exceptions[2].frames,
            [
                "com.acme.shop.App.parse (App.java)",
                "com.acme.shop.App.lambda$load (App.java)",
                "com.acme.shop.App.load (App.java)"
            ]
        );
        let text = fp.to_string();
        assert!(
            text.contains("caused by java.lang.NumberFormatException"),
            "{text}"
        );
        assert!(text.ends_with(&fp.hex()));
    }

    #[test]
    fn line_numbers_do_not_matter_but_functions_do() {
        let a = "Traceback (most recent call last):\n  File \"/app/x.py\", line 10, in f\nValueError: id 42 bad\n";
        let b = "Traceback (most recent call last):\n  File \"/app/x.py\", line 99, in f\nValueError: id 7 bad\n";
        let c = "Traceback (most recent call last):\n  File \"/app/x.py\", line 10, in g\nValueError: id 42 bad\n";
        assert_eq!(inputs(a).hash(), inputs(b).hash());
        assert_ne!(inputs(a).hash(), inputs(c).hash());
    }

    #[test]
    fn no_in_app_frames_falls_back_to_masked_message() {
        let a = "Traceback (most recent call last):\n  File \"/usr/lib/python3.11/json/decoder.py\", line 3, in decode\nValueError: bad id 42 for user 'bob'\n";
        let fp = inputs(a);
        assert!(!fp.by_frames);
        assert_eq!(
            fp.exceptions[0].message.as_deref(),
            Some("bad id <num> for user <str>")
        );
        let b = a.replace("42", "977").replace("bob", "alice");
        assert_eq!(fp.hash(), inputs(&b).hash());
        assert!(fp.to_string().contains("masked messages"));
    }

    #[test]
    fn frames_without_function_add_the_message() {
        let a = "thread 'main' panicked at src/main.rs:8:10:\ncalled `Option::unwrap()` on a `None` value\n";
        let b = "thread 'main' panicked at src/main.rs:30:5:\nindex out of bounds: the len is 0 but the index is 7\n";
        let fa = inputs(a);
        assert_eq!(fa.exceptions[0].frames, ["src/main.rs"]);
        assert_eq!(
            fa.exceptions[0].message.as_deref(),
            Some("called <str> on a <str> value")
        );
        assert_ne!(fa.hash(), inputs(b).hash());
        let c = b.replace('7', "9").replace(":30:5", ":31:5");
        assert_eq!(inputs(b).hash(), inputs(&c).hash());
    }

    #[test]
    fn service_rules_change_the_inputs() {
        let mut p =
            parse_exception(include_str!("../../tests/data/traces/go_recovered.txt")).unwrap();
        let rules = InAppRules {
            app_paths: vec![],
            app_packages: vec!["github.com/acme/".into()],
        };
        rules.apply(&mut p);
        let fp = FingerprintInputs::from_exception(&p);
        assert_eq!(
            fp.exceptions[0].frames[0],
            "github.com/acme/orders/internal/api.(*Server).recoverer.func (/app/internal/api/middleware.go)"
        );
        assert_eq!(fp.exceptions[0].frames.len(), 3);
        assert_eq!(fp.hex().len(), 16);
    }

    #[test]
    fn stable_across_runs() {
        let fp = inputs(include_str!("../../tests/data/traces/node_cause.txt"));
        // a fixed value: the fingerprint must never depend on the process, platform or release
        assert_eq!(fp.hex(), "c39bd2727212a1bf");
        assert_eq!(
            fp.exceptions[0].frames,
            ["handler (/srv/app/src/server.js)"]
        );
        assert_eq!(
            fp.exceptions[1].frames,
            ["Repo.find (/srv/app/src/users.js)"]
        );
    }
}
