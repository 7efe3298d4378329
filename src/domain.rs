//! The types luffy's parts share: the tasks a service runs and how a run ended, what kind of
//! cluster an error is in, where it stands and why it keeps a sample, and a record's severity.
//! Plain values, with no store, clap or I/O behind them; `store/` maps them to SQL and `cli.rs`
//! to flags.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Defines a closed set of names: the enum, `ALL`, `as_str`, `Display`, `FromStr` (whose error
/// names the accepted values) and serde as the same lower-case names.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used on the command line, in JSON and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown {} '{text}'; use {}", $what, names.join(", "))
                    })
            }
        }
    };
}

pub(crate) use named_enum;

named_enum!(
    /// The tasks luffy runs per service, each under its lease and recorded as a task run.
    Task, "task", {
        /// Read new log records from the service's sources and group its errors.
        Fetch = "fetch",
        /// Write root-cause reports for new, regressed and grown clusters.
        Rca = "rca",
        /// Sync the service's repository and index its symbols.
        Index = "index",
        /// Deliver the service's pending notifications.
        Notify = "notify",
    }
);

impl Task {
    /// What a process running the task is doing to a service, for messages: "fetching web".
    pub fn doing(self) -> &'static str {
        match self {
            Task::Fetch => "fetching",
            Task::Rca => "writing the root-cause reports of",
            Task::Index => "indexing",
            Task::Notify => "sending the notifications of",
        }
    }
}

named_enum!(
    /// How a task run ended (or that it has not yet).
    TaskStatus, "task status", {
        /// Still running, or its process died before it ended (the next run of the task marks
        /// it failed).
        Running = "running",
        /// Done, with nothing failed.
        Ok = "ok",
        /// Ended with an error (for a fetch: one of its sources failed; the others were read).
        Failed = "failed",
        /// Not run: another process holds the task's lease.
        Skipped = "skipped",
    }
);

named_enum!(
    /// Why a task runs.
    Trigger, "trigger", {
        /// Its schedule made it due (`run-due`, `daemon`).
        Schedule = "schedule",
        /// Someone asked for it (`trigger`, `demo`).
        Manual = "manual",
    }
);

named_enum!(
    /// How a cluster groups its events.
    ClusterKind, "cluster kind", {
        /// Exception type + in-app frames of a stack trace.
        Exception = "exception",
        /// The mined template of a frameless message, with its level and logger.
        Template = "template",
    }
);

named_enum!(
    /// Where a cluster stands in triage.
    ClusterStatus, "cluster status", {
        /// Needs attention (new, or reopened by a regression).
        Open = "open",
        /// Fixed; an occurrence after this reopens it as regressed.
        Resolved = "resolved",
        /// Known and not worth attention; it keeps counting.
        Ignored = "ignored",
    }
);

named_enum!(
    /// Why a cluster keeps a sample occurrence.
    SampleRole, "sample role", {
        /// The cluster's first occurrence.
        First = "first",
        /// Its latest occurrence.
        Last = "last",
        /// One of a few occurrences whose texts differ from the others kept.
        Distinct = "distinct",
    }
);

/// Severity, ordered: a threshold keeps records at or above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Reads a level word in any case: `ERROR`, `err`, `E`, `warning`, `CRITICAL`, `panic`...
    pub fn parse(word: &str) -> Option<Level> {
        const NAMES: [(&str, Level); 31] = [
            ("INFO", Level::Info),
            ("ERROR", Level::Error),
            ("WARN", Level::Warn),
            ("DEBUG", Level::Debug),
            ("WARNING", Level::Warn),
            ("TRACE", Level::Trace),
            ("FATAL", Level::Fatal),
            ("CRITICAL", Level::Fatal),
            ("ERR", Level::Error),
            ("SEVERE", Level::Error),
            ("NOTICE", Level::Info),
            ("INFORMATION", Level::Info),
            ("DBG", Level::Debug),
            ("CRIT", Level::Fatal),
            ("ALERT", Level::Fatal),
            ("EMERG", Level::Fatal),
            ("EMERGENCY", Level::Fatal),
            ("PANIC", Level::Fatal),
            ("VERBOSE", Level::Debug),
            ("FINEST", Level::Trace),
            ("FINE", Level::Debug),
            // Serilog and zerolog's three-letter forms
            ("INF", Level::Info),
            ("WRN", Level::Warn),
            ("FTL", Level::Fatal),
            ("VRB", Level::Trace),
            ("TRC", Level::Trace),
            // logrus on a terminal cuts every level to four letters
            ("ERRO", Level::Error),
            ("FATA", Level::Fatal),
            ("PANI", Level::Fatal),
            ("DEBU", Level::Debug),
            ("TRAC", Level::Trace),
        ];
        let word = word.trim_matches(|c: char| !c.is_ascii_alphabetic());
        if word.len() > 11 || word.len() < 3 {
            return None;
        }
        // Every name starts with one of these letters: most words are rejected here.
        if !b"IEWDTFCSNAVP".contains(&word.as_bytes()[0].to_ascii_uppercase()) {
            return None;
        }
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, level)| *level)
    }

    /// Every level, lowest first.
    pub const ALL: &'static [Level] = &[
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The canonical name stored with events.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// As its canonical name (`ERROR`), the form in which it is stored.
impl Serialize for Level {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// From its canonical name only: what luffy stored, not the words logs spell levels with.
impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Level::ALL
            .iter()
            .copied()
            .find(|level| level.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
                de::Error::custom(format!("unknown level '{name}'; use {}", names.join(", ")))
            })
    }
}

named_enum!(
    /// What a notification tells. "RCA ready" joins when root-cause reports land: add its
    /// variant here and enqueue it where the RCA task stores a report (see `notify::enqueue`).
    NotifyEvent, "notification event", {
        /// A cluster seen for the first time.
        NewCluster = "new_cluster",
        /// A resolved cluster occurs again.
        Regression = "regression",
        /// A cluster's last hour is far above its usual rate.
        Spike = "spike",
        /// A root-cause report was written for a new or regressed cluster (or its top suspect
        /// changed).
        RcaReady = "rca_ready",
        /// An ignored cluster's snooze condition held: it reopened.
        Escalating = "escalating",
    }
);

named_enum!(
    /// Where a notification in the outbox stands.
    NotifyStatus, "notification status", {
        /// Not yet tried.
        Pending = "pending",
        /// Tried and failed; tried again at its next attempt.
        Retrying = "retrying",
        /// Sent.
        Delivered = "delivered",
        /// Given up on (too old, or its channel is gone), with the reason.
        Dead = "dead",
    }
);

/// How storing a batch of events changed one of the clusters it added to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterChange {
    /// The batch created it.
    New,
    /// It was resolved and occurs again: it reopened, flagged regressed.
    Regressed,
    /// It existed (open or ignored) and has more events.
    Grew,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_serialize_as_their_canonical_names_only() {
        for level in Level::ALL {
            let json = serde_json::to_string(level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
            assert_eq!(serde_json::from_str::<Level>(&json).unwrap(), *level);
        }
        let err = serde_json::from_str::<Level>("\"warning\"").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown level 'warning'; use TRACE, DEBUG, INFO, WARN, ERROR, FATAL"),
            "{err}"
        );
    }

    #[test]
    fn names_read_back_and_unknown_ones_list_the_accepted() {
        for task in Task::ALL {
            assert_eq!(task.as_str().parse::<Task>(), Ok(*task));
            assert_eq!(serde_json::to_value(task).unwrap(), task.as_str());
        }
        assert_eq!(
            "fetchh".parse::<Task>().unwrap_err(),
            "unknown task 'fetchh'; use fetch, rca, index, notify"
        );
        assert_eq!(
            "closed".parse::<ClusterStatus>().unwrap_err(),
            "unknown cluster status 'closed'; use open, resolved, ignored"
        );
        assert_eq!(TaskStatus::Skipped.to_string(), "skipped");
        assert_eq!(
            serde_json::from_str::<SampleRole>("\"distinct\"").unwrap(),
            SampleRole::Distinct
        );
        assert_eq!(
            serde_json::from_str::<Trigger>("\"schedule\"").unwrap(),
            Trigger::Schedule
        );
    }
}

/// An issue a `github=` channel opened for a cluster: what later calls (a comment, a reopen)
/// and `cluster show` need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackerIssue {
    /// The issue's number in its repository.
    pub number: u64,
    /// Its page (`https://github.com/OWNER/REPO/issues/N`).
    pub html_url: String,
    /// Its REST address, as the API answered it.
    pub api_url: String,
}
