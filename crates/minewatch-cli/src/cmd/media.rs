//! `minewatch media add`, `minewatch export bundle` and `minewatch verify BUNDLE.zip`:
//! evidence files in and out.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use minewatch_domain::RecordId;
use minewatch_formats::bundle::{ReadLimits, verify_bundle};
use minewatch_store::media::NewMedia;
use minewatch_store::{Author, DataDir};

use super::exchange::{ExportArgs, ImportArgs};
use super::{Global, display};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: MediaCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MediaCommand {
    /// Add a photo, video, recording or document as evidence for records.
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The file.
    pub file: PathBuf,
    /// The record it is evidence for (repeat for more).
    #[arg(long, required = true, value_name = "ID")]
    pub about: Vec<String>,
    #[arg(long)]
    pub caption: Option<String>,
    /// public, coalition, case_team or private.
    #[arg(long, default_value = "case_team")]
    pub visibility: String,
    /// Who the ledger records as adding it.
    #[arg(long, default_value = "cli:media")]
    pub author: String,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let MediaCommand::Add(args) = args.command;
    let dir = DataDir::open(&global.data)?;
    let blobs = dir.blob_store()?;
    let store = super::open(&dir, global.database.as_deref()).await?;
    let about = args
        .about
        .iter()
        .map(|id| RecordId::parse(id).with_context(|| format!("--about {id:?} is not a record id")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let file = tokio::fs::File::open(&args.file)
        .await
        .with_context(|| format!("opening {}", display(&args.file)))?;
    // Read in 1 MiB chunks; the file is never held whole.
    let chunks = minewatch_store::blobs::file_chunks(file);
    let pack = minewatch_web::builtin_pack();
    let new = NewMedia {
        about,
        filename: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
        caption: args.caption,
        declared_type: None,
        visibility: Some(args.visibility),
        today: pack.today(jiff::Timestamp::now()),
        provenance: None,
    };
    let added = store
        .add_media(&blobs, &Author::named(&args.author), new, chunks)
        .await
        .with_context(|| format!("adding {}", display(&args.file)))?;
    store.close().await;
    println!(
        "{}: media {} · {} · {} bytes · sha256 {}{}",
        display(&args.file),
        added.written.record_id,
        added.content_type,
        added.size,
        added.sha256,
        if added.deduplicated {
            " (the file was stored already)"
        } else {
            ""
        }
    );
    if let Some(c) = &added.capture {
        println!(
            "capture: taken {} · place {} · device {}",
            c.taken_at.as_deref().unwrap_or("unknown"),
            c.location
                .map(|p| format!("{:.5}, {:.5}", p.lat, p.lon))
                .unwrap_or_else(|| "unknown".into()),
            c.device.as_deref().unwrap_or("unknown")
        );
    }
    match (&added.public_copy, &added.no_public_copy) {
        (Some(h), _) => println!("public copy (metadata removed): sha256 {h}"),
        (None, Some(why)) => println!("no public copy: {why}"),
        (None, None) => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `minewatch export bundle (--case ID | --licence ID | --record ID …) -o FILE.zip`.
pub async fn export_bundle(global: &Global, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let mut selection = Vec::new();
    let mut described = Vec::new();
    for (what, ids) in [
        ("case", &args.cases),
        ("licence", &args.licences),
        ("record", &args.records),
    ] {
        for id in ids {
            selection.push(
                RecordId::parse(id)
                    .with_context(|| format!("--{what} {id:?} is not a record id"))?,
            );
            described.push(format!("{what} {id}"));
        }
    }
    if selection.is_empty() {
        bail!("say what to export: --case ID, --licence ID or --record ID (repeatable)");
    }
    let dir = DataDir::open(&global.data)?;
    let blobs = dir.blob_store()?;
    let store = super::open(&dir, global.database.as_deref()).await?;
    for id in args.licences.iter().filter_map(|id| RecordId::parse(id)) {
        let kind = match store.get(&id).await {
            Ok(r) => r.kind,
            Err(e) => {
                store.close().await;
                bail!("--licence {id}: {e}");
            }
        };
        if kind != minewatch_domain::RecordKind::Licence {
            store.close().await;
            bail!(
                "--licence {id}: that record is of kind {kind}, not a licence (use --record for any record)"
            );
        }
    }
    let media = store.bundle_media(&selection).await?;
    let tmp = args.output.with_extension("partial");
    let file = std::fs::File::create(&tmp).with_context(|| format!("writing {}", display(&tmp)))?;
    let result = store
        .write_bundle(
            &blobs,
            &Author::named(&args.author),
            &media,
            &described.join(", "),
            std::io::BufWriter::new(file),
        )
        .await;
    store.close().await;
    let written = match result {
        Ok(w) => w
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    written.with_context(|| format!("writing {}", display(&tmp)))?;
    std::fs::rename(&tmp, &args.output)
        .with_context(|| format!("writing {}", display(&args.output)))?;
    println!(
        "{}: {} media item(s) for {}; check it with `minewatch verify {}`",
        display(&args.output),
        media.len(),
        described.join(", "),
        display(&args.output)
    );
    Ok(ExitCode::SUCCESS)
}

/// `minewatch import bundle FILE.zip --about ID`: the bundle's files as evidence for
/// records of this instance, all or none, after the whole bundle verifies.
pub async fn import_bundle(global: &Global, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let about = args
        .about
        .iter()
        .map(|id| RecordId::parse(id).with_context(|| format!("--about {id:?} is not a record id")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if about.is_empty() {
        bail!("say which record the bundle's files are evidence for: --about ID");
    }
    let dir = DataDir::open(&global.data)?;
    let blobs = dir.blob_store()?;
    let store = super::open(&dir, global.database.as_deref()).await?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", display(&args.file)))?;
    let pack = minewatch_web::builtin_pack();
    let result = store
        .import_bundle(
            &blobs,
            &Author::named(&args.author),
            std::io::BufReader::new(file),
            &about,
            Some(args.visibility.clone()),
            pack.today(jiff::Timestamp::now()),
        )
        .await;
    store.close().await;
    let added = result.with_context(|| format!("importing {}", display(&args.file)))?;
    for a in &added {
        println!(
            "media {} · {} · sha256 {}",
            a.written.record_id, a.content_type, a.sha256
        );
    }
    println!(
        "{}: imported {} media item(s); nothing else changed",
        display(&args.file),
        added.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `minewatch verify BUNDLE.zip`: needs no data directory.
pub fn verify_file(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", display(path)))?;
    let report = verify_bundle(std::io::BufReader::new(file), ReadLimits::default())
        .with_context(|| format!("{} cannot be checked", display(path)))?;
    if report.ok() {
        println!(
            "{}: verified — {} item(s), {} signed ledger entr{}, exported by device {}",
            display(path),
            report.items,
            report.entries,
            if report.entries == 1 { "y" } else { "ies" },
            report.exporter.as_deref().unwrap_or("?")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}: verification FAILED", display(path));
        for p in &report.problems {
            println!("  {p}");
        }
        Ok(ExitCode::from(1))
    }
}
