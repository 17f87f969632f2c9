//! The demo's licences lie where they claim to: inside the real boundary of their soum
//! (OCHA/HDX administrative boundaries in `../shared/data`).

use serde_json::Value;

fn ring_contains(ring: &[Value], lon: f64, lat: f64) -> bool {
    let mut inside = false;
    let points: Vec<(f64, f64)> = ring
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    for i in 0..points.len() {
        let (x1, y1) = points[i];
        let (x2, y2) = points[(i + points.len() - 1) % points.len()];
        if (y1 > lat) != (y2 > lat) && lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1 {
            inside = !inside;
        }
    }
    inside
}

#[test]
fn demo_licences_lie_inside_their_soums() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/boundaries");
    let path = root.join("mng_adm2_soum_nso_hdx.geojson");
    let Ok(text) = std::fs::read_to_string(&path) else {
        minewatch_testing::skip_or_fail(
            "the demo geography test",
            "it needs ../shared/data (the shared data folder beside the checkout)",
        );
        return;
    };
    let soums: Value = serde_json::from_str(&text).unwrap();
    // The boundary file spells soums in its own transliteration.
    let boundary = |name: &str| -> Vec<Value> {
        let feature = soums["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["ADM2_EN"] == name)
            .unwrap_or_else(|| panic!("no soum {name} in the boundaries"));
        let geometry = &feature["geometry"];
        let outer = if geometry["type"] == "Polygon" {
            &geometry["coordinates"][0]
        } else {
            &geometry["coordinates"][0][0]
        };
        outer.as_array().unwrap().clone()
    };
    let demo: Value = serde_json::from_str(include_str!("../../demo/workspace.json")).unwrap();
    let mut checked = 0;
    for record in demo["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "licence")
    {
        let soum = match record["payload"]["soum"]["en"].as_str().unwrap() {
            "Zaamar" => "Zaamar",
            "Erdenetsagaan" => "Erdenecagaan",
            other => panic!("unexpected soum {other}"),
        };
        let ring = boundary(soum);
        for p in record["payload"]["area"]["coordinates"][0]
            .as_array()
            .unwrap()
        {
            let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            assert!(
                ring_contains(&ring, lon, lat),
                "{} corner {lon},{lat} is outside {soum}",
                record["id"]
            );
        }
        // And not inside the other soum.
        let other = boundary(if soum == "Zaamar" {
            "Erdenecagaan"
        } else {
            "Zaamar"
        });
        let p = &record["payload"]["area"]["coordinates"][0][0];
        assert!(!ring_contains(
            &other,
            p[0].as_f64().unwrap(),
            p[1].as_f64().unwrap()
        ));
        checked += 1;
    }
    assert!(checked >= 5);
}
