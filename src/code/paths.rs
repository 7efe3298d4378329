//! Frame paths to repository paths: per-service path maps first (`/app/=src/`), then the
//! repository path that shares the longest run of trailing path components with the frame's.
//! Pure.

/// How a frame path was found in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathMatch {
    /// The path as it is.
    Exact,
    /// Through a path map.
    PathMap,
    /// By the longest run of trailing components.
    Suffix,
}

/// One `FROM=TO` path map: a frame path starting with `from` has it replaced by `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMap {
    pub from: String,
    pub to: String,
}

impl PathMap {
    /// Reads `FROM=TO`; `TO` may be empty (the prefix is removed).
    pub fn parse(text: &str) -> Result<PathMap, String> {
        let Some((from, to)) = text.split_once('=') else {
            return Err(format!(
                "path map '{text}' has no '='; write FROM=TO, e.g. /app/=src/"
            ));
        };
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() {
            return Err(format!("path map '{text}' has nothing before '='"));
        }
        if text.contains(['\n', '\r', '\0']) {
            return Err("a path map must be on one line".into());
        }
        Ok(PathMap {
            from: from.to_string(),
            to: to.trim_start_matches('/').to_string(),
        })
    }

    /// The map as `FROM=TO`, as stored.
    pub fn to_text(&self) -> String {
        format!("{}={}", self.from, self.to)
    }
}

/// A frame path made comparable: `\` as `/`, without `file://`, `./` and leading slashes.
pub fn normalize(path: &str) -> String {
    let path = path.trim().replace('\\', "/");
    let path = path.strip_prefix("file://").unwrap_or(&path);
    let mut path = path.trim_start_matches('/');
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path.to_string()
}

/// The paths the maps turn `frame` into, in the maps' order (normalized).
/// A Windows map (`C:\\build\\=`) matches a frame as it is compared, with forward slashes; a
/// `file://` URL is its path.
pub fn mapped(maps: &[PathMap], frame: &str) -> Vec<String> {
    let frame = frame.trim().replace('\\', "/");
    let frame = frame.strip_prefix("file://").unwrap_or(&frame);
    maps.iter()
        .filter_map(|map| {
            frame
                .strip_prefix(map.from.replace('\\', "/").as_str())
                .map(|rest| format!("{}{rest}", map.to))
        })
        .map(|path| normalize(&path))
        .collect()
}

/// The file name of a path: its last component.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// How many trailing components `a` and `b` share.
pub fn shared_suffix(a: &str, b: &str) -> usize {
    a.rsplit('/')
        .zip(b.rsplit('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// Of `candidates` (repository paths, usually those with the frame's file name), those that
/// share the most trailing components with `frame`: one when the match is clear, several when
/// it is not, none when not even the file name matches.
pub fn best_suffix_matches<'a>(frame: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let frame = normalize(frame);
    let mut best = 0;
    let mut out = Vec::new();
    for &candidate in candidates {
        let shared = shared_suffix(&frame, candidate);
        if shared == 0 || shared < best {
            continue;
        }
        if shared > best {
            best = shared;
            out.clear();
        }
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_maps_read_and_apply() {
        let map = PathMap::parse("/app/=src/").unwrap();
        assert_eq!((map.from.as_str(), map.to.as_str()), ("/app/", "src/"));
        assert_eq!(
            mapped(std::slice::from_ref(&map), "/app/db.py"),
            ["src/db.py"]
        );
        assert!(mapped(&[map], "/usr/lib/x.py").is_empty());
        let strip = PathMap::parse("/srv/web-app/=").unwrap();
        assert_eq!(mapped(&[strip], "/srv/web-app/app/db.py"), ["app/db.py"]);
        let windows = PathMap::parse(r"C:\build\=").unwrap();
        assert_eq!(
            mapped(
                std::slice::from_ref(&windows),
                r"C:\build\Svc\OrderController.cs"
            ),
            ["Svc/OrderController.cs"]
        );
        let app = PathMap::parse("/app/=src/").unwrap();
        assert_eq!(mapped(&[app], "file:///app/db.py"), ["src/db.py"]);
        assert!(PathMap::parse("/app/").unwrap_err().contains("no '='"));
        assert!(PathMap::parse("=src/")
            .unwrap_err()
            .contains("nothing before"));
    }

    #[test]
    fn longest_suffix_wins_and_ties_are_all_returned() {
        let repo = ["src/app/db.py", "tests/db.py", "src/other/app/db.py"];
        assert_eq!(
            best_suffix_matches("/app/src/app/db.py", &repo),
            ["src/app/db.py"]
        );
        assert_eq!(
            best_suffix_matches("/usr/src/app/db.py", &repo),
            ["src/app/db.py"]
        );
        assert_eq!(
            best_suffix_matches("db.py", &repo),
            ["src/app/db.py", "tests/db.py", "src/other/app/db.py"]
        );
        let java = ["src/main/java/com/acme/api/UserService.java"];
        assert_eq!(
            best_suffix_matches("com/acme/api/UserService.java", &java),
            java
        );
        assert!(best_suffix_matches("/app/x/other.py", &repo).is_empty());
        assert_eq!(normalize(r".\src\app.py"), "src/app.py");
        assert_eq!(normalize("file:///srv/app.py"), "srv/app.py");
    }
}
