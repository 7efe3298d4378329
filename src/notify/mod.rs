//! Notifications: a service's channels, the messages they get, and sending them (webhooks over
//! HTTP, email over SMTP). Values in, a send's result out: the outbox lives in `store/`, and
//! `tasks/notify/` decides what is due and records how each send went.

pub mod channel;
pub mod email;
pub mod message;
pub mod webhook;

pub use channel::{channels, Channel, ChannelKind};
pub use message::{Item, Links, Message};

use anyhow::Result;

use crate::config::Config;

/// Sends `items` (one message, or a digest of them) to `channel`, pointing where `links` say.
pub fn send(channel: &Channel, items: &[Item], config: &Config, links: &Links) -> Result<()> {
    let items = links.apply(items);
    let message = Message::new(&items).linked(links.clone());
    match channel.kind {
        ChannelKind::Email => email::send(config.smtp.as_ref(), &channel.target, &message),
        kind => webhook::send(kind, &channel.target, &message, &config.notify),
    }
}
