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
    /// Only findings about this licence: its number as people write it (MV-021252,
    /// mv 21252) or its record id.
    #[arg(long)]
    pub licence: Option<String>,
    /// Only findings this authority bears: its name (or part of it), record id or
    /// authority type.
    #[arg(long)]
    pub authority: Option<String>,
    /// Only findings with this status (pending, overdue, breached, met, met_late,
    /// unverified, not_owed).
    #[arg(long)]
    pub status: Option<String>,
    /// The table lists every finding, not only the counts by duty and what is
    /// breached or overdue.
    #[arg(long)]
    pub all: bool,
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
    let result = gaps_with(&store, &pack, args).await;
    store.close().await;
    result
}

/// The order findings need attention in: what was not done, then what is due, then
/// what nobody knows; what was done and what was never owed last.
fn urgency(s: Status) -> u8 {
    match s {
        Status::Breached => 0,
        Status::Overdue => 1,
        Status::Pending => 2,
        Status::Unverified => 3,
        Status::MetLate => 4,
        Status::Met => 5,
        Status::NotOwed => 6,
    }
}

async fn gaps_with(
    store: &minewatch_store::Store,
    pack: &Pack,
    args: GapsArgs,
) -> anyhow::Result<ExitCode> {
    let mut facts = store.facts(pack).await?;
    if let Some(path) = &args.facts {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let more: Facts = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
        facts.licences.extend(more.licences);
        facts.events.extend(more.events);
        facts.measurements.extend(more.measurements);
        facts.zones.extend(more.zones);
        facts.zone_layers.extend(more.zone_layers);
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
    // A licence by its record id or by its number as people write it.
    let licences: Option<Vec<String>> = match args.licence.as_deref() {
        None => None,
        Some(l) => {
            let key = minewatch_domain::licence::LicenceNumber::parse(l)
                .ok()
                .map(|n| n.key().to_owned());
            let ids: Vec<String> = facts
                .licences
                .iter()
                .filter(|f| {
                    &*f.id == l
                        || key.is_some()
                            && f.number
                                .as_deref()
                                .and_then(|n| {
                                    minewatch_domain::licence::LicenceNumber::parse(n).ok()
                                })
                                .is_some_and(|n| Some(n.key().to_owned()) == key)
                })
                .map(|f| f.id.to_string())
                .collect();
            if ids.is_empty() {
                bail!("--licence {l:?}: no licence with that number or record id");
            }
            Some(ids)
        }
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| pack.today(jiff::Timestamp::now()));
    let eval = evaluate(pack, &facts, as_of);
    let by_licence: Vec<&Gap> = eval
        .gaps
        .iter()
        .filter(|g| {
            licences
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|l| *l == *g.subject))
        })
        .filter(|g| status.is_none_or(|s| g.status == s))
        .collect();
    // Records by what people call them: licence numbers, company and authority names.
    // Evidence and triggers name records too: an implied event's id is its record's
    // with `#event@day`, a mean's the ids of its values joined by `+`.
    let mut ids: Vec<&str> = by_licence
        .iter()
        .flat_map(|g| {
            [&*g.subject, &*g.bearer]
                .into_iter()
                .chain(g.evidence.iter().map(|e| &**e))
                .chain(g.trigger.as_deref())
        })
        .flat_map(|id| id.split('+'))
        .map(|id| id.split('#').next().unwrap_or(id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<String, String> = store
        .get_many_unshaped(&ids)
        .await?
        .into_iter()
        .map(|r| (r.id.to_string(), r.label))
        .collect();
    let named = |id: &str, lang: Lang| -> String { display_name(id, lang, &names, pack) };
    let name = |id: &str| named(id, Lang::En);
    let mut gaps: Vec<&Gap> = by_licence
        .into_iter()
        .filter(|g| {
            args.authority.as_deref().is_none_or(|a| {
                let a_low = a.to_lowercase();
                &*g.bearer == a
                    || pack.duty(&g.duty).is_some_and(|d| d.bearer == a)
                    || name(&g.bearer).to_lowercase().contains(&a_low)
            })
        })
        .collect();
    use std::fmt::Write as _;
    let mut text = String::new();
    macro_rules! out {
        ($($arg:tt)*) => { let _ = writeln!(text, $($arg)*); };
    }
    match args.format {
        Format::Json => {
            let out: Vec<serde_json::Value> = gaps
                .iter()
                .map(|g| gap_json_named(g, pack, &named))
                .collect();
            out!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Csv => {
            out!(
                "duty,status,basis,confidence,bearer,bearer_name,subject,subject_name,trigger,on,due,due_derivation,citation,explanation,evidence,next_step,basis_note"
            );
            for g in &gaps {
                let duty = pack.duty(&g.duty);
                let fields = [
                    g.duty.to_string(),
                    g.status.to_string(),
                    basis(duty).to_owned(),
                    g.confidence.as_str().to_owned(),
                    g.bearer.to_string(),
                    name(&g.bearer),
                    g.subject.to_string(),
                    name(&g.subject),
                    g.trigger.as_deref().unwrap_or_default().to_owned(),
                    g.on.map(|d| d.to_string()).unwrap_or_default(),
                    g.due.map(|d| d.to_string()).unwrap_or_default(),
                    derivation(g, Lang::En),
                    g.citation(pack, Lang::En),
                    explanation_named(g, pack, Lang::En, &named),
                    g.evidence.join(" "),
                    g.next_step(pack).en.unwrap_or_default(),
                    duty.and_then(|d| d.basis_note.as_ref())
                        .map(|n| n.get(Lang::En).to_owned())
                        .unwrap_or_default(),
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
            gaps.sort_by_key(|g| (urgency(g.status), g.due));
            let count = |s: Status| gaps.iter().filter(|g| g.status == s).count();
            out!(
                "{} findings as of {as_of}: {}",
                gaps.len(),
                Status::ALL
                    .iter()
                    .map(|s| (s, count(*s)))
                    .filter(|(_, n)| *n > 0)
                    .map(|(s, n)| format!("{n} {s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            // By duty: how many of each status, most urgent duties first.
            let mut duties: Vec<(&str, [usize; 7])> = Vec::new();
            for g in &gaps {
                let at = match duties.iter().position(|(d, _)| *d == &*g.duty) {
                    Some(i) => i,
                    None => {
                        duties.push((&g.duty, [0; 7]));
                        duties.len() - 1
                    }
                };
                duties[at].1[urgency(g.status) as usize] += 1;
            }
            duties.sort_by_key(|(_, c)| std::cmp::Reverse((c[0], c[1], c[2], c[3])));
            out!("");
            out!(
                "{:<46} {:>8} {:>8} {:>8} {:>10} {:>6} {:>9}  BASIS",
                "DUTY",
                "BREACHED",
                "OVERDUE",
                "PENDING",
                "UNVERIFIED",
                "MET",
                "NOT OWED"
            );
            for (d, c) in &duties {
                out!(
                    "{:<46} {:>8} {:>8} {:>8} {:>10} {:>6} {:>9}  {}",
                    d,
                    c[0],
                    c[1],
                    c[2],
                    c[3],
                    c[4] + c[5],
                    c[6],
                    basis(pack.duty(d))
                );
            }
            // What needs action, in full; everything with --all.
            let shown: Vec<&&Gap> = if args.all {
                gaps.iter().collect()
            } else {
                gaps.iter()
                    .filter(|g| matches!(g.status, Status::Breached | Status::Overdue))
                    .take(ACTION_ROWS)
                    .collect()
            };
            if !shown.is_empty() {
                out!("");
                out!(
                    "{:<10} {:<40} {:<24} {:<30} {:<10} {}",
                    "STATUS",
                    "DUTY",
                    "SUBJECT",
                    "BEARER",
                    "DUE",
                    "BASIS"
                );
                for g in &shown {
                    out!(
                        "{:<10} {:<40} {:<24} {:<30} {:<10} {}",
                        g.status.as_str(),
                        g.duty,
                        name(&g.subject),
                        name(&g.bearer),
                        g.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                        basis(pack.duty(&g.duty))
                    );
                }
            }
            let needing = count(Status::Breached) + count(Status::Overdue);
            if !args.all && needing > shown.len() {
                out!(
                    "… and {} more breached or overdue: --format csv or --all lists every finding",
                    needing - shown.len()
                );
            }
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

/// What people call a record, in `lang`: a licence's number, a company's or an
/// authority's name (labels holding both languages as `mn / en` give the reader's), an
/// authority type's name; an implied event as its record and the event's name and day
/// (`MV-017777: Licence granted`); values joined by `+` each named.
fn display_name(
    id: &str,
    lang: Lang,
    names: &std::collections::HashMap<String, String>,
    pack: &Pack,
) -> String {
    if id.contains('+') {
        return id
            .split('+')
            .map(|p| display_name(p, lang, names, pack))
            .collect::<Vec<_>>()
            .join(", ");
    }
    let label = |id: &str| {
        names.get(id).map(|l| match (l.split_once(" / "), lang) {
            (Some((mn, _)), Lang::Mn) => mn.to_owned(),
            (Some((_, en)), Lang::En) => en.to_owned(),
            (None, _) => l.clone(),
        })
    };
    if let Some(l) = label(id) {
        return l;
    }
    if let Some(t) = pack.authority_type(id) {
        return t.name.get(lang).to_owned();
    }
    let Some((base, what)) = id.split_once('#') else {
        return id.to_owned();
    };
    let base_name = label(base).unwrap_or_else(|| base.to_owned());
    let mut parts = what.split('@');
    let kind = parts.next().unwrap_or_default();
    let event = pack
        .fact_event(kind)
        .map(|e| e.name.get(lang).to_owned())
        .unwrap_or_else(|| kind.to_owned());
    let days: Vec<&str> = parts.collect();
    if days.is_empty() {
        format!("{base_name}: {event}")
    } else {
        format!("{base_name}: {event} ({})", days.join(", "))
    }
}

/// Breached and overdue findings the table lists in full before `--all`.
const ACTION_ROWS: usize = 50;

/// `law` or `policy` (a coalition default, not set by law).
fn basis(duty: Option<&minewatch_domain::law::pack::Duty>) -> &'static str {
    match duty.map(|d| d.basis) {
        Some(minewatch_domain::law::pack::Basis::Policy) => "policy",
        _ => "law",
    }
}

/// One gap in the documented JSON shape, records named by `name` in each language.
pub fn gap_json_named(
    g: &Gap,
    pack: &Pack,
    name: &dyn Fn(&str, Lang) -> String,
) -> serde_json::Value {
    let duty = pack.duty(&g.duty);
    serde_json::json!({
        "duty": g.duty,
        "title": duty.map(|d| &d.title),
        "status": g.status,
        "basis": basis(duty),
        "basis_note": duty.and_then(|d| d.basis_note.as_ref()),
        "confidence": g.confidence,
        "bearer": g.bearer,
        "bearer_name": name(&g.bearer, Lang::En),
        "subject": g.subject,
        "subject_name": name(&g.subject, Lang::En),
        "trigger": g.trigger,
        "on": g.on.map(|d| d.to_string()),
        "due": g.due.map(|d| d.to_string()),
        "due_derivation": derivation(g, Lang::En),
        "why": g.why,
        "citation": {
            "mn": g.citation(pack, Lang::Mn),
            "en": g.citation(pack, Lang::En),
        },
        "explanation": {
            "mn": explanation_named(g, pack, Lang::Mn, name),
            "en": explanation_named(g, pack, Lang::En, name),
        },
        "evidence": g.evidence,
        "next_step": g.next_step(pack),
    })
}

/// How the gap's due date was worked out, in `lang`.
fn derivation(g: &Gap, lang: Lang) -> String {
    g.why
        .as_deref()
        .map(|w| minewatch_web::explain::why(&Ui::new(lang, "/"), w))
        .unwrap_or_default()
}

/// What the gap means, in `lang`, records named by `name`.
fn explanation_named(
    g: &Gap,
    pack: &Pack,
    lang: Lang,
    name: &dyn Fn(&str, Lang) -> String,
) -> String {
    g.explanation_with(pack, &|id| Some(name(id, lang)))
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
