//! A record kind added the way ARCHITECTURE.md says (one schema with its messages, no
//! edit anywhere else) gets its import and export columns, its list and page, and the
//! API. Its own test binary: the kind is registered for this process only.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use minewatch_domain::records::{Field, KindSchema, Shape};
use minewatch_domain::{RecordId, RecordKind};
use minewatch_formats::sheet::{self, Format};
use minewatch_store::{Author, DeviceKey, Store};
use minewatch_web::{AppState, app, builtin_pack};
use tower::ServiceExt as _;

/// A monitoring station: the throwaway kind of this test.
static EXAMPLE: KindSchema = KindSchema {
    label: &["name"],
    summary: &["medium", "licence_id"],
    list_path: Some("/examples"),
    filters: &[("licence", RecordKind::Licence)],
    messages: &[
        ("kind-example", "Жишээ станц", "Example station"),
        ("nav-examples", "Жишээ станцууд", "Example stations"),
        ("field-medium", "Орчин", "Medium"),
        ("field-installed", "Суурилуулсан огноо", "Installed"),
        ("field-keeper", "Хариуцагч", "Keeper"),
        ("medium-water", "Ус", "Water"),
        ("medium-air", "Агаар", "Air"),
    ],
    ..KindSchema::new(
        "example",
        &[
            Field::new("name", Shape::Localized).required(),
            Field::new("medium", Shape::Text)
                .required()
                .choice(&["water", "air"], "medium-"),
            Field::new("licence_id", Shape::Ref(RecordKind::Licence)),
            Field::new("installed", Shape::Date),
            Field::new("keeper", Shape::Contact).restricted(),
        ],
    )
};

async fn get(router: &axum::Router, path: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(
            Request::get(path)
                .header("accept-language", "mn")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_kind_defined_once_gets_columns_pages_and_the_api() {
    let kind = RecordKind::register(&EXAMPLE);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
    let store = Store::open(&url, DeviceKey::generate()).await.unwrap();
    minewatch_store::demo::load(&store).await.unwrap();
    let licence = store
        .list(&minewatch_store::ListQuery::all(RecordKind::Licence).everything())
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has licences");

    // Import: the columns come from the schema, natural keys and parts included.
    let header = minewatch_formats::table::Header::of(kind).names();
    assert_eq!(
        header,
        [
            "id",
            "name.mn",
            "name.en",
            "medium",
            "licence_id",
            "installed",
            "keeper.name",
            "keeper.phone",
            "keeper.email",
            "visibility",
            "field_visibility"
        ]
    );
    let csv = format!(
        "{}\nst-1,Туул голын станц,Tuul river station,water,{},2025-06-01,Бат,99112233,,,\n\
         st-2,Агаарын станц,Air station,air,,01.07.2025,,,,coalition,\n",
        header.join(","),
        licence.id
    );
    let read = sheet::read(Format::Csv, csv.as_bytes(), kind, None).unwrap();
    let report = store
        .import_sheet(&Author::system(), kind, read, false, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.created, 2, "{report:?}");
    let st1 = store.get(&RecordId::parse("st-1").unwrap()).await.unwrap();
    assert_eq!(st1.kind, kind);
    assert_eq!(st1.payload["keeper"]["phone"], "99112233");
    assert_eq!(st1.payload["installed"], "2025-06-01");
    let links = store.linked_to(&licence.id, None).await.unwrap();
    assert!(
        links.iter().any(|(_, r)| r.id.as_str() == "st-1"),
        "the reference is a link"
    );

    // A wrong row is refused with its field and nothing is written.
    let bad = format!("{}\nst-3,Станц,,soil,,,,,,,\n", header.join(","));
    let read = sheet::read(Format::Csv, bad.as_bytes(), kind, None).unwrap();
    let report = store
        .import_sheet(&Author::system(), kind, read, false, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.created, 0);
    assert!(
        format!("{report:?}").contains("medium"),
        "the refusal names the field: {report:?}"
    );
    assert!(store.get(&RecordId::parse("st-3").unwrap()).await.is_err());

    // Export: public records with their public fields, in the same columns.
    let (columns, rows) = store
        .export_table(&Author::system(), kind, false, "test")
        .await
        .unwrap();
    assert_eq!(columns, header);
    assert_eq!(rows.len(), 1, "the coalition-only station is not exported");
    let exported = String::from_utf8(sheet::write_csv(&columns, &rows)).unwrap();
    assert!(exported.contains("Tuul river station"), "{exported}");
    assert!(
        !exported.contains("99112233"),
        "the keeper is restricted: {exported}"
    );

    // Pages and API, as an anonymous visitor, in Mongolian.
    let router = app(AppState::new(store.clone(), builtin_pack()));
    let (status, list) = get(&router, "/examples").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Жишээ станцууд"), "the list is named: {list}");
    assert!(list.contains("Туул голын станц"));
    assert!(list.contains("Ус"), "the summary names the medium");
    assert!(
        !list.contains("Агаарын станц"),
        "the hidden station is not listed"
    );
    let (status, page) = get(&router, "/examples/st-1").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Туул голын станц",
        "Орчин",
        "Ус",
        "Суурилуулсан огноо",
        "2025-06-01",
    ] {
        assert!(page.contains(text), "the page shows {text}");
    }
    assert!(!page.contains("99112233") && !page.contains("Хариуцагч"));
    assert!(
        page.contains(&format!("/licences/{}", licence.id)),
        "the licence is linked"
    );
    let (status, _) = get(&router, "/examples/st-2").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "hidden from anonymous visitors"
    );
    let (status, json) = get(&router, "/api/v1/records/st-1").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["kind"], "example");
    assert_eq!(json["payload"]["medium"], "water");
    assert!(json["payload"].get("keeper").is_none(), "{json}");
}
