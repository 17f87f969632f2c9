//! The national cadastre as it comes: the EITI map and the MRPAM listing imported with
//! their presets, mapping files, and `minewatch screen` against an independent
//! computation (geopandas and shapely 2).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use minewatch_testing::skip_or_fail;
use serde_json::Value;

use crate::{assert_exit, minewatch, stdout};

pub(crate) fn shared() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if root
        .join("mining/eiti-mongolia-licences-part1.json")
        .exists()
    {
        Some(root)
    } else {
        skip_or_fail(
            "the cadastre tests",
            "they need ../shared/data (the shared data folder beside the checkout)",
        );
        None
    }
}

/// `minewatch import licence FILE --preset PRESET` in `data`.
pub(crate) fn import_preset(data: &Path, file: &str, preset: &str) -> std::process::Output {
    minewatch(data, &["import", "licence", file, "--preset", preset])
}

pub(crate) fn parts(root: &Path) -> [PathBuf; 2] {
    [
        root.join("mining/eiti-mongolia-licences-part1.json"),
        root.join("mining/eiti-mongolia-licences-part2.json"),
    ]
}

/// The licences of the EITI files as the portal gives them.
fn eiti_rows(root: &Path) -> Vec<serde_json::Map<String, Value>> {
    parts(root)
        .iter()
        .flat_map(|p| {
            let list: Vec<Value> = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            list.into_iter()
                .map(|v| v["cordinate"].as_object().unwrap().clone())
        })
        .collect()
}

fn ledger_entries(data: &Path) -> String {
    let o = minewatch(data, &["verify"]);
    assert_exit(&o, 0);
    stdout(&o)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The exported licences: number → row (column → text).
fn exported_licences(data: &Path, dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let out = dir.join("licences.csv");
    assert_exit(
        &minewatch(
            data,
            &[
                "export",
                "licence",
                "--include-restricted",
                "-o",
                out.to_str().unwrap(),
            ],
        ),
        0,
    );
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let row: BTreeMap<String, String> = header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect();
            (row["number"].clone(), row)
        })
        .collect()
}

#[test]
fn the_eiti_map_imports_as_it_comes_with_its_preset() {
    let Some(root) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    let [one, two] = parts(&root);
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());

    // A dry run says what would happen and writes nothing.
    let before = ledger_entries(&data);
    let o = minewatch(
        &data,
        &["import", "licence", one, "--preset", "eiti", "--dry-run"],
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("would import 1000 licence row(s): 1000 new"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("would import 726 company row(s): 726 new"),
        "{}",
        stdout(&o)
    );
    assert_eq!(ledger_entries(&data), before, "a dry run writes nothing");

    let o = import_preset(&data, one, "eiti");
    assert_exit(&o, 0);
    let said = stdout(&o);
    for want in [
        "read as EITI Mongolia licence map (1000 rows)",
        "holders: 0 matched to recorded companies, 726 new",
        // The ring that touches itself, named with its licence, never silently kept.
        "feature 538 (XV-00020535): the shape was made valid as GEOS MakeValid does: a ring touches itself",
        "the file gives no status: derived from the dates as of",
        "columns kept on each licence as source attributes: APPLICATION_DATE, MINERAL_CODE, MINERAL_NAME_EN, area_name",
        // Company names in UTF-8 read as Latin-1, repaired and said.
        "→ \"Гамма-Интернэшнл\"",
        "imported 1000 licence row(s): 1000 new",
    ] {
        assert!(said.contains(want), "{want:?} in {said}");
    }
    let o = import_preset(&data, two, "eiti");
    assert_exit(&o, 0);
    // Holders of the first file are matched by registration number; the eight licences
    // both files list are the same records.
    assert!(
        stdout(&o).contains("holders: 130 matched to recorded companies, 630 new"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("imported 1000 licence row(s): 992 new, 0 corrected, 8 unchanged"),
        "{}",
        stdout(&o)
    );

    // Every licence number as issued, every holder once.
    let rows = eiti_rows(&root);
    let exported = exported_licences(&data, tmp.path());
    let numbers: BTreeSet<String> = rows
        .iter()
        .map(|r| r["LICENSE_NUMBER"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(exported.keys().cloned().collect::<BTreeSet<_>>(), numbers);
    assert_eq!(numbers.len(), 1992);
    assert!(numbers.contains("MV-00021252") && numbers.iter().any(|n| n.starts_with("ГТБХГ-")));
    let registrations: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["COMPANY_REGISTER_NUMBER"].as_str().unwrap())
        .collect();
    let companies = tmp.path().join("companies.csv");
    assert_exit(
        &minewatch(
            &data,
            &["export", "company", "-o", companies.to_str().unwrap()],
        ),
        0,
    );
    let exported_companies = csv::Reader::from_path(&companies)
        .unwrap()
        .records()
        .count();
    assert_eq!(exported_companies, registrations.len());

    // What each licence says: the place from the soum code, the area the portal
    // reports (in hectares, though its column says m²), the dates, the status from them,
    // the portal's other columns as source attributes, every part of its shape.
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .date();
    let first = &exported["MV-00021252"];
    assert_eq!(first["aimag.mn"], "Өмнөговь");
    assert_eq!(first["soum.mn"], "Гурвантэс");
    assert_eq!(first["area_ha"], "49.2816");
    assert_eq!(first["granted"], "2018-12-28");
    assert_eq!(first["minerals"], "Улаан хас /яшма/");
    let attributes: Value = serde_json::from_str(&first["source_attributes"]).unwrap();
    assert_eq!(attributes["MINERAL_NAME_EN"], "Jasper");
    assert_eq!(attributes["MINERAL_CODE"], "116");
    let mut checked = 0;
    for r in &rows {
        let number = r["LICENSE_NUMBER"].as_str().unwrap();
        let expires = r["EXPIRED_DATE"]
            .as_str()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok());
        let Some(expires) = expires else { continue };
        // A day either side of midnight in Ulaanbaatar is not worth a flaky test.
        if (expires - today).get_days().abs() <= 1 {
            continue;
        }
        let want = if expires < today {
            "expired"
        } else {
            "granted"
        };
        assert_eq!(
            exported[number]["status"], want,
            "{number} expires {expires}"
        );
        checked += 1;
    }
    assert!(checked > 1900, "{checked}");
    let repaired = &exported["XV-00020535"]["area"];
    assert!(repaired.starts_with("MULTIPOLYGON"), "{repaired}");

    // The same file again changes nothing.
    let before = ledger_entries(&data);
    let o = import_preset(&data, one, "eiti");
    assert!(
        stdout(&o).contains("1000 licence row(s): 0 new, 0 corrected, 1000 unchanged"),
        "{}",
        stdout(&o)
    );
    assert_eq!(ledger_entries(&data), before);

    // The MRPAM listing: licences already recorded get its status and area and keep
    // their place, shape and holder; the others are recorded without a place.
    let mrpam = root.join("mining/mrpam-cmcs-licences-2020-attributes.csv");
    let o = import_preset(&data, mrpam.to_str().unwrap(), "mrpam");
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("imported 2782 licence row(s): 1447 new, 1335 corrected"),
        "{}",
        stdout(&o)
    );
    let after = exported_licences(&data, tmp.path());
    let both = &after["MV-00021246"];
    assert_eq!(both["status"], "granted");
    assert!(!both["soum.mn"].is_empty() && both["area"].starts_with("MULTIPOLYGON"));
    let attributes: Value = serde_json::from_str(&both["source_attributes"]).unwrap();
    assert!(
        attributes.get("area_name").is_some() && attributes.get("type").is_some(),
        "{attributes}"
    );
}

#[test]
fn a_mapping_file_reads_any_licence_table_and_says_what_it_cannot() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    let mapping = tmp.path().join("mine.toml");
    std::fs::write(
        &mapping,
        r#"name = "A soum's list"
layout = "csv"
area_form = "wkt"
[columns]
number = "Дугаар"
holder_name = "Эзэмшигч"
holder_registration = "РД"
aimag = "Аймаг"
soum = "Сум"
status = "Төлөв"
area = "Хил"
[status]
"Хүчинтэй" = "granted"
"Цуцалсан" = "revoked"
"#,
    )
    .unwrap();
    let file = tmp.path().join("list.csv");
    std::fs::write(
        &file,
        "Дугаар,Эзэмшигч,РД,Аймаг,Сум,Төлөв,Хил,Тайлбар\n\
         MV-00012345,Алтан Хайрхан ХХК,5012345,Төв,Заамар,Хүчинтэй,\"POLYGON ((104 48, 104.1 48, 104.1 48.1, 104 48.1, 104 48))\",голын хөндий\n\
         XV-12346,Алтан Хайрхан ХХК,5012345,Төв,Заамар,Түр зогсоосон,,\n",
    )
    .unwrap();
    let o = import_preset(&data, file.to_str().unwrap(), mapping.to_str().unwrap());
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains(
            "line 3: column Төлөв: status \"Түр зогсоосон\" is not in the mapping's [status]"
        ),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("nothing was imported"),
        "{}",
        stdout(&o)
    );
    // Said what it means, the file imports whole, with its own column kept.
    let text = std::fs::read_to_string(&mapping).unwrap() + "\"Түр зогсоосон\" = \"suspended\"\n";
    std::fs::write(&mapping, text).unwrap();
    let o = import_preset(&data, file.to_str().unwrap(), mapping.to_str().unwrap());
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("imported 2 licence row(s): 2 new"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("imported 1 company row(s): 1 new"),
        "{}",
        stdout(&o)
    );
    let exported = exported_licences(&data, tmp.path());
    assert_eq!(exported["XV-12346"]["status"], "suspended");
    assert_eq!(exported["MV-00012345"]["soum.mn"], "Заамар");
    assert!(exported["MV-00012345"]["source_attributes"].contains("голын хөндий"));

    // A mapping that names a field licences do not have is refused before reading.
    std::fs::write(
        &mapping,
        "name = \"x\"\nlayout = \"csv\"\n[columns]\nnumber = \"a\"\nowner = \"b\"\n",
    )
    .unwrap();
    let o = import_preset(&data, file.to_str().unwrap(), mapping.to_str().unwrap());
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("[columns] owner: not a licence field"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The wrong preset for a file is said, not an import of nothing.
    let o = import_preset(&data, file.to_str().unwrap(), "mrpam");
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("the file has no column ")
            && stdout(&o).contains("code (for number)")
            && stdout(&o).contains("its columns are "),
        "{}",
        stdout(&o)
    );
    let o = import_preset(&data, file.to_str().unwrap(), "eiti");
    assert_exit(&o, 1);
    assert!(stdout(&o).contains("not valid JSON"), "{}", stdout(&o));
    let o = import_preset(&data, file.to_str().unwrap(), "cadastre-2019");
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected eiti, mrpam or a mapping file"));
}

/// `licence,zone_code → overlap m²` from a CSV with those columns.
fn overlaps(path: &Path) -> BTreeMap<(String, String), f64> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            (
                (r["licence"].clone(), r["zone_code"].clone()),
                r["overlap_m2"].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn screening_areas_equal_geopandas_within_a_ten_thousandth() {
    let Some(root) = shared() else { return };
    let has_geopandas = Command::new("python3")
        .args(["-c", "import geopandas, shapely, pyproj"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_geopandas {
        skip_or_fail(
            "the screening reference test",
            "it needs geopandas, shapely and pyproj (pip install geopandas)",
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let soums = root.join("boundaries/mng_adm2_soum_nso_hdx.geojson");
    let [one, two] = parts(&root);
    let ours = tmp.path().join("ours.csv");
    let o = minewatch(
        &tmp.path().join("unused"),
        &[
            "screen",
            "--licences",
            one.to_str().unwrap(),
            "--licences",
            two.to_str().unwrap(),
            "--zones",
            soums.to_str().unwrap(),
            "-o",
            ours.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    let theirs = tmp.path().join("theirs.csv");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/screen_reference.py");
    let ran = Command::new("python3")
        .arg(script)
        .arg(&theirs)
        .arg(&soums)
        .arg(&one)
        .arg(&two)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let (ours, theirs) = (overlaps(&ours), overlaps(&theirs));
    // Slivers under a square centimetre are rounding on either side.
    let real = |m: &BTreeMap<(String, String), f64>| -> BTreeSet<(String, String)> {
        m.iter()
            .filter(|(_, a)| **a >= 1e-4)
            .map(|(k, _)| k.clone())
            .collect()
    };
    assert_eq!(real(&ours), real(&theirs), "the same licence–soum pairs");
    let mut worst: f64 = 0.0;
    for (pair, want) in theirs.iter().filter(|(_, a)| **a >= 1e-4) {
        let got = ours[pair];
        let off = (got - want).abs() / want;
        assert!(off <= 1e-4, "{pair:?}: {got} m², geopandas {want} m²");
        worst = worst.max(off);
    }
    // Licences across soum borders: the real cadastre has hundreds.
    let licences: BTreeSet<&String> = ours.keys().map(|(l, _)| l).collect();
    let across = licences
        .iter()
        .filter(|l| ours.keys().filter(|(x, _)| x == **l).count() > 1)
        .count();
    assert!(across > 200, "{across} licences in more than one soum");
    eprintln!("{} pairs, worst relative difference {worst:e}", ours.len());
}

#[test]
fn screening_the_records_gives_what_screening_the_files_gives() {
    let Some(root) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    let [one, _] = parts(&root);
    let soums = root.join("boundaries/mng_adm2_soum_nso_hdx.geojson");
    assert_exit(&import_preset(&data, one.to_str().unwrap(), "eiti"), 0);
    assert_exit(
        &minewatch(&data, &["import", "zone", soums.to_str().unwrap()]),
        0,
    );
    let from_records = tmp.path().join("records.json");
    let o = minewatch(
        &data,
        &[
            "screen",
            "--format",
            "json",
            "-o",
            from_records.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    let from_files = tmp.path().join("files.json");
    assert_exit(
        &minewatch(
            &data,
            &[
                "screen",
                "--format",
                "json",
                "--licences",
                one.to_str().unwrap(),
                "--zones",
                soums.to_str().unwrap(),
                "-o",
                from_files.to_str().unwrap(),
            ],
        ),
        0,
    );
    let read = |p: &Path| -> BTreeMap<(String, String), (f64, f64)> {
        let rows: Vec<Value> = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        rows.iter()
            .map(|r| {
                (
                    (
                        r["licence"].as_str().unwrap().to_owned(),
                        r["zone_code"].as_str().unwrap().to_owned(),
                    ),
                    (
                        r["overlap_m2"].as_f64().unwrap(),
                        r["licence_area_ha"].as_f64().unwrap(),
                    ),
                )
            })
            .collect()
    };
    let (a, b) = (read(&from_records), read(&from_files));
    assert_eq!(a.len(), b.len());
    for (k, (overlap, own)) in &a {
        let (o2, own2) = b[k];
        assert!((overlap - o2).abs() <= 1e-6 * overlap.max(1.0), "{k:?}");
        assert_eq!(*own, own2, "{k:?}");
    }
    // Reported against drawn: the portal's hectares agree with the shapes.
    let rows: Vec<Value> = serde_json::from_slice(&std::fs::read(&from_records).unwrap()).unwrap();
    let differing = rows.iter().filter(|r| r["area_differs"] == true).count();
    assert!(differing * 20 < rows.len(), "{differing} of {}", rows.len());
    let one = rows.iter().find(|r| r["licence"] == "MV-00021252").unwrap();
    assert_eq!(one["zone_type"], "soum");
    assert_eq!(one["zone_code"], "4613");
    assert_eq!(one["licence_share_percent"], 100.0);
    // The same pairs as GIS layers, each with its licence's shape.
    for (format, file, source) in [
        ("gpkg", "screening.gpkg", "screening.gpkg"),
        ("shp", "screening.shp.zip", "/vsizip/screening.shp.zip"),
        ("kml", "screening.kml", "screening.kml"),
    ] {
        let path = tmp.path().join(file);
        assert_exit(
            &minewatch(
                &data,
                &["screen", "--format", format, "-o", path.to_str().unwrap()],
            ),
            0,
        );
        let source = source.replace(
            "screening",
            &tmp.path().join("screening").display().to_string(),
        );
        let Some(info) = ogrinfo(&["-ro", "-so", "-al", &source]) else {
            return;
        };
        assert!(
            info.contains(&format!("Feature Count: {}", rows.len())),
            "{format}: {info}"
        );
        let column = if format == "gpkg" { "geom" } else { "geometry" };
        let valid = ogrinfo(&[
            "-ro",
            &source,
            "-dialect",
            "sqlite",
            "-sql",
            &format!("select count(*) as n from screening where ST_IsValid({column}) = 1"),
        ])
        .unwrap();
        assert!(
            valid.contains(&format!("n (Integer) = {}", rows.len())),
            "{format}: {valid}"
        );
    }
    // A GIS format needs a file.
    let o = minewatch(&data, &["screen", "--format", "gpkg"]);
    assert!(!o.status.success());
}

/// `ogrinfo ARGS…`'s output, or `None` (with a skip or a failure) without GDAL.
fn ogrinfo(args: &[&str]) -> Option<String> {
    match Command::new("ogrinfo").args(args).output() {
        Ok(o) => {
            assert!(
                o.status.success(),
                "ogrinfo {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8_lossy(&o.stdout).into_owned())
        }
        Err(_) => {
            skip_or_fail(
                "the GIS export test",
                "it needs GDAL's ogrinfo (apt install gdal-bin)",
            );
            None
        }
    }
}

#[test]
fn geopackage_kml_and_shapefile_exports_open_in_gdal_and_import_back_unchanged() {
    let Some(root) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    let [one, _] = parts(&root);
    assert_exit(&import_preset(&data, one.to_str().unwrap(), "eiti"), 0);
    let soums = root.join("boundaries/mng_adm2_soum_nso_hdx.geojson");
    assert_exit(
        &minewatch(&data, &["import", "zone", soums.to_str().unwrap()]),
        0,
    );
    for (format, file, driver, geometry, geometry_column) in [
        ("gpkg", "licence.gpkg", "GPKG", "Multi Polygon", "geom"),
        (
            "shp",
            "licence.shp.zip",
            "ESRI Shapefile",
            "Polygon",
            "geometry",
        ),
        ("kml", "licence.kml", "KML", "", "geometry"),
    ] {
        let path = tmp.path().join(file);
        let o = minewatch(
            &data,
            &[
                "export",
                "licence",
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ],
        );
        assert_exit(&o, 0);
        let source = if format == "shp" {
            format!("/vsizip/{}", path.display())
        } else {
            path.display().to_string()
        };
        let Some(info) = ogrinfo(&["-so", "-al", &source]) else {
            return;
        };
        assert!(
            info.contains(&format!("using driver `{driver}")) || driver == "KML",
            "{info}"
        );
        assert!(info.contains("Layer name: licence"), "{info}");
        assert!(info.contains("Feature Count: 1000"), "{format}: {info}");
        assert!(
            info.contains(&format!("Geometry: {geometry}")),
            "{format}: {info}"
        );
        assert!(info.contains("WGS 84"), "{format}: {info}");
        // Every shape valid by GEOS, the holder by registration number and name.
        let valid = ogrinfo(&[
            "-ro",
            &source,
            "-dialect",
            "sqlite",
            "-sql",
            &format!("select count(*) as n from licence where ST_IsValid({geometry_column}) = 1"),
        ])
        .unwrap();
        assert!(valid.contains("n (Integer) = 1000"), "{format}: {valid}");
        let one = ogrinfo(&["-ro", &source, "-al", "-where", "number = 'MV-00021252'"]).unwrap();
        assert!(one.contains("= 3623955"), "{format}: {one}");
        assert!(one.contains("= UMNIIN GOVIIN BAYALAG"), "{format}: {one}");
        // Back in, nothing changes.
        let o = minewatch(
            &data,
            &["import", "licence", path.to_str().unwrap(), "--dry-run"],
        );
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("1000 licence row(s): 0 new, 0 corrected, 1000 unchanged"),
            "{format}: {}",
            stdout(&o)
        );
    }
    // Zones too: soum outlines of thousands of points, in a GeoPackage and a Shapefile.
    for (format, file) in [("gpkg", "zone.gpkg"), ("shp", "zone.shp.zip")] {
        let path = tmp.path().join(file);
        assert_exit(
            &minewatch(
                &data,
                &[
                    "export",
                    "zone",
                    "--format",
                    format,
                    "-o",
                    path.to_str().unwrap(),
                ],
            ),
            0,
        );
        let o = minewatch(
            &data,
            &["import", "zone", path.to_str().unwrap(), "--dry-run"],
        );
        assert!(
            stdout(&o).contains("339 zone row(s): 0 new, 0 corrected, 339 unchanged"),
            "{format}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn licence_layers_gdal_writes_import_through_a_mapping() {
    if Command::new("ogr2ogr").arg("--version").output().is_err() {
        skip_or_fail(
            "the GDAL layer test",
            "it needs GDAL's ogr2ogr (apt install gdal-bin)",
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("in.geojson");
    std::fs::write(
        &source,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"LIC_NO":"MV-00012345","OWNER":"Алтан Хайрхан ХХК","REG":"5012345","SOUM":"Заамар","AIMAG":"Төв","STATUS":"Хүчинтэй","NOTE":"голын хөндий & эрэг"},"geometry":{"type":"MultiPolygon","coordinates":[[[[104.0,48.0],[104.1,48.0],[104.1,48.1],[104.0,48.1],[104.0,48.0]],[[104.02,48.02],[104.02,48.04],[104.04,48.04],[104.04,48.02],[104.02,48.02]]],[[[104.2,48.0],[104.3,48.0],[104.3,48.1],[104.2,48.0]]]]}},
{"type":"Feature","properties":{"LIC_NO":"XV-12346","OWNER":"Алтан Хайрхан ХХК","REG":"5012345","SOUM":"Заамар","AIMAG":"Төв","STATUS":"Цуцалсан"},"geometry":{"type":"Polygon","coordinates":[[[105.0,47.0],[105.1,47.0],[105.1,47.1],[105.0,47.0]]]}}
]}"#,
    )
    .unwrap();
    for (layout, file, driver, options) in [
        ("geopackage", "lic.gpkg", "GPKG", &[][..]),
        (
            "shapefile",
            "lic.shp.zip",
            "ESRI Shapefile",
            &["-lco", "ENCODING=UTF-8"][..],
        ),
        ("kml", "lic.kml", "KML", &[][..]),
        ("kml", "lic-libkml.kml", "LIBKML", &[][..]),
    ] {
        let path = tmp.path().join(file);
        let made = Command::new("ogr2ogr")
            .args(["-f", driver])
            .args(options)
            .arg(&path)
            .arg(&source)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let mapping = tmp.path().join("m.toml");
        std::fs::write(
            &mapping,
            format!(
                "name = \"A layer from GDAL\"\nlayout = \"{layout}\"\n[columns]\nnumber = \"LIC_NO\"\nholder_name = \"OWNER\"\nholder_registration = \"REG\"\naimag = \"AIMAG\"\nsoum = \"SOUM\"\nstatus = \"STATUS\"\n[status]\n\"Хүчинтэй\" = \"granted\"\n\"Цуцалсан\" = \"revoked\"\n"
            ),
        )
        .unwrap();
        let data = tmp.path().join(format!("data-{file}"));
        assert_exit(&minewatch(&data, &["init"]), 0);
        let o = import_preset(&data, path.to_str().unwrap(), mapping.to_str().unwrap());
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("imported 2 licence row(s): 2 new"),
            "{file}: {}",
            stdout(&o)
        );
        let exported = exported_licences(&data, tmp.path());
        let first = &exported["MV-00012345"];
        assert_eq!(first["status"], "granted", "{file}");
        assert_eq!(first["soum.mn"], "Заамар", "{file}");
        // Two parts, the first with its hole.
        assert!(
            first["area"].starts_with("MULTIPOLYGON (((104 48, ")
                && first["area"].contains("), (104.02 48.02")
                && first["area"].contains(")), ((104.2 48"),
            "{file}: {}",
            first["area"]
        );
        assert!(
            first["source_attributes"].contains("голын хөндий & эрэг"),
            "{file}: {first:?}"
        );
        assert_eq!(exported["XV-12346"]["status"], "revoked", "{file}");
    }
}
