//! View models: records turned into what a page shows, in the reader's language.
//!
//! Payloads reach these functions already cut to what the viewer may see
//! (`access::Viewer`); referenced records are named only when the viewer may see them.

use std::collections::HashMap;

use minewatch_domain::access::VISIBILITY_KEY;
use minewatch_domain::records::{Field, Shape, Vocabulary};
use minewatch_domain::{Lang, Localized, Pack, RecordAccess, RecordId, RecordKind};
use minewatch_store::{EntryView, Op, Store, StoredRecord};
use serde_json::Value;

use crate::access::Viewer;
use crate::i18n::Ui;

/// The list page of each kind that has one (media have their own pages: upload,
/// metadata, custody).
pub fn list_path(kind: RecordKind) -> Option<&'static str> {
    kind.schema().list_path
}

pub fn record_href(kind: RecordKind, id: &RecordId) -> Option<String> {
    if kind == RecordKind::Media {
        return Some(format!("/media/{id}"));
    }
    list_path(kind).map(|p| format!("{p}/{id}"))
}

/// A record's display name in `lang`.
pub fn display_name(record: &StoredRecord, lang: Lang) -> String {
    match record.typed() {
        Ok(typed) => typed.name().get(lang).to_owned(),
        Err(_) => record.label.clone(),
    }
}

/// A moment in the jurisdiction's time (the pack's), to the minute.
pub fn format_time(ui: &Ui, ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t
            .to_zoned_datetime(ui.time_zone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => String::new(),
    }
}

pub struct CountCard {
    pub label: String,
    pub count: i64,
    pub href: &'static str,
}

#[derive(Clone)]
pub struct RecordLink {
    pub name: String,
    pub href: Option<String>,
    pub kind_label: String,
    pub when: String,
}

impl RecordLink {
    pub fn new(ui: &Ui, r: &StoredRecord) -> RecordLink {
        RecordLink {
            name: display_name(r, ui.lang),
            href: record_href(r.kind, &r.id),
            kind_label: ui.kind_label(r.kind),
            when: format_time(ui, r.updated_at_ms),
        }
    }
}

pub struct ListRow {
    pub name: String,
    pub href: String,
    pub summary: String,
}

pub struct FieldRow {
    pub label: String,
    pub value: String,
    pub href: Option<String>,
}

pub struct HistoryRow {
    pub op_label: String,
    pub when: String,
    pub author: String,
    pub entry_id: String,
    pub changes: Vec<FieldRow>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Whether a payload field holds another record's id.
pub fn is_reference(key: &str) -> bool {
    key.ends_with("_id") || key == "supersedes"
}

/// Formats an amount with thin spaces between thousands: `300 000 000`, `12.5`.
pub fn format_amount(x: f64) -> String {
    if x.fract().abs() > 1e-9 {
        // The whole part grouped as below, then up to two decimals.
        let text = format!("{:.2}", x.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let fraction = fraction.trim_end_matches('0');
        let whole = format_amount(whole.parse::<f64>().unwrap_or_default());
        let sign = if x < 0.0 { "-" } else { "" };
        return if fraction.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{fraction}")
        };
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// Turns one public payload into labelled rows. `names` resolves referenced records.
pub fn field_rows(
    ui: &Ui,
    pack: &Pack,
    kind: RecordKind,
    public: &Value,
    names: &HashMap<String, (String, Option<String>)>,
) -> Vec<FieldRow> {
    let Value::Object(obj) = public else {
        return Vec::new();
    };
    let schema = kind.schema();
    let mut keys: Vec<&String> = obj.keys().collect();
    keys.sort_by_key(|k| schema.page_position(k));
    let mut rows = Vec::new();
    for key in keys {
        if key.ends_with("_approximate") {
            continue;
        }
        let value = &obj[key];
        let label = ui.t(&format!("field-{key}"));
        if is_reference(key) {
            let id = value.as_str().unwrap_or_default();
            let (name, href) = names
                .get(id)
                .cloned()
                .unwrap_or_else(|| (id.to_owned(), None));
            rows.push(FieldRow {
                label,
                value: name,
                href,
            });
            continue;
        }
        let approximate = obj.get(&format!("{key}_approximate")) == Some(&Value::Bool(true));
        let field = schema
            .field(key)
            .or((key == VISIBILITY_KEY).then_some(&VISIBILITY));
        rows.push(FieldRow {
            label,
            value: render_value(ui, pack, field, value, approximate),
            href: None,
        });
        if field.is_some_and(|f| f.vocabulary == Vocabulary::LicenceNumber)
            && let Some(n) = value
                .as_str()
                .and_then(|s| minewatch_domain::LicenceNumber::parse(s).ok())
        {
            rows.push(FieldRow {
                label: ui.t("field-licence_type"),
                value: ui.t(&format!("licence-type-{}", n.licence_type().as_str())),
                href: None,
            });
        }
    }
    rows
}

/// The record's own visibility, an access setting every kind has.
static VISIBILITY: Field =
    Field::new(VISIBILITY_KEY, Shape::Text).means(Vocabulary::Messages("visibility-"));

/// A field's value in the reader's words: codes named by their messages, areas by their
/// size, dated entries one by one. `field` is `None` for the access settings and for
/// items of a list.
fn render_value(
    ui: &Ui,
    pack: &Pack,
    field: Option<&Field>,
    value: &Value,
    approximate: bool,
) -> String {
    let vocabulary = field.map_or(Vocabulary::Plain, |f| f.vocabulary);
    let shape = field.map(|f| f.shape);
    let named = |s: &str| match vocabulary {
        Vocabulary::Messages(prefix) => ui.t(&format!("{prefix}{s}")),
        Vocabulary::MessagesOr(prefix) => ui.t_or(&format!("{prefix}{s}"), s),
        Vocabulary::AuthorityType => pack
            .authority_type(s)
            .map(|t| ui.pick(&t.name).to_owned())
            .unwrap_or_else(|| s.to_owned()),
        Vocabulary::Duty => pack
            .duty(s)
            .map(|d| format!("{} ({})", ui.pick(&d.title), pack.citation(d, ui.lang)))
            .unwrap_or_else(|| s.to_owned()),
        Vocabulary::Event => pack
            .event(s)
            .map(|e| ui.pick(&e.name).to_owned())
            .unwrap_or_else(|| s.to_owned()),
        Vocabulary::Plain | Vocabulary::RequestSteps | Vocabulary::LicenceNumber => s.to_owned(),
    };
    match (shape, value) {
        (_, Value::String(s)) => named(s),
        (_, Value::Array(items)) if vocabulary == Vocabulary::RequestSteps => items
            .iter()
            .map(|i| {
                let date = i.get("date").and_then(Value::as_str).unwrap_or_default();
                let state = i.get("state").and_then(Value::as_str).unwrap_or_default();
                let mut line = format!("{date} {}", ui.t(&format!("request-state-{state}")));
                if let Some(n) = i.get("days").and_then(Value::as_u64) {
                    line.push_str(&format!(" (+{n})"));
                }
                if let Some(note) = i.get("note").and_then(Value::as_str) {
                    line.push_str(&format!(": {note}"));
                }
                line
            })
            .collect::<Vec<_>>()
            .join(" · "),
        (Some(Shape::Polygon), Value::Object(o)) => {
            // A Polygon's rings or a MultiPolygon's polygons of rings: count positions.
            fn positions(v: &Value) -> usize {
                match v.as_array() {
                    Some(items) if items.first().is_some_and(Value::is_number) => 1,
                    Some(items) => items.iter().map(positions).sum(),
                    None => 0,
                }
            }
            let coordinates = o.get("coordinates").unwrap_or(&Value::Null);
            match o.get("type").and_then(Value::as_str) {
                Some("MultiPolygon") => format!(
                    "{} · {}",
                    ui.t_count(
                        "value-polygon-parts",
                        coordinates.as_array().map_or(0, Vec::len) as i64
                    ),
                    ui.t_count("value-polygon-points", positions(coordinates) as i64)
                ),
                // A licence's area: its outline's points.
                _ => ui.t_count(
                    "value-polygon-points",
                    coordinates
                        .get(0)
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len) as i64,
                ),
            }
        }
        // A file's own columns kept on a record: each as "column: text".
        (Some(Shape::Json), Value::Object(o)) if o.values().all(Value::is_string) => o
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(" · "),
        // A person: what is known of them, without the keys.
        (Some(Shape::Contact), Value::Object(o)) => ["name", "phone", "email"]
            .iter()
            .filter_map(|k| o.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" · "),
        (_, Value::Object(o)) if o.contains_key("lat") && o.contains_key("lon") => {
            let lat = o["lat"].as_f64().unwrap_or_default();
            let lon = o["lon"].as_f64().unwrap_or_default();
            let mut text = format!("{lat}, {lon}");
            if approximate {
                text.push_str(&format!(" ({})", ui.t("value-approximate")));
            }
            text
        }
        (_, Value::Object(o)) if o.contains_key("mn") || o.contains_key("en") => {
            let text: Localized = serde_json::from_value(value.clone()).unwrap_or_default();
            ui.pick(&text).to_owned()
        }
        // Dated entries: a licence's status history, a commitment's schedule.
        (Some(Shape::Dated { key, .. }), Value::Array(items)) => items
            .iter()
            .map(|item| {
                let date = item.get("date").and_then(Value::as_str).unwrap_or_default();
                match item.get(key) {
                    Some(Value::String(s)) => format!("{date} {}", named(s)),
                    Some(n @ Value::Number(_)) => format!(
                        "{date}: {}",
                        n.as_f64().map(format_amount).unwrap_or_default()
                    ),
                    _ => date.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        (Some(Shape::Amount), Value::Number(n)) => {
            n.as_f64().map(format_amount).unwrap_or_default()
        }
        (_, Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => named(s),
                other => render_value(ui, pack, None, other, false),
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::Bool(true)) => ui.t("value-yes"),
        (_, Value::Bool(false)) => ui.t("value-no"),
        (_, Value::Null) => String::new(),
        (_, other) => other.to_string(),
    }
}

/// Names and links of every record the payloads refer to; a record the viewer may not
/// see is named only as "restricted".
pub async fn referenced_names(
    store: &Store,
    ui: &Ui,
    viewer: &Viewer,
    payloads: &[&Value],
) -> HashMap<String, (String, Option<String>)> {
    let mut names = HashMap::new();
    for payload in payloads {
        let Value::Object(obj) = payload else {
            continue;
        };
        for (key, value) in obj {
            let Some(id) = value.as_str().filter(|_| is_reference(key)) else {
                continue;
            };
            if names.contains_key(id) {
                continue;
            }
            let Some(rid) = RecordId::parse(id) else {
                continue;
            };
            if let Ok(r) = store.get(&rid).await {
                let visible = viewer.may_see(&r);
                let shown = if visible {
                    (display_name(&r, ui.lang), record_href(r.kind, &r.id))
                } else {
                    (ui.t("value-restricted"), None)
                };
                names.insert(id.to_owned(), shown);
            }
        }
    }
    names
}

/// The history of a record: who changed what, when, through which entry.
pub async fn history_rows(
    store: &Store,
    ui: &Ui,
    viewer: &Viewer,
    pack: &Pack,
    current: &RecordAccess,
    entries: &[EntryView],
) -> Vec<HistoryRow> {
    let publics: Vec<Value> = entries
        .iter()
        .map(|e| viewer.old_fields(e.kind, current, &e.payload))
        .collect();
    let refs: Vec<&Value> = publics.iter().collect();
    let names = referenced_names(store, ui, viewer, &refs).await;
    let mut rows = Vec::new();
    let mut previous: Option<&Value> = None;
    for (entry, public) in entries.iter().zip(&publics) {
        let changes = match entry.op {
            // History never holds access entries (see `Store::history`).
            Op::Put | Op::Access => Vec::new(),
            Op::Correct => {
                let changed = changed_fields(previous, public);
                field_rows(ui, pack, entry.kind, &changed, &names)
            }
            Op::Retract => vec![FieldRow {
                label: ui.t("history-reason"),
                value: entry
                    .payload
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                href: None,
            }],
        };
        if entry.op != Op::Retract {
            previous = Some(public);
        }
        rows.push(HistoryRow {
            op_label: ui.t(&format!("history-op-{}", entry.op.as_str())),
            when: format_time(ui, entry.at_ms),
            author: author_label(ui, viewer, &entry.author),
            entry_id: entry.id.clone(),
            changes,
        });
    }
    rows
}

/// Who made a ledger entry, as this viewer may know it.
pub fn author_label(ui: &Ui, viewer: &Viewer, author: &str) -> String {
    match author {
        "system" => ui.t("author-system"),
        "anonymous" => ui.t("author-anonymous"),
        // Who in the coalition recorded what is for the coalition to know.
        _ if !viewer.is_signed_in() => ui.t("author-coalition"),
        other => other.to_owned(),
    }
}

/// The fields of `now` that differ from `before` (removed fields show as empty).
fn changed_fields(before: Option<&Value>, now: &Value) -> Value {
    let empty = serde_json::Map::new();
    let before = before.and_then(Value::as_object).unwrap_or(&empty);
    let now_obj = now.as_object().unwrap_or(&empty);
    let mut changed = serde_json::Map::new();
    for (key, value) in now_obj {
        if before.get(key) != Some(value) {
            changed.insert(key.clone(), value.clone());
        }
    }
    for key in before.keys() {
        if !now_obj.contains_key(key) {
            changed.insert(key.clone(), Value::Null);
        }
    }
    Value::Object(changed)
}

/// A zone type's name: the known ones translated, others as they are written.
pub fn zone_type_label(ui: &Ui, zone_type: &str) -> String {
    ui.t_or(&format!("zone-type-{zone_type}"), zone_type)
}

/// A one-line summary of a record for lists.
pub fn summary(ui: &Ui, pack: &Pack, record: &StoredRecord, viewer: &Viewer) -> String {
    let access = RecordAccess::of(record.kind, &record.id, &record.payload);
    let p = viewer.fields(record, &access).payload;
    let schema = record.kind.schema();
    // A request's list line says where it stands and when the answer is due.
    let mut standing = Vec::new();
    if let Ok(minewatch_domain::Record::Request(q)) = record.typed() {
        let today = pack.today(jiff::Timestamp::now());
        let st =
            minewatch_domain::requests::standing(pack, q.request_type, q.channel, &q.steps, today);
        standing.push(ui.t(&format!("request-state-{}", st.state.as_str())));
        if let Some(due) = st.due.filter(|_| st.answered.is_none()) {
            standing.push(format!("{} {due}", ui.t("request-due")));
        }
        if st.awaiting_delivery {
            standing.push(ui.t("request-awaiting-delivery-short"));
        }
    }
    let parts: Vec<String> = standing
        .into_iter()
        .chain(schema.summary.iter().map(|key| {
            p.get(*key)
                .map(|v| render_value(ui, pack, schema.field(key), v, false))
                .unwrap_or_default()
        }))
        .collect();
    parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The soum a field report is from: its community's, else its licence's (when the viewer
/// may see that record).
pub async fn observation_soum(
    store: &Store,
    ui: &Ui,
    viewer: &Viewer,
    payload: &Value,
) -> Option<String> {
    for key in ["community_id", "licence_id"] {
        let Some(id) = payload
            .get(key)
            .and_then(Value::as_str)
            .and_then(RecordId::parse)
        else {
            continue;
        };
        let Ok(r) = store.get(&id).await else {
            continue;
        };
        if !viewer.may_see(&r) {
            continue;
        }
        if let Some(soum) = r
            .payload
            .get("soum")
            .and_then(|v| serde_json::from_value::<Localized>(v.clone()).ok())
        {
            let aimag = r
                .payload
                .get("aimag")
                .and_then(|v| serde_json::from_value::<Localized>(v.clone()).ok());
            return Some(match aimag {
                Some(a) => format!("{}, {}", ui.pick(&soum), ui.pick(&a)),
                None => ui.pick(&soum).to_owned(),
            });
        }
    }
    None
}

/// Where a request stands, for its page.
pub struct RequestSection {
    /// The state's id (for the style) and its name.
    pub state_id: &'static str,
    pub state: String,
    pub clock_start: Option<String>,
    pub due: Option<String>,
    pub derivation: Option<String>,
    pub very_overdue_from: Option<String>,
    pub answered: Option<String>,
    /// The duty whose deadline applies, and its citation.
    pub duty: Option<String>,
    /// Sent on paper or by hand, and no delivery recorded: no clock yet.
    pub awaiting_delivery: bool,
    /// The last send's error, while the request is `failed`.
    pub error: Option<String>,
    /// What an editor may do: `None` for a reader.
    pub actions: Option<RequestActions>,
    /// The steps so far, oldest first.
    pub steps: Vec<StepRow>,
}

/// One step of a request as its page lists it.
pub struct StepRow {
    pub date: String,
    pub state: String,
    pub note: Option<String>,
    /// The step's evidence file (a receipt's photo, a reply's scan).
    pub evidence_href: Option<String>,
}

/// The buttons and forms of a request's page, for an editor.
pub struct RequestActions {
    pub letter_href: String,
    pub step_action: String,
    pub send_action: Option<String>,
    /// The states the request may move to next.
    pub next: Vec<Choice>,
    /// The request's evidence files a step may cite (filled in by the page).
    pub media: Vec<Choice>,
    pub head: String,
    pub today: String,
}

/// A request's standing on `day`, from its steps and the pack (nothing is stored).
pub fn request_section(
    ui: &Ui,
    pack: &Pack,
    record: &StoredRecord,
    day: jiff::civil::Date,
    editor: bool,
) -> Option<RequestSection> {
    use minewatch_domain::requests::{Channel, State};
    let Ok(minewatch_domain::Record::Request(q)) = record.typed() else {
        return None;
    };
    let st = minewatch_domain::requests::standing(pack, q.request_type, q.channel, &q.steps, day);
    let last = q.steps.last();
    let last_state = last.map_or(State::Draft, |s| s.state);
    let error = last
        .filter(|s| s.state == State::Failed)
        .map(|s| s.note.clone().unwrap_or_default());
    let id = &record.id;
    let actions = (editor && !record.retracted).then(|| RequestActions {
        letter_href: format!("/requests/{id}/letter"),
        step_action: format!("/requests/{id}/step"),
        // A `sending` of today may still be in flight; one from an earlier day is a
        // crash's leftover and may be sent again.
        send_action: (q.channel == Channel::Email
            && (matches!(last_state, State::Draft | State::Failed)
                || last.is_some_and(|s| s.state == State::Sending && s.date < day)))
        .then(|| format!("/requests/{id}/send")),
        next: last_state
            .next()
            .iter()
            .filter(|s| !matches!(s, State::Sending | State::Failed))
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: ui.t(&format!("request-state-{}", s.as_str())),
                selected: false,
            })
            .collect(),
        media: Vec::new(),
        head: record.head.clone(),
        today: day.to_string(),
    });
    let steps = q
        .steps
        .iter()
        .map(|s| StepRow {
            date: s.date.to_string(),
            state: ui.t(&format!("request-state-{}", s.state.as_str())),
            note: s.note.clone(),
            evidence_href: s.media_id.as_ref().map(|m| format!("/media/{m}")),
        })
        .collect();
    Some(RequestSection {
        error,
        actions,
        steps,
        state_id: st.state.as_str(),
        state: ui.t(&format!("request-state-{}", st.state.as_str())),
        clock_start: st.clock_start.map(|d| d.to_string()),
        due: st.due.map(|d| d.to_string()),
        derivation: st.why().map(|w| crate::explain::why(ui, &w)),
        very_overdue_from: st.very_overdue_from.map(|d| d.to_string()),
        answered: st.answered.map(|d| d.to_string()),
        awaiting_delivery: st.awaiting_delivery,
        duty: st
            .duty
            .as_deref()
            .and_then(|id| pack.duty(id))
            .map(|d| format!("{} ({})", ui.pick(&d.title), pack.citation(d, ui.lang))),
    })
}

/// An authority's record with requests, for its page: (label, figure) rows.
pub struct RequestStatsView {
    pub rows: Vec<(String, String)>,
}

/// The statistics of the requests sent to an authority, on `day`.
pub fn request_stats(
    ui: &Ui,
    pack: &Pack,
    requests: &[StoredRecord],
    day: jiff::civil::Date,
) -> Option<RequestStatsView> {
    let typed: Vec<minewatch_domain::records::Request> = requests
        .iter()
        .filter_map(|r| match r.typed() {
            Ok(minewatch_domain::Record::Request(q)) => Some(q),
            _ => None,
        })
        .collect();
    let st = minewatch_domain::requests::stats(
        pack,
        typed
            .iter()
            .map(|q| (q.request_type, q.channel, q.steps.as_slice())),
        day,
    );
    if st.sent == 0 {
        return None;
    }
    let median = st
        .median_days
        .map_or_else(|| "—".to_owned(), |d| format!("{d}"));
    Some(RequestStatsView {
        rows: vec![
            (ui.t("stats-sent"), st.sent.to_string()),
            (ui.t("stats-in-time"), st.answered_in_time.to_string()),
            (ui.t("stats-late"), st.answered_late.to_string()),
            (ui.t("stats-never"), st.never.to_string()),
            (ui.t("stats-refused"), st.refused.to_string()),
            (ui.t("stats-waiting"), st.waiting.to_string()),
            (ui.t("stats-median"), median),
        ],
    })
}

/// Where a long list is: how much of it this page shows, and the pages around it.
#[derive(Debug, Default)]
pub struct Pager {
    /// "Showing 101–200 of 20,000" (empty when one page holds everything).
    pub shown: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The first page, for lists that go on by a cursor rather than by number.
    pub first: Option<String>,
}

impl Pager {
    /// Pages numbered from 1, `per_page` rows each; `href` makes a page's address.
    pub fn numbered(
        ui: &Ui,
        page: usize,
        per_page: usize,
        rows: usize,
        total: usize,
        href: impl Fn(usize) -> String,
    ) -> Pager {
        if total <= per_page && page <= 1 {
            return Pager::default();
        }
        let from = (page - 1) * per_page + 1;
        Pager {
            shown: shown(ui, from.min(total.max(1)), rows, total),
            previous: (page > 1).then(|| href(page - 1)),
            next: (from + rows <= total && rows > 0).then(|| href(page + 1)),
            first: None,
        }
    }
}

/// "Showing FROM–TO of TOTAL", in the reader's language.
pub fn shown(ui: &Ui, from: usize, count: usize, total: usize) -> String {
    ui.t_args(
        "page-shown",
        &[
            ("from", ui.number(from)),
            ("to", ui.number((from + count).saturating_sub(1))),
            ("total", ui.number(total)),
        ],
    )
}
