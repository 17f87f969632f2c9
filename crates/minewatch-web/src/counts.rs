//! Counts that pages show (a list's "N records", the dashboard's cards), kept until the
//! ledger moves: counting a hundred thousand records is the slowest part of a page, and
//! the answer only changes with a write.

use std::collections::HashMap;
use std::sync::Mutex;

use minewatch_domain::{RecordFilter, RecordKind};
use minewatch_store::{ListQuery, StoreError};

use crate::AppState;

/// At most this many counts are kept; past it the cache starts again.
const MAX_KEPT: usize = 2_000;

type Marker = (i64, i64);

#[derive(Default)]
pub struct CountCache {
    counts: Mutex<HashMap<String, (Marker, i64)>>,
    per_kind: Mutex<HashMap<String, (Marker, Vec<(RecordKind, i64)>)>>,
}

fn remember<V>(map: &Mutex<HashMap<String, (Marker, V)>>, key: String, marker: Marker, value: V) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_KEPT {
        map.clear();
    }
    map.insert(key, (marker, value));
}

/// How many records `q` finds (its cursor aside).
pub async fn count(state: &AppState, q: &ListQuery) -> Result<i64, StoreError> {
    let marker = state.store.ledger_marker().await?;
    let mut key_query = q.clone();
    key_query.after = None;
    let key = format!("{key_query:?}");
    if let Some((m, n)) = state
        .counts
        .counts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        && *m == marker
    {
        return Ok(*n);
    }
    let n = state.store.count(q).await?;
    remember(&state.counts.counts, key, marker, n);
    Ok(n)
}

/// How many current records of each kind `filter` lets one see.
pub async fn per_kind(
    state: &AppState,
    filter: &RecordFilter,
) -> Result<Vec<(RecordKind, i64)>, StoreError> {
    let marker = state.store.ledger_marker().await?;
    let key = format!("{filter:?}");
    if let Some((m, counts)) = state
        .counts
        .per_kind
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        && *m == marker
    {
        return Ok(counts.clone());
    }
    let counts = state.store.counts(Some(filter)).await?;
    remember(&state.counts.per_kind, key, marker, counts.clone());
    Ok(counts)
}
