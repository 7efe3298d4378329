//! A POSIX shell word: a command luffy prints for someone to paste (`luffy --db PATH ...`).

/// `word` as the shell reads it back: bare when it holds only safe characters, else in single
/// quotes (a quote inside closes, escapes and reopens them).
pub fn word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_safe_words_stay_bare() {
        assert_eq!(super::word("/var/lib/luffy.db"), "/var/lib/luffy.db");
        assert_eq!(super::word("/tmp/my dir/x.db"), "'/tmp/my dir/x.db'");
        assert_eq!(super::word("it's;rm"), r"'it'\''s;rm'");
        assert_eq!(super::word(""), "''");
    }
}
