//! The subcommands. Each module has its `Args` and a `run`.

mod backup;
mod demo;
mod exchange;
mod gaps;
mod init;
mod media;
pub(crate) mod pack;
mod rebuild;
mod requests;
mod screen;
mod serve;
mod user;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use minewatch_store::{DataDir, Store};

/// minewatch: a toolkit for communities next to mines to use their environmental rights.
#[derive(Debug, Parser)]
#[command(name = "minewatch", version, about, propagate_version = true)]
pub struct Cli {
    /// The data directory (device key, SQLite database, settings).
    #[arg(
        long,
        global = true,
        env = "MINEWATCH_DATA",
        default_value = "./minewatch-data"
    )]
    pub data: PathBuf,

    /// The database to use instead of the data directory's own, e.g. postgres://user@host/db.
    #[arg(
        long,
        global = true,
        env = "MINEWATCH_DATABASE",
        hide_env_values = true
    )]
    pub database: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory, its device key and its database.
    Init(init::Args),
    /// Run the web app.
    Serve(serve::Args),
    /// Load the demo workspace (once) and run the web app.
    Demo(demo::Args),
    /// Check every ledger entry's hash, chain link and signature; or, given a file, an
    /// evidence bundle's every hash, signature and link.
    Verify(verify::Args),
    /// Drop and re-derive every projection from the ledger.
    Rebuild(rebuild::Args),
    /// Work with legal packs.
    Pack(pack::Args),
    /// Manage accounts and roles.
    User(user::Args),
    /// List the legal duties met, overdue, breached and unverified (the duty engine).
    Gaps(gaps::GapsArgs),
    /// Compute a due date with the pack's working-day calendar, and how it was counted.
    Deadline(gaps::DeadlineArgs),
    /// Information requests, complaints and appeals: state, due date and how it was counted.
    Requests(requests::Args),
    /// Run the daily job now: retry failed sends, draft complaints for overdue requests,
    /// remind requesters (`serve` runs it by itself).
    Daily(requests::DailyArgs),
    /// Screen licences against soums, aimags and protection zones: overlap areas in
    /// hectares, distances in metres, drawn against reported areas.
    Screen(screen::Args),
    /// Import records from a CSV, XLSX or GeoJSON file: all rows or none.
    Import(exchange::ImportArgs),
    /// Export records as a CSV, XLSX or GeoJSON file, or evidence as a signed bundle
    /// (`export bundle --licence ID -o FILE.zip`).
    Export(exchange::ExportArgs),
    /// Evidence files: `media add FILE --about ID`.
    Media(media::Args),
    /// Copy a data directory, running or not, to a new directory: a consistent snapshot
    /// of the database, the device key, the settings and the media files.
    Backup(backup::BackupArgs),
    /// Make a new data directory from a backup, and verify it.
    Restore(backup::RestoreArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let global = Global {
        data: cli.data,
        database: cli.database,
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Init(args) => init::run(&global, args).await,
            Command::Serve(args) => serve::run(&global, args).await,
            Command::Demo(args) => demo::run(&global, args).await,
            Command::Verify(args) => match args.bundle {
                Some(path) => media::verify_file(&path),
                None => verify::run(&global, args).await,
            },
            Command::Rebuild(args) => rebuild::run(&global, args).await,
            Command::Pack(args) => pack::run(&global, args).await,
            Command::User(args) => user::run(&global, args).await,
            Command::Gaps(args) => gaps::gaps(&global, args).await,
            Command::Deadline(args) => gaps::deadline(&global, args).await,
            Command::Requests(args) => requests::run(&global, args).await,
            Command::Daily(args) => requests::daily(&global, args).await,
            Command::Screen(args) => screen::run(&global, args).await,
            Command::Import(args) => exchange::import(&global, args).await,
            Command::Export(args) => exchange::export(&global, args).await,
            Command::Media(args) => media::run(&global, args).await,
            Command::Backup(args) => backup::backup(&global, args).await,
            Command::Restore(args) => backup::restore(&global, args).await,
        }
    })
}

/// The options every subcommand shares.
pub struct Global {
    pub data: PathBuf,
    pub database: Option<String>,
}

impl Global {
    /// Opens the store of an existing data directory.
    pub async fn open_store(&self) -> anyhow::Result<Store> {
        let dir = DataDir::open(&self.data)?;
        open(&dir, self.database.as_deref()).await
    }

    /// The `[mail]` settings of the data directory, if any.
    pub fn mail_config(&self) -> anyhow::Result<Option<minewatch_store::mail::MailConfig>> {
        Ok(DataDir::open(&self.data)?.mail_config()?)
    }
}

/// The store of `dir`, refusing records that name an event the built-in pack does
/// not know.
pub async fn open(dir: &DataDir, database: Option<&str>) -> anyhow::Result<Store> {
    Ok(dir
        .open_store(database)
        .await?
        .with_events_of(&minewatch_web::builtin_pack()))
}

pub fn display(path: &Path) -> String {
    path.display().to_string()
}
