//! The import page: upload a CSV, XLSX or GeoJSON file, see a preview (what would be
//! new, corrected or unchanged, every problem with its row and column, text repaired
//! from a wrong encoding, the first rows as read), then import it in one transaction.
//!
//! Between preview and import the file waits on the server under a random token bound
//! to the account that uploaded it, for at most [`STASH_MINUTES`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minewatch_domain::RecordKind;
use minewatch_formats::sheet::{self, Format, Sheet};
use minewatch_store::{ImportReport, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::access::Viewer;
use crate::error::{OrPage, PageError};
use crate::i18n::Ui;
use crate::templates::{ImportPage, KindOption};
use crate::views::list_path;

type PageResult = Result<Response, PageError>;

/// How long an uploaded file waits for its import.
pub const STASH_MINUTES: u64 = 30;
/// How many uploads wait at most (the oldest goes first).
const STASH_SIZE: usize = 16;
/// Rows shown in a preview.
const PREVIEW_ROWS: usize = 20;

/// Files uploaded and previewed, waiting to be imported.
#[derive(Default)]
pub struct Stash {
    uploads: Mutex<HashMap<String, Upload>>,
}

struct Upload {
    owner: String,
    kind: RecordKind,
    format: Format,
    encoding: Option<&'static sheet::Encoding>,
    name: String,
    bytes: Vec<u8>,
    at: Instant,
}

impl Stash {
    fn put(&self, upload: Upload) -> String {
        let token = minewatch_store::random_hex(16);
        let mut map = self
            .uploads
            .lock()
            .expect("the stash lock is never poisoned");
        let ttl = Duration::from_secs(STASH_MINUTES * 60);
        map.retain(|_, u| u.at.elapsed() < ttl);
        while map.len() >= STASH_SIZE {
            let oldest = map
                .iter()
                .min_by_key(|(_, u)| u.at)
                .map(|(k, _)| k.clone())
                .expect("the stash is not empty");
            map.remove(&oldest);
        }
        map.insert(token.clone(), upload);
        token
    }

    /// Takes the upload `token` names, if `owner` uploaded it and it has not expired.
    fn take(&self, token: &str, owner: &str) -> Option<Upload> {
        let mut map = self
            .uploads
            .lock()
            .expect("the stash lock is never poisoned");
        let fresh = map.get(token).is_some_and(|u| {
            u.owner == owner && u.at.elapsed() < Duration::from_secs(STASH_MINUTES * 60)
        });
        if fresh { map.remove(token) } else { None }
    }
}

fn kinds(ui: &Ui, selected: Option<RecordKind>) -> Vec<KindOption> {
    RecordKind::all()
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: ui.kind_label(*k),
            selected: Some(*k) == selected,
        })
        .collect()
}

fn page(ui: &Ui, page: ImportPage<'_>, status: StatusCode) -> PageResult {
    Ok((status, Html(page.render().page(ui)?)).into_response())
}

fn blank<'a>(ui: &'a Ui, selected: Option<RecordKind>) -> ImportPage<'a> {
    ImportPage {
        ui,
        kinds: kinds(ui, selected),
        error: None,
        file_name: String::new(),
        report: None,
        header: Vec::new(),
        rows: Vec::new(),
        more_rows: 0,
        token: None,
        kind_label: String::new(),
        done: None,
        list_href: None,
    }
}

pub async fn form(ui: Ui) -> PageResult {
    page(&ui, blank(&ui, Some(RecordKind::Licence)), StatusCode::OK)
}

/// Reads the upload, previews it as a dry run, and keeps the file for the import.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    mut multipart: Multipart,
) -> PageResult {
    let mut kind = None;
    let mut encoding = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = |ui: &Ui, kind, key: &str| {
        let mut p = blank(ui, kind);
        p.error = Some(ui.t(key));
        page(ui, p, StatusCode::UNPROCESSABLE_ENTITY)
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return bad(&ui, kind, "import-unreadable-upload"),
        };
        match field.name() {
            Some("kind") => {
                let text = field.text().await.unwrap_or_default();
                kind = RecordKind::parse(text.trim());
            }
            Some("encoding") => {
                let text = field.text().await.unwrap_or_default();
                encoding = sheet::encoding(text.trim());
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => return bad(&ui, kind, "import-unreadable-upload"),
                }
            }
            _ => {}
        }
    }
    let Some(kind) = kind else {
        return bad(&ui, None, "import-choose-kind");
    };
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() || !b.is_empty()) else {
        return bad(&ui, Some(kind), "import-choose-file");
    };
    let Some(format) = Format::of_path(&name) else {
        return bad(&ui, Some(kind), "import-unknown-format");
    };
    let owner = viewer.author().as_str().to_owned();
    let sheet = match sheet::read(format, &bytes, kind, encoding) {
        Ok(s) => s,
        Err(e) => {
            let mut p = blank(&ui, Some(kind));
            p.file_name = name;
            p.error = Some(e.to_string());
            return page(&ui, p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let header = sheet.header.clone();
    let rows: Vec<(String, Vec<String>)> = sheet
        .rows
        .iter()
        .take(PREVIEW_ROWS)
        .map(|(place, cells)| (place.to_string(), cells.iter().map(|c| clip(c)).collect()))
        .collect();
    let more_rows = sheet.rows.len().saturating_sub(PREVIEW_ROWS);
    let report = preview(&state, &viewer, kind, sheet).await.page(&ui)?;
    let token = report.problems.is_empty().then(|| {
        state.uploads.put(Upload {
            owner,
            kind,
            format,
            encoding,
            name: name.clone(),
            bytes,
            at: Instant::now(),
        })
    });
    let status = if token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut p = blank(&ui, Some(kind));
    p.file_name = name;
    p.kind_label = ui.kind_label(kind);
    p.report = Some(report);
    p.header = header;
    p.rows = rows;
    p.more_rows = more_rows;
    p.token = token;
    page(&ui, p, status)
}

async fn preview(
    state: &AppState,
    viewer: &Viewer,
    kind: RecordKind,
    sheet: Sheet,
) -> Result<ImportReport, StoreError> {
    state
        .store
        .import_sheet(&viewer.author(), kind, sheet, true, &mut |_, _| {})
        .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    token: String,
}

/// Imports a previewed file.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Form(form): Form<ConfirmForm>,
) -> PageResult {
    let owner = viewer.author().as_str().to_owned();
    let Some(upload) = state.uploads.take(&form.token, &owner) else {
        let mut p = blank(&ui, None);
        p.error = Some(ui.t("import-expired"));
        return page(&ui, p, StatusCode::GONE);
    };
    let sheet = match sheet::read(upload.format, &upload.bytes, upload.kind, upload.encoding) {
        Ok(s) => s,
        Err(e) => {
            let mut p = blank(&ui, Some(upload.kind));
            p.error = Some(e.to_string());
            return page(&ui, p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let report = state
        .store
        .import_sheet(&viewer.author(), upload.kind, sheet, false, &mut |_, _| {})
        .await
        .page(&ui)?;
    if !report.written() {
        // Something changed since the preview (a record it refers to was retracted).
        let mut p = blank(&ui, Some(upload.kind));
        p.file_name = upload.name;
        p.kind_label = ui.kind_label(upload.kind);
        p.report = Some(report);
        return page(&ui, p, StatusCode::CONFLICT);
    }
    let mut p = blank(&ui, Some(upload.kind));
    p.file_name = upload.name;
    p.kind_label = ui.kind_label(upload.kind);
    p.list_href = list_path(upload.kind).map(str::to_owned);
    p.done = Some(report);
    page(&ui, p, StatusCode::OK)
}

/// A cell as the preview shows it: a long one (a boundary's WKT) cut short.
fn clip(cell: &str) -> String {
    const MAX: usize = 120;
    if cell.chars().count() <= MAX {
        cell.to_owned()
    } else {
        let mut out: String = cell.chars().take(MAX).collect();
        out.push('…');
        out
    }
}
