//! Consistent copies of a live instance, and the checks a copy must pass.
//!
//! Copying a running data directory file by file (`cp -r`) can catch the SQLite file
//! between a write to the database and one to its write-ahead log, and gives a database
//! whose indexes disagree with its tables. `VACUUM INTO` writes a new database from one
//! read transaction instead: a snapshot of one moment, taken while the server goes on
//! writing. Media files are named by their SHA-256 and never change, and a record is
//! written only after its file is stored, so copying the blob folder after the snapshot
//! gives every file the snapshot names.

use std::path::Path;

use sqlx::Row;

use crate::{Backend, Store, StoreError};

impl Store {
    /// Writes a snapshot of the database to `path` (a new SQLite file), consistent as
    /// of one moment while others go on writing. PostgreSQL is backed up with its own
    /// tools (`pg_dump`), not here.
    pub async fn snapshot_to(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "this instance keeps its records in PostgreSQL: back up the database with \
                 pg_dump (see docs/backup.md) and the blob folder with any file copy"
                    .into(),
            ));
        }
        let target = path.to_str().ok_or_else(|| {
            StoreError::Config(format!("{}: the path is not UTF-8", path.display()))
        })?;
        if path.exists() {
            return Err(StoreError::Config(format!(
                "{target} exists already: a snapshot is written to a new file"
            )));
        }
        sqlx::query("vacuum into $1")
            .bind(target.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The database's own check of its pages, tables and indexes (SQLite's
    /// `integrity_check`): the problems it names, none when the file is sound. A
    /// PostgreSQL server checks its own pages; nothing is reported for it.
    pub async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(Vec::new());
        }
        let rows = match sqlx::query("pragma integrity_check")
            .fetch_all(&self.pool)
            .await
        {
            Ok(rows) => rows,
            // A file too damaged to check is the answer, not a failure to give one.
            Err(sqlx::Error::Database(e)) => return Ok(vec![e.message().to_owned()]),
            Err(e) => return Err(e.into()),
        };
        let mut problems = Vec::new();
        for row in rows {
            let line: String = row.try_get(0)?;
            if line != "ok" {
                problems.push(line);
            }
        }
        Ok(problems)
    }
}
