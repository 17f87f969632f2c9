//! `minewatch init`: create the data directory, device key and database.

use std::process::ExitCode;

use minewatch_store::{DataDir, InitOutcome};

use super::{Global, display};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(global: &Global, _args: Args) -> anyhow::Result<ExitCode> {
    let (dir, outcome) = DataDir::init(&global.data, global.database.as_deref())?;
    let store = super::open(&dir, global.database.as_deref()).await?;
    match outcome {
        InitOutcome::Created => {
            println!(
                "created data directory {} (device {})",
                display(dir.path()),
                store.device_id()
            );
            if let Some(password) = super::user::first_admin(&store).await? {
                println!("admin login: admin / {password}");
                println!("(a one-time password, shown once: choose your own at first login)");
            }
        }
        InitOutcome::AlreadyInitialised => println!(
            "data directory {} exists already (device {}); nothing changed",
            display(dir.path()),
            store.device_id()
        ),
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
