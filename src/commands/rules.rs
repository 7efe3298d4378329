//! `luffy rule add | list | rm`: a service's grouping rules, kept in order on the service (they
//! export and import with it). A rule applies to records fetched after it is added.

use std::io::Write;

use anyhow::Result;

use super::{unknown_service, Context};
use crate::cli::{GroupBy, RuleAddArgs, RuleCommand, RuleRmArgs, RuleServiceArg};
use crate::error::bad_input;
use crate::grouping::rules::{Action, Rule};
use crate::service::{Service, ServiceId};
use crate::store::Store;
use crate::ui;

/// Runs one `rule` subcommand.
pub fn run(ctx: &Context, command: &RuleCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        RuleCommand::Add(args) => add(ctx, args, out),
        RuleCommand::List(args) => list(ctx, args, out),
        RuleCommand::Rm(args) => rm(ctx, args, out),
    }
}

/// The rule that `rule add`'s arguments describe (clap has checked that one action is given).
fn rule_of(args: &RuleAddArgs) -> Result<Rule> {
    let action = match (&args.group_by, &args.fingerprint, args.ignore) {
        (Some(GroupBy::Type), _, _) => Action::ByType,
        (Some(GroupBy::Message), _, _) => Action::ByMessage,
        (Some(GroupBy::Frames), _, _) => Action::ByFrames,
        (None, Some(name), _) => {
            let name = name.trim();
            if name.is_empty() {
                return Err(bad_input("--fingerprint NAME cannot be empty"));
            }
            Action::Fingerprint(name.to_string())
        }
        (None, None, true) => Action::Ignore,
        (None, None, false) => {
            return Err(bad_input(
                "a rule needs an action: --group-by, --fingerprint or --ignore",
            ))
        }
    };
    let title = args.title.as_deref().map(str::trim);
    if title == Some("") {
        return Err(bad_input("--title cannot be empty"));
    }
    if title.is_some() && !matches!(action, Action::Fingerprint(_)) {
        return Err(bad_input(
            "--title names the cluster of a --fingerprint rule; other rules' clusters take \
             their titles from their records",
        ));
    }
    Ok(Rule {
        matchers: args.matchers.clone(),
        action,
        title: title.map(str::to_string),
    })
}

/// Changes the service's rules with `change` in one transaction; returns the service as saved.
fn edit(
    ctx: &Context,
    id: &ServiceId,
    change: impl FnOnce(&mut Vec<Rule>) -> Result<()>,
) -> Result<Service> {
    let mut store = ctx.open_store()?;
    store.write(|db| {
        let Some(mut service) = db.service(id)? else {
            return Err(unknown_service(db, id));
        };
        change(&mut service.grouping_rules)?;
        service.updated_at = ctx.now;
        db.update_service(&service)?;
        Ok(service)
    })
}

fn add(ctx: &Context, args: &RuleAddArgs, out: &mut dyn Write) -> Result<()> {
    let rule = rule_of(args)?;
    let text = rule.describe();
    let service = edit(ctx, &args.service, |rules| {
        rules.push(rule);
        Ok(())
    })?;
    let number = service.grouping_rules.len();
    if ctx.json {
        return ui::write_json(out, &rule_json(number, &service.grouping_rules[number - 1]));
    }
    ui::write_text(
        out,
        &format!(
            "added rule {number} of {}: {text}\n(it applies to records fetched from now on)\n",
            service.id
        ),
    )?;
    Ok(())
}

fn rm(ctx: &Context, args: &RuleRmArgs, out: &mut dyn Write) -> Result<()> {
    let mut removed = None;
    let service = edit(ctx, &args.service, |rules| {
        let count = rules.len();
        if args.number == 0 || args.number > count {
            return Err(bad_input(match count {
                0 => format!("{} has no grouping rules", args.service),
                1 => format!("no rule {}; {} has rule 1 only", args.number, args.service),
                _ => format!(
                    "no rule {}; {} has rules 1 to {count}",
                    args.number, args.service
                ),
            }));
        }
        removed = Some(rules.remove(args.number - 1));
        Ok(())
    })?;
    let Some(removed) = removed else {
        return Ok(());
    };
    if ctx.json {
        return ui::write_json(
            out,
            &serde_json::json!({"removed": rule_json(args.number, &removed)}),
        );
    }
    let text = removed.describe();
    ui::write_text(
        out,
        &format!("removed rule {} of {}: {text}\n", args.number, service.id),
    )?;
    Ok(())
}

fn list(ctx: &Context, args: &RuleServiceArg, out: &mut dyn Write) -> Result<()> {
    let store = Store::open_for_reading(&ctx.db_path)?;
    let db = store.db();
    let Some(service) = db.service(&args.service)? else {
        return Err(unknown_service(&db, &args.service));
    };
    let rules = &service.grouping_rules;
    if ctx.json {
        let list: Vec<_> = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| rule_json(i + 1, rule))
            .collect();
        return ui::write_json(out, &list);
    }
    if rules.is_empty() {
        ui::write_text(
            out,
            &format!(
                "{} has no grouping rules (add one with `luffy rule add {} MATCHER... --group-by type`)\n",
                service.id, service.id
            ),
        )?;
        return Ok(());
    }
    let mut table = ui::table(&["N", "MATCHERS", "ACTION", "TITLE"], ctx.color);
    for (i, rule) in rules.iter().enumerate() {
        let matchers: Vec<String> = rule.matchers.iter().map(ToString::to_string).collect();
        table.add_row(vec![
            (i + 1).to_string(),
            matchers.join(" "),
            rule.action.to_string(),
            rule.title.clone().unwrap_or_default(),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

/// A rule as `--json` prints it: its number, then the fields a service file holds.
fn rule_json(number: usize, rule: &Rule) -> serde_json::Value {
    let mut value = serde_json::to_value(rule).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.insert("number".into(), number.into());
    }
    value
}
