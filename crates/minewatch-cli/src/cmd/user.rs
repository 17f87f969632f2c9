//! `minewatch user`: accounts and roles from the command line.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use minewatch_domain::{Grant, RecordId, Role, Scope};
use minewatch_store::{NewAccount, Store, random_code};

use super::Global;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

/// Where a role applies: the whole workspace unless a community or organisation is named.
#[derive(Debug, Clone, clap::Args)]
pub struct ScopeArgs {
    /// Limit the role to this community (record id).
    #[arg(long, conflicts_with = "organisation")]
    pub community: Option<String>,
    /// Limit the role to this organisation (record id).
    #[arg(long)]
    pub organisation: Option<String>,
}

impl ScopeArgs {
    fn scope(&self) -> anyhow::Result<Scope> {
        let id = |s: &str| RecordId::parse(s).with_context(|| format!("{s:?} is not a record id"));
        Ok(match (&self.community, &self.organisation) {
            (Some(c), _) => Scope::Community(id(c)?),
            (None, Some(o)) => Scope::Organisation(id(o)?),
            (None, None) => Scope::Workspace,
        })
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account; prints a one-time password to change at first login.
    Add {
        username: String,
        /// admin, coordinator, paralegal, lawyer, monitor or member.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// The name shown in the app (defaults to the username).
        #[arg(long)]
        name: Option<String>,
    },
    /// List accounts and their roles.
    List,
    /// Replace an account's role and scope.
    SetRole {
        username: String,
        role: String,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Give an account a new one-time password; its sessions end.
    ResetPassword { username: String },
}

fn role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).with_context(|| {
        format!(
            "unknown role {s:?}: expected one of {}",
            Role::ALL.map(Role::as_str).join(", ")
        )
    })
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
    let result = run_with(&store, args.command).await;
    store.close().await;
    result
}

async fn run_with(store: &Store, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            username,
            role: r,
            scope,
            name,
        } => {
            let grant = Grant {
                role: role(&r)?,
                scope: scope.scope()?,
            };
            let password = random_code(4);
            store
                .create_account(NewAccount {
                    username: &username,
                    display_name: name.as_deref().unwrap_or(&username),
                    grants: vec![grant.clone()],
                    password: &password,
                    must_change_password: true,
                })
                .await?;
            println!("created {username} ({}, {})", grant.role, grant.scope);
            println!("one-time password: {password}");
            println!("(shown once; {username} chooses a new password at first login)");
        }
        UserCommand::List => {
            let accounts = store.accounts().await?;
            if accounts.is_empty() {
                println!("no accounts");
            }
            for a in accounts {
                let grants: Vec<String> = a
                    .grants
                    .iter()
                    .map(|g| format!("{} ({})", g.role, g.scope))
                    .collect();
                let mut state = Vec::new();
                if a.must_change_password {
                    state.push("one-time password");
                }
                if a.disabled {
                    state.push("disabled");
                }
                println!(
                    "{:<20} {:<30} {}{}",
                    a.username,
                    a.display_name,
                    grants.join(", "),
                    if state.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", state.join(", "))
                    }
                );
            }
        }
        UserCommand::SetRole {
            username,
            role: r,
            scope,
        } => {
            let grant = Grant {
                role: role(&r)?,
                scope: scope.scope()?,
            };
            if store.account(&username).await?.is_none() {
                bail!("no account named {username:?}");
            }
            store
                .set_grants(&username, std::slice::from_ref(&grant))
                .await?;
            println!("{username} is now {} ({})", grant.role, grant.scope);
        }
        UserCommand::ResetPassword { username } => {
            if store.account(&username).await?.is_none() {
                bail!("no account named {username:?}");
            }
            let password = random_code(4);
            store.set_password(&username, &password, true).await?;
            println!("one-time password for {username}: {password}");
            println!("(shown once; their sessions ended; they choose a new password at login)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates the first admin of a new instance; returns its one-time password.
pub async fn first_admin(store: &Store) -> anyhow::Result<Option<String>> {
    if !store.accounts().await?.is_empty() {
        return Ok(None);
    }
    let password = random_code(4);
    store
        .create_account(NewAccount {
            username: "admin",
            display_name: "Admin",
            grants: vec![Grant {
                role: Role::Admin,
                scope: Scope::Workspace,
            }],
            password: &password,
            must_change_password: true,
        })
        .await?;
    Ok(Some(password))
}
