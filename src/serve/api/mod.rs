//! The REST API under `/api/v1/`, paths as the design names them; each answers with the JSON
//! of the command that does the same (`GET /api/v1/services/status` is `luffy status --json`),
//! through the command's own code. Errors are `{"error": "..."}`: 404 for a service, cluster or
//! run that does not exist, 405 for a method a path does not take, 422 for a bad value.

mod config;
pub(crate) mod trigger;

use super::{Handler, Method, Reply, Req};
use crate::cli::{
    ClusterCommand, ClusterIdArg, ClustersArgs, DeployAddArgs, DeployCommand, DeployListArgs,
    HistoryArgs, NotifyCommand, NotifyListArgs, RcaCommand, RcaShowArgs, StatusArgs,
};
use crate::commands::{self, Context};
use crate::error::BadInput;
use crate::service::ServiceId;
use crate::tasks::Task;

/// A handler's answer: the reply, or the reply that refuses the request early.
type Answer = Result<Reply, Reply>;

/// The reply of `/api/<rest>`, or `None` when no endpoint has that path.
pub fn route(handler: &Handler, req: &Req, rest: &[&str]) -> Option<Reply> {
    let ["v1", path @ ..] = rest else {
        return None;
    };
    let get = |answer: &dyn Fn() -> Answer| only(req, Method::Get, answer);
    let post = |answer: &dyn Fn() -> Answer| only(req, Method::Post, answer);
    let reply = match path {
        ["services", "status"] => get(&|| Ok(handler.status.get())),
        ["services", id, "status"] => get(&|| {
            let service = Some(service_id(id)?);
            Ok(command(handler, |ctx, out| {
                commands::status::run(ctx, &StatusArgs { service }, out)
            }))
        }),
        ["services", id, "config"] => match req.method {
            Method::Get | Method::Head => config::show(handler, id),
            Method::Put => config::put(handler, id, &req.body),
            _ => Err(not_allowed("GET, PUT")),
        },
        ["services", id, "trigger-log-fetch"] => post(&|| trigger::start(handler, id, Task::Fetch)),
        ["services", id, "trigger-rca"] => post(&|| trigger::start(handler, id, Task::Rca)),
        ["services", id, "trigger-code-indexing"] => {
            post(&|| trigger::start(handler, id, Task::Index))
        }
        ["task-runs", id] => get(&|| {
            let id = number(id, "task run")?;
            Ok(command(handler, |ctx, out| {
                commands::run::show_run(ctx, id, out)
            }))
        }),
        ["services", id, "clusters"] => get(&|| clusters(handler, req, id)),
        ["services", id, "history"] => get(&|| history(handler, req, id)),
        ["services", id, "deploys"] => match req.method {
            Method::Get | Method::Head => deploys(handler, id),
            Method::Post => deploy(handler, id, &req.body),
            _ => Err(not_allowed("GET, POST")),
        },
        ["clusters", id] => get(&|| cluster(handler, id, ClusterCommand::Show)),
        ["clusters", id, "rca"] => get(&|| {
            let cluster = number(id, "cluster")?;
            let all = flag(req, "all")?;
            Ok(command(handler, |ctx, out| {
                let args = RcaShowArgs {
                    cluster,
                    markdown: false,
                    all,
                };
                commands::rca::run(ctx, &RcaCommand::Show(args), out)
            }))
        }),
        ["clusters", id, "resolve"] => post(&|| cluster(handler, id, ClusterCommand::Resolve)),
        ["clusters", id, "ignore"] => post(&|| ignore(handler, id, &req.body)),
        ["clusters", id, "reopen"] => post(&|| cluster(handler, id, ClusterCommand::Reopen)),
        ["notifications"] => get(&|| notifications(handler, req)),
        _ => return None,
    };
    Some(reply.unwrap_or_else(|refused| refused))
}

/// The answer of a path that takes one method (GET also answers HEAD), else 405.
fn only(req: &Req, method: Method, answer: &dyn Fn() -> Answer) -> Answer {
    let allowed = req.method == method || (method == Method::Get && req.method == Method::Head);
    if !allowed {
        return Err(not_allowed(match method {
            Method::Post => "POST",
            Method::Put => "PUT",
            _ => "GET",
        }));
    }
    answer()
}

/// 405, naming the methods the path takes.
fn not_allowed(allow: &'static str) -> Reply {
    let mut reply = Reply::error(405, format!("this path takes {allow} only"));
    reply.headers.push(("Allow", allow.to_string()));
    reply
}

/// A service id of the path; one that cannot be an id names no service.
fn service_id(text: &str) -> Result<ServiceId, Reply> {
    text.parse()
        .map_err(|err| Reply::error(404, format!("no service '{text}': {err}")))
}

/// A cluster's or a run's id of the path.
fn number(text: &str, what: &str) -> Result<i64, Reply> {
    text.parse()
        .map_err(|_| Reply::error(404, format!("no {what} '{text}': ids are whole numbers")))
}

/// Query parameter `name` parsed, when given; a bad value is 422 naming the parameter.
fn param<T: std::str::FromStr>(req: &Req, name: &str) -> Result<Option<T>, Reply>
where
    T::Err: std::fmt::Display,
{
    req.param(name)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse().map_err(|err| {
                Reply::error(
                    422,
                    format!("invalid value for query parameter '{name}': {err}"),
                )
            })
        })
        .transpose()
}

/// A `limit` parameter: a whole number >= 1, `default` when not given.
fn limit(req: &Req, default: usize) -> Result<usize, Reply> {
    match param::<usize>(req, "limit") {
        Ok(Some(0)) | Err(_) => Err(Reply::error(
            422,
            "invalid value for query parameter 'limit': a whole number >= 1",
        )),
        Ok(n) => Ok(n.unwrap_or(default)),
    }
}

/// A yes/no parameter (`true`, `false`, `1`, `0`...), false when not given.
fn flag(req: &Req, name: &str) -> Result<bool, Reply> {
    Ok(param::<crate::service::Toggle>(req, name)?.is_some_and(|t| t.0))
}

/// `luffy clusters SERVICE [--status S] [--owner O] --json`.
fn clusters(handler: &Handler, req: &Req, id: &str) -> Answer {
    let args = ClustersArgs {
        service: Some(service_id(id)?),
        status: param(req, "status")?,
        owner: req.param("owner").filter(|o| !o.is_empty()).map(Into::into),
    };
    Ok(command(handler, |ctx, out| {
        commands::clusters::list(ctx, &args, out)
    }))
}

/// `luffy history SERVICE [--task T] [--status S] [--limit N] --json`.
fn history(handler: &Handler, req: &Req, id: &str) -> Answer {
    let args = HistoryArgs {
        service: Some(service_id(id)?),
        task: param(req, "task")?,
        status: param(req, "status")?,
        limit: limit(req, 20)?,
    };
    Ok(command(handler, |ctx, out| {
        commands::run::history(ctx, &args, out)
    }))
}

/// `luffy notify list [SERVICE] [--status S] [--limit N] --json`.
fn notifications(handler: &Handler, req: &Req) -> Answer {
    let service = req
        .param("service")
        .filter(|s| !s.is_empty())
        .map(service_id)
        .transpose()?;
    let args = NotifyListArgs {
        service,
        status: param(req, "status")?,
        limit: limit(req, 50)?,
    };
    Ok(command(handler, |ctx, out| {
        commands::notify::run(ctx, &NotifyCommand::List(args), out)
    }))
}

/// `luffy cluster show|resolve|ignore|reopen ID --json`.
fn cluster(handler: &Handler, id: &str, make: fn(ClusterIdArg) -> ClusterCommand) -> Answer {
    let id = number(id, "cluster")?;
    Ok(command(handler, |ctx, out| {
        commands::clusters::run(ctx, &make(ClusterIdArg { id }), out)
    }))
}

/// The body of `POST /api/v1/clusters/ID/ignore`, optional: at most one snooze condition, as
/// `cluster ignore --for | --until-count | --until-rate` take it.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IgnoreBody {
    #[serde(default, rename = "for")]
    for_: Option<String>,
    #[serde(default)]
    until_count: Option<serde_json::Value>,
    #[serde(default)]
    until_rate: Option<String>,
}

/// `luffy cluster ignore ID [--for D | --until-count N | --until-rate N/D] --json`.
fn ignore(handler: &Handler, id: &str, body: &[u8]) -> Answer {
    let id = number(id, "cluster")?;
    let body: IgnoreBody = if body.iter().all(u8::is_ascii_whitespace) {
        IgnoreBody::default()
    } else {
        json_body(body)?
    };
    let given = [
        body.for_.is_some(),
        body.until_count.is_some(),
        body.until_rate.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(Reply::error(
            422,
            "give at most one of `for`, `until_count` and `until_rate`",
        ));
    }
    let bad = |field: &str, err: String| Reply::error(422, format!("field `{field}`: {err}"));
    let for_seconds = body
        .for_
        .as_deref()
        .map(|d| crate::triage::parse_snooze_for(d).map_err(|e| bad("for", e)))
        .transpose()?;
    let until_count = body
        .until_count
        .as_ref()
        .map(|v| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            crate::triage::parse_count(&text).map_err(|e| bad("until_count", e))
        })
        .transpose()?;
    let until_rate = body
        .until_rate
        .as_deref()
        .map(|r| crate::triage::parse_rate(r).map_err(|e| bad("until_rate", e)))
        .transpose()?;
    let args = crate::cli::ClusterIgnoreArgs {
        id,
        for_seconds,
        until_count,
        until_rate,
    };
    Ok(command(handler, |ctx, out| {
        commands::clusters::run(ctx, &ClusterCommand::Ignore(args), out)
    }))
}

/// `luffy deploy list SERVICE --json`.
fn deploys(handler: &Handler, id: &str) -> Answer {
    let service = Some(service_id(id)?);
    Ok(command(handler, |ctx, out| {
        let list = DeployCommand::List(DeployListArgs { service });
        commands::deploy::run(ctx, &list, out)
    }))
}

/// The body of `POST /api/v1/services/ID/deploys`: `deploy add`'s arguments.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DeployBody {
    rev: String,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    env: Option<String>,
}

/// `luffy deploy add SERVICE REV [--at TIME] [--env NAME] --json`, 201 with the deploy.
fn deploy(handler: &Handler, id: &str, body: &[u8]) -> Answer {
    let service = service_id(id)?;
    let body: DeployBody = json_body(body)?;
    let args = DeployAddArgs {
        service,
        rev: body.rev,
        at: body.at,
        env: body.env,
    };
    let mut reply = command(handler, |ctx, out| {
        commands::deploy::run(ctx, &DeployCommand::Add(args), out)
    });
    if reply.status == 200 {
        reply.status = 201;
    }
    Ok(reply)
}

/// A JSON body read into `T`: 400 when it is not JSON, 422 naming the field that is wrong.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| Reply::error(400, format!("malformed JSON: {err}")))?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let field = err.path().to_string();
        let message = err.into_inner().to_string();
        Reply::error(
            422,
            if field == "." {
                message
            } else {
                format!("field `{field}`: {message}")
            },
        )
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

/// `GET /api/v1/services/status`: `luffy status --json` on `store`.
pub fn status_reply(handler: &Handler, store: &crate::store::Store) -> Reply {
    command(handler, |ctx, out| {
        commands::status::run_on(ctx, store, &StatusArgs { service: None }, out)
    })
}

/// The reply for a command's error.
pub fn error_reply(err: &anyhow::Error) -> Reply {
    match err.chain().find_map(|e| e.downcast_ref::<BadInput>()) {
        Some(bad) => {
            let text = bad.0.as_str();
            let missing = ["no service '", "no cluster ", "no task run ", "no deploy "]
                .iter()
                .any(|p| text.starts_with(p))
                || (text.starts_with("cluster ") && text.contains(" has no root-cause report"));
            Reply::error(if missing { 404 } else { 422 }, text)
        }
        None => Reply::error(500, format!("{err:#}")),
    }
}
