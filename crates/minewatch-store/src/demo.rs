//! The demo workspace: a fictional coalition in two real mining soums.
//!
//! Zaamar (Töv aimag, placer gold along the Tuul river) and Erdenetsagaan (Sükhbaatar
//! aimag) are real places and their authorities are real offices; every company,
//! person and licence is fictional, so no made-up finding is ever attached to a real
//! company. The records live in `demo/workspace.json` and load in one transaction.

use minewatch_domain::{Grant, RecordId, RecordKind, Role, Scope};
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

/// One demo account per role, each scoped as a real coalition would scope it. Names start
/// with `demo-`, so the demo never touches an instance's own accounts.
pub const DEMO_USERS: [(&str, &str, Role, &str); 6] = [
    ("demo-admin", "Админ (demo)", Role::Admin, ""),
    (
        "demo-coordinator",
        "Зохицуулагч, Туул (demo)",
        Role::Coordinator,
        "demo-community-zaamar-tuul",
    ),
    (
        "demo-paralegal",
        "Хуулийн туслах, Эрдэнэцагаан (demo)",
        Role::Paralegal,
        "demo-community-erdenetsagaan",
    ),
    ("demo-lawyer", "Хуульч (demo)", Role::Lawyer, ""),
    (
        "demo-monitor",
        "Хяналтын ажилтан, Туул (demo)",
        Role::Monitor,
        "demo-community-zaamar-tuul",
    ),
    (
        "demo-member",
        "Гишүүн, Заамар төв (demo)",
        Role::Member,
        "demo-community-zaamar-centre",
    ),
];

/// Creates the demo accounts, or gives them new passwords if they exist; returns
/// (username, role, scope, password) for printing. Passwords are new at every call.
pub async fn demo_users(store: &Store) -> Result<Vec<(String, Role, String, String)>, StoreError> {
    let mut out = Vec::new();
    for (username, display_name, role, scope) in DEMO_USERS {
        let password = crate::random_code(4);
        let scope_value = if scope.is_empty() {
            Scope::Workspace
        } else {
            Scope::Community(RecordId::parse(scope).expect("demo scopes are valid ids"))
        };
        if store.account(username).await?.is_some() {
            store
                .set_grants(
                    username,
                    &[Grant {
                        role,
                        scope: scope_value,
                    }],
                )
                .await?;
            store.set_password(username, &password, false).await?;
        } else {
            store
                .create_account(crate::NewAccount {
                    username,
                    display_name,
                    grants: vec![Grant {
                        role,
                        scope: scope_value,
                    }],
                    password: &password,
                    must_change_password: false,
                })
                .await?;
        }
        let scope_label = if scope.is_empty() { "workspace" } else { scope };
        out.push((username.to_owned(), role, scope_label.to_owned(), password));
    }
    Ok(out)
}

/// The demo's photo: dust on the Zaamar centre road, with made-up EXIF (a fictional
/// phone, the report's day, a place beside the report's) so the item page shows its
/// capture metadata, and the public sees only the copy without it.
const DEMO_PHOTO: &[u8] = include_bytes!("../demo/dust-zaamar.jpg");
const DEMO_PHOTO_ABOUT: &str = "demo-obs-2";

/// Adds the demo's evidence photo to the field report it shows, unless it is there
/// already. Runs after [`load`], with the instance's blob store.
pub async fn load_media(
    store: &Store,
    blobs: &crate::blobs::BlobStore,
) -> Result<bool, crate::media::MediaError> {
    let about = RecordId::parse(DEMO_PHOTO_ABOUT).expect("a valid id");
    if !store.exists(&about).await? || !store.media_about(&about, None).await?.is_empty() {
        return Ok(false);
    }
    let new = crate::media::NewMedia {
        about: vec![about],
        filename: Some("IMG_20250703_162005.jpg".into()),
        caption: Some("Тоос, сумын төвийн зам / Dust on the soum centre road (demo photo)".into()),
        declared_type: Some("image/jpeg".into()),
        visibility: Some("public".into()),
        today: jiff::civil::date(2025, 7, 4),
        provenance: None,
    };
    let chunks = futures::stream::iter([Ok::<_, std::convert::Infallible>(
        bytes::Bytes::from_static(DEMO_PHOTO),
    )]);
    store
        .add_media(blobs, &Author::system(), new, chunks)
        .await?;
    Ok(true)
}
