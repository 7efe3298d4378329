//! The kinds of variable a template masks: what both the tokenizer and the classifier name.

/// The type of a masked variable, shown as a typed placeholder in templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarKind {
    /// An integer or decimal number.
    Num,
    /// A hexadecimal value (`0x1f`, `7fed806eb5d`).
    Hex,
    /// An IPv4 address, with or without a port.
    Ip,
    /// A UUID.
    Uuid,
    /// A file path.
    Path,
    /// A URL (`scheme://...`).
    Url,
    /// A host name (`mail.example.com`).
    Host,
    /// A date or time, possibly spanning several words.
    Date,
    /// Anything else that varies (ids mixing letters and digits, quoted strings).
    Any,
}

impl VarKind {
    /// The placeholder shown in templates.
    pub fn placeholder(self) -> &'static str {
        match self {
            VarKind::Num => "<NUM>",
            VarKind::Hex => "<HEX>",
            VarKind::Ip => "<IP>",
            VarKind::Uuid => "<UUID>",
            VarKind::Path => "<PATH>",
            VarKind::Url => "<URL>",
            VarKind::Host => "<HOST>",
            VarKind::Date => "<DATE>",
            VarKind::Any => "<*>",
        }
    }
}
