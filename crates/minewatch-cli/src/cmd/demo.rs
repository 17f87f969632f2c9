//! `minewatch demo`: a working instance with the Mongolian pack and the demo workspace.

use std::net::SocketAddr;
use std::process::ExitCode;

use minewatch_store::DataDir;
use minewatch_store::demo::{self, DemoOutcome};

use super::{Global, display};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Load the demo workspace and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

const LOGIN_NOTE: &str = "demo login: none yet. Accounts and roles are not built; until they \
are, every page shows only the public view (no reporter names, phones or exact camp \
locations) and anyone who can reach the address may file a field report, so keep the \
demo on 127.0.0.1.";

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let (dir, _) = DataDir::init(&global.data, global.database.as_deref())?;
    let store = super::open(&dir, global.database.as_deref()).await?;
    match demo::load(&store).await? {
        DemoOutcome::Loaded { records } => {
            println!(
                "loaded the demo workspace: {records} records into {}",
                display(dir.path())
            )
        }
        DemoOutcome::AlreadyLoaded => println!(
            "the demo workspace is loaded already in {}",
            display(dir.path())
        ),
    }
    if args.no_serve {
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    super::serve::serve(store, args.addr, Some(LOGIN_NOTE)).await
}
