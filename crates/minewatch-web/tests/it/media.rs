//! Media evidence over HTTP: a streamed upload from a record's page, the item's page
//! with its metadata, disagreements and custody, the public copy (checked with
//! exiftool), the restricted original, publishing, and the bundle download.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use minewatch_domain::{RecordKind, Role, Scope};
use minewatch_formats::bundle::{ReadLimits, verify_bundle};
use minewatch_formats::media::read_capture;
use minewatch_store::ListQuery;
use minewatch_testing::skip_or_fail;

use crate::{Client, Reply, TestApp};

const JPEG: &[u8] = include_bytes!("../../../minewatch-formats/tests/data/dust.jpg");
const BOUNDARY: &str = "----minewatch-test-boundary";

fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let (name, content_type, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(client: &Client<'_>, action: &str, body: Vec<u8>) -> Reply {
    let request = Request::post(action)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("accept-language", "en")
        .body(Body::from(body))
        .unwrap();
    client.send(request).await
}

/// The upload form's action on a record's page (it carries the CSRF token).
async fn upload_action(client: &Client<'_>, page: &str) -> String {
    let body = client.get(page).await.body;
    let start = body.find("id=\"media-upload\"").expect("an upload form");
    let form = &body[..start];
    let action = form.rfind("action=\"").expect("an action") + 8;
    form[action..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

async fn media_count(app: &TestApp) -> usize {
    app.store
        .list(&ListQuery::all(RecordKind::Media).everything())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn upload_page_public_copy_original_and_bundle() {
    let app = TestApp::demo().await;
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let monitor = app
        .signed_in("monitor", Role::Monitor, Scope::Workspace)
        .await;
    let anonymous = app.client();

    let action = upload_action(&coord, "/observations/demo-obs-1").await;
    assert!(action.starts_with("/media?csrf="), "{action}");
    let fields = [
        ("about", "demo-obs-1"),
        ("caption", "Dust at the Tuul road"),
        ("visibility", "public"),
    ];

    // Refusals store nothing, neither record nor file: no token, a PDF named .jpg, a
    // body cut off half-way, a visibility that does not exist.
    let before = (media_count(&app).await, app.entries().await);
    let blobs_before = app.blobs.inventory().await.unwrap();
    let r = upload(
        &coord,
        &action,
        multipart(
            &[("about", "demo-obs-1"), ("visibility", "everyone")],
            ("dust.jpg", "image/jpeg", JPEG),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("visibility"), "{}", r.body);
    let r = upload(
        &coord,
        "/media",
        multipart(&fields, ("dust.jpg", "image/jpeg", JPEG)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let pdf = b"%PDF-1.7\n% not a photo\n".repeat(20);
    let r = upload(
        &coord,
        &action,
        multipart(&fields, ("photo.jpg", "image/jpeg", &pdf)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("its bytes are application/pdf"),
        "{}",
        r.body
    );
    let mut cut = multipart(&fields, ("dust.jpg", "image/jpeg", JPEG));
    cut.truncate(cut.len() - 2000);
    let r = upload(&coord, &action, cut).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // The route has no body limit, so its text fields have one of their own.
    let long = "x".repeat(20_000);
    let r = upload(
        &coord,
        &action,
        multipart(
            &[("about", "demo-obs-1"), ("caption", &long)],
            ("dust.jpg", "image/jpeg", JPEG),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(
        r.body.contains("caption: at most 16384 bytes"),
        "{}",
        r.body
    );
    assert_eq!((media_count(&app).await, app.entries().await), before);

    // A body declared larger than the limit is refused before it is read.
    let request = Request::post(action.as_str())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("content-length", (3u64 << 30).to_string())
        .body(Body::from(multipart(
            &fields,
            ("dust.jpg", "image/jpeg", JPEG),
        )))
        .unwrap();
    let r = coord.send(request).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    // A Mongolian reader is told why in Mongolian (the English reason is for English
    // readers and API clients).
    assert!(r.body.contains("хязгаар"), "{}", r.body);
    assert_eq!((media_count(&app).await, app.entries().await), before);
    assert_eq!(
        app.blobs.inventory().await.unwrap(),
        blobs_before,
        "no file kept"
    );

    // The upload.
    let r = upload(
        &coord,
        &action,
        multipart(&fields, ("dust.jpg", "image/jpeg", JPEG)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.header("location").to_owned();
    assert!(location.ends_with("?added=1"), "{location}");
    let page_path = location.trim_end_matches("?added=1").to_owned();
    let id = page_path.trim_start_matches("/media/").to_owned();

    // The coordinator's page: metadata, both disagreements with the report, custody.
    let page = coord.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "The file was stored",
        "2025-07-08 14:03:21 (+08:00)",
        "47.70430, 105.91240",
        "TestPhone TP-1 (fixture)",
        "(24 days apart)",
        "km from the place in the report",
        "Chain of custody",
        "user:coord",
        "dust.jpg",
    ] {
        assert!(page.body.contains(text), "the page lacks {text:?}");
    }
    assert!(page.body.contains(&format!("/media/{id}/original")));
    assert!(page.body.contains(&format!("/bundle?record={id}")));
    // The record's page lists it, with the public copy as its picture.
    let record = anonymous.get("/observations/demo-obs-1").await;
    assert_eq!(record.status, StatusCode::OK, "the demo report is public");
    assert!(
        !record.body.contains("media-upload"),
        "no upload form for the public"
    );
    assert!(
        coord
            .get("/observations/demo-obs-1")
            .await
            .body
            .contains(&format!("/media/{id}/public"))
    );

    // The public view: the picture without metadata, and nothing restricted.
    let public = anonymous.get(&page_path).await;
    assert_eq!(public.status, StatusCode::OK);
    for secret in [
        "47.70430",
        "105.9124",
        "TestPhone",
        "dust.jpg",
        "Chain of custody",
        "user:coord",
        "14:03:21",
    ] {
        assert!(
            !public.body.contains(secret),
            "the public page shows {secret:?}"
        );
    }
    let copy = anonymous.get(&format!("/media/{id}/public")).await;
    assert_eq!(
        (copy.status, copy.header("content-type")),
        (StatusCode::OK, "image/jpeg")
    );
    assert!(read_capture(&copy.bytes).is_empty());
    assert_no_gps_by_exiftool(&copy.bytes);
    // The original is not the public's: they are sent to the public copy.
    let r = anonymous.get(&format!("/media/{id}/original")).await;
    assert_eq!(
        (r.status, r.header("location")),
        (
            StatusCode::SEE_OTHER,
            format!("/media/{id}/public").as_str()
        )
    );

    // The coordinator gets the original, byte for byte, and the download is audited.
    let original = coord.get(&format!("/media/{id}/original")).await;
    assert_eq!(original.status, StatusCode::OK);
    assert!(original.bytes == JPEG, "the original is unchanged");
    assert!(
        coord
            .get(&page_path)
            .await
            .body
            .contains("original downloaded")
    );

    // Bundles: for coordinators, lawyers and admins only.
    assert_eq!(
        monitor.get(&format!("/bundle?record={id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let zip = coord.get("/bundle?record=demo-obs-1").await;
    assert_eq!(
        (zip.status, zip.header("content-type")),
        (StatusCode::OK, "application/zip")
    );
    let report = verify_bundle(Cursor::new(&zip.bytes), ReadLimits::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.items, 1);
    assert!(
        coord
            .get(&page_path)
            .await
            .body
            .contains("exported in a bundle")
    );

    // A video larger than any form's body limit streams through.
    let mut video = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    video.extend((0..(24u32 << 20)).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let r = upload(
        &coord,
        &action,
        multipart(
            &[("about", "demo-obs-1")],
            ("river.mp4", "video/mp4", &video),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Publishing gives the capture away: a lawyer may not publish an item whose
    // capture is private.
    let lawyer = app
        .signed_in("lawyer", Role::Lawyer, Scope::Workspace)
        .await;
    let media_id = minewatch_domain::RecordId::parse(&id).unwrap();
    let stored = app.store.get(&media_id).await.unwrap();
    let mut private = stored.payload.clone();
    private["field_visibility"] = serde_json::json!({"capture": "private"});
    app.store
        .correct(&minewatch_store::Author::system(), &media_id, private, None)
        .await
        .unwrap();
    let r = lawyer
        .post_form("/media/publish", &format!("id={id}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    app.store
        .correct(
            &minewatch_store::Author::system(),
            &media_id,
            stored.payload,
            None,
        )
        .await
        .unwrap();

    // Publishing the original: then anyone may have it.
    assert_eq!(
        monitor
            .post_form("/media/publish", &format!("id={id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = coord.post_form("/media/publish", &format!("id={id}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = anonymous.get(&format!("/media/{id}/original")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes == JPEG);
}

/// A case-team file belongs to the community whose report it proves: that community's
/// staff see it, with its place and device; another community's staff see neither
/// the file, nor its original, nor it in a bundle, though the report itself is public.
#[tokio::test]
async fn another_communitys_staff_do_not_see_a_case_team_file() {
    let app = TestApp::demo().await;
    let community = |id: &str| Scope::Community(minewatch_domain::RecordId::parse(id).unwrap());
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    // demo-obs-1 is a public report of the Tuul community.
    let own = app
        .signed_in(
            "tuul",
            Role::Monitor,
            community("demo-community-zaamar-tuul"),
        )
        .await;
    let other = app
        .signed_in(
            "other",
            Role::Lawyer,
            community("demo-community-erdenetsagaan"),
        )
        .await;

    let action = upload_action(&coord, "/observations/demo-obs-1").await;
    let r = upload(
        &coord,
        &action,
        multipart(
            &[("about", "demo-obs-1"), ("visibility", "case_team")],
            ("dust.jpg", "image/jpeg", JPEG),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.header("location").trim_end_matches("?added=1").to_owned();
    let id = page.trim_start_matches("/media/").to_owned();
    let stored = app
        .store
        .get(&minewatch_domain::RecordId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_eq!(stored.payload["community_id"], "demo-community-zaamar-tuul");

    // The report's own community: the page with the place, and the original.
    let mine = own.get(&page).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("47.70430, 105.91240"));
    let original = own.get(&format!("{page}/original")).await;
    assert!(original.status == StatusCode::OK && original.bytes == JPEG);

    // Another community's lawyer: the report yes, the file no.
    assert_eq!(
        other.get("/observations/demo-obs-1").await.status,
        StatusCode::OK
    );
    let theirs = other.get(&page).await;
    assert_ne!(theirs.status, StatusCode::OK);
    for secret in ["47.70430", "TestPhone", "dust.jpg"] {
        assert!(
            !theirs.body.contains(secret),
            "{secret:?} shown to another community"
        );
    }
    let original = other.get(&format!("{page}/original")).await;
    assert!(
        original.bytes != JPEG,
        "the original went to another community"
    );
    assert!(
        !other
            .get("/observations/demo-obs-1")
            .await
            .body
            .contains(&id)
    );
    // The bundle of the report is refused (it would hold no file the lawyer may see).
    let zip = other.get("/bundle?record=demo-obs-1").await;
    assert_ne!(
        zip.status,
        StatusCode::OK,
        "the file left in another community's bundle"
    );
    let r = other.post_form("/media/publish", &format!("id={id}")).await;
    assert_ne!(
        r.status,
        StatusCode::SEE_OTHER,
        "another community published it"
    );
    let after = app
        .store
        .get(&minewatch_domain::RecordId::parse(&id).unwrap())
        .await
        .unwrap();
    assert_ne!(after.payload["original_published"], true);
}

fn assert_no_gps_by_exiftool(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.jpg");
    std::fs::write(&path, bytes).unwrap();
    let Ok(out) = std::process::Command::new("exiftool")
        .args(["-a", "-G1", "-s"])
        .arg(&path)
        .output()
    else {
        skip_or_fail(
            "the exiftool check of public copies",
            "install libimage-exiftool-perl",
        );
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ImageWidth"),
        "exiftool read the image: {text}"
    );
    for tag in [
        "GPS",
        "Make",
        "Model",
        "DateTimeOriginal",
        "Creator",
        "Comment",
    ] {
        assert!(
            !text.contains(tag),
            "exiftool finds {tag} in a public copy:\n{text}"
        );
    }
}

/// Issue 6's paper trail: the photo of a stamped receipt is attached to a request and
/// cited by its delivery step, which starts the clock; a file of another record is
/// refused.
#[tokio::test]
async fn a_receipt_photo_is_cited_by_the_delivery_step() {
    let app = TestApp::demo().await;
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let page = "/requests/demo-request-complaint";
    let before = coord.get(page).await.body;
    assert!(
        before.contains("add the file under Evidence files below first"),
        "no file yet"
    );
    let action = upload_action(&coord, page).await;
    let r = upload(
        &coord,
        &action,
        multipart(
            &[
                ("about", "demo-request-complaint"),
                ("caption", "Stamped receipt no. 7"),
            ],
            ("receipt.jpg", "image/jpeg", JPEG),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let receipt = r
        .header("location")
        .trim_end_matches("?added=1")
        .trim_start_matches("/media/")
        .to_owned();
    // A photo attached to another record is no evidence of this step.
    let other = upload(
        &coord,
        &upload_action(&coord, "/observations/demo-obs-1").await,
        multipart(&[("about", "demo-obs-1")], ("x.jpg", "image/jpeg", JPEG)),
    )
    .await;
    let other = other
        .header("location")
        .trim_end_matches("?added=1")
        .trim_start_matches("/media/")
        .to_owned();

    let with_form = coord.get(page).await.body;
    assert!(
        with_form.contains("id=\"step-media\"") && with_form.contains(&receipt),
        "the step form offers the file"
    );
    let r = coord
        .post_form(
            &format!("{page}/step"),
            &format!("state=delivered&date=2026-11-30&note=receipt+7&media_id={other}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("not an evidence file of this request"),
        "{}",
        r.body
    );
    let r = coord
        .post_form(
            &format!("{page}/step"),
            &format!("state=delivered&date=2026-11-30&note=receipt+7&media_id={receipt}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = coord.get(page).await.body;
    assert!(
        after.contains(&format!(
            "class=\"step-evidence\" href=\"/media/{receipt}\""
        )),
        "the step links its evidence"
    );
    assert!(
        after.contains("2026-11-30"),
        "the clock starts at the delivery"
    );
    let stored = app
        .store
        .get(&minewatch_domain::RecordId::parse("demo-request-complaint").unwrap())
        .await
        .unwrap();
    assert_eq!(stored.payload["steps"][0]["media_id"], receipt.as_str());
}

async fn piece(client: &Client<'_>, url: &str, offset: usize, body: Body) -> Reply {
    let request = Request::post(url)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
        .header("x-csrf-token", client.csrf().await)
        .body(body)
        .unwrap();
    client.send(request).await
}

/// A resumable upload over a connection that breaks: announced, sent in pieces, one
/// piece cut half-way (what arrived is kept), a wrong offset told where to go on, and
/// the last piece turned into a media item by the ordinary intake.
#[tokio::test]
async fn a_resumable_upload_survives_a_cut_connection() {
    let app = TestApp::demo().await;
    let coord = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let lawyer = app
        .signed_in("lawyer", Role::Lawyer, Scope::Workspace)
        .await;
    let r = coord
        .post_json(
            "/api/v1/uploads",
            &serde_json::json!({"about": ["demo-obs-1"], "size": JPEG.len(), "filename": "dust.jpg",
                                "caption": "sent in pieces", "content_type": "image/jpeg"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let started: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let url = started["url"].as_str().unwrap().to_owned();
    assert_eq!(started["offset"], 0);

    let r = piece(&coord, &url, 0, Body::from(JPEG[..1000].to_vec())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"offset\":1000"), "{}", r.body);
    // While a piece is arriving, a second one for the same upload waits its turn.
    let (feed, slow) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(1);
    let (taken, first_taken) = tokio::sync::oneshot::channel::<()>();
    // The server reads the body only once it holds the upload: the first chunk taken
    // says so.
    let slow = futures::stream::unfold((slow, Some(taken)), |(mut rx, mut taken)| async move {
        let chunk = rx.recv().await?;
        if let Some(t) = taken.take() {
            let _ = t.send(());
        }
        Some((chunk, (rx, taken)))
    });
    let first = {
        let request = Request::post(url.as_str())
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "1000")
            .header("x-csrf-token", coord.csrf().await)
            .body(Body::from_stream(slow))
            .unwrap();
        coord.send(request)
    };
    let second = async {
        feed.send(Ok(bytes::Bytes::copy_from_slice(&JPEG[1000..1200])))
            .await
            .unwrap();
        first_taken.await.unwrap();
        let r = piece(&coord, &url, 1000, Body::from(JPEG[1000..].to_vec())).await;
        drop(feed);
        r
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(second.body.contains("arriving already"), "{}", second.body);
    assert!(first.body.contains("\"offset\":1200"), "{}", first.body);
    let r = piece(&coord, &url, 1200, Body::from(JPEG[1200..1500].to_vec())).await;
    assert!(r.body.contains("\"offset\":1500"), "{}", r.body);

    // The connection breaks 500 bytes into the next piece: those 500 are kept.
    let cut = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(&JPEG[1500..2000])),
        Err(std::io::Error::other("connection reset")),
    ]);
    let r = piece(&coord, &url, 1500, Body::from_stream(cut)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let status = coord.get(&url).await;
    assert!(status.body.contains("\"offset\":2000"), "{}", status.body);
    // A piece sent for the wrong offset is told where the upload stands.
    let r = piece(&coord, &url, 1500, Body::from(JPEG[1500..].to_vec())).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("\"offset\":2000"), "{}", r.body);
    // Someone else's upload does not exist for them.
    assert_eq!(lawyer.get(&url).await.status, StatusCode::GONE);
    assert_eq!(
        piece(&lawyer, &url, 1500, Body::from(JPEG[1500..].to_vec()))
            .await
            .status,
        StatusCode::GONE
    );
    // Past the announced size: refused, nothing added.
    let mut too_much = JPEG[2000..].to_vec();
    too_much.extend_from_slice(b"extra");
    assert_eq!(
        piece(&coord, &url, 2000, Body::from(too_much)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let offset = coord.get(&url).await.body;
    let at: usize = serde_json::from_str::<serde_json::Value>(&offset).unwrap()["offset"]
        .as_u64()
        .unwrap() as usize;
    // The last piece: the file goes through the intake.
    let before = media_count(&app).await;
    let r = piece(&coord, &url, at, Body::from(JPEG[at..].to_vec())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let done: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(done["sha256"], hex_sha256(JPEG));
    assert_eq!(media_count(&app).await, before + 1);
    let page = coord.get(done["href"].as_str().unwrap()).await.body;
    assert!(page.contains("sent in pieces") && page.contains("47.70430, 105.91240"));
    assert_eq!(
        coord.get(&url).await.status,
        StatusCode::GONE,
        "the staging is gone"
    );

    // A file that is not what it claims is refused at its first piece.
    let r = coord
        .post_json(
            "/api/v1/uploads",
            &serde_json::json!({"about": ["demo-obs-1"], "size": 400, "filename": "photo.jpg"}),
        )
        .await;
    let url = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = piece(
        &coord,
        &url,
        0,
        Body::from(b"%PDF-1.7\n".repeat(40)[..360].to_vec()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "only 360 of 400 bytes: not checked yet"
    );
    let r = piece(&coord, &url, 360, Body::from(vec![b'x'; 40])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("application/pdf"), "{}", r.body);
    assert_eq!(coord.get(&url).await.status, StatusCode::GONE);
    assert_eq!(media_count(&app).await, before + 1);

    // A cut first piece that brought more than 64 KiB: the next piece starts past the
    // first 64 KiB, and the type is checked all the same.
    let pdf = b"%PDF-1.7\n".repeat(20_000);
    let r = coord
        .post_json(
            "/api/v1/uploads",
            &serde_json::json!({"about": ["demo-obs-1"], "size": pdf.len(), "filename": "photo.jpg"}),
        )
        .await;
    let url = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let cut = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(&pdf[..100_000])),
        Err(std::io::Error::other("connection reset")),
    ]);
    let r = piece(&coord, &url, 0, Body::from_stream(cut)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = piece(
        &coord,
        &url,
        100_000,
        Body::from(pdf[100_000..110_000].to_vec()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("application/pdf"), "{}", r.body);

    // What the record will say is checked when the upload is announced.
    let r = coord
        .post_json(
            "/api/v1/uploads",
            &serde_json::json!({"about": ["demo-obs-1"], "size": 400, "visibility": "everyone"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("visibility"), "{}", r.body);
    // So are the records it is about: two communities' reports are refused before a
    // byte is sent, not after the last one.
    let r = coord
        .post_json(
            "/api/v1/uploads",
            &serde_json::json!({"about": ["demo-obs-1", "demo-obs-2"], "size": 400}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("different communities"), "{}", r.body);
    assert_eq!(media_count(&app).await, before + 1);
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
