//! Every route of the app with its access policy. Routes can only be added through
//! [`Routes`], which takes a policy with each one, and the access guard refuses any
//! route that is missing from the table, so no page can exist without a policy. Tests
//! read the same table ([`crate::routes`]) to check every route for every role.

use std::sync::Arc;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{get, post};
use minewatch_domain::{Action, RecordKind};

use crate::AppState;
use crate::access::{Limit, PolicyTable, RoutePolicy};
use crate::api;
use crate::pages::{self, account, forms, gaps, import, law, media, requests, tracker};
use crate::views::list_path;

/// One route: method, path pattern and policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: String,
    pub policy: RoutePolicy,
}

/// Collects routes with their policies.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    pub fn get<H, T>(&mut self, path: &str, policy: RoutePolicy, handler: H)
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, policy);
        self.router = std::mem::take(&mut self.router).route(path, get(handler));
    }

    pub fn post<H, T>(&mut self, path: &str, policy: RoutePolicy, handler: H)
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, policy);
        self.router = std::mem::take(&mut self.router).route(path, post(handler));
    }

    fn add(&mut self, method: Method, path: &str, policy: RoutePolicy) {
        assert!(
            !self
                .table
                .iter()
                .any(|r| r.method == method && r.path == path),
            "route {method} {path} declared twice"
        );
        self.table.push(RouteInfo {
            method,
            path: path.to_owned(),
            policy,
        });
    }

    pub(crate) fn into_parts(self) -> (Router<AppState>, Arc<PolicyTable>, Vec<RouteInfo>) {
        let map = self
            .table
            .iter()
            .map(|r| ((r.method.clone(), r.path.clone()), r.policy))
            .collect();
        (self.router, Arc::new(map), self.table)
    }
}

/// The kinds with list and record pages: every kind with a list path, in the
/// domain's order (so a new kind gets its pages by getting a path).
pub fn page_kinds() -> impl Iterator<Item = RecordKind> {
    RecordKind::all()
        .into_iter()
        .filter(|k| list_path(*k).is_some())
}

/// Every route of the app.
pub(crate) fn build() -> Routes {
    use RoutePolicy::{Limited, Open, Record};
    let mut r = Routes::new();
    r.get("/healthz", Open, crate::healthz);
    r.get("/static/app.css", Open, crate::stylesheet);
    r.get("/", Open, pages::dashboard);
    r.get("/lang/{code}", Open, pages::switch_language);
    for kind in page_kinds() {
        let path = list_path(kind).expect("these kinds have list pages");
        r.get(path, Open, move |state, viewer, ui, q| {
            pages::list(state, viewer, ui, q, kind)
        });
        r.get(
            &format!("{path}/{{id}}"),
            Record(Some(kind)),
            move |state, viewer, ui, id, q| pages::show(state, viewer, ui, id, q, kind),
        );
        // Field reports have their own form (open to anyone, with a receipt).
        if kind == RecordKind::Observation {
            continue;
        }
        let edit = RoutePolicy::Action(Action::EditRecords);
        r.get(&format!("{path}/new"), edit, move |state, viewer, ui, q| {
            forms::new_form(state, viewer, ui, q, kind)
        });
        r.post(path, edit, move |state, viewer, ui, form| {
            forms::create(state, viewer, ui, form, kind)
        });
        r.get(
            &format!("{path}/{{id}}/edit"),
            RoutePolicy::Edit(kind),
            move |state, viewer, ui, id| forms::edit_form(state, viewer, ui, id, kind),
        );
        r.post(
            &format!("{path}/{{id}}/edit"),
            RoutePolicy::Edit(kind),
            move |state, viewer, ui, id, form| forms::correct(state, viewer, ui, id, form, kind),
        );
    }
    // A request's letter and actions (for those who may correct it) and the secret
    // calendar feeds of open deadlines.
    let edit_request = RoutePolicy::Edit(RecordKind::Request);
    r.get("/requests/{id}/letter", edit_request, requests::letter);
    r.get(
        "/requests/{id}/letter.pdf",
        edit_request,
        requests::letter_pdf,
    );
    r.post("/requests/{id}/send", edit_request, requests::send);
    r.post("/requests/{id}/step", edit_request, requests::step);
    r.get(
        "/requests/calendar",
        RoutePolicy::Action(Action::EditRecords),
        requests::calendar_page,
    );
    r.get(
        "/calendar/{scope}/{token}/deadlines.ics",
        Limited(Limit::Intake),
        requests::feed,
    );
    // Media evidence: streamed uploads to any record the viewer may write, a page per
    // item, its public copy, its original (restricted), publishing and bundles.
    r.post(
        "/media",
        RoutePolicy::Action(Action::EditRecords),
        media::upload,
    );
    let media_item = Record(Some(RecordKind::Media));
    r.get("/media/{id}", media_item, media::show);
    r.get("/media/{id}/public", media_item, media::public_copy);
    r.get("/media/{id}/original", media_item, media::original);
    r.post(
        "/media/publish",
        RoutePolicy::Action(Action::HandleEvidence),
        media::publish,
    );
    r.get(
        "/bundle",
        RoutePolicy::Action(Action::HandleEvidence),
        media::bundle,
    );
    r.get("/law", Open, law::library);
    r.get("/gaps", Open, gaps::list);
    r.get("/map", Open, pages::overview::page);
    r.get("/gaps/{gap}", Open, gaps::show);
    r.get("/tracker", Open, tracker::page);
    r.get("/observations/new", Open, pages::report_form);
    r.post(
        "/observations",
        Limited(Limit::Intake),
        pages::report_create,
    );
    r.get("/receipt", Open, pages::receipt_form);
    r.post("/receipt", Limited(Limit::Intake), pages::receipt_open);
    r.post("/receipt/add", Limited(Limit::Intake), pages::receipt_add);

    r.get("/login", Open, account::login_form);
    r.post("/login", Limited(Limit::Login), account::login);
    r.post(
        "/logout",
        RoutePolicy::Action(Action::UseOwnAccount),
        account::logout,
    );
    r.get(
        "/account/password",
        RoutePolicy::Action(Action::UseOwnAccount),
        account::password_form,
    );
    r.post(
        "/account/password",
        RoutePolicy::Action(Action::UseOwnAccount),
        account::change_password,
    );
    r.get(
        "/import",
        RoutePolicy::Action(Action::ImportRecords),
        import::form,
    );
    r.post(
        "/import",
        RoutePolicy::Action(Action::ImportRecords),
        import::upload,
    );
    r.post(
        "/import/confirm",
        RoutePolicy::Action(Action::ImportRecords),
        import::confirm,
    );
    r.get(
        "/admin/audit",
        RoutePolicy::Action(Action::ViewAudit),
        account::audit,
    );
    r.get(
        "/admin/users",
        RoutePolicy::Action(Action::ManageAccounts),
        account::users,
    );

    r.get("/api/v1/records/{id}", Record(None), api::show);
    // Resumable uploads, for clients on bad connections (see `media::create_upload`).
    let edit = RoutePolicy::Action(Action::EditRecords);
    r.post("/api/v1/uploads", edit, media::create_upload);
    r.get("/api/v1/uploads/{id}", edit, media::upload_status);
    r.post("/api/v1/uploads/{id}", edit, media::upload_piece);
    r.post(
        "/api/v1/observations",
        Limited(Limit::Intake),
        api::create_observation,
    );
    r
}
