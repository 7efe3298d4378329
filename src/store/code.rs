//! The code index: `code_indexes` (a service's indexed commit), `code_files` and `code_symbols`.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{time_from_sql, time_to_sql, Db};
use crate::code::paths::{best_suffix_matches, file_name, mapped, normalize, PathMap, PathMatch};
use crate::code::read::File;
use crate::code::SymbolKind;
use crate::config::PathMapping;
use crate::service::Service;

/// A service's index: which commit it describes, and how large it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeIndex {
    pub commit: String,
    pub tree: String,
    pub branch: String,
    pub indexed_at: DateTime<Utc>,
    pub files: u64,
    pub symbols: u64,
}

/// One indexed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFile {
    pub id: i64,
    pub path: String,
    pub language: Option<String>,
    pub blob: String,
    pub size: u64,
}

/// One symbol as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSymbol {
    pub name: String,
    pub kind: SymbolKind,
    pub container: Option<String>,
    pub start_line: u32,
    pub end_line: u32,
}

/// A symbol with the file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSymbol {
    pub file: CodeFile,
    pub symbol: StoredSymbol,
}

fn file_from_row(row: &Row<'_>) -> rusqlite::Result<CodeFile> {
    Ok(CodeFile {
        id: row.get("id")?,
        path: row.get("path")?,
        language: row.get("language")?,
        blob: row.get("blob_id")?,
        size: row.get("size")?,
    })
}

fn symbol_from_row(row: &Row<'_>) -> rusqlite::Result<StoredSymbol> {
    let kind: String = row.get("kind")?;
    let kind = SymbolKind::parse(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown symbol kind '{kind}'").into(),
        )
    })?;
    Ok(StoredSymbol {
        name: row.get("name")?,
        kind,
        container: row.get("container")?,
        start_line: row.get("start_line")?,
        end_line: row.get("end_line")?,
    })
}

const FOUND_COLUMNS: &str = "f.id, f.path, f.language, f.blob_id, f.size, \
     s.name, s.kind, s.container, s.start_line, s.end_line";

fn found_from_row(row: &Row<'_>) -> rusqlite::Result<FoundSymbol> {
    Ok(FoundSymbol {
        file: file_from_row(row)?,
        symbol: symbol_from_row(row)?,
    })
}

impl Db<'_> {
    /// The service's index, if it has one.
    pub fn code_index(&self, service_id: &str) -> Result<Option<CodeIndex>> {
        let index = self
            .conn
            .prepare_cached(
                "SELECT commit_id, tree_id, branch, indexed_at, files, symbols \
                 FROM code_indexes WHERE service_id = ?1",
            )?
            .query_row([service_id], |row| {
                Ok(CodeIndex {
                    commit: row.get(0)?,
                    tree: row.get(1)?,
                    branch: row.get(2)?,
                    indexed_at: time_from_sql(&row.get::<_, String>(3)?)?,
                    files: row.get(4)?,
                    symbols: row.get(5)?,
                })
            })
            .optional()
            .with_context(|| format!("could not read the code index of {service_id}"))?;
        Ok(index)
    }

    /// The commit each indexed service's index describes, by service id.
    pub fn indexed_commits(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT service_id, commit_id FROM code_indexes")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read indexed commits")
    }

    /// Records that the service's index now describes `commit` (whose tree is `tree`), with
    /// the number of files and symbols it now has.
    pub fn set_code_index(
        &self,
        service_id: &str,
        commit: &str,
        tree: &str,
        branch: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO code_indexes \
                    (service_id, commit_id, tree_id, branch, indexed_at, files, symbols) \
                 VALUES (?1, ?2, ?3, ?4, ?5, \
                    (SELECT count(*) FROM code_files WHERE service_id = ?1), \
                    (SELECT count(*) FROM code_symbols s JOIN code_files f ON f.id = s.file_id \
                        WHERE f.service_id = ?1)) \
                 ON CONFLICT (service_id) DO UPDATE SET commit_id = excluded.commit_id, \
                    tree_id = excluded.tree_id, branch = excluded.branch, \
                    indexed_at = excluded.indexed_at, files = excluded.files, \
                    symbols = excluded.symbols",
            )?
            .execute(params![service_id, commit, tree, branch, time_to_sql(now)])
            .with_context(|| format!("could not record the code index of {service_id}"))?;
        Ok(())
    }

    /// Removes every file and symbol of the service's index (before a full rebuild).
    pub fn clear_code_files(&self, service_id: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM code_files WHERE service_id = ?1")?
            .execute([service_id])
            .with_context(|| format!("could not clear the code index of {service_id}"))?;
        Ok(())
    }

    /// Removes one file and its symbols; returns whether it was indexed.
    pub fn remove_code_file(&self, service_id: &str, path: &str) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM code_files WHERE service_id = ?1 AND path = ?2")?
            .execute([service_id, path])
            .with_context(|| format!("could not remove {path} from the code index"))?;
        Ok(n > 0)
    }

    /// Moves an indexed file to a new path, its symbols with it; returns whether it was indexed.
    pub fn rename_code_file(&self, service_id: &str, from: &str, to: &str) -> Result<bool> {
        self.remove_code_file(service_id, to)?;
        let n = self
            .conn
            .prepare_cached(
                "UPDATE code_files SET path = ?3, file_name = ?4 \
                 WHERE service_id = ?1 AND path = ?2",
            )?
            .execute([service_id, from, to, crate::code::paths::file_name(to)])
            .with_context(|| format!("could not move {from} to {to} in the code index"))?;
        Ok(n > 0)
    }

    /// Stores one file and its symbols, replacing what was indexed at its path.
    pub fn put_code_file(&self, service_id: &str, file: &File) -> Result<()> {
        self.remove_code_file(service_id, &file.path)?;
        self.insert_code_file(service_id, file)
    }

    /// Stores one file and its symbols at a path the index does not have (a full rebuild's).
    pub fn insert_code_file(&self, service_id: &str, file: &File) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO code_files (service_id, path, file_name, language, blob_id, size) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                service_id,
                file.path,
                crate::code::paths::file_name(&file.path),
                file.language.map(crate::code::Language::as_str),
                file.blob,
                file.size,
            ])
            .with_context(|| format!("could not index {}", file.path))?;
        let file_id = self.conn.last_insert_rowid();
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO code_symbols (file_id, name, kind, container, start_line, end_line) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for s in &file.symbols {
            insert
                .execute(params![
                    file_id,
                    s.name,
                    s.kind.as_str(),
                    s.container,
                    s.start_line,
                    s.end_line
                ])
                .with_context(|| format!("could not index the symbols of {}", file.path))?;
        }
        Ok(())
    }

    /// The indexed file at exactly `path`.
    pub fn code_file(&self, service_id: &str, path: &str) -> Result<Option<CodeFile>> {
        self.conn
            .prepare_cached(
                "SELECT id, path, language, blob_id, size FROM code_files \
                 WHERE service_id = ?1 AND path = ?2",
            )?
            .query_row([service_id, path], file_from_row)
            .optional()
            .context("could not read the code index")
    }

    /// The indexed files whose last path component is `name`, by path.
    pub fn code_files_named(&self, service_id: &str, name: &str) -> Result<Vec<CodeFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, path, language, blob_id, size FROM code_files \
             WHERE service_id = ?1 AND file_name = ?2 ORDER BY path",
        )?;
        let rows = stmt.query_map([service_id, name], file_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the code index")
    }

    /// The symbols of a file, in the order they start.
    pub fn file_symbols(&self, file_id: i64) -> Result<Vec<StoredSymbol>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, kind, container, start_line, end_line FROM code_symbols \
             WHERE file_id = ?1 ORDER BY start_line, end_line DESC, id",
        )?;
        let rows = stmt.query_map([file_id], symbol_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the code index")
    }

    /// The indexed files a frame path means: through the service's path maps first (then the
    /// configuration's `path_mappings`), then as it is, then by the longest matching path
    /// suffix (several files when that is a tie, none when not even the file name matches).
    pub fn resolve_frame_path(
        &self,
        service: &Service,
        defaults: &[PathMapping],
        path: &str,
    ) -> Result<(Vec<CodeFile>, PathMatch)> {
        let id = service.id.as_str();
        let maps: Vec<PathMap> = service
            .git
            .path_maps
            .iter()
            .filter_map(|m| PathMap::parse(m).ok())
            .chain(defaults.iter().map(|m| PathMap {
                from: m.from.clone(),
                to: m.to.trim_start_matches('/').to_string(),
            }))
            .collect();
        for candidate in mapped(&maps, path) {
            if let Some(file) = self.code_file(id, &candidate)? {
                return Ok((vec![file], PathMatch::PathMap));
            }
        }
        let normalized = normalize(path);
        if let Some(file) = self.code_file(id, &normalized)? {
            return Ok((vec![file], PathMatch::Exact));
        }
        let named = self.code_files_named(id, file_name(&normalized))?;
        let paths: Vec<&str> = named.iter().map(|f| f.path.as_str()).collect();
        let best = best_suffix_matches(&normalized, &paths);
        let files = named
            .iter()
            .filter(|f| best.contains(&f.path.as_str()))
            .cloned()
            .collect();
        Ok((files, PathMatch::Suffix))
    }

    /// The innermost symbol of a file that contains `line`.
    pub fn symbol_at(&self, file_id: i64, line: u32) -> Result<Option<StoredSymbol>> {
        self.conn
            .prepare_cached(
                "SELECT name, kind, container, start_line, end_line FROM code_symbols \
                 WHERE file_id = ?1 AND start_line <= ?2 AND end_line >= ?2 \
                 ORDER BY end_line - start_line, start_line DESC, id LIMIT 1",
            )?
            .query_row(params![file_id, line], symbol_from_row)
            .optional()
            .context("could not read the code index")
    }

    /// The symbols named `name` in the service's index, those inside `container` only when it
    /// is given, by path and line. Containers match by whole dotted parts from the end, either
    /// way: `Class` matches the container `Outer.Class`, and a qualified name as a Java frame
    /// writes it (`com.acme.UserService`) matches the container `UserService`. A Ruby or Rust
    /// container's `::` counts as a dot.
    pub fn symbols_named(
        &self,
        service_id: &str,
        name: &str,
        container: Option<&str>,
    ) -> Result<Vec<FoundSymbol>> {
        let sql = format!(
            "SELECT {FOUND_COLUMNS} FROM code_symbols s JOIN code_files f ON f.id = s.file_id \
             WHERE s.name = ?1 AND f.service_id = ?2 \
               AND (?3 IS NULL OR replace(s.container, '::', '.') = ?3 \
                    OR replace(s.container, '::', '.') LIKE '%.' || ?3 \
                    OR ?3 LIKE '%.' || replace(s.container, '::', '.')) \
             ORDER BY f.path, s.start_line"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![name, service_id, container], found_from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the code index")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::code::{Language, Symbol};
    use crate::service::Service;
    use crate::store::Store;

    fn symbol(name: &str, kind: SymbolKind, container: Option<&str>, lines: (u32, u32)) -> Symbol {
        Symbol {
            name: name.into(),
            kind,
            container: container.map(Into::into),
            start_line: lines.0,
            end_line: lines.1,
        }
    }

    #[test]
    fn files_symbols_renames_and_lookups() {
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let service = Service::new("web".parse().unwrap(), now);
        let file = File {
            path: "src/app/db.py".into(),
            blob: "b1".into(),
            size: 10,
            language: Some(Language::Python),
            symbols: vec![
                symbol("Repo", SymbolKind::Class, None, (1, 20)),
                symbol("fetch", SymbolKind::Method, Some("Repo"), (5, 9)),
            ],
        };
        store
            .write(|db| {
                db.insert_service(&service)?;
                db.put_code_file("web", &file)?;
                db.set_code_index("web", "c1", "t1", "main", now)
            })
            .unwrap();
        let db = store.db();
        let index = db.code_index("web").unwrap().unwrap();
        assert_eq!(
            (index.commit.as_str(), index.files, index.symbols),
            ("c1", 1, 2)
        );
        let stored = db.code_file("web", "src/app/db.py").unwrap().unwrap();
        assert_eq!(db.symbol_at(stored.id, 7).unwrap().unwrap().name, "fetch");
        assert_eq!(db.symbol_at(stored.id, 12).unwrap().unwrap().name, "Repo");
        assert_eq!(db.symbol_at(stored.id, 30).unwrap(), None);
        assert_eq!(
            db.symbols_named("web", "fetch", Some("Repo"))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            db.symbols_named("web", "fetch", Some("Other"))
                .unwrap()
                .len(),
            0
        );
        let qualified = db
            .symbols_named("web", "fetch", Some("app.db.Repo"))
            .unwrap();
        assert_eq!(qualified.len(), 1);
        let near = db
            .symbols_named("web", "fetch", Some("app.db.XRepo"))
            .unwrap();
        assert!(near.is_empty());
        assert!(db
            .rename_code_file("web", "src/app/db.py", "app/db.py")
            .unwrap());
        assert_eq!(
            db.code_files_named("web", "db.py").unwrap()[0].path,
            "app/db.py"
        );
        assert_eq!(
            db.symbols_named("web", "fetch", None).unwrap()[0].file.path,
            "app/db.py"
        );
        assert!(db.remove_code_file("web", "app/db.py").unwrap());
        db.set_code_index("web", "c2", "t2", "main", now).unwrap();
        let index = db.code_index("web").unwrap().unwrap();
        assert_eq!(
            (index.commit.as_str(), index.files, index.symbols),
            ("c2", 0, 0)
        );
    }
}
