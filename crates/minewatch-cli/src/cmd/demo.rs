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

    #[command(flatten)]
    pub security: super::serve::SecurityArgs,
}

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
    let blobs = dir.blob_store()?;
    if demo::load_media(&store, &blobs).await? {
        println!("added the demo's evidence photo (to field report demo-obs-2)");
    }
    let users = demo::demo_users(&store).await?;
    let mut note = String::from(
        "demo logins (new passwords at every start; without logging in you see the public view):\n",
    );
    for (username, role, scope, password) in users {
        note.push_str(&format!("  {username:<18} {password}   {role}, {scope}\n"));
    }
    note.push_str("anonymous field reports need no login: /observations/new");
    if args.no_serve {
        println!("{note}");
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    let mail = dir.mail_config()?;
    super::serve::serve(
        store,
        args.addr,
        &args.security,
        Some(&note),
        mail,
        blobs,
        dir.uploads(),
    )
    .await
}
