//! Warnings about secrets stored in the clear: passwords in URLs, which luffy refuses now but
//! which rows written before may hold (they keep working).

use super::Context;
use crate::service::{url_userinfo, without_userinfo, Service};
use crate::sources::{LogSource, SourceSettings};
use crate::ui;

/// Warns on stderr about each password that these services and sources keep in a URL, and says
/// how to move it out.
pub fn warn_stored_secrets(ctx: &Context, services: &[Service], sources: &[LogSource]) {
    for message in stored_secrets(ctx, services, sources) {
        ui::warn(&message);
    }
}

fn stored_secrets(ctx: &Context, services: &[Service], sources: &[LogSource]) -> Vec<String> {
    let db = ctx.db_path.display();
    let mut messages = Vec::new();
    for service in services {
        let id = &service.id;
        if let Some(url) = service
            .git
            .repository_url
            .as_deref()
            .filter(|u| has_password(u))
        {
            messages.push(format!(
                "service {id} keeps a password in its repository URL, in the clear in {db}; \
                 move it out: luffy service set {id} --repo '{}' (and let git find the \
                 credentials: a credential helper, or an SSH URL)",
                without_userinfo(url)
            ));
        }
        if service
            .notification
            .webhook_url
            .as_deref()
            .is_some_and(has_password)
        {
            messages.push(format!(
                "service {id} keeps a password in its webhook URL, in the clear in {db}; move it \
                 out: put the URL in an environment variable and run luffy service set {id} \
                 --webhook env:VAR"
            ));
        }
    }
    for source in sources {
        let url = match &source.settings {
            SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => {
                &search.url
            }
            SourceSettings::Loki(loki) => &loki.url,
            SourceSettings::File(_) | SourceSettings::Command(_) => continue,
        };
        if let Some((user, true)) = url_userinfo(url) {
            messages.push(format!(
                "source {service}/{name} keeps a password in its URL, in the clear in {db}; move \
                 it out: luffy source set {service} {name} --url '{}' --username {user} \
                 --password-env VAR (an environment variable that holds the password)",
                without_userinfo(url),
                service = source.service_id,
                name = source.name,
            ));
        }
    }
    messages
}

fn has_password(url: &str) -> bool {
    url_userinfo(url).is_some_and(|(_, password)| password)
}
