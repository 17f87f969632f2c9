//! The store's integration tests: one suite of cases, run against a fresh SQLite file
//! and against a real, throwaway PostgreSQL server.

mod access;
mod blobs;
mod cases;
mod geography;
mod media;
mod requests;
mod tamper;

use std::future::Future;
use std::pin::Pin;

use minewatch_store::{DeviceKey, Store};
use minewatch_testing::PgServer;

type CaseFn = fn(Store) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! cases {
    ($($module:ident :: $name:ident),* $(,)?) => {
        vec![$((concat!(stringify!($module), "::", stringify!($name)), (|s| Box::pin($module::$name(s))) as CaseFn)),*]
    };
}

fn all_cases() -> Vec<(&'static str, CaseFn)> {
    cases![
        cases::put_get_correct_retract_and_history,
        cases::invalid_payloads_write_nothing,
        cases::unknown_and_wrong_references_write_nothing,
        cases::stale_corrections_conflict,
        cases::demo_loads_once_and_verifies,
        cases::rebuild_reproduces_projections_exactly,
        cases::concurrent_writers_keep_one_chain,
        cases::text_is_stored_literally_and_searched_in_cyrillic,
        cases::a_failed_batch_leaves_nothing,
        cases::lists_filter_by_linked_records,
        cases::zones_become_spatial_facts,
        cases::list_filters_combine_and_offer_the_values_recorded,
        media::intake_custody_and_bundles,
        requests::compose_send_overdue_complain_and_settle,
        requests::failed_sends_stay_unsent_and_are_retried,
        tamper::any_changed_byte_of_any_entry_is_detected,
        tamper::removed_entries_are_detected,
        access::accounts_passwords_and_lockout,
        access::lists_follow_visibility_and_scope,
        access::access_audit_is_in_the_ledger,
        access::receipts_open_their_report_only,
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("building a tokio runtime")
}

/// Runs every case in its own database, reports every failing case, then fails.
async fn run_suite(backend: &str, mut fresh: impl AsyncFnMut() -> Store) {
    let mut failed = Vec::new();
    for (name, case) in all_cases() {
        let store = fresh().await;
        let result = tokio::spawn(case(store.clone())).await;
        store.close().await;
        match result {
            Ok(()) => eprintln!("{backend}: {name} ... ok"),
            Err(e) => {
                eprintln!("{backend}: {name} ... FAILED");
                failed.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{backend}: failing cases:\n{}",
        failed.join("\n")
    );
}

#[test]
fn sqlite_suite() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut n = 0;
    runtime().block_on(run_suite("sqlite", async || {
        n += 1;
        let url = format!("sqlite://{}/case{n}.db?mode=rwc", dir.path().display());
        Store::open(&url, DeviceKey::generate())
            .await
            .expect("opening a SQLite store")
    }));
}

#[test]
fn postgres_suite() {
    let Some(server) = PgServer::start() else {
        return;
    };
    runtime().block_on(run_suite("postgres", async || {
        let url = server.create_database().await;
        Store::open(&url, DeviceKey::generate())
            .await
            .expect("opening a PostgreSQL store")
    }));
}

/// Loads the demo workspace into `store`.
pub async fn demo_store_load(store: &Store) {
    minewatch_store::demo::load(store)
        .await
        .expect("loading the demo");
}
