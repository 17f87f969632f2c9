//! `minewatch backup` and `minewatch restore`: a consistent copy of a data directory,
//! taken while `serve` goes on writing, and a new data directory made from one.
//!
//! A backup is itself a data directory: the database as one snapshot (`VACUUM INTO`),
//! the device key, the settings and the media files. Restoring copies it to a new place
//! and verifies it there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use minewatch_store::DataDir;
use minewatch_store::blobs::BlobBackend;

use super::{Global, display};

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the backup: a new or empty directory.
    pub to: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore (a directory `minewatch backup` wrote). The data directory
    /// (`--data`) must be new or empty.
    pub from: PathBuf,
}

/// The files of a data directory other than its database, settings and media.
const SMALL_FILES: [&str; 2] = ["device.key", ".has-database"];

fn new_directory(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        let empty = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", display(path)))?
            .next()
            .is_none();
        if !empty {
            bail!(
                "{} is not empty: choose a new or empty directory",
                display(path)
            );
        }
    }
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", display(path)))?;
    set_mode(path, 0o700)
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the permissions of {}", display(path)))
}

/// Copies the files of `from` into `to` (made if missing), keeping files that are
/// there already with the same size: media files are named by their hash and never
/// change. Returns how many files were copied.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut copied = 0;
    if !from.exists() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", display(to)))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", display(from)))? {
        let entry = entry?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copied += copy_tree(&source, &target)?;
        } else if kind.is_file() {
            let same = std::fs::metadata(&target)
                .is_ok_and(|m| m.len() == entry.metadata().map(|s| s.len()).unwrap_or(u64::MAX));
            if !same {
                std::fs::copy(&source, &target).with_context(|| {
                    format!("copying {} to {}", display(&source), display(&target))
                })?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

pub async fn backup(global: &Global, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let dir = DataDir::open(&global.data)?;
    let store = global.open_store().await?;
    new_directory(&args.to)?;
    let db = args.to.join("minewatch.db");
    let started = std::time::Instant::now();
    let snapshot = store.snapshot_to(&db).await;
    store.close().await;
    snapshot.with_context(|| format!("writing the snapshot {}", display(&db)))?;
    set_mode(&db, 0o600)?;
    for name in SMALL_FILES {
        let source = global.data.join(name);
        if source.exists() {
            let target = args.to.join(name);
            std::fs::copy(&source, &target)
                .with_context(|| format!("copying {}", display(&source)))?;
            set_mode(&target, 0o600)?;
        }
    }
    // The settings, pointing at the copy's own database and media folder.
    if let Some(settings) = dir.settings_for_copy()? {
        let target = args.to.join("minewatch.toml");
        std::fs::write(&target, settings)
            .with_context(|| format!("writing {}", display(&target)))?;
        set_mode(&target, 0o600)?;
    }
    // After the snapshot: every file a record of the snapshot names is stored already.
    let files = match dir.blob_config()?.backend {
        BlobBackend::Local { path } => copy_tree(&path, &args.to.join("blobs"))?,
        BlobBackend::S3 { bucket, .. } => {
            println!(
                "media files are in the S3 bucket {bucket}: back it up with the storage's own \
                 tools (the database names every file by its SHA-256)"
            );
            0
        }
    };
    println!(
        "backed up {} to {}: the database as of one moment, the device key, settings and \
         {files} media file(s), in {:.1} s",
        display(&global.data),
        display(&args.to),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(global: &Global, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let from = DataDir::open(&args.from)
        .with_context(|| format!("{} is not a backup", display(&args.from)))?;
    if !args.from.join("minewatch.db").exists() {
        bail!(
            "{} has no minewatch.db: it is not a backup `minewatch backup` wrote",
            display(&args.from)
        );
    }
    drop(from);
    new_directory(&global.data)?;
    let copied = copy_tree(&args.from, &global.data)?;
    for name in ["device.key", "minewatch.db"] {
        let path = global.data.join(name);
        if path.exists() {
            set_mode(&path, 0o600)?;
        }
    }
    let dir = DataDir::open(&global.data)?;
    let store = dir.open_store_read_only(None).await?;
    println!(
        "restored {} into {} ({copied} files)",
        display(&args.from),
        display(&global.data)
    );
    super::verify::check(store).await
}
