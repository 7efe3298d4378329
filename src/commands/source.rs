//! `luffy source add | set | list | rm | test`: where each service's logs come from.

use std::io::Write;

use anyhow::Result;

use super::{unknown_service, Context};
use crate::cli::{SourceAddArgs, SourceCommand, SourceOptions, SourceRefArgs, SourceSetArgs};
use crate::domain::Level;
use crate::duration::parse_seconds;
use crate::error::bad_input;
use crate::service::ServiceId;
use crate::sources::wrapper::LineFormat;
use crate::sources::{
    CommandSettings, FileSettings, LogSource, LokiSettings, SearchSettings, Source, SourceKind,
    SourceSettings,
};
use crate::store::{Db, Store};
use crate::suggest::closest;
use crate::tasks::fetch::preview::{preview, Preview};
use crate::ui;

/// Runs one `source` subcommand.
pub fn run(ctx: &Context, command: &SourceCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        SourceCommand::Add(args) => add(ctx, args, out),
        SourceCommand::Set(args) => set(ctx, args, out),
        SourceCommand::List(args) => list(ctx, args.service.as_ref(), out),
        SourceCommand::Rm(args) => remove(ctx, args, out),
        SourceCommand::Test(args) => test(ctx, args, out),
    }
}

/// The longest source name accepted.
const MAX_NAME: usize = 64;

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(bad_input(format!(
            "source name '{name}' must be 1 to {MAX_NAME} letters, digits, '-', '_' or '.'"
        )))
    }
}

fn check_service(db: &Db<'_>, id: &ServiceId) -> Result<()> {
    match db.service(id)? {
        Some(_) => Ok(()),
        None => Err(unknown_service(db, id)),
    }
}

/// Loads a source, or explains that it does not exist (with a suggestion).
fn load(db: &Db<'_>, args: &SourceRefArgs) -> Result<LogSource> {
    check_service(db, &args.service)?;
    if let Some(source) = db.source(args.service.as_str(), &args.name)? {
        return Ok(source);
    }
    let names: Vec<String> = db
        .sources(Some(args.service.as_str()))?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let hint = match closest(&args.name, names.iter().map(String::as_str)) {
        Some(near) => format!("; did you mean '{near}'?"),
        None if names.is_empty() => " (it has no sources yet)".into(),
        None => format!(" (it has: {})", names.join(", ")),
    };
    Err(bad_input(format!(
        "service '{}' has no source '{}'{hint}",
        args.service, args.name
    )))
}

fn add(ctx: &Context, args: &SourceAddArgs, out: &mut dyn Write) -> Result<()> {
    check_name(&args.source.name)?;
    let settings = build(args.kind, &args.options, None)?;
    let mut store = ctx.open_store()?;
    store.write(|db| {
        check_service(db, &args.source.service)?;
        if db
            .source(args.source.service.as_str(), &args.source.name)?
            .is_some()
        {
            return Err(bad_input(format!(
                "service '{}' already has a source '{}'; change it with `luffy source set`",
                args.source.service, args.source.name
            )));
        }
        db.insert_source(&LogSource {
            id: 0,
            service_id: args.source.service.to_string(),
            name: args.source.name.clone(),
            settings: settings.clone(),
            is_active: args.options.active.is_none_or(|t| t.0),
            cursor: None,
            created_at: ctx.now,
            updated_at: ctx.now,
        })
    })?;
    warn_if_no_file(&args.source, &settings);
    if ctx.json {
        return write_source(ctx, &args.source, out);
    }
    if !ctx.quiet {
        writeln!(
            out,
            "added {} source {}/{}: {}",
            settings.kind().as_str(),
            args.source.service,
            args.source.name,
            settings.location()
        )?;
    }
    Ok(())
}

/// Warns when a file source's path or glob names no readable file now: every fetch would fail
/// until one appears. Not an error: the file may be created later (a service not started yet).
fn warn_if_no_file(source: &SourceRefArgs, settings: &SourceSettings) {
    let SourceSettings::File(file) = settings else {
        return;
    };
    if let Err(err) = crate::sources::file::describe(file) {
        ui::warn(&format!(
            "source {}/{}: {err:#}; its fetches fail until its path names a readable file \
             (check with `luffy source test {} {}`)",
            source.service, source.name, source.service, source.name
        ));
    }
}

fn set(ctx: &Context, args: &SourceSetArgs, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    let mut new_path = None;
    let changed = store.write(|db| {
        let mut source = load(db, &args.source)?;
        let settings = build(
            source.settings.kind(),
            &args.options,
            Some(&source.settings),
        )?;
        let active = args.options.active.map_or(source.is_active, |t| t.0);
        if settings == source.settings && active == source.is_active {
            return Ok(false);
        }
        if settings.location() != source.settings.location() {
            new_path = Some(settings.clone());
        }
        source.settings = settings;
        source.is_active = active;
        source.updated_at = ctx.now;
        db.update_source(&source)?;
        Ok(true)
    })?;
    if let Some(settings) = &new_path {
        warn_if_no_file(&args.source, settings);
    }
    if ctx.json {
        return write_source(ctx, &args.source, out);
    }
    if !ctx.quiet {
        let verb = if changed { "updated" } else { "unchanged:" };
        writeln!(
            out,
            "{verb} source {}/{}",
            args.source.service, args.source.name
        )?;
    }
    Ok(())
}

fn list(ctx: &Context, service: Option<&ServiceId>, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    if let Some(id) = service {
        check_service(&db, id)?;
    }
    let sources = db.sources(service.map(ServiceId::as_str))?;
    super::secrets::warn_stored_secrets(ctx, &[], &sources);
    if ctx.json {
        let rows: Vec<serde_json::Value> = sources.iter().map(source_json).collect();
        ui::write_json(out, &rows)?;
        return Ok(());
    }
    if sources.is_empty() {
        writeln!(
            out,
            "no log sources; add one with `luffy source add SERVICE NAME --kind file --path PATH`"
        )?;
        return Ok(());
    }
    let mut table = ui::table(
        &["SERVICE", "NAME", "KIND", "ACTIVE", "READS", "FETCHED"],
        ctx.color,
    );
    for source in &sources {
        table.add_row(vec![
            source.service_id.clone(),
            source.name.clone(),
            source.settings.kind().as_str().to_string(),
            ui::yes_no(source.is_active).to_string(),
            source.settings.location(),
            if source.cursor.is_some() {
                "yes"
            } else {
                "not yet"
            }
            .to_string(),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

/// A source as `source list --json` prints it; credentials are references only.
fn source_json(source: &LogSource) -> serde_json::Value {
    let mut settings = serde_json::to_value(&source.settings).unwrap_or_default();
    if let Some(url) = settings.get_mut("url") {
        if let Some(text) = url.as_str() {
            *url = crate::service::redact_credentials(text).into();
        }
    }
    serde_json::json!({
        "id": source.id,
        "service_id": source.service_id,
        "name": source.name,
        "kind": source.settings.kind().as_str(),
        "is_active": source.is_active,
        "settings": settings,
        "cursor": source.cursor,
    })
}

/// `--json` of a command that changed a source: the source as `source list --json` shows it.
fn write_source(ctx: &Context, args: &SourceRefArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let source = load(&store.db(), args)?;
    ui::write_json(out, &source_json(&source))?;
    Ok(())
}

fn remove(ctx: &Context, args: &SourceRefArgs, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    let removed = store.write(|db| {
        let source = load(db, args)?;
        db.delete_source(source.id)?;
        Ok(source)
    })?;
    if ctx.json {
        ui::write_json(out, &serde_json::json!({"removed": source_json(&removed)}))?;
        return Ok(());
    }
    if !ctx.quiet {
        writeln!(out, "removed source {}/{}", args.service, args.name)?;
    }
    Ok(())
}

fn test(ctx: &Context, args: &SourceRefArgs, out: &mut dyn Write) -> Result<()> {
    let store: Store = ctx.open_store_for_reading()?;
    let source = load(&store.db(), args)?;
    drop(store);
    let report = Source::open(&source.settings)?.test(ctx.now)?;
    let preview = match &source.settings {
        SourceSettings::File(settings) => preview(settings, ctx.now, PREVIEW_RECORDS)?,
        _ => None,
    };
    if ctx.json {
        let records: Vec<serde_json::Value> = preview
            .iter()
            .flat_map(|p| &p.records)
            .map(|r| {
                serde_json::json!({
                    "timestamp": r.timestamp.map(crate::store::log_time_to_sql),
                    "level": r.level.map(Level::as_str),
                    "logger": r.logger,
                    "message": r.message,
                })
            })
            .collect();
        return ui::write_json(
            out,
            &serde_json::json!({
                "service_id": args.service,
                "source": args.name,
                "kind": source.settings.kind(),
                "report": report,
                "format": preview.as_ref().map(|p| p.format.to_string()),
                "records": records,
            }),
        );
    }
    ui::write_text(out, &format!("{report}\n"))?;
    if let Some(preview) = preview {
        write_preview(ctx, &preview, out)?;
    }
    Ok(())
}

/// Records of a file that `source test` shows as a fetch reads them.
const PREVIEW_RECORDS: usize = 5;

/// The first records of a file source as they read: so that a user sees at once whether luffy
/// understands the format (a time of `-` is none of the record's own).
fn write_preview(ctx: &Context, preview: &Preview, out: &mut dyn Write) -> Result<()> {
    if preview.records.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nfirst records as read (lines: {}):", preview.format)?;
    let mut table = ui::table(&["TIME", "LEVEL", "LOGGER", "MESSAGE"], ctx.color);
    for record in &preview.records {
        table.add_row(vec![
            record
                .timestamp
                .map_or_else(|| "-".into(), crate::store::log_time_to_sql),
            record.level.map_or("-", Level::as_str).to_string(),
            record.logger.clone().unwrap_or_else(|| "-".into()),
            crate::text::cut(&record.message, 80).to_string(),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

/// Builds settings for `kind` from the flags, on top of `current` settings when changing a source.
fn build(
    kind: SourceKind,
    options: &SourceOptions,
    current: Option<&SourceSettings>,
) -> Result<SourceSettings> {
    reject_foreign_flags(kind, options)?;
    if let Some(url) = &options.url {
        check_no_credentials(url.trim())?;
    }
    let since = options.since.as_deref().map(check_since).transpose()?;
    Ok(match (kind, current) {
        (SourceKind::File, current) => {
            let mut file = match current {
                Some(SourceSettings::File(file)) => file.clone(),
                _ => FileSettings {
                    path: required(options.path.as_deref(), "--path", kind)?,
                    from_end: false,
                    format: LineFormat::Auto,
                    timezone: None,
                    version_field: None,
                },
            };
            optional(&mut file.version_field, options.version_field.as_deref());
            if let Some(path) = &options.path {
                path.trim().clone_into(&mut file.path);
            }
            if file.path.is_empty() {
                return Err(bad_input("--path cannot be empty"));
            }
            file.from_end |= options.from_end;
            if let Some(format) = options.format {
                file.format = format;
            }
            if let Some(zone) = &options.timezone {
                file.timezone = zone.clone().into_option();
            }
            SourceSettings::File(file)
        }
        (SourceKind::Elasticsearch | SourceKind::Opensearch, current) => {
            let mut search = match current {
                Some(SourceSettings::Elasticsearch(s) | SourceSettings::Opensearch(s)) => s.clone(),
                _ => SearchSettings {
                    url: required(options.url.as_deref(), "--url", kind)?,
                    index: required(options.index.as_deref(), "--index", kind)?,
                    query: None,
                    timestamp_field: "@timestamp".into(),
                    message_field: "message".into(),
                    level_field: "level".into(),
                    stack_field: None,
                    username: None,
                    password_env: None,
                    since: None,
                    version_field: None,
                },
            };
            optional(&mut search.version_field, options.version_field.as_deref());
            overwrite(&mut search.url, options.url.as_deref());
            overwrite(&mut search.index, options.index.as_deref());
            overwrite(
                &mut search.timestamp_field,
                options.timestamp_field.as_deref(),
            );
            overwrite(&mut search.message_field, options.message_field.as_deref());
            overwrite(&mut search.level_field, options.level_field.as_deref());
            optional(&mut search.stack_field, options.stack_field.as_deref());
            optional(&mut search.username, options.username.as_deref());
            optional(&mut search.password_env, options.password_env.as_deref());
            if let Some(query) = &options.query {
                search.query = parse_query(query)?;
            }
            if since.is_some() {
                search.since.clone_from(&options.since);
            }
            check_url(&search.url)?;
            check_env_name(search.password_env.as_deref())?;
            check_credentials(search.username.as_ref(), search.password_env.as_ref())?;
            if search.index.trim().is_empty() {
                return Err(bad_input("--index cannot be empty"));
            }
            if kind == SourceKind::Elasticsearch {
                SourceSettings::Elasticsearch(search)
            } else {
                SourceSettings::Opensearch(search)
            }
        }
        (SourceKind::Loki, current) => {
            let mut loki = match current {
                Some(SourceSettings::Loki(loki)) => loki.clone(),
                _ => LokiSettings {
                    url: required(options.url.as_deref(), "--url", kind)?,
                    query: required(options.query.as_deref(), "--query", kind)?,
                    org_id: None,
                    username: None,
                    password_env: None,
                    since: None,
                    version_field: None,
                },
            };
            optional(&mut loki.version_field, options.version_field.as_deref());
            overwrite(&mut loki.url, options.url.as_deref());
            overwrite(&mut loki.query, options.query.as_deref());
            optional(&mut loki.org_id, options.org_id.as_deref());
            optional(&mut loki.username, options.username.as_deref());
            optional(&mut loki.password_env, options.password_env.as_deref());
            if since.is_some() {
                loki.since.clone_from(&options.since);
            }
            check_url(&loki.url)?;
            check_env_name(loki.password_env.as_deref())?;
            check_credentials(loki.username.as_ref(), loki.password_env.as_ref())?;
            if !loki.query.trim_start().starts_with('{') {
                return Err(bad_input(format!(
                    "--query '{}' is not a LogQL selector (it starts with {{label=\"value\"}})",
                    loki.query
                )));
            }
            SourceSettings::Loki(loki)
        }
        (SourceKind::Command, current) => {
            let mut command = match current {
                Some(SourceSettings::Command(command)) => command.clone(),
                _ => CommandSettings {
                    argv: split_command(&required(options.command.as_deref(), "--command", kind)?)?,
                    timeout_seconds: 60,
                    since: None,
                    format: LineFormat::Auto,
                    timezone: None,
                    version_field: None,
                },
            };
            optional(&mut command.version_field, options.version_field.as_deref());
            if let Some(format) = options.format {
                command.format = format;
            }
            if let Some(text) = &options.command {
                command.argv = split_command(text)?;
            }
            if let Some(timeout) = &options.timeout {
                let seconds = parse_seconds(timeout)
                    .map_err(|err| bad_input(format!("invalid value for '--timeout': {err}")))?;
                command.timeout_seconds = u32::try_from(seconds.min(86_400)).unwrap_or(86_400);
            }
            if since.is_some() {
                command.since.clone_from(&options.since);
            }
            if let Some(zone) = &options.timezone {
                command.timezone = zone.clone().into_option();
            }
            SourceSettings::Command(command)
        }
    })
}

fn required(value: Option<&str>, flag: &str, kind: SourceKind) -> Result<String> {
    match value.map(str::trim) {
        Some(value) if !value.is_empty() => Ok(value.to_string()),
        _ => {
            let kind = kind.as_str();
            let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            Err(bad_input(format!("{article} {kind} source needs {flag}")))
        }
    }
}

fn overwrite(field: &mut String, value: Option<&str>) {
    if let Some(value) = value {
        value.trim().clone_into(field);
    }
}

/// Sets an optional field; `none` or an empty value clears it.
fn optional(field: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value.map(str::trim) {
        *field =
            (!value.is_empty() && !value.eq_ignore_ascii_case("none")).then(|| value.to_string());
    }
}

/// Refuses flags that do not apply to the kind, so that a typo is not silently ignored.
fn reject_foreign_flags(kind: SourceKind, o: &SourceOptions) -> Result<()> {
    use SourceKind::{Command, Elasticsearch, File, Loki, Opensearch};
    let flags: [(&str, bool, &[SourceKind]); 17] = [
        ("--timezone", o.timezone.is_some(), &[File, Command]),
        ("--path", o.path.is_some(), &[File]),
        ("--from-end", o.from_end, &[File]),
        ("--format", o.format.is_some(), &[File, Command]),
        ("--url", o.url.is_some(), &[Elasticsearch, Opensearch, Loki]),
        ("--index", o.index.is_some(), &[Elasticsearch, Opensearch]),
        (
            "--query",
            o.query.is_some(),
            &[Elasticsearch, Opensearch, Loki],
        ),
        (
            "--timestamp-field",
            o.timestamp_field.is_some(),
            &[Elasticsearch, Opensearch],
        ),
        (
            "--message-field",
            o.message_field.is_some(),
            &[Elasticsearch, Opensearch],
        ),
        (
            "--level-field",
            o.level_field.is_some(),
            &[Elasticsearch, Opensearch],
        ),
        (
            "--stack-field",
            o.stack_field.is_some(),
            &[Elasticsearch, Opensearch],
        ),
        (
            "--username",
            o.username.is_some(),
            &[Elasticsearch, Opensearch, Loki],
        ),
        (
            "--password-env",
            o.password_env.is_some(),
            &[Elasticsearch, Opensearch, Loki],
        ),
        ("--org-id", o.org_id.is_some(), &[Loki]),
        ("--command", o.command.is_some(), &[Command]),
        ("--timeout", o.timeout.is_some(), &[Command]),
        (
            "--since",
            o.since.is_some(),
            &[Elasticsearch, Opensearch, Loki, Command],
        ),
    ];
    for (flag, given, kinds) in flags {
        if given && !kinds.contains(&kind) {
            return Err(bad_input(format!(
                "{flag} does not apply to a {} source",
                kind.as_str()
            )));
        }
    }
    Ok(())
}

fn check_url(url: &str) -> Result<()> {
    if crate::service::is_http_url(url) {
        return Ok(());
    }
    Err(bad_input(format!(
        "--url '{}' is not an http(s) URL with a host",
        crate::service::redact_credentials(url)
    )))
}

/// Refuses a `--url` with userinfo: luffy stores settings as they are, so a password in the URL
/// would sit in the database in the clear. Sources stored with one before keep working (and
/// `source list` and `status` warn about them).
fn check_no_credentials(url: &str) -> Result<()> {
    let Some((user, password)) = crate::service::url_userinfo(url) else {
        return Ok(());
    };
    let shown = if password {
        crate::service::redact_credentials(url)
    } else {
        url.to_string()
    };
    let user = if user.is_empty() { "USER" } else { user };
    Err(bad_input(format!(
        "--url '{shown}' holds credentials, which luffy would store in the clear; give the URL \
         without them ('{}') with --username {user} and --password-env VAR (the name of an \
         environment variable that holds the password)",
        crate::service::without_userinfo(url)
    )))
}

fn check_env_name(name: Option<&str>) -> Result<()> {
    match name {
        Some(name)
            if name.is_empty()
                || name.starts_with(|c: char| c.is_ascii_digit())
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Err(bad_input(format!(
                "--password-env '{name}' is not an environment variable name (it takes the \
                 variable's name, never the password)"
            )))
        }
        _ => Ok(()),
    }
}

/// The search filter: a JSON object, or `none`/`default` for the built-in level filter.
fn parse_query(text: &str) -> Result<Option<serde_json::Value>> {
    if text.trim().is_empty() || matches!(text.trim(), "none" | "default") {
        return Ok(None);
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(Some(value)),
        Ok(_) => Err(bad_input("--query must be a JSON object (a query clause)")),
        Err(err) => Err(bad_input(format!("--query is not valid JSON: {err}"))),
    }
}

/// `--since`: an RFC 3339 time or a duration back from the time of the first fetch.
fn check_since(text: &str) -> Result<String> {
    let text = text.trim();
    crate::sources::since::parse_since(text)
        .map(|_| text.to_string())
        .map_err(|err| bad_input(format!("invalid value for '--since': {err}")))
}

/// A password is only sent with a user name.
fn check_credentials(username: Option<&String>, password_env: Option<&String>) -> Result<()> {
    if password_env.is_some() && username.is_none() {
        return Err(bad_input(
            "--password-env needs --username (basic authentication sends both)",
        ));
    }
    Ok(())
}

fn split_command(text: &str) -> Result<Vec<String>> {
    match shlex::split(text) {
        Some(argv) if !argv.is_empty() => Ok(argv),
        Some(_) => Err(bad_input("--command cannot be empty")),
        None => Err(bad_input(format!(
            "--command '{text}' has an unclosed quote"
        ))),
    }
}
