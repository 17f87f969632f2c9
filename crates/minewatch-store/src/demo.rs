//! The demo workspace: a fictional coalition in two real mining soums.
//!
//! Zaamar (Töv aimag, placer gold along the Tuul river) and Erdenetsagaan (Sükhbaatar
//! aimag) are real places and their authorities are real offices; every company,
//! person and licence is fictional, so no made-up finding is ever attached to a real
//! company. The records live in `demo/workspace.json` and load in one transaction.

use minewatch_domain::{RecordId, RecordKind};
use serde::Deserialize;
use serde_json::Value;

use crate::{Author, Store, StoreError};

const DEMO: &str = include_str!("../demo/workspace.json");

/// The id of the demo workspace record; its presence means the demo is loaded.
pub const WORKSPACE_ID: &str = "demo-workspace";

#[derive(Deserialize)]
struct DemoFile {
    records: Vec<DemoRecord>,
}

#[derive(Deserialize)]
struct DemoRecord {
    id: String,
    kind: String,
    payload: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded { records: usize },
    AlreadyLoaded,
}

/// Loads the demo workspace unless it is there already. All or nothing.
pub async fn load(store: &Store) -> Result<DemoOutcome, StoreError> {
    let file: DemoFile = serde_json::from_str(DEMO)
        .map_err(|e| StoreError::Config(format!("demo/workspace.json: {e}")))?;
    let mut batch = store.begin().await?;
    let workspace = RecordId::parse(WORKSPACE_ID).expect("the demo workspace id is valid");
    if batch.exists(&workspace).await? {
        return Ok(DemoOutcome::AlreadyLoaded);
    }
    let author = Author::system();
    for (i, r) in file.records.iter().enumerate() {
        let context = |e: StoreError| {
            StoreError::Config(format!("demo/workspace.json record {i} ({}): {e}", r.id))
        };
        let kind = RecordKind::parse(&r.kind).ok_or_else(|| {
            StoreError::Config(format!(
                "demo/workspace.json record {i}: unknown kind {:?}",
                r.kind
            ))
        })?;
        let id = RecordId::parse(&r.id).ok_or_else(|| {
            StoreError::Config(format!("demo/workspace.json record {i}: bad id {:?}", r.id))
        })?;
        batch
            .put(&author, kind, Some(id), r.payload.clone())
            .await
            .map_err(context)?;
    }
    batch.commit().await?;
    Ok(DemoOutcome::Loaded {
        records: file.records.len(),
    })
}
