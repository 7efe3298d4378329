//! Python's formats: `logging.basicConfig()`'s and Celery's worker log.

use super::time::iso;
use super::{Header, Level};

/// `ERROR:app.db:message`, Python logging's default format (`logging.basicConfig()`).
pub(super) fn basic(line: &str) -> Option<Header> {
    let (name, rest) = line.split_once(':')?;
    let level = match name {
        "DEBUG" => Level::Debug,
        "INFO" => Level::Info,
        "WARNING" => Level::Warn,
        "ERROR" => Level::Error,
        "CRITICAL" => Level::Fatal,
        _ => return None,
    };
    let (logger, _) = rest.split_once(':')?;
    if logger.is_empty() || logger.contains(char::is_whitespace) {
        return None;
    }
    Some(Header {
        timestamp: None,
        zoned: false,
        dateless: false,
        level: Some(level),
        logger: Some(logger.to_string()),
        message_start: name.len() + logger.len() + 2,
        message_below: false,
    })
}

/// `[2026-11-27 08:00:01,123: ERROR/ForkPoolWorker-1] message`: Celery's worker log format
/// (`[%(asctime)s: %(levelname)s/%(processName)s] %(message)s`); the process name is context.
/// Its task log format goes on with `task_name[task_id]: ` before the message: the task's name
/// is the logger, its id context (`???[???]: ` outside a task: no logger).
pub(super) fn celery(line: &str) -> Option<Header> {
    // `[` + `2026-11-27 08:00:01,123` + `: `
    let b = line.as_bytes();
    if b.get(24..26) != Some(b": ") {
        return None;
    }
    let (timestamp, zoned) = iso(line.get(1..24)?)?;
    let close = 26 + line[26..].find("] ")?;
    let (level_name, process) = line[26..close].split_once('/')?;
    if process.is_empty()
        || process.contains(' ')
        || !level_name.bytes().all(|c| c.is_ascii_uppercase())
    {
        return None;
    }
    let level = Level::parse(level_name)?;
    let mut message_start = close + 2;
    let mut logger = None;
    if let Some((name, after)) = task(&line[message_start..]) {
        logger = (name != "???").then(|| name.to_string());
        message_start = line.len() - after.len();
    }
    Some(Header {
        timestamp: Some(timestamp),
        zoned,
        dateless: false,
        level: Some(level),
        logger,
        message_start,
        message_below: false,
    })
}

/// `app.tasks.charge[3f1c2b0e-...]: message`: the task's name and the message after it.
fn task(text: &str) -> Option<(&str, &str)> {
    let end = text.find("]: ")?;
    let (name, id) = text[..end].split_once('[')?;
    let is_id = |id: &str| {
        id == "???" || (!id.is_empty() && id.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-'))
    };
    let is_name = |name: &str| !name.is_empty() && !name.contains(char::is_whitespace);
    (is_name(name) && is_id(id)).then(|| (name, &text[end + 3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn celery_needs_its_level_and_process_and_a_task_its_id() {
        for line in [
            "[2026-11-27 08:00:01,123: error/MainProcess] x",
            "[2026-11-27 08:00:01,123: ERROR] x",
            "[2026-11-27 08:00:01,123: ERROR/] x",
            "[2026-11-27 08:00:01,123: LOUD/MainProcess] x",
        ] {
            assert_eq!(celery(line), None, "{line}");
        }
        let line = "[2026-11-27 08:00:01,123: WARNING/ForkPoolWorker-1] ???[???]: outside a task";
        let h = celery(line).unwrap();
        assert_eq!(h.logger, None);
        assert_eq!(&line[h.message_start..], "outside a task");
        // brackets in a message are no task
        let line = "[2026-11-27 08:00:01,123: ERROR/MainProcess] retry [x y]: later";
        let h = celery(line).unwrap();
        assert_eq!(
            (h.logger, &line[h.message_start..]),
            (None, "retry [x y]: later")
        );
    }
}
