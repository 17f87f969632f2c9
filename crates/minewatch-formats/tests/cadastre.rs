//! The national cadastre as it comes: every licence of the real EITI Mongolia files
//! (`../shared/data/mining`) is a licence number and an area this toolkit takes as
//! issued: eight-digit and petroleum numbers, MultiPolygon areas.

use std::collections::HashMap;
use std::path::Path;

use minewatch_domain::{LicenceNumber, LicenceType, Record, RecordKind};
use minewatch_formats::table::parse_wkt_polygon;
use serde_json::{Value, json};

#[test]
fn every_eiti_licence_number_and_area_is_taken_as_issued() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mining");
    let files = [
        "eiti-mongolia-licences-part1.json",
        "eiti-mongolia-licences-part2.json",
    ];
    if !root.join(files[0]).exists() {
        minewatch_testing::skip_or_fail(
            "the EITI cadastre test",
            "it needs ../shared/data (the shared data folder beside the checkout)",
        );
        return;
    }
    let mut rows = Vec::new();
    for f in files {
        let items: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(root.join(f)).unwrap()).unwrap();
        rows.extend(items.into_iter().map(|i| i["cordinate"].clone()));
    }
    assert_eq!(rows.len(), 2_000);
    let mut by_key: HashMap<String, Vec<&Value>> = HashMap::new();
    let mut types: HashMap<LicenceType, usize> = HashMap::new();
    let mut refused = Vec::new();
    for row in &rows {
        let issued = row["LICENSE_NUMBER"].as_str().unwrap();
        let n = LicenceNumber::parse(issued).unwrap_or_else(|e| panic!("{issued}: {e}"));
        assert_eq!(n.as_str(), issued.trim(), "kept as issued");
        *types.entry(n.licence_type()).or_default() += 1;
        by_key.entry(n.key().to_owned()).or_default().push(row);
        // The area: the body of a WKT MULTIPOLYGON, in degrees.
        let area = parse_wkt_polygon(&format!("MULTIPOLYGON {}", row["poly"].as_str().unwrap()))
            .unwrap_or_else(|e| panic!("{issued}: {e}"));
        let payload = json!({
            "number": issued,
            "holder_id": "company",
            "aimag": {"mn": "аймаг"},
            "soum": {"mn": row["sum_name"]},
            "status": "granted",
            "area": area,
        });
        match Record::from_payload(RecordKind::Licence, &payload) {
            Ok(Record::Licence(l)) => assert!(!l.area.is_empty(), "{issued}"),
            Ok(_) => unreachable!(),
            Err(e) => refused.push(format!("{issued}: {e:?}")),
        }
    }
    // Mineral licences with eight-digit numbers and petroleum contracts.
    assert_eq!(types[&LicenceType::Petroleum], 24, "{types:?}");
    assert!(types[&LicenceType::Mining] > 600 && types[&LicenceType::Exploration] > 1_200);
    // A licence listed twice is the same row twice, not two licences.
    let twice: Vec<_> = by_key.iter().filter(|(_, v)| v.len() > 1).collect();
    for (key, copies) in &twice {
        assert!(
            copies.windows(2).all(|w| w[0] == w[1]),
            "{key} listed with different values"
        );
    }
    assert_eq!(
        by_key.len() + twice.iter().map(|(_, v)| v.len() - 1).sum::<usize>(),
        2_000
    );
    assert!(refused.is_empty(), "areas refused: {refused:?}");
}
