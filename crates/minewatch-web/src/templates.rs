//! The pages' templates (askama, checked at compile time, HTML auto-escaped).

use askama::Template;

use crate::i18n::Ui;
use crate::views::{Choice, CountCard, FieldRow, HistoryRow, ListRow, RecordLink};

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage<'a> {
    pub ui: &'a Ui,
    pub workspace_name: String,
    pub workspace_description: Option<String>,
    pub counts: Vec<CountCard>,
    pub latest: Vec<RecordLink>,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage<'a> {
    pub ui: &'a Ui,
    pub title: String,
    pub path: &'static str,
    pub query: String,
    pub count_label: String,
    pub rows: Vec<ListRow>,
    pub kind_is_observation: bool,
    /// Filters by a linked record: (parameter, label, choices).
    pub filters: Vec<ListFilter>,
    pub pager: crate::views::Pager,
    /// The national map, for the licence list.
    pub map_link: Option<&'static str>,
}

pub struct ListFilter {
    pub name: &'static str,
    pub label: String,
    pub options: Vec<crate::views::Choice>,
    /// Too many choices for a drop-down: the text typed in, to find the record by.
    pub typed: Option<String>,
}

#[derive(Template)]
#[template(path = "detail.html")]
pub struct DetailPage<'a> {
    pub ui: &'a Ui,
    pub title: String,
    pub kind_plural: String,
    pub list_href: &'static str,
    pub saved: bool,
    pub retracted: bool,
    /// The correction form, for a viewer who may correct this record.
    pub edit_href: Option<String>,
    pub fields: Vec<FieldRow>,
    pub linked: Vec<RecordLink>,
    /// Set when `linked` is the first of more.
    pub linked_more: Option<String>,
    /// The duty engine's gaps for a licence, company or authority.
    pub gaps: Option<crate::pages::gaps::RecordGaps>,
    /// A licence's map and timeline.
    pub hub: Option<crate::pages::hub::Hub>,
    /// A request's state, clock and due date.
    pub request: Option<crate::views::RequestSection>,
    /// An authority's record of answering requests.
    pub request_stats: Option<crate::views::RequestStatsView>,
    /// A zone's map and the licences in it.
    pub zone: Option<crate::pages::hub::ZoneSection>,
    /// A company's licences, violations, decisions and repeat-violator flag.
    pub company: Option<crate::pages::company::CompanySection>,
    /// An agreement's commitments and totals, and its versions side by side.
    pub agreement: Option<crate::pages::tracker::AgreementBlock>,
    pub versions: Option<crate::pages::tracker::Versions>,
    /// A commitment's standing.
    pub commitment: Option<crate::pages::tracker::CommitmentRow>,
    /// The day commitment statuses are computed on.
    pub as_of: String,
    /// The media about this record, and the form to add one.
    pub media: Vec<MediaCard>,
    pub upload: Option<UploadForm>,
    pub history: Vec<HistoryRow>,
}

/// What the report form holds, as typed (so a refused form comes back filled in).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub observed_on: String,
    pub category: String,
    pub description: String,
    pub place: String,
    pub community_id: String,
    pub licence_id: String,
    pub lat: String,
    pub lon: String,
    pub reporter_name: String,
    pub reporter_phone: String,
}

/// A refused field of the report form, translated.
pub struct FormError {
    pub field: String,
    pub label: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
pub struct ReportPage<'a> {
    pub ui: &'a Ui,
    pub form: ReportForm,
    pub errors: Vec<FormError>,
    pub categories: Vec<Choice>,
    pub communities: Vec<Choice>,
    pub licences: Vec<Choice>,
}

impl ReportPage<'_> {
    pub fn error_for(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
            .map(|e| e.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub ui: &'a Ui,
    pub title: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub ui: &'a Ui,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage<'a> {
    pub ui: &'a Ui,
    pub must_change: bool,
    pub done: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage<'a> {
    pub ui: &'a Ui,
    pub code: String,
    pub new_code: bool,
    pub added: bool,
    pub not_found: bool,
    pub error: Option<String>,
    pub found: bool,
    pub fields: Vec<FieldRow>,
    pub follow_ups: Vec<String>,
}

pub struct AuditRow {
    pub when: String,
    pub who: String,
    pub action: String,
    pub via: String,
    pub record: String,
    pub href: Option<String>,
    pub fields: String,
    pub entry_id: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage<'a> {
    pub ui: &'a Ui,
    pub rows: Vec<AuditRow>,
}

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub last_login: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage<'a> {
    pub ui: &'a Ui,
    pub rows: Vec<UserRow>,
}

pub struct DutyView {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub policy: bool,
    pub basis_note: String,
    pub next_step: String,
    pub source: String,
    pub confidence: String,
}

pub struct ArticleView {
    pub citation: String,
    pub summary: String,
    pub source: String,
    pub confidence: String,
    pub duties: Vec<DutyView>,
}

pub struct LawView {
    pub title: String,
    pub date: String,
    pub source: String,
    pub confidence: String,
    pub note: String,
    pub articles: Vec<ArticleView>,
    /// The protection zones the law draws around water, each with its width or why
    /// there is none.
    pub water_zones: Vec<WaterZoneView>,
}

/// A pack's water protection zone on the law page.
pub struct WaterZoneView {
    pub title: String,
    /// "200 m from rivers, lakes, springs", or that the width is unknown.
    pub width: String,
    pub source: String,
    pub confidence: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "law.html")]
pub struct LawPage<'a> {
    pub ui: &'a Ui,
    pub query: String,
    pub laws: Vec<LawView>,
    pub policy: Vec<DutyView>,
    pub pack_name: String,
    pub version: String,
}

/// A record kind in the import page's choice.
pub struct KindOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage<'a> {
    pub ui: &'a Ui,
    pub kinds: Vec<KindOption>,
    pub error: Option<String>,
    pub file_name: String,
    pub kind_label: String,
    /// The dry run's report (the preview).
    pub report: Option<minewatch_store::ImportReport>,
    pub header: Vec<String>,
    /// The first rows as read: place and cells.
    pub rows: Vec<(String, Vec<String>)>,
    pub more_rows: usize,
    /// Set when the preview found no problem: the form to import it carries it.
    pub token: Option<String>,
    /// The report of a finished import.
    pub done: Option<minewatch_store::ImportReport>,
    pub list_href: Option<String>,
}

/// One media item on a record's page.
pub struct MediaCard {
    pub href: String,
    /// The public copy, for images.
    pub thumb: Option<String>,
    pub label: String,
    pub meta: String,
}

/// The upload form on a record's page.
pub struct UploadForm {
    pub action: String,
    pub about: String,
    /// The largest file taken, for the help text.
    pub max: String,
}

/// One line of an item's chain of custody.
pub struct CustodyRow {
    pub when: String,
    pub what: String,
    pub who: String,
    pub device: String,
    pub entry: String,
    pub via: String,
}

#[derive(Template)]
#[template(path = "media.html")]
pub struct MediaPage<'a> {
    pub ui: &'a Ui,
    pub title: String,
    pub added: bool,
    pub content_type: String,
    pub size: String,
    pub sha256: String,
    pub date: String,
    pub caption: Option<String>,
    pub filename: Option<String>,
    pub image: bool,
    pub public_href: Option<String>,
    pub original_href: Option<String>,
    pub bundle_href: Option<String>,
    /// The item's id, for the publish button of those who may publish.
    pub publish: Option<String>,
    pub published: bool,
    /// Whether this viewer may see the capture metadata (else it is not mentioned).
    pub capture_visible: bool,
    pub taken_at: Option<String>,
    pub place: Option<String>,
    pub device: Option<String>,
    pub software: Option<String>,
    /// An image whose file carried no time, place or device.
    pub no_metadata: bool,
    /// Where the file's metadata and the report disagree.
    pub warnings: Vec<String>,
    pub about: Vec<crate::views::RecordLink>,
    pub custody: Vec<CustodyRow>,
}
