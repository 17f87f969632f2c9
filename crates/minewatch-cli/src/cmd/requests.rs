//! `minewatch requests`: information requests, complaints and appeals with where each
//! stands today (or `--as-of`), its due date and how that was counted.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::civil::Date;
use minewatch_domain::requests::{State, standing};
use minewatch_domain::{Lang, Record, RecordKind};
use serde_json::json;

use super::Global;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only requests in this state (draft, sent, overdue, very_overdue, answered…).
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// The day to compute states on (default: today, Ulaanbaatar time).
    #[arg(long)]
    pub as_of: Option<Date>,
    /// A legal pack folder instead of the built-in Mongolian pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let pack = super::gaps::load_pack(args.pack.as_ref())?;
    let want = match args.status.as_deref() {
        Some(s) => Some(State::parse(s).with_context(|| {
            let mut names: Vec<&str> = State::STORED.iter().map(|(n, _)| *n).collect();
            names.extend(["overdue", "very_overdue"]);
            format!("unknown status {s:?}: expected one of {}", names.join(", "))
        })?),
        None => None,
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| pack.today(jiff::Timestamp::now()));
    let store = global.open_store().await?;
    let mut q = minewatch_store::ListQuery::all(RecordKind::Request).everything();
    q.limit = 10_000;
    let requests = store.list(&q).await?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::new();
    for r in &requests {
        let Ok(Record::Request(req)) = r.typed() else {
            continue;
        };
        let st = standing(&pack, req.request_type, req.channel, &req.steps, as_of);
        if want.is_some_and(|w| w != st.state) {
            continue;
        }
        let authority = req.authority_id.as_str().to_owned();
        if !names.contains_key(&authority) {
            let name = match store.get(&req.authority_id).await.ok().map(|a| a.typed()) {
                Some(Ok(a)) => a.name().get(Lang::En).to_owned(),
                _ => authority.clone(),
            };
            names.insert(authority.clone(), name);
        }
        rows.push(json!({
            "id": r.id.as_str(),
            "type": req.request_type.as_str(),
            "subject": req.subject,
            "authority": authority,
            "authority_name": names[&authority],
            "channel": req.channel.as_str(),
            "status": st.state.as_str(),
            "sent": st.clock_start.map(|d| d.to_string()),
            "due": st.due.map(|d| d.to_string()),
            "due_derivation": st.why().map(|w| minewatch_web::explain::why(&minewatch_web::i18n::Ui::new(minewatch_domain::Lang::En, "/"), &w)),
            "very_overdue_from": st.very_overdue_from.map(|d| d.to_string()),
            "answered": st.answered.map(|d| d.to_string()),
            "duty": st.duty,
            "awaiting_delivery": st.awaiting_delivery,
        }));
    }
    store.close().await;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Table => {
            println!(
                "{:<26} {:<16} {:<11} {:<11} authority",
                "id", "status", "sent", "due"
            );
            for r in &rows {
                let s = |k: &str| r[k].as_str().unwrap_or("-").to_owned();
                println!(
                    "{:<26} {:<16} {:<11} {:<11} {}",
                    s("id"),
                    s("status"),
                    s("sent"),
                    s("due"),
                    s("authority_name")
                );
            }
            println!("{} request(s) as of {as_of}", rows.len());
            let waiting = rows
                .iter()
                .filter(|r| r["awaiting_delivery"] == true)
                .count();
            if waiting > 0 {
                println!(
                    "note: {waiting} request(s) went on paper or by hand with no delivery date recorded: no clock runs until the stamped receipt's date is recorded"
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct DailyArgs {
    /// The day to run as (default: today, Ulaanbaatar time).
    #[arg(long)]
    pub today: Option<Date>,
    /// A legal pack folder instead of the built-in Mongolian pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
}

/// `minewatch daily`: the daily request job, once.
pub async fn daily(global: &Global, args: DailyArgs) -> anyhow::Result<ExitCode> {
    let pack = super::gaps::load_pack(args.pack.as_ref())?;
    let today = args
        .today
        .unwrap_or_else(|| pack.today(jiff::Timestamp::now()));
    let mailer = match global.mail_config()? {
        Some(c) => Some(minewatch_store::mail::SmtpMailer::new(&c).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let store = global.open_store().await?;
    let report = store.run_daily(&pack, mailer.as_ref(), today).await?;
    store.close().await;
    println!("daily job for {today}:");
    println!("  overdue: {}", report.overdue.len());
    for id in &report.overdue {
        println!("    {id}");
    }
    for (of, draft) in &report.drafted {
        println!("  complaint drafted for {of}: {draft}");
    }
    for (id, outcome) in &report.retried {
        match outcome {
            minewatch_store::SendOutcome::Sent => println!("  sent on retry: {id}"),
            minewatch_store::SendOutcome::Failed(e) => println!("  still not sent: {id}: {e}"),
        }
    }
    for id in &report.reminded {
        println!("  requester reminded: {id}");
    }
    for (id, e) in &report.reminder_errors {
        println!("  reminder not sent: {id}: {e}");
    }
    for (id, e) in &report.errors {
        println!("  no complaint drafted for {id}: {e}");
    }
    if mailer.is_none() {
        println!("  (email is not set up: nothing was sent)");
    }
    Ok(ExitCode::SUCCESS)
}
