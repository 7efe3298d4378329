//! Decides whether one word is a variable and of which kind (the masking rules, on bytes).

use super::kind::VarKind;

/// Bytes stripped from the front of a token before it is classified.
fn is_lead(b: u8) -> bool {
    matches!(b, b'(' | b'[' | b'{' | b'<' | b'"' | b'\'' | b'`')
}

/// Bytes stripped from the end of a token before it is classified.
fn is_trail(b: u8) -> bool {
    matches!(
        b,
        b')' | b']' | b'}' | b'>' | b'"' | b'\'' | b'`' | b',' | b';' | b':' | b'.' | b'!' | b'?'
    )
}

/// How many bytes of punctuation wrap the token's core, at the front and at the end.
pub fn strip_affixes(token: &[u8]) -> (usize, usize) {
    let mut lead = 0;
    while lead < token.len() && is_lead(token[lead]) {
        lead += 1;
    }
    let mut end = token.len();
    while end > lead && is_trail(token[end - 1]) {
        end -= 1;
    }
    (lead, token.len() - end)
}

const DIGIT: u8 = 1;
const LOWER: u8 = 2;
const UPPER: u8 = 4;
const OTHER: u8 = 8;
/// `/`, `.` and `\`, which are counted.
const RARE: u8 = 16;

/// Per byte: what kind of character it is, for [`classify`].
static BYTE: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'-' | b'_' => 0,
            b'/' | b'.' => RARE,
            b'\\' => RARE | OTHER,
            _ => OTHER,
        };
        b += 1;
    }
    table
};

/// The kind of variable `core` is, or `None` when it is a word to keep.
pub fn classify(core: &[u8]) -> Option<VarKind> {
    if core.is_empty() {
        return None;
    }
    let mut seen = 0u8;
    let (mut slashes, mut dots, mut backslashes) = (0usize, 0usize, 0usize);
    for &b in core {
        let class = BYTE[b as usize];
        seen |= class;
        if class & RARE != 0 {
            match b {
                b'/' => slashes += 1,
                b'.' => dots += 1,
                b'\\' => backslashes += 1,
                _ => {}
            }
        }
    }
    let digits = usize::from(seen & DIGIT != 0);
    let alpha = seen & (LOWER | UPPER) != 0;
    let upper = seen & UPPER != 0;
    let other = seen & OTHER != 0;
    if other && digits > 0 && (is_call(core) || is_qualified_name(core)) {
        return None;
    }
    if (other || slashes > 0) && memchr::memmem::find(core, b"://").is_some() {
        return Some(VarKind::Url);
    }
    if (slashes > 0 || backslashes > 0 || core[0] == b'~' || core[0] == b'.')
        && is_path(core, slashes, backslashes)
    {
        return Some(VarKind::Path);
    }
    if digits == 0 {
        return (dots > 0 && !upper && !other && is_host(core)).then_some(VarKind::Host);
    }
    if !alpha {
        if is_number(core) {
            return Some(VarKind::Num);
        }
        if dots == 3 && is_ipv4(core) {
            return Some(VarKind::Ip);
        }
        return Some(VarKind::Any);
    }
    if is_device(core) {
        return None;
    }
    if is_uuid(core) {
        return Some(VarKind::Uuid);
    }
    if is_hex(core) {
        return Some(VarKind::Hex);
    }
    Some(VarKind::Any)
}

/// `jk2_init()`, `v2.start(x)`: a function name with digits, called without numbers.
fn is_call(core: &[u8]) -> bool {
    let Some(open) = core.iter().position(|&b| b == b'(') else {
        return false;
    };
    let (name, args) = core.split_at(open);
    name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && !args.iter().any(u8::is_ascii_digit)
}

/// `eth0`, `awdl0`, `ssh2`, `sda1`: a short name with one trailing digit names a device or a
/// protocol, not a value.
fn is_device(core: &[u8]) -> bool {
    let (last, name) = match core.split_last() {
        Some((last, name)) => (*last, name),
        None => return false,
    };
    last.is_ascii_digit()
        && (2..=7).contains(&name.len())
        && name.iter().all(u8::is_ascii_lowercase)
}

/// `AirPort_Brcm43xx::syncPowerState`: a qualified code name (not `fe80::1`).
fn is_qualified_name(core: &[u8]) -> bool {
    memchr::memmem::find(core, b"::").is_some()
        && core
            .split(|&b| b == b':')
            .filter(|part| !part.is_empty())
            .all(|part| part[0].is_ascii_alphabetic() || part[0] == b'_')
}

fn is_path(core: &[u8], slashes: usize, backslashes: usize) -> bool {
    match core {
        [b'/', _, ..] | [b'~' | b'.', b'/', ..] => true,
        [d, b':', b'\\', ..] if d.is_ascii_alphabetic() => true,
        _ => slashes >= 2 || backslashes >= 2,
    }
}

fn is_number(core: &[u8]) -> bool {
    let body = match core {
        [b'-' | b'+', rest @ ..] => rest,
        _ => core,
    };
    let mut seen_dot = false;
    !body.is_empty()
        && body.iter().all(|&b| {
            if b == b'.' && !seen_dot {
                seen_dot = true;
                true
            } else {
                b.is_ascii_digit()
            }
        })
}

fn is_ipv4(core: &[u8]) -> bool {
    let addr = match memchr::memchr(b':', core) {
        Some(colon) => &core[..colon],
        None => core,
    };
    let mut parts = 0;
    for part in addr.split(|&b| b == b'.') {
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        parts += 1;
    }
    parts == 4
}

fn is_hex(core: &[u8]) -> bool {
    let body = core
        .strip_prefix(b"0x")
        .or_else(|| core.strip_prefix(b"0X"));
    match body {
        Some(rest) => !rest.is_empty() && rest.iter().all(u8::is_ascii_hexdigit),
        None => core.len() >= 6 && core.iter().all(u8::is_ascii_hexdigit),
    }
}

fn is_uuid(core: &[u8]) -> bool {
    core.len() == 36
        && core.iter().enumerate().all(|(i, &b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// Top-level domains common enough in host names to mask a name made only of letters.
const TLDS: &[&[u8]] = &[
    b"com",
    b"net",
    b"org",
    b"edu",
    b"gov",
    b"mil",
    b"info",
    b"biz",
    b"local",
    b"internal",
    b"uk",
    b"de",
    b"jp",
    b"cn",
    b"ru",
    b"fr",
    b"hk",
    b"pl",
    b"br",
    b"nl",
    b"au",
    b"ca",
    b"kr",
    b"tw",
    b"ch",
    b"se",
    b"es",
    b"cz",
    b"ro",
    b"ua",
    b"mx",
    b"ar",
    b"za",
    b"nz",
    b"sg",
];

fn is_host(core: &[u8]) -> bool {
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in core.split(|&b| b == b'.') {
        if label.is_empty() {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && TLDS.contains(&last)
}

/// Units that belong to the number before them (`1.16 KB`, `35 ms`).
pub fn is_unit(word: &[u8]) -> bool {
    const UNITS: &[&[u8]] = &[
        b"B", b"KB", b"MB", b"GB", b"TB", b"KiB", b"MiB", b"GiB", b"kB", b"ms", b"us", b"ns", b"s",
        b"sec", b"secs", b"seconds", b"min", b"mins", b"minutes", b"h", b"hours", b"days", b"%",
    ];
    UNITS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(classify(b"42"), Some(VarKind::Num));
        assert_eq!(classify(b"-3.5"), Some(VarKind::Num));
        assert_eq!(classify(b"10.0.0.1:80"), Some(VarKind::Ip));
        assert_eq!(classify(b"0xdeadbeef"), Some(VarKind::Hex));
        assert_eq!(
            classify(b"123e4567-e89b-12d3-a456-426614174000"),
            Some(VarKind::Uuid)
        );
        assert_eq!(classify(b"/etc/hosts"), Some(VarKind::Path));
        assert_eq!(classify(b"http://x.org/a"), Some(VarKind::Url));
        assert_eq!(classify(b"mail.example.com"), Some(VarKind::Host));
        assert_eq!(classify(b"blk_-1234"), Some(VarKind::Any));
        assert_eq!(classify(b"mapred.job.id"), None);
        assert_eq!(classify(b"spark.SecurityManager"), None);
        assert_eq!(classify(b"and/or"), None);
        assert_eq!(classify(b"ok"), None);
        assert_eq!(classify(b"jk2_init("), None);
        assert_eq!(classify(b"AirPort_Brcm43xx::syncPowerState"), None);
        assert_eq!(classify(b"fe80::1"), Some(VarKind::Any));
        assert_eq!(classify(b"sshd(pam_unix)[19939"), Some(VarKind::Any));
    }

    #[test]
    fn affixes() {
        assert_eq!(strip_affixes(b"[1.2.3.4]:"), (1, 2));
        assert_eq!(strip_affixes(b"()"), (1, 1));
    }
}
