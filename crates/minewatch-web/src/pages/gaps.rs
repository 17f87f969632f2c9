//! The duty engine's findings on pages: the gaps list with its filters, one page per
//! gap, and the gaps of a licence, a company or an authority (an authority's gaps are
//! its scorecard). The evaluation of the records as they are now is made once and
//! shared by every page and request ([`Evaluated`], kept in `kept.rs`): it is made again
//! when the ledger moves (any process's write, compared on every read) or the day
//! changes, by one request while the others wait for it. Pages show a hundred gaps at a time, with counts of all.
//!
//! A gap about a record the viewer may not see is left out, and so is every count it
//! would add to; evidence the viewer may not see is counted, never named.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use jiff::civil::Date;
use minewatch_domain::engine::{Evaluation, Facts, Gap, Status, evaluate};
use minewatch_domain::law::pack::Basis;
use minewatch_domain::{Lang, Pack, Principal, RecordAccess, RecordId, RecordKind, Visibility};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::access::Viewer;
use crate::error::{AppError, OrPage, PageError};
use crate::i18n::Ui;
use crate::views::{display_name, record_href};

type PageResult = Result<Response, PageError>;

/// A gap's id for its page: stable while the duty, subject, trigger and due date stay
/// the same (its status may change).
pub fn gap_id(g: &Gap) -> String {
    let mut h = Sha256::new();
    for part in [
        &*g.duty,
        &*g.subject,
        g.trigger.as_deref().unwrap_or(""),
        &g.due.map(|d| d.to_string()).unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Which gaps a list shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GapFilter {
    pub status: String,
    pub licence: String,
    pub authority: String,
    pub company: String,
    pub duty: String,
    /// The day to evaluate at (`YYYY-MM-DD`); empty: today.
    pub as_of: String,
    /// Which page of a hundred (1 is the first).
    pub page: usize,
}

impl GapFilter {
    fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }

    /// The query string of this filter with another status (on its first page).
    fn query_with_status(&self, status: &str) -> String {
        self.query(status, 1)
    }

    /// The query string of this filter with this status, on this page.
    fn query(&self, status: &str, page: usize) -> String {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        let pairs = [
            ("status", status),
            ("licence", self.licence.as_str()),
            ("authority", self.authority.as_str()),
            ("company", self.company.as_str()),
            ("duty", self.duty.as_str()),
            ("as_of", self.as_of.as_str()),
            ("page", page.as_str()),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        match serde_urlencoded::to_string(kept) {
            Ok(q) if !q.is_empty() => format!("?{q}"),
            _ => String::new(),
        }
    }
}

/// Gaps a page shows at once; the counts are of all of them.
pub const GAPS_PER_PAGE: usize = 100;

/// The last page number taken (past it, the last page there could be).
const MAX_PAGE: usize = 1_000_000;

/// Gaps a licence's, company's or authority's page shows.
const GAPS_ON_A_RECORD: usize = 20;

/// A record a gap names, as pages name it and as the access policy judges it.
struct Named {
    visibility: Visibility,
    owner: Option<RecordId>,
    name_mn: String,
    name_en: String,
    href: Option<String>,
}

/// The evaluation of the records at one point of the ledger on one day, with what the
/// pages need to show any part of it without asking the database: the records its gaps
/// name, and the gaps by subject, bearer and duty.
pub struct Evaluated {
    pub today: Date,
    /// Each company's licences (the engine's facts are not kept: only this).
    held: HashMap<Arc<str>, Vec<Arc<str>>>,
    pub eval: Evaluation,
    directory: HashMap<String, Named>,
    by_subject: HashMap<Arc<str>, Vec<u32>>,
    by_bearer: HashMap<Arc<str>, Vec<u32>>,
    by_duty: HashMap<Arc<str>, Vec<u32>>,
    by_id: HashMap<String, u32>,
    /// The gaps an anonymous visitor sees (about records the public may see).
    public: Vec<u32>,
    /// How many of those there are of each status.
    public_counts: Vec<(Status, usize)>,
}

/// The evaluation of the records as they are now, today.
pub async fn evaluation(state: &AppState) -> Result<Arc<Evaluated>, AppError> {
    let today = state.pack.today(jiff::Timestamp::now());
    state
        .kept
        .evaluation
        .get(state, today.to_string(), async || {
            make_evaluation(state, today).await
        })
        .await
}

/// Evaluates the pack against the records as they are and indexes the result.
async fn make_evaluation(state: &AppState, today: Date) -> Result<Arc<Evaluated>, AppError> {
    let started = std::time::Instant::now();
    let facts = state.store.facts(&state.pack).await?;
    let (facts, eval) = evaluated(state, facts, today).await;
    let mut ids: Vec<&str> = Vec::new();
    {
        let mut seen = HashSet::new();
        for g in eval.gaps.iter() {
            let named = [&g.subject, &g.bearer]
                .into_iter()
                .chain(g.trigger.as_ref())
                .chain(g.evidence.iter());
            for id in named {
                let base = base_id(id);
                if seen.insert(base) && RecordId::parse(base).is_some() {
                    ids.push(base);
                }
            }
        }
    }
    let records = state.store.get_many_unshaped(&ids).await?;
    drop(ids);
    let directory: HashMap<String, Named> = records
        .into_iter()
        .map(|r| {
            let access = RecordAccess::of(r.kind, &r.id, &r.payload);
            // Without its shape a zone no longer reads as a record: its name is still
            // in the payload.
            let name = |lang| match r.payload.get("name") {
                Some(name @ serde_json::Value::Object(_)) => {
                    serde_json::from_value::<minewatch_domain::Localized>(name.clone())
                        .map(|n| n.get(lang).to_owned())
                        .unwrap_or_else(|_| display_name(&r, lang))
                }
                _ => display_name(&r, lang),
            };
            let named = Named {
                visibility: access.visibility,
                owner: access.owner,
                name_mn: name(Lang::Mn),
                name_en: name(Lang::En),
                href: record_href(r.kind, &r.id),
            };
            (r.id.to_string(), named)
        })
        .collect();
    let made = tokio::task::spawn_blocking(move || index(today, facts, eval, directory))
        .await
        .map_err(|e| AppError::Internal(format!("indexing the evaluation: {e}")))?;
    let made = Arc::new(made);
    tracing::debug!(
        gaps = made.eval.gaps.len(),
        duration_ms = started.elapsed().as_millis() as u64,
        "evaluation made"
    );
    Ok(made)
}

/// The record an id a gap mentions is about: a licence's grant or expiry ("ID#granted")
/// and a period of a periodic duty ("ID@DATE") are about record ID.
fn base_id(id: &str) -> &str {
    id.split_once('#')
        .or_else(|| id.split_once('@'))
        .map_or(id, |(base, _)| base)
}

fn index(
    today: Date,
    facts: Facts,
    eval: Evaluation,
    directory: HashMap<String, Named>,
) -> Evaluated {
    let mut held: HashMap<Arc<str>, Vec<Arc<str>>> = HashMap::new();
    for l in &facts.licences {
        if let Some(holder) = &l.holder {
            held.entry(holder.clone()).or_default().push(l.id.clone());
        }
    }
    drop(facts);
    let mut made = Evaluated {
        today,
        held,
        directory,
        by_subject: HashMap::new(),
        by_bearer: HashMap::new(),
        by_duty: HashMap::new(),
        by_id: HashMap::with_capacity(eval.gaps.len()),
        public: Vec::new(),
        public_counts: Status::ALL.iter().map(|s| (*s, 0)).collect(),
        eval: Evaluation {
            as_of: eval.as_of,
            gaps: Vec::new().into(),
            diagnostics: Vec::new(),
        },
    };
    for (i, g) in eval.gaps.iter().enumerate() {
        let i = i as u32;
        made.by_subject
            .entry(g.subject.clone())
            .or_default()
            .push(i);
        made.by_bearer.entry(g.bearer.clone()).or_default().push(i);
        made.by_duty.entry(g.duty.clone()).or_default().push(i);
        made.by_id.insert(gap_id(g), i);
        if made.visible(&g.subject, &Principal::Anonymous) {
            made.public.push(i);
            if let Some(c) = made.public_counts.iter_mut().find(|(s, _)| *s == g.status) {
                c.1 += 1;
            }
        }
    }
    made.eval = eval;
    made
}

impl Evaluated {
    /// Whether `principal` may see what the id is about (ids that are no record, such
    /// as an authority type, are shown).
    fn visible(&self, id: &str, principal: &Principal) -> bool {
        match self.directory.get(base_id(id)) {
            Some(n) => principal.can_see(n.visibility, n.owner.as_ref()),
            None => true,
        }
    }

    /// A name and a link for an id a gap mentions, or `None` when it is a record the
    /// viewer may not see.
    fn name(
        &self,
        pack: &Pack,
        ui: &Ui,
        viewer: &Viewer,
        id: &str,
    ) -> Option<(String, Option<String>)> {
        let record = |base: &str| match self.directory.get(base) {
            Some(n) => viewer.can_see(n.visibility, n.owner.as_ref()).then(|| {
                let name = if ui.lang == Lang::Mn {
                    &n.name_mn
                } else {
                    &n.name_en
                };
                (name.clone(), n.href.clone())
            }),
            // Not a record (a station, a request kept elsewhere): its id is all we have.
            None => Some((base.to_owned(), None)),
        };
        // `record#fact` names a dated fact of a record (a licence's grant);
        // `…@date` one period of a periodic duty.
        let (fact, due) = match id.split_once('@') {
            Some((fact, due)) => (fact, Some(due)),
            None => (id, None),
        };
        if due.is_some() || fact.contains('#') {
            let (base, what) = match fact.split_once('#') {
                Some((base, what)) => (base, Some(what)),
                None => (fact, None),
            };
            let (mut name, href) = record(base)?;
            if let Some(what) = what {
                // An event of the pack by its name (`operation-started`, a licence's
                // `revoked`, a commitment's `due`), else a fact's message.
                let said = pack
                    .fact_event(what)
                    .map(|e| ui.pick(&e.name).to_owned())
                    .unwrap_or_else(|| ui.t_or(&format!("gap-fact-{what}"), what));
                name = format!("{name} ({said})");
            }
            if let Some(due) = due {
                name = format!("{name} · {}", due.replace('@', ", "));
            }
            return Some((name, href));
        }
        if let Some(t) = pack.authority_type(id) {
            return Some((ui.pick(&t.name).to_owned(), None));
        }
        record(id)
    }

    /// The gaps that pass `filter` but its status, in pack order, that `principal` may
    /// see.
    fn candidates(&self, filter: &GapFilter, principal: &Principal) -> Cow<'_, [u32]> {
        fn given(s: &str) -> Option<&str> {
            (!s.is_empty()).then_some(s)
        }
        let mut lists: Vec<Vec<u32>> = Vec::new();
        let none = Vec::new();
        if let Some(l) = given(&filter.licence) {
            lists.push(self.by_subject.get(l).unwrap_or(&none).clone());
        }
        if let Some(a) = given(&filter.authority) {
            lists.push(self.by_bearer.get(a).unwrap_or(&none).clone());
        }
        if let Some(d) = given(&filter.duty) {
            lists.push(self.by_duty.get(d).unwrap_or(&none).clone());
        }
        if let Some(c) = given(&filter.company) {
            let mut of_company = self.by_bearer.get(c).unwrap_or(&none).clone();
            for l in self.held.get(c).into_iter().flatten() {
                of_company.extend(self.by_subject.get(l).unwrap_or(&none));
            }
            of_company.sort_unstable();
            of_company.dedup();
            lists.push(of_company);
        }
        let public = !principal.is_signed_in();
        let mut kept = match lists.iter().min_by_key(|l| l.len()) {
            Some(smallest) => smallest.clone(),
            None if public => return Cow::Borrowed(&self.public),
            None => (0..self.eval.gaps.len() as u32).collect(),
        };
        kept.retain(|i| {
            lists.iter().all(|l| l.binary_search(i).is_ok())
                && self.visible(&self.eval.gaps[*i as usize].subject, principal)
        });
        Cow::Owned(kept)
    }

    /// The gap with this id, if there is one today.
    pub fn gap(&self, id: &str) -> Option<&Gap> {
        self.by_id.get(id).map(|i| &self.eval.gaps[*i as usize])
    }
}

/// A gap as a page shows it.
#[derive(Clone)]
pub struct GapView {
    pub id: String,
    pub status_id: &'static str,
    pub status: String,
    pub title: String,
    pub duty_id: String,
    pub kind: String,
    pub subject: String,
    pub subject_href: Option<String>,
    pub bearer: String,
    pub bearer_href: Option<String>,
    pub trigger: String,
    pub due: String,
    pub derivation: String,
    pub citation: String,
    pub explanation: String,
    pub next_step: String,
    pub confidence: String,
    pub policy_note: Option<String>,
    pub evidence: Vec<(String, Option<String>)>,
    /// Evidence records the viewer may not see: how many, and that said in words.
    pub hidden_evidence: usize,
    pub hidden_label: String,
}

/// The gaps the viewer may see that pass `filter`, one page of them as views, with a
/// count per status (of the gaps that pass every filter but the status one) and how
/// many pass the status filter too.
fn views(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    evaluated: &Evaluated,
    filter: &GapFilter,
    page: usize,
    per_page: usize,
) -> (Vec<GapView>, Vec<(Status, usize)>, usize) {
    let gaps = &evaluated.eval.gaps;
    let candidates = evaluated.candidates(filter, viewer.principal());
    let counts = if matches!(candidates, Cow::Borrowed(_)) {
        evaluated.public_counts.clone()
    } else {
        let mut counts: Vec<(Status, usize)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for i in candidates.iter() {
            let status = gaps[*i as usize].status;
            if let Some(c) = counts.iter_mut().find(|(s, _)| *s == status) {
                c.1 += 1;
            }
        }
        counts
    };
    // The whole list shows what was owed; what was never owed is one click away.
    let wanted = filter.status();
    let mut matching = candidates
        .iter()
        .map(|i| &gaps[*i as usize])
        .filter(|g| match wanted {
            Some(s) => s == g.status,
            None => g.status != Status::NotOwed,
        });
    let count_of = |s: Status| counts.iter().find(|(c, _)| *c == s).map_or(0, |c| c.1);
    let total = match wanted {
        Some(s) => count_of(s),
        None => candidates.len() - count_of(Status::NotOwed),
    };
    let skip = page.saturating_sub(1) * per_page;
    let rows = matching
        .by_ref()
        .skip(skip)
        .take(per_page)
        .filter_map(|g| view(state, viewer, ui, evaluated, g))
        .collect();
    (rows, counts, total)
}

/// One gap as a page shows it (`None` for a duty the pack no longer has).
fn view(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    evaluated: &Evaluated,
    g: &Gap,
) -> Option<GapView> {
    let pack = &state.pack;
    let name = |id: &str| evaluated.name(pack, ui, viewer, id);
    let (subject, subject_href) = name(&g.subject)?;
    let duty = pack.duty(&g.duty)?;
    let (bearer, bearer_href) = match name(&g.bearer) {
        Some(named) => named,
        None => match pack.authority_type(&duty.bearer) {
            Some(t) => (ui.pick(&t.name).to_owned(), None),
            None => (ui.t("gap-bearer-hidden"), None),
        },
    };
    let mut evidence = Vec::new();
    let mut hidden_evidence = 0;
    let mut shown_names: HashMap<String, Option<String>> = HashMap::new();
    for e in &g.evidence {
        match name(e) {
            Some((n, href)) => {
                shown_names.insert(e.to_string(), Some(n.clone()));
                evidence.push((n, href));
            }
            None => {
                shown_names.insert(e.to_string(), None);
                hidden_evidence += 1;
            }
        }
    }
    shown_names.insert(g.subject.to_string(), Some(subject.clone()));
    shown_names.insert(g.bearer.to_string(), Some(bearer.clone()));
    let trigger = match g.trigger.as_deref() {
        Some(t) => name(t).map(|n| n.0).unwrap_or_default(),
        None => String::new(),
    };
    let explanation = g.explanation_with(pack, &|id| {
        shown_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| Some(id.to_owned()))
    });
    Some(GapView {
        id: gap_id(g),
        status_id: g.status.as_str(),
        status: ui.t(&format!("gap-status-{}", g.status.as_str())),
        title: ui.pick(&duty.title).to_owned(),
        duty_id: duty.id.clone(),
        kind: ui.t(&format!("duty-kind-{}", duty.kind.as_str())),
        subject,
        subject_href,
        bearer,
        bearer_href,
        trigger,
        due: g.due.map(|d| d.to_string()).unwrap_or_default(),
        derivation: g
            .why
            .as_deref()
            .map(|w| crate::explain::why(ui, w))
            .unwrap_or_default(),
        citation: g.citation(pack, ui.lang),
        explanation: explanation
            .map(|e| crate::explain::explanation(ui, &e))
            .unwrap_or_default(),
        next_step: ui.pick(&duty.next_step).to_owned(),
        confidence: ui.t(&format!("confidence-{}", duty.confidence.as_str())),
        policy_note: (duty.basis == Basis::Policy).then(|| {
            duty.basis_note
                .as_ref()
                .map(|n| ui.pick(n).to_owned())
                .unwrap_or_default()
        }),
        evidence,
        hidden_evidence,
        hidden_label: ui.t_count("gap-hidden-evidence", hidden_evidence as i64),
    })
}

/// The gaps of one record for its page: a count per status and the list.
#[derive(Clone)]
pub struct RecordGaps {
    pub heading: String,
    pub intro: String,
    pub counts: Vec<StatusCount>,
    pub rows: Vec<GapView>,
    /// The gaps list filtered to this record.
    pub list_href: String,
    /// "Showing 1–100 of N", when there are more than a page.
    pub shown: Option<String>,
}

#[derive(Clone)]
pub struct StatusCount {
    pub id: &'static str,
    pub label: String,
    pub n: usize,
    pub href: String,
}

fn status_counts(ui: &Ui, counts: &[(Status, usize)], filter: &GapFilter) -> Vec<StatusCount> {
    counts
        .iter()
        .map(|(s, n)| StatusCount {
            id: s.as_str(),
            label: ui.t(&format!("gap-status-{}", s.as_str())),
            n: *n,
            href: format!("/gaps{}", filter.query_with_status(s.as_str())),
        })
        .collect()
}

/// The gaps on a licence, company or authority page; `None` for other kinds.
pub async fn for_record(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    kind: RecordKind,
    id: &RecordId,
) -> Result<Option<RecordGaps>, AppError> {
    let id = id.to_string();
    let (filter, heading, intro) = match kind {
        RecordKind::Licence => (
            GapFilter {
                licence: id,
                ..GapFilter::default()
            },
            "record-gaps-licence",
            "record-gaps-licence-intro",
        ),
        RecordKind::Company => (
            GapFilter {
                company: id,
                ..GapFilter::default()
            },
            "record-gaps-company",
            "record-gaps-company-intro",
        ),
        RecordKind::Authority => (
            GapFilter {
                authority: id,
                ..GapFilter::default()
            },
            "record-gaps-authority",
            "record-gaps-authority-intro",
        ),
        _ => return Ok(None),
    };
    // Kept with the evaluation it comes from: a company's gaps are gathered from all its
    // licences' and explained, every time its page is read otherwise.
    let today = state.pack.today(jiff::Timestamp::now());
    let key = format!(
        "{filter:?}|{:?}|{}|{today}",
        viewer.filter(),
        ui.lang.code()
    );
    let gaps = state
        .kept
        .record_gaps
        .get(state, key, async || {
            let evaluated = evaluation(state).await?;
            // A record's page shows its first gaps with the counts of all; the gaps
            // list, filtered to the record, has them all.
            let (rows, counts, total) =
                views(state, viewer, ui, &evaluated, &filter, 1, GAPS_ON_A_RECORD);
            Ok::<_, AppError>(Arc::new(RecordGaps {
                heading: ui.t(heading),
                intro: ui.t(intro),
                counts: status_counts(ui, &counts, &filter),
                list_href: format!("/gaps{}", filter.query_with_status("")),
                shown: (total > rows.len()).then(|| crate::views::shown(ui, 1, rows.len(), total)),
                rows,
            }))
        })
        .await?;
    Ok(Some((*gaps).clone()))
}

#[derive(Template)]
#[template(path = "gaps.html")]
pub struct GapsPage<'a> {
    pub ui: &'a Ui,
    pub as_of: String,
    /// The filters the as-of form keeps (all but the date and the page).
    pub kept_query: Vec<(&'static str, String)>,
    pub status: String,
    pub filters: Vec<(String, String)>,
    pub all_href: String,
    pub count_label: String,
    pub counts: Vec<StatusCount>,
    pub rows: Vec<GapView>,
    pub pager: crate::views::Pager,
}

/// Every gap the engine finds today in the records the viewer may see, filtered by
/// status, licence, company, authority or duty.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Query(filter): Query<GapFilter>,
) -> PageResult {
    // Another day than today is evaluated afresh (and not kept): the law and the
    // records as they stood and were known then.
    let as_of: Option<Date> = match filter.as_of.trim() {
        "" => None,
        text => match text.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                let why = ui.t_args("gaps-bad-as-of", &[("value", text.to_owned())]);
                return Err(AppError::BadRequest(
                    axum::http::StatusCode::BAD_REQUEST,
                    why,
                ))
                .page(&ui);
            }
        },
    };
    // Another day is a fresh evaluation, not kept (seconds on a national workspace):
    // only for signed-in people, so anonymous requests cannot keep the server busy.
    let evaluated = match as_of {
        Some(day) if day != state.pack.today(jiff::Timestamp::now()) && viewer.is_signed_in() => {
            make_evaluation(&state, day).await.page(&ui)?
        }
        _ => evaluation(&state).await.page(&ui)?,
    };
    let today = evaluated.today;
    let page = filter.page.clamp(1, MAX_PAGE);
    let (rows, counts, total) = views(
        &state,
        &viewer,
        &ui,
        &evaluated,
        &filter,
        page,
        GAPS_PER_PAGE,
    );
    let pager = crate::views::Pager::numbered(&ui, page, GAPS_PER_PAGE, rows.len(), total, |p| {
        format!("/gaps{}", filter.query(&filter.status, p))
    });
    // What the list is narrowed to, named as the viewer may see it.
    let mut filters = Vec::new();
    for (key, value) in [
        ("gaps-filter-licence", &filter.licence),
        ("gaps-filter-company", &filter.company),
        ("gaps-filter-authority", &filter.authority),
    ] {
        if !value.is_empty() {
            let name = match evaluated.name(&state.pack, &ui, &viewer, value) {
                Some((name, _)) if evaluated.directory.contains_key(value.as_str()) => Some(name),
                // A record no gap names: the database has its name.
                _ => viewer
                    .sees(&state, value)
                    .await
                    .map(|r| display_name(&r, ui.lang)),
            };
            filters.push((ui.t(key), name.unwrap_or_else(|| ui.t("gap-bearer-hidden"))));
        }
    }
    if let Some(d) = state.pack.duty(&filter.duty) {
        filters.push((ui.t("gaps-filter-duty"), ui.pick(&d.title).to_owned()));
    }
    let page = GapsPage {
        ui: &ui,
        as_of: today.to_string(),
        kept_query: [
            ("status", &filter.status),
            ("licence", &filter.licence),
            ("authority", &filter.authority),
            ("company", &filter.company),
            ("duty", &filter.duty),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect(),
        status: filter.status.clone(),
        filters,
        all_href: format!("/gaps{}", filter.query_with_status("")),
        count_label: ui.t_count("gaps-count", total as i64),
        counts: status_counts(&ui, &counts, &filter),
        rows,
        pager,
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}

#[derive(Template)]
#[template(path = "gap.html")]
pub struct GapPage<'a> {
    pub ui: &'a Ui,
    pub as_of: String,
    pub g: GapView,
    /// The gap's id (a request drafted about it names it).
    pub id: String,
}

/// The gap with this id as evaluated today, if there is one.
pub async fn find_gap(state: &AppState, id: &str) -> Result<Option<Gap>, AppError> {
    Ok(evaluation(state).await?.gap(id).cloned())
}

/// The pack evaluated against `facts`, on a thread for blocking work: a large
/// workspace takes a noticeable time (0.3 s at a million facts), which would hold up
/// every other request served by the same worker. The facts come back for the views.
async fn evaluated(
    state: &AppState,
    facts: Facts,
    today: jiff::civil::Date,
) -> (Facts, Evaluation) {
    let pack = Arc::clone(&state.pack);
    let work = tokio::task::spawn_blocking(move || {
        let eval = evaluate(&pack, &facts, today);
        (facts, eval)
    });
    match work.await {
        Ok(done) => done,
        // A panic in the engine is a bug: it reaches the handler as it would inline.
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the evaluation was cancelled: {e}"),
        },
    }
}

/// One gap with its whole explanation.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
) -> PageResult {
    let evaluated = evaluation(&state).await.page(&ui)?;
    let today = evaluated.today;
    // A gap about a record the viewer may not see is not found.
    let g = evaluated
        .gap(&id)
        .filter(|g| evaluated.visible(&g.subject, viewer.principal()))
        .and_then(|g| view(&state, &viewer, &ui, &evaluated, g));
    let Some(g) = g else {
        return Err(AppError::NotFound).page(&ui);
    };
    let page = GapPage {
        ui: &ui,
        as_of: today.to_string(),
        g,
        id,
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}
