//! Media evidence on the web: streamed uploads to any record, a page per item (its
//! metadata beside the reported time and place, its chain of custody), the public copy,
//! the original for those who may have it, and evidence bundles to download.
//!
//! Public pages only ever link the public copy, whose metadata was removed at intake.
//! The original carries the exact place a photo was taken, so only a viewer who may
//! see the item's restricted fields gets it (every download is in the audit), unless a
//! coordinator, lawyer or admin published it.

use std::io::{Seek as _, SeekFrom};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures::StreamExt as _;
use minewatch_domain::evidence::{Disagreement, Reported, Tolerance, disagreements};
use minewatch_domain::records::Point;
use minewatch_domain::{Action, Capture, Media, Record, RecordId, RecordKind};
use minewatch_store::blobs::{BlobError, BlobStore, HEAD_BYTES};
use minewatch_store::media::{MediaError, NewMedia};
use minewatch_store::{Op, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::access::Viewer;
use crate::error::{AppError, OrPage as _, PageError};
use crate::i18n::Ui;
use crate::templates::{MediaCard, MediaPage, UploadForm};
use crate::views;

type PageResult = Result<Response, PageError>;

/// The longest text field of an upload form (a caption, a record id): the route has no
/// body limit, so the fields before the file are read with one of their own.
const MAX_FORM_TEXT: usize = 16 * 1024;

fn blobs(state: &AppState) -> Result<&BlobStore, AppError> {
    state
        .blobs
        .as_deref()
        .ok_or_else(|| AppError::Conflict("media storage is not set up on this server".into()))
}

fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::Blob(BlobError::Refused(why)) => {
            AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, why)
        }
        MediaError::Blob(e @ BlobError::TooLarge { .. }) => {
            AppError::BadRequest(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
        }
        MediaError::Blob(e @ (BlobError::Empty | BlobError::Interrupted(_))) => {
            AppError::BadRequest(StatusCode::BAD_REQUEST, e.to_string())
        }
        MediaError::Blob(e) => AppError::Internal(e.to_string()),
        MediaError::Store(e) => e.into(),
        MediaError::Bundle(e) => AppError::Conflict(e),
    }
}

/// `POST /media`: a multipart form whose text fields (`about`, `caption`,
/// `visibility`) come before the `file`, which is streamed to the blob store as it
/// arrives. The CSRF token travels in the query (`?csrf=`), so the body is never read
/// whole.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    headers: HeaderMap,
    body: Body,
) -> PageResult {
    let blobs = blobs(&state).page(&ui)?.clone();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > blobs.max_upload_bytes() + (1 << 20)) {
        return Err(AppError::BadRequest(
            StatusCode::PAYLOAD_TOO_LARGE,
            BlobError::TooLarge {
                limit: blobs.max_upload_bytes(),
            }
            .to_string(),
        ))
        .page(&ui);
    }
    // multer straight on the body: axum's extractor would put the form body limit on it.
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| {
            AppError::BadRequest(
                StatusCode::BAD_REQUEST,
                "expected a file upload form (multipart/form-data)".into(),
            )
        })
        .page(&ui)?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut about: Vec<String> = Vec::new();
    let (mut caption, mut visibility): (Option<String>, Option<String>) = (None, None);
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|e| {
                AppError::BadRequest(
                    StatusCode::BAD_REQUEST,
                    format!("the upload was cut off: {}", error_chain(&e)),
                )
            })
            .page(&ui)?;
        let Some(field) = field else {
            return Err(AppError::BadRequest(
                StatusCode::BAD_REQUEST,
                "the form has no file".into(),
            ))
            .page(&ui);
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let ids = writable(&state, &viewer, &about).await.page(&ui)?;
            let new = NewMedia {
                about: ids,
                filename: field.file_name().map(str::to_owned),
                caption: caption.take(),
                declared_type: field.content_type().map(|m| m.essence_str().to_owned()),
                visibility: visibility.take(),
                today: state.pack.today(jiff::Timestamp::now()),
                provenance: None,
            };
            let added = state
                .store
                .add_media(
                    &blobs,
                    &viewer.author(),
                    new,
                    Box::pin(field.map(|chunk| chunk.map_err(|e| error_chain(&e)))),
                )
                .await
                .map_err(media_error)
                .page(&ui)?;
            return Ok(
                Redirect::to(&format!("/media/{}?added=1", added.written.record_id))
                    .into_response(),
            );
        }
        let text = form_text(field, &name).await.page(&ui)?;
        match name.as_str() {
            "about" if !text.is_empty() => about.push(text),
            "caption" if !text.is_empty() => caption = Some(text),
            "visibility" if !text.is_empty() => visibility = Some(text),
            _ => {}
        }
    }
}

/// A text field of the upload form, refused past [`MAX_FORM_TEXT`] bytes.
async fn form_text(mut field: multer::Field<'_>, name: &str) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| AppError::BadRequest(StatusCode::BAD_REQUEST, error_chain(&e)))?
    {
        if bytes.len() + chunk.len() > MAX_FORM_TEXT {
            return Err(AppError::BadRequest(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{name}: at most {MAX_FORM_TEXT} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map(|t| t.trim().to_owned())
        .map_err(|_| {
            AppError::BadRequest(StatusCode::BAD_REQUEST, format!("{name}: not UTF-8 text"))
        })
}

/// The records a new file is evidence for: each must be one the viewer may see (else
/// not found) and write (else forbidden).
async fn writable(
    state: &AppState,
    viewer: &Viewer,
    ids: &[String],
) -> Result<Vec<RecordId>, AppError> {
    let mut out = Vec::new();
    for id in ids {
        let (id, access) = visible(state, viewer, id).await?;
        if !viewer.may_write(access.owner.as_ref()) {
            return Err(AppError::Forbidden("forbidden-body"));
        }
        out.push(id);
    }
    Ok(out)
}

/// An error with its causes, for a message that says what went wrong.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[derive(Debug, Deserialize)]
pub struct ShowParams {
    #[serde(default)]
    added: Option<String>,
}

/// `GET /media/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ShowParams>,
) -> PageResult {
    let shown = viewer.record(&state, &id).await.page(&ui)?;
    let Ok(Record::Media(media)) = shown.record.typed() else {
        return Err(AppError::NotFound).page(&ui);
    };
    let record_id = shown.record.id.clone();
    // What this viewer may see of the capture: the restricted part is absent from the
    // payload they were given.
    let capture: Option<Capture> = shown
        .payload
        .get("capture")
        .and_then(|c| serde_json::from_value(c.clone()).ok());
    let capture_visible = shown.payload.get("capture").is_some()
        || (media.capture.is_none() && viewer.may_see_capture(&shown.access));
    let mut about = Vec::new();
    let mut warnings = Vec::new();
    for (kind, about_id) in &media.about {
        let Ok(r) = state.store.get(about_id).await else {
            continue;
        };
        let access = minewatch_domain::RecordAccess::of(r.kind, &r.id, &r.payload);
        if !viewer.may_see_access(&access) {
            continue;
        }
        about.push(views::RecordLink::new(&ui, &r));
        if let Some(c) = &capture {
            // Compared with the report as this viewer may see it (a place they may not
            // see exactly is rounded): a distance must not tell more than the page.
            let seen = viewer.fields(&r, &access).payload;
            for d in disagreements(c, &reported(*kind, &seen), Tolerance::default()) {
                warnings.push(match d {
                    Disagreement::Time {
                        taken,
                        reported,
                        days,
                    } => ui.t_args(
                        "media-time-disagrees",
                        &[
                            ("taken", taken.to_string()),
                            ("reported", reported.to_string()),
                            ("days", days.to_string()),
                        ],
                    ),
                    Disagreement::Place { km, .. } => {
                        ui.t_args("media-place-disagrees", &[("km", format!("{km:.1}"))])
                    }
                });
            }
        }
    }
    let original_allowed = viewer.may_have_original(&shown.access, &media);
    let custody = if viewer.may(Action::EditRecords) {
        state
            .store
            .custody(&record_id)
            .await
            .page(&ui)?
            .into_iter()
            .map(|e| crate::templates::CustodyRow {
                when: views::format_time(&ui, e.at_ms),
                what: match (e.op, e.payload.get("action").and_then(|a| a.as_str())) {
                    (Op::Put, _) => ui.t("custody-added"),
                    (Op::Correct, _) => ui.t("custody-corrected"),
                    (Op::Retract, _) => ui.t("custody-retracted"),
                    (Op::Access, Some("export-bundle")) => ui.t("custody-exported"),
                    (Op::Access, Some("download-original")) => ui.t("custody-downloaded"),
                    (Op::Access, _) => ui.t("custody-viewed"),
                },
                who: views::author_label(&ui, &viewer, &e.author),
                device: e.device.chars().take(16).collect(),
                entry: e.id,
                via: e
                    .payload
                    .get("via")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = MediaPage {
        ui: &ui,
        title: views::display_name(&shown.record, ui.lang),
        added: params.added.is_some(),
        content_type: media.content_type.clone(),
        size: human_size(media.size),
        sha256: media.sha256.clone(),
        date: media.date.to_string(),
        caption: media.caption.clone(),
        filename: shown
            .payload
            .get("filename")
            .and_then(|f| f.as_str())
            .map(str::to_owned),
        image: media.public_copy.is_some(),
        public_href: media
            .public_copy
            .as_ref()
            .map(|_| format!("/media/{record_id}/public")),
        original_href: original_allowed.then(|| format!("/media/{record_id}/original")),
        bundle_href: viewer
            .may(Action::HandleEvidence)
            .then(|| format!("/bundle?record={record_id}")),
        publish: (viewer.may(Action::HandleEvidence)
            && !media.original_published
            && !shown.record.retracted)
            .then(|| record_id.to_string()),
        published: media.original_published,
        capture_visible,
        taken_at: capture.as_ref().and_then(|c| {
            c.taken_at.as_ref().map(|t| {
                format!(
                    "{}{}",
                    t.replace('T', " "),
                    c.offset
                        .as_deref()
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                )
            })
        }),
        place: capture
            .as_ref()
            .and_then(|c| c.location)
            .map(|p| format!("{:.5}, {:.5}", p.lat, p.lon)),
        device: capture.as_ref().and_then(|c| c.device.clone()),
        software: capture.as_ref().and_then(|c| c.software.clone()),
        no_metadata: capture_visible
            && media.capture.is_none()
            && media.content_type.starts_with("image/"),
        warnings,
        about,
        custody,
    };
    Ok(axum::response::Html(askama::Template::render(&page).page(&ui)?).into_response())
}

/// A record the viewer may see (else not found), without showing it: nothing of it
/// reaches the page, so no audit entry is written.
async fn visible(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<(RecordId, minewatch_domain::RecordAccess), AppError> {
    let id = RecordId::parse(id).ok_or(AppError::NotFound)?;
    let r = state.store.get(&id).await?;
    let access = minewatch_domain::RecordAccess::of(r.kind, &r.id, &r.payload);
    if !viewer.may_see_access(&access) {
        return Err(AppError::NotFound);
    }
    Ok((id, access))
}

/// What a record reported about its event, to set beside a file's metadata.
fn reported(kind: RecordKind, payload: &serde_json::Value) -> Reported {
    let date = |field: &str| {
        payload
            .get(field)
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    };
    let location = payload
        .get("location")
        .and_then(|l| serde_json::from_value::<Point>(l.clone()).ok());
    match kind {
        RecordKind::Observation => Reported {
            date: date("observed_on"),
            location,
        },
        k if RecordKind::DATED.contains(&k) => Reported {
            date: date("date"),
            location: None,
        },
        _ => Reported::default(),
    }
}

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

async fn media_of(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<(RecordId, Media, minewatch_domain::RecordAccess), AppError> {
    let shown = viewer.record(state, id).await?;
    match shown.record.typed() {
        Ok(Record::Media(m)) => Ok((shown.record.id, m, shown.access)),
        _ => Err(AppError::NotFound),
    }
}

async fn stream_blob(
    state: &AppState,
    sha256: &str,
    content_type: &str,
    disposition: String,
) -> Result<Response, AppError> {
    let (size, stream) = blobs(state)?
        .get_stream(sha256)
        .await
        .map_err(|e| match e {
            BlobError::NotFound(_) => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        })?;
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        content_type
            .parse()
            .expect("a sniffed MIME type is a header value"),
    );
    h.insert(header::CONTENT_LENGTH, size.into());
    h.insert(
        header::CONTENT_DISPOSITION,
        disposition
            .parse()
            .unwrap_or_else(|_| "attachment".parse().expect("static")),
    );
    h.insert(
        header::CACHE_CONTROL,
        "private, no-store".parse().expect("static"),
    );
    Ok(response)
}

/// `GET /media/{id}/public`: the copy without metadata, to anyone who may see the item.
pub async fn public_copy(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
) -> PageResult {
    let (_, media, _) = media_of(&state, &viewer, &id).await.page(&ui)?;
    let copy = media.public_copy.ok_or(AppError::NotFound).page(&ui)?;
    stream_blob(&state, &copy.sha256, &media.content_type, "inline".into())
        .await
        .page(&ui)
}

/// `GET /media/{id}/original`: the file as received, for those who may see the item's
/// restricted fields (each download is in the audit) or once published; anyone else is
/// sent to the public copy.
pub async fn original(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
) -> PageResult {
    let (record_id, media, access) = media_of(&state, &viewer, &id).await.page(&ui)?;
    let allowed = viewer.may_have_original(&access, &media);
    if !allowed {
        let to = if media.public_copy.is_some() {
            format!("/media/{record_id}/public")
        } else {
            format!("/media/{record_id}")
        };
        return Ok(Redirect::to(&to).into_response());
    }
    if viewer.is_signed_in() {
        state
            .store
            .record_access(
                &viewer.author(),
                &record_id,
                "download-original",
                &viewer.path,
                &[],
            )
            .await
            .page(&ui)?;
    }
    let ext = minewatch_formats::media::TYPES
        .iter()
        .find(|t| t.mime == media.content_type)
        .map(|t| t.ext)
        .unwrap_or("bin");
    stream_blob(
        &state,
        &media.sha256,
        &media.content_type,
        format!("attachment; filename=\"{}.{ext}\"", &media.sha256[..16]),
    )
    .await
    .page(&ui)
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    id: String,
}

/// `POST /media/publish`: makes an original public, by a coordinator, lawyer or admin.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    axum::Form(form): axum::Form<PublishForm>,
) -> PageResult {
    if form.id.is_empty() {
        return Err(AppError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            "say which item to publish".into(),
        ))
        .page(&ui);
    }
    let shown = viewer.record(&state, &form.id).await.page(&ui)?;
    if shown.record.kind != RecordKind::Media {
        return Err(AppError::NotFound).page(&ui);
    }
    // Publishing gives away the capture: only someone who may see it decides.
    if !viewer.may_see_capture(&shown.access) {
        return Err(AppError::Forbidden("forbidden-body")).page(&ui);
    }
    let mut payload = shown.record.payload.clone();
    payload["original_published"] = serde_json::Value::Bool(true);
    state
        .store
        .correct(
            &viewer.author(),
            &shown.record.id,
            payload,
            Some(&shown.record.head),
        )
        .await
        .page(&ui)?;
    Ok(Redirect::to(&format!("/media/{}", shown.record.id)).into_response())
}

/// `GET /bundle?record=ID…`: the evidence bundle of records (their media, and those
/// of every record that refers to them), for coordinators, lawyers and admins. The
/// export is recorded in the ledger before the file is made.
pub async fn bundle(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> PageResult {
    // Repeated `record=` pairs; anything unreadable is no record.
    let records: Vec<String> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or(""))
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k == "record")
            .map(|(_, v)| v)
            .collect();
    if records.is_empty() {
        return Err(AppError::BadRequest(
            StatusCode::BAD_REQUEST,
            "say which records: ?record=ID".into(),
        ))
        .page(&ui);
    }
    let blobs = blobs(&state).page(&ui)?.clone();
    let mut ids = Vec::new();
    for id in &records {
        ids.push(visible(&state, &viewer, id).await.page(&ui)?.0);
    }
    // Only what the viewer may see goes in.
    let media: Vec<_> = state
        .store
        .bundle_media(&ids)
        .await
        .page(&ui)?
        .into_iter()
        .filter(|m| {
            // A bundle holds originals and their capture metadata: only items whose
            // capture the viewer may see go in.
            let access = minewatch_domain::RecordAccess::of(m.kind, &m.id, &m.payload);
            viewer.may_see_capture(&access)
        })
        .collect();
    let selection = ids
        .iter()
        .map(|i| format!("record {i}"))
        .collect::<Vec<_>>()
        .join(", ");
    // Written to an unnamed temporary file (gone when closed), then streamed: a bundle
    // can be larger than memory. It is made beside the staged uploads, in the data
    // directory, rather than in /tmp, which is often held in memory.
    let dir = state
        .resumable
        .as_ref()
        .map_or_else(std::env::temp_dir, |u| u.dir().to_owned());
    let file = std::fs::create_dir_all(&dir)
        .and_then(|()| tempfile::tempfile_in(&dir))
        .map_err(|e| AppError::Internal(format!("a temporary file in {}: {e}", dir.display())))
        .page(&ui)?;
    let mut file = state
        .store
        .write_bundle(
            &blobs,
            &viewer.author(),
            &media,
            &format!("{selection} via {}", viewer.path),
            std::io::BufWriter::new(file),
        )
        .await
        .map_err(media_error)
        .page(&ui)?
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
        .page(&ui)?;
    let size = file
        .seek(SeekFrom::End(0))
        .map_err(|e| AppError::Internal(e.to_string()))
        .page(&ui)?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| AppError::Internal(e.to_string()))
        .page(&ui)?;
    let stream = minewatch_store::blobs::file_chunks(tokio::fs::File::from_std(file));
    let name = format!(
        "minewatch-evidence-{}.zip",
        state.pack.today(jiff::Timestamp::now())
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_LENGTH, size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The media about a record, as cards for its page, and the upload form for those
/// who may add to it.
pub async fn section(
    state: &AppState,
    viewer: &Viewer,
    ui: &Ui,
    record: &minewatch_store::StoredRecord,
    may_edit: bool,
) -> Result<(Vec<MediaCard>, Option<UploadForm>), StoreError> {
    if record.kind == RecordKind::Media {
        return Ok((Vec::new(), None));
    }
    let items = state
        .store
        .media_about(&record.id, Some(&viewer.filter()))
        .await?;
    let cards = items
        .iter()
        .filter_map(|r| match r.typed() {
            Ok(Record::Media(m)) => Some(MediaCard {
                href: format!("/media/{}", r.id),
                thumb: m
                    .public_copy
                    .as_ref()
                    .map(|_| format!("/media/{}/public", r.id)),
                label: views::display_name(r, ui.lang),
                meta: format!("{} · {}", m.content_type, human_size(m.size)),
            }),
            _ => None,
        })
        .collect();
    let upload = (may_edit && state.blobs.is_some() && !record.retracted).then(|| UploadForm {
        action: format!("/media?csrf={}", viewer.csrf),
        about: record.id.to_string(),
        max: state
            .blobs
            .as_ref()
            .map(|b| human_size(b.max_upload_bytes()))
            .unwrap_or_default(),
    });
    Ok((cards, upload))
}

/// Whether a request is a streamed media upload or download, which the body limit and
/// the request timeout leave alone (the blob store enforces its own size limit).
pub fn is_streamed(method: &axum::http::Method, path: &str) -> bool {
    (method == axum::http::Method::POST
        && (path == "/media" || path.starts_with("/api/v1/uploads/")))
        || (method == axum::http::Method::GET
            && (path == "/bundle" || (path.starts_with("/media/") && path.ends_with("/original"))))
}

fn uploads(state: &AppState) -> Result<&minewatch_store::uploads::Uploads, AppError> {
    state
        .resumable
        .as_deref()
        .ok_or_else(|| AppError::Conflict("resumable uploads are not set up on this server".into()))
}

fn upload_error(e: minewatch_store::uploads::UploadError) -> Response {
    use minewatch_store::uploads::UploadError as E;
    let (status, extra) = match &e {
        E::Gone => (StatusCode::GONE, serde_json::Value::Null),
        E::WrongOffset { current, .. } => (StatusCode::CONFLICT, serde_json::json!(current)),
        E::PastEnd { .. } => (StatusCode::PAYLOAD_TOO_LARGE, serde_json::Value::Null),
        E::Interrupted(_) => (StatusCode::BAD_REQUEST, serde_json::Value::Null),
        E::Busy => (StatusCode::CONFLICT, serde_json::Value::Null),
        E::Io(_) => return AppError::Internal(e.to_string()).into_response(),
    };
    let mut body =
        serde_json::json!({"error": {"status": status.as_u16(), "message": e.to_string()}});
    if !extra.is_null() {
        body["offset"] = extra;
    }
    (status, axum::Json(body)).into_response()
}

/// What a client announces to start a resumable upload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    about: Vec<String>,
    size: u64,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
}

/// `POST /api/v1/uploads` (JSON `{about, size, filename?, caption?, visibility?,
/// content_type?}`): starts a resumable upload; answers `201 {id, offset: 0, size, url}`.
/// The pieces then go to `POST url` with an `Upload-Offset` header.
pub async fn create_upload(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Json(new): axum::Json<NewUpload>,
) -> Result<Response, AppError> {
    let staging = uploads(&state)?;
    let blobs = blobs(&state)?;
    if new.size == 0 || new.size > blobs.max_upload_bytes() {
        return Err(AppError::BadRequest(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("size: expected 1 to {} bytes", blobs.max_upload_bytes()),
        ));
    }
    let about = writable(&state, &viewer, &new.about).await?;
    if about.is_empty() {
        return Err(AppError::BadRequest(
            StatusCode::UNPROCESSABLE_ENTITY,
            "about: say which record the file is evidence for".into(),
        ));
    }
    // The record's fields (the records it is about among them) are checked now, not
    // after the last byte.
    let fields = NewMedia {
        about: about.clone(),
        filename: new.filename.clone(),
        caption: new.caption.clone(),
        declared_type: new.content_type.clone(),
        visibility: new.visibility.clone(),
        today: state.pack.today(jiff::Timestamp::now()),
        provenance: None,
    };
    state
        .store
        .check_new_media(&fields)
        .await
        .map_err(media_error)?;
    let meta = minewatch_store::uploads::UploadMeta {
        owner: viewer.author().as_str().to_owned(),
        about,
        size: new.size,
        filename: new.filename,
        caption: new.caption,
        visibility: new.visibility,
        content_type: new.content_type,
        touched_ms: 0,
        head_checked: false,
    };
    let id = staging
        .create(meta)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({
            "id": id, "offset": 0, "size": new.size, "url": format!("/api/v1/uploads/{id}"),
        })),
    )
        .into_response())
}

/// `GET /api/v1/uploads/{id}`: how many bytes have arrived (`{offset, size}`), so a
/// client that lost its connection knows where to go on.
pub async fn upload_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let staging = uploads(&state)?;
    match staging.status(&id, viewer.author().as_str()).await {
        Ok((meta, offset)) => Ok(axum::Json(
            serde_json::json!({"offset": offset, "size": meta.size}),
        )
        .into_response()),
        Err(e) => Ok(upload_error(e)),
    }
}

/// `POST /api/v1/uploads/{id}` with `Upload-Offset: N` and the next bytes as the body:
/// appends them (what arrives before a cut is kept). Answers `{offset, size}`; after
/// the last byte the file goes through the media intake: `201 {media, sha256, …}`.
pub async fn upload_piece(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let staging = uploads(&state)?;
    let blobs = blobs(&state)?.clone();
    let offset = headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            AppError::BadRequest(
                StatusCode::BAD_REQUEST,
                "Upload-Offset: expected the byte offset this piece starts at".into(),
            )
        })?;
    let owner = viewer.author().as_str().to_owned();
    // Held busy through the intake: a retried last piece meanwhile gets 409, not a
    // second intake of the same file.
    let (mut meta, at, held) = match staging
        .append(&id, &owner, offset, body.into_data_stream())
        .await
    {
        Ok(done) => done,
        Err(e) => return Ok(upload_error(e)),
    };
    // The type is checked as soon as the first bytes are in, not after a gigabyte,
    // whichever piece brought them.
    if !meta.head_checked && (at >= HEAD_BYTES as u64 || at == meta.size) {
        let head = staging
            .head(&id, HEAD_BYTES)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if let Err(why) = minewatch_store::media::inspect(
            &head,
            meta.filename.as_deref(),
            meta.content_type.as_deref(),
        ) {
            let _ = staging.remove(&id).await;
            return Err(AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, why));
        }
        staging
            .head_checked(&id, &mut meta, &held)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    if at < meta.size {
        return Ok(
            axum::Json(serde_json::json!({"offset": at, "size": meta.size})).into_response(),
        );
    }
    let bytes = staging
        .bytes(&id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let new = NewMedia {
        about: meta.about.clone(),
        filename: meta.filename.clone(),
        caption: meta.caption.clone(),
        declared_type: meta.content_type.clone(),
        visibility: meta.visibility.clone(),
        today: state.pack.today(jiff::Timestamp::now()),
        provenance: None,
    };
    let added = match state
        .store
        .add_media(&blobs, &viewer.author(), new, bytes)
        .await
    {
        Ok(added) => added,
        Err(e) => {
            // A refused file is dropped; after a fault of ours the pieces stay, and an
            // empty piece at the end retries the intake.
            let error = media_error(e);
            if !matches!(error, AppError::Internal(_)) {
                let _ = staging.remove(&id).await;
            }
            return Err(error);
        }
    };
    let _ = staging.remove(&id).await;
    drop(held);
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({
            "media": added.written.record_id.as_str(),
            "href": format!("/media/{}", added.written.record_id),
            "sha256": added.sha256,
            "size": added.size,
            "content_type": added.content_type,
            "deduplicated": added.deduplicated,
        })),
    )
        .into_response())
}
