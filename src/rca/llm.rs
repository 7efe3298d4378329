//! The optional narrative: a report's evidence, bounded and without secrets, sent to an
//! OpenAI-compatible `/v1/chat/completions` endpoint, and its JSON answer validated.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Deserialize;

use super::{Narrative, Report};
use crate::config::Llm;

/// The most evidence sent, in characters (about 1,500 tokens).
pub const MAX_EVIDENCE_CHARS: usize = 6000;
/// The most an answer may be, in bytes.
const MAX_ANSWER_BYTES: u64 = 256 * 1024;

const SYSTEM: &str = "You are a senior engineer doing root-cause analysis of a production error. \
Answer with one JSON object only, no prose around it, with exactly these keys: \
\"root_cause\" (string, one sentence), \"explanation\" (string), \
\"fix_suggestions\" (array of strings), \"tests_to_add\" (array of strings).";

/// Words that long and mixed with digits look like tokens or keys: they are not sent.
fn redact(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let w = word.trim_end();
            let secret_like = w.len() >= 24
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars().any(|c| c.is_ascii_alphabetic())
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=+/".contains(c));
            let lower = w.to_ascii_lowercase();
            let assigned = [
                "password=",
                "passwd=",
                "token=",
                "secret=",
                "api_key=",
                "apikey=",
            ]
            .iter()
            .any(|k| lower.contains(k));
            if secret_like || assigned {
                format!("***{}", &word[w.len()..])
            } else {
                word.to_string()
            }
        })
        .collect()
}

/// The evidence of a report as the prompt sends it: at most [`MAX_EVIDENCE_CHARS`].
pub fn evidence(report: &Report) -> String {
    let mut e = String::new();
    let w = &report.what;
    let _ = writeln!(e, "Error: {}", w.title);
    for link in &w.exception_chain {
        let message: String = link
            .message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        let _ = writeln!(e, "- {}: {message}", link.exception_type);
    }
    if let Some(t) = &w.template {
        let _ = writeln!(e, "Log template: {t}");
    }
    let _ = writeln!(
        e,
        "Seen {} times, first {}, last {}",
        w.count, w.first_seen, w.last_seen
    );
    e.push_str("Frames (nearest the throw first):\n");
    for f in &report.frames {
        let _ = writeln!(
            e,
            "- {} at {}:{}{}",
            f.function,
            f.repo_path.as_deref().or(f.path.as_deref()).unwrap_or("?"),
            f.line.unwrap_or(0),
            f.symbol
                .as_deref()
                .map_or_else(String::new, |s| format!(" in {s}"))
        );
        for c in &f.code {
            let _ = writeln!(e, "    {:>5} | {}", c.line, c.text);
        }
    }
    e.push_str("Suspect commits:\n");
    for s in &report.suspects {
        let _ = writeln!(
            e,
            "- {} {} ({})",
            s.commit.get(..12).unwrap_or(&s.commit),
            s.summary,
            s.reasons.join("; ")
        );
    }
    let mut e = redact(&e);
    if e.len() > MAX_EVIDENCE_CHARS {
        let mut cut = MAX_EVIDENCE_CHARS;
        while !e.is_char_boundary(cut) {
            cut -= 1;
        }
        e.truncate(cut);
        e.push_str("\n(cut)\n");
    }
    e
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: String,
}

/// Reads the model's answer: one JSON object (a Markdown code fence around it is allowed)
/// with a non-empty root cause.
pub fn parse_answer(content: &str) -> Result<Narrative, String> {
    let start = content.find('{');
    let end = content.rfind('}');
    let (Some(start), Some(end)) = (start, end) else {
        return Err("the answer holds no JSON object".into());
    };
    if end < start {
        return Err("the answer holds no JSON object".into());
    }
    let narrative: Narrative = serde_json::from_str(&content[start..=end])
        .map_err(|err| format!("the answer is not the JSON asked for: {err}"))?;
    if narrative.root_cause.trim().is_empty() {
        return Err("the answer's root_cause is empty".into());
    }
    Ok(narrative)
}

/// Asks the endpoint of `llm` for a narrative of `report`. The error says why there is none.
pub fn narrate(llm: &Llm, report: &Report) -> Result<Narrative, String> {
    let key = match &llm.api_key_env {
        Some(var) => Some(
            std::env::var(var)
                .map_err(|_| format!("the variable {var} ([llm] api_key_env) is not set"))?,
        ),
        None => None,
    };
    let text = |max: u32| serde_json::json!({"type": "string", "minLength": 1, "maxLength": max});
    let list = serde_json::json!({"type": "array", "items": text(300), "maxItems": 5});
    // The answer's shape, as OpenAI-compatible servers take it (structured outputs); a server
    // that ignores it is held to the same shape by the validation below.
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "root_cause": text(300),
            "explanation": text(1200),
            "fix_suggestions": list,
            "tests_to_add": list,
        },
        "required": ["root_cause", "explanation", "fix_suggestions", "tests_to_add"],
        "additionalProperties": false,
    });
    let body = serde_json::json!({
        "model": llm.model,
        "temperature": 0,
        "max_tokens": 1024,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "narrative", "strict": true, "schema": schema},
        },
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": evidence(report)},
        ],
    });
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(u64::from(
            llm.timeout_seconds.max(1),
        ))))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut request = agent.post(&llm.endpoint).content_type("application/json");
    if let Some(key) = &key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let response = request.send(body.to_string()).map_err(|err| match err {
        ureq::Error::Timeout(_) => format!(
            "{} did not answer within {}s",
            llm.endpoint, llm.timeout_seconds
        ),
        other => format!("could not reach {}: {other}", llm.endpoint),
    })?;
    let status = response.status().as_u16();
    let text = response
        .into_body()
        .into_with_config()
        .limit(MAX_ANSWER_BYTES)
        .lossy_utf8(true)
        .read_to_string()
        .map_err(|err| match err {
            ureq::Error::Timeout(_) => format!(
                "{} did not answer within {}s",
                llm.endpoint, llm.timeout_seconds
            ),
            other => format!("could not read the answer of {}: {other}", llm.endpoint),
        })?;
    if status != 200 {
        let first: String = text.chars().take(200).collect();
        return Err(format!("{} answered HTTP {status}: {first}", llm.endpoint));
    }
    let completion: Completion = serde_json::from_str(&text).map_err(|err| {
        format!(
            "{} answered something that is not a chat completion: {err}",
            llm.endpoint
        )
    })?;
    let content = completion
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| format!("{} answered no choices", llm.endpoint))?
        .message
        .content;
    parse_answer(&content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_validated() {
        let good = "```json\n{\"root_cause\": \"x\", \"explanation\": \"y\", \"fix_suggestions\": [\"a\"], \"tests_to_add\": []}\n```";
        assert_eq!(parse_answer(good).unwrap().root_cause, "x");
        assert!(parse_answer("I think it is the database")
            .unwrap_err()
            .contains("no JSON"));
        assert!(parse_answer("{\"root_cause\": 3}")
            .unwrap_err()
            .contains("not the JSON"));
    }

    #[test]
    fn secrets_are_not_sent() {
        assert_eq!(redact("login password=hunter2 failed"), "login *** failed");
        assert_eq!(
            redact("key ghp_16C7e42F292c6912E7710c838347Ae178B4a ok"),
            "key *** ok"
        );
        assert_eq!(redact("KeyError: 'item-1183'"), "KeyError: 'item-1183'");
    }
}
