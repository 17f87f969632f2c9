//! Cases of the generic record API, the demo, rebuild and concurrency.

use minewatch_domain::{RecordId, RecordKind};
use minewatch_store::demo::{self, DemoOutcome};
use minewatch_store::{Author, ListQuery, Op, Store, StoreError};
use serde_json::{Value, json};

fn id(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}

fn company(name: &str) -> Value {
    json!({"name": {"mn": name, "en": name}, "registration_number": "DEMO-1"})
}

fn licence(number: &str, holder: &str) -> Value {
    json!({
        "number": number,
        "holder_id": holder,
        "aimag": {"mn": "Төв", "en": "Töv"},
        "soum": {"mn": "Заамар", "en": "Zaamar"},
        "status": "granted",
        "area": {"type": "Polygon", "coordinates": [[[104.5, 48.1], [104.6, 48.1], [104.6, 48.2], [104.5, 48.1]]]}
    })
}

async fn entries(store: &Store) -> i64 {
    store.ledger_size().await.unwrap().0
}

pub async fn put_get_correct_retract_and_history(store: Store) {
    let me = Author::named("cli:test");
    let c = store
        .put(&me, RecordKind::Company, company("Алтан Жишээ ХХК"))
        .await
        .unwrap();
    assert_eq!(c.version, 1);
    let l = store
        .put(
            &me,
            RecordKind::Licence,
            licence("MV-900001", c.record_id.as_str()),
        )
        .await
        .unwrap();
    let got = store.get(&l.record_id).await.unwrap();
    assert_eq!(got.kind, RecordKind::Licence);
    assert_eq!(got.label, "MV-900001");
    assert_eq!(got.created_by, "cli:test");
    assert_eq!(got.head, l.entry_id);

    // The company page lists its licence through the link projection.
    let linked = store.linked_to(&c.record_id, None).await.unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].0, "holder_id");
    assert_eq!(linked[0].1.id, l.record_id);

    let mut corrected = licence("MV-900001", c.record_id.as_str());
    corrected["status"] = json!("suspended");
    let w = store
        .correct(&me, &l.record_id, corrected, Some(&l.entry_id))
        .await
        .unwrap();
    assert_eq!(w.version, 2);
    assert_eq!(
        store.get(&l.record_id).await.unwrap().payload["status"],
        "suspended"
    );

    let history = store.history(&l.record_id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].op, Op::Put);
    assert_eq!(
        history[0].payload["status"], "granted",
        "the old version stays visible"
    );
    assert_eq!(history[1].op, Op::Correct);
    assert_eq!(history[1].supersedes.as_deref(), Some(l.entry_id.as_str()));

    store
        .retract(&me, &l.record_id, "entered twice")
        .await
        .unwrap();
    let got = store.get(&l.record_id).await.unwrap();
    assert!(got.retracted);
    assert_eq!(got.version, 3);
    assert!(
        store
            .list(&ListQuery::all(RecordKind::Licence))
            .await
            .unwrap()
            .is_empty()
    );
    let mut q = ListQuery::all(RecordKind::Licence);
    q.include_retracted = true;
    assert_eq!(store.list(&q).await.unwrap().len(), 1);
    assert!(
        store
            .linked_to(&c.record_id, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.history(&l.record_id).await.unwrap()[2].payload["reason"],
        "entered twice"
    );

    assert!(matches!(
        store
            .correct(
                &me,
                &l.record_id,
                licence("MV-900001", c.record_id.as_str()),
                None
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.get(&id("no-such-record")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.history(&id("no-such-record")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.verify().await.unwrap().unwrap().entries, 4);
}

pub async fn invalid_payloads_write_nothing(store: Store) {
    let me = Author::system();
    let before = entries(&store).await;
    let err = store
        .put(
            &me,
            RecordKind::Licence,
            json!({"number": "ZZ-1", "status": "granted"}),
        )
        .await
        .unwrap_err();
    let StoreError::Invalid(fields) = err else {
        panic!("expected Invalid, got {err:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    for want in ["number", "holder_id"] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    // A licence's place may be unknown (the MRPAM listing names none).
    assert!(
        !names.contains(&"aimag") && !names.contains(&"soum"),
        "{names:?}"
    );
    assert!(matches!(
        store.put(&me, RecordKind::Company, json!("a string")).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(entries(&store).await, before);
    assert!(
        store
            .list(&ListQuery::all(RecordKind::Licence))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn unknown_and_wrong_references_write_nothing(store: Store) {
    let me = Author::system();
    let err = store
        .put(
            &me,
            RecordKind::Licence,
            licence("MV-900002", "missing-company"),
        )
        .await
        .unwrap_err();
    let StoreError::Invalid(fields) = err else {
        panic!("expected Invalid, got {err:?}")
    };
    assert_eq!(fields[0].field, "holder_id");
    assert_eq!(fields[0].code, "unknown-reference");

    // A reference to a record of the wrong kind.
    let c = store
        .put(&me, RecordKind::Company, company("A"))
        .await
        .unwrap();
    let l = store
        .put(
            &me,
            RecordKind::Licence,
            licence("MV-900003", c.record_id.as_str()),
        )
        .await
        .unwrap();
    let err = store
        .put(
            &me,
            RecordKind::Licence,
            licence("MV-900004", l.record_id.as_str()),
        )
        .await
        .unwrap_err();
    let StoreError::Invalid(fields) = err else {
        panic!("expected Invalid, got {err:?}")
    };
    assert_eq!(fields[0].code, "wrong-reference");
    assert_eq!(entries(&store).await, 2);

    // Creating a record whose id exists is a conflict, not an overwrite.
    let mut batch = store.begin().await.unwrap();
    let err = batch
        .put(
            &me,
            RecordKind::Company,
            Some(c.record_id.clone()),
            company("B"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(batch);
    assert_eq!(
        store.get(&c.record_id).await.unwrap().payload["name"]["en"],
        "A"
    );
}

pub async fn stale_corrections_conflict(store: Store) {
    let me = Author::system();
    let c = store
        .put(&me, RecordKind::Company, company("A"))
        .await
        .unwrap();
    store
        .correct(&me, &c.record_id, company("B"), Some(&c.entry_id))
        .await
        .unwrap();
    // A second editor who opened version 1 must not overwrite version 2 unseen.
    let err = store
        .correct(&me, &c.record_id, company("C"), Some(&c.entry_id))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(
        store.get(&c.record_id).await.unwrap().payload["name"]["en"],
        "B"
    );
    assert!(matches!(
        store.correct(&me, &id("nope"), company("C"), None).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn demo_loads_once_and_verifies(store: Store) {
    let DemoOutcome::Loaded { records } = demo::load(&store).await.unwrap() else {
        panic!("the demo should load into an empty store")
    };
    let dump = store.projection_dump().await.unwrap();
    assert_eq!(
        demo::load(&store).await.unwrap(),
        DemoOutcome::AlreadyLoaded
    );
    assert_eq!(
        store.projection_dump().await.unwrap(),
        dump,
        "a second load changes nothing"
    );
    let report = store.verify().await.unwrap().unwrap();
    assert_eq!(report.entries as usize, records);
    assert_eq!(report.devices, 1);
    let counts = store.counts(None).await.unwrap();
    let count = |k| counts.iter().find(|(kind, _)| *kind == k).unwrap().1;
    assert_eq!(count(RecordKind::Workspace), 1);
    assert!(count(RecordKind::Licence) >= 5);
    assert!(count(RecordKind::Authority) >= 8);
    assert!(count(RecordKind::Observation) >= 3);
    // Every licence number has the cadastre's MV-/XV- form.
    for l in store
        .list(&ListQuery::all(RecordKind::Licence))
        .await
        .unwrap()
    {
        assert!(
            l.label.starts_with("MV-") || l.label.starts_with("XV-"),
            "{}",
            l.label
        );
    }
}

pub async fn rebuild_reproduces_projections_exactly(store: Store) {
    demo::load(&store).await.unwrap();
    let me = Author::named("cli:test");
    let l = id("demo-licence-mv900101");
    let mut payload = store.get(&l).await.unwrap().payload;
    payload["status"] = json!("revoked");
    store.correct(&me, &l, payload, None).await.unwrap();
    store
        .retract(&me, &id("demo-obs-2"), "duplicate report")
        .await
        .unwrap();
    let before = store.projection_dump().await.unwrap();
    let report = store.rebuild().await.unwrap();
    assert_eq!(store.projection_dump().await.unwrap(), before);
    assert_eq!(report.digest_before, report.digest_after);
    assert_eq!(report.entries as i64, entries(&store).await);
    assert!(before.contains("revoked"));
    // Rebuild really re-derives: damage the projections behind the store's back, and
    // a rebuild repairs them from the ledger.
    let pool = sqlx::AnyPool::connect(store.database_url()).await.unwrap();
    sqlx::query(
        "update record set label = 'damaged', version = 99 where id = 'demo-licence-mv900101'",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("delete from record_link")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("delete from record where id = 'demo-obs-1'")
        .execute(&pool)
        .await
        .unwrap();
    assert_ne!(store.projection_dump().await.unwrap(), before);
    let report = store.rebuild().await.unwrap();
    assert_ne!(report.digest_before, report.digest_after);
    assert_eq!(store.projection_dump().await.unwrap(), before);
    assert_eq!(store.get(&l).await.unwrap().version, 2);
}

pub async fn concurrent_writers_keep_one_chain(store: Store) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                store
                    .put(
                        &Author::system(),
                        RecordKind::Company,
                        company(&format!("c{t}-{i}")),
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = store.verify().await.unwrap().unwrap();
    assert_eq!(report.entries, 120);
    assert_eq!(
        store
            .list(&ListQuery::all(RecordKind::Company))
            .await
            .unwrap()
            .len(),
        120
    );
}

pub async fn text_is_stored_literally_and_searched_in_cyrillic(store: Store) {
    let me = Author::system();
    let nasty = "Robert'); drop table record;-- 100% _x_ \\ \"q\" <script>alert(1)</script>";
    let c = store
        .put(&me, RecordKind::Company, company(nasty))
        .await
        .unwrap();
    assert_eq!(
        store.get(&c.record_id).await.unwrap().payload["name"]["en"],
        nasty
    );
    store
        .put(&me, RecordKind::Company, company("ЗААМАР АЛТ"))
        .await
        .unwrap();
    store
        .put(&me, RecordKind::Company, company("Өөр компани"))
        .await
        .unwrap();
    let mut q = ListQuery::all(RecordKind::Company);
    q.search = Some("заамар".into());
    let found = store.list(&q).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    q.search = Some("100%".into());
    assert_eq!(
        store.list(&q).await.unwrap().len(),
        1,
        "% is literal in search"
    );
    q.search = Some("_".into());
    assert_eq!(
        store.list(&q).await.unwrap().len(),
        1,
        "_ is literal in search"
    );
    q.search = Some("өөр".into());
    assert_eq!(store.list(&q).await.unwrap().len(), 1);
}

pub async fn lists_filter_by_linked_records(store: Store) {
    crate::demo_store_load(&store).await;
    let id = |s: &str| minewatch_domain::RecordId::parse(s).unwrap();
    let mut q = ListQuery::all(RecordKind::Violation).everything();
    q.linked_to = vec![id("demo-licence-mv900104")];
    assert_eq!(store.list(&q).await.unwrap().len(), 3);
    // Both links must hold: the community's one attestation among them.
    q.linked_to.push(id("demo-community-zaamar-tuul"));
    let both = store.list(&q).await.unwrap();
    assert_eq!(both.len(), 1, "{both:?}");
    assert_eq!(both[0].id.as_str(), "demo-violation-mv900104-3");
    q.linked_to = vec![id("demo-licence-mv900101")];
    assert!(store.list(&q).await.unwrap().is_empty());
    let mut licences = ListQuery::all(RecordKind::Licence).everything();
    licences.linked_to = vec![id("demo-company-east-steppe")];
    assert_eq!(store.list(&licences).await.unwrap().len(), 3);
}

pub async fn a_failed_batch_leaves_nothing(store: Store) {
    let me = Author::system();
    let mut batch = store.begin().await.unwrap();
    batch
        .put(&me, RecordKind::Company, Some(id("c1")), company("A"))
        .await
        .unwrap();
    batch
        .put(
            &me,
            RecordKind::Licence,
            Some(id("l1")),
            licence("MV-900005", "c1"),
        )
        .await
        .unwrap();
    // The third change fails; the caller gives up and the batch is dropped.
    assert!(
        batch
            .put(&me, RecordKind::Licence, None, licence("MV-900006", "c9"))
            .await
            .is_err()
    );
    drop(batch);
    assert_eq!(entries(&store).await, 0);
    assert!(!store.exists(&id("c1")).await.unwrap());
    // The chain continues cleanly after the rollback.
    store
        .put(&me, RecordKind::Company, company("B"))
        .await
        .unwrap();
    assert_eq!(store.verify().await.unwrap().unwrap().entries, 1);
}

fn square(x: f64, y: f64, size: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]})
}

async fn put_as(store: &Store, kind: RecordKind, id: Option<RecordId>, payload: Value) {
    let mut batch = store.begin().await.unwrap();
    batch
        .put(&Author::system(), kind, id, payload)
        .await
        .unwrap();
    batch.commit().await.unwrap();
}

fn zone(name: &str, zone_type: &str, boundary: Value) -> Value {
    json!({"name": {"en": name}, "zone_type": zone_type, "boundary": boundary})
}

/// A licence whose area meets a protection zone is a breach of the pack's spatial duty,
/// citing the zone; a soum around it is not a check at all; a licence clear of every
/// recorded zone stays unverified; retracting the zone takes the breach away, and with
/// it the layer: the duty becomes one diagnostic.
pub async fn zones_become_spatial_facts(store: Store) {
    use minewatch_domain::engine::{Status, evaluate};
    use minewatch_store::FieldFilter;
    let me = Author::system();
    put_as(&store, RecordKind::Company, Some(id("c1")), company("A")).await;
    let mut inside = licence("MV-900011", "c1");
    inside["area"] = square(104.50, 48.10, 0.02);
    let mut clear = licence("MV-900012", "c1");
    clear["area"] = square(104.80, 48.30, 0.02);
    for (i, l) in [("l-in", inside), ("l-clear", clear)] {
        put_as(&store, RecordKind::Licence, Some(id(i)), l).await;
    }
    // A MultiPolygon zone: one part far away, one crossing the first licence's corner.
    let river = json!({"type": "MultiPolygon", "coordinates": [
        square(110.0, 45.0, 0.1)["coordinates"],
        square(104.51, 48.11, 0.05)["coordinates"],
    ]});
    put_as(
        &store,
        RecordKind::Zone,
        Some(id("z-river")),
        zone("Tuul", "water-protection", river),
    )
    .await;
    put_as(
        &store,
        RecordKind::Zone,
        Some(id("z-soum")),
        zone("Zaamar", "soum", square(104.0, 47.5, 2.0)),
    )
    .await;
    let pack = minewatch_domain::Pack::mongolian().unwrap();
    let facts = store.facts(&pack).await.unwrap();
    let checks: Vec<(&str, &str, &str)> = facts
        .zones
        .iter()
        .map(|z| (&*z.licence, z.zone.as_str(), &*z.id))
        .collect();
    assert_eq!(checks, vec![("l-in", "water-protection", "z-river")]);
    let as_of = jiff::civil::date(2026, 1, 1);
    let status = |facts: &minewatch_domain::engine::Facts, licence: &str| {
        let eval = evaluate(&pack, facts, as_of);
        let gap = eval
            .gaps
            .into_iter()
            .find(|g| {
                &*g.duty == "mn.no-licence-in-water-protection-zone" && &*g.subject == licence
            })
            .expect("a gap for every licence");
        (
            gap.status,
            gap.evidence
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        status(&facts, "l-in"),
        (Status::Breached, vec!["z-river".to_owned()])
    );
    assert_eq!(status(&facts, "l-clear"), (Status::Unverified, vec![]));
    // The list filter by a payload field, both ways.
    let mut q = ListQuery::all(RecordKind::Zone).everything();
    q.fields = vec![FieldFilter::one_of("zone_type", vec!["soum".into()])];
    let soums: Vec<String> = store
        .list(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(soums, vec!["z-soum"]);
    q.fields = vec![FieldFilter {
        field: "zone_type",
        values: vec!["soum".into(), "aimag".into()],
        negate: true,
    }];
    let others: Vec<String> = store
        .list(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(others, vec!["z-river"]);
    store
        .retract(&me, &id("z-river"), "drawn wrong")
        .await
        .unwrap();
    let facts = store.facts(&pack).await.unwrap();
    assert!(facts.zones.is_empty());
    // With no water-protection zone left on record nothing can be said of any licence:
    // one diagnostic, no gap per licence.
    assert!(facts.zone_layers.is_empty(), "{:?}", facts.zone_layers);
    let eval = evaluate(&pack, &facts, as_of);
    assert!(
        !eval
            .gaps
            .iter()
            .any(|g| &*g.duty == "mn.no-licence-in-water-protection-zone")
    );
    assert!(
        eval.diagnostics.iter().any(|d| d
            .message
            .contains("no water-protection layer on record: 2 licence(s)")),
        "{:?}",
        eval.diagnostics
    );
}

/// A list filters by several fields at once, by a localized name's member and by an
/// item of a list; the values a filter offers are those recorded, with their counts.
pub async fn list_filters_combine_and_offer_the_values_recorded(store: Store) {
    use minewatch_store::FieldFilter;
    put_as(&store, RecordKind::Company, Some(id("c1")), company("A")).await;
    let mut licences = Vec::new();
    for (i, soum, minerals, status) in [
        ("l1", "Заамар", vec!["алт", "мөнгө"], "granted"),
        ("l2", "Заамар", vec!["нүүрс"], "expired"),
        ("l3", "Бүрэгхангай", vec!["алт"], "granted"),
        ("l4", "Бүрэгхангай", vec![], "granted"),
    ] {
        let mut l = licence(&format!("MV-9001{}", &i[1..]), "c1");
        l["soum"] = json!({ "mn": soum });
        l["minerals"] = json!(minerals);
        l["status"] = json!(status);
        put_as(&store, RecordKind::Licence, Some(id(i)), l).await;
        licences.push(i);
    }
    let ids = |q: ListQuery| {
        let store = store.clone();
        async move {
            let mut out: Vec<String> = store
                .list(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id.to_string())
                .collect();
            out.sort();
            out
        }
    };
    let mut q = ListQuery::all(RecordKind::Licence).everything();
    q.fields = vec![
        FieldFilter::one_of("soum.mn", vec!["Заамар".into()]),
        FieldFilter::one_of("minerals", vec!["алт".into()]),
    ];
    assert_eq!(ids(q.clone()).await, ["l1"]);
    assert_eq!(store.count(&q).await.unwrap(), 1);
    q.fields.pop();
    q.fields
        .push(FieldFilter::one_of("status", vec!["expired".into()]));
    assert_eq!(ids(q.clone()).await, ["l2"]);
    // Without gold, however many minerals (or none).
    q.fields = vec![FieldFilter {
        field: "minerals",
        values: vec!["алт".into()],
        negate: true,
    }];
    assert_eq!(ids(q.clone()).await, ["l2", "l4"]);
    let all = ListQuery::all(RecordKind::Licence).everything();
    assert_eq!(
        store.distinct_values(&all, "soum.mn").await.unwrap(),
        [("Бүрэгхангай".to_owned(), 2), ("Заамар".to_owned(), 2)]
    );
    assert_eq!(
        store.distinct_values(&all, "minerals").await.unwrap(),
        [
            ("алт".to_owned(), 2),
            ("мөнгө".to_owned(), 1),
            ("нүүрс".to_owned(), 1)
        ]
    );
    // Only the values the kind filters by are offered (they are the ones indexed).
    assert!(store.distinct_values(&all, "holder_id").await.is_err());
    // The index follows corrections and retractions.
    let mut soum = ListQuery::all(RecordKind::Licence).everything();
    soum.fields = vec![FieldFilter::one_of("soum.mn", vec!["Заамар".into()])];
    let mut moved = store.get(&id("l2")).await.unwrap();
    moved.payload["soum"] = json!({"mn": "Бүрэгхангай"});
    store
        .correct(&Author::system(), &id("l2"), moved.payload, None)
        .await
        .unwrap();
    assert_eq!(ids(soum.clone()).await, ["l1"]);
    store
        .retract(&Author::system(), &id("l1"), "entered twice")
        .await
        .unwrap();
    assert!(ids(soum.clone()).await.is_empty());
    // A rebuild makes the same index.
    store.rebuild().await.unwrap();
    soum.fields = vec![FieldFilter::one_of("soum.mn", vec!["Бүрэгхангай".into()])];
    assert_eq!(ids(soum).await, ["l2", "l3", "l4"]);
    // What a reader may not see is not offered: the public sees none of these.
    let public = ListQuery::all(RecordKind::Licence);
    let shown = store.list(&public).await.unwrap().len();
    let offered: i64 = store
        .distinct_values(&public, "soum.mn")
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(offered as usize, shown);
}
