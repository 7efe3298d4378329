//! `luffy code find SERVICE PATH[:LINE] | SYMBOL`: what the code index knows about a frame's
//! location or a symbol's name.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{unknown_service, Context};
use crate::cli::{CodeCommand, CodeFindArgs};
use crate::code::paths::{file_name, PathMatch};
use crate::error::bad_input;
use crate::service::Service;
use crate::store::{CodeFile, CodeIndex, Db, StoredSymbol};
use crate::ui;

/// Runs one `code` subcommand.
pub fn run(ctx: &Context, command: &CodeCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        CodeCommand::Find(args) => find(ctx, args, out),
    }
}

/// What was asked: a place in a file, or a symbol by name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    Location {
        path: String,
        line: Option<u32>,
    },
    Symbol {
        name: String,
        container: Option<String>,
    },
}

/// Reads `PATH:LINE`, `PATH` or `SYMBOL` (`Class.method` too), as frames print them: a column
/// after the line (`app.js:3:28`) is left out, .NET's `in C:\\src\\X.cs:line 8` is a line,
/// and a symbol may be written `Mod::Type::method` (Rust), `Mod::Class#method` (Ruby) or
/// `pkg.(*Type).Method` (Go). A bare word could be a file name or a symbol: [`find`] tries it
/// as a file first.
fn parse_query(text: &str) -> Result<Query> {
    let text = text.trim();
    if text.is_empty() {
        return Err(bad_input("nothing to find: give PATH[:LINE] or a SYMBOL"));
    }
    let text = text.strip_prefix("file://").unwrap_or(text);
    let location = |path: &str, line: &str| -> Result<Query> {
        let line = match line.trim().parse::<u32>() {
            Ok(0) => return Err(bad_input(format!("line 0 in '{text}': lines start at 1"))),
            Ok(line) => line,
            Err(_) => {
                return Err(bad_input(format!(
                    "'{line}' in '{text}' is not a line number (write PATH:LINE, e.g. src/app/db.py:42)"
                )))
            }
        };
        if path.is_empty() {
            return Err(bad_input(format!("'{text}' has a line but no path")));
        }
        Ok(Query::Location {
            path: path.to_string(),
            line: Some(line),
        })
    };
    if let Some((path, line)) = text.rsplit_once(":line ") {
        return location(path, line);
    }
    let symbol_like = !text.contains(['/', '\\']) && (text.contains("::") || text.contains('#'));
    if !symbol_like {
        if let Some((path, last)) = text.rsplit_once(':') {
            // A Windows drive (`C:\\...`) is not a line; `PATH:LINE:COLUMN` is at LINE.
            if !(path.len() == 1 && last.starts_with(['\\', '/'])) {
                let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                return match path.rsplit_once(':') {
                    Some((file, line)) if numeric(line) && numeric(last) => location(file, line),
                    _ => location(path, last),
                };
            }
        }
        if text.contains(['/', '\\']) {
            return Ok(Query::Location {
                path: text.to_string(),
                line: None,
            });
        }
    }
    let dotted = text
        .replace("::", ".")
        .replace('#', ".")
        .replace("(*", "")
        .replace(['(', ')'], "");
    let (container, name) = match dotted.rsplit_once('.') {
        Some((container, name)) if !container.is_empty() && !name.is_empty() => {
            (Some(container.to_string()), name.to_string())
        }
        _ => (None, dotted.clone()),
    };
    Ok(Query::Symbol { name, container })
}

/// One answer, as `--json` prints it (the spec's fields, then luffy's).
#[derive(Debug, Serialize)]
struct Found {
    path: String,
    line: Option<u32>,
    symbol: Option<String>,
    kind: Option<&'static str>,
    container: Option<String>,
    start_line: Option<u32>,
    end_line: Option<u32>,
    language: Option<String>,
    commit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_by: Option<PathMatch>,
}

impl Found {
    fn new(
        file: &CodeFile,
        line: Option<u32>,
        symbol: Option<&StoredSymbol>,
        commit: &str,
    ) -> Self {
        Found {
            path: file.path.clone(),
            line: line.or(symbol.map(|s| s.start_line)),
            symbol: symbol.map(|s| s.name.clone()),
            kind: symbol.map(|s| s.kind.as_str()),
            container: symbol.and_then(|s| s.container.clone()),
            start_line: symbol.map(|s| s.start_line),
            end_line: symbol.map(|s| s.end_line),
            language: file.language.clone(),
            commit: commit.to_string(),
            matched_by: None,
        }
    }
}

fn locate(
    ctx: &Context,
    db: &Db<'_>,
    service: &Service,
    index: &CodeIndex,
    path: &str,
    line: Option<u32>,
) -> Result<Vec<Found>> {
    let (files, matched) = db.resolve_frame_path(service, &ctx.config.path_mappings, path)?;
    let mut found = Vec::new();
    for file in &files {
        let symbols = match line {
            Some(line) => db.symbol_at(file.id, line)?.into_iter().collect(),
            None => db.file_symbols(file.id)?,
        };
        if symbols.is_empty() {
            found.push(Found::new(file, line, None, &index.commit));
        }
        for symbol in &symbols {
            found.push(Found::new(file, line, Some(symbol), &index.commit));
        }
    }
    for f in &mut found {
        f.matched_by = Some(matched);
    }
    Ok(found)
}

fn find(ctx: &Context, args: &CodeFindArgs, out: &mut dyn Write) -> Result<()> {
    let query = parse_query(&args.query)?;
    let store = ctx.open_store()?;
    let db = store.db();
    let service = db
        .service(&args.service)?
        .ok_or_else(|| unknown_service(&db, &args.service))?;
    let id = service.id.as_str();
    let Some(index) = db.code_index(id)? else {
        anyhow::bail!("{id} has no code index yet; build it with `luffy trigger index {id}`");
    };
    let found = match &query {
        Query::Location { path, line } => locate(ctx, &db, &service, &index, path, *line)?,
        Query::Symbol { name, container } => {
            let whole = args.query.trim();
            // A bare word may be a file name (`views.py`, `Makefile`) before it is a symbol.
            let as_file = if db.code_files_named(id, file_name(whole))?.is_empty() {
                Vec::new()
            } else {
                locate(ctx, &db, &service, &index, whole, None)?
            };
            if as_file.is_empty() {
                db.symbols_named(id, name, container.as_deref())?
                    .iter()
                    .map(|f| Found::new(&f.file, None, Some(&f.symbol), &index.commit))
                    .collect()
            } else {
                as_file
            }
        }
    };
    if ctx.json {
        ui::write_json(out, &found)?;
        return Ok(());
    }
    let short = index.commit.get(..12).unwrap_or(&index.commit);
    if found.is_empty() {
        let line = format!(
            "nothing in the index of {id} (commit {short}) matches '{}'",
            args.query.trim()
        );
        writeln!(out, "{}", crate::text::shorten_long_lines(&line))?;
        return Ok(());
    }
    let mut table = ui::table(
        &["LOCATION", "SYMBOL", "KIND", "LINES", "LANGUAGE"],
        ctx.color,
    );
    for f in &found {
        let location = match f.line {
            Some(line) => format!("{}:{line}", f.path),
            None => f.path.clone(),
        };
        let symbol = match (&f.container, &f.symbol) {
            (Some(container), Some(name)) => format!("{container}.{name}"),
            (None, Some(name)) => name.clone(),
            _ => "-".into(),
        };
        let lines = match (f.start_line, f.end_line) {
            (Some(start), Some(end)) => format!("{start}-{end}"),
            _ => "-".into(),
        };
        table.add_row(vec![
            location,
            symbol,
            f.kind.unwrap_or("-").to_string(),
            lines,
            f.language.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    ui::write_table(out, &table)?;
    writeln!(out, "index of {id} at commit {short} ({})", index.branch)?;
    for (path, line, lines) in past_the_end(ctx, &service, &index.commit, &found) {
        writeln!(
            out,
            "note: line {line} is past the end of {path} ({lines} lines at commit {short})"
        )?;
    }
    Ok(())
}

/// The answers whose line is past the end of their file at the indexed commit, as (path, line,
/// the file's lines); none when the checkout cannot be read (the table said what the index
/// knows).
fn past_the_end(
    ctx: &Context,
    service: &crate::service::Service,
    commit: &str,
    found: &[Found],
) -> Vec<(String, u32, usize)> {
    let Ok(checkout) = crate::tasks::index::repo_spec(service, &ctx.task_env())
        .and_then(|spec| crate::code::blame::Checkout::open(&spec.path, commit))
    else {
        return Vec::new();
    };
    found
        .iter()
        .filter_map(|f| {
            let line = f.line?;
            let lines = checkout.lines(&f.path).ok()??.len();
            (line as usize > lines).then(|| (f.path.clone(), line, lines))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(path: &str, line: Option<u32>) -> Query {
        Query::Location {
            path: path.into(),
            line,
        }
    }

    #[test]
    fn queries() {
        assert_eq!(
            parse_query("src/app/db.py:42").unwrap(),
            location("src/app/db.py", Some(42))
        );
        assert_eq!(
            parse_query("/app/src/db.py").unwrap(),
            location("/app/src/db.py", None)
        );
        assert_eq!(
            parse_query("UserService.getUser").unwrap(),
            Query::Symbol {
                name: "getUser".into(),
                container: Some("UserService".into())
            }
        );
        assert_eq!(
            parse_query("get_user").unwrap(),
            Query::Symbol {
                name: "get_user".into(),
                container: None
            }
        );
        // As frames print them.
        assert_eq!(
            parse_query("/usr/src/app/web/lib/handler.js:3:28").unwrap(),
            location("/usr/src/app/web/lib/handler.js", Some(3))
        );
        assert_eq!(
            parse_query(r"C:\src\Api\OrderController.cs:line 8").unwrap(),
            location(r"C:\src\Api\OrderController.cs", Some(8))
        );
        assert_eq!(
            parse_query(r"C:\src\Api\OrderController.cs:8").unwrap(),
            location(r"C:\src\Api\OrderController.cs", Some(8))
        );
        assert_eq!(
            parse_query("file:///srv/app/db.py:4").unwrap(),
            location("/srv/app/db.py", Some(4))
        );
        let symbol = |name: &str, container: &str| Query::Symbol {
            name: name.into(),
            container: Some(container.into()),
        };
        assert_eq!(
            parse_query("engine::Parser::parse").unwrap(),
            symbol("parse", "engine.Parser")
        );
        assert_eq!(
            parse_query("Shop::Cart#total").unwrap(),
            symbol("total", "Shop.Cart")
        );
        assert_eq!(
            parse_query("db.(*Store).Get").unwrap(),
            symbol("Get", "db.Store")
        );
        assert!(parse_query("db.py:0")
            .unwrap_err()
            .to_string()
            .contains("start at 1"));
        assert!(parse_query("db.py:x")
            .unwrap_err()
            .to_string()
            .contains("not a line number"));
        assert!(parse_query(":4")
            .unwrap_err()
            .to_string()
            .contains("no path"));
        assert!(parse_query("  ")
            .unwrap_err()
            .to_string()
            .contains("nothing to find"));
    }
}
