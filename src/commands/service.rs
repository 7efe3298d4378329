//! `luffy service add | set | show | list | rm | import | export`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::{unknown_service, Context};
use crate::cli::{
    ExportFormat, ServiceAddArgs, ServiceCommand, ServiceExportArgs, ServiceImportArgs,
    ServiceRmArgs, ServiceSetArgs, ServiceSettings,
};
use crate::duration::format_minutes;
use crate::error::bad_input;
use crate::service::{
    redact_credentials, refuse_repo_password, refuse_webhook_password, validate_branch,
    validate_env_name, validate_level, validate_name, validate_path_map, validate_prefix,
    validate_repo_path, validate_ssh_key, Cleared, Service, ServiceId, ServicePatch,
};
use crate::service_file::{self, Format};
use crate::store::{time_to_sql, Db};
use crate::ui;

/// Runs one `service` subcommand.
pub fn run(ctx: &Context, command: &ServiceCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        ServiceCommand::Add(args) => add(ctx, args, out),
        ServiceCommand::Set(args) => set(ctx, args, out),
        ServiceCommand::Show(args) => show(ctx, &args.id, out),
        ServiceCommand::List => list(ctx, out),
        ServiceCommand::Rm(args) => remove(ctx, args, out),
        ServiceCommand::Import(args) => import(ctx, args, out),
        ServiceCommand::Export(args) => export(ctx, args, out),
    }
}

/// Turns command-line settings into a patch, validating the free-text ones.
fn patch_from(settings: &ServiceSettings) -> Result<ServicePatch> {
    let check = |flag: &str, result: Result<String, String>| {
        result.map_err(|err| bad_input(format!("invalid value for '--{flag}': {err}")))
    };
    let repo_path = match settings.repo_path.as_deref() {
        None => None,
        Some(p) if p.eq_ignore_ascii_case("none") => Some(None),
        Some(p) => Some(Some(check("repo-path", validate_repo_path(p))?)),
    };
    let clearable =
        |flag: &str, value: Option<&str>, validate: fn(&str) -> Result<String, String>| {
            value
                .map(|v| {
                    if v.eq_ignore_ascii_case("none") {
                        Ok(None)
                    } else {
                        check(flag, validate(v)).map(Some)
                    }
                })
                .transpose()
        };
    Ok(ServicePatch {
        git_token_env: clearable(
            "git-token-env",
            settings.git_token_env.as_deref(),
            validate_env_name,
        )?,
        git_ssh_key: clearable("ssh-key", settings.ssh_key.as_deref(), validate_ssh_key)?,
        path_maps: repeated(&settings.path_maps, "path-map", validate_path_map)?,
        name: settings
            .name
            .as_deref()
            .map(|n| check("name", validate_name(n)))
            .transpose()?,
        repository_url: settings
            .repo
            .clone()
            .map(|url| no_password(url, "repo", refuse_repo_password))
            .transpose()?,
        git_branch: settings
            .branch
            .as_deref()
            .map(|b| check("branch", validate_branch(b)))
            .transpose()?,
        git_repo_path: repo_path,
        log_fetch_interval_minutes: settings.log_interval,
        rca_generation_enabled: settings.rca.map(|t| t.0),
        rca_generation_interval_minutes: settings.rca_interval,
        code_indexing_enabled: settings.indexing.map(|t| t.0),
        code_indexing_interval_hours: settings.index_interval,
        notification_enabled: settings.notify.map(|t| t.0),
        notification_webhook_url: settings
            .webhook
            .clone()
            .map(|url| no_password(url, "webhook", refuse_webhook_password))
            .transpose()?,
        notification_email: settings.email.clone().map(Cleared::into_option),
        notification_cooldown_minutes: settings.notify_cooldown,
        notification_threshold: settings.notify_threshold,
        is_active: settings.active.map(|t| t.0),
        level_threshold: settings
            .levels
            .as_deref()
            .map(|l| check("levels", validate_level(l)))
            .transpose()?,
        app_paths: prefixes(&settings.app_paths, "app-path")?,
        app_packages: prefixes(&settings.app_packages, "app-package")?,
        suspect_window_days: settings
            .suspect_window
            .as_deref()
            .map(|d| {
                crate::service::validate_days(d).map_err(|err| {
                    bad_input(format!("invalid value for '--suspect-window': {err}"))
                })
            })
            .transpose()?,
        ..ServicePatch::default()
    })
}

/// A URL flag's value, refused when it holds a password (checked here rather than by its clap
/// parser, whose message would quote the password).
fn no_password(
    url: Cleared<String>,
    flag: &str,
    refuse: fn(&str) -> Result<(), String>,
) -> Result<Option<String>> {
    if let Cleared::Set(text) = &url {
        refuse(text).map_err(|err| bad_input(format!("invalid value for '--{flag}': {err}")))?;
    }
    Ok(url.into_option())
}

/// A repeated prefix flag: nothing given leaves the list; `none` clears it.
fn prefixes(values: &[String], flag: &str) -> Result<Option<Vec<String>>> {
    repeated(values, flag, validate_prefix)
}

/// A repeated flag: nothing given leaves the list; `none` clears it; each value is checked.
fn repeated(
    values: &[String],
    flag: &str,
    validate: fn(&str) -> Result<String, String>,
) -> Result<Option<Vec<String>>> {
    if values.is_empty() {
        return Ok(None);
    }
    if values.iter().any(|v| v.eq_ignore_ascii_case("none")) {
        return Ok(Some(Vec::new()));
    }
    values
        .iter()
        .map(|v| {
            validate(v).map_err(|err| bad_input(format!("invalid value for '--{flag}': {err}")))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Refuses a display name that another service already has.
fn check_name_free(db: &Db<'_>, service: &Service) -> Result<()> {
    match db.service_named(&service.name)? {
        Some(owner) if owner != service.id.as_str() => Err(bad_input(format!(
            "name '{}' is already used by service '{owner}'",
            service.name
        ))),
        _ => Ok(()),
    }
}

fn add(ctx: &Context, args: &ServiceAddArgs, out: &mut dyn Write) -> Result<()> {
    let patch = patch_from(&args.settings)?;
    let mut store = ctx.open_store()?;
    let service = store.write(|db| {
        if db.service(&args.id)?.is_some() {
            return Err(bad_input(format!(
                "service '{}' already exists; change it with `luffy service set {} ...`",
                args.id, args.id
            )));
        }
        let mut service = Service::new(args.id.clone(), ctx.now);
        patch.apply(&mut service);
        check_name_free(db, &service)?;
        db.insert_service(&service)?;
        Ok(service)
    })?;
    if ctx.json {
        return show(ctx, &service.id, out);
    }
    if !ctx.quiet {
        writeln!(out, "added service {}", service.id)?;
    }
    Ok(())
}

fn set(ctx: &Context, args: &ServiceSetArgs, out: &mut dyn Write) -> Result<()> {
    let patch = patch_from(&args.settings)?;
    let (old, new) = apply_patch(ctx, &args.id, &patch)?;
    if ctx.json {
        return show(ctx, &new.id, out);
    }
    if ctx.quiet {
        return Ok(());
    }
    match old {
        None => writeln!(out, "created service {} (it did not exist)", new.id)?,
        Some(old) => {
            let changes = changes(&old, &new);
            if changes.is_empty() {
                writeln!(out, "service {} unchanged", new.id)?;
            } else {
                writeln!(out, "updated service {}", new.id)?;
                for change in changes {
                    writeln!(out, "  {change}")?;
                }
            }
        }
    }
    Ok(())
}

/// `service set`'s change, from a patch (the flags', or the API's `PUT .../config` body): the
/// fields it sets change, a missing service is created. Returns the service before (`None`: it
/// was created) and after.
pub fn apply_patch(
    ctx: &Context,
    id: &ServiceId,
    patch: &ServicePatch,
) -> Result<(Option<Service>, Service)> {
    let mut store = ctx.open_store()?;
    store.write(|db| {
        let old = db.service(id)?;
        let mut new = old
            .clone()
            .unwrap_or_else(|| Service::new(id.clone(), ctx.now));
        let changed = patch.apply(&mut new);
        check_name_free(db, &new)?;
        match &old {
            None => db.insert_service(&new)?,
            Some(_) if changed => {
                new.updated_at = ctx.now;
                db.update_service(&new)?;
            }
            Some(_) => {}
        }
        Ok((old, new))
    })
}

/// The fields that differ, as `field: old -> new`, with secrets redacted.
fn changes(old: &Service, new: &Service) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (
        serde_json::to_value(old.redacted()),
        serde_json::to_value(new.redacted()),
    ) else {
        return Vec::new();
    };
    b.iter()
        .filter(|(key, value)| key.as_str() != "updated_at" && a.get(*key) != Some(value))
        .map(|(key, value)| {
            let before = a.get(key).cloned().unwrap_or(serde_json::Value::Null);
            format!("{key}: {before} -> {value}")
        })
        .collect()
}

fn load(ctx: &Context, id: &ServiceId) -> Result<Service> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    db.service(id)?.ok_or_else(|| unknown_service(&db, id))
}

fn show(ctx: &Context, id: &ServiceId, out: &mut dyn Write) -> Result<()> {
    let service = load(ctx, id)?.redacted();
    if ctx.json {
        // As stored (`git_repo_path` null: the default), and where the checkout is.
        let mut json = serde_json::to_value(&service)?;
        let checkout = service
            .git
            .repo_path
            .clone()
            .unwrap_or_else(|| ctx.default_repo_path(&service.id).display().to_string());
        if let Some(object) = json.as_object_mut() {
            object.insert("checkout".into(), checkout.into());
        }
        ui::write_json(out, &json)?;
        return Ok(());
    }
    let or =
        |value: &Option<String>, fallback: &str| value.clone().unwrap_or_else(|| fallback.into());
    let switched = |on: bool, every: String| if on { every } else { "off".into() };
    let repo_path =
        service.git.repo_path.clone().unwrap_or_else(|| {
            format!("{} (default)", ctx.default_repo_path(&service.id).display())
        });
    let (schedule, notification) = (&service.schedule, &service.notification);
    let rows = [
        ("id", service.id.to_string()),
        ("name", service.name.clone()),
        ("active", ui::yes_no(service.is_active).into()),
        ("repository", or(&service.git.repository_url, "none")),
        ("branch", service.git.branch.clone()),
        ("repo path", repo_path),
        ("token from", or(&service.git.token_env, "none")),
        ("ssh key", or(&service.git.ssh_key, "ssh agent")),
        (
            "path maps",
            if service.git.path_maps.is_empty() {
                "none".into()
            } else {
                service.git.path_maps.join(", ")
            },
        ),
        (
            "log fetch",
            format!(
                "every {}",
                format_minutes(schedule.log_fetch_interval_minutes)
            ),
        ),
        (
            "rca",
            switched(
                schedule.rca_generation_enabled,
                format!(
                    "every {}",
                    format_minutes(schedule.rca_generation_interval_minutes)
                ),
            ),
        ),
        (
            "indexing",
            switched(
                schedule.code_indexing_enabled,
                format!(
                    "every {}",
                    format_minutes(schedule.code_indexing_interval_hours * 60)
                ),
            ),
        ),
        ("notifications", ui::yes_no(notification.enabled).into()),
        ("webhook", or(&notification.webhook_url, "none")),
        ("email", or(&notification.email, "none")),
        ("cooldown", format_minutes(notification.cooldown_minutes)),
        ("threshold", notification.threshold.to_string()),
        ("events from", service.level_threshold.clone()),
        ("app paths", list_or(&service.app_paths)),
        ("app packages", list_or(&service.app_packages)),
        (
            "suspect window",
            service.suspect_window_days.map_or_else(
                || format!("{} days (config)", ctx.config.rca.suspect_window_days),
                |d| format!("{d} days"),
            ),
        ),
        ("last log fetch", ui::ago(service.last_log_fetch, ctx.now)),
        ("last rca", ui::ago(service.last_rca_generation, ctx.now)),
        (
            "last indexing",
            ui::ago(service.last_code_indexing, ctx.now),
        ),
        ("created", time_to_sql(service.created_at)),
        ("updated", time_to_sql(service.updated_at)),
    ];
    let width = rows.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    for (key, value) in rows {
        writeln!(out, "{key:<width$}  {value}")?;
    }
    Ok(())
}

fn list_or(items: &[String]) -> String {
    if items.is_empty() {
        "default (everything but libraries and runtimes)".into()
    } else {
        items.join(", ")
    }
}

fn list(ctx: &Context, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let services = store.db().services()?;
    if ctx.json {
        let views: Vec<Service> = services.iter().map(Service::redacted).collect();
        ui::write_json(out, &views)?;
        return Ok(());
    }
    if services.is_empty() {
        writeln!(out, "no services yet; add one with `luffy service add ID`")?;
        return Ok(());
    }
    let mut table = ui::table(
        &["ID", "NAME", "ACTIVE", "BRANCH", "REPOSITORY", "NOTIFY"],
        ctx.color,
    );
    for service in &services {
        let notification = &service.notification;
        let notify = if notification.enabled {
            let targets: Vec<&str> = [
                notification.webhook_url.as_ref().map(|_| "webhook"),
                notification.email.as_ref().map(|_| "email"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if targets.is_empty() {
                "nowhere".into()
            } else {
                targets.join(", ")
            }
        } else {
            "off".to_string()
        };
        table.add_row(vec![
            service.id.to_string(),
            service.name.clone(),
            ui::yes_no(service.is_active).into(),
            service.git.branch.clone(),
            service
                .git
                .repository_url
                .as_deref()
                .map_or_else(|| "-".into(), redact_credentials),
            notify,
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

fn remove(ctx: &Context, args: &ServiceRmArgs, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    let service = {
        let db = store.db();
        match db.service(&args.id)? {
            Some(service) => service,
            None => return Err(unknown_service(&db, &args.id)),
        }
    };
    // The checkout luffy made (no `git_repo_path` of the user's) goes with the service.
    let checkout = service
        .git
        .repo_path
        .is_none()
        .then(|| ctx.default_repo_path(&args.id))
        .filter(|path| path.join(".git").exists() || path.join("HEAD").exists());
    if !args.yes
        && !confirm(&format!(
            "Remove service '{}' with its log sources, clusters and history{}? [y/N] ",
            args.id,
            checkout.as_ref().map_or_else(String::new, |p| format!(
                ", and its checkout {}",
                p.display()
            ))
        ))?
    {
        writeln!(out, "kept service {}", args.id)?;
        return Ok(());
    }
    store.write(|db| db.delete_service(&args.id))?;
    if ctx.json {
        ui::write_json(
            out,
            &serde_json::json!({"removed": serde_json::to_value(service.redacted())?}),
        )?;
    } else if !ctx.quiet {
        writeln!(out, "removed service {}", args.id)?;
    }
    if let Some(path) = checkout {
        // The service is gone already: a checkout that cannot be removed is only a warning.
        match std::fs::remove_dir_all(&path) {
            Ok(()) if !ctx.quiet => writeln!(out, "removed its checkout {}", path.display())?,
            Ok(()) => {}
            Err(err) => crate::ui::to_stderr(&format!(
                "luffy: warning: could not remove the checkout {}: {err}",
                path.display()
            )),
        }
    }
    Ok(())
}

/// Asks on the terminal; refuses when standard input is not one.
fn confirm(question: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(bad_input(
            "refusing to remove without --yes: standard input is not a terminal to confirm on",
        ));
    }
    // Not eprint!, which panics on a closed stderr.
    let mut stderr = std::io::stderr().lock();
    write!(stderr, "{question}")?;
    stderr.flush()?;
    drop(stderr);
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// What an import does to one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Action {
    Created,
    Updated,
    Unchanged,
}

#[derive(Serialize)]
struct Imported {
    id: String,
    action: Action,
}

fn read_input(path: &Path) -> Result<(String, Option<Format>)> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|err| bad_input(format!("cannot read standard input: {err}")))?;
        return Ok((text, None));
    }
    if path.is_dir() {
        return Err(bad_input(format!(
            "{} is a directory, not a service file",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|err| bad_input(format!("cannot read {}: {err}", path.display())))?;
    let format = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(ext) if ext == "json" => Some(Format::Json),
        Some(ext) if ext == "toml" => Some(Format::Toml),
        _ => None,
    };
    Ok((text, format))
}

fn import(ctx: &Context, args: &ServiceImportArgs, out: &mut dyn Write) -> Result<()> {
    let (text, format) = read_input(&args.file)?;
    let entries = service_file::parse(&text, format).map_err(|err| {
        bad_input(format!(
            "{}: {err}; nothing was imported",
            args.file.display()
        ))
    })?;
    let mut store = ctx.open_store()?;
    let apply = |db: &Db<'_>| -> Result<Vec<(Service, Action)>> {
        let existing = db.services()?;
        let mut plan = Vec::with_capacity(entries.len());
        for entry in &entries {
            let old = existing.iter().find(|s| s.id == entry.id);
            let mut service = old
                .cloned()
                .unwrap_or_else(|| Service::new(entry.id.clone(), ctx.now));
            let action = match (old, entry.patch.apply(&mut service)) {
                (None, _) => Action::Created,
                (Some(_), true) => Action::Updated,
                (Some(_), false) => Action::Unchanged,
            };
            if action == Action::Updated {
                service.updated_at = ctx.now;
            }
            plan.push((service, action));
        }
        check_names(&existing, &plan, &entries)?;
        if !args.dry_run {
            for (service, action) in &plan {
                match action {
                    Action::Created => db.insert_service(service)?,
                    Action::Updated => db.update_service(service)?,
                    Action::Unchanged => {}
                }
            }
        }
        Ok(plan)
    };
    let plan = store
        .write(apply)
        .map_err(|err| err.context(format!("{}: nothing was imported", args.file.display())))?;
    report_import(ctx, &plan, args.dry_run, out)
}

/// Every display name must stay unique once the whole file is applied.
fn check_names(
    existing: &[Service],
    plan: &[(Service, Action)],
    entries: &[service_file::Entry],
) -> Result<()> {
    let mut owners: std::collections::HashMap<&str, &str> = existing
        .iter()
        .filter(|s| !plan.iter().any(|(p, _)| p.id == s.id))
        .map(|s| (s.name.as_str(), s.id.as_str()))
        .collect();
    for ((service, _), entry) in plan.iter().zip(entries) {
        if let Some(owner) = owners.insert(&service.name, service.id.as_str()) {
            return Err(bad_input(format!(
                "entry {} ({}): field `name`: '{}' is already the name of service '{owner}'",
                entry.number, service.id, service.name
            )));
        }
    }
    Ok(())
}

fn report_import(
    ctx: &Context,
    plan: &[(Service, Action)],
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if ctx.json {
        let rows: Vec<Imported> = plan
            .iter()
            .map(|(s, action)| Imported {
                id: s.id.to_string(),
                action: *action,
            })
            .collect();
        ui::write_json(out, &rows)?;
        return Ok(());
    }
    if ctx.quiet {
        return Ok(());
    }
    for (service, action) in plan {
        let word = match (action, dry_run) {
            (Action::Created, false) => "created",
            (Action::Updated, false) => "updated",
            (Action::Created, true) => "would create",
            (Action::Updated, true) => "would update",
            (Action::Unchanged, _) => "unchanged",
        };
        let width = if dry_run { 12 } else { 9 };
        writeln!(out, "{word:<width$} {}", service.id)?;
    }
    Ok(())
}

fn export(ctx: &Context, args: &ServiceExportArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    let services = match &args.id {
        Some(id) => vec![db.service(id)?.ok_or_else(|| unknown_service(&db, id))?],
        None => db.services()?,
    };
    let format = match args.format {
        _ if ctx.json => Format::Json,
        ExportFormat::Toml => Format::Toml,
        ExportFormat::Json => Format::Json,
    };
    let text = service_file::export(&services, format).map_err(anyhow::Error::msg)?;
    out.write_all(text.as_bytes())?;
    Ok(())
}
