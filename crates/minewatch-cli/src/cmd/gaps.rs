//! `minewatch gaps` and `minewatch deadline`: the duty engine on the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use jiff::civil::Date;
use minewatch_domain::engine::{Facts, Gap, Status, evaluate};
use minewatch_domain::law::calendar::DayCount;
use minewatch_domain::{Lang, Pack};
use minewatch_web::i18n::Ui;

use super::Global;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct GapsArgs {
    /// The date to evaluate at (default: today, Ulaanbaatar time).
    #[arg(long)]
    pub as_of: Option<Date>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Only gaps about this licence (record id).
    #[arg(long)]
    pub licence: Option<String>,
    /// Only gaps this authority (record id or authority type) bears.
    #[arg(long)]
    pub authority: Option<String>,
    /// Only gaps with this status (pending, overdue, breached, met, met_late, unverified).
    #[arg(long)]
    pub status: Option<String>,
    /// A legal pack folder instead of the built-in Mongolian pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// More facts from a JSON file ({"licences", "events", "measurements", "zones"}).
    #[arg(long)]
    pub facts: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DeadlineArgs {
    /// A legal pack folder (its calendar counts the days).
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// The day the clock starts (not counted), YYYY-MM-DD.
    #[arg(long)]
    pub from: Date,
    #[arg(long, conflicts_with = "days", required_unless_present = "days")]
    pub working_days: Option<u32>,
    #[arg(long)]
    pub days: Option<u32>,
}

pub(crate) fn load_pack(dir: Option<&PathBuf>) -> anyhow::Result<Pack> {
    let Some(dir) = dir else {
        return Ok(minewatch_web::builtin_pack());
    };
    let (names, texts) = super::pack::read_pack(dir)?;
    let files: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(texts.iter().map(String::as_str))
        .collect();
    Pack::from_files(&files).map_err(|problems| {
        anyhow::anyhow!(
            "{} has problems (run `minewatch pack check`):\n{}",
            dir.display(),
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

pub async fn deadline(_global: &Global, args: DeadlineArgs) -> anyhow::Result<ExitCode> {
    let pack = load_pack(args.pack.as_ref())?;
    let Some(calendar) = pack.calendar() else {
        bail!("the pack has no [calendar]");
    };
    let count = match (args.working_days, args.days) {
        (Some(n), _) => DayCount::Working(n),
        (None, Some(n)) => DayCount::Calendar(n),
        (None, None) => bail!("give --working-days N or --days N"),
    };
    let due = calendar.due_date(args.from, count, pack.non_working_due());
    println!("{}", due.date);
    println!("{due}");
    if due.derivation.outside_calendar {
        println!(
            "warning: the count reaches a year without a holiday table; holidays may be missed"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn gaps(global: &Global, args: GapsArgs) -> anyhow::Result<ExitCode> {
    let pack = load_pack(args.pack.as_ref())?;
    let store = global.open_store().await?;
    let mut facts = store.facts(&pack).await?;
    store.close().await;
    if let Some(path) = &args.facts {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let more: Facts = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
        facts.licences.extend(more.licences);
        facts.events.extend(more.events);
        facts.measurements.extend(more.measurements);
        facts.zones.extend(more.zones);
    }
    let status = match args.status.as_deref() {
        Some(s) => Some(Status::parse(s).with_context(|| {
            format!(
                "unknown status {s:?}: expected one of {}",
                Status::ALL.map(Status::as_str).join(", ")
            )
        })?),
        None => None,
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| pack.today(jiff::Timestamp::now()));
    let eval = evaluate(&pack, &facts, as_of);
    let gaps: Vec<&Gap> = eval
        .gaps
        .iter()
        .filter(|g| args.licence.as_deref().is_none_or(|l| &*g.subject == l))
        .filter(|g| {
            args.authority.as_deref().is_none_or(|a| {
                &*g.bearer == a || pack.duty(&g.duty).is_some_and(|d| d.bearer == a)
            })
        })
        .filter(|g| status.is_none_or(|s| g.status == s))
        .collect();
    use std::fmt::Write as _;
    let mut text = String::new();
    macro_rules! out {
        ($($arg:tt)*) => { let _ = writeln!(text, $($arg)*); };
    }
    match args.format {
        Format::Json => {
            let out: Vec<serde_json::Value> = gaps.iter().map(|g| gap_json(g, &pack)).collect();
            out!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Csv => {
            out!(
                "duty,status,bearer,subject,trigger,due,due_derivation,citation,explanation,evidence,next_step"
            );
            for g in &gaps {
                let fields = [
                    g.duty.to_string(),
                    g.status.to_string(),
                    g.bearer.to_string(),
                    g.subject.to_string(),
                    g.trigger.as_deref().unwrap_or_default().to_owned(),
                    g.due.map(|d| d.to_string()).unwrap_or_default(),
                    derivation(g, Lang::En),
                    g.citation(&pack, Lang::En),
                    explanation(g, &pack, Lang::En),
                    g.evidence.join(" "),
                    g.next_step(&pack).en.unwrap_or_default(),
                ];
                out!(
                    "{}",
                    fields
                        .iter()
                        .map(|f| csv_field(f))
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
        }
        Format::Table => {
            out!(
                "{:<11} {:<40} {:<28} {:<28} {:<10}",
                "STATUS",
                "DUTY",
                "SUBJECT",
                "BEARER",
                "DUE"
            );
            for g in &gaps {
                out!(
                    "{:<11} {:<40} {:<28} {:<28} {:<10}",
                    g.status.as_str(),
                    g.duty,
                    g.subject,
                    g.bearer,
                    g.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
                );
            }
            out!("{} gaps as of {as_of}", gaps.len());
        }
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    // Notes of one duty come by the thousand on a national cadastre: a few of each, and
    // how many more.
    let mut shown: std::collections::HashMap<Option<&str>, usize> = Default::default();
    for d in &eval.diagnostics {
        let n = shown.entry(d.duty.as_deref()).or_default();
        *n += 1;
        if *n <= 3 {
            eprintln!("note: {}", d.message);
        }
    }
    for (duty, n) in shown.iter().filter(|(_, n)| **n > 3) {
        eprintln!(
            "note: … and {} more like these{}",
            n - 3,
            duty.map(|d| format!(" for {d}")).unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One gap in the documented JSON shape.
pub fn gap_json(g: &Gap, pack: &Pack) -> serde_json::Value {
    serde_json::json!({
        "duty": g.duty,
        "status": g.status,
        "bearer": g.bearer,
        "subject": g.subject,
        "trigger": g.trigger,
        "due": g.due.map(|d| d.to_string()),
        "due_derivation": derivation(g, Lang::En),
        "why": g.why,
        "citation": g.citation(pack, Lang::En),
        "explanation": {
            "mn": explanation(g, pack, Lang::Mn),
            "en": explanation(g, pack, Lang::En),
        },
        "evidence": g.evidence,
        "next_step": g.next_step(pack),
        "confidence": g.confidence,
    })
}

/// How the gap's due date was worked out, in `lang`.
fn derivation(g: &Gap, lang: Lang) -> String {
    g.why
        .as_deref()
        .map(|w| minewatch_web::explain::why(&Ui::new(lang, "/"), w))
        .unwrap_or_default()
}

/// What the gap means, in `lang`.
fn explanation(g: &Gap, pack: &Pack, lang: Lang) -> String {
    g.explanation(pack)
        .map(|e| minewatch_web::explain::explanation(&Ui::new(lang, "/"), &e))
        .unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
