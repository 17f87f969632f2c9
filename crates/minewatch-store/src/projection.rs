//! Projections: the tables pages read, derived from ledger entries.
//!
//! [`apply`] is the one function that turns an entry into projection rows. The live
//! write path and [`Store::rebuild`] both call it, which is what makes a rebuild
//! reproduce the projections exactly.

use minewatch_domain::{Record, RecordAccess, RecordId};
use minewatch_formats::canonical_json::to_canonical_string;
use sqlx::{Any, Row, Transaction};

use crate::ledger::{EntryBody, Op, sha256_hex};
use crate::{Store, StoreError};

pub(crate) enum ApplyError {
    Store(StoreError),
    /// The entry cannot be applied: its payload or op is not what the projection needs.
    Entry(String),
}

impl From<sqlx::Error> for ApplyError {
    fn from(e: sqlx::Error) -> Self {
        ApplyError::Store(StoreError::Database(e))
    }
}

/// Applies one entry to the projections; returns the record's new version.
pub(crate) async fn apply(
    tx: &mut Transaction<'static, Any>,
    entry_id: &str,
    body: &EntryBody,
) -> Result<i64, ApplyError> {
    let at_ms = body.at_ms().map_err(ApplyError::Entry)?;
    let kind = body.kind().map_err(ApplyError::Entry)?;
    let record_id = body.record_id.clone();
    match body.op().map_err(ApplyError::Entry)? {
        Op::Put | Op::Correct => {
            let record = Record::from_payload(kind, &body.payload).map_err(|errors| {
                ApplyError::Entry(format!(
                    "entry {entry_id} holds an invalid {kind}: {}",
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            })?;
            let payload = to_canonical_string(&body.payload)
                .map_err(|e| ApplyError::Entry(format!("entry {entry_id}: {e}")))?;
            let label = record.search_label();
            let search = record.search_text().to_lowercase();
            let access = RecordId::parse(&record_id)
                .map(|id| RecordAccess::of(kind, &id, &body.payload))
                .ok_or_else(|| ApplyError::Entry(format!("entry {entry_id}: bad record id")))?;
            let visibility = access.visibility.as_str();
            let owner = access.owner.map(String::from);
            if body.op == "put" {
                sqlx::query(
                    "insert into record (id, kind, payload, label, search, version, retracted, head,
                                         created_at, created_by, updated_at, updated_by,
                                         visibility, owner)
                     values ($1, $2, $3, $4, $5, 1, 0, $6, $7, $8, $7, $8, $9, $10)",
                )
                .bind(record_id.clone())
                .bind(kind.as_str())
                .bind(payload)
                .bind(label)
                .bind(search)
                .bind(entry_id.to_owned())
                .bind(at_ms)
                .bind(body.author.clone())
                .bind(visibility)
                .bind(owner)
                .execute(&mut **tx)
                .await?;
            } else {
                let updated = sqlx::query(
                    "update record set payload = $2, label = $3, search = $4, version = version + 1,
                                       head = $5, updated_at = $6, updated_by = $7,
                                       visibility = $8, owner = $9
                     where id = $1",
                )
                .bind(record_id.clone())
                .bind(payload)
                .bind(label)
                .bind(search)
                .bind(entry_id.to_owned())
                .bind(at_ms)
                .bind(body.author.clone())
                .bind(visibility)
                .bind(owner)
                .execute(&mut **tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(ApplyError::Entry(format!(
                        "entry {entry_id} corrects {record_id}, which does not exist"
                    )));
                }
                delete_links(tx, &record_id).await?;
            }
            // The values its list filters by, indexed.
            delete_values(tx, &record_id).await?;
            for filter in kind.schema().value_filters {
                for value in filter.values(&body.payload) {
                    sqlx::query(
                        "insert into record_value (record_id, field, value) values ($1, $2, $3)",
                    )
                    .bind(record_id.clone())
                    .bind(filter.path)
                    .bind(value)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            for link in record.links() {
                sqlx::query("insert into record_link (from_id, rel, to_id) values ($1, $2, $3)")
                    .bind(record_id.clone())
                    .bind(link.rel)
                    .bind(link.target.as_str().to_owned())
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Op::Retract => {
            let updated = sqlx::query(
                "update record set retracted = 1, version = version + 1, head = $2,
                                   updated_at = $3, updated_by = $4
                 where id = $1",
            )
            .bind(record_id.clone())
            .bind(entry_id.to_owned())
            .bind(at_ms)
            .bind(body.author.clone())
            .execute(&mut **tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(ApplyError::Entry(format!(
                    "entry {entry_id} retracts {record_id}, which does not exist"
                )));
            }
            delete_links(tx, &record_id).await?;
            delete_values(tx, &record_id).await?;
        }
        Op::Access => {
            let text = |key: &str| {
                body.payload
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| ApplyError::Entry(format!("entry {entry_id}: no {key:?}")))
            };
            let fields = body
                .payload
                .get("fields")
                .filter(|f| f.is_array())
                .ok_or_else(|| ApplyError::Entry(format!("entry {entry_id}: no \"fields\"")))?;
            sqlx::query(
                "insert into access_event (entry_id, at_ms, author, record_id, kind, action, via, fields)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(entry_id.to_owned())
            .bind(at_ms)
            .bind(body.author.clone())
            .bind(record_id.clone())
            .bind(kind.as_str())
            .bind(text("action")?)
            .bind(text("via")?)
            .bind(fields.to_string())
            .execute(&mut **tx)
            .await?;
        }
    }
    let row = sqlx::query("select version from record where id = $1")
        .bind(record_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("version")?)
}

async fn delete_links(
    tx: &mut Transaction<'static, Any>,
    record_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("delete from record_link where from_id = $1")
        .bind(record_id.to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn delete_values(
    tx: &mut Transaction<'static, Any>,
    record_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("delete from record_value where record_id = $1")
        .bind(record_id.to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    pub entries: u64,
    pub records: u64,
    pub digest_before: String,
    pub digest_after: String,
}

const PAGE: i64 = 500;

impl Store {
    /// Drops every projection and re-derives it from the ledger, in one transaction:
    /// if any entry cannot be applied nothing changes.
    pub async fn rebuild(&self) -> Result<RebuildReport, StoreError> {
        let digest_before = sha256_hex(self.projection_dump().await?.as_bytes());
        let mut tx = self.pool.begin().await?;
        self.lock_device(&mut tx).await?;
        sqlx::query("delete from record_link")
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from record_value")
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from record").execute(&mut *tx).await?;
        sqlx::query("delete from access_event")
            .execute(&mut *tx)
            .await?;
        let mut entries = 0u64;
        let mut after = 0i64;
        loop {
            let rows =
                sqlx::query("select pos, id, body from entry where pos > $1 order by pos limit $2")
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                after = row.try_get("pos")?;
                let id: String = row.try_get("id")?;
                let bytes: Vec<u8> = row.try_get("body")?;
                let body: EntryBody = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Corrupt(format!("entry {id} cannot be read: {e}")))?;
                apply(&mut tx, &id, &body).await.map_err(|e| match e {
                    ApplyError::Store(e) => e,
                    ApplyError::Entry(why) => StoreError::Corrupt(why),
                })?;
                entries += 1;
            }
        }
        tx.commit().await?;
        let records = self.record_count().await?;
        let digest_after = sha256_hex(self.projection_dump().await?.as_bytes());
        Ok(RebuildReport {
            entries,
            records,
            digest_before,
            digest_after,
        })
    }

    async fn record_count(&self) -> Result<u64, StoreError> {
        let row = sqlx::query("select count(*) as n from record")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
    }

    /// Every projection row as text in a fixed order: two stores with the same dump have
    /// the same projections.
    pub async fn projection_dump(&self) -> Result<String, StoreError> {
        let mut out = String::new();
        let rows = sqlx::query(
            "select id, kind, payload, label, search, version, retracted, head, created_at,
                    created_by, updated_at, updated_by, visibility, owner
             from record order by id",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let line = serde_json::json!([
                row.try_get::<String, _>("id")?,
                row.try_get::<String, _>("kind")?,
                row.try_get::<String, _>("payload")?,
                row.try_get::<String, _>("label")?,
                row.try_get::<String, _>("search")?,
                row.try_get::<i64, _>("version")?,
                row.try_get::<i64, _>("retracted")?,
                row.try_get::<String, _>("head")?,
                row.try_get::<i64, _>("created_at")?,
                row.try_get::<String, _>("created_by")?,
                row.try_get::<i64, _>("updated_at")?,
                row.try_get::<String, _>("updated_by")?,
                row.try_get::<String, _>("visibility")?,
                row.try_get::<Option<String>, _>("owner")?,
            ]);
            out.push_str("record ");
            out.push_str(&line.to_string());
            out.push('\n');
        }
        let rows =
            sqlx::query("select from_id, rel, to_id from record_link order by from_id, rel, to_id")
                .fetch_all(&self.pool)
                .await?;
        for row in rows {
            let line = serde_json::json!([
                row.try_get::<String, _>("from_id")?,
                row.try_get::<String, _>("rel")?,
                row.try_get::<String, _>("to_id")?,
            ]);
            out.push_str("link ");
            out.push_str(&line.to_string());
            out.push('\n');
        }
        let rows = sqlx::query(
            "select entry_id, at_ms, author, record_id, kind, action, via, fields
             from access_event order by entry_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let line = serde_json::json!([
                row.try_get::<String, _>("entry_id")?,
                row.try_get::<i64, _>("at_ms")?,
                row.try_get::<String, _>("author")?,
                row.try_get::<String, _>("record_id")?,
                row.try_get::<String, _>("kind")?,
                row.try_get::<String, _>("action")?,
                row.try_get::<String, _>("via")?,
                row.try_get::<String, _>("fields")?,
            ]);
            out.push_str("access ");
            out.push_str(&line.to_string());
            out.push('\n');
        }
        Ok(out)
    }
}
