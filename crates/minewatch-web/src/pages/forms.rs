//! Create and correct forms for every record kind with pages (field reports have their
//! own form). The form's inputs are the kind's import columns ([`table::columns`]), so a
//! field typed here reads exactly as the same cell in a CSV would: the same checks, the
//! same error codes, shown beside the field in the user's language.
//!
//! A correction is a new version (the old one stays in the history). Fields the editor
//! may not see (a reporter, a contact person, an exact place) are not in their form and
//! are kept as they were; the form carries the version it was opened on, so a record
//! that someone else corrected meanwhile is not overwritten.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minewatch_domain::access::{FIELD_VISIBILITY_KEY, VISIBILITY_KEY, Visibility};
use minewatch_domain::records::dated::{CONSULTATION_PURPOSES, EvidenceSource, VIOLATION_FINDERS};
use minewatch_domain::records::{ADMIN_ZONE_TYPES, LicenceStatus};
use minewatch_domain::requests::{Channel, RequestType};
use minewatch_domain::{Lang, RecordAccess, RecordId, RecordKind};
use minewatch_formats::table::{self, CellProblem, Column, Header, Shape};
use minewatch_store::{ListQuery, StoreError};
use serde_json::{Map, Value};

use crate::AppState;
use crate::access::Viewer;
use crate::error::{AppError, OrPage, PageError};
use crate::i18n::Ui;
use crate::views::{self, Choice, list_path};

type PageResult = Result<Response, PageError>;

/// One input of a record form.
pub struct FormField {
    /// The column name, which is also the input's name.
    pub name: String,
    /// The input's HTML id.
    pub id: String,
    pub label: String,
    /// `text`, `textarea`, `date`, `select`, `number` or `levels` (one select per
    /// field: who may see it).
    pub input: &'static str,
    pub value: String,
    pub options: Vec<Choice>,
    /// For `levels`: each field (its input name, label) and its level's choices.
    pub levels: Vec<(String, String, Vec<Choice>)>,
    pub required: bool,
    pub hint: String,
    pub errors: Vec<String>,
}

/// Fields no form shows: a request's steps are added by the request page's buttons
/// (record delivery, an extension, the answer…), and a correction keeps them.
const NOT_IN_FORMS: [&str; 1] = ["steps"];

/// A problem to list above the form.
pub struct Problem {
    pub href: Option<String>,
    pub label: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "record_form.html")]
pub struct RecordFormPage<'a> {
    ui: &'a Ui,
    title: String,
    action: String,
    cancel: String,
    base: String,
    fields: Vec<FormField>,
    problems: Vec<Problem>,
    conflict: Option<String>,
}

/// Long texts get a text area.
const LONG_TEXT: [&str; 9] = [
    "ask",
    "summary",
    "minutes",
    "findings",
    "text",
    "what",
    "description",
    "area",
    "address",
];

fn input_id(column: &str) -> String {
    format!("f-{}", column.replace('.', "-"))
}

fn label_of(ui: &Ui, column: &Column) -> String {
    let field = ui.t(&format!("field-{}", column.field.name));
    match column.part {
        Some(part) => format!("{field} ({})", ui.t(&format!("part-{part}"))),
        None => field,
    }
}

/// The fixed choices of a field, as (value, label).
fn fixed_choices(state: &AppState, ui: &Ui, column: &Column) -> Option<Vec<(String, String)>> {
    let keyed = |values: &mut dyn Iterator<Item = &str>, prefix: &str| {
        values
            .map(|v| (v.to_owned(), ui.t(&format!("{prefix}-{v}"))))
            .collect::<Vec<_>>()
    };
    Some(match (column.field.shape, column.field.name) {
        (Shape::Flag, _) => vec![
            ("true".to_owned(), ui.t("value-yes")),
            ("false".to_owned(), ui.t("value-no")),
        ],
        (_, "status") => keyed(&mut LicenceStatus::ALL.iter().map(|(n, _)| *n), "status"),
        (_, "source") => keyed(&mut EvidenceSource::ALL.iter().map(|(n, _)| *n), "source"),
        (_, "purpose") => keyed(&mut CONSULTATION_PURPOSES.iter().copied(), "purpose"),
        (_, "found_by") => keyed(&mut VIOLATION_FINDERS.iter().copied(), "found-by"),
        (_, VISIBILITY_KEY) => keyed(
            &mut Visibility::CHOICES.iter().map(|(n, _)| *n),
            "visibility",
        ),
        (_, "request_type") => keyed(
            &mut RequestType::ALL.iter().map(|(n, _)| *n),
            "request-type",
        ),
        (_, "channel") => keyed(&mut Channel::ALL.iter().map(|(n, _)| *n), "channel"),
        // The documents a disclosure names and what a decision decides are the pack's
        // events, by their names in the reader's language.
        // The legal basis a request cites: a duty of the pack by its title and the
        // law it rests on, not its id.
        (_, "basis_duty") => state
            .pack
            .duties
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    format!(
                        "{} ({})",
                        ui.pick(&d.title),
                        state.pack.citation(d, ui.lang)
                    ),
                )
            })
            .collect(),
        (_, "document") | (_, "decision") => state
            .pack
            .events_of(if column.field.name == "document" {
                "disclosure"
            } else {
                "decision"
            })
            .iter()
            .map(|e| (e.id.clone(), ui.pick(&e.name).to_owned()))
            .collect(),
        (_, "zone_type") => {
            // The administrative units, then the zones the pack's spatial duties name.
            let mut types: Vec<String> = ADMIN_ZONE_TYPES.iter().map(|t| (*t).to_owned()).collect();
            for z in state.pack.duties.iter().filter_map(|d| d.zone.clone()) {
                if !types.contains(&z) {
                    types.push(z);
                }
            }
            types
                .into_iter()
                .map(|t| {
                    let label = views::zone_type_label(ui, &t);
                    (t, label)
                })
                .collect()
        }
        (_, "authority_type") => state
            .pack
            .authority_types
            .iter()
            .map(|t| (t.id.clone(), ui.pick(&t.name).to_owned()))
            .collect(),
        _ => return None,
    })
}

fn hint_of(ui: &Ui, kind: RecordKind, shape: Shape) -> String {
    match shape {
        Shape::Polygon if kind == RecordKind::Zone => ui.t("form-hint-area"),
        Shape::List => ui.t("form-hint-list"),
        Shape::Dated { number: false, .. } => ui.t("form-hint-history"),
        Shape::Dated { number: true, .. } => ui.t("form-hint-schedule"),
        Shape::Polygon => ui.t("form-hint-polygon"),
        Shape::Levels => ui.t("form-hint-levels"),
        _ => String::new(),
    }
}

/// Builds the inputs of `kind`'s form, with `values` by column and `problems`.
async fn form_fields(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    kind: RecordKind,
    values: &[(String, String)],
    hidden: &[String],
    problems: &[CellProblem],
) -> Result<Vec<FormField>, StoreError> {
    let mut out = Vec::new();
    for column in table::columns(kind) {
        if column.field.shape == Shape::Id
            || hidden.iter().any(|h| h == column.field.name)
            || NOT_IN_FORMS.contains(&column.field.name)
        {
            continue;
        }
        let value = values
            .iter()
            .find(|(k, _)| *k == column.header)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let mut options = Vec::new();
        let mut levels = Vec::new();
        let input = if column.field.shape == Shape::Levels {
            // Who may see each field, chosen per field: no `field=level` to type.
            let current = table::parse_levels_text(&value);
            for f in kind.schema().fields {
                let chosen = current
                    .iter()
                    .find(|(k, _)| k == f.name)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                let choices = Visibility::CHOICES
                    .iter()
                    .map(|(n, _)| Choice {
                        value: (*n).to_owned(),
                        label: ui.t(&format!("visibility-{n}")),
                        selected: *n == chosen,
                    })
                    .collect();
                levels.push((
                    format!("{}.{}", column.header, f.name),
                    ui.t(&format!("field-{}", f.name)),
                    choices,
                ));
            }
            "levels"
        } else if let Shape::Ref(target) = column.field.shape {
            let mut q = ListQuery::all(target).visible_to(&viewer.filter());
            q.limit = 5_000;
            for r in state.store.list(&q).await? {
                options.push(Choice {
                    selected: r.id.as_str() == value,
                    value: r.id.to_string(),
                    label: views::display_name(&r, ui.lang),
                });
            }
            "select"
        } else if let Some(choices) = fixed_choices(state, ui, &column) {
            options = choices
                .into_iter()
                .map(|(v, label)| Choice {
                    selected: v == value,
                    value: v,
                    label,
                })
                .collect();
            "select"
        } else {
            match column.field.shape {
                Shape::Date => "date",
                Shape::Count | Shape::Number | Shape::Amount | Shape::Point => "number",
                Shape::Polygon | Shape::Dated { .. } | Shape::Json => "textarea",
                _ if LONG_TEXT.contains(&column.field.name) => "textarea",
                _ => "text",
            }
        };
        // A value that is not among the choices (e.g. a reference the viewer may not
        // see) stays selectable, so saving the form does not drop it silently.
        if input == "select" && !value.is_empty() && !options.iter().any(|o| o.selected) {
            options.push(Choice {
                value: value.clone(),
                label: value.clone(),
                selected: true,
            });
        }
        let errors = problems
            .iter()
            .filter(|p| p.column == column.header)
            .map(|p| message(ui, p))
            .collect();
        out.push(FormField {
            id: input_id(&column.header),
            label: label_of(ui, &column),
            input,
            options,
            levels,
            required: column.field.required
                && !matches!(column.field.shape, Shape::Localized | Shape::Point),
            hint: hint_of(ui, kind, column.field.shape),
            errors,
            name: column.header,
            value,
        });
    }
    Ok(out)
}

/// A problem in the user's language; in English with its specifics too.
fn message(ui: &Ui, p: &CellProblem) -> String {
    let text = ui.t(&format!("error-{}", p.code));
    if ui.lang == Lang::En && !p.reason.is_empty() && !text.ends_with(&p.reason) {
        format!("{text} ({})", p.reason)
    } else {
        text
    }
}

fn problem_list(ui: &Ui, kind: RecordKind, problems: &[CellProblem]) -> Vec<Problem> {
    let columns = table::columns(kind);
    problems
        .iter()
        .map(|p| {
            let column = columns.iter().find(|c| c.header == p.column);
            Problem {
                href: column.map(|c| format!("#{}", input_id(&c.header))),
                label: column.map_or_else(|| ui.t("form-record"), |c| label_of(ui, c)),
                message: message(ui, p),
            }
        })
        .collect()
}

fn kind_title(ui: &Ui, kind: RecordKind, key: &str) -> String {
    format!("{}: {}", ui.t(key), ui.kind_label(kind))
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    kind: RecordKind,
    editing: Option<(&RecordId, &str)>,
    values: &[(String, String)],
    hidden: &[String],
    problems: &[CellProblem],
    conflict: Option<String>,
    status: StatusCode,
) -> PageResult {
    let path = list_path(kind).expect("form kinds have pages");
    let fields = form_fields(state, viewer, ui, kind, values, hidden, problems)
        .await
        .page(ui)?;
    let (title, action, cancel, base) = match editing {
        Some((id, base)) => (
            kind_title(ui, kind, "form-correct"),
            format!("{path}/{id}/edit"),
            format!("{path}/{id}"),
            base.to_owned(),
        ),
        None => (
            kind_title(ui, kind, "form-new"),
            path.to_owned(),
            path.to_owned(),
            String::new(),
        ),
    };
    let page = RecordFormPage {
        ui,
        title,
        action,
        cancel,
        base,
        fields,
        problems: problem_list(ui, kind, problems),
        conflict,
    };
    Ok((status, Html(page.render().page(ui)?)).into_response())
}

/// The new-record form's query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewQuery {
    /// For a request: the gap it is about.
    gap: Option<String>,
}

/// `GET /{kind}/new`.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Query(q): Query<NewQuery>,
    kind: RecordKind,
) -> PageResult {
    // A request about a gap starts filled in from it (`?gap=ID`).
    let mut values = Vec::new();
    if kind == RecordKind::Request
        && let Some(gap) = q.gap.as_deref()
    {
        let gap = crate::pages::gaps::find_gap(&state, gap)
            .await
            .page(&ui)?
            .ok_or(AppError::NotFound)
            .page(&ui)?;
        let mut draft = minewatch_domain::requests::draft_for_gap(&state.pack, &gap, ui.lang);
        if let Some(o) = draft.as_object_mut() {
            // On paper where no mail server is set up: an email draft could not go.
            if state.mailer.is_none() {
                o.insert(
                    "channel".into(),
                    Value::from(minewatch_domain::requests::Channel::Paper.as_str()),
                );
            }
            // The request is the viewer's community's or organisation's (its first
            // grant that names one).
            for grant in viewer.principal().grants() {
                match &grant.scope {
                    minewatch_domain::access::Scope::Community(c) => {
                        o.insert("community_id".into(), Value::from(c.as_str()));
                        break;
                    }
                    minewatch_domain::access::Scope::Organisation(org) => {
                        o.insert("organisation_id".into(), Value::from(org.as_str()));
                        break;
                    }
                    minewatch_domain::access::Scope::Workspace => {}
                }
            }
        }
        let id = RecordId::parse("new").expect("a valid id");
        values = values_of(kind, &id, &draft)
            .into_iter()
            .filter(|(c, v)| c != "id" && !v.is_empty())
            .collect();
    }
    render_form(
        &state,
        &viewer,
        &ui,
        kind,
        None,
        &values,
        &[],
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// The form's values as a payload, the way an imported row reads; a value that starts
/// like a spreadsheet formula is text here (typed into a form, not a cell).
fn read_form(kind: RecordKind, form: &[(String, String)]) -> (Value, Vec<CellProblem>) {
    let header = Header::of(kind);
    let cells: Vec<String> = header
        .columns
        .iter()
        .map(|c| {
            if c.field.shape == Shape::Levels {
                // One select per field (`field_visibility.summary`), else the text.
                let prefix = format!("{}.", c.header);
                let chosen: Vec<String> = form
                    .iter()
                    .filter_map(|(k, v)| {
                        let field = k.strip_prefix(&prefix)?;
                        (!v.trim().is_empty()).then(|| format!("{field}={}", v.trim()))
                    })
                    .collect();
                if !chosen.is_empty() {
                    return chosen.join("; ");
                }
            }
            let v = form
                .iter()
                .find(|(k, _)| *k == c.header)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default();
            let numeric = matches!(
                c.field.shape,
                Shape::Count | Shape::Number | Shape::Amount | Shape::Point | Shape::Id
            );
            if numeric { v } else { table::neutralise(&v) }
        })
        .collect();
    let (_, payload, mut problems) = header.read_row(&cells);
    if let Err(mut more) = table::validate(kind, &payload) {
        // A cell that did not read is reported once, by its reading problem.
        more.retain(|m| !problems.iter().any(|p| p.column == m.column));
        problems.append(&mut more);
    }
    (payload, problems)
}

fn store_problems(kind: RecordKind, e: &StoreError) -> Option<Vec<CellProblem>> {
    match e {
        StoreError::Invalid(errors) => Some(
            errors
                .iter()
                .map(|e| CellProblem {
                    column: table::column_of(kind, &e.field),
                    code: e.code,
                    reason: e.detail.clone(),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// `POST /{kind}`: creates a record, or shows the form again with what is wrong.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Form(form): Form<Vec<(String, String)>>,
    kind: RecordKind,
) -> PageResult {
    let (mut payload, mut problems) = read_form(kind, &form);
    if problems.is_empty() {
        // A record that can belong to a community and names none belongs to its
        // author's, when the author works for one community: a paralegal's request is
        // not every community's to open and edit.
        let unowned = ["community_id", "organisation_id"]
            .iter()
            .all(|f| payload.get(*f).is_none_or(Value::is_null));
        if kind.is_owned_by_community()
            && unowned
            && let Some(obj) = payload.as_object_mut()
        {
            match viewer.home() {
                Some(minewatch_domain::Scope::Community(id)) => {
                    obj.insert("community_id".into(), Value::String(id.to_string()));
                }
                // Only a request can belong to an organisation.
                Some(minewatch_domain::Scope::Organisation(id)) if kind == RecordKind::Request => {
                    obj.insert("organisation_id".into(), Value::String(id.to_string()));
                }
                _ => {}
            }
        }
        // The new record's owner must be within the editor's scope.
        // (A new community owns itself: only a workspace-wide scope covers it.)
        let owner = RecordAccess::of(kind, &RecordId::parse("new").expect("valid"), &payload).owner;
        if !viewer.may_write(owner.as_ref()) {
            return Err(AppError::Forbidden("forbidden-body")).page(&ui);
        }
        match state.store.put(&viewer.author(), kind, payload).await {
            Ok(w) => {
                let path = list_path(kind).expect("form kinds have pages");
                return Ok(Redirect::to(&format!("{path}/{}?saved=1", w.record_id)).into_response());
            }
            Err(e) => match store_problems(kind, &e) {
                Some(p) => problems = p,
                None => return Err(AppError::from(e)).page(&ui),
            },
        }
    }
    render_form(
        &state,
        &viewer,
        &ui,
        kind,
        None,
        &form,
        &[],
        &problems,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The fields of `payload` this viewer may not see or sees only approximately: they
/// are left out of the form and kept as they are.
fn hidden_fields(stored: &Value, shown: &Value) -> Vec<String> {
    let (Some(stored), Some(shown)) = (stored.as_object(), shown.as_object()) else {
        return Vec::new();
    };
    stored
        .keys()
        .filter(|k| {
            !shown.contains_key(*k)
                || shown.get(&format!("{k}_approximate")) == Some(&Value::Bool(true))
        })
        .cloned()
        .collect()
}

/// The current values of a record as form values (formulas shown as typed).
fn values_of(kind: RecordKind, id: &RecordId, payload: &Value) -> Vec<(String, String)> {
    table::columns(kind)
        .into_iter()
        .zip(table::to_row(kind, id.as_str(), payload))
        .map(|(c, cell)| {
            let text = cell.text();
            let text = match text.strip_prefix('\'') {
                Some(rest) if table::neutralise(rest) != rest => rest.to_owned(),
                _ => text,
            };
            (c.header, text)
        })
        .collect()
}

/// `GET /{kind}/{id}/edit` (the access guard has checked the viewer may write it).
pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    kind: RecordKind,
) -> PageResult {
    let shown = viewer.record(&state, &id).await.page(&ui)?;
    let stored = &shown.record;
    let hidden = hidden_fields(&stored.payload, &shown.payload);
    let values = values_of(kind, &stored.id, &stored.payload);
    let values: Vec<(String, String)> = values
        .into_iter()
        .filter(|(c, _)| {
            !hidden
                .iter()
                .any(|h| c.split('.').next() == Some(h.as_str()))
        })
        .collect();
    render_form(
        &state,
        &viewer,
        &ui,
        kind,
        Some((&stored.id, &stored.head)),
        &values,
        &hidden,
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /{kind}/{id}/edit`: saves a correction as a new version.
pub async fn correct(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
    kind: RecordKind,
) -> PageResult {
    let shown = viewer.record(&state, &id).await.page(&ui)?;
    let stored = &shown.record;
    let hidden = hidden_fields(&stored.payload, &shown.payload);
    let base = form
        .iter()
        .find(|(k, _)| k == "base")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (mut payload, mut problems) = read_form(kind, &form);
    // What the editor could not see is kept as it was, and so is what no form shows.
    if let (Value::Object(new), Some(old)) = (&mut payload, stored.payload.as_object()) {
        for key in NOT_IN_FORMS {
            if let Some(v) = old.get(key) {
                new.insert(key.to_owned(), v.clone());
            }
        }
        for key in &hidden {
            if let Some(v) = old.get(key) {
                new.insert(key.clone(), v.clone());
            }
        }
        // Visibility settings of hidden fields are theirs to keep too.
        if let Some(Value::Object(levels)) = old.get(FIELD_VISIBILITY_KEY) {
            let kept: Map<String, Value> = levels
                .iter()
                .filter(|(f, _)| hidden.contains(f))
                .map(|(f, l)| (f.clone(), l.clone()))
                .collect();
            if !kept.is_empty() {
                let slot = new
                    .entry(FIELD_VISIBILITY_KEY)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = slot {
                    for (f, l) in kept {
                        m.entry(f).or_insert(l);
                    }
                }
            }
        }
        // Hidden fields were not validated with the form: check the whole again.
        if problems.is_empty()
            && let Err(mut more) = table::validate(kind, &payload)
        {
            problems.append(&mut more);
        }
    }
    let mut conflict = None;
    if problems.is_empty() {
        let owner = RecordAccess::of(kind, &stored.id, &payload).owner;
        if !viewer.may_write(owner.as_ref()) {
            return Err(AppError::Forbidden("forbidden-body")).page(&ui);
        }
        let base = (!base.is_empty()).then_some(base.as_str());
        match state
            .store
            .correct(&viewer.author(), &stored.id, payload, base)
            .await
        {
            Ok(_) => {
                let path = list_path(kind).expect("form kinds have pages");
                return Ok(Redirect::to(&format!("{path}/{}?saved=1", stored.id)).into_response());
            }
            Err(StoreError::Conflict(_)) => conflict = Some(ui.t("form-conflict")),
            Err(e) => match store_problems(kind, &e) {
                Some(p) => problems = p,
                None => return Err(AppError::from(e)).page(&ui),
            },
        }
    }
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_form(
        &state,
        &viewer,
        &ui,
        kind,
        Some((&stored.id, &base)),
        &form,
        &hidden,
        &problems,
        conflict,
        status,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::text;

    #[test]
    fn every_form_label_choice_and_problem_is_translated() {
        let mut keys = Vec::new();
        for kind in crate::routes::page_kinds() {
            for c in table::columns(kind)
                .into_iter()
                .filter(|c| c.field.shape != Shape::Id)
            {
                keys.push(format!("field-{}", c.field.name));
                if let Some(p) = c.part {
                    keys.push(format!("part-{p}"));
                }
            }
        }
        for (n, _) in LicenceStatus::ALL {
            keys.push(format!("status-{n}"));
        }
        for (n, _) in EvidenceSource::ALL {
            keys.push(format!("source-{n}"));
        }
        for n in CONSULTATION_PURPOSES {
            keys.push(format!("purpose-{n}"));
        }
        for n in VIOLATION_FINDERS {
            keys.push(format!("found-by-{n}"));
        }
        for (n, _) in Visibility::CHOICES {
            keys.push(format!("visibility-{n}"));
        }
        // Every code a cell or a record rule can report.
        for code in [
            "formula",
            "bad-date",
            "not-count",
            "not-number",
            "not-flag",
            "not-list",
            "bad-polygon",
            "bad-dated",
            "bad-levels",
            "required",
            "wrong-type",
            "too-long",
            "control-character",
            "bad-id",
            "bad-slug",
            "bad-email",
            "bad-licence-number",
            "unknown-value",
            "out-of-range",
            "before-start",
            "unknown-field",
            "label-field",
            "unknown-reference",
            "wrong-reference",
            "self-reference",
            "bad-location",
        ] {
            keys.push(format!("error-{code}"));
        }
        for lang in [Lang::En, Lang::Mn] {
            let missing: Vec<&String> = keys.iter().filter(|k| text(lang, k) == **k).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }
}
