//! Tokens of masked messages and templates ([`Tok`]), a group of variants under one template
//! ([`Cluster`]), and how a template takes in another ([`generalize`]): what merging
//! (`merge.rs`) and column merging (`columns.rs`) both work on.

/// One token of a masked message or template.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Tok {
    /// The text shown: a word, or a placeholder with the text around it (`(uid=<NUM>)`).
    pub text: Box<str>,
    /// True for a variable.
    pub var: bool,
}

impl Tok {
    pub fn lit(text: &str) -> Tok {
        Tok {
            text: text.into(),
            var: false,
        }
    }

    pub fn var(text: &str) -> Tok {
        Tok {
            text: text.into(),
            var: true,
        }
    }

    /// The token with its placeholder's type left out: `(uid=<NUM>)` gives `("(uid=", ")")`
    /// (so `<NUM>` and `<HEX>` in the same place compare equal); a word gives `(word, "")`.
    pub fn shape(&self) -> (&str, &str) {
        if self.var {
            let open = self.text.find('<').unwrap_or(0);
            let close = self.text.rfind('>').map_or(self.text.len(), |c| c + 1);
            (&self.text[..open], &self.text[close.max(open)..])
        } else {
            (&self.text, "\u{1}")
        }
    }

    /// For `key=value` words and variables: the key with its `=`.
    pub fn key(&self) -> Option<&str> {
        let eq = self.text.find('=')?;
        let key = &self.text[..=eq];
        let valid = eq > 0
            && eq + 1 < self.text.len()
            && key[..eq]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        valid.then_some(key)
    }
}

/// A group of variants with one template.
#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    pub tokens: Vec<Tok>,
    pub count: u64,
    /// The most frequent variant, whose example line stands for the cluster.
    pub best: u32,
}

/// Makes every position where `tokens` differs from `template` a variable.
pub(crate) fn generalize(template: &mut [Tok], tokens: &[Tok]) {
    for (t, x) in template.iter_mut().zip(tokens) {
        if t != x && t.text.as_ref() != "<*>" {
            *t = match (t.var && x.var, t.key()) {
                (true, _) => Tok::var(&common_affixes(&t.text, &x.text)),
                (false, Some(key)) if x.key() == Some(key) => Tok::var(&format!("{key}<*>")),
                _ => Tok::var("<*>"),
            };
        }
    }
}

/// `(uid=<NUM>)` and `(uid=<HEX>)` give `(uid=<*>)`; text around a placeholder is kept when
/// both variables share it.
fn common_affixes(a: &str, b: &str) -> String {
    let (x, y) = (Tok::var(a), Tok::var(b));
    let ((pa, sa), (pb, sb)) = (x.shape(), y.shape());
    if pa == pb && sa == sb {
        format!("{pa}<*>{sa}")
    } else {
        "<*>".to_string()
    }
}
