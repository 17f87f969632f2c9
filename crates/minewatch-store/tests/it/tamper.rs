//! Tampering with stored entries: every change to any byte must fail verification.

use minewatch_domain::RecordKind;
use minewatch_store::demo;
use minewatch_store::{Author, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sqlx::{Any, AnyPool, Row};

/// The columns of an entry and how to change one byte of each.
#[derive(Debug, Clone, Copy)]
enum Column {
    Body,
    Sig,
    Id,
    Device,
    Seq,
    Op,
    Kind,
    RecordId,
    AtMs,
}

const COLUMNS: [Column; 9] = [
    Column::Body,
    Column::Sig,
    Column::Id,
    Column::Device,
    Column::Seq,
    Column::Op,
    Column::Kind,
    Column::RecordId,
    Column::AtMs,
];

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Body => "body",
            Column::Sig => "sig",
            Column::Id => "id",
            Column::Device => "device",
            Column::Seq => "seq",
            Column::Op => "op",
            Column::Kind => "kind",
            Column::RecordId => "record_id",
            Column::AtMs => "at_ms",
        }
    }
}

/// A second pool on the same database, as an attacker with file access would have.
async fn raw_pool(store_url: &str) -> AnyPool {
    AnyPool::connect(store_url).await.unwrap()
}

pub async fn any_changed_byte_of_any_entry_is_detected(store: Store) {
    demo::load(&store).await.unwrap();
    store
        .put(
            &Author::anonymous(),
            RecordKind::Company,
            serde_json::json!({"name": {"en": "Ünen"}}),
        )
        .await
        .unwrap();
    assert!(store.verify().await.unwrap().is_ok());
    let pool = raw_pool(store.database_url()).await;
    let positions: Vec<i64> = sqlx::query("select pos from entry order by pos")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("pos").unwrap())
        .collect();

    let handle = tokio::runtime::Handle::current();
    let cases = tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        });
        let tried = std::cell::Cell::new(0);
        runner
            .run(
                &(
                    0..positions.len(),
                    0..COLUMNS.len(),
                    any::<usize>(),
                    1u8..=255,
                ),
                |(entry, column, at, mask)| {
                    let pos = positions[entry];
                    let column = COLUMNS[column];
                    let outcome =
                        handle.block_on(tamper_and_verify(&store, &pool, pos, column, at, mask));
                    if let Some(reported) = outcome {
                        tried.set(tried.get() + 1);
                        prop_assert_eq!(
                            reported,
                            Some(pos),
                            "changing {} of entry #{} was reported elsewhere",
                            column.name(),
                            pos
                        );
                    }
                    Ok(())
                },
            )
            .map(|()| tried.get())
    })
    .await
    .unwrap();
    match cases {
        Ok(tried) => assert!(tried > 20, "only {tried} tamperings could be applied"),
        Err(e) => panic!("{e}"),
    }
}

/// Changes one byte of one column of entry `pos`, verifies, and puts the byte back.
/// Returns `None` if the database refused the change (e.g. a unique id collided),
/// otherwise the entry position verify reported (it must fail).
async fn tamper_and_verify(
    store: &Store,
    pool: &AnyPool,
    pos: i64,
    column: Column,
    at: usize,
    mask: u8,
) -> Option<Option<i64>> {
    let name = column.name();
    let select = format!("select {name} as v from entry where pos = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(select))
        .bind(pos)
        .fetch_one(pool)
        .await
        .unwrap();
    let update = format!("update entry set {name} = $1 where pos = $2");
    let (changed, restore): (sqlx::query::Query<'_, Any, _>, _) = match column {
        Column::Body | Column::Sig => {
            let original: Vec<u8> = row.try_get("v").unwrap();
            let mut bytes = original.clone();
            let i = at % bytes.len();
            bytes[i] ^= mask;
            (
                sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                    .bind(bytes)
                    .bind(pos),
                sqlx::query(sqlx::AssertSqlSafe(update))
                    .bind(original)
                    .bind(pos),
            )
        }
        Column::Seq | Column::AtMs => {
            let original: i64 = row.try_get("v").unwrap();
            let changed = original ^ (1i64 << (at % 62));
            (
                sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                    .bind(changed)
                    .bind(pos),
                sqlx::query(sqlx::AssertSqlSafe(update))
                    .bind(original)
                    .bind(pos),
            )
        }
        _ => {
            // Text columns must stay valid UTF-8 for PostgreSQL to accept them, so the
            // changed byte becomes another printable ASCII character.
            let original: String = row.try_get("v").unwrap();
            let mut bytes = original.clone().into_bytes();
            let i = at % bytes.len();
            let mut replacement = b'!' + (bytes[i].wrapping_add(mask) % 94);
            if replacement == bytes[i] {
                replacement = if bytes[i] == b'~' { b'!' } else { b'~' };
            }
            bytes[i] = replacement;
            let changed = String::from_utf8_lossy(&bytes).into_owned();
            (
                sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                    .bind(changed)
                    .bind(pos),
                sqlx::query(sqlx::AssertSqlSafe(update))
                    .bind(original)
                    .bind(pos),
            )
        }
    };
    if changed.execute(pool).await.is_err() {
        return None;
    }
    let result = store.verify().await;
    restore.execute(pool).await.unwrap();
    let failure = match result {
        Ok(Ok(report)) => panic!("changing {name} of entry #{pos} went undetected ({report})"),
        Ok(Err(failure)) => failure,
        Err(e) => panic!("verify could not read the ledger after changing {name}: {e}"),
    };
    assert!(
        store.verify().await.unwrap().is_ok(),
        "restoring entry #{pos} restores the ledger"
    );
    Some(failure.pos)
}

pub async fn removed_entries_are_detected(store: Store) {
    demo::load(&store).await.unwrap();
    let pool = raw_pool(store.database_url()).await;
    // The last entry of the chain: nothing links to it, only the device's head does.
    sqlx::query("delete from entry where pos = (select max(pos) from entry)")
        .execute(&pool)
        .await
        .unwrap();
    let failure = store.verify().await.unwrap().unwrap_err();
    assert!(failure.reason.contains("missing"), "{failure}");
    // An entry from the middle: the next entry's link breaks.
    sqlx::query("delete from entry where pos = 3")
        .execute(&pool)
        .await
        .unwrap();
    let failure = store.verify().await.unwrap().unwrap_err();
    assert_eq!(failure.pos, Some(4), "{failure}");
}
