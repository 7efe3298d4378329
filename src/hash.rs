//! FNV-1a, 64 bit: a fixed hash, the same on every run and machine, for fingerprints, sample
//! texts and file heads (std's hasher is randomized per process).

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

/// An FNV-1a hash being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(OFFSET)
    }
}

impl Fnv1a {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes as they are.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }

    /// Adds one part of a composite key, followed by a separator (0x1f), so that `ab`+`c` and
    /// `a`+`bc` differ.
    pub fn part(&mut self, part: &str) {
        self.bytes(part.as_bytes());
        self.bytes(&[0x1f]);
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The FNV-1a hash of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a::new();
    hash.bytes(bytes);
    hash.finish()
}

/// `prefix` followed by `value` in 16 lower-case hex digits (`exc-00ff…`), without the
/// formatting machinery: fingerprints are made for every event.
pub fn with_hex(prefix: &str, value: u64) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(prefix.len() + 16);
    out.push_str(prefix);
    for shift in (0..16).rev() {
        out.push(char::from(DIGITS[(value >> (shift * 4)) as usize & 0xf]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_format() {
        for value in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(with_hex("tpl-", value), format!("tpl-{value:016x}"));
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let (mut ab_c, mut a_bc) = (Fnv1a::new(), Fnv1a::new());
        ab_c.part("ab");
        ab_c.part("c");
        a_bc.part("a");
        a_bc.part("bc");
        assert_ne!(ab_c.finish(), a_bc.finish());
    }
}
