//! Where text from outside (log lines, commit messages, a model's answer) meets a format: one
//! module per format, so that such text never becomes markup, a mention, a link or a terminal
//! command. Callers hand text to the writer of a format; the writer escapes it here.

pub mod github;
pub mod html;
pub mod markdown;
pub mod prometheus;
pub mod shell;
pub mod slack;
pub mod terminal;

/// `text` with each character `replace` names written as what it gives, the others as they are.
pub(crate) fn replaced(text: &str, replace: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match replace(c) {
            Some(with) => out.push_str(with),
            None => out.push(c),
        }
    }
    out
}
