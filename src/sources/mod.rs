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
use wrapper::LineFormat;

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
    /// The text: one line for line-oriented sources; for search hits the message, a newline and the
    /// stack trace when the hit has a separate stack field.
    pub text: String,
    /// The record's time when the source knows it apart from the text (search, Loki).
    pub timestamp: Option<DateTime<Utc>>,
    /// The record's level when the source knows it apart from the text (search level field).
    pub level: Option<String>,
    /// Whether `text` is a complete record (search hits, Loki entries) rather than one line that
    /// multi-line assembly may join with the next ones (files, command output).
    pub whole: bool,
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
/// A file is read as a stream of lines from its cursor; the others a page at a time.
// One value per source read, never in a collection: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Source<'a> {
    File(&'a FileSettings),
    Paged(PagedSource),
}

/// A source read a page at a time from its cursor: a search engine, Loki, or a command (whose one
/// run is one page).
#[derive(Debug)]
pub struct PagedSource {
    client: PagedClient,
    /// Where the first fetch starts (`--since`), when set.
    since: Option<String>,
    /// How the lines of a line-oriented source (a command's output) are wrapped.
    format: LineFormat,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum PagedClient {
    Search(SearchSource),
    Loki(LokiSource),
    Command(CommandSource),
}

impl Source<'_> {
    /// Checks the settings and builds the client for them.
    pub fn open(settings: &SourceSettings) -> Result<Source<'_>> {
        let (client, since, format) = match settings {
            SourceSettings::File(file) => return Ok(Source::File(file)),
            SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => (
                PagedClient::Search(SearchSource::new(search)?),
                &search.since,
                LineFormat::Plain,
            ),
            SourceSettings::Loki(loki) => (
                PagedClient::Loki(LokiSource::new(loki)?),
                &loki.since,
                LineFormat::Plain,
            ),
            SourceSettings::Command(command) => (
                PagedClient::Command(CommandSource::new(command)?),
                &command.since,
                command.format,
            ),
        };
        Ok(Source::Paged(PagedSource {
            client,
            since: since.clone(),
            format,
        }))
    }

    /// `source test`: what the source holds, or a precise error.
    pub fn test(&self, now: DateTime<Utc>) -> Result<String> {
        match self {
            Source::File(file) => file::describe(file),
            Source::Paged(paged) => match &paged.client {
                PagedClient::Search(search) => search.test(now),
                PagedClient::Loki(loki) => loki.test(now),
                PagedClient::Command(command) => command.test(now),
            },
        }
    }
}

impl PagedSource {
    /// Where the first fetch starts: the source's `--since`, else one fetch interval
    /// (`interval_minutes`) before `now`.
    pub fn start(&self, interval_minutes: u32, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        match &self.since {
            Some(text) => Ok(parse_since(text).map_err(anyhow::Error::msg)?.start(now)),
            None => Ok(now - Duration::minutes(i64::from(interval_minutes))),
        }
    }

    /// How the source's lines are wrapped, for the records that are lines (a command's output).
    pub fn line_format(&self) -> LineFormat {
        self.format
    }

    /// The next page after `cursor` (from `start` when there is none), of up to `limit` records
    /// (a command's run is one page, whatever its length).
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
            PagedClient::Command(command) => command.fetch(cursor, start, now),
        }
    }
}
