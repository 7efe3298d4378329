//! A service's grouping rules (`luffy rule add`): matchers (`field:glob`) that pick records and
//! an action that says how they group (by type, by message, into one named cluster) or that
//! drops them. Parsing, matching and the groupings a rule makes; pure.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{template_of, ExceptionInputs, FingerprintInputs, Grouping};
use crate::domain::{ClusterKind, Level};
use crate::hash::{with_hex, Fnv1a};
use crate::parse::ParsedException;
use crate::text::cut;

/// What a matcher reads of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The outermost exception's type.
    Type,
    /// The record's message, or the outermost exception's message.
    Message,
    Logger,
    /// The level's canonical name (`ERROR`, `FATAL`).
    Level,
    /// Any in-app frame's path.
    Path,
    /// Any in-app frame's function.
    Function,
}

impl Field {
    /// The fields, as a matcher names them.
    pub const NAMES: [&'static str; 6] = ["type", "message", "logger", "level", "path", "function"];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Message => "message",
            Field::Logger => "logger",
            Field::Level => "level",
            Field::Path => "path",
            Field::Function => "function",
        }
    }

    fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "type" => Field::Type,
            "message" => Field::Message,
            "logger" => Field::Logger,
            "level" => Field::Level,
            "path" => Field::Path,
            "function" => Field::Function,
            _ => return None,
        })
    }
}

/// `field:glob`: the glob (`*`, `?`, `[...]`; case-sensitive) must match the whole field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub field: Field,
    pub glob: glob::Pattern,
}

impl FromStr for Matcher {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((name, glob)) = text.split_once(':') else {
            return Err(format!(
                "matcher '{text}' has no ':'; write FIELD:GLOB with FIELD one of {}",
                Field::NAMES.join(", ")
            ));
        };
        let field = Field::parse(name).ok_or_else(|| {
            format!(
                "matcher '{text}': unknown field '{name}'; the fields are {}",
                Field::NAMES.join(", ")
            )
        })?;
        if glob.is_empty() {
            return Err(format!("matcher '{text}': the glob is empty"));
        }
        let glob = glob::Pattern::new(glob)
            .map_err(|err| format!("matcher '{text}': bad glob: {}", err.msg))?;
        Ok(Matcher { field, glob })
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.field.as_str(), self.glob.as_str())
    }
}

/// Only these options: a record's `/` or a leading `.` are characters like any other.
const MATCH: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl Matcher {
    /// Whether the record matches.
    pub fn matches(&self, record: &Subject<'_>) -> bool {
        let is = |text: &str| self.glob.matches_with(text, MATCH);
        let in_app = || {
            record
                .exception
                .into_iter()
                .flat_map(|e| &e.chain)
                .flat_map(|e| &e.frames)
                .filter(|f| f.in_app)
        };
        match self.field {
            Field::Type => record.exception_type().is_some_and(is),
            Field::Message => is(record.message) || record.exception_message().is_some_and(is),
            Field::Logger => record.logger.is_some_and(is),
            Field::Level => is(record.level.as_str()),
            Field::Path => in_app().any(|f| f.path.as_deref().is_some_and(is)),
            Field::Function => in_app().any(|f| is(&f.function)),
        }
    }
}

/// How a rule groups what it matches, or that it drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// By the outermost exception's type alone.
    ByType,
    /// By the masked message template alone.
    ByMessage,
    /// As without rules: type + in-app frames, or template + level + logger.
    ByFrames,
    /// Into one cluster of this name.
    Fingerprint(String),
    /// Not clustered: counted as ignored.
    Ignore,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::ByType => f.write_str("by type"),
            Action::ByMessage => f.write_str("by message"),
            Action::ByFrames => f.write_str("by frames"),
            Action::Fingerprint(name) => write!(f, "fingerprint {name}"),
            Action::Ignore => f.write_str("ignore"),
        }
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "by type" => Ok(Action::ByType),
            "by message" => Ok(Action::ByMessage),
            "by frames" => Ok(Action::ByFrames),
            "ignore" => Ok(Action::Ignore),
            _ => match text.strip_prefix("fingerprint ") {
                Some(name) if !name.trim().is_empty() => Ok(Action::Fingerprint(name.to_string())),
                _ => Err(format!(
                    "unknown action '{text}'; the actions are 'by type', 'by message', \
                     'by frames', 'fingerprint NAME' and 'ignore'"
                )),
            },
        }
    }
}

/// One rule: all its matchers must match; then its action decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    #[serde(serialize_with = "displayed_list", deserialize_with = "parsed_list")]
    pub matchers: Vec<Matcher>,
    #[serde(serialize_with = "displayed", deserialize_with = "parsed")]
    pub action: Action,
    /// The title of a `fingerprint` rule's cluster (its name when `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

fn displayed<S: Serializer, T: fmt::Display>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

fn displayed_list<S: Serializer, T: fmt::Display>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(ToString::to_string))
}

fn parsed<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(d: D) -> Result<T, D::Error> {
    String::deserialize(d)?
        .parse()
        .map_err(serde::de::Error::custom)
}

fn parsed_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Matcher>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    if texts.is_empty() {
        return Err(serde::de::Error::custom(
            "a rule needs at least one matcher",
        ));
    }
    texts
        .iter()
        .map(|t| t.parse().map_err(serde::de::Error::custom))
        .collect()
}

impl Rule {
    /// Whether every matcher matches the record.
    pub fn matches(&self, record: &Subject<'_>) -> bool {
        self.matchers.iter().all(|m| m.matches(record))
    }

    /// How `cluster show` and `rule list` say it: `type:*TimeoutError → by type`.
    pub fn describe(&self) -> String {
        let matchers: Vec<String> = self.matchers.iter().map(ToString::to_string).collect();
        format!("{} → {}", matchers.join(" "), self.action)
    }

    /// The note a cluster keeps of the rule that grouped it (`number`: 1-based position).
    pub fn note(&self, number: usize) -> RuleNote {
        RuleNote {
            number,
            matchers: self.matchers.iter().map(ToString::to_string).collect(),
            action: self.action.to_string(),
        }
    }
}

/// Which rule grouped a cluster, as it read when the cluster was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleNote {
    pub number: usize,
    pub matchers: Vec<String>,
    pub action: String,
}

impl fmt::Display for RuleNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rule {}: {} → {}",
            self.number,
            self.matchers.join(" "),
            self.action
        )
    }
}

/// What the matchers read of a record.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The record's message (its first line without the header, or a structured message).
    pub message: &'a str,
    pub level: Level,
    pub logger: Option<&'a str>,
    pub exception: Option<&'a ParsedException>,
}

impl<'a> Subject<'a> {
    fn exception_type(&self) -> Option<&'a str> {
        let e = self.exception?.chain.first()?;
        Some(e.exception_type.trim()).filter(|t| !t.is_empty())
    }

    fn exception_message(&self) -> Option<&'a str> {
        let e = self.exception?.chain.first()?;
        Some(e.message.lines().next().unwrap_or(""))
    }
}

/// What the first rule that matches says of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// No rule matched, or one said `by frames`: the default grouping (`number`, if any, is the
    /// rule's).
    Default(Option<usize>),
    /// Grouped by the rule with this 1-based number.
    Grouped(Grouping, usize),
    Ignored,
}

/// Tries `rules` in order on `record`; the first that matches decides. A `by type` rule does not
/// match a record without an exception type.
pub fn decide(rules: &[Rule], record: &Subject<'_>) -> Decision {
    for (index, rule) in rules.iter().enumerate() {
        if !rule.matches(record) {
            continue;
        }
        let number = index + 1;
        let grouping = match &rule.action {
            Action::Ignore => return Decision::Ignored,
            Action::ByFrames => return Decision::Default(Some(number)),
            Action::ByType => match record.exception_type() {
                Some(ty) => by_type(ty, record),
                None => continue,
            },
            Action::ByMessage => by_message(record),
            Action::Fingerprint(name) => named(name, rule.title.as_deref(), record),
        };
        return Decision::Grouped(grouping, number);
    }
    Decision::Default(None)
}

fn hashed(prefix: &str, parts: &[&str]) -> String {
    let mut hash = Fnv1a::new();
    for part in parts {
        hash.part(part);
    }
    with_hex(prefix, hash.finish())
}

fn by_type(ty: &str, record: &Subject<'_>) -> Grouping {
    // what `cluster show` explains it by: the type alone, no frames
    let inputs = record.exception.map(|parsed| {
        std::sync::Arc::new(FingerprintInputs {
            language: parsed.language,
            exceptions: vec![ExceptionInputs {
                exception_type: ty.to_string(),
                relation: None,
                frames: Vec::new(),
                message: None,
            }],
            by_frames: false,
        })
    });
    let title = match record.exception_message().filter(|m| !m.is_empty()) {
        Some(message) => format!("{ty}: {message}"),
        None => ty.to_string(),
    };
    Grouping {
        kind: ClusterKind::Exception,
        fingerprint: hashed("exc-", &["luffy-rule-type-v1", ty]),
        title: cut(&title, 200).to_string(),
        exception_type: Some(ty.to_string()),
        template: None,
        exception_inputs: inputs,
        rule: None,
    }
}

fn by_message(record: &Subject<'_>) -> Grouping {
    // an exception's own message says more than the log line that carried it
    let message = match record.exception_message().filter(|m| !m.trim().is_empty()) {
        Some(message) => message,
        None => record.message,
    };
    let template = template_of(message);
    Grouping {
        kind: ClusterKind::Template,
        fingerprint: hashed("tpl-", &["luffy-rule-message-v1", &template]),
        title: cut(&template, 200).to_string(),
        exception_type: record.exception_type().map(str::to_string),
        template: Some(template),
        exception_inputs: None,
        rule: None,
    }
}

fn named(name: &str, title: Option<&str>, record: &Subject<'_>) -> Grouping {
    Grouping {
        kind: ClusterKind::Template,
        fingerprint: hashed("tpl-", &["luffy-rule-name-v1", name]),
        title: cut(title.unwrap_or(name), 200).to_string(),
        exception_type: record.exception_type().map(str::to_string),
        template: None,
        exception_inputs: None,
        rule: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_exception;

    fn rule(matchers: &[&str], action: Action) -> Rule {
        Rule {
            matchers: matchers.iter().map(|m| m.parse().unwrap()).collect(),
            action,
            title: None,
        }
    }

    const TRACE: &str = "Traceback (most recent call last):\n  File \"/app/api.py\", line 3, in \
                         handle\n    go()\nsocket.TimeoutError: timed out after 30s\n";

    #[test]
    fn matchers_parse_and_say_what_is_wrong() {
        let m: Matcher = "type:*TimeoutError".parse().unwrap();
        assert_eq!(m.field, Field::Type);
        assert_eq!(m.to_string(), "type:*TimeoutError");
        let path: Matcher = "path:/app/*:x".parse().unwrap();
        assert_eq!(path.glob.as_str(), "/app/*:x", "split at the first ':'");
        assert_eq!(
            "colour:red".parse::<Matcher>().unwrap_err(),
            "matcher 'colour:red': unknown field 'colour'; the fields are type, message, \
             logger, level, path, function"
        );
        assert_eq!(
            "type:".parse::<Matcher>().unwrap_err(),
            "matcher 'type:': the glob is empty"
        );
        assert!("type"
            .parse::<Matcher>()
            .unwrap_err()
            .contains("has no ':'"));
        assert!("type:[a"
            .parse::<Matcher>()
            .unwrap_err()
            .contains("bad glob"));
    }

    #[test]
    fn matchers_match_whole_fields_case_sensitively() {
        let parsed = parse_exception(TRACE).unwrap();
        let record = Subject {
            message: "request failed for user 42",
            level: Level::Error,
            logger: Some("app.api"),
            exception: Some(&parsed),
        };
        let matches = |m: &str| m.parse::<Matcher>().unwrap().matches(&record);
        assert!(matches("type:*TimeoutError"));
        assert!(matches("type:socket.Timeout?rror"));
        assert!(!matches("type:*timeouterror"));
        assert!(!matches("type:Timeout*"));
        assert!(matches("message:request failed*"));
        assert!(matches("message:timed out*"), "the exception's message too");
        assert!(matches("logger:app.*"));
        assert!(matches("level:ERROR"));
        assert!(!matches("level:error"));
        assert!(matches("path:*/api.py"));
        assert!(matches("function:hand[lk]e"));
        assert!(!matches("function:go"));
        let frameless = Subject {
            exception: None,
            logger: None,
            ..record
        };
        let m: Matcher = "type:*".parse().unwrap();
        assert!(!m.matches(&frameless));
        assert!(!"logger:*".parse::<Matcher>().unwrap().matches(&frameless));
    }

    #[test]
    fn the_first_rule_that_matches_decides() {
        let parsed = parse_exception(TRACE).unwrap();
        let record = Subject {
            message: "request failed",
            level: Level::Error,
            logger: None,
            exception: Some(&parsed),
        };
        let rules = [
            rule(&["level:FATAL"], Action::Ignore),
            rule(&["type:*Timeout*", "path:/app/*"], Action::ByType),
            rule(&["type:*"], Action::Ignore),
        ];
        let Decision::Grouped(grouping, 2) = decide(&rules, &record) else {
            panic!("{:?}", decide(&rules, &record));
        };
        assert_eq!(
            grouping.exception_type.as_deref(),
            Some("socket.TimeoutError")
        );
        assert_eq!(grouping.title, "socket.TimeoutError: timed out after 30s");
        assert_eq!(decide(&rules[2..], &record), Decision::Ignored);
        assert_eq!(decide(&rules[..1], &record), Decision::Default(None));
        // by type needs a type: a frameless record goes on to the next rule
        let frameless = Subject {
            exception: None,
            ..record
        };
        let rules = [
            rule(&["level:*"], Action::ByType),
            rule(&["level:*"], Action::Fingerprint("all".into())),
        ];
        let Decision::Grouped(grouping, 2) = decide(&rules, &frameless) else {
            panic!();
        };
        assert_eq!(grouping.title, "all");
    }

    #[test]
    fn rules_read_back_from_json() {
        let mut named = rule(
            &["message:disk * full", "level:ERROR"],
            Action::Fingerprint("disk full".into()),
        );
        named.title = Some("Disks".into());
        let rules = vec![named, rule(&["type:*"], Action::ByMessage)];
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(
            json,
            r#"[{"matchers":["message:disk * full","level:ERROR"],"action":"fingerprint disk full","title":"Disks"},{"matchers":["type:*"],"action":"by message"}]"#
        );
        let back: Vec<Rule> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rules);
        let err = serde_json::from_str::<Rule>(r#"{"matchers":["size:3"],"action":"ignore"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("unknown field 'size'"), "{err}");
        let err =
            serde_json::from_str::<Rule>(r#"{"matchers":["type:x"],"action":"drop"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown action 'drop'"), "{err}");
        assert!(serde_json::from_str::<Rule>(r#"{"matchers":[],"action":"ignore"}"#).is_err());
    }
}
