//! The duty engine's findings on pages: the gaps list with its filters, one page per
//! gap, and the gaps of a licence, a company or an authority (an authority's gaps are
//! its scorecard). Every view evaluates the pack against the records as they are now:
//! nothing is cached, so a changed record changes the gaps at once.
//!
//! A gap about a record the viewer may not see is left out, and so is every count it
//! would add to; evidence the viewer may not see is counted, never named.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use minewatch_domain::engine::{Evaluation, Facts, Gap, Status, evaluate};
use minewatch_domain::pack::Basis;
use minewatch_domain::{RecordAccess, RecordId, RecordKind};
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
}

impl GapFilter {
    /// Whether a gap passes the filter; `held` is the licences of the filter's company.
    fn keeps(&self, g: &Gap, held: &HashSet<&str>) -> bool {
        fn given(s: &str) -> Option<&str> {
            (!s.is_empty()).then_some(s)
        }
        given(&self.licence).is_none_or(|l| &*g.subject == l)
            && given(&self.authority).is_none_or(|a| &*g.bearer == a)
            && given(&self.company).is_none_or(|c| &*g.bearer == c || held.contains(&*g.subject))
            && given(&self.duty).is_none_or(|d| &*g.duty == d)
    }

    /// The licences the filter's company holds (none without a company).
    fn held<'f>(&self, facts: &'f Facts) -> HashSet<&'f str> {
        if self.company.is_empty() {
            return HashSet::new();
        }
        facts
            .licences
            .iter()
            .filter(|l| l.holder.as_deref() == Some(self.company.as_str()))
            .map(|l| &*l.id)
            .collect()
    }

    fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }

    /// The query string of this filter with another status.
    fn query_with_status(&self, status: &str) -> String {
        let pairs = [
            ("status", status),
            ("licence", self.licence.as_str()),
            ("authority", self.authority.as_str()),
            ("company", self.company.as_str()),
            ("duty", self.duty.as_str()),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        match serde_urlencoded::to_string(kept) {
            Ok(q) if !q.is_empty() => format!("?{q}"),
            _ => String::new(),
        }
    }
}

/// A name and a link for an id a gap mentions, or `None` when it is a record the
/// viewer may not see. Each id is looked up once per page.
struct Names<'a> {
    state: &'a AppState,
    viewer: &'a Viewer,
    ui: &'a Ui,
    known: HashMap<String, Option<(String, Option<String>)>>,
}

impl<'a> Names<'a> {
    fn new(state: &'a AppState, viewer: &'a Viewer, ui: &'a Ui) -> Names<'a> {
        Names {
            state,
            viewer,
            ui,
            known: HashMap::new(),
        }
    }

    async fn resolve(&mut self, id: &str) -> Option<(String, Option<String>)> {
        if let Some(known) = self.known.get(id) {
            return known.clone();
        }
        let found = self.look_up(id).await;
        self.known.insert(id.to_owned(), found.clone());
        found
    }

    async fn look_up(&self, id: &str) -> Option<(String, Option<String>)> {
        // Facts the engine derives from a record: a licence's grant or expiry
        // ("ID#granted"), a period of a periodic duty ("ID@DATE").
        if let Some((base, what)) = id.split_once('#') {
            let (name, href) = Box::pin(self.record(base)).await?;
            let what = self.ui.t(&format!("gap-fact-{what}"));
            return Some((format!("{name} ({what})"), href));
        }
        if let Some((base, due)) = id.split_once('@') {
            let (name, href) = Box::pin(self.record(base)).await?;
            return Some((format!("{name} · {due}"), href));
        }
        if let Some(t) = self.state.pack.authority_type(id) {
            return Some((self.ui.pick(&t.name).to_owned(), None));
        }
        self.record(id).await
    }

    async fn record(&self, id: &str) -> Option<(String, Option<String>)> {
        let Some(rid) = RecordId::parse(id) else {
            return Some((id.to_owned(), None));
        };
        match self.state.store.get(&rid).await {
            Ok(r) => RecordAccess::of(r.kind, &r.id, &r.payload)
                .visible_to(&self.viewer.principal)
                .then(|| (display_name(&r, self.ui.lang), record_href(r.kind, &r.id))),
            // Not a record (a station, a request kept elsewhere): its id is all we have.
            Err(_) => Some((id.to_owned(), None)),
        }
    }
}

/// A gap as a page shows it.
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

/// The gaps the viewer may see, as views, and a count per status (of the gaps that
/// pass every filter but the status one).
async fn views(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    eval: &Evaluation,
    facts: &Facts,
    filter: &GapFilter,
) -> (Vec<GapView>, Vec<(Status, usize)>) {
    let mut names = Names::new(state, viewer, ui);
    let mut rows = Vec::new();
    let mut counts: Vec<(Status, usize)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    let held = filter.held(facts);
    for g in eval.gaps.iter().filter(|g| filter.keeps(g, &held)) {
        // A gap about a record the viewer may not see is not shown, nor counted.
        let Some((subject, subject_href)) = names.resolve(&g.subject).await else {
            continue;
        };
        if let Some(c) = counts.iter_mut().find(|(s, _)| *s == g.status) {
            c.1 += 1;
        }
        if filter.status().is_some_and(|s| s != g.status) {
            continue;
        }
        let Some(duty) = state.pack.duty(&g.duty) else {
            continue;
        };
        let (bearer, bearer_href) = match names.resolve(&g.bearer).await {
            Some(named) => named,
            None => match state.pack.authority_type(&duty.bearer) {
                Some(t) => (ui.pick(&t.name).to_owned(), None),
                None => (ui.t("gap-bearer-hidden"), None),
            },
        };
        let mut evidence = Vec::new();
        let mut hidden_evidence = 0;
        let mut shown_names: HashMap<String, Option<String>> = HashMap::new();
        for e in &g.evidence {
            match names.resolve(e).await {
                Some((name, href)) => {
                    shown_names.insert(e.to_string(), Some(name.clone()));
                    evidence.push((name, href));
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
            Some(t) => names.resolve(t).await.map(|n| n.0).unwrap_or_default(),
            None => String::new(),
        };
        let explanation = g.explanation_with(&state.pack, &|id| {
            shown_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| Some(id.to_owned()))
        });
        rows.push(GapView {
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
            derivation: g.due_derivation.as_deref().unwrap_or_default().to_owned(),
            citation: g.citation(&state.pack, ui.lang),
            explanation: ui.pick(&explanation).to_owned(),
            next_step: ui.pick(&duty.next_step).to_owned(),
            confidence: ui.t(&format!("confidence-{}", duty.confidence.as_str())),
            policy_note: (duty.basis == Basis::Policy)
                .then(|| duty.basis_note.clone().unwrap_or_default()),
            evidence,
            hidden_evidence,
            hidden_label: ui.t_count("gap-hidden-evidence", hidden_evidence as i64),
        });
    }
    (rows, counts)
}

/// The gaps of one record for its page: a count per status and the list.
pub struct RecordGaps {
    pub heading: String,
    pub intro: String,
    pub counts: Vec<StatusCount>,
    pub rows: Vec<GapView>,
    /// The gaps list filtered to this record.
    pub list_href: String,
}

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
    let facts = state.store.facts(&state.pack).await?;
    let today = state.pack.today(jiff::Timestamp::now());
    let (facts, eval) = evaluated(state, facts, today).await;
    let (rows, counts) = views(state, viewer, ui, &eval, &facts, &filter).await;
    Ok(Some(RecordGaps {
        heading: ui.t(heading),
        intro: ui.t(intro),
        counts: status_counts(ui, &counts, &filter),
        list_href: format!("/gaps{}", filter.query_with_status("")),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "gaps.html")]
pub struct GapsPage<'a> {
    pub ui: &'a Ui,
    pub as_of: String,
    pub status: String,
    pub filters: Vec<(String, String)>,
    pub all_href: String,
    pub count_label: String,
    pub counts: Vec<StatusCount>,
    pub rows: Vec<GapView>,
}

/// Every gap the engine finds today in the records the viewer may see, filtered by
/// status, licence, company, authority or duty.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Query(filter): Query<GapFilter>,
) -> PageResult {
    let facts = state.store.facts(&state.pack).await.page(&ui)?;
    let today = state.pack.today(jiff::Timestamp::now());
    let (facts, eval) = evaluated(&state, facts, today).await;
    let (rows, counts) = views(&state, &viewer, &ui, &eval, &facts, &filter).await;
    // What the list is narrowed to, named as the viewer may see it.
    let mut names = Names::new(&state, &viewer, &ui);
    let mut filters = Vec::new();
    for (key, value) in [
        ("gaps-filter-licence", &filter.licence),
        ("gaps-filter-company", &filter.company),
        ("gaps-filter-authority", &filter.authority),
    ] {
        if !value.is_empty() {
            let name = names.resolve(value).await.map(|n| n.0);
            filters.push((ui.t(key), name.unwrap_or_else(|| ui.t("gap-bearer-hidden"))));
        }
    }
    if let Some(d) = state.pack.duty(&filter.duty) {
        filters.push((ui.t("gaps-filter-duty"), ui.pick(&d.title).to_owned()));
    }
    let page = GapsPage {
        ui: &ui,
        as_of: today.to_string(),
        status: filter.status.clone(),
        filters,
        all_href: format!("/gaps{}", filter.query_with_status("")),
        count_label: ui.t_count("gaps-count", rows.len() as i64),
        counts: status_counts(&ui, &counts, &filter),
        rows,
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
    let facts = state.store.facts(&state.pack).await?;
    let today = state.pack.today(jiff::Timestamp::now());
    let (_, eval) = evaluated(state, facts, today).await;
    Ok(eval.gaps.into_iter().find(|g| gap_id(g) == id))
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
    let facts = state.store.facts(&state.pack).await.page(&ui)?;
    let today = state.pack.today(jiff::Timestamp::now());
    let (facts, eval) = evaluated(&state, facts, today).await;
    let Some(gap) = eval.gaps.iter().find(|g| gap_id(g) == id) else {
        return Err(AppError::NotFound).page(&ui);
    };
    let one = Evaluation {
        as_of: eval.as_of,
        gaps: vec![gap.clone()].into(),
        diagnostics: vec![],
    };
    let (mut rows, _) = views(&state, &viewer, &ui, &one, &facts, &GapFilter::default()).await;
    let Some(g) = rows.pop() else {
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
