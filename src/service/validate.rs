//! Checks and redaction of service fields: flag value parsers, URLs, names, branches.

use super::Cleared;

fn clearable<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Cleared<T>, String> {
    if text.eq_ignore_ascii_case("none") || text.is_empty() {
        Ok(Cleared::None)
    } else {
        parse(text).map(Cleared::Set)
    }
}

/// Value parser for `--repo URL|none`. A password in the URL passes here and is refused by
/// [`refuse_repo_password`] after parsing: clap's message would quote the value, password and all.
pub fn parse_repo_url(text: &str) -> Result<Cleared<String>, String> {
    clearable(text, repo_url_shape)
}

/// Value parser for `--webhook URL|env:VAR|none` (a password: see [`parse_repo_url`]); a
/// comma-separated list of entries, each `[KIND=]URL` or `[KIND=]env:VAR`.
pub fn parse_webhook_flag(text: &str) -> Result<Cleared<String>, String> {
    clearable(text, webhooks_shape)
}

/// The kinds a webhook entry may name before `=`.
pub const WEBHOOK_KINDS: [&str; 5] = ["slack", "googlechat", "teams", "generic", "github"];

/// A webhook entry's explicit kind (`slack=https://...`), if it names one, and its URL or
/// `env:VAR`.
pub fn split_webhook_kind(entry: &str) -> (Option<&str>, &str) {
    match entry.split_once('=') {
        Some((kind, rest)) if !kind.contains([':', '/']) => (Some(kind), rest),
        _ => (None, entry),
    }
}

/// Each entry of a comma-separated webhook list, trimmed; empty entries skipped.
pub fn webhook_entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|e| !e.is_empty())
}

/// Checks every entry of a webhook list, and gives it back normalized (`, `-separated).
fn webhooks_shape(text: &str) -> Result<String, String> {
    let mut entries = Vec::new();
    for entry in webhook_entries(text) {
        let (kind, url) = split_webhook_kind(entry);
        if let Some(kind) = kind {
            if !WEBHOOK_KINDS.contains(&kind) {
                return Err(format!(
                    "webhook kind '{kind}' is unknown; use {} (or none, to infer it from the URL)",
                    WEBHOOK_KINDS.join(", ")
                ));
            }
        }
        let url = if kind == Some("github") {
            let repo = github_repo(url)?;
            format!("{}/repos/{}/{}", repo.api_base, repo.owner, repo.name)
        } else {
            webhook_shape(url)?
        };
        entries.push(match kind {
            Some(kind) => format!("{kind}={url}"),
            None => url,
        });
    }
    if entries.is_empty() {
        return Err("webhook list is empty (give none to clear it)".into());
    }
    Ok(entries.join(", "))
}

/// A `github=` channel's repository: the REST API's base (`https://api.github.com`, or an
/// Enterprise server's `https://HOST/api/v3`) and the repository's owner and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubRepo {
    /// The API's base URL, without a trailing `/`.
    pub api_base: String,
    pub owner: String,
    pub name: String,
}

/// Reads a `github=` channel's `API_URL/repos/OWNER/REPO`: an http(s) URL without userinfo, query
/// or fragment whose path ends in `/repos/OWNER/REPO` (a trailing `/` allowed).
pub fn github_repo(text: &str) -> Result<GithubRepo, String> {
    let text = text.trim();
    let shape = "API_URL/repos/OWNER/REPO, such as https://api.github.com/repos/acme/shop";
    if text.starts_with("env:") {
        return Err(format!(
            "github channel '{text}' must be the repository's API URL itself ({shape}); the token \
             comes from the variable that [notify] github_token_env names"
        ));
    }
    if !is_http_scheme(text) || !has_authority(text) || parse_url(text).is_err() {
        // named in full: the repository's address is no secret (a password in one is refused)
        return Err(format!(
            "github channel '{}' is not an http(s) URL of the form {shape}",
            without_userinfo(text)
        ));
    }
    if text.contains(char::is_whitespace)
        || text.contains(['?', '#'])
        || url_userinfo(text).is_some()
    {
        return Err(format!(
            "github channel '{}' must be a plain URL (no spaces, userinfo, query or fragment): \
             {shape}",
            redact_url(text)
        ));
    }
    let trimmed = text.trim_end_matches('/');
    let mut parts = trimmed.rsplitn(4, '/');
    let (name, owner, repos, base) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let segment = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if repos != "repos" || !segment(owner) || !segment(name) || !has_authority(base) {
        return Err(format!(
            "github channel '{text}' does not end in /repos/OWNER/REPO ({shape})"
        ));
    }
    Ok(GithubRepo {
        api_base: base.to_string(),
        owner: owner.to_string(),
        name: name.to_string(),
    })
}

/// [`redact_url`] on each entry of a webhook list.
pub fn redact_webhooks(text: &str) -> String {
    webhook_entries(text)
        .map(|entry| match split_webhook_kind(entry) {
            // a repository's API URL holds no secret: the token is in the environment
            (Some("github"), url) => format!("github={url}"),
            (Some(kind), url) => format!("{kind}={}", redact_url(url)),
            (None, url) => redact_url(url),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Accepts what [`repo_url_shape`] does, without a password in the URL.
pub fn validate_repo_url(text: &str) -> Result<String, String> {
    let url = repo_url_shape(text)?;
    refuse_repo_password(&url)?;
    Ok(url)
}

/// Accepts what [`webhooks_shape`] does, without a password in any URL.
pub fn validate_webhook(text: &str) -> Result<String, String> {
    let url = webhooks_shape(text)?;
    refuse_webhook_password(&url)?;
    Ok(url)
}

/// Refuses a repository URL that holds a password: luffy would store it in the clear.
pub fn refuse_repo_password(url: &str) -> Result<(), String> {
    if !url.contains("://") || !url_userinfo(url).is_some_and(|(_, password)| password) {
        return Ok(());
    }
    Err(format!(
        "repository URL '{}' holds a password, which luffy would store in the clear; give it \
         without one ('{}') and let git find the credentials (a credential helper), or use an \
         SSH URL (git@host:path)",
        redact_credentials(url),
        without_userinfo(url)
    ))
}

/// Refuses a webhook URL that holds a password: luffy would store it in the clear.
pub fn refuse_webhook_password(list: &str) -> Result<(), String> {
    let Some(url) = webhook_entries(list)
        .map(|entry| split_webhook_kind(entry).1)
        .find(|url| url_userinfo(url).is_some_and(|(_, password)| password))
    else {
        return Ok(());
    };
    Err(format!(
        "webhook URL '{}' holds a password, which luffy would store in the clear; put the URL \
         in an environment variable and give --webhook env:VAR (its name)",
        redact_url(url)
    ))
}

/// Value parser for `--email ADDR[,ADDR...]|none`.
pub fn parse_email_flag(text: &str) -> Result<Cleared<String>, String> {
    clearable(text, validate_emails)
}

/// Checks a comma-separated list of addresses; gives it back `, `-separated.
pub fn validate_emails(text: &str) -> Result<String, String> {
    let addresses = text
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(validate_email)
        .collect::<Result<Vec<_>, _>>()?;
    if addresses.is_empty() {
        return Err("email list is empty (give none to clear it)".into());
    }
    Ok(addresses.join(", "))
}

/// Accepts https, http, ssh, git and file URLs, scp-like `user@host:path` and absolute local
/// paths.
fn repo_url_shape(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().any(char::is_whitespace) {
        return Err(format!("repository URL '{text}' contains a space"));
    }
    if text.starts_with('/') {
        return Ok(text.to_string());
    }
    if let Some((scheme, rest)) = text.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(
            scheme.as_str(),
            "https" | "http" | "ssh" | "git" | "file" | "git+ssh"
        ) {
            return Err(format!(
                "repository URL '{text}' has scheme '{scheme}'; use https, http, ssh, git, file or user@host:path"
            ));
        }
        let host_missing = rest.is_empty() || (scheme != "file" && !has_authority(text));
        return match parse_url(text) {
            _ if host_missing => Err(format!("repository URL '{text}' has no host")),
            Err(UrlError::NoHost) => Err(format!("repository URL '{text}' has no host")),
            Err(UrlError::Invalid(err)) => Err(format!(
                "repository URL '{}' is not a valid URL: {err}",
                redact_credentials(text)
            )),
            Ok(()) => Ok(text.to_string()),
        };
    }
    // scp-like syntax is not a URL: git reads `user@host:path` itself.
    if let Some((user_host, path)) = text.split_once(':') {
        if let Some((user, host)) = user_host.split_once('@') {
            if !user.is_empty() && !host.is_empty() && !path.is_empty() && !host.contains('/') {
                return Ok(text.to_string());
            }
        }
    }
    Err(format!(
        "repository URL '{text}' is not an https, http, ssh, git or file URL, user@host:path, nor an absolute path"
    ))
}

/// Accepts an http(s) URL with a host, or `env:VAR` naming the variable that holds it.
fn webhook_shape(text: &str) -> Result<String, String> {
    let text = text.trim();
    if let Some(var) = text.strip_prefix("env:") {
        return if is_env_name(var) {
            Ok(text.to_string())
        } else {
            Err(format!(
                "webhook '{text}' does not name an environment variable (env:NAME)"
            ))
        };
    }
    if !is_http_scheme(text) {
        return Err(format!(
            "webhook '{}' is not an http(s) URL (or env:VAR)",
            redact_url(text)
        ));
    }
    let no_host = || format!("webhook URL '{}' has no host", redact_url(text));
    if !has_authority(text) {
        return Err(no_host());
    }
    if text.chars().any(char::is_whitespace) {
        return Err("webhook URL contains a space".into());
    }
    match parse_url(text) {
        Ok(()) => Ok(text.to_string()),
        Err(UrlError::NoHost) => Err(no_host()),
        Err(UrlError::Invalid(err)) => Err(format!(
            "webhook URL '{}' is not a valid URL: {err}",
            redact_url(text)
        )),
    }
}

/// True for an http(s) URL with a host and no spaces (a log source's `--url`).
pub fn is_http_url(text: &str) -> bool {
    is_http_scheme(text)
        && has_authority(text)
        && !text.contains(char::is_whitespace)
        && parse_url(text).is_ok()
}

fn is_http_scheme(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
    })
}

/// Whether the text has something between `://` and the path. The `url` crate follows the
/// WHATWG rules, which read `https:///x` as host `x`; luffy refuses that as having no host.
fn has_authority(text: &str) -> bool {
    text.split_once("://")
        .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'))
}

/// Why the `url` crate refused a `scheme://...` text.
enum UrlError {
    NoHost,
    Invalid(url::ParseError),
}

/// Parses with the `url` crate: ports, IPv6 literals and host names are checked by its rules.
fn parse_url(text: &str) -> Result<(), UrlError> {
    match url::Url::parse(text) {
        Ok(url) if url.scheme() != "file" && url.host_str().is_none_or(str::is_empty) => {
            Err(UrlError::NoHost)
        }
        Ok(_) => Ok(()),
        Err(url::ParseError::EmptyHost) => Err(UrlError::NoHost),
        Err(err) => Err(UrlError::Invalid(err)),
    }
}

/// Accepts `local@domain` without spaces.
pub fn validate_email(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().any(char::is_whitespace) {
        return Err(format!("email '{text}' contains a space"));
    }
    match text.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            if domain.starts_with('.') || domain.ends_with('.') {
                Err(format!("email '{text}' has an invalid domain"))
            } else {
                Ok(text.to_string())
            }
        }
        Some(_) => Err(format!("email '{text}' is not of the form name@domain")),
        None => Err(format!("email '{text}' has no '@'")),
    }
}

/// Checks the name of an environment variable that holds a secret (`--git-token-env`).
pub fn validate_env_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if is_env_name(name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "'{name}' is not an environment variable name (it takes the variable's name, such as \
             GIT_TOKEN, never the secret itself)"
        ))
    }
}

/// Checks an ssh key path: absolute, one line.
pub fn validate_ssh_key(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!("ssh key path '{path}' is not absolute"));
    }
    if path.contains(['\n', '\r', '\0']) {
        return Err("an ssh key path must be on one line".into());
    }
    Ok(path.to_string())
}

/// Checks a path map `FROM=TO` and returns it as stored.
pub fn validate_path_map(text: &str) -> Result<String, String> {
    crate::code::paths::PathMap::parse(text).map(|map| map.to_text())
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The user name in a URL's userinfo (`https://user:pw@host/`), and whether a password follows
/// it; `None` when the URL has no userinfo.
pub fn url_userinfo(url: &str) -> Option<(&str, bool)> {
    let (_, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (info, _) = authority.rsplit_once('@')?;
    Some(match info.split_once(':') {
        Some((user, _)) => (user, true),
        None => (info, false),
    })
}

/// The URL without its userinfo (`https://user:pw@host/x` gives `https://host/x`).
pub fn without_userinfo(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            return format!("{scheme}://{}", &rest[at + 1..]);
        }
    }
    url.to_string()
}

/// Hides what may be a token in a URL: userinfo, everything after the first path segment, the query.
pub fn redact_url(url: &str) -> String {
    if url.starts_with("env:") {
        return url.to_string();
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let userinfo = if authority.contains('@') { "***@" } else { "" };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let first = segments.next();
    let hidden = segments.next().is_some() || url.contains('?') || url.contains('#');
    let mut out = format!("{scheme}://{userinfo}{host}");
    if let Some(first) = first {
        out.push('/');
        out.push_str(first);
    }
    if hidden {
        out.push_str("/***");
    }
    out
}

/// Hides a password in a repository URL's userinfo (`https://user:token@host/...`), and an
/// http(s) user without a password, which is a token (`https://ghp_...@github.com/...`); an
/// ssh user (`ssh://git@host/...`) is only a name and stays.
pub fn redact_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            let host = &rest[at + 1..];
            return match rest[..at].split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None if scheme.to_ascii_lowercase().starts_with("http") => {
                    format!("{scheme}://***@{host}")
                }
                None => url.to_string(),
            };
        }
    }
    url.to_string()
}

/// `text` with [`redact_credentials`] applied to each word that holds a URL: for messages
/// that may quote one.
pub fn redact_credentials_in(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            if word.contains("://") && word.contains('@') {
                let w = word.trim_end();
                format!("{}{}", redact_credentials(w), &word[w.len()..])
            } else {
                word.to_string()
            }
        })
        .collect()
}

/// The most days a suspect window may span: ten years.
const MAX_WINDOW_DAYS: u32 = 3650;

/// A suspect window: a whole number of days (`30`, `30d`), or `none` for the configuration's.
pub fn validate_days(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.is_empty() {
        return Ok(None);
    }
    let digits = text.strip_suffix('d').unwrap_or(text);
    match digits.parse::<u32>() {
        Ok(days) if (1..=MAX_WINDOW_DAYS).contains(&days) => Ok(Some(days)),
        Ok(_) => Err(format!(
            "'{text}' is out of range; a suspect window is 1 to {MAX_WINDOW_DAYS} days"
        )),
        Err(_) => Err(format!(
            "'{text}' is not a number of days (30, 30d) or none"
        )),
    }
}

/// Checks a level threshold and returns its canonical name (`warn` gives `WARN`).
pub fn validate_level(level: &str) -> Result<String, String> {
    crate::ingest::Level::parse(level.trim())
        .map(|l| l.as_str().to_string())
        .ok_or_else(|| {
            format!("'{level}' is not a level; use TRACE, DEBUG, INFO, WARN, ERROR or FATAL")
        })
}

/// Checks an app path or package prefix: not empty, no spaces.
pub fn validate_prefix(prefix: &str) -> Result<String, String> {
    let prefix = prefix.trim();
    if prefix.is_empty() || prefix.contains(char::is_whitespace) {
        return Err(format!("'{prefix}' is not a path or package prefix"));
    }
    Ok(prefix.to_string())
}

/// Checks a display name: not empty, one line, at most 200 characters.
pub fn validate_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if name.contains(['\n', '\r']) {
        return Err("a name must be on one line".into());
    }
    if name.chars().count() > 200 {
        return Err("a name is limited to 200 characters".into());
    }
    Ok(name.to_string())
}

/// Checks a branch name the way git would refuse the worst cases.
pub fn validate_branch(branch: &str) -> Result<String, String> {
    let branch = branch.trim();
    if branch.is_empty() {
        return Err("a branch cannot be empty".into());
    }
    if branch
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
        || branch.contains("..")
        || branch.starts_with(['-', '/'])
        || branch.ends_with(['/', '.'])
    {
        return Err(format!("'{branch}' is not a valid git branch name"));
    }
    Ok(branch.to_string())
}

/// Checks a local repository path: not empty, one line.
pub fn validate_repo_path(path: &str) -> Result<String, String> {
    if path.trim().is_empty() {
        return Err("a repository path cannot be empty".into());
    }
    if path.contains(['\n', '\r', '\0']) {
        return Err("a repository path must be on one line".into());
    }
    // Cron and the daemon run elsewhere than the shell that set it: a relative path would move.
    if !path.starts_with('/') {
        return Err(format!(
            "repository path '{path}' is not absolute; give the full path"
        ));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_refused_and_user_names_kept() {
        let err = validate_repo_url("https://bot:tok3n@git.example.com/a.git").unwrap_err();
        assert_eq!(
            err,
            "repository URL 'https://bot:***@git.example.com/a.git' holds a password, which \
             luffy would store in the clear; give it without one \
             ('https://git.example.com/a.git') and let git find the credentials (a credential \
             helper), or use an SSH URL (git@host:path)"
        );
        assert!(validate_repo_url("ssh://git@github.com/a/b.git").is_ok());
        let err = validate_webhook("https://u:pw@hooks.example.com/x/y").unwrap_err();
        assert!(
            err.starts_with("webhook URL 'https://***@hooks.example.com/x/***' holds a password")
        );
        assert!(!err.contains("pw"), "{err}");
        assert_eq!(url_userinfo("https://u:p@h/x"), Some(("u", true)));
        assert_eq!(url_userinfo("https://u@h/x@y"), Some(("u", false)));
        assert_eq!(url_userinfo("https://h/x@y"), None);
        assert_eq!(without_userinfo("http://u:p@h:9200/x"), "http://h:9200/x");
    }

    #[test]
    fn repo_urls() {
        for ok in [
            "https://github.com/company/web-app.git",
            "http://git.local/x.git",
            "ssh://git@github.com/company/api.git",
            "git://127.0.0.1:9418/repo",
            "file:///srv/git/repo",
            "git@github.com:company/mobile.git",
            "/srv/repo",
        ] {
            assert_eq!(validate_repo_url(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "ftp://x/y",
            "https://example.com:99999/x.git",
            "ssh://git@[::1/x.git",
            "file://",
            "github.com/company/x",
            "https://",
            "srv/repo",
            "a b@c:d",
            "@host:path",
        ] {
            assert!(validate_repo_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhooks_and_emails() {
        assert!(validate_webhook("https://hooks.slack.com/services/T/B/x").is_ok());
        assert!(validate_webhook("env:WEB_HOOK").is_ok());
        assert!(validate_webhook("env:1X").is_err());
        assert!(validate_webhook("ftp://x").is_err());
        assert!(validate_webhook("slack.com/hooks").is_err());
        assert!(validate_webhook("https:///x").is_err());
        assert!(validate_webhook("https://")
            .unwrap_err()
            .contains("no host"));
        assert!(validate_webhook("https://hooks.example.com:70000/x")
            .unwrap_err()
            .contains("invalid port number"));
        assert!(is_http_url("http://127.0.0.1:9200"));
        assert!(!is_http_url("http://127.0.0.1:92000"));
        assert!(!is_http_url("https:///x"));
        assert!(!is_http_url("localhost:9200"));
        assert!(validate_email("api-team@company.com").is_ok());
        assert!(validate_email("api-team.company.com")
            .unwrap_err()
            .contains('@'));
        assert!(validate_email("api team@company.com")
            .unwrap_err()
            .contains("space"));
    }

    #[test]
    fn github_channels_name_a_repository_of_an_api() {
        let repo = github_repo("https://ghe.example.com/api/v3/repos/acme/shop.web/").unwrap();
        assert_eq!(repo.api_base, "https://ghe.example.com/api/v3");
        assert_eq!(
            (repo.owner.as_str(), repo.name.as_str()),
            ("acme", "shop.web")
        );
        assert_eq!(
            validate_webhook("github=https://api.github.com/repos/acme/shop/").unwrap(),
            "github=https://api.github.com/repos/acme/shop"
        );
        for (bad, message) in [
            (
                "github=not-a-url",
                "github channel 'not-a-url' is not an http(s) URL",
            ),
            (
                "github=https://api.github.com",
                "github channel 'https://api.github.com' does not end in /repos/OWNER/REPO",
            ),
            (
                "github=https://api.github.com/repos/acme",
                "does not end in /repos/OWNER/REPO",
            ),
            (
                "github=https://api.github.com/repos/acme/shop/issues",
                "does not end in /repos/OWNER/REPO",
            ),
            (
                "github=env:GH_REPO",
                "must be the repository's API URL itself",
            ),
            (
                "github=https://u:pw@api.github.com/repos/a/b",
                "must be a plain URL",
            ),
        ] {
            let err = validate_webhook(bad).unwrap_err();
            assert!(err.contains(message), "{bad}: {err}");
        }
        assert_eq!(
            redact_webhooks("github=https://api.github.com/repos/acme/shop"),
            "github=https://api.github.com/repos/acme/shop"
        );
    }

    #[test]
    fn credentials_in_a_message_are_hidden() {
        assert_eq!(
            redact_credentials_in(
                "could not reach 'https://bot:s3cret@git.example.com/web.git': refused"
            ),
            "could not reach 'https://bot:***@git.example.com/web.git': refused"
        );
        let plain = "glob /srv/*.log matches no file; ssh://git@host/x.git";
        assert_eq!(redact_credentials_in(plain), plain);
    }

    #[test]
    fn redaction_hides_tokens() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/services/***"
        );
        assert_eq!(
            redact_url("https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t"),
            "https://chat.googleapis.com/v1/***"
        );
        assert_eq!(
            redact_url("https://user:pw@example.com"),
            "https://***@example.com"
        );
        assert_eq!(
            redact_url("https://example.com/hook"),
            "https://example.com/hook"
        );
        assert_eq!(redact_url("env:HOOK"), "env:HOOK");
        assert_eq!(
            redact_credentials("https://bot:tok3n@git.example.com/a.git"),
            "https://bot:***@git.example.com/a.git"
        );
        assert_eq!(
            redact_credentials("git@github.com:a/b.git"),
            "git@github.com:a/b.git"
        );
        assert_eq!(
            redact_credentials("https://ghp_s3cr3t@github.com/a/b.git"),
            "https://***@github.com/a/b.git"
        );
        assert_eq!(
            redact_credentials("ssh://git@127.0.0.1:22/web.git"),
            "ssh://git@127.0.0.1:22/web.git"
        );
    }
}
