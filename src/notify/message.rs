//! What a notification says, and how each channel gets it: the generic webhook's versioned JSON
//! (the outbox's payload), Slack Block Kit, Google Chat cardsV2, a Teams Adaptive Card, and an
//! email's subject, text
//! and HTML. More than one item makes a digest: one message listing them all. Each points its
//! reader somewhere ([`Links`]): the dashboard's pages when `[serve] public_url` is set, else
//! the command that shows the same.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::escape::{html, markdown, shell, slack, terminal};

/// The version of the generic webhook's JSON; a change that is not an addition bumps it.
pub const SCHEMA_VERSION: u32 = 1;

/// One event as the generic webhook receives it, and as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub version: u32,
    /// `new_cluster`, `regression`, `spike`, `rca_ready`, `escalating`, or `test`.
    pub event: String,
    pub service: ServiceRef,
    /// None for a test message.
    pub cluster: Option<ClusterRef>,
    /// `rca_ready` only: the report in short; null for the other events.
    pub rca: Option<RcaRef>,
    /// When luffy noticed (RFC 3339).
    pub created_at: String,
}

/// The service an item is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRef {
    pub id: String,
    pub name: String,
}

/// The cluster an item is about, as it stood when the item was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRef {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub exception_type: Option<String>,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub status: String,
    pub regressed: bool,
    /// Events of the cluster in the fetch batch that caused the item.
    pub new_events: u64,
    /// Spikes only: the last hour's count and the previous 24 hours' hourly mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_hour: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_mean: Option<f64>,
    /// Escalations only: the snooze condition that fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationRef>,
    /// The cluster's page on the dashboard (`{public_url}/clusters/{id}`), filled in when the
    /// message is sent with `[serve] public_url` set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The snooze condition that reopened an ignored cluster, as an `escalating` item carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRef {
    /// `for`, `until_count` or `until_rate`.
    pub condition: String,
    /// The condition's value: the time it ran until (RFC 3339), the count, or the rate (`5/10m`).
    pub value: String,
    /// When the cluster was ignored (RFC 3339).
    pub since: String,
    /// What fired, in words: "12 more events since it was ignored".
    pub fired: String,
}

/// A root-cause report in short, as an `rca_ready` item carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RcaRef {
    /// The report's generation (1 for the cluster's first).
    pub generation: u32,
    /// The indexed commit the report was written against.
    pub commit: Option<String>,
    /// The best-ranked suspect commit, if any.
    pub top_suspect: Option<SuspectRef>,
    /// How many suspects the report ranks.
    pub suspects: usize,
    /// Why there are no suspects, when there are none.
    pub no_suspects: Option<String>,
    /// The narrative's likely root cause, when an LLM wrote one.
    pub root_cause: Option<String>,
    /// The command that shows the whole report.
    pub show: String,
    /// The report's page on the dashboard (`{public_url}/clusters/{id}/rca`), filled in when
    /// the message is sent with `[serve] public_url` set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The owners of the throwing frame's file, from CODEOWNERS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
}

/// A suspect commit in short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuspectRef {
    pub commit: String,
    pub summary: String,
    pub author: String,
    /// RFC 3339.
    pub date: String,
    pub score: f64,
    /// `path:line` of the frame lines it last changed.
    pub touched_lines: Vec<String>,
    pub reasons: Vec<String>,
}

impl SuspectRef {
    /// `abc1234 "summary" by author on 2024-01-03`.
    fn line(&self) -> String {
        format!(
            "{} \"{}\" by {} on {}",
            short(&self.commit),
            self.summary,
            self.author,
            self.date.get(..10).unwrap_or(&self.date)
        )
    }
}

/// A commit id's first 10 characters.
fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

impl Item {
    /// What happened, in words: "New error", "Regression"...
    fn what(&self) -> &str {
        match self.event.as_str() {
            "new_cluster" => "New error",
            "regression" => "Regression",
            "spike" => "Spike",
            "rca_ready" => "Root cause ready",
            "escalating" => "Escalating",
            "test" => "Test notification",
            other => other,
        }
    }

    /// A headline: "New error in web: ValueError: bad input".
    pub fn headline(&self) -> String {
        let what = self.what();
        match &self.cluster {
            Some(cluster) => format!("{what} in {}: {}", self.service.id, cluster.title),
            None => format!("{what} from luffy for {}", self.service.id),
        }
    }

    /// The facts under the headline, one per line; the last ones say where to look.
    pub fn details(&self, links: &Links) -> Vec<String> {
        let Some(c) = &self.cluster else {
            return vec![format!(
                "This is a test message for service {} ({}).",
                self.service.id, self.service.name
            )];
        };
        let mut lines = vec![format!(
            "Cluster #{} ({}), {} events in all, {} new; first seen {}, last seen {}",
            c.id, c.kind, c.count, c.new_events, c.first_seen, c.last_seen
        )];
        if let Some(e) = &c.escalation {
            lines.push(format!(
                "Ignored since {} ({} {}); reopened: {}",
                e.since,
                e.condition.replace('_', "-"),
                e.value,
                e.fired
            ));
        }
        if let (Some(hour), Some(mean)) = (c.last_hour, c.hourly_mean) {
            lines.push(format!(
                "{hour} events in the last hour against {mean:.1} an hour over the 24 before"
            ));
        }
        match &self.rca {
            Some(rca) => {
                match (&rca.top_suspect, &rca.no_suspects) {
                    (Some(top), _) => {
                        lines.push(format!("Top suspect: {}", top.line()));
                        if !top.touched_lines.is_empty() {
                            lines.push(format!("It last changed {}", top.touched_lines.join(", ")));
                        }
                        if let Some(reason) = top.reasons.first() {
                            lines.push(format!("Why: {reason}"));
                        }
                    }
                    (None, Some(why)) => lines.push(format!("No suspect commit: {why}")),
                    (None, None) => lines.push("No suspect commit".to_string()),
                }
                if let Some(cause) = &rca.root_cause {
                    lines.push(format!("Likely root cause: {cause}"));
                }
                if !rca.owners.is_empty() {
                    lines.push(format!("Owners (CODEOWNERS): {}", rca.owners.join(", ")));
                }
                lines.push(format!("Report: {}", rca.url.as_ref().unwrap_or(&rca.show)));
                if let Some(url) = &c.url {
                    lines.push(format!("Cluster: {url}"));
                }
            }
            None => match &c.url {
                Some(url) => lines.push(format!("Open: {url}")),
                None => lines.push(format!(
                    "Inspect: {}",
                    links.command(&format!("cluster show {}", c.id))
                )),
            },
        }
        lines
    }

    /// Where a digest's line about this item points: the report's page, else the cluster's.
    fn url(&self) -> Option<&str> {
        let rca = self.rca.as_ref().and_then(|r| r.url.as_deref());
        rca.or_else(|| self.cluster.as_ref().and_then(|c| c.url.as_deref()))
    }
}

/// Where notifications point their reader: the dashboard (`[serve] public_url`), or the CLI,
/// with `--db` when the database is not the default one so that the command works when pasted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The dashboard's address, without a trailing `/`.
    public_url: Option<String>,
    /// The `--db` argument, shell-quoted, when the database is not the default.
    db: Option<String>,
}

impl Links {
    /// Links to `public_url` when given; commands with `--db db` when `db` is given.
    pub fn new(public_url: Option<&str>, db: Option<&std::path::Path>) -> Links {
        Links {
            public_url: public_url
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
            db: db.map(|p| shell::word(&p.display().to_string())),
        }
    }

    /// `luffy [--db PATH] args`.
    pub fn command(&self, args: &str) -> String {
        match &self.db {
            Some(db) => format!("luffy --db {db} {args}"),
            None => format!("luffy {args}"),
        }
    }

    /// A dashboard page's address.
    fn page(&self, path: &str) -> Option<String> {
        self.public_url.as_ref().map(|base| format!("{base}{path}"))
    }

    /// `items` as sent: cluster and report pages filled in, the report's command with `--db`.
    pub fn apply(&self, items: &[Item]) -> Vec<Item> {
        let mut items = items.to_vec();
        for item in &mut items {
            let Some(cluster) = &mut item.cluster else {
                continue;
            };
            let id = cluster.id;
            cluster.url = self.page(&format!("/clusters/{id}"));
            if let Some(rca) = &mut item.rca {
                rca.url = self.page(&format!("/clusters/{id}/rca"));
                rca.show = self.command(&format!("rca show {id}"));
            }
        }
        items
    }

    /// The URLs `items` link to, and the service's page.
    pub(super) fn urls(&self, items: &[Item]) -> Vec<String> {
        let mut urls: Vec<String> = items
            .iter()
            .flat_map(|i| {
                let cluster = i.cluster.as_ref().and_then(|c| c.url.clone());
                let rca = i.rca.as_ref().and_then(|r| r.url.clone());
                [cluster, rca]
            })
            .flatten()
            .collect();
        if let Some(first) = items.first() {
            urls.extend(self.page(&format!("/services/{}", first.service.id)));
        }
        urls
    }
}

/// `text` (escaped already by `escape`) with each of `urls` that stands as a word (followed by
/// white space or the end) made a link by `link(escaped url, url)`; the longest URL first, so
/// that `/clusters/1` does not take the start of `/clusters/1/rca` or `/clusters/12`.
pub(super) fn linkify(
    text: &str,
    urls: &[String],
    escape: fn(&str) -> String,
    link: fn(&str, &str) -> String,
) -> String {
    if urls.is_empty() {
        return text.to_string();
    }
    let mut escaped: Vec<(String, &str)> = urls.iter().map(|u| (escape(u), u.as_str())).collect();
    escaped.sort_by_key(|(e, _)| std::cmp::Reverse(e.len()));
    let mut out = String::with_capacity(text.len() * 2);
    let mut at = 0;
    'scan: while at < text.len() {
        let rest = &text[at..];
        for (e, url) in &escaped {
            if rest.starts_with(e.as_str())
                && rest[e.len()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
            {
                out.push_str(&link(e, url));
                at += e.len();
                continue 'scan;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        at += c.len_utf8();
    }
    out
}

/// A message for one channel: one item, or a digest of several, and where it points.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<'a> {
    pub items: &'a [Item],
    pub links: Links,
}

impl<'a> Message<'a> {
    /// A message about `items` (as [`Links::apply`] gave them) whose commands need no `--db`.
    pub fn new(items: &'a [Item]) -> Self {
        Message {
            items,
            links: Links::default(),
        }
    }

    /// The message with `links` for its commands and pages.
    #[must_use]
    pub fn linked(mut self, links: Links) -> Self {
        self.links = links;
        self
    }

    /// The URLs the message links to.
    fn urls(&self) -> Vec<String> {
        self.links.urls(self.items)
    }

    fn service(&self) -> &str {
        self.items.first().map_or("", |i| i.service.id.as_str())
    }

    /// The email subject, and the first line of every form.
    pub fn subject(&self) -> String {
        match self.items {
            [one] => format!("[luffy] {}", one.headline()),
            many => format!(
                "[luffy] {}: {} notifications (digest)",
                self.service(),
                many.len()
            ),
        }
    }

    /// The plain text: the email's text part and every webhook's fallback.
    pub fn text(&self) -> String {
        match self.items {
            [one] => {
                let mut out = one.headline();
                for line in one.details(&self.links) {
                    out.push('\n');
                    out.push_str(&line);
                }
                out
            }
            many => {
                let mut out = format!("{} notifications for {}:", many.len(), self.service());
                for item in many {
                    out.push_str("\n- ");
                    out.push_str(&item.headline());
                    if let Some(c) = &item.cluster {
                        let events = if c.count == 1 { "event" } else { "events" };
                        let _ = write!(out, " (cluster #{}, {} {events})", c.id, c.count);
                    }
                    if let Some(top) = item.rca.as_ref().and_then(|r| r.top_suspect.as_ref()) {
                        let _ = write!(out, "; top suspect {}", top.line());
                    }
                    if let Some(url) = item.url() {
                        let _ = write!(out, ": {url}");
                    }
                }
                let service = self.service();
                let list = self
                    .links
                    .page(&format!("/services/{service}"))
                    .unwrap_or_else(|| self.links.command(&format!("clusters {service}")));
                let _ = write!(out, "\nList them: {list}");
                out
            }
        }
    }

    /// The email's text part: [`Message::text`] with its control characters made visible.
    pub fn email_text(&self) -> String {
        terminal::visible(&self.text()).into_owned()
    }

    /// The email's subject: [`Message::subject`] on one line, control characters made visible.
    pub fn email_subject(&self) -> String {
        terminal::visible(&self.subject().replace(['\r', '\n'], " ")).into_owned()
    }

    /// The email's HTML part.
    pub fn html(&self) -> String {
        let urls = self.urls();
        let mut lines = self
            .email_text()
            .lines()
            .map(|line| linkify(&html::text(line), &urls, html::text, html::link))
            .collect::<Vec<_>>();
        let head = lines.remove(0);
        let mut out = format!("<html><body><h3>{head}</h3>\n");
        for line in lines {
            let _ = writeln!(out, "<p>{line}</p>");
        }
        out.push_str("</body></html>\n");
        out
    }

    /// The generic webhook's body: the item, or `{version, event: "digest", service, events}`.
    pub fn generic(&self) -> Value {
        match self.items {
            [one] => serde_json::to_value(one).unwrap_or(Value::Null),
            many => json!({
                "version": SCHEMA_VERSION,
                "event": "digest",
                "service": many.first().map(|i| &i.service),
                "events": many,
            }),
        }
    }

    /// A Slack incoming webhook's body: Block Kit, with `text` as the fallback. Every text
    /// field is escaped as Slack asks: log text is never a mention or a link.
    pub fn slack(&self) -> Value {
        let text = self.text();
        let (head, body) = text.split_once('\n').unwrap_or((&text, ""));
        json!({
            "text": slack::text(&text),
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": slack::text(&cut(head, 150))}},
                {"type": "section", "text": {"type": "mrkdwn", "text": slack::text(&cut(body, 3000))}},
            ],
        })
    }

    /// A Google Chat webhook's body: a cardsV2 card, with `text` as the fallback. The card's
    /// paragraph takes HTML (log text in it is escaped as HTML); the fallback text reads `<...>`
    /// as mentions and links (escaped as Slack's is).
    pub fn google_chat(&self) -> Value {
        let text = self.text();
        // the header says what happened in luffy's words; log text goes in the paragraph
        let title = match self.items {
            [one] => format!("{} in {}", one.what(), self.service()),
            many => format!("{} notifications for {}", many.len(), self.service()),
        };
        json!({
            "text": slack::text(&text),
            "cardsV2": [{
                "cardId": "luffy",
                "card": {
                    "header": {"title": title, "subtitle": format!("luffy: {}", self.service())},
                    "sections": [{"widgets": [{"textParagraph": {"text": linkify(&html::text(&text), &self.urls(), html::text, html::link).replace('\n', "<br>")}}]}],
                },
            }],
        })
    }

    /// A Microsoft Teams webhook's body: an Adaptive Card (1.4) in a `message`, which both
    /// Workflows and the older incoming webhooks take; the headline bold, then a text block per
    /// line.
    pub fn teams(&self) -> Value {
        let text = self.text();
        let urls = self.urls();
        let mut lines = text.lines();
        let head = lines.next().unwrap_or("");
        // an Adaptive Card's text is Markdown: log text in it is escaped as Markdown prose
        let mut body = vec![json!({
            "type": "TextBlock", "text": markdown::text(head), "weight": "Bolder", "size": "Medium", "wrap": true,
        })];
        body.extend(lines.map(|line| {
            let line = linkify(&markdown::text(line), &urls, markdown::text, markdown::link);
            json!({"type": "TextBlock", "text": line, "wrap": true})
        }));
        json!({
            "type": "message",
            "summary": head,
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }],
        })
    }
}

/// At most `max` characters (Slack's block limits).
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).chain(['…']).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, event: &str) -> Item {
        Item {
            version: SCHEMA_VERSION,
            event: event.into(),
            service: ServiceRef {
                id: "web".into(),
                name: "Web".into(),
            },
            cluster: Some(ClusterRef {
                id,
                title: format!("ValueError: bad {id}"),
                kind: "exception".into(),
                exception_type: Some("ValueError".into()),
                count: 3,
                first_seen: "2024-01-15T10:00:00Z".into(),
                last_seen: "2024-01-15T10:05:00Z".into(),
                status: "open".into(),
                regressed: false,
                new_events: 3,
                last_hour: None,
                hourly_mean: None,
                escalation: None,
                url: None,
            }),
            rca: None,
            created_at: "2024-01-15T10:06:00Z".into(),
        }
    }

    #[test]
    fn one_item_and_a_digest() {
        let one = [item(1, "new_cluster")];
        let message = Message::new(&one);
        assert_eq!(
            message.subject(),
            "[luffy] New error in web: ValueError: bad 1"
        );
        assert_eq!(
            message.text(),
            "New error in web: ValueError: bad 1\nCluster #1 (exception), 3 events in all, 3 new; \
             first seen 2024-01-15T10:00:00Z, last seen 2024-01-15T10:05:00Z\nInspect: luffy cluster show 1"
        );
        assert_eq!(message.generic()["version"], 1);
        assert_eq!(message.generic()["cluster"]["id"], 1);
        assert_eq!(
            message.slack()["blocks"][0]["text"]["text"],
            "New error in web: ValueError: bad 1"
        );
        assert!(
            message.google_chat()["cardsV2"][0]["card"]["header"]["title"]
                .as_str()
                .unwrap()
                .starts_with("New error")
        );
        let many = [item(1, "new_cluster"), item(2, "regression")];
        let digest = Message::new(&many);
        assert_eq!(digest.subject(), "[luffy] web: 2 notifications (digest)");
        assert_eq!(digest.generic()["event"], "digest");
        assert_eq!(digest.generic()["events"][1]["event"], "regression");
        assert!(digest
            .text()
            .contains("- Regression in web: ValueError: bad 2 (cluster #2, 3 events)"));
        assert!(digest
            .html()
            .starts_with("<html><body><h3>2 notifications for web:</h3>"));
    }

    #[test]
    fn an_escalating_item_says_which_condition_fired_on_every_channel() {
        let mut woke = item(5, "escalating");
        if let Some(cluster) = woke.cluster.as_mut() {
            cluster.escalation = Some(EscalationRef {
                condition: "until_count".into(),
                value: "10".into(),
                since: "2024-01-15T09:00:00Z".into(),
                fired: "12 more events since it was ignored".into(),
            });
        }
        let one = [woke];
        let message = Message::new(&one);
        assert_eq!(
            message.subject(),
            "[luffy] Escalating in web: ValueError: bad 5"
        );
        let line = "Ignored since 2024-01-15T09:00:00Z (until-count 10); reopened: 12 more \
                    events since it was ignored";
        assert!(message.text().contains(line), "{}", message.text());
        assert!(message.email_text().contains(line));
        assert!(message.html().contains("until-count 10"));
        for body in [message.slack(), message.google_chat(), message.teams()] {
            let text = body.to_string();
            assert!(
                text.contains("reopened: 12 more events since it was ignored"),
                "{text}"
            );
        }
        let generic = message.generic();
        assert_eq!(generic["event"], "escalating");
        assert_eq!(generic["cluster"]["escalation"]["condition"], "until_count");
        assert_eq!(generic["cluster"]["escalation"]["value"], "10");
        // other items carry no escalation key at all
        assert!(item(1, "new_cluster")
            .cluster
            .map(|c| serde_json::to_value(c).unwrap().get("escalation").is_none())
            .unwrap());
    }

    #[test]
    fn every_form_links_to_the_dashboard_when_it_has_an_address() {
        let links = Links::new(Some("https://luffy.example.com/"), None);
        let mut ready = item(12, "rca_ready");
        ready.rca = Some(RcaRef {
            generation: 1,
            commit: None,
            top_suspect: None,
            suspects: 0,
            no_suspects: Some("no index".into()),
            root_cause: None,
            show: "luffy rca show 12".into(),
            owners: Vec::new(),
            url: None,
        });
        let items = links.apply(&[item(1, "new_cluster"), ready]);
        let (one, rca) = (&items[..1], &items[1..]);
        let cluster = "https://luffy.example.com/clusters/1";
        let report = "https://luffy.example.com/clusters/12/rca";
        let message = Message::new(one).linked(links.clone());
        assert!(message.text().ends_with(&format!("\nOpen: {cluster}")));
        assert_eq!(message.generic()["cluster"]["url"], cluster);
        assert!(message.slack()["blocks"][1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains(cluster));
        assert!(message
            .html()
            .contains(&format!("<a href=\"{cluster}\">{cluster}</a>")));
        let chat = message.google_chat()["cardsV2"][0]["card"]["sections"][0]["widgets"][0]
            ["textParagraph"]["text"]
            .clone();
        assert!(chat
            .as_str()
            .unwrap()
            .contains(&format!("<a href=\"{cluster}\">")));
        let teams = message.teams().to_string();
        assert!(teams.contains(
            "Open: [https://luffy\\\\.example\\\\.com/clusters/1](<https://luffy.example.com/clusters/1>)"
        ), "{teams}");
        let message = Message::new(rca).linked(links.clone());
        let text = message.text();
        assert!(
            text.contains(&format!(
                "\nReport: {report}\nCluster: https://luffy.example.com/clusters/12"
            )),
            "{text}"
        );
        assert_eq!(message.generic()["rca"]["url"], report);
        // the longer URL is one link, not the cluster's with "/rca" after it
        assert!(message
            .html()
            .contains(&format!("<a href=\"{report}\">{report}</a>")));
        let digest = Message::new(&items).linked(links);
        let text = digest.text();
        assert!(
            text.contains(&format!("(cluster #1, 3 events): {cluster}\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!("(cluster #12, 3 events): {report}\n")),
            "{text}"
        );
        assert!(text.ends_with("List them: https://luffy.example.com/services/web"));
        assert_eq!(digest.generic()["events"][1]["rca"]["url"], report);
    }

    #[test]
    fn without_an_address_commands_name_a_database_that_is_not_the_default() {
        let links = Links::new(None, Some(std::path::Path::new("/srv/my luffy/l.db")));
        let items = links.apply(&[item(3, "new_cluster")]);
        assert_eq!(items[0].cluster.as_ref().unwrap().url, None);
        let text = Message::new(&items).linked(links.clone()).text();
        assert!(text.ends_with("\nInspect: luffy --db '/srv/my luffy/l.db' cluster show 3"));
        let mut ready = item(4, "rca_ready");
        ready.rca = Some(RcaRef {
            generation: 1,
            commit: None,
            top_suspect: None,
            suspects: 0,
            no_suspects: None,
            root_cause: None,
            show: "luffy rca show 4".into(),
            owners: Vec::new(),
            url: None,
        });
        let ready = links.apply(&[ready]);
        assert_eq!(ready[0].rca.as_ref().unwrap().url, None);
        let text = Message::new(&ready).linked(links.clone()).text();
        assert!(
            text.ends_with("\nReport: luffy --db '/srv/my luffy/l.db' rca show 4"),
            "{text}"
        );
        let digest = [item(1, "new_cluster"), item(2, "spike")];
        let text = Message::new(&digest).linked(links).text();
        assert!(text.ends_with("\nList them: luffy --db '/srv/my luffy/l.db' clusters web"));
    }

    #[test]
    fn an_rca_ready_item_names_its_top_suspect_and_the_report() {
        let mut ready = item(4, "rca_ready");
        ready.rca = Some(RcaRef {
            generation: 1,
            commit: Some("f00dfeed".repeat(5)),
            top_suspect: Some(SuspectRef {
                commit: "0123456789abcdef0123456789abcdef01234567".into(),
                summary: "db: refuse bad input".into(),
                author: "Ada".into(),
                date: "2024-01-03T10:00:00Z".into(),
                score: 0.9,
                touched_lines: vec!["app/db.py:5".into()],
                reasons: vec!["last changed the line the error was raised at".into()],
            }),
            suspects: 2,
            no_suspects: None,
            owners: vec!["@acme/db".into()],
            root_cause: None,
            show: "luffy rca show 4".into(),
            url: None,
        });
        assert_eq!(
            Message::new(std::slice::from_ref(&ready)).text(),
            "Root cause ready in web: ValueError: bad 4\n\
             Cluster #4 (exception), 3 events in all, 3 new; first seen 2024-01-15T10:00:00Z, \
             last seen 2024-01-15T10:05:00Z\n\
             Top suspect: 0123456789 \"db: refuse bad input\" by Ada on 2024-01-03\n\
             It last changed app/db.py:5\n\
             Why: last changed the line the error was raised at\n\
             Owners (CODEOWNERS): @acme/db\n\
             Report: luffy rca show 4"
        );
        let digest = [item(1, "new_cluster"), ready.clone()];
        assert!(Message::new(&digest).text().contains(
            "- Root cause ready in web: ValueError: bad 4 (cluster #4, 3 events); \
             top suspect 0123456789 \"db: refuse bad input\" by Ada on 2024-01-03"
        ));
        let mut none = ready;
        none.rca.as_mut().unwrap().top_suspect = None;
        none.rca.as_mut().unwrap().no_suspects = Some("the service has no code index".into());
        none.rca.as_mut().unwrap().owners.clear();
        assert!(Message::new(std::slice::from_ref(&none)).text().contains(
            "No suspect commit: the service has no code index\nReport: luffy rca show 4"
        ));
    }
}
