//! Splits a message into tokens and masks the obvious variables (numbers, hex, IPs, UUIDs,
//! paths, URLs, host names, `key=value` values, quoted strings, dates), without allocating.

use super::classify::{classify, is_unit, strip_affixes};
pub use super::kind::VarKind;
use crate::text::is_month_or_day;

/// One masked token, as byte ranges into the message it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// A word kept as it is: `message[start..end]`.
    Lit { start: u32, end: u32 },
    /// A variable with the text kept before it (`(uid=`) and after it (`)`).
    Var {
        kind: VarKind,
        pre: (u32, u32),
        suf: (u32, u32),
    },
}

/// Masks `message` into `out` (cleared first): one [`Piece`] per token, adjacent bare variables
/// collapsed into one (so `Sun Jul 17 23:21:54 2005` and `1.16 KB` are each one variable).
pub fn mask_into(message: &str, out: &mut Vec<Piece>) {
    out.clear();
    let bytes = message.as_bytes();
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        while i < n && CLASS[bytes[i] as usize] == SPACE {
            i += 1;
        }
        if i >= n {
            break;
        }
        let start = i;
        let mut seen = 0;
        while i < n {
            let class = CLASS[bytes[i] as usize];
            if class == SPACE {
                break;
            }
            seen |= class;
            i += 1;
        }
        if seen & (DIGIT | EQ | SPECIAL) == 0 && !matches!(out.last(), Some(Piece::Var { .. })) {
            // A plain word after a word stays a word.
            out.push(Piece::Lit {
                start: start as u32,
                end: i as u32,
            });
        } else if seen == DIGIT {
            let (a, b) = (start as u32, i as u32);
            push_var(
                bytes,
                Piece::Var {
                    kind: VarKind::Num,
                    pre: (a, a),
                    suf: (b, b),
                },
                out,
            );
        } else {
            push_token(bytes, start, i, seen & EQ != 0, out);
        }
    }
}

const SPACE: u8 = 1;
const DIGIT: u8 = 2;
const EQ: u8 = 4;
const SPECIAL: u8 = 8;
const NOT_DIGIT: u8 = 16;

/// Per byte: [`SPACE`] for ASCII whitespace, else [`DIGIT`], or [`NOT_DIGIT`] with [`EQ`] for
/// `=` and [`SPECIAL`] for the other bytes that can make a word a variable (`./\\:` and quotes).
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_whitespace() {
            SPACE
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c == b'=' {
            EQ | NOT_DIGIT
        } else if matches!(c, b'.' | b'/' | b'\\' | b':' | b'"' | b'\'' | b'`') {
            SPECIAL | NOT_DIGIT
        } else {
            NOT_DIGIT
        };
        b += 1;
    }
    table
};

fn push_token(bytes: &[u8], start: usize, end: usize, has_eq: bool, out: &mut Vec<Piece>) {
    let token = &bytes[start..end];
    let (lead, trail) = strip_affixes(token);
    let core = &token[lead..token.len() - trail];
    let piece =
        if let Some((kind, value_start, value_end)) = classify_core(token, lead, core, has_eq) {
            Piece::Var {
                kind,
                pre: (start as u32, (start + value_start) as u32),
                suf: ((start + value_end) as u32, end as u32),
            }
        } else {
            let after_var = match out.last() {
                Some(&Piece::Var { kind, suf, .. }) if suf.0 == suf.1 => Some(kind),
                _ => None,
            };
            let var = |kind| Piece::Var {
                kind,
                pre: (start as u32, (start + lead) as u32),
                suf: ((start + lead + core.len()) as u32, end as u32),
            };
            match after_var {
                // A unit after a number belongs to it: `1.16 KB`, `<1 sec`, `35 ms`.
                Some(VarKind::Num) if is_unit(core) => var(VarKind::Num),
                // A month or weekday name next to a number is part of a date.
                Some(_) if is_month_or_day(core) => var(VarKind::Date),
                _ => Piece::Lit {
                    start: start as u32,
                    end: end as u32,
                },
            }
        };
    push_var(bytes, piece, out);
}

/// Pushes a piece; a variable also takes in the month and day names just before it.
fn push_var(bytes: &[u8], piece: Piece, out: &mut Vec<Piece>) {
    // `Sun Jul 17`: the names came first and were kept as words; a number follows, so mask them.
    if let Piece::Var { pre, .. } = piece {
        if pre.0 == pre.1 {
            let mut first = None;
            while let Some(&Piece::Lit { start: s, end: e }) = out.last() {
                if !is_month_or_day(&bytes[s as usize..e as usize]) {
                    break;
                }
                out.pop();
                first = Some(s);
            }
            if let Some(s) = first {
                let date = Piece::Var {
                    kind: VarKind::Date,
                    pre: (s, s),
                    suf: (pre.0, pre.0),
                };
                push_collapsed(out, date);
            }
        }
    }
    push_collapsed(out, piece);
}

/// Pushes a piece, merging it into the previous one when both are variables that touch
/// (no text after the first, none before the second).
fn push_collapsed(out: &mut Vec<Piece>, piece: Piece) {
    if let Piece::Var { kind, pre, suf } = piece {
        if let Some(Piece::Var {
            kind: prev_kind,
            suf: prev_suf,
            ..
        }) = out.last_mut()
        {
            if prev_suf.0 == prev_suf.1 && pre.0 == pre.1 {
                if *prev_kind != kind {
                    *prev_kind = if *prev_kind == VarKind::Date || kind == VarKind::Date {
                        VarKind::Date
                    } else {
                        VarKind::Any
                    };
                }
                *prev_suf = suf;
                return;
            }
        }
    }
    out.push(piece);
}

/// Classifies a token's core; for `key=value` only the value is the variable. Returns the kind
/// and the variable's byte range within `token`.
fn classify_core(
    token: &[u8],
    lead: usize,
    core: &[u8],
    has_eq: bool,
) -> Option<(VarKind, usize, usize)> {
    if core.is_empty() {
        return None;
    }
    let quoted = lead > 0
        && token.len() > lead + core.len()
        && matches!(token[lead - 1], b'"' | b'\'' | b'`')
        && token[lead + core.len()] == token[lead - 1];
    if let Some(eq) = has_eq
        .then(|| core.iter().position(|&b| b == b'='))
        .flatten()
    {
        let key = &core[..eq];
        if !key.is_empty()
            && key
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            let value = &core[eq + 1..];
            let (vl, vt) = strip_affixes(value);
            let inner = &value[vl..value.len() - vt];
            let offset = lead + eq + 1 + vl;
            return classify(inner).map(|kind| (kind, offset, offset + inner.len()));
        }
    }
    match classify(core) {
        Some(kind) => Some((kind, lead, lead + core.len())),
        None if quoted => Some((VarKind::Any, lead, lead + core.len())),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(message: &str) -> String {
        let mut pieces = Vec::new();
        mask_into(message, &mut pieces);
        let mut words = Vec::new();
        for piece in &pieces {
            match *piece {
                Piece::Lit { start, end } => {
                    words.push(message[start as usize..end as usize].to_string());
                }
                Piece::Var { kind, pre, suf } => words.push(format!(
                    "{}{}{}",
                    &message[pre.0 as usize..pre.1 as usize],
                    kind.placeholder(),
                    &message[suf.0 as usize..suf.1 as usize]
                )),
            }
        }
        words.join(" ")
    }

    #[test]
    fn masks_typed_variables() {
        assert_eq!(
            render("connection to 10.2.3.4:5432 refused after 3 retries"),
            "connection to <IP> refused after <NUM> retries"
        );
        assert_eq!(
            render("uid=0 euid=0 tty=NODEVssh ruser="),
            "uid=<NUM> euid=<NUM> tty=NODEVssh ruser="
        );
        assert_eq!(render("at /var/log/app.log: \"bob\""), "at <PATH>: \"<*>\"");
        assert_eq!(render("id 0x1f and 7fed806eb5d"), "id <HEX> and <HEX>");
    }

    #[test]
    fn collapses_dates_and_units() {
        assert_eq!(render("at Sun Jul 17 23:21:54 2005 x"), "at <DATE> x");
        assert_eq!(
            render("bytes (1.16 KB) sent, lifetime <1 sec"),
            "bytes (<NUM>) sent, lifetime <<NUM>"
        );
        assert_eq!(render("May I"), "May I");
    }

    #[test]
    fn empty_and_blank_messages_have_no_pieces() {
        assert_eq!(render(""), "");
        assert_eq!(render("   \t "), "");
    }
}
