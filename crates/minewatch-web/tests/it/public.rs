//! Property: for random records with random record and field visibility, nothing marked
//! non-public (names, phone numbers, exact coordinates, whole non-public records) appears
//! in any public page or public API response, while what is public does appear.

use std::sync::atomic::{AtomicU64, Ordering};

use minewatch_domain::RecordKind;
use minewatch_store::Author;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::TestApp;

const LEVELS: [&str; 4] = ["public", "coalition", "case_team", "private"];

/// One generated record: its kind, record level and a level (or default) per field.
#[derive(Debug, Clone)]
struct Spec {
    kind: u8,
    level: usize,
    place: Option<usize>,
    reporter: Option<usize>,
    location: Option<usize>,
    contact: Option<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let field = proptest::option::of(0usize..4);
    (
        0u8..3,
        0usize..4,
        field.clone(),
        field.clone(),
        field.clone(),
        field,
    )
        .prop_map(|(kind, level, place, reporter, location, contact)| Spec {
            kind,
            level,
            place,
            reporter,
            location,
            contact,
        })
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique marker that shows up verbatim wherever the value is shown.
fn token(what: &str) -> String {
    format!(
        "Z{what}{:08}Q",
        COUNTER.fetch_add(1, Ordering::Relaxed) * 7919 % 100_000_000
    )
}

/// Builds a payload from a spec; returns it with (marker, is it public?) pairs.
fn build(spec: &Spec) -> (RecordKind, Value, Vec<(String, bool)>) {
    let record_public = spec.level == 0;
    let mut markers = Vec::new();
    let mut field_visibility = serde_json::Map::new();
    let mut level_of = |field: &str, chosen: Option<usize>, default_public: bool| -> bool {
        match chosen {
            Some(l) => {
                field_visibility.insert(field.to_owned(), json!(LEVELS[l]));
                record_public && l == 0
            }
            None => record_public && default_public,
        }
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let (kind, mut payload) = match spec.kind {
        0 => {
            let description = token("desc");
            markers.push((description.clone(), record_public));
            let place = token("place");
            markers.push((place.clone(), level_of("place", spec.place, true)));
            let name = token("name");
            let phone = format!("+976{:08}", 10_000_000 + n % 89_999_999);
            let reporter_public = level_of("reporter", spec.reporter, false);
            markers.push((name.clone(), reporter_public));
            markers.push((phone.clone(), reporter_public));
            // Six decimals no rounding keeps: the exact place must never be public.
            // (The last digit is never 0, so the number prints exactly as written.)
            let lat = format!("47.{:05}{}", 10_001 + (n * 7) % 89_997, 1 + n % 9);
            let lon = format!("105.{:05}{}", 10_003 + (n * 13) % 89_993, 1 + (n / 9) % 9);
            let exact_public = level_of("location", spec.location, false);
            markers.push((lat.clone(), exact_public));
            markers.push((lon.clone(), exact_public));
            (
                RecordKind::Observation,
                json!({
                    "observed_on": "2025-04-04", "category": "water",
                    "description": description, "place": place,
                    "community_id": "demo-community-zaamar-tuul",
                    "reporter": {"name": name, "phone": phone},
                    "location": {"lat": lat.parse::<f64>().unwrap(), "lon": lon.parse::<f64>().unwrap()}
                }),
            )
        }
        1 => {
            let name = token("community");
            markers.push((name.clone(), record_public));
            let contact = token("contact");
            markers.push((contact.clone(), level_of("contact", spec.contact, false)));
            (
                RecordKind::Community,
                json!({
                    "workspace_id": "demo-workspace", "name": {"en": name},
                    "aimag": {"en": "Töv"}, "soum": {"en": "Zaamar"},
                    "contact": {"name": contact}
                }),
            )
        }
        _ => {
            let name = token("company");
            markers.push((name.clone(), record_public));
            let reg = token("reg");
            markers.push((
                reg.clone(),
                level_of("registration_number", spec.place, true),
            ));
            (
                RecordKind::Company,
                json!({"name": {"en": name}, "registration_number": reg}),
            )
        }
    };
    payload["visibility"] = json!(LEVELS[spec.level]);
    if !field_visibility.is_empty() {
        payload["field_visibility"] = Value::Object(field_visibility);
    }
    (kind, payload, markers)
}

#[test]
fn nothing_non_public_reaches_a_public_page_or_api_response() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(TestApp::demo());
    let mut config = ProptestConfig::with_cases(48);
    config.failure_persistence = None;
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(spec(), 1..4), |specs| {
        runtime.block_on(async {
            let mut ids = Vec::new();
            let mut markers = Vec::new();
            for spec in &specs {
                let (kind, payload, m) = build(spec);
                let w = app
                    .store
                    .put(&Author::system(), kind, payload.clone())
                    .await
                    .unwrap_or_else(|e| panic!("{payload}: {e}"));
                ids.push((kind, w.record_id));
                markers.extend(m);
            }
            let anonymous = app.client();
            let mut pages = Vec::new();
            for path in [
                "/",
                "/communities",
                "/companies",
                "/observations",
                "/licences",
                "/authorities",
            ] {
                pages.push((path.to_owned(), anonymous.get(path).await.body));
            }
            for (kind, id) in &ids {
                let page = match *kind {
                    RecordKind::Observation => format!("/observations/{id}"),
                    RecordKind::Community => format!("/communities/{id}"),
                    _ => format!("/companies/{id}"),
                };
                pages.push((page.clone(), anonymous.get(&page).await.body));
                let api = format!("/api/v1/records/{id}");
                pages.push((api.clone(), anonymous.get(&api).await.body));
            }
            for (marker, public) in &markers {
                let found: Vec<&str> = pages
                    .iter()
                    .filter(|(_, body)| body.contains(marker.as_str()))
                    .map(|(p, _)| p.as_str())
                    .collect();
                if *public {
                    prop_assert!(!found.is_empty(), "public {marker} shown nowhere");
                } else {
                    prop_assert!(found.is_empty(), "non-public {marker} shown on {found:?}");
                }
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
