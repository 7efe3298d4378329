//! Log sources: where a service's records come from. One file per backend behind one closed enum;
//! a source returns records and a cursor, and the fetch task persists both in one transaction.

pub mod command;
pub mod file;
pub mod http;
pub mod loki;
pub mod search;
pub mod settings;
pub mod since;
pub mod wrapper;

pub use settings::{CommandSettings, FileSettings, LokiSettings, SearchSettings, SourceSettings};

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use command::CommandSource;
use loki::LokiSource;
use search::SearchSource;
use since::parse_since;

/// The kinds of log source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    File,
    Elasticsearch,
    Opensearch,
    Loki,
    Command,
}

impl SourceKind {
    pub const ALL: [SourceKind; 5] = [
        SourceKind::File,
        SourceKind::Elasticsearch,
        SourceKind::Opensearch,
        SourceKind::Loki,
        SourceKind::Command,
    ];

    /// The name used on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::File => "file",
            SourceKind::Elasticsearch => "elasticsearch",
            SourceKind::Opensearch => "opensearch",
            SourceKind::Loki => "loki",
            SourceKind::Command => "command",
        }
    }

    /// Parses a kind name, naming the accepted ones on error.
    pub fn parse(text: &str) -> Result<SourceKind, String> {
        SourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown log source kind '{text}'; use file, elasticsearch, opensearch, loki or command"
                )
            })
    }
}

/// One raw record as a source delivers it: a line of a file or of a command's output, a Loki log
/// line, or a search hit (message joined with its stack trace field, when there is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// The text: for search hits the message, a newline and the stack trace when the hit has a
    /// separate stack field; a Loki entry's line.
    pub text: String,
    /// The record's time when the source knows it apart from the text (search, Loki).
    pub timestamp: Option<DateTime<Utc>>,
    /// The record's level when the source knows it apart from the text (search level field).
    pub level: Option<String>,
    /// The version of the service that wrote it, when the source knows it apart from the text
    /// (a search hit's version field).
    pub version: Option<String>,
}

/// What one call to a remote source returns: records in order and the cursor after the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<RawRecord>,
    /// The cursor to store with these records (JSON, opaque to the caller); `None` when the page is
    /// empty and the cursor does not move.
    pub cursor: Option<serde_json::Value>,
    /// True when the source has nothing more after this page for now.
    pub done: bool,
}

/// A configured log source of a service, with its cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSource {
    pub id: i64,
    pub service_id: String,
    pub name: String,
    pub settings: SourceSettings,
    pub is_active: bool,
    /// Where the next fetch starts (JSON, per kind); `None` before the first fetch.
    pub cursor: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SourceSettings {
    /// The kind these settings are for.
    pub fn kind(&self) -> SourceKind {
        match self {
            SourceSettings::File(_) => SourceKind::File,
            SourceSettings::Elasticsearch(_) => SourceKind::Elasticsearch,
            SourceSettings::Opensearch(_) => SourceKind::Opensearch,
            SourceSettings::Loki(_) => SourceKind::Loki,
            SourceSettings::Command(_) => SourceKind::Command,
        }
    }

    /// Where the source reads from, for tables: a path, `url index`, `url query` or the command.
    pub fn location(&self) -> String {
        match self {
            SourceSettings::File(file) => file.path.clone(),
            SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => {
                format!(
                    "{} {}",
                    crate::service::redact_credentials(&search.url),
                    search.index
                )
            }
            SourceSettings::Loki(loki) => {
                format!(
                    "{} {}",
                    crate::service::redact_credentials(&loki.url),
                    loki.query
                )
            }
            SourceSettings::Command(command) => command.argv.join(" "),
        }
    }
}

/// A source ready to read: the one place a source's kind decides how it is read and tested.
/// A file is read as a stream of lines from its cursor, a command as it prints; the others a
/// page at a time.
// One value per source read, never in a collection: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Source<'a> {
    File(&'a FileSettings),
    /// A program whose output is read as it prints it.
    Command(CommandSource),
    Paged(PagedSource),
}

/// A source read a page at a time from its cursor: a search engine or Loki.
#[derive(Debug)]
pub struct PagedSource {
    client: PagedClient,
    /// Where the first fetch starts (`--since`), when set.
    since: Option<String>,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum PagedClient {
    Search(SearchSource),
    Loki(LokiSource),
}

impl Source<'_> {
    /// Checks the settings and builds the client for them.
    pub fn open(settings: &SourceSettings) -> Result<Source<'_>> {
        let (client, since) = match settings {
            SourceSettings::File(file) => return Ok(Source::File(file)),
            SourceSettings::Command(command) => {
                return Ok(Source::Command(CommandSource::new(command)?));
            }
            SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => (
                PagedClient::Search(SearchSource::new(search)?),
                &search.since,
            ),
            SourceSettings::Loki(loki) => (PagedClient::Loki(LokiSource::new(loki)?), &loki.since),
        };
        Ok(Source::Paged(PagedSource {
            client,
            since: since.clone(),
        }))
    }

    /// `source test`: what the source holds, or a precise error.
    pub fn test(&self, now: DateTime<Utc>) -> Result<String> {
        match self {
            Source::File(file) => file::describe(file),
            Source::Command(command) => command.test(now),
            Source::Paged(paged) => match &paged.client {
                PagedClient::Search(search) => search.test(now),
                PagedClient::Loki(loki) => loki.test(now),
            },
        }
    }
}

/// Where the first fetch of a source read by time starts: its `--since`, else one fetch interval
/// (`interval_minutes`) before `now`.
pub fn first_start(
    since: Option<&str>,
    interval_minutes: u32,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    match since {
        Some(text) => Ok(parse_since(text).map_err(anyhow::Error::msg)?.start(now)),
        None => Ok(now - Duration::minutes(i64::from(interval_minutes))),
    }
}

impl PagedSource {
    /// Where the first fetch starts: the source's `--since`, else one fetch interval
    /// (`interval_minutes`) before `now`.
    pub fn start(&self, interval_minutes: u32, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        first_start(self.since.as_deref(), interval_minutes, now)
    }

    /// The next page after `cursor` (from `start` when there is none), of up to `limit` records.
    pub fn fetch_page(
        &self,
        cursor: Option<&serde_json::Value>,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Page> {
        match &self.client {
            PagedClient::Search(search) => search.fetch_page(cursor, start, limit),
            PagedClient::Loki(loki) => loki.fetch_page(cursor, start, now, limit),
        }
    }
}
