//! Human output: tables, relative times, colour decisions, notes on stderr.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table, TableComponent};

use crate::escape::terminal;

/// Whether to colour output written to stdout: only on a terminal, never with `NO_COLOR`.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::io::stdout().is_terminal()
}

/// Writes `text` and a line break to stderr. A stderr that cannot be written (closed, as under
/// `luffy ... 2>&1 | head`) is ignored: a message that cannot be shown is no reason to fail,
/// and `eprintln!` would panic.
pub fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", crate::text::shorten_long_lines(text));
}

/// Writes `luffy: warning: {message}` to stderr (see [`to_stderr`]).
pub fn warn(message: &str) {
    to_stderr(&format!("luffy: warning: {message}"));
}

/// A table in luffy's style, with a header row.
pub fn table(header: &[&str], color: bool) -> Table {
    let mut table = Table::new();
    // No borders: aligned columns read well on a terminal and stay easy to grep and cut.
    table.load_preset(presets::NOTHING);
    // The one space [`write_table`] takes off each line is a left border, outside every cell:
    // comfy-table styles a cell's padding with its text, so a bold header or a coloured first
    // cell would begin with an escape code, keep its padding and stand one column right.
    table.set_style(TableComponent::LeftBorder, ' ');
    table.set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(header.iter().map(|h| {
        let cell = Cell::new(h);
        if color {
            cell.add_attribute(comfy_table::Attribute::Bold)
        } else {
            cell
        }
    }));
    if let Some(first) = table.column_mut(0) {
        first.set_padding((0, 1));
    }
    table
}

/// Writes a table without the padding column at the left and the trailing spaces. Control
/// characters in its cells (log text's escape sequences) are shown, not obeyed
/// ([`crate::escape::terminal`]).
pub fn write_table(out: &mut dyn std::io::Write, table: &Table) -> std::io::Result<()> {
    let escaped = visible_cells(table);
    let table = escaped.as_ref().unwrap_or(table);
    for line in table.lines() {
        let line = line.strip_prefix(' ').unwrap_or(&line);
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `table` with the cells that hold control characters written again with them made visible
/// (such a cell loses its style: luffy styles only its own words); `None` when none does.
fn visible_cells(table: &Table) -> Option<Table> {
    let has_control = |cell: &Cell| terminal::has_control(&cell.content());
    if !table
        .row_iter()
        .any(|row| row.cell_iter().any(&has_control))
    {
        return None;
    }
    let mut table = table.clone();
    for row in table.row_iter_mut() {
        let cells: Vec<Cell> = row
            .cell_iter()
            .map(|cell| {
                if has_control(cell) {
                    Cell::new(terminal::visible(&cell.content()))
                } else {
                    cell.clone()
                }
            })
            .collect();
        *row = comfy_table::Row::from(cells);
    }
    Some(table)
}

/// The longest value shown whole on human output (a template, a sample's line); `--json` has
/// them all.
pub const LONGEST_VALUE: usize = 2000;

/// `text` cut after [`LONGEST_VALUE`] characters, with a note of how much was left out.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    let Some((end, _)) = text.char_indices().nth(LONGEST_VALUE) else {
        return text.into();
    };
    let more = text[end..].chars().count();
    format!(
        "{}… ({more} more characters: --json shows them)",
        &text[..end]
    )
    .into()
}

/// Writes human text that may hold text from outside (log lines, commit messages): its control
/// characters are shown, not obeyed ([`crate::escape::terminal`]).
pub fn write_text(out: &mut dyn std::io::Write, text: &str) -> std::io::Result<()> {
    out.write_all(terminal::visible(text).as_bytes())
}

/// Writes `value` as pretty JSON and a newline: what every `--json` prints.
pub fn write_json(
    out: &mut dyn std::io::Write,
    value: &impl serde::Serialize,
) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A cell in a colour when colour is on.
pub fn colored(text: &str, color: Color, on: bool) -> Cell {
    let cell = Cell::new(text);
    if on {
        cell.fg(color)
    } else {
        cell
    }
}

/// A compact span: `45s`, `3m`, `2h5m`, `3d4h`.
pub fn span(seconds: i64) -> String {
    let seconds = seconds.abs();
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    if days > 0 {
        // Past a week, hours are noise.
        if hours > 0 && days < 7 {
            format!("{days}d{hours}h")
        } else {
            format!("{days}d")
        }
    } else if hours > 0 {
        if minutes > 0 {
            format!("{hours}h{minutes}m")
        } else {
            format!("{hours}h")
        }
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{seconds}s")
    }
}

/// How many days back [`ago`] gives the date instead.
const OLD_DAYS: i64 = 60;

/// A past time relative to now: `3m ago`, the day for one over 60 days old, or `never`.
pub fn ago(time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match time {
        None => "never".into(),
        Some(time) if time > now => format!("in {}", span((time - now).num_seconds())),
        Some(time) if (now - time).num_seconds() < 1 => "just now".into(),
        // Long ago reads better as the day it was (replayed or old logs).
        Some(time) if now - time >= chrono::Duration::days(OLD_DAYS) => {
            time.format("%Y-%m-%d").to_string()
        }
        Some(time) => format!("{} ago", span((now - time).num_seconds())),
    }
}

/// A future time relative to now: `in 12m`, or `now` when it is not after now.
pub fn until(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if time <= now {
        "now".into()
    } else {
        format!("in {}", span((time - now).num_seconds()))
    }
}

/// A duration of milliseconds, short: `420ms`, `3.2s`, `2m`.
pub fn millis(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms}ms"),
        1000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => span((ms / 1000) as i64),
    }
}

/// `yes` or `no`.
pub fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn relative_times() {
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap();
        assert_eq!(ago(None, now), "never");
        assert_eq!(ago(Some(now - chrono::Duration::minutes(3)), now), "3m ago");
        assert_eq!(
            ago(Some(now - chrono::Duration::hours(26)), now),
            "1d2h ago"
        );
        assert_eq!(until(now + chrono::Duration::minutes(12), now), "in 12m");
        assert_eq!(until(now - chrono::Duration::minutes(12), now), "now");
        assert_eq!(span(90 * 60), "1h30m");
        assert_eq!(
            ago(Some(now - chrono::Duration::hours(24 * 9 + 5)), now),
            "9d ago"
        );
        assert_eq!(
            ago(Some(now - chrono::Duration::days(1052)), now),
            "2021-02-27"
        );
    }
}
