//! The issues `github=` channels opened for clusters: one per cluster and repository.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{time_to_sql, Db};
use crate::domain::TrackerIssue;

impl Db<'_> {
    /// The issue opened for `cluster_id` in `repo` (a channel's target), if one was.
    pub fn cluster_issue(&self, cluster_id: i64, repo: &str) -> Result<Option<TrackerIssue>> {
        self.conn
            .prepare_cached(
                "SELECT number, html_url, api_url FROM cluster_issues
                 WHERE cluster_id = ?1 AND repo = ?2",
            )?
            .query_row(params![cluster_id, repo], |row| {
                Ok(TrackerIssue {
                    number: row.get(0)?,
                    html_url: row.get(1)?,
                    api_url: row.get(2)?,
                })
            })
            .optional()
            .with_context(|| format!("cluster {cluster_id}'s issue is unreadable"))
    }

    /// Records the issue opened for `cluster_id` in `repo`; one recorded already stays (a
    /// cluster is never given two issues in one repository).
    pub fn insert_cluster_issue(
        &self,
        cluster_id: i64,
        repo: &str,
        issue: &TrackerIssue,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO cluster_issues (cluster_id, repo, number, html_url, api_url, opened_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                cluster_id,
                repo,
                issue.number,
                issue.html_url,
                issue.api_url,
                time_to_sql(now)
            ])
            .with_context(|| format!("could not record cluster {cluster_id}'s issue"))?;
        Ok(())
    }

    /// The page of the first issue opened for `cluster_id` (in any repository), if any.
    pub fn cluster_issue_url(&self, cluster_id: i64) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT html_url FROM cluster_issues WHERE cluster_id = ?1
                 ORDER BY opened_at, repo LIMIT 1",
            )?
            .query_row([cluster_id], |row| row.get(0))
            .optional()
            .with_context(|| format!("cluster {cluster_id}'s issue is unreadable"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::Store;

    #[test]
    fn an_issue_is_recorded_once_per_cluster_and_repository() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        store
            .db()
            .conn
            .execute_batch(
                "INSERT INTO services (id, name, created_at, updated_at) VALUES ('web', 'web', 'a', 'a');
                 INSERT INTO clusters (service_id, fingerprint, kind, title, first_seen, last_seen,
                     count, status, created_at, updated_at)
                     VALUES ('web', 'tpl-1', 'template', 't', 'a', 'a', 1, 'open', 'a', 'a');",
            )
            .unwrap();
        let cluster = 1;
        let repo = "https://api.github.com/repos/acme/shop";
        let issue = |n: u64| TrackerIssue {
            number: n,
            html_url: format!("https://github.com/acme/shop/issues/{n}"),
            api_url: format!("{repo}/issues/{n}"),
        };
        assert_eq!(store.db().cluster_issue(cluster, repo).unwrap(), None);
        store
            .write(|db| {
                db.insert_cluster_issue(cluster, repo, &issue(7), now)?;
                db.insert_cluster_issue(cluster, repo, &issue(8), now)
            })
            .unwrap();
        assert_eq!(
            store.db().cluster_issue(cluster, repo).unwrap(),
            Some(issue(7))
        );
        assert_eq!(
            store.db().cluster_issue_url(cluster).unwrap().as_deref(),
            Some("https://github.com/acme/shop/issues/7")
        );
    }
}
