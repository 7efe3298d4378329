//! `luffy cluster merge TARGET SOURCE...` and `luffy cluster unmerge TARGET FINGERPRINT`.

use std::io::Write;

use anyhow::Result;

use super::cluster_show::{load, show_json, summary_json};
use super::Context;
use crate::cli::{ClusterMergeArgs, ClusterUnmergeArgs};
use crate::error::bad_input;
use crate::ui;

/// Runs `luffy cluster merge`: every source checked before anything is written, then all merged
/// in one transaction.
pub fn merge(ctx: &Context, args: &ClusterMergeArgs, out: &mut dyn Write) -> Result<()> {
    let target_id = args.target;
    let mut store = ctx.open_store()?;
    let (cluster, json) = store.write(|db| {
        let target = load(db, target_id)?;
        for (i, &id) in args.sources.iter().enumerate() {
            if id == target_id {
                return Err(bad_input(format!("cannot merge cluster {id} into itself")));
            }
            if args.sources[..i].contains(&id) {
                return Err(bad_input(format!("cluster {id} is named twice")));
            }
            let source = load(db, id)?;
            if source.service_id != target.service_id {
                return Err(bad_input(format!(
                    "cluster {id} is of service {}, cluster {target_id} of {}: clusters of two \
                     services cannot merge",
                    source.service_id, target.service_id
                )));
            }
        }
        for &id in &args.sources {
            db.merge_cluster(target_id, id, ctx.now)?;
        }
        let cluster = load(db, target_id)?;
        let json = if ctx.json {
            Some(show_json(db, &cluster)?)
        } else {
            None
        };
        Ok((cluster, json))
    })?;
    if let Some(json) = json {
        ui::write_json(out, &json)?;
    } else if !ctx.quiet {
        let sources: Vec<String> = args.sources.iter().map(i64::to_string).collect();
        let noun = if sources.len() == 1 {
            "cluster"
        } else {
            "clusters"
        };
        writeln!(
            out,
            "merged {noun} {} into cluster {target_id} ({} events): {}",
            sources.join(", "),
            cluster.count,
            ui::clip(&cluster.title)
        )?;
    }
    Ok(())
}

/// Runs `luffy cluster unmerge`.
pub fn unmerge(ctx: &Context, args: &ClusterUnmergeArgs, out: &mut dyn Write) -> Result<()> {
    let target_id = args.target;
    let fingerprint = args.fingerprint.as_str();
    let mut store = ctx.open_store()?;
    let (new, json) = store.write(|db| {
        let target = load(db, target_id)?;
        if target.fingerprint == fingerprint {
            return Err(bad_input(format!(
                "{fingerprint} is cluster {target_id}'s own fingerprint: only a fingerprint \
                 merged into it can be unmerged"
            )));
        }
        let merged = db.merged_fingerprints(target_id)?;
        if !merged.iter().any(|m| m.fingerprint == fingerprint) {
            return Err(bad_input(format!(
                "no fingerprint {fingerprint} was merged into cluster {target_id} (see `luffy \
                 cluster show {target_id}`)"
            )));
        }
        let new_id = db.unmerge_fingerprint(target_id, fingerprint, ctx.now)?;
        let new = load(db, new_id)?;
        let json = if ctx.json {
            let mut json = show_json(db, &load(db, target_id)?)?;
            json["unmerged_cluster"] = summary_json(&new);
            Some(json)
        } else {
            None
        };
        Ok((new, json))
    })?;
    if let Some(json) = json {
        ui::write_json(out, &json)?;
    } else if !ctx.quiet {
        writeln!(
            out,
            "unmerged {fingerprint} from cluster {target_id}: now cluster {} ({} events): {}",
            new.id,
            new.count,
            ui::clip(&new.title)
        )?;
    }
    Ok(())
}
