//! `minewatch verify`: check every entry's hash, chain link and signature.

use std::process::ExitCode;

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An evidence bundle (`.zip`) to check instead of the data directory's ledger.
    pub bundle: Option<std::path::PathBuf>,
}

pub async fn run(global: &Global, _args: Args) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
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
