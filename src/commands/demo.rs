//! `luffy demo`: a self-contained database with the example services, a fetch of web-app's demo
//! log, an index of its repository, the status, the clusters found, the notifications in the
//! outbox (sent when `LUFFY_DEMO_WEBHOOK` names a webhook), and the root-cause report of its main
//! exception.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::{clusters, rca, status, Context};
use crate::cli::{ClustersArgs, DemoArgs, RcaShowArgs, StatusArgs};
use crate::code::history::{write_history, NewCommit};
use crate::domain::NotifyEvent;
use crate::grouping::rules::{Action, Rule};
use crate::notify::{Item, Message};
use crate::service::Service;
use crate::service_file::{self, Format};
use crate::sources::{FileSettings, LogSource, SourceSettings};
use crate::store::{Notification, Store};
use crate::tasks::{self, Task, TaskCounts, Trigger};

/// The variable that web-app's one channel reads its webhook URL from: unset, its notifications
/// wait in the outbox; set, the demo delivers them.
const DEMO_WEBHOOK_VAR: &str = "LUFFY_DEMO_WEBHOOK";

/// The seed's three services, as shipped in `examples/services.toml`.
const EXAMPLE_SERVICES: &str = include_str!("../../examples/services.toml");
/// A short application log of web-app with errors, tracebacks and noise.
const DEMO_LOG: &str = include_str!("../../examples/demo/web-app.log");

/// The code of web-app: the files its demo log's frames point at.
const DEMO_FILES: &[(&str, &str)] = &[
    (
        "README.md",
        include_str!("../../examples/demo/web-app-repo/README.md"),
    ),
    (
        ".github/CODEOWNERS",
        include_str!("../../examples/demo/web-app-repo/.github/CODEOWNERS"),
    ),
    (
        "app/api/views.py",
        include_str!("../../examples/demo/web-app-repo/app/api/views.py"),
    ),
    (
        "app/api/service.py",
        include_str!("../../examples/demo/web-app-repo/app/api/service.py"),
    ),
    (
        "app/db/repo.py",
        include_str!("../../examples/demo/web-app-repo/app/db/repo.py"),
    ),
    (
        "app/checkout/cart.py",
        include_str!("../../examples/demo/web-app-repo/app/checkout/cart.py"),
    ),
    (
        "app/checkout/views.py",
        include_str!("../../examples/demo/web-app-repo/app/checkout/views.py"),
    ),
    (
        "app/checkout/errors.py",
        include_str!("../../examples/demo/web-app-repo/app/checkout/errors.py"),
    ),
];

/// Writes web-app's repository in `path` with a few commits of history, the last ones days
/// before `now`: the application, then the two changes its demo log's errors come from.
/// Returns the commits' ids, in order.
fn write_demo_repo(path: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<String>> {
    let file = |name: &str| {
        DEMO_FILES
            .iter()
            .find(|(path, _)| *path == name)
            .map_or_else(String::new, |(_, text)| (*text).to_string())
    };
    let (repo, cart) = (file("app/db/repo.py"), file("app/checkout/cart.py"));
    // The versions before the changes: a lookup that could not fail, a plain sum.
    let old_repo = repo.replace("return self.rows[item_id]", "return self.rows.get(item_id)");
    let old_cart = cart.replace(
        "for line in self.lines) / self.count",
        "for line in self.lines)",
    );
    let mut first: Vec<(&str, String)> = DEMO_FILES
        .iter()
        .map(|(path, text)| (*path, (*text).to_string()))
        .collect();
    for (path, text) in &mut first {
        match *path {
            "app/db/repo.py" => text.clone_from(&old_repo),
            "app/checkout/cart.py" => text.clone_from(&old_cart),
            _ => {}
        }
    }
    let commit = |message, author, email, days, files| NewCommit {
        message,
        author,
        email,
        time: now - chrono::Duration::days(days),
        files,
    };
    let history = [
        commit(
            "web-app 2.13: items API and checkout",
            "Ada Lovelace",
            "ada@company.com",
            9,
            first,
        ),
        commit(
            "cart: total is the mean over lines (promotions weigh lines)",
            "Grace Hopper",
            "grace@company.com",
            3,
            vec![("app/checkout/cart.py", cart)],
        ),
        commit(
            "repo: fail loudly on missing rows instead of returning None",
            "Alan Turing",
            "alan@company.com",
            1,
            vec![("app/db/repo.py", repo)],
        ),
    ];
    write_history(path, "main", &history)
}

/// The demo's deploys: 2.13.0 (the first commit) two hours after it was made, and 2.14.0 (the
/// last) when the demo log says it started, as a deploy pipeline would record them with
/// `luffy deploy add web-app REV --at TIME --env production`.
fn record_demo_deploys(
    db: &crate::store::Db<'_>,
    commits: &[String],
    log_text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let (Some(first), Some(last)) = (commits.first(), commits.last()) else {
        return Ok(());
    };
    let started = log_text
        .lines()
        .find(|l| l.contains("starting web-app"))
        .and_then(|l| l.get(..19))
        .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
        .map_or(now - chrono::Duration::hours(1), |t| t.and_utc());
    for (commit, rev, at) in [
        (
            first,
            "2.13.0",
            now - chrono::Duration::days(9) + chrono::Duration::hours(2),
        ),
        (last, "2.14.0", started),
    ] {
        db.insert_deploy(
            &crate::store::NewDeploy {
                service_id: "web-app",
                commit: Some(commit),
                rev,
                deployed_at: at,
                env: Some("production"),
                source: crate::store::DeploySource::Cli,
            },
            now,
        )?;
    }
    Ok(())
}

/// web-app's grouping rule in the demo: the payment provider's declines are one cluster.
fn demo_rule() -> Result<Rule> {
    Ok(Rule {
        matchers: vec!["logger:web.payments"
            .parse()
            .map_err(|err: String| anyhow::anyhow!("the demo's rule is invalid: {err}"))?],
        action: Action::Fingerprint("card-declined".into()),
        title: Some("card declined by the payment provider".into()),
    })
}

/// The demo's merge: what it merged, by id and title.
struct DemoMerge {
    source: i64,
    source_title: String,
    target: i64,
    target_title: String,
}

/// Merges the cluster of the pool's "could not connect" into the one of "connection refused"
/// (one database outage, logged by two code paths), when both are there (a second run finds
/// them merged). Before any notification is sent: the merged cluster's is dropped.
fn merge_demo_clusters(
    store: &mut Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<DemoMerge>> {
    let clusters = store.db().clusters(Some("web-app"), None)?;
    let find = |prefix: &str| clusters.iter().find(|c| c.title.starts_with(prefix));
    let (Some(target), Some(source)) = (
        find("connection to <IP> refused"),
        find("could not connect to postgres"),
    ) else {
        return Ok(None);
    };
    store.write(|db| db.merge_cluster(target.id, source.id, now))?;
    Ok(Some(DemoMerge {
        source: source.id,
        source_title: source.title.clone(),
        target: target.id,
        target_title: target.title.clone(),
    }))
}

/// Runs the demo in `args.dir` (or a new folder under the system's temporary folder).
pub fn run(ctx: &Context, args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("luffy-demo-{}", ctx.now.format("%Y%m%d-%H%M%S")))
    });
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("could not create demo folder {}", dir.display()))?;
    let db_path = dir.join("luffy.db");
    let mut store = Store::open(&db_path)?;
    let entries = service_file::parse(EXAMPLE_SERVICES, Some(Format::Toml))
        .map_err(|err| anyhow::anyhow!("built-in examples are invalid: {err}"))?;
    let log = dir.join("web-app.log");
    if !log.exists() {
        std::fs::write(&log, shift_to_now(DEMO_LOG, ctx.now))
            .with_context(|| format!("could not write the demo log {}", log.display()))?;
        // A finished log, as if its writer stopped an hour ago: a fetch holds the last record
        // of a file still being written.
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .append(true)
            .open(&log)
            .and_then(|file| file.set_modified(hour_ago))
            .with_context(|| format!("could not date the demo log {}", log.display()))?;
    }
    let code = dir.join("web-app-src");
    let commits = if code.exists() {
        Vec::new()
    } else {
        write_demo_repo(&code, ctx.now)
            .with_context(|| format!("could not write the demo repository {}", code.display()))?
    };
    let created = store.write(|db| {
        let mut created = 0;
        for entry in &entries {
            if db.service(&entry.id)?.is_none() {
                let mut service = Service::new(entry.id.clone(), ctx.now);
                entry.patch.apply(&mut service);
                // The examples' webhooks and addresses are made up: the demo tells no one
                // (its channels are kept, to show; `--notify on` would try them).
                service.notification.enabled = false;
                if service.id.as_str() == "web-app" {
                    // Its code is the demo's repository, checked out beside the database.
                    service.git.repository_url = Some(code.to_string_lossy().into_owned());
                    service.git.repo_path = None;
                    service.git.path_maps = vec!["/srv/web-app/=".into()];
                    // One channel that the user fills in, or not.
                    service.notification.enabled = true;
                    service.notification.webhook_url = Some(format!("env:{DEMO_WEBHOOK_VAR}"));
                    service.notification.email = None;
                    // One grouping rule: every declined card is one cluster, whatever the text.
                    service.grouping_rules = vec![demo_rule()?];
                }
                db.insert_service(&service)?;
                created += 1;
            }
        }
        if !commits.is_empty() && db.deploys(Some("web-app"))?.is_empty() {
            let text = std::fs::read_to_string(&log)
                .with_context(|| format!("could not read the demo log {}", log.display()))?;
            record_demo_deploys(db, &commits, &text, ctx.now)?;
        }
        if db.source("web-app", "app")?.is_none() {
            db.insert_source(&LogSource {
                id: 0,
                service_id: "web-app".into(),
                name: "app".into(),
                settings: SourceSettings::File(FileSettings {
                    version_field: None,
                    path: log.to_string_lossy().into_owned(),
                    from_end: false,
                    format: crate::sources::wrapper::LineFormat::Auto,
                    timezone: None,
                }),
                is_active: true,
                cursor: None,
                created_at: ctx.now,
                updated_at: ctx.now,
            })?;
        }
        Ok(created)
    })?;
    let web = store
        .db()
        .service(&"web-app".parse().map_err(anyhow::Error::msg)?)?
        .context("the demo service web-app is missing")?;
    let report = tasks::run(
        &mut store,
        &web,
        Task::Fetch,
        Trigger::Manual,
        &ctx.task_env(),
    )?;
    let TaskCounts::Fetch(counts) = &report.counts else {
        anyhow::bail!("the demo's fetch reported no fetch counts");
    };
    let merged = merge_demo_clusters(&mut store, ctx.now)?;
    let demo_env = tasks::TaskEnv {
        db_path: &db_path,
        ..ctx.task_env()
    };
    let indexed = tasks::run(&mut store, &web, Task::Index, Trigger::Manual, &demo_env)?;
    if !indexed.errors.is_empty() {
        anyhow::bail!(
            "indexing the demo repository failed: {}",
            indexed.errors.join("; ")
        );
    }
    let rca = tasks::run(&mut store, &web, Task::Rca, Trigger::Manual, &demo_env)?;
    if !rca.errors.is_empty() {
        anyhow::bail!(
            "the demo's root-cause reports failed: {}",
            rca.errors.join("; ")
        );
    }
    // With a webhook to send to, web-app's notifications go out now; else they wait.
    let webhook_set = std::env::var_os(DEMO_WEBHOOK_VAR).is_some_and(|v| !v.is_empty());
    let notified = if webhook_set && tasks::notify::is_due(&store, &web, ctx.now)? {
        Some(tasks::run(
            &mut store,
            &web,
            Task::Notify,
            Trigger::Manual,
            &demo_env,
        )?)
    } else {
        None
    };
    let waiting = store.db().due_notifications("web-app", ctx.now)?;
    // The report shown: the exception cluster with the most events (the first seen of a tie).
    let main = store
        .db()
        .clusters(Some("web-app"), None)?
        .into_iter()
        .filter(|c| c.kind == crate::domain::ClusterKind::Exception)
        .max_by(|a, b| a.count.cmp(&b.count).then(b.first_seen.cmp(&a.first_seen)))
        .map(|c| c.id);
    drop(store);
    if !ctx.json {
        let c = counts;
        writeln!(
            out,
            "demo database {} ({created} example services added)\n\n\
             fetched web-app from {}: {} lines, {} records, {} errors in {} new clusters\n",
            db_path.display(),
            log.display(),
            c.lines,
            c.records,
            c.events,
            c.new_clusters
        )?;
        for rule in web.grouping_rules.iter().take(1) {
            writeln!(
                out,
                "grouped by web-app's rule 1: {} (`luffy rule list web-app`)",
                rule.describe()
            )?;
        }
        if let Some(m) = &merged {
            writeln!(
                out,
                "merged cluster {} ({}) into cluster {} ({}): one outage, told by two code paths \
                 (`luffy cluster show {}`; `luffy cluster unmerge` undoes it)",
                m.source, m.source_title, m.target, m.target_title, m.target
            )?;
        }
        if !web.grouping_rules.is_empty() || merged.is_some() {
            writeln!(out)?;
        }
        if let TaskCounts::Index(i) = &indexed.counts {
            writeln!(
                out,
                "indexed web-app's repository {} at {}: {} files, {} symbols\n",
                code.display(),
                i.commit.get(..12).unwrap_or(&i.commit),
                i.files_total,
                i.symbols_total
            )?;
        }
    }
    let demo_ctx = Context {
        db_path: db_path.clone(),
        config: ctx.config.clone(),
        now: ctx.now,
        json: ctx.json,
        color: ctx.color,
        quiet: ctx.quiet,
        fetch: ctx.fetch,
    };
    status::run(&demo_ctx, &StatusArgs { service: None }, out)?;
    if !ctx.json {
        writeln!(out)?;
        let args = ClustersArgs {
            service: None,
            status: None,
            owner: None,
        };
        clusters::list(&demo_ctx, &args, out)?;
        let db = crate::escape::shell::word(&db_path.display().to_string());
        writeln!(
            out,
            "\nexplore it:\n  luffy --db {db} rca show 2 --json\n  luffy --db {db} cluster show 2\n  luffy --db {db} history\n  \
             luffy --db {db} status web-app\n  \
             luffy --db {db} deploy list                  # 2.13.0, then 2.14.0 before the errors\n  \
             luffy --db {db} code find web-app /srv/web-app/app/db/repo.py:31\n  \
             luffy --db {db} code find web-app Cart.total\n  \
             luffy --db {db} run-due --dry-run            # what cron would run next\n\
             look at it in a browser:\n  \
             luffy --db {db} serve                        # then open http://127.0.0.1:8000/"
        )?;
        write_notifications(
            out,
            &db,
            notified.as_ref(),
            &waiting,
            ctx.config.notify.digest_after,
            &tasks::notify::links(&ctx.config, &db_path),
        )?;
        if let Some(id) = main {
            writeln!(
                out,
                "\nthe root-cause report of cluster {id} (`luffy rca show {id}`):\n"
            )?;
            let args = RcaShowArgs {
                cluster: id,
                markdown: true,
                all: false,
            };
            rca::show(&demo_ctx, &args, out)?;
        }
    }
    Ok(())
}

/// What web-app's channel got, or what waits for it in the outbox, and how to send it.
fn write_notifications(
    out: &mut dyn Write,
    db: &str,
    notified: Option<&tasks::TaskReport<TaskCounts>>,
    waiting: &[Notification],
    digest_after: u32,
    links: &crate::notify::Links,
) -> Result<()> {
    if let Some(report) = notified {
        if let TaskCounts::Notify(c) = &report.counts {
            writeln!(
                out,
                "\nnotified web-app through ${DEMO_WEBHOOK_VAR}: {} delivered in {} message(s), \
                 {} to retry",
                c.delivered, c.messages, c.retrying
            )?;
        }
        for error in &report.errors {
            writeln!(out, "  {error}")?;
        }
        return Ok(());
    }
    if waiting.is_empty() {
        return Ok(());
    }
    let items: Vec<Item> = waiting
        .iter()
        .filter_map(|n| serde_json::from_value(n.payload.clone()).ok())
        .collect();
    let count = |event: NotifyEvent| waiting.iter().filter(|n| n.event == event).count();
    writeln!(
        out,
        "\nnotifications: {} in the outbox for web-app's webhook env:{DEMO_WEBHOOK_VAR} \
         ({} new clusters, {} reports ready), waiting: ${DEMO_WEBHOOK_VAR} is not set.\n  \
         send them: {DEMO_WEBHOOK_VAR}=<a Slack, Google Chat, Teams or any webhook URL> \
         luffy --db {db} trigger notify web-app\n  \
         see them:  luffy --db {db} notify list\n\nwhat the channel would get{}:\n",
        waiting.len(),
        count(NotifyEvent::NewCluster),
        count(NotifyEvent::RcaReady),
        if items.len() > digest_after.max(1) as usize {
            " (one digest)"
        } else {
            " (the first message)"
        }
    )?;
    let shown = if items.len() > digest_after.max(1) as usize {
        &items[..]
    } else {
        &items[..1.min(items.len())]
    };
    let shown = links.apply(shown);
    for line in Message::new(&shown).linked(links.clone()).text().lines() {
        writeln!(out, "  | {line}")?;
    }
    Ok(())
}

/// The demo log with its times moved so that its last record is five minutes old.
fn shift_to_now(text: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    const FORMAT: &str = "%Y-%m-%d %H:%M:%S";
    let parse = |line: &str| {
        line.get(..19)
            .and_then(|head| chrono::NaiveDateTime::parse_from_str(head, FORMAT).ok())
    };
    let Some(last) = text.lines().rev().find_map(parse) else {
        return text.to_string();
    };
    let shift = now.naive_utc() - chrono::Duration::minutes(5) - last;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match parse(line) {
            Some(time) => {
                out.push_str(&(time + shift).format(FORMAT).to_string());
                out.push_str(&line[19..]);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
