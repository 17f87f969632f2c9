//! `verify`: re-checks every entry's hash, chain link and signature.

use std::collections::HashMap;
use std::fmt;

use ed25519_dalek::{Signature, VerifyingKey};
use minewatch_formats::canonical_json::to_canonical_bytes;
use sqlx::Row;

use crate::ledger::{EntryBody, sha256_hex};
use crate::{Store, StoreError};

/// A ledger that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub devices: u64,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries from {} devices verified",
            self.entries, self.devices
        )
    }
}

/// The first thing found wrong, naming the entry (or device) concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// The entry's position in this instance's ledger, if the failure is an entry's.
    pub pos: Option<i64>,
    /// The entry's stored id, or the device's id.
    pub id: String,
    pub reason: String,
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "entry #{pos} (id {}): {}", self.id, self.reason),
            None => write!(f, "device {}: {}", self.id, self.reason),
        }
    }
}

struct DeviceState {
    key: Option<VerifyingKey>,
    registered_seq: i64,
    registered_head: Option<String>,
    seq: i64,
    head: Option<String>,
}

const PAGE: i64 = 500;

impl Store {
    /// Checks the whole ledger. `Ok(Err(..))` is a ledger that fails verification;
    /// `Err(..)` is a database that could not be read.
    pub async fn verify(&self) -> Result<Result<VerifyReport, VerifyFailure>, StoreError> {
        let mut devices: HashMap<String, DeviceState> = HashMap::new();
        for row in sqlx::query("select id, public_key, seq, head from device order by id")
            .fetch_all(&self.pool)
            .await?
        {
            let id: String = row.try_get("id")?;
            let public_key: Vec<u8> = row.try_get("public_key")?;
            let key = <[u8; 32]>::try_from(public_key.as_slice())
                .ok()
                .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
                .filter(|key| hex::encode(key.to_bytes()) == id);
            devices.insert(
                id,
                DeviceState {
                    key,
                    registered_seq: row.try_get("seq")?,
                    registered_head: row.try_get("head")?,
                    seq: 0,
                    head: None,
                },
            );
        }
        let mut entries = 0u64;
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(
                "select pos, id, device, seq, op, kind, record_id, at_ms, body, sig
                 from entry where pos > $1 order by pos limit $2",
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let pos: i64 = row.try_get("pos")?;
                after = pos;
                // A column that no longer decodes (e.g. text that is no longer UTF-8) is
                // tampering too, reported against this entry.
                let fail = |reason: String| VerifyFailure {
                    pos: Some(pos),
                    id: row
                        .try_get::<String, _>("id")
                        .unwrap_or_else(|_| "(unreadable)".into()),
                    reason,
                };
                let stored = match StoredEntry::read(row) {
                    Ok(stored) => stored,
                    Err(e) => return Ok(Err(fail(format!("a column cannot be read: {e}")))),
                };
                if let Err(reason) = check_entry(&stored, &mut devices) {
                    return Ok(Err(fail(reason)));
                }
                entries += 1;
            }
        }
        let mut ids: Vec<&String> = devices.keys().collect();
        ids.sort();
        for id in ids {
            let state = &devices[id];
            if state.key.is_none() {
                return Ok(Err(VerifyFailure {
                    pos: None,
                    id: id.clone(),
                    reason: "its public key does not match its id".into(),
                }));
            }
            if state.seq != state.registered_seq || state.head != state.registered_head {
                return Ok(Err(VerifyFailure {
                    pos: None,
                    id: id.clone(),
                    reason: format!(
                        "the ledger ends at seq {} but the device's last entry is seq {}: entries are missing",
                        state.seq, state.registered_seq
                    ),
                }));
            }
        }
        Ok(Ok(VerifyReport {
            entries,
            devices: devices.len() as u64,
        }))
    }
}

struct StoredEntry {
    id: String,
    device: String,
    seq: i64,
    op: String,
    kind: String,
    record_id: String,
    at_ms: i64,
    body: Vec<u8>,
    sig: Vec<u8>,
}

impl StoredEntry {
    fn read(row: &sqlx::any::AnyRow) -> Result<StoredEntry, sqlx::Error> {
        Ok(StoredEntry {
            id: row.try_get("id")?,
            device: row.try_get("device")?,
            seq: row.try_get("seq")?,
            op: row.try_get("op")?,
            kind: row.try_get("kind")?,
            record_id: row.try_get("record_id")?,
            at_ms: row.try_get("at_ms")?,
            body: row.try_get("body")?,
            sig: row.try_get("sig")?,
        })
    }
}

fn check_entry(e: &StoredEntry, devices: &mut HashMap<String, DeviceState>) -> Result<(), String> {
    if sha256_hex(&e.body) != e.id {
        return Err("its content does not match its hash".into());
    }
    let body: EntryBody = serde_json::from_slice(&e.body)
        .map_err(|err| format!("its content is not an entry: {err}"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&e.body).map_err(|err| err.to_string())?;
    if to_canonical_bytes(&value).map_err(|err| err.to_string())? != e.body {
        return Err("its content is not in canonical form".into());
    }
    if body.v != 1 {
        return Err(format!("unknown entry version {}", body.v));
    }
    let columns_match = body.device == e.device
        && body.seq == e.seq
        && body.op == e.op
        && body.kind == e.kind
        && body.record_id == e.record_id
        && body.at_ms().ok() == Some(e.at_ms);
    if !columns_match {
        return Err("its indexed columns disagree with its signed content".into());
    }
    let state = devices
        .get_mut(&e.device)
        .ok_or_else(|| format!("it names device {}, which is not registered", e.device))?;
    let key = state
        .key
        .ok_or_else(|| format!("device {} has a damaged public key", e.device))?;
    let sig = Signature::from_slice(&e.sig).map_err(|_| "its signature is malformed".to_owned())?;
    key.verify_strict(&e.body, &sig)
        .map_err(|_| "its signature does not verify with the device's key".to_owned())?;
    if body.seq != state.seq + 1 {
        return Err(format!(
            "it has seq {} where seq {} was expected: the chain is broken",
            body.seq,
            state.seq + 1
        ));
    }
    if body.prev != state.head {
        return Err("its link to the previous entry does not match: the chain is broken".into());
    }
    body.op()?;
    body.kind()?;
    state.seq = body.seq;
    state.head = Some(e.id.clone());
    Ok(())
}
