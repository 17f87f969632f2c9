//! The access matrix: every route the app declares (read from the app's own route
//! table, so a new route is covered the moment it exists) × every role × every
//! visibility level, against an expected decision written out by hand here.

use axum::http::{Method, StatusCode};
use minewatch_domain::{RecordId, RecordKind, Role, Scope};
use minewatch_store::Author;
use minewatch_web::{Limit, RoutePolicy, SecurityConfig, WindowLimit};
use serde_json::json;

use crate::{Client, Reply, TestApp};

const A: &str = "demo-community-zaamar-centre";
const B: &str = "demo-community-erdenetsagaan";
const LEVELS: [&str; 4] = ["public", "coalition", "case_team", "private"];

/// Who may see what, by hand: per principal, the levels (P public, C coalition, T case
/// team, V private) it sees of records owned by community A, of shared records
/// (licences, companies, authorities), and of records owned by another community.
type PrincipalRow = (
    &'static str,
    Option<(Role, &'static str)>,
    &'static str,
    &'static str,
    &'static str,
);

const PRINCIPALS: [PrincipalRow; 8] = [
    ("anonymous", None, "P", "P", "P"),
    ("member-a", Some((Role::Member, A)), "PC", "PC", "PC"),
    ("monitor-a", Some((Role::Monitor, A)), "PCT", "PCT", "PC"),
    (
        "paralegal-a",
        Some((Role::Paralegal, A)),
        "PCT",
        "PCT",
        "PC",
    ),
    ("lawyer", Some((Role::Lawyer, "")), "PCT", "PCT", "PCT"),
    (
        "coord-a",
        Some((Role::Coordinator, A)),
        "PCTV",
        "PCTV",
        "PC",
    ),
    ("coord-b", Some((Role::Coordinator, B)), "PC", "PCTV", "PC"),
    ("admin", Some((Role::Admin, "")), "PCTV", "PCTV", "PCTV"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ownership {
    OwnedByA,
    Shared,
    Other,
}

fn letter(level: &str) -> char {
    match level {
        "public" => 'P',
        "coalition" => 'C',
        "case_team" => 'T',
        _ => 'V',
    }
}

fn sees(principal: usize, ownership: Ownership, level: &str) -> bool {
    let (_, _, a, shared, other) = PRINCIPALS[principal];
    let set = match ownership {
        Ownership::OwnedByA => a,
        Ownership::Shared => shared,
        Ownership::Other => other,
    };
    set.contains(letter(level))
}

/// A planted record: its kind, id, the text its list shows, level and ownership.
struct Planted {
    kind: RecordKind,
    id: RecordId,
    label: String,
    level: &'static str,
    ownership: Ownership,
}

async fn plant(app: &TestApp) -> Vec<Planted> {
    let sys = Author::system();
    let mut planted = Vec::new();
    for (n, level) in LEVELS.into_iter().enumerate() {
        let records = [
            (
                RecordKind::Observation,
                format!("MX-obs-{level}"),
                json!({"observed_on": "2025-05-05", "category": "dust", "description": format!("MX-obs-{level}"),
                       "community_id": A, "reporter": {"name": "R"}}),
                Ownership::OwnedByA,
            ),
            (
                RecordKind::Licence,
                format!("MV-99000{n}"),
                json!({"number": format!("MV-99000{n}"), "holder_id": "demo-company-tuul-gold",
                       "aimag": {"en": "Töv"}, "soum": {"en": "Zaamar"}, "status": "granted"}),
                Ownership::Shared,
            ),
            (
                RecordKind::Company,
                format!("MX-company-{level}"),
                json!({"name": {"en": format!("MX-company-{level}")}}),
                Ownership::Shared,
            ),
            (
                RecordKind::Authority,
                format!("MX-authority-{level}"),
                json!({"name": {"en": format!("MX-authority-{level}")}, "authority_type": "soum-governor",
                       "jurisdiction": {"en": "Zaamar"}}),
                Ownership::Shared,
            ),
            (
                RecordKind::Community,
                format!("MX-community-{level}"),
                json!({"workspace_id": "demo-workspace", "name": {"en": format!("MX-community-{level}")},
                       "aimag": {"en": "Töv"}, "soum": {"en": "Zaamar"}}),
                Ownership::Other,
            ),
        ];
        // A photo of each level, about a public report of community A: the file is
        // A's as the report is.
        let about = app
            .store
            .put(
                &sys,
                RecordKind::Observation,
                json!({"observed_on": "2025-05-05", "category": "dust", "description": "MX media host",
                       "community_id": A, "visibility": "public"}),
            )
            .await
            .unwrap();
        let added = app
            .store
            .add_media(
                &app.blobs,
                &sys,
                minewatch_store::media::NewMedia {
                    about: vec![about.record_id],
                    filename: Some("p.jpg".into()),
                    caption: Some(format!("MX-media-{level}")),
                    declared_type: None,
                    visibility: Some(level.into()),
                    today: jiff::civil::date(2026, 12, 1),
                    provenance: None,
                },
                Box::pin(futures::stream::iter([Ok::<_, String>(
                    bytes::Bytes::from_static(include_bytes!(
                        "../../../minewatch-formats/tests/data/dust.jpg"
                    )),
                )])),
            )
            .await
            .unwrap();
        planted.push(Planted {
            kind: RecordKind::Media,
            id: added.written.record_id,
            label: format!("MX-media-{level}"),
            level,
            ownership: Ownership::OwnedByA,
        });
        for (kind, label, mut payload, ownership) in records {
            payload["visibility"] = json!(level);
            let w = app
                .store
                .put(&sys, kind, payload)
                .await
                .unwrap_or_else(|e| panic!("planting {label}: {e}"));
            planted.push(Planted {
                kind,
                id: w.record_id,
                label,
                level,
                ownership,
            });
        }
    }
    planted
}

fn list_kind(path: &str) -> Option<RecordKind> {
    match path {
        "/communities" => Some(RecordKind::Community),
        "/authorities" => Some(RecordKind::Authority),
        "/companies" => Some(RecordKind::Company),
        "/licences" => Some(RecordKind::Licence),
        "/observations" => Some(RecordKind::Observation),
        _ => None,
    }
}

/// What a request came to, as far as access goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Hidden,
    Forbidden,
    SignIn,
}

fn outcome(r: &Reply) -> Outcome {
    match r.status {
        StatusCode::NOT_FOUND => Outcome::Hidden,
        StatusCode::FORBIDDEN => Outcome::Forbidden,
        StatusCode::SEE_OTHER if r.header("location").starts_with("/login") => Outcome::SignIn,
        s if s.is_server_error() => panic!("server error {s}: {}", r.body),
        _ => Outcome::Allowed,
    }
}

/// A request body for each post route. A new post route fails here until it gets one.
fn sample_body(path: &str) -> &'static str {
    match path {
        "/observations" => {
            "observed_on=2025-03-01&category=dust&description=matrix+report&community_id=demo-community-zaamar-centre"
        }
        "/receipt" => "code=aaaa-bbbb-cccc-dddd",
        "/receipt/add" => "code=aaaa-bbbb-cccc-dddd&text=more",
        "/login" => "username=nobody&password=wrong-wrong-wrong",
        "/logout" => "",
        "/account/password" => "current=x&new=aaaaaaaaaaaa&confirm=bbbbbbbbbbbb",
        "/api/v1/observations" => "json",
        // The upload is multipart: a url-encoded body reaches the handler (or is refused
        // before it), which is all the matrix asks.
        "/import" => "kind=company",
        "/import/confirm" => "token=0123",
        // Without an id the publish form is refused (422) by those who may publish.
        "/media/publish" => "",
        // A piece without its Upload-Offset header is refused (400) by those who may.
        "/api/v1/uploads/{id}" => "",
        // Create and correct forms: an empty form is refused field by field (422).
        p if p.ends_with("/edit")
            || minewatch_web::routes().iter().any(|r| {
                r.path == p
                    && matches!(
                        r.policy,
                        RoutePolicy::Action(minewatch_domain::Action::EditRecords)
                    )
            }) =>
        {
            ""
        }
        other => panic!("the access matrix has no sample request for POST {other}: add one"),
    }
}

async fn post(client: &Client<'_>, path: &str) -> Reply {
    let body = sample_body(path);
    if body == "json" {
        client
            .post_json(
                path,
                &json!({"observed_on": "2025-01-01", "category": "dust", "description": "m"}),
            )
            .await
    } else {
        client.post_form(path, body).await
    }
}

/// Whether a principal may correct a record of this ownership, by hand: a staff role
/// whose scope covers the owner (a community owns itself, so only a workspace scope
/// covers the planted communities).
fn writes(principal: usize, ownership: Ownership) -> bool {
    let Some((role, scope)) = PRINCIPALS[principal].1 else {
        return false;
    };
    role != Role::Member
        && (scope.is_empty()
            || ownership == Ownership::Shared
            || (ownership == Ownership::OwnedByA && scope == A))
}

fn expected_for_action(principal: usize, policy: RoutePolicy, method: &Method) -> Outcome {
    let name = PRINCIPALS[principal].0;
    let signed_in = name != "anonymous";
    let allowed = match policy {
        RoutePolicy::Action(minewatch_domain::Action::ViewAudit)
        | RoutePolicy::Action(minewatch_domain::Action::ManageAccounts) => name == "admin",
        RoutePolicy::Action(minewatch_domain::Action::UseOwnAccount) => signed_in,
        // Only workspace-wide coordinators and admins: the matrix's coordinators are
        // scoped to a community.
        RoutePolicy::Action(minewatch_domain::Action::ImportRecords) => name == "admin",
        // Every staff role (all but member) may open the forms; what they may save is
        // decided per record (see `writes`).
        RoutePolicy::Action(minewatch_domain::Action::EditRecords) => {
            signed_in && name != "member-a"
        }
        // Bundles and publishing: coordinators (of any scope), lawyers and admins.
        RoutePolicy::Action(minewatch_domain::Action::HandleEvidence) => {
            matches!(name, "admin" | "lawyer" | "coord-a" | "coord-b")
        }
        _ => unreachable!(),
    };
    match (allowed, signed_in) {
        (true, _) => Outcome::Allowed,
        (false, true) => Outcome::Forbidden,
        (false, false) if *method == Method::GET => Outcome::SignIn,
        (false, false) => Outcome::Forbidden,
    }
}

#[tokio::test]
async fn every_route_for_every_role_and_visibility() {
    let lots = WindowLimit {
        max: 100_000,
        window: std::time::Duration::from_secs(60),
    };
    let app = TestApp::demo_with(SecurityConfig {
        login: minewatch_web::LoginThrottlePolicy {
            account_free: 100_000,
            address_free: 100_000,
            ..Default::default()
        },
        intake_limit: lots,
        ..SecurityConfig::default()
    })
    .await;
    let planted = plant(&app).await;
    let mut passwords = Vec::new();
    for (name, grant, ..) in PRINCIPALS {
        passwords.push(match grant {
            None => None,
            Some((role, scope)) => {
                let scope = if scope.is_empty() {
                    Scope::Workspace
                } else {
                    Scope::Community(RecordId::parse(scope).unwrap())
                };
                Some(app.add_user(name, role, scope).await)
            }
        });
    }
    let mut clients = Vec::new();
    for (i, (name, ..)) in PRINCIPALS.iter().enumerate() {
        clients.push(match &passwords[i] {
            None => app.client(),
            Some(pw) => app.login(name, pw).await,
        });
    }

    let routes = minewatch_web::routes();
    assert!(routes.len() >= 20, "{} routes", routes.len());
    let mut checked = 0usize;
    let mut failures = Vec::new();
    for route in &routes {
        for (p, client) in clients.iter().enumerate() {
            let who = PRINCIPALS[p].0;
            let mut check = |what: String, got: Outcome, want: Outcome| {
                checked += 1;
                if got != want {
                    failures.push(format!("{who} · {what}: got {got:?}, want {want:?}"));
                }
            };
            match route.policy {
                RoutePolicy::Record(kind) => {
                    assert_eq!(route.method, Method::GET);
                    for r in planted.iter().filter(|r| kind.is_none_or(|k| k == r.kind)) {
                        let path = route.path.replace("{id}", r.id.as_str());
                        let want = if sees(p, r.ownership, r.level) {
                            Outcome::Allowed
                        } else {
                            Outcome::Hidden
                        };
                        let reply = client.get(&path).await;
                        check(format!("GET {path} ({})", r.level), outcome(&reply), want);
                    }
                }
                RoutePolicy::Open | RoutePolicy::Limited(_) => {
                    let path = route
                        .path
                        .replace("{code}", "en")
                        .replace("{gap}", "0123456789abcdef")
                        .replace("{scope}", "workspace")
                        .replace("{token}", "0123456789abcdef0123456789abcdef");
                    assert!(!path.contains('{'), "no sample value for {}", route.path);
                    let reply = if route.method == Method::GET {
                        client.get(&path).await
                    } else {
                        post(client, &path).await
                    };
                    // These routes never hide anything: a 404 here is the handler's answer
                    // (an unknown receipt code), not the policy's.
                    let got = match outcome(&reply) {
                        Outcome::Hidden => Outcome::Allowed,
                        other => other,
                    };
                    check(format!("{} {path}", route.method), got, Outcome::Allowed);
                    // Lists show exactly the records the viewer may see.
                    if let Some(kind) = list_kind(&path).filter(|_| route.method == Method::GET) {
                        for r in planted.iter().filter(|r| r.kind == kind) {
                            let shown = reply.body.contains(&r.label);
                            let want = sees(p, r.ownership, r.level);
                            checked += 1;
                            if shown != want {
                                failures.push(format!(
                                    "{who} · list {path} shows {} ({}): {shown}, want {want}",
                                    r.label, r.level
                                ));
                            }
                        }
                    }
                    if let RoutePolicy::Limited(Limit::Login) = route.policy {
                        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
                    }
                }
                RoutePolicy::Edit(kind) => {
                    for r in planted.iter().filter(|r| r.kind == kind) {
                        let path = route.path.replace("{id}", r.id.as_str());
                        let want = if PRINCIPALS[p].1.is_none() {
                            if route.method == Method::GET {
                                Outcome::SignIn
                            } else {
                                Outcome::Forbidden
                            }
                        } else if !sees(p, r.ownership, r.level) {
                            Outcome::Hidden
                        } else if writes(p, r.ownership) {
                            Outcome::Allowed
                        } else {
                            Outcome::Forbidden
                        };
                        // The sample correction is empty: refused field by field (422),
                        // so nothing planted changes.
                        let reply = if route.method == Method::GET {
                            client.get(&path).await
                        } else {
                            post(client, &path).await
                        };
                        check(
                            format!("{} {path} ({})", route.method, r.level),
                            outcome(&reply),
                            want,
                        );
                    }
                }
                RoutePolicy::Action(_) => {
                    let mut want = expected_for_action(p, route.policy, &route.method);
                    // The API asks no one to sign in: it refuses.
                    if want == Outcome::SignIn && route.path.starts_with("/api/") {
                        want = Outcome::Forbidden;
                    }
                    let reply = if route.method == Method::GET {
                        client.get(&route.path).await
                    } else if route.path == "/logout" {
                        // A fresh session, so the principal's own stays signed in.
                        let fresh = match &passwords[p] {
                            Some(pw) => app.login(who, pw).await,
                            None => app.client(),
                        };
                        post(&fresh, &route.path).await
                    } else {
                        post(client, &route.path).await
                    };
                    check(
                        format!("{} {}", route.method, route.path),
                        outcome(&reply),
                        want,
                    );
                }
            }
        }
    }
    eprintln!(
        "access matrix: {} routes × {} principals × {} levels: {checked} decisions checked",
        routes.len(),
        PRINCIPALS.len(),
        LEVELS.len()
    );
    assert!(
        failures.is_empty(),
        "{} wrong decisions:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
