//! Media intake, refusals that store nothing, custody and evidence bundles.

use std::io::Cursor;

use bytes::Bytes;
use minewatch_domain::{RecordId, RecordKind};
use minewatch_formats::bundle::{ReadLimits, verify_bundle};
use minewatch_formats::media::read_capture;
use minewatch_store::blobs::{BlobConfig, BlobError, BlobStore};
use minewatch_store::media::{MediaError, NewMedia};
use minewatch_store::{Author, ListQuery, Op, Store};
use sha2::{Digest as _, Sha256};

const JPEG: &[u8] = include_bytes!("../../../minewatch-formats/tests/data/dust.jpg");

fn stream(bytes: &[u8]) -> impl futures::Stream<Item = Result<Bytes, String>> + Unpin + use<> {
    let parts: Vec<Result<Bytes, String>> = bytes
        .chunks(1000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures::stream::iter(parts)
}

fn new(about: &str, filename: &str) -> NewMedia {
    NewMedia {
        about: vec![RecordId::parse(about).unwrap()],
        filename: Some(filename.into()),
        caption: Some("Dust over the Tuul road".into()),
        declared_type: None,
        visibility: Some("public".into()),
        today: jiff::civil::date(2026, 12, 1),
        provenance: None,
    }
}

async fn media_count(store: &Store) -> usize {
    store
        .list(&ListQuery::all(RecordKind::Media).everything())
        .await
        .unwrap()
        .len()
}

pub async fn intake_custody_and_bundles(store: Store) {
    crate::demo_store_load(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(&BlobConfig::local(dir.path())).unwrap();
    let monitor = Author::named("user:monitor");

    // A photo for a field report: hashed, typed from its bytes, its capture read, a
    // public copy without metadata stored beside it.
    let added = store
        .add_media(
            &blobs,
            &monitor,
            new("demo-obs-1", "IMG_0001.JPG"),
            stream(JPEG),
        )
        .await
        .expect("adding a photo");
    assert_eq!(added.sha256, hex::encode(Sha256::digest(JPEG)));
    assert_eq!(
        (added.size, added.content_type),
        (JPEG.len() as u64, "image/jpeg")
    );
    let capture = added.capture.clone().expect("EXIF");
    assert_eq!(capture.taken_at.as_deref(), Some("2025-07-08T14:03:21"));
    assert!((capture.location.unwrap().lat - 47.7043).abs() < 1e-4);
    let public = added.public_copy.clone().expect("a public copy");
    let copy = blobs.get_bytes(&public, 1 << 20).await.unwrap();
    assert!(
        read_capture(&copy).is_empty(),
        "the public copy has no metadata"
    );
    assert!(!copy.windows(9).any(|w| w == b"TestPhone"));
    let record = store.get(&added.written.record_id).await.unwrap();
    assert_eq!(record.payload["about"][0]["id"], "demo-obs-1");
    assert_eq!(record.payload["filename"], "IMG_0001.JPG");
    assert_eq!(
        store
            .media_about(&RecordId::parse("demo-obs-1").unwrap(), None)
            .await
            .unwrap()
            .len(),
        1
    );

    // The same file for the licence: a second record, one blob.
    let again = store
        .add_media(
            &blobs,
            &monitor,
            new("demo-licence-mv900101", "dust.jpg"),
            stream(JPEG),
        )
        .await
        .unwrap();
    assert!(again.deduplicated);
    assert_ne!(again.written.record_id, added.written.record_id);
    let (hashes, incoming) = blobs.inventory().await.unwrap();
    assert_eq!(
        (hashes.len(), incoming),
        (2, 0),
        "original and public copy, once each"
    );

    // A file about an organisation: taken in, and owned by no community (the
    // organisation's own record is not a community to name).
    let org = store
        .add_media(
            &blobs,
            &monitor,
            new("demo-org-zaamar", "meeting.jpg"),
            stream(JPEG),
        )
        .await
        .expect("a file about an organisation");
    let record = store.get(&org.written.record_id).await.unwrap();
    assert!(
        record.payload.get("community_id").is_none(),
        "{}",
        record.payload
    );

    // Refusals store nothing: a PDF named .jpg, a program, a cut-off upload, a record
    // that does not exist.
    let before = (
        media_count(&store).await,
        store.ledger_size().await.unwrap(),
    );
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n".repeat(10);
    match store
        .add_media(
            &blobs,
            &monitor,
            new("demo-obs-1", "photo.jpg"),
            stream(&pdf),
        )
        .await
    {
        Err(MediaError::Blob(BlobError::Refused(m))) => {
            assert!(
                m.contains("named as jpg") && m.contains("application/pdf"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    let mut declared = new("demo-obs-1", "scan");
    declared.declared_type = Some("image/png".into());
    assert!(matches!(
        store.add_media(&blobs, &monitor, declared, stream(&pdf)).await,
        Err(MediaError::Blob(BlobError::Refused(m))) if m.contains("says it is image/png")
    ));
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".repeat(100);
    assert!(matches!(
        store.add_media(&blobs, &monitor, new("demo-obs-1", "x"), stream(&exe)).await,
        Err(MediaError::Blob(BlobError::Refused(m))) if m.contains("not a type minewatch stores")
    ));
    let big: Vec<u8> = JPEG.iter().copied().cycle().take(300_000).collect();
    let mut parts: Vec<Result<Bytes, String>> = big
        .chunks(50_000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    parts.truncate(4);
    parts.push(Err("the client went away".into()));
    assert!(matches!(
        store
            .add_media(
                &blobs,
                &monitor,
                new("demo-obs-1", "a.jpg"),
                futures::stream::iter(parts)
            )
            .await,
        Err(MediaError::Blob(BlobError::Interrupted(_)))
    ));
    assert!(
        store
            .add_media(
                &blobs,
                &monitor,
                new("no-such-record", "a.jpg"),
                stream(JPEG)
            )
            .await
            .is_err()
    );
    assert_eq!(
        (
            media_count(&store).await,
            store.ledger_size().await.unwrap()
        ),
        before
    );
    assert_eq!(blobs.inventory().await.unwrap(), (hashes.clone(), 0));

    // A bundle for the licence holds both records (the report is about the licence).
    let licence = RecordId::parse("demo-licence-mv900101").unwrap();
    let media = store
        .bundle_media(std::slice::from_ref(&licence))
        .await
        .unwrap();
    assert_eq!(media.len(), 2);
    let lawyer = Author::named("user:lawyer");
    let zip = store
        .write_bundle(
            &blobs,
            &lawyer,
            &media,
            "licence demo-licence-mv900101",
            Cursor::new(Vec::new()),
        )
        .await
        .unwrap()
        .into_inner();
    let report = verify_bundle(Cursor::new(&zip), ReadLimits::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.items, 2);
    assert_eq!(report.entries, 4, "each record's put and the export itself");
    assert_eq!(report.exporter.as_deref(), Some(store.device_id()));

    // The custody record: who added it, from which device, and the export.
    let custody = store.custody(&added.written.record_id).await.unwrap();
    assert_eq!(custody.len(), 2);
    assert_eq!(
        (custody[0].op, custody[0].author.as_str()),
        (Op::Put, "user:monitor")
    );
    assert_eq!(custody[0].device, store.device_id());
    assert_eq!(
        (custody[1].op, custody[1].author.as_str()),
        (Op::Access, "user:lawyer")
    );
    assert_eq!(custody[1].payload["action"], "export-bundle");

    // A missing blob stops the export with the record named, before a bundle exists
    // and before an export is recorded in the custody.
    let custody_before = store.custody(&media[0].id).await.unwrap().len();
    std::fs::remove_dir_all(dir.path().join("sha256")).unwrap();
    let e = store
        .write_bundle(&blobs, &lawyer, &media[..1], "x", Cursor::new(Vec::new()))
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("no stored file"), "{e}");
    assert!(
        text.contains(&media[0].id.to_string()),
        "the record is named: {e}"
    );
    assert_eq!(
        store.custody(&media[0].id).await.unwrap().len(),
        custody_before,
        "no export recorded for a bundle never written"
    );
    assert!(store.verify().await.unwrap().is_ok(), "the ledger verifies");
}

/// A resumable upload stays held while its last piece is taken in: a retried last
/// piece meanwhile is told to wait, not given a second intake of the same file.
#[tokio::test]
async fn an_upload_is_held_until_its_intake_is_done() {
    use minewatch_store::uploads::{UploadError, UploadMeta, Uploads};
    let dir = tempfile::tempdir().unwrap();
    let uploads = Uploads::new(dir.path());
    let meta = UploadMeta {
        owner: "user:a".into(),
        about: vec![],
        size: 4,
        filename: None,
        caption: None,
        visibility: None,
        content_type: None,
        touched_ms: 0,
        head_checked: false,
    };
    let id = uploads.create(meta).await.unwrap();
    let (_, at, held) = uploads
        .append(&id, "user:a", 0, stream(b"abcd"))
        .await
        .unwrap();
    assert_eq!(at, 4);
    assert!(matches!(
        uploads.append(&id, "user:a", 4, stream(b"")).await,
        Err(UploadError::Busy)
    ));
    drop(held);
    let (_, at, _held) = uploads.append(&id, "user:a", 4, stream(b"")).await.unwrap();
    assert_eq!(at, 4);
    // Not the server's ids, and not the owner: no such upload.
    for (id, owner) in [("../../etc/passwd", "user:a"), (id.as_str(), "user:b")] {
        assert!(matches!(
            uploads.status(id, owner).await,
            Err(UploadError::Gone)
        ));
    }
}
