//! `minewatch pack check DIR`: validate a legal pack and report every problem.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use minewatch_domain::Pack;

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: PackCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum PackCommand {
    /// Check a pack directory (its pack.toml); exit 1 if anything is wrong.
    Check {
        /// The pack's directory, e.g. packs/mn.
        dir: PathBuf,
    },
}

pub async fn run(_global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let PackCommand::Check { dir } = args.command;
    let (names, texts) = read_pack(&dir)?;
    let files: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(texts.iter().map(String::as_str))
        .collect();
    match Pack::from_files(&files) {
        Ok(pack) => {
            let counts: Vec<String> = pack
                .summary()
                .into_iter()
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            println!(
                "{}: pack {} {} is valid ({})",
                dir.display(),
                pack.info.code,
                pack.info.version,
                counts.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems {
                println!("{p}");
            }
            println!("{} problem(s) in {}", problems.len(), dir.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// The names and texts of a pack folder's `*.toml` files, `pack.toml` first.
pub fn read_pack(dir: &std::path::Path) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort_by_key(|p| (p.file_name().is_none_or(|n| n != "pack.toml"), p.clone()));
    if !paths.iter().any(|p| p.ends_with("pack.toml")) {
        anyhow::bail!("{} has no pack.toml", dir.display());
    }
    let mut names = Vec::new();
    let mut texts = Vec::new();
    for p in paths {
        texts
            .push(std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?);
        names.push(p.display().to_string());
    }
    Ok((names, texts))
}
