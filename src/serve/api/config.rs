//! `GET` and `PUT /api/v1/services/ID/config`: `service show --json`, and `service set` from a
//! body read like an entry of `service import` (a bad body changes nothing).

use super::{command, error_reply, service_id, Answer};
use crate::cli::{ServiceCommand, ServiceIdArg};
use crate::commands;
use crate::serve::{Handler, Reply};
use crate::service::ServiceId;
use crate::service_file::{parse_settings, SettingsError};

/// `luffy service show ID --json`.
pub fn show(handler: &Handler, id: &str) -> Answer {
    let id = service_id(id)?;
    Ok(shown(handler, id))
}

fn shown(handler: &Handler, id: ServiceId) -> Reply {
    command(handler, |ctx, out| {
        commands::service::run(ctx, &ServiceCommand::Show(ServiceIdArg { id }), out)
    })
}

/// `luffy service set ID ...` with the body's fields: 201 when it created the service, else
/// 200, with the service as `service show --json` prints it.
pub fn put(handler: &Handler, id: &str, body: &[u8]) -> Answer {
    let id: ServiceId = id
        .parse()
        .map_err(|err| Reply::error(422, format!("invalid service id: {err}")))?;
    let text = std::str::from_utf8(body)
        .map_err(|_| Reply::error(400, "malformed JSON: the body is not UTF-8"))?;
    let patch = parse_settings(text, &id).map_err(|err| match err {
        SettingsError::Malformed(message) => Reply::error(400, message),
        SettingsError::Invalid(message) => {
            Reply::error(422, format!("{message}; nothing was changed"))
        }
    })?;
    let (old, _) = commands::service::apply_patch(&handler.context(), &id, &patch)
        .map_err(|err| error_reply(&err))?;
    let mut reply = shown(handler, id);
    if reply.status == 200 && old.is_none() {
        reply.status = 201;
    }
    Ok(reply)
}
