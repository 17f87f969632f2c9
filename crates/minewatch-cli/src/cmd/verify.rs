//! `minewatch verify`: check the database's own integrity and every entry's hash, chain
//! link and signature, changing nothing in the directory it checks.

use std::process::ExitCode;

use minewatch_store::DataDir;

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An evidence bundle (`.zip`) to check instead of the data directory's ledger.
    pub bundle: Option<std::path::PathBuf>,
}

pub async fn run(global: &Global, _args: Args) -> anyhow::Result<ExitCode> {
    let store = DataDir::open(&global.data)?
        .open_store_read_only(global.database.as_deref())
        .await?;
    check(store).await
}

/// Checks a store opened read-only and says what it found: the database file's own
/// integrity first (a copy taken file by file from a running instance can hold entries
/// that verify in a database whose indexes do not match its tables), then the ledger.
pub async fn check(store: minewatch_store::Store) -> anyhow::Result<ExitCode> {
    let problems = store.integrity_problems().await?;
    if !problems.is_empty() {
        store.close().await;
        println!(
            "verification FAILED: the database file is damaged ({}); restore a backup \
             (`minewatch restore`)",
            problems.join("; ")
        );
        return Ok(ExitCode::from(1));
    }
    let outcome = store.verify().await?;
    store.close().await;
    match outcome {
        Ok(report) => {
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            println!("verification FAILED at {failure}");
            Ok(ExitCode::from(1))
        }
    }
}
