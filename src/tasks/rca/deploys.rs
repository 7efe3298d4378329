//! The version that ran when a cluster was first seen: the version its events carry, else the
//! latest deploy before first-seen, else (no deploy known) the branch as it was then. Blame is
//! read in that version, and a commit starts running when the first deploy that holds it went
//! out, not when it reached the branch.

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::code::blame::Checkout;
use crate::rca::DeployRef;
use crate::store::{Cluster, Db, Deploy, DeploySource};

/// A service's deploys whose commits the repository has, oldest first.
pub struct Deploys {
    list: Vec<Deploy>,
    /// Deploys found in the logs whose version this run resolved to a commit: (id, commit).
    resolved: Vec<(i64, String)>,
    /// Whether the service's logs ever carried a version (each one is a deploy found in the
    /// logs): without one, no event of any cluster carries one, and its events are not read.
    logged: bool,
}

/// The version that ran at a cluster's first-seen, and the deploy before it.
pub struct Ran {
    pub deploy: Deploy,
    /// The full commit id of `deploy`.
    pub commit: String,
    /// The deploy before it, when one is known.
    pub previous: Option<Deploy>,
}

impl Deploys {
    /// The deploys of `service_id` that `checkout` can read; a version found in the logs is
    /// resolved here (a commit id's prefix, a tag) when it names a commit.
    pub fn load(db: &Db<'_>, service_id: &str, checkout: Option<&Checkout>) -> Result<Deploys> {
        let mut list = db.deploys(Some(service_id))?;
        list.reverse();
        let mut resolved = Vec::new();
        let logged = list.iter().any(|d| d.source == DeploySource::Logs);
        let Some(checkout) = checkout else {
            return Ok(Deploys {
                list: Vec::new(),
                resolved,
                logged,
            });
        };
        for deploy in &mut list {
            if deploy.commit.is_none() && deploy.source == DeploySource::Logs {
                if let Some(commit) = checkout.find(&deploy.rev)? {
                    resolved.push((deploy.id, commit.clone()));
                    deploy.commit = Some(commit);
                }
            }
        }
        list.retain(|d| d.commit.as_deref().is_some_and(|c| checkout.has(c)));
        Ok(Deploys {
            list,
            resolved,
            logged,
        })
    }

    /// Whether the service has no deploy the repository can read.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Deploys found in the logs whose version now names a commit: (id, commit).
    pub fn resolved(&self) -> &[(i64, String)] {
        &self.resolved
    }

    /// The version that ran when `cluster` was first seen: the version its earliest event
    /// carried (when it names a commit), else the latest deploy at or before first-seen.
    pub fn ran(&self, db: &Db<'_>, cluster: &Cluster, checkout: &Checkout) -> Result<Option<Ran>> {
        let version = if self.logged {
            db.cluster_first_version(cluster.id)?
        } else {
            None
        };
        if let Some(version) = version {
            let logged = self
                .list
                .iter()
                .position(|d| d.source == DeploySource::Logs && d.rev == version);
            if let Some(i) = logged {
                return Ok(Some(self.ran_at(i)));
            }
            if let Some(commit) = checkout.find(&version)? {
                // carried by the events, but not (yet) a recorded deploy: it ran from first-seen
                let deploy = Deploy {
                    id: 0,
                    service_id: cluster.service_id.clone(),
                    commit: Some(commit.clone()),
                    rev: version,
                    deployed_at: cluster.first_seen,
                    env: None,
                    source: DeploySource::Logs,
                };
                let previous = self
                    .list
                    .iter()
                    .rev()
                    .find(|d| d.deployed_at < cluster.first_seen)
                    .cloned();
                return Ok(Some(Ran {
                    deploy,
                    commit,
                    previous,
                }));
            }
        }
        Ok(self
            .list
            .iter()
            .rposition(|d| d.deployed_at <= cluster.first_seen)
            .map(|i| self.ran_at(i)))
    }

    fn ran_at(&self, i: usize) -> Ran {
        let deploy = self.list[i].clone();
        Ran {
            commit: deploy.commit.clone().unwrap_or_default(),
            previous: i.checked_sub(1).map(|p| self.list[p].clone()),
            deploy,
        }
    }

    /// When commit `id` started running, by the deploys up to the one that ran: the time of
    /// the first of them that holds it; `None` when none does or that one is the earliest
    /// luffy knows (it may have run before: from when it reached the branch), or was found in
    /// the logs (its time is only when the logs first said it).
    pub fn live_since(
        &self,
        checkout: &Checkout,
        ran: &Ran,
        id: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        let earliest = self.list.first().map(|d| d.id);
        for deploy in self
            .list
            .iter()
            .filter(|d| d.deployed_at <= ran.deploy.deployed_at)
            .chain(std::iter::once(&ran.deploy))
        {
            if let Some(commit) = &deploy.commit {
                if checkout.holds(commit, id)? {
                    // A version found in the logs ran by the time it was first seen there,
                    // maybe long before; what the earliest deploy luffy knows holds may have
                    // run before it too: when the commit reached the branch says more.
                    let known = deploy.source == DeploySource::Cli && Some(deploy.id) != earliest;
                    return Ok(known.then_some(deploy.deployed_at));
                }
            }
        }
        Ok(None)
    }
}

impl Ran {
    /// Whether the deploy that ran brought commit `id`: it holds it and the one before did not.
    pub fn brought(&self, checkout: &Checkout, id: &str) -> Result<bool> {
        if !checkout.holds(&self.commit, id)? {
            return Ok(false);
        }
        match self.previous.as_ref().and_then(|p| p.commit.as_deref()) {
            Some(previous) => Ok(!checkout.holds(previous, id)?),
            None => Ok(false),
        }
    }

    /// The deploy as the report names it, with how many commits it brought.
    pub fn reference(&self, checkout: &Checkout) -> Result<DeployRef> {
        let previous = self.previous.as_ref().and_then(|p| p.commit.clone());
        let brought = match &previous {
            Some(previous) => Some(checkout.commits_between(Some(previous), &self.commit)? as u64),
            None => None,
        };
        Ok(DeployRef {
            commit: self.commit.clone(),
            rev: self.deploy.rev.clone(),
            deployed_at: self.deploy.deployed_at,
            env: self.deploy.env.clone(),
            source: self.deploy.source.as_str().to_string(),
            previous_commit: previous,
            commits_since_previous: brought,
        })
    }
}
