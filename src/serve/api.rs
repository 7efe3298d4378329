//! The REST API under `/api/v1/`, paths as the design names them; each answers with the JSON
//! of the command that does the same (`GET /api/v1/services/status` is `luffy status --json`).

use super::{Handler, Reply, Req};
use crate::cli::StatusArgs;
use crate::commands::Context;
use crate::error::BadInput;

/// The reply of `/api/<rest>`, or `None` when no endpoint has that path.
pub fn route(handler: &Handler, req: &Req, rest: &[&str]) -> Option<Reply> {
    let read = req.is_read();
    Some(match rest {
        ["v1", "services", "status"] if read => handler.status.get(handler, |store| {
            command(handler, |ctx, out| {
                crate::commands::status::run_on(ctx, store, &StatusArgs { service: None }, out)
            })
        }),
        ["v1", "services", id, "status"] if read => {
            let id = match id.parse() {
                Ok(id) => id,
                Err(err) => return Some(Reply::error(404, format!("no service '{id}': {err}"))),
            };
            command(handler, |ctx, out| {
                crate::commands::status::run(ctx, &StatusArgs { service: Some(id) }, out)
            })
        }
        _ => return None,
    })
}

/// Runs a command with `--json` into a reply: its JSON with 200; bad input with 404 when it
/// names a service, cluster or run that does not exist, else 422; any other failure with 500.
pub fn command(
    handler: &Handler,
    run: impl FnOnce(&Context, &mut Vec<u8>) -> anyhow::Result<()>,
) -> Reply {
    let ctx = handler.context();
    let mut out = Vec::new();
    match run(&ctx, &mut out) {
        Ok(()) => Reply::json_text(200, out),
        Err(err) => error_reply(&err),
    }
}

/// The reply for a command's error.
pub fn error_reply(err: &anyhow::Error) -> Reply {
    match err.chain().find_map(|e| e.downcast_ref::<BadInput>()) {
        Some(bad) => {
            let text = bad.0.as_str();
            let missing = ["no service '", "no cluster ", "no task run ", "no deploy "]
                .iter()
                .any(|p| text.starts_with(p));
            Reply::error(if missing { 404 } else { 422 }, text)
        }
        None => Reply::error(500, format!("{err:#}")),
    }
}
