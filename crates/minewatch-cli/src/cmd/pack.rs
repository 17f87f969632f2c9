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
    let file = dir.join("pack.toml");
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    match Pack::from_toml(&file.display().to_string(), &text) {
        Ok(pack) => {
            println!(
                "{}: pack {} {} is valid ({} authority types)",
                dir.display(),
                pack.info.code,
                pack.info.version,
                pack.authority_types.len()
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
