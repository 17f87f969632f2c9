//! Cases of accounts, sessions, lockout, visibility filters, the access audit and
//! receipts.

use minewatch_domain::{Grant, Principal, RecordId, RecordKind, Role, Scope};
use minewatch_store::{
    Author, ListQuery, LoginOutcome, NewAccount, Store, StoreError, random_code, token_hash,
};
use serde_json::{Value, json};

fn community(name: &str) -> Value {
    json!({
        "workspace_id": "ws",
        "name": {"en": name},
        "aimag": {"en": "Töv"},
        "soum": {"en": "Zaamar"},
        "contact": {"name": format!("contact of {name}"), "phone": "99001122"}
    })
}

async fn setup(store: &Store) -> (RecordId, RecordId) {
    let me = Author::system();
    let mut batch = store.begin().await.unwrap();
    batch
        .put(
            &me,
            RecordKind::Workspace,
            Some(RecordId::parse("ws").unwrap()),
            json!({"name": {"en": "WS"}, "pack": "mn"}),
        )
        .await
        .unwrap();
    let a = batch
        .put(&me, RecordKind::Community, None, community("A"))
        .await
        .unwrap()
        .record_id;
    let b = batch
        .put(&me, RecordKind::Community, None, community("B"))
        .await
        .unwrap()
        .record_id;
    batch.commit().await.unwrap();
    (a, b)
}

fn observation(community: &RecordId, visibility: &str, text: &str) -> Value {
    json!({
        "community_id": community.as_str(),
        "observed_on": "2025-06-01",
        "category": "dust",
        "description": text,
        "visibility": visibility,
        "reporter": {"name": "Secret Reporter"}
    })
}

pub async fn accounts_passwords_and_lockout(store: Store) {
    let (a, _) = setup(&store).await;
    let grants = vec![Grant {
        role: Role::Coordinator,
        scope: Scope::Community(a.clone()),
    }];
    let account = store
        .create_account(NewAccount {
            username: "saraa",
            display_name: "Сараа",
            grants: grants.clone(),
            password: "correct horse battery",
            must_change_password: true,
        })
        .await
        .unwrap();
    assert_eq!(account.grants, grants);
    assert!(account.must_change_password);

    // Bad input is refused with the field named, and nothing is created.
    for (username, password, field) in [
        ("Saraa", "long enough pw", "username"),
        ("x", "long enough pw", "username"),
        ("ok-name", "short", "password"),
    ] {
        match store
            .create_account(NewAccount {
                username,
                display_name: "X",
                grants: vec![],
                password,
                must_change_password: false,
            })
            .await
        {
            Err(StoreError::Invalid(errors)) => assert_eq!(errors[0].field, field),
            other => panic!("{username}: expected an invalid field, got {other:?}"),
        }
    }
    let dup = store
        .create_account(NewAccount {
            username: "saraa",
            display_name: "Other",
            grants: vec![],
            password: "another password",
            must_change_password: false,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    // A scope must be a real community.
    let bad_scope = store
        .set_grants(
            "saraa",
            &[Grant {
                role: Role::Member,
                scope: Scope::Community(RecordId::parse("nope").unwrap()),
            }],
        )
        .await;
    assert!(
        matches!(bad_scope, Err(StoreError::Invalid(_))),
        "{bad_scope:?}"
    );
    assert_eq!(store.accounts().await.unwrap().len(), 1);

    // The password hash is argon2id. Wrong passwords are counted, never lock.
    let t0 = 1_000_000;
    assert!(matches!(
        store.login("saraa", "correct horse battery", t0).await.unwrap(),
        LoginOutcome::Success(acc) if acc.username == "saraa"
    ));
    assert_eq!(
        store.login("nobody", "whatever", t0).await.unwrap(),
        LoginOutcome::WrongCredentials
    );
    for _ in 0..20 {
        assert_eq!(
            store.login("saraa", "wrong", t0).await.unwrap(),
            LoginOutcome::WrongCredentials
        );
    }
    assert!(matches!(
        store
            .login("saraa", "correct horse battery", t0)
            .await
            .unwrap(),
        LoginOutcome::Success(_)
    ));

    // Sessions: only the hash of the token is stored; a password change ends them.
    let token = store.create_session(&account.id, 60_000).await.unwrap();
    let session = store
        .session(&token)
        .await
        .unwrap()
        .expect("a live session");
    assert_eq!(session.account.username, "saraa");
    assert_eq!(session.csrf.len(), 64);
    assert!(store.session(&token_hash(&token)).await.unwrap().is_none());
    assert!(store.session("not-a-token").await.unwrap().is_none());
    store
        .set_password("saraa", "a brand new password", false)
        .await
        .unwrap();
    assert!(store.session(&token).await.unwrap().is_none());
    let token = store.create_session(&account.id, 60_000).await.unwrap();
    store.end_session(&token).await.unwrap();
    assert!(store.session(&token).await.unwrap().is_none());
    let expired = store.create_session(&account.id, -1).await.unwrap();
    assert!(store.session(&expired).await.unwrap().is_none());
    let code = random_code(4);
    assert_eq!(code.len(), 19, "{code}");
}

pub async fn lists_follow_visibility_and_scope(store: Store) {
    let (a, b) = setup(&store).await;
    let me = Author::system();
    let mut ids = Vec::new();
    for (community, level) in [
        (&a, "public"),
        (&a, "coalition"),
        (&a, "case_team"),
        (&a, "private"),
        (&b, "private"),
    ] {
        let w = store
            .put(
                &me,
                RecordKind::Observation,
                observation(community, level, &format!("{level} report")),
            )
            .await
            .unwrap();
        ids.push(w.record_id);
    }
    let who = |role, scope| Principal::Account {
        id: "x".into(),
        grants: vec![Grant { role, scope }],
    };
    let cases = [
        (Principal::Anonymous, vec![0]),
        (who(Role::Member, Scope::Workspace), vec![0, 1]),
        (
            who(Role::Paralegal, Scope::Community(a.clone())),
            vec![0, 1, 2],
        ),
        (
            who(Role::Coordinator, Scope::Community(a.clone())),
            vec![0, 1, 2, 3],
        ),
        (
            who(Role::Coordinator, Scope::Community(b.clone())),
            vec![0, 1, 4],
        ),
        (who(Role::Admin, Scope::Workspace), vec![0, 1, 2, 3, 4]),
    ];
    for (principal, expected) in cases {
        let filter = principal.record_filter();
        let listed = store
            .list(&ListQuery::all(RecordKind::Observation).visible_to(&filter))
            .await
            .unwrap();
        let mut got: Vec<usize> = listed
            .iter()
            .map(|r| ids.iter().position(|i| *i == r.id).unwrap())
            .collect();
        got.sort();
        assert_eq!(got, expected, "{principal:?}");
        let counts = store.counts(Some(&filter)).await.unwrap();
        let n = counts
            .iter()
            .find(|(k, _)| *k == RecordKind::Observation)
            .unwrap()
            .1;
        assert_eq!(n as usize, expected.len(), "counts for {principal:?}");
        let latest = store.latest(100, Some(&filter)).await.unwrap();
        assert_eq!(
            latest
                .iter()
                .filter(|r| r.kind == RecordKind::Observation)
                .count(),
            expected.len()
        );
        let linked = store.linked_to(&a, Some(&filter)).await.unwrap();
        assert_eq!(
            linked.len(),
            expected.iter().filter(|i| **i < 4).count(),
            "linked for {principal:?}"
        );
    }
    // A correction that narrows visibility moves the record out of the public list.
    let mut narrower = observation(&a, "coalition", "public report");
    narrower["reporter"] = json!({"name": "Secret Reporter"});
    store.correct(&me, &ids[0], narrower, None).await.unwrap();
    let public = store
        .list(&ListQuery::all(RecordKind::Observation))
        .await
        .unwrap();
    assert!(public.is_empty(), "{public:?}");
    // The projection survives a rebuild with the same filter columns.
    let report = store.rebuild().await.unwrap();
    assert_eq!(report.digest_before, report.digest_after);
}

pub async fn access_audit_is_in_the_ledger(store: Store) {
    let (a, _) = setup(&store).await;
    let before = store.ledger_size().await.unwrap().0;
    let w = store
        .record_access(
            &Author::named("user:1"),
            &a,
            "view",
            "/communities/x",
            &["contact".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(store.ledger_size().await.unwrap().0, before + 1);
    // The record itself is unchanged and its history does not show the view.
    assert_eq!(store.get(&a).await.unwrap().version, 1);
    assert_eq!(store.history(&a).await.unwrap().len(), 1);
    let events = store.access_events(10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entry_id, w.entry_id);
    assert_eq!(events[0].author, "user:1");
    assert_eq!(events[0].fields, vec!["contact"]);
    // Signed and chained like every entry; rebuilt like every projection.
    assert!(store.verify().await.unwrap().is_ok());
    let report = store.rebuild().await.unwrap();
    assert_eq!(report.digest_before, report.digest_after);
    assert_eq!(store.access_events(10).await.unwrap(), events);
}

pub async fn receipts_open_their_report_only(store: Store) {
    let (a, _) = setup(&store).await;
    let code = random_code(4);
    let mut batch = store.begin().await.unwrap();
    let w = batch
        .put(
            &Author::anonymous(),
            RecordKind::Observation,
            None,
            observation(&a, "public", "x"),
        )
        .await
        .unwrap();
    batch
        .add_receipt(&token_hash(&code), &w.record_id)
        .await
        .unwrap();
    batch.commit().await.unwrap();
    assert_eq!(
        store.receipt_record(&token_hash(&code)).await.unwrap(),
        Some(w.record_id)
    );
    // Codes are read case-insensitively (people retype them), and nothing else opens it.
    assert!(
        store
            .receipt_record(&token_hash(&code.to_uppercase()))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .receipt_record(&token_hash(&random_code(4)))
            .await
            .unwrap()
            .is_none()
    );
}
