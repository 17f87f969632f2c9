//! Ledger entries: building, signing and appending them.
//!
//! An entry's body is the canonical JSON (RFC 8785) of
//! `{v, device, seq, prev, author, at, op, kind, record_id, supersedes, payload}`.
//! Its id is the hex SHA-256 of those bytes and its signature is the device key's
//! ed25519 signature of the same bytes, so anyone with the public key can check an
//! entry with standard tools.

use std::fmt;

use minewatch_domain::{RecordId, RecordKind};
use minewatch_formats::canonical_json::to_canonical_bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::{Store, StoreError, now_ms};

/// Who made a change: a user, the system, or an anonymous reporter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author(String);

impl Author {
    /// Changes made by minewatch itself (the demo loader, migrations of data).
    pub fn system() -> Author {
        Author("system".into())
    }

    /// A report from someone without an account. Nothing else about them is kept.
    pub fn anonymous() -> Author {
        Author("anonymous".into())
    }

    /// A named actor such as `cli:admin` or `user:<id>`.
    pub fn named(name: &str) -> Author {
        Author(name.chars().filter(|c| !c.is_control()).take(100).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an entry does to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Creates the record.
    Put,
    /// Replaces the record's payload; the old version stays in the history.
    Correct,
    /// Withdraws the record; it stays in the history.
    Retract,
    /// Records that someone saw or exported the record's restricted fields (the audit);
    /// the record itself does not change.
    Access,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Put => "put",
            Op::Correct => "correct",
            Op::Retract => "retract",
            Op::Access => "access",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        match s {
            "put" => Some(Op::Put),
            "correct" => Some(Op::Correct),
            "retract" => Some(Op::Retract),
            "access" => Some(Op::Access),
            _ => None,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decoded body of an entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryBody {
    pub v: u32,
    pub device: String,
    pub seq: i64,
    pub prev: Option<String>,
    pub author: String,
    pub at: String,
    pub op: String,
    pub kind: String,
    pub record_id: String,
    pub supersedes: Option<String>,
    pub payload: Value,
}

impl EntryBody {
    pub fn op(&self) -> Result<Op, String> {
        Op::parse(&self.op).ok_or_else(|| format!("unknown op {:?}", self.op))
    }

    pub fn kind(&self) -> Result<RecordKind, String> {
        RecordKind::parse(&self.kind).ok_or_else(|| format!("unknown record kind {:?}", self.kind))
    }

    pub fn at_ms(&self) -> Result<i64, String> {
        self.at
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .map_err(|e| format!("bad time {:?}: {e}", self.at))
    }
}

/// One entry of a record's history, as pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryView {
    pub id: String,
    pub device: String,
    pub seq: i64,
    pub author: String,
    pub at_ms: i64,
    pub op: Op,
    pub kind: RecordKind,
    pub record_id: String,
    pub supersedes: Option<String>,
    pub payload: Value,
}

impl EntryView {
    pub(crate) fn from_body(id: String, body: EntryBody) -> Result<EntryView, String> {
        Ok(EntryView {
            at_ms: body.at_ms()?,
            op: body.op()?,
            kind: body.kind()?,
            id,
            device: body.device,
            seq: body.seq,
            author: body.author,
            record_id: body.record_id,
            supersedes: body.supersedes,
            payload: body.payload,
        })
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What one append writes, before it is signed.
pub(crate) struct NewEntry<'a> {
    pub op: Op,
    pub kind: RecordKind,
    pub record_id: &'a RecordId,
    pub author: &'a Author,
    pub supersedes: Option<&'a str>,
    pub payload: &'a Value,
}

/// An appended entry: its id and body.
pub(crate) struct Appended {
    pub id: String,
    pub body: EntryBody,
}

impl Store {
    pub(crate) async fn register_device(&self) -> Result<(), StoreError> {
        sqlx::query(
            "insert into device (id, public_key, seq, created_at) values ($1, $2, 0, $3)
             on conflict (id) do nothing",
        )
        .bind(self.device.id().to_owned())
        .bind(self.device.public_key().to_bytes().to_vec())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the device's chain tip for this transaction. The row stays locked until the
    /// transaction ends, so two writers never extend the same chain at once. Call it
    /// first in a writing transaction: on SQLite the write lock is then taken before
    /// anything is read, so the transaction cannot fail to upgrade later.
    pub(crate) async fn lock_device(
        &self,
        tx: &mut Transaction<'static, Any>,
    ) -> Result<(i64, Option<String>), StoreError> {
        let row = sqlx::query("update device set seq = seq where id = $1 returning seq, head")
            .bind(self.device.id().to_owned())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("device {} is not registered", self.device.id()))
            })?;
        Ok((row.try_get("seq")?, row.try_get("head")?))
    }

    /// Signs and stores one entry, and advances the device's chain tip. The caller has
    /// locked the device row in `tx` and applies the projection afterwards.
    pub(crate) async fn append(
        &self,
        tx: &mut Transaction<'static, Any>,
        new: NewEntry<'_>,
    ) -> Result<Appended, StoreError> {
        let (last_seq, head) = self.lock_device(tx).await?;
        let seq = last_seq + 1;
        let now = jiff::Timestamp::from_millisecond(now_ms()).expect("the clock is in range");
        let at = now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let body_json = json!({
            "v": 1,
            "device": self.device.id(),
            "seq": seq,
            "prev": head,
            "author": new.author.as_str(),
            "at": at,
            "op": new.op.as_str(),
            "kind": new.kind.as_str(),
            "record_id": new.record_id.as_str(),
            "supersedes": new.supersedes,
            "payload": new.payload,
        });
        let bytes = to_canonical_bytes(&body_json).map_err(|e| {
            StoreError::Invalid(vec![minewatch_domain::FieldError::new(
                "",
                "not-canonical",
                e.to_string(),
            )])
        })?;
        let id = sha256_hex(&bytes);
        let sig = self.device.sign(&bytes).to_bytes().to_vec();
        let at_ms = now.as_millisecond();
        sqlx::query(
            "insert into entry (id, device, seq, op, kind, record_id, at_ms, body, sig)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(self.device.id().to_owned())
        .bind(seq)
        .bind(new.op.as_str())
        .bind(new.kind.as_str())
        .bind(new.record_id.as_str().to_owned())
        .bind(at_ms)
        .bind(bytes)
        .bind(sig)
        .execute(&mut **tx)
        .await?;
        // `changes` counts the entries that change a record (not the audit's), for
        // `Store::ledger_marker`.
        sqlx::query("update device set seq = $2, head = $3, changes = changes + $4 where id = $1")
            .bind(self.device.id().to_owned())
            .bind(seq)
            .bind(id.clone())
            .bind(i64::from(new.op != Op::Access))
            .execute(&mut **tx)
            .await?;
        let body: EntryBody =
            serde_json::from_value(body_json).expect("an entry body we built ourselves decodes");
        Ok(Appended { id, body })
    }

    /// Every change of `id`, oldest first (access entries are [`Store::access_events`]).
    pub async fn history(&self, id: &RecordId) -> Result<Vec<EntryView>, StoreError> {
        self.entries_of(id, false).await
    }

    /// Every entry about `id`, oldest first; with `with_access`, the audit's too.
    pub(crate) async fn entries_of(
        &self,
        id: &RecordId,
        with_access: bool,
    ) -> Result<Vec<EntryView>, StoreError> {
        let sql = if with_access {
            "select id, body from entry where record_id = $1 order by pos"
        } else {
            "select id, body from entry where record_id = $1 and op <> 'access' order by pos"
        };
        let rows = sqlx::query(sql)
            .bind(id.as_str().to_owned())
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound { id: id.to_string() });
        }
        rows.into_iter()
            .map(|row| {
                let entry_id: String = row.try_get("id")?;
                let bytes: Vec<u8> = row.try_get("body")?;
                let body: EntryBody = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Corrupt(format!("entry {entry_id}: {e}")))?;
                EntryView::from_body(entry_id.clone(), body)
                    .map_err(|e| StoreError::Corrupt(format!("entry {entry_id}: {e}")))
            })
            .collect()
    }

    /// The number of entries and devices in the ledger.
    pub async fn ledger_size(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "select (select count(*) from entry) as entries, (select count(*) from device) as devices",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("entries")?, row.try_get("devices")?))
    }
}
