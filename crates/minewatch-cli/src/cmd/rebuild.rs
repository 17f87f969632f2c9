//! `minewatch rebuild`: drop and re-derive every projection from the ledger.

use std::process::ExitCode;

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(global: &Global, _args: Args) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
    let report = store.rebuild().await?;
    store.close().await;
    println!(
        "rebuilt {} records from {} entries",
        report.records, report.entries
    );
    if report.digest_before == report.digest_after {
        println!(
            "projections identical to before (sha256 {})",
            report.digest_after
        );
    } else {
        println!(
            "projections differed from the ledger and were repaired (sha256 before {}, after {})",
            report.digest_before, report.digest_after
        );
    }
    Ok(ExitCode::SUCCESS)
}
