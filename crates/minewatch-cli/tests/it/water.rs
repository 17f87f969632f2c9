//! Protection zones drawn around rivers and lakes by the pack's width: `minewatch import
//! water` on Natural Earth's files, checked against shapely 2's buffers and overlays.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use minewatch_domain::geo::{Albers, PlaneArea};
use minewatch_domain::records::Polygon;
use minewatch_testing::skip_or_fail;
use serde_json::Value;

use crate::cadastre::{import_preset, parts, shared};
use crate::{assert_exit, assert_refused, minewatch, stdout};

/// `name → summed m²` for rows of `licence,zone_name,overlap_m2` whose licence is
/// `licence` (empty: the zones' own areas).
fn rows(path: &Path) -> Vec<(String, String, f64)> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            (
                r["licence"].clone(),
                r["zone_name"].clone(),
                r["overlap_m2"].parse().unwrap(),
            )
        })
        .collect()
}

fn summed(
    rows: &[(String, String, f64)],
    keep: impl Fn(&str) -> bool,
) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for (l, z, a) in rows {
        if keep(l) && *a >= 1.0 {
            *out.entry((l.clone(), z.clone())).or_insert(0.0) += a;
        }
    }
    out
}

#[test]
fn zones_around_rivers_and_lakes_equal_shapely_buffers_and_make_findings() {
    let Some(root) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    let rivers = root.join("water/ne_10m_rivers_lake_centerlines_mongolia.geojson");
    let lakes = root.join("water/ne_10m_lakes_mongolia.geojson");
    let (rivers, lakes) = (rivers.to_str().unwrap(), lakes.to_str().unwrap());

    // The pack's sourced width is drawn; the one it lacks is said, not guessed.
    let o = minewatch(&data, &["import", "water", rivers]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains(
            "200 m around every river, lake, spring (mn.long-name-200m; medium confidence"
        ),
        "{out}"
    );
    assert!(
        out.contains("mn.water-law-protection-zone") && out.contains("no zone is drawn"),
        "{out}"
    );
    assert!(out.contains("13 river(s), 0 lake(s), 0 spring(s)"), "{out}");
    assert!(out.contains("imported 13 zone row(s): 13 new"), "{out}");
    assert_exit(&minewatch(&data, &["import", "water", lakes]), 0);
    // Importing the same file again changes nothing.
    let o = minewatch(&data, &["import", "water", rivers]);
    assert!(
        stdout(&o).contains("13 zone row(s): 0 new, 0 corrected, 13 unchanged"),
        "{}",
        stdout(&o)
    );

    // A width the pack lacks needs its source; a rule must exist.
    assert_refused(
        &minewatch(&data, &["import", "water", rivers, "--width", "500"]),
        "--width needs --source",
    );
    assert_refused(
        &minewatch(&data, &["import", "water", rivers, "--rule", "mn.nope"]),
        "mn.long-name-200m",
    );
    assert_refused(
        &minewatch(
            &data,
            &["import", "water", rivers, "--width", "-3", "--source", "x"],
        ),
        "above 0",
    );
    let o = minewatch(
        &data,
        &[
            "import",
            "water",
            rivers,
            "--width",
            "500",
            "--source",
            "Khural resolution 12 of 2021-05-01",
            "--since",
            "2021-05-01",
            "--dry-run",
        ],
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("would import 13 zone row(s): 13 new"),
        "{}",
        stdout(&o)
    );
    // A file that is not water is refused whole, naming the feature.
    let bad = tmp.path().join("bad.geojson");
    std::fs::write(
        &bad,
        r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "A"}, "geometry": {"type": "Point", "coordinates": [104, 48]}},
            {"type": "Feature", "properties": {"name": "B"}, "geometry": {"type": "GeometryCollection", "geometries": []}}]}"#,
    )
    .unwrap();
    let o = minewatch(&data, &["import", "water", bad.to_str().unwrap()]);
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("feature 2 (B): its geometry is a GeometryCollection"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("nothing was imported"),
        "{}",
        stdout(&o)
    );

    // Screen the EITI licences against the zones.
    let [one, two] = parts(&root);
    for part in [&one, &two] {
        assert_exit(&import_preset(&data, part.to_str().unwrap(), "eiti"), 0);
    }
    let ours = tmp.path().join("ours.csv");
    assert_exit(
        &minewatch(&data, &["screen", "-o", ours.to_str().unwrap()]),
        0,
    );
    let ours = rows(&ours);
    let uvs = ours
        .iter()
        .find(|(l, z, a)| l == "XV-00018802" && z == "Uvs Nuur нуур: 200 м" && *a > 0.0);
    assert!(uvs.is_some(), "{ours:?}");

    // The zone's own areas, from the records as exported.
    let zones = tmp.path().join("zones.geojson");
    assert_exit(
        &minewatch(
            &data,
            &[
                "export",
                "zone",
                "--format",
                "geojson",
                "-o",
                zones.to_str().unwrap(),
            ],
        ),
        0,
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&zones).unwrap()).unwrap();
    let mut own: Vec<(String, String, f64)> = Vec::new();
    for f in doc["features"].as_array().unwrap() {
        let g = &f["geometry"];
        let parts: Vec<Value> = match g["type"].as_str() {
            Some("MultiPolygon") => g["coordinates"].as_array().unwrap().clone(),
            _ => vec![g["coordinates"].clone()],
        };
        let polygons: Vec<Polygon> = parts
            .into_iter()
            .map(|rings| serde_json::from_value(serde_json::json!({ "rings": rings })).unwrap())
            .collect();
        let area = PlaneArea::new(&polygons, &Albers::mongolia())
            .unwrap()
            .area();
        own.push((
            String::new(),
            f["properties"]["name.mn"].as_str().unwrap().to_owned(),
            area,
        ));
    }
    assert_eq!(own.len(), 34, "13 rivers and 21 lakes");

    let has_geopandas = Command::new("python3")
        .args(["-c", "import geopandas, shapely, pyproj"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_geopandas {
        skip_or_fail(
            "the water zone reference",
            "it needs geopandas, shapely and pyproj",
        );
        return;
    }
    let theirs = tmp.path().join("theirs.csv");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/water_reference.py");
    let ran = Command::new("python3")
        .arg(script)
        .arg(&theirs)
        .arg("200")
        .args([rivers, lakes, "--"])
        .args([&one, &two])
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let theirs = rows(&theirs);
    let mut worst: f64 = 0.0;
    for (what, mine, reference) in [
        (
            "zone areas",
            summed(&own, str::is_empty),
            summed(&theirs, str::is_empty),
        ),
        (
            "overlaps",
            summed(&ours, |l| !l.is_empty()),
            summed(&theirs, |l| !l.is_empty()),
        ),
    ] {
        assert_eq!(
            mine.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{what}: the same pairs"
        );
        for (k, want) in &reference {
            let off = (mine[k] - want).abs() / want;
            assert!(
                off <= 1e-4,
                "{what} {k:?}: {} m², shapely {want} m²",
                mine[k]
            );
            worst = worst.max(off);
        }
    }
    eprintln!("water zones: worst relative difference from shapely {worst:e}");

    // The overlap is a finding: a licence in a water-protection zone, with the zone as
    // its evidence.
    let o = minewatch(&data, &["gaps", "--status", "breached", "--format", "json"]);
    assert_exit(&o, 0);
    let gaps: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let found = gaps
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["duty"] == "mn.no-licence-in-water-protection-zone")
        .count();
    assert!(found >= 1, "{gaps}");

    // On the national files the table is a short triage, not thousands of rows: counts
    // by duty, what is breached or overdue, and a layer never loaded said once.
    let o = minewatch(&data, &["gaps"]);
    assert_exit(&o, 0);
    let table = stdout(&o);
    assert!(table.lines().count() < 40, "{table}");
    assert!(
        table.contains("mn.no-licence-in-water-protection-zone"),
        "{table}"
    );
    assert!(table.contains("XV-00018802"), "{table}");
    let notes = crate::stderr(&o);
    assert!(notes.contains("no headwater layer on record"), "{notes}");
    assert!(notes.contains("no forest-fund layer on record"), "{notes}");
    assert!(notes.lines().count() < 20, "{notes}");
}
