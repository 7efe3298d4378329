//! Error grouping: which cluster an error belongs to, and why. An exception groups by its type
//! and normalized in-app frames ([`fingerprint`], [`normalize`]); a frameless message by its
//! masked template, level and logger. Pure: values in, values out.

pub mod fingerprint;
pub mod normalize;
pub mod rules;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use fingerprint::{ExceptionInputs, FingerprintInputs};

use crate::domain::{ClusterKind, Level};
use crate::hash::{with_hex, Fnv1a};
use crate::parse::ParsedException;
use crate::template::token::{mask_into, Piece};
use crate::text::cut;
use fingerprint::{write_raw_key, DEFAULT_FRAMES};

/// The cluster an event belongs to, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub kind: ClusterKind,
    /// `exc-…` or `tpl-…` followed by 16 hex digits.
    pub fingerprint: String,
    pub title: String,
    pub exception_type: Option<String>,
    pub template: Option<String>,
    /// An exception cluster's fingerprint inputs (a template cluster's are its template, level
    /// and logger).
    pub exception_inputs: Option<Arc<FingerprintInputs>>,
    /// The grouping rule that decided the cluster, when one did.
    pub rule: Option<Arc<rules::RuleNote>>,
}

impl Grouping {
    /// The fingerprint's inputs, for an event of this level and logger (built only for new
    /// clusters).
    pub fn inputs(&self, level: Level, logger: Option<&str>) -> GroupingInputs {
        match &self.exception_inputs {
            Some(inputs) => GroupingInputs::Exception((**inputs).clone()),
            None => GroupingInputs::Template(TemplateInputs {
                template: self.template.clone(),
                level,
                logger: logger.map(str::to_owned),
            }),
        }
    }

    /// [`Grouping::inputs`] as JSON, as a cluster stores them.
    pub fn inputs_json(&self, level: Level, logger: Option<&str>) -> serde_json::Value {
        // Cannot fail: the inputs hold strings, numbers, booleans and lists, no maps.
        let mut value = serde_json::to_value(self.inputs(level, logger)).unwrap_or_default();
        if let (Some(rule), Some(fields)) = (&self.rule, value.as_object_mut()) {
            // beside the inputs, which read it back without it (`rule_of` finds it)
            fields.insert(
                "rule".into(),
                serde_json::to_value(&**rule).unwrap_or_default(),
            );
        }
        value
    }
}

/// Why a cluster's events are grouped: the inputs its fingerprint was computed from, shown by
/// `cluster show`. As JSON they are the inputs alone, with no tag: the cluster's kind says which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum GroupingInputs {
    /// An exception cluster's: types, in-app frames and, where they count, masked messages.
    Exception(FingerprintInputs),
    /// A template cluster's.
    Template(TemplateInputs),
}

/// What a template cluster's fingerprint reads: the masked message, its level and its logger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateInputs {
    pub template: Option<String>,
    pub level: Level,
    pub logger: Option<String>,
}

/// Decides clusters for many occurrences, reusing the fingerprint of an exception whose inputs
/// (type, in-app frames, messages where they count) were seen before as printed: most errors
/// repeat, and normalizing their frames is the larger part of grouping them.
#[derive(Default)]
pub struct Grouper {
    key: Vec<u8>,
    seen: FxHashMap<Box<[u8]>, (String, Arc<FingerprintInputs>)>,
}

impl Grouper {
    /// Distinct exceptions remembered; past this the memory starts over.
    const MAX_SEEN: usize = 4096;

    pub fn new() -> Self {
        Self::default()
    }

    /// How many distinct exceptions it remembers.
    pub fn remembered(&self) -> usize {
        self.seen.len()
    }

    /// The exception cluster of `parsed`: its fingerprint, title, type and inputs.
    pub fn exception_grouping(&mut self, parsed: &ParsedException) -> Grouping {
        let (fingerprint, inputs) = self.exception(parsed);
        exception_grouping(parsed, fingerprint, inputs)
    }

    /// The fingerprint and inputs of `parsed`'s exception cluster.
    fn exception(&mut self, parsed: &ParsedException) -> (String, Arc<FingerprintInputs>) {
        write_raw_key(parsed, DEFAULT_FRAMES, &mut self.key);
        if let Some(known) = self.seen.get(self.key.as_slice()) {
            return known.clone();
        }
        let inputs = FingerprintInputs::from_exception(parsed);
        let known = (with_hex("exc-", inputs.hash()), Arc::new(inputs));
        if self.seen.len() >= Self::MAX_SEEN {
            self.seen.clear();
        }
        self.seen.insert(self.key.as_slice().into(), known.clone());
        known
    }
}

fn exception_grouping(
    parsed: &ParsedException,
    fingerprint: String,
    inputs: Arc<FingerprintInputs>,
) -> Grouping {
    let outer = parsed.chain.first();
    let exception_type = outer
        .map(|e| e.exception_type.clone())
        .filter(|t| !t.is_empty());
    let title = match outer {
        Some(e) => {
            let message = e.message.lines().next().unwrap_or("");
            match (&exception_type, message.is_empty()) {
                (Some(ty), false) => format!("{ty}: {message}"),
                (Some(ty), true) => ty.clone(),
                (None, _) => message.to_string(),
            }
        }
        None => String::new(),
    };
    Grouping {
        kind: ClusterKind::Exception,
        fingerprint,
        title: cut(&title, 200).to_string(),
        exception_type,
        template: None,
        exception_inputs: Some(inputs),
        rule: None,
    }
}

/// The template cluster of a frameless `message` of this level and logger.
pub fn template_grouping(message: &str, level: Level, logger: Option<&str>) -> Grouping {
    let template = template_of(message);
    let mut hash = Fnv1a::new();
    for part in [
        "luffy-tpl-v1",
        &template,
        level.as_str(),
        logger.unwrap_or(""),
    ] {
        hash.part(part);
    }
    Grouping {
        kind: ClusterKind::Template,
        fingerprint: with_hex("tpl-", hash.finish()),
        title: cut(&template, 200).to_string(),
        exception_type: None,
        template: Some(template),
        exception_inputs: None,
        rule: None,
    }
}

/// The rule note that [`Grouping::inputs_json`] keeps in a cluster's stored inputs, if any.
pub fn rule_of(inputs: &serde_json::Value) -> Option<rules::RuleNote> {
    serde_json::from_value(inputs.get("rule")?.clone()).ok()
}

/// The message with its variable parts masked (`<NUM>`, `<IP>`, `<*>`...).
pub fn template_of(message: &str) -> String {
    let mut pieces = Vec::new();
    mask_into(message, &mut pieces);
    let mut out = String::with_capacity(message.len());
    let slice = |(start, end): (u32, u32)| &message[start as usize..end as usize];
    for piece in &pieces {
        if !out.is_empty() {
            out.push(' ');
        }
        match *piece {
            Piece::Lit { start, end } => out.push_str(slice((start, end))),
            Piece::Var { kind, pre, suf } => {
                out.push_str(slice(pre));
                out.push_str(kind.placeholder());
                out.push_str(slice(suf));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_exception;

    #[test]
    fn inputs_as_json_are_the_inputs_alone() {
        let grouping = template_grouping("disk 3 is full", Level::Error, Some("db"));
        let json = grouping.inputs_json(Level::Error, Some("db")).to_string();
        assert_eq!(
            json,
            r#"{"template":"disk <NUM> is full","level":"ERROR","logger":"db"}"#
        );
        let json = grouping.inputs_json(Level::Warn, None).to_string();
        assert_eq!(
            json,
            r#"{"template":"disk <NUM> is full","level":"WARN","logger":null}"#
        );
        let back: TemplateInputs = serde_json::from_str(&json).unwrap();
        assert_eq!(
            GroupingInputs::Template(back),
            grouping.inputs(Level::Warn, None)
        );

        let parsed = parse_exception(
            "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in run\n    go()\nValueError: bad 12\n",
        )
        .unwrap();
        let grouping = Grouper::new().exception_grouping(&parsed);
        let inputs = FingerprintInputs::from_exception(&parsed);
        assert_eq!(
            grouping.inputs(Level::Error, None),
            GroupingInputs::Exception(inputs.clone())
        );
        assert_eq!(
            grouping.inputs_json(Level::Error, None).to_string(),
            serde_json::to_string(&inputs).unwrap()
        );
    }
}
