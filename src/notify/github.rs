//! GitHub issues over the REST API (`github=API_URL/repos/OWNER/REPO`): a cluster's first
//! notification opens its issue, later ones comment on it, a regression reopens it. The token
//! comes from the variable `[notify] github_token_env` names and is sent only as
//! `Authorization: Bearer`, never printed or stored.
//!
//! What each event does (the issue is the cluster's in this repository, as the outbox's caller
//! hands it over; a new one comes back to be stored with the delivery):
//! - `new_cluster`: opens the issue (title: the cluster's title; body: the summary; label
//!   `luffy`), or nothing when the cluster has one already;
//! - `rca_ready`: a comment with the report in short; opens the issue, report in its body, when
//!   there is none yet (its `new_cluster` still waiting or failing, or the channel added later);
//! - `regression` and `escalating`: reopens the issue and comments why; opens one when there is
//!   none;
//! - `spike`: a comment on the issue, nothing when there is none;
//! - `test` (`notify test`): reads the repository, which checks the URL and the token.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};

use super::message::{linkify, Item, Message};
use super::webhook::{describe, refused};
use crate::config::Notify;
use crate::domain::TrackerIssue;
use crate::escape::{github, markdown};
use crate::service::github_repo;

/// The label every issue luffy opens carries.
pub const LABEL: &str = "luffy";

/// What a delivery does, decided from the event and the cluster's issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Nothing,
    Open,
    Comment,
    ReopenAndComment,
    CheckRepository,
}

fn action(event: &str, has_issue: bool) -> Action {
    match (event, has_issue) {
        ("test", _) => Action::CheckRepository,
        ("new_cluster", true) | ("spike", false) => Action::Nothing,
        (_, false) => Action::Open,
        ("regression" | "escalating", true) => Action::ReopenAndComment,
        (_, true) => Action::Comment,
    }
}

/// Delivers `message` (one item) to the repository `target` as the module's head says; `issue`
/// is the cluster's issue there, if it has one. Gives the issue it opened, if it opened one.
pub fn deliver(
    target: &str,
    message: &Message<'_>,
    issue: Option<&TrackerIssue>,
    settings: &Notify,
) -> Result<Option<TrackerIssue>> {
    let [item] = message.items else {
        bail!("a github channel takes one notification at a time, not a digest");
    };
    let action = action(&item.event, issue.is_some());
    if action == Action::Nothing {
        return Ok(None);
    }
    let api = Api::new(target, settings)?;
    let body = markdown_of(message, item);
    match (action, issue) {
        (Action::CheckRepository, _) => api.call("GET", "", None).map(|_| None),
        (Action::Open, _) => api.open(item, &body).map(Some),
        (Action::ReopenAndComment, Some(issue)) => {
            api.reopen(issue)?;
            api.comment(issue, &body).map(|()| None)
        }
        (Action::Comment, Some(issue)) => api.comment(issue, &body).map(|()| None),
        _ => Ok(None),
    }
}

/// The item in GitHub Markdown: its headline in bold, its details as a list (the dashboard's
/// pages linked), and a hidden marker naming the cluster, so that an issue can be traced back.
fn markdown_of(message: &Message<'_>, item: &Item) -> String {
    let urls = message.links.urls(message.items);
    let mut out = format!("**{}**\n\n", github::text(&item.headline()));
    for line in item.details(&message.links) {
        let line = linkify(&github::text(&line), &urls, github::text, markdown::link);
        out.push_str("- ");
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(cluster) = &item.cluster {
        // the service id is a checked name and the id a number: nothing in it ends the comment
        let _ = write!(
            out,
            "\n<!-- luffy: service {}, cluster {} -->\n",
            item.service.id, cluster.id
        );
    }
    out
}

/// One repository of one API, with the token to call it.
struct Api {
    agent: ureq::Agent,
    /// `API_URL/repos/OWNER/REPO`.
    repo_url: String,
    token: String,
}

impl Api {
    fn new(target: &str, settings: &Notify) -> Result<Api> {
        let repo = github_repo(target).map_err(|err| anyhow!(err))?;
        let var = &settings.github_token_env;
        let token = match std::env::var(var) {
            Ok(token) if !token.trim().is_empty() => token.trim().to_string(),
            _ => bail!(
                "the environment variable {var} ([notify] github_token_env) is not set: it holds \
                 the token that writes the issues of {}/{}",
                repo.owner,
                repo.name
            ),
        };
        let timeout = Duration::from_secs(u64::from(settings.timeout_seconds.max(1)));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build();
        Ok(Api {
            agent: ureq::Agent::new_with_config(config),
            repo_url: format!("{}/repos/{}/{}", repo.api_base, repo.owner, repo.name),
            token,
        })
    }

    /// Opens the item's cluster's issue.
    fn open(&self, item: &Item, body: &str) -> Result<TrackerIssue> {
        let title = item
            .cluster
            .as_ref()
            .map_or_else(|| item.headline(), |c| c.title.clone());
        let created = self.call(
            "POST",
            "/issues",
            Some(&json!({"title": github::title(&title), "body": body, "labels": [LABEL]})),
        )?;
        let number = created["number"].as_u64().filter(|n| *n > 0);
        let html_url = created["html_url"].as_str();
        let (Some(number), Some(html_url)) = (number, html_url) else {
            bail!(
                "{}/issues answered without the new issue's number and html_url",
                self.repo_url
            );
        };
        let api_url = created["url"].as_str().map_or_else(
            || format!("{}/issues/{number}", self.repo_url),
            str::to_string,
        );
        Ok(TrackerIssue {
            number,
            html_url: html_url.to_string(),
            api_url,
        })
    }

    fn comment(&self, issue: &TrackerIssue, body: &str) -> Result<()> {
        let path = format!("/issues/{}/comments", issue.number);
        self.call("POST", &path, Some(&json!({ "body": body })))
            .map(|_| ())
    }

    fn reopen(&self, issue: &TrackerIssue) -> Result<()> {
        let path = format!("/issues/{}", issue.number);
        let state = json!({"state": "open", "state_reason": "reopened"});
        self.call("PATCH", &path, Some(&state)).map(|_| ())
    }

    /// `METHOD {repo_url}{path}`; a 2xx answer's JSON (null when it has none), else an error
    /// with GitHub's `message`.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.repo_url);
        let auth = format!("Bearer {}", self.token);
        let headers = [
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
            ("User-Agent", concat!("luffy/", env!("CARGO_PKG_VERSION"))),
            ("Authorization", auth.as_str()),
        ];
        let sent = match (method, body) {
            ("GET", _) => {
                let mut request = self.agent.get(&url);
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                request.call()
            }
            (_, body) => {
                let mut request = match method {
                    "PATCH" => self.agent.patch(&url),
                    _ => self.agent.post(&url),
                };
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                let body = body.map_or_else(String::new, Value::to_string);
                request.content_type("application/json").send(body.as_str())
            }
        };
        let mut response = sent.map_err(|err| anyhow!("{method} {url}: {}", describe(&err)))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .unwrap_or_default();
        if (200..300).contains(&status) {
            return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
        }
        let said = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or(text);
        Err(refused(&format!("{method} {url}"), status, &said))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_opens_comments_reopens_or_does_nothing() {
        let cases = [
            ("new_cluster", false, Action::Open),
            ("new_cluster", true, Action::Nothing),
            ("rca_ready", false, Action::Open),
            ("rca_ready", true, Action::Comment),
            ("regression", false, Action::Open),
            ("regression", true, Action::ReopenAndComment),
            ("escalating", true, Action::ReopenAndComment),
            ("spike", false, Action::Nothing),
            ("spike", true, Action::Comment),
            ("test", false, Action::CheckRepository),
        ];
        for (event, has_issue, expected) in cases {
            assert_eq!(action(event, has_issue), expected, "{event} {has_issue}");
        }
    }
}
