//! A service's notification channels, read from its settings: each webhook entry
//! (`[KIND=]URL|env:VAR`, the kind inferred from the URL's host when not given) and its email
//! recipients.

use std::fmt;

use crate::service::{redact_url, split_webhook_kind, webhook_entries, NotificationSettings};

/// What a channel speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A Slack incoming webhook: Block Kit with a text fallback.
    Slack,
    /// A Google Chat webhook: cardsV2 with a text fallback.
    GoogleChat,
    /// A Microsoft Teams webhook (a Workflows "post to a channel" trigger, or an older
    /// incoming webhook): an Adaptive Card in a `message`.
    Teams,
    /// luffy's own versioned JSON (README, "Webhook JSON").
    Generic,
    /// Email over the `[smtp]` server.
    Email,
    /// A GitHub repository's issues (`github=API_URL/repos/OWNER/REPO`): one issue per cluster,
    /// commented on as it changes ([`crate::notify::github`]).
    Github,
}

impl ChannelKind {
    /// The name in the outbox, `notify list` and an entry's `KIND=`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Slack => "slack",
            ChannelKind::GoogleChat => "googlechat",
            ChannelKind::Teams => "teams",
            ChannelKind::Generic => "webhook",
            ChannelKind::Email => "email",
            ChannelKind::Github => "github",
        }
    }

    /// The kind stored as [`ChannelKind::as_str`].
    pub fn parse(name: &str) -> Option<ChannelKind> {
        match name {
            "slack" => Some(ChannelKind::Slack),
            "googlechat" => Some(ChannelKind::GoogleChat),
            "teams" => Some(ChannelKind::Teams),
            "webhook" | "generic" => Some(ChannelKind::Generic),
            "email" => Some(ChannelKind::Email),
            "github" => Some(ChannelKind::Github),
            _ => None,
        }
    }

    /// The kind a webhook URL's host says: hooks.slack.com, chat.googleapis.com, Teams'
    /// `*.webhook.office.com` and Workflows' `*.logic.azure.com` and `*.powerplatform.com`,
    /// else generic.
    pub fn infer(url: &str) -> ChannelKind {
        let host = url
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .rsplit('@')
            .next()
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match host.as_str() {
            "hooks.slack.com" => ChannelKind::Slack,
            "chat.googleapis.com" => ChannelKind::GoogleChat,
            h if [
                ".webhook.office.com",
                ".logic.azure.com",
                ".powerplatform.com",
            ]
            .iter()
            .any(|suffix| h.ends_with(suffix)) =>
            {
                ChannelKind::Teams
            }
            _ => ChannelKind::Generic,
        }
    }
}

/// One channel: its kind and its target (a webhook's URL or `env:VAR`, or the recipients).
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    pub kind: ChannelKind,
    pub target: String,
}

impl Channel {
    /// The target as it may be printed: a webhook's token hidden.
    pub fn shown(&self) -> String {
        shown(self.kind, &self.target)
    }
}

/// A channel's target as it may be printed: recipients and a GitHub repository's API URL (the
/// token is in the environment) as they are, a webhook's URL with its token hidden.
pub fn shown(kind: ChannelKind, target: &str) -> String {
    match kind {
        ChannelKind::Email | ChannelKind::Github => target.to_string(),
        _ => redact_url(target),
    }
}

impl Channel {
    /// Whether each notification goes out alone, never in a digest: a GitHub issue is about one
    /// cluster.
    pub fn never_digested(kind: ChannelKind) -> bool {
        kind == ChannelKind::Github
    }
}

/// Never the target in the clear: it may hold a token.
impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.shown())
    }
}

/// The channels of a service's settings, webhooks first, in the order given (whether or not
/// notifications are on).
pub fn channels(settings: &NotificationSettings) -> Vec<Channel> {
    let mut out: Vec<Channel> = settings
        .webhook_url
        .as_deref()
        .map(webhook_entries)
        .into_iter()
        .flatten()
        .map(|entry| {
            let (kind, url) = split_webhook_kind(entry);
            let kind = match kind.and_then(ChannelKind::parse) {
                Some(kind) => kind,
                // An `env:VAR` entry's URL is read only when sending: its kind is generic unless
                // given.
                None => ChannelKind::infer(url),
            };
            Channel {
                kind,
                target: url.to_string(),
            }
        })
        .collect();
    if let Some(email) = settings.email.as_deref().filter(|e| !e.trim().is_empty()) {
        out.push(Channel {
            kind: ChannelKind::Email,
            target: email.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_inferred_from_the_host_or_given() {
        let settings = NotificationSettings {
            webhook_url: Some(
                "https://hooks.slack.com/services/T/B/x, https://chat.googleapis.com/v1/spaces/S/messages?key=k, \
                 generic=https://hooks.slack.com/x, slack=env:HOOK, https://example.com/h, \
                 https://acme.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d, \
                 https://prod-12.westus.logic.azure.com:443/workflows/w/triggers/manual/paths/invoke?sig=s, \
                 teams=env:TEAMS_HOOK, github=https://api.github.com/repos/acme/shop"
                    .into(),
            ),
            email: Some("a@b.io, c@d.io".into()),
            ..NotificationSettings::default()
        };
        let kinds: Vec<(&str, String)> = channels(&settings)
            .iter()
            .map(|c| (c.kind.as_str(), c.shown()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("slack", "https://hooks.slack.com/services/***".to_string()),
                ("googlechat", "https://chat.googleapis.com/v1/***".into()),
                ("webhook", "https://hooks.slack.com/x".into()),
                ("slack", "env:HOOK".into()),
                ("webhook", "https://example.com/h".into()),
                (
                    "teams",
                    "https://acme.webhook.office.com/webhookb2/***".into()
                ),
                (
                    "teams",
                    "https://prod-12.westus.logic.azure.com:443/workflows/***".into()
                ),
                ("teams", "env:TEAMS_HOOK".into()),
                ("github", "https://api.github.com/repos/acme/shop".into()),
                ("email", "a@b.io, c@d.io".into()),
            ]
        );
    }
}
