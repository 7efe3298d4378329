//! Notifications: a service's channels, the messages they get, and sending them (webhooks over
//! HTTP, email over SMTP, GitHub issues over its REST API). Values in, a send's result out: the outbox lives in `store/`, and
//! `tasks/notify/` decides what is due and records how each send went.

pub mod channel;
pub mod email;
pub mod github;
pub mod message;
pub mod webhook;

pub use channel::{channels, Channel, ChannelKind};
pub use message::{Item, Links, Message};

use anyhow::{bail, Result};

use crate::config::Config;
use crate::domain::TrackerIssue;

/// Sends `items` (one message, or a digest of them) to `channel`, pointing where `links` say.
pub fn send(channel: &Channel, items: &[Item], config: &Config, links: &Links) -> Result<()> {
    let items = links.apply(items);
    let message = Message::new(&items).linked(links.clone());
    match channel.kind {
        ChannelKind::Email => email::send(config.smtp.as_ref(), &channel.target, &message),
        // only a test message comes this way: a cluster's issue is kept by the outbox, which
        // calls [`send_github`]
        ChannelKind::Github if items.iter().all(|i| i.cluster.is_none()) => {
            github::deliver(&channel.target, &message, None, &config.notify).map(|_| ())
        }
        ChannelKind::Github => bail!("a github channel's notifications go through the outbox"),
        kind => webhook::send(kind, &channel.target, &message, &config.notify),
    }
}

/// Delivers one item about a cluster to the GitHub repository `target`, whose issue for the
/// cluster is `issue` if it has one (see [`github`]); gives the issue it opened, if it did.
pub fn send_github(
    target: &str,
    item: &Item,
    issue: Option<&TrackerIssue>,
    config: &Config,
    links: &Links,
) -> Result<Option<TrackerIssue>> {
    let items = links.apply(std::slice::from_ref(item));
    let message = Message::new(&items).linked(links.clone());
    github::deliver(target, &message, issue, &config.notify)
}
