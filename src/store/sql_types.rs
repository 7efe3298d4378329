//! The domain's named values ([`crate::domain`]) as SQL text: each is stored as its name, and a
//! stored name that is not one of them is an error that says what it is, never a default.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::{
    ClusterKind, ClusterStatus, NotifyEvent, NotifyStatus, SampleRole, Task, TaskStatus, Trigger,
};

macro_rules! sql_text {
    ($($name:ty),+) => {
        $(
            impl ToSql for $name {
                fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                    Ok(ToSqlOutput::from(self.as_str()))
                }
            }

            impl FromSql for $name {
                fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                    value
                        .as_str()?
                        .parse()
                        .map_err(|err: String| FromSqlError::Other(err.into()))
                }
            }
        )+
    };
}

sql_text!(
    Task,
    TaskStatus,
    Trigger,
    ClusterKind,
    ClusterStatus,
    SampleRole,
    NotifyEvent,
    NotifyStatus
);

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    #[test]
    fn names_go_in_as_text_and_unknown_ones_are_refused() {
        let conn = Connection::open_in_memory().unwrap();
        let back: Task = conn
            .query_row("SELECT ?1", [Task::Index], |row| row.get(0))
            .unwrap();
        assert_eq!(back, Task::Index);
        let text: String = conn
            .query_row("SELECT ?1", [ClusterStatus::Ignored], |row| row.get(0))
            .unwrap();
        assert_eq!(text, "ignored");
        let err = conn
            .query_row("SELECT 'paused'", [], |row| row.get::<_, TaskStatus>(0))
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown task status 'paused'"),
            "{err}"
        );
    }
}
