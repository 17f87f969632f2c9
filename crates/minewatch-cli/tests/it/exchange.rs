//! `minewatch import` and `export`: round trips, the malformed-file corpus, encoding
//! repair, idempotent re-imports, and the duty engine reading imported records.

use std::path::{Path, PathBuf};
use std::process::Command;

use minewatch_domain::RecordKind;
use minewatch_testing::skip_or_fail;

use crate::{assert_exit, minewatch, stdout};

fn demo(dir: &Path) -> PathBuf {
    let data = dir.join("demo");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    data
}

fn empty(dir: &Path, name: &str) -> PathBuf {
    let data = dir.join(name);
    assert_exit(&minewatch(&data, &["init"]), 0);
    data
}

/// The number of ledger entries, as `verify` counts them.
fn entries(data: &Path) -> usize {
    let o = minewatch(data, &["verify"]);
    assert_exit(&o, 0);
    stdout(&o)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("verify printed {}", stdout(&o)))
}

pub(crate) fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

pub(crate) fn export_all(data: &Path, format: &str, out: &Path) {
    let o = minewatch(
        data,
        &[
            "export",
            "all",
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
}

#[test]
fn the_demo_round_trips_through_csv_xlsx_and_geojson() {
    let tmp = tempfile::tempdir().unwrap();
    let source = demo(tmp.path());
    let csv1 = tmp.path().join("csv1");
    export_all(&source, "csv", &csv1);
    let exported = files(&csv1);
    // Media move with their files in bundles, not in `export all`.
    assert_eq!(
        exported.len(),
        RecordKind::all().len() - 1,
        "one file per kind"
    );
    assert!(!exported.iter().any(|f| f.0 == "media.csv"));
    let licences = String::from_utf8(
        exported
            .iter()
            .find(|f| f.0 == "licence.csv")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(
        licences.contains("MV-900101") && licences.contains("Заамар"),
        "{licences}"
    );
    // Safe by default: no reporter's name and no exact place leaves in an export.
    let observations = String::from_utf8(
        exported
            .iter()
            .find(|f| f.0 == "observation.csv")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(
        observations.contains("reporter.name"),
        "the column is there"
    );
    for secret in ["Жишээмаа", "+976 9900 0201", "48.13417", "104.58231"] {
        assert!(!observations.contains(secret), "{secret} in {observations}");
    }
    assert!(
        observations.contains(",48.1,104.6,"),
        "rounded as public views round: {observations}"
    );
    // …and only public records leave: not the coalition's or a case team's.
    for hidden in ["demo-obs-3", "demo-obs-4"] {
        assert!(!observations.contains(hidden), "{hidden} exported");
    }
    let inspections = &exported.iter().find(|f| f.0 == "inspection.csv").unwrap().1;
    assert!(!String::from_utf8_lossy(inspections).contains("demo-inspection-mv900102"));

    for format in ["csv", "xlsx", "geojson"] {
        let out1 = tmp.path().join(format!("{format}-1"));
        export_all(&source, format, &out1);
        let target = empty(tmp.path(), &format!("into-{format}"));
        let o = minewatch(&target, &["import", "all", out1.to_str().unwrap()]);
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("imported 7 licence row(s): 7 new"),
            "{}",
            stdout(&o)
        );
        // Export again: the same files (CSV byte for byte; the others read back equal).
        let back = tmp.path().join(format!("{format}-back"));
        export_all(&target, "csv", &back);
        assert_eq!(files(&back), exported, "{format} round trip");
        if format != "xlsx" {
            let out2 = tmp.path().join(format!("{format}-2"));
            export_all(&target, format, &out2);
            assert_eq!(files(&out2), files(&out1), "{format} files identical");
        }
        // Importing the same files again changes nothing.
        let before = entries(&target);
        let o = minewatch(&target, &["import", "all", out1.to_str().unwrap()]);
        assert_exit(&o, 0);
        assert!(
            stdout(&o).contains("7 licence row(s): 0 new, 0 corrected, 7 unchanged"),
            "{}",
            stdout(&o)
        );
        assert_eq!(entries(&target), before, "a re-import writes no entry");
    }

    // GeoJSON as GDAL reads it.
    let geo = tmp.path().join("geojson-1");
    match Command::new("ogrinfo").arg("--version").output() {
        Ok(_) => {
            for (file, geometry, count) in [
                ("licence.geojson", "Polygon", 7),
                ("community.geojson", "Point", 4),
                ("zone.geojson", "Polygon", 3),
            ] {
                let o = Command::new("ogrinfo")
                    .args(["-ro", "-so", "-al"])
                    .arg(geo.join(file))
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&o.stdout);
                assert!(o.status.success(), "{text}");
                assert!(text.contains(&format!("Geometry: {geometry}")), "{text}");
                assert!(text.contains(&format!("Feature Count: {count}")), "{text}");
                assert!(text.contains("EPSG\",4326"), "WGS 84: {text}");
            }
        }
        Err(_) => skip_or_fail(
            "ogrinfo (GDAL) to check GeoJSON exports",
            "apt-get install gdal-bin",
        ),
    }
}

/// The real soum and aimag boundaries (OCHA COD-AB via HDX, in `../shared/data`)
/// import as zones as they are published, re-import as unchanged, and export as
/// GeoJSON that GDAL reads as the same 339 valid soums.
#[test]
fn hdx_boundaries_import_as_zones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/boundaries");
    let soums = root.join("mng_adm2_soum_nso_hdx.geojson");
    let aimags = root.join("mng_adm1_aimag_nso_hdx.geojson");
    if !soums.exists() {
        skip_or_fail(
            "the HDX boundary import test",
            "it needs ../shared/data (the shared data folder beside the checkout)",
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = empty(tmp.path(), "zones");
    let o = minewatch(&data, &["import", "zone", soums.to_str().unwrap()]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    for want in [
        "OCHA COD-AB boundaries, level 2: read as soum zones",
        "ADM2_MN holds only question marks in 339 feature(s)",
        "removed 44 repeated consecutive position(s) from 7 feature(s)",
        "imported 339 zone row(s): 339 new",
    ] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
    let before = entries(&data);
    let o = minewatch(&data, &["import", "zone", soums.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("339 zone row(s): 0 new, 0 corrected, 339 unchanged"),
        "{}",
        stdout(&o)
    );
    assert_eq!(entries(&data), before, "a re-import writes no entry");
    let o = minewatch(&data, &["import", "zone", aimags.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("imported 22 zone row(s): 22 new"),
        "{}",
        stdout(&o)
    );

    // Into the demo, whose two soum zones have the same P-codes: they are corrected,
    // and what the file does not have (the Mongolian names) stays as recorded.
    let demo = demo(tmp.path());
    let o = minewatch(&demo, &["import", "zone", soums.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("339 zone row(s): 337 new, 2 corrected"),
        "{}",
        stdout(&o)
    );
    let csv = tmp.path().join("demo-zones.csv");
    assert_exit(
        &minewatch(
            &demo,
            &[
                "export",
                "zone",
                "--format",
                "csv",
                "-o",
                csv.to_str().unwrap(),
            ],
        ),
        0,
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let zaamar = text
        .lines()
        .find(|l| l.starts_with("demo-zone-zaamar,"))
        .expect("the demo's Zaamar");
    assert!(
        zaamar.starts_with("demo-zone-zaamar,Заамар,Zaamar,soum,4152,Төв,To'v,"),
        "{zaamar}"
    );

    let geojson = tmp.path().join("zones.geojson");
    let o = minewatch(
        &data,
        &[
            "export",
            "zone",
            "--format",
            "geojson",
            "-o",
            geojson.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    // A soum outline does not fit in a spreadsheet cell: a clear error, and no file.
    let xlsx = tmp.path().join("zones.xlsx");
    let o = minewatch(
        &data,
        &[
            "export",
            "zone",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("column boundary") && err.contains("more than the 32767"),
        "{err}"
    );
    assert!(!xlsx.exists());

    if Command::new("ogrinfo").arg("--version").output().is_err() {
        skip_or_fail(
            "ogrinfo (GDAL) to check GeoJSON exports",
            "apt-get install gdal-bin",
        );
        return;
    }
    let sql = |q: &str| {
        let o = Command::new("ogrinfo")
            .args(["-ro", "-q", "-dialect", "SQLite", "-sql", q])
            .arg(&geojson)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let counts = sql(
        "select zone_type, count(*) as n, sum(ST_IsValid(geometry)) as valid from zone group by zone_type order by zone_type",
    );
    for want in [
        "zone_type (String) = aimag",
        "n (Integer) = 22",
        "valid (Integer) = 22",
    ] {
        assert!(counts.contains(want), "{want:?} in {counts}");
    }
    for want in [
        "zone_type (String) = soum",
        "n (Integer) = 339",
        "valid (Integer) = 339",
    ] {
        assert!(counts.contains(want), "{want:?} in {counts}");
    }
    let zaamar = sql(
        "select \"name.en\" as name, \"aimag.en\" as aimag, code from zone where code = '4152' and zone_type = 'soum'",
    );
    assert!(
        zaamar.contains("name (String) = Zaamar") && zaamar.contains("aimag (String) = To'v"),
        "{zaamar}"
    );
}

#[test]
fn exporting_restricted_fields_is_explicit_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let out = tmp.path().join("obs.csv");
    let before = entries(&data);
    let o = minewatch(
        &data,
        &[
            "export",
            "observation",
            "--include-restricted",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("Жишээмаа") && text.contains("48.13417"),
        "{text}"
    );
    let shared = tmp.path().join("shared.csv");
    assert_exit(
        &minewatch(
            &data,
            &["export", "observation", "-o", shared.to_str().unwrap()],
        ),
        0,
    );
    let shared = std::fs::read_to_string(&shared).unwrap();
    assert_ne!(text, shared, "the restricted export holds more");
    assert!(
        entries(&data) > before,
        "each restricted export is an access entry in the ledger"
    );
}

/// The malformed corpus in `tests/malformed`: each file gets a report naming the
/// place and the reason, the exit code says it failed, and nothing is written.
#[test]
fn malformed_files_are_reported_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    // 200 MB of nothing, made here rather than committed.
    let huge = tmp.path().join("huge.csv");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(200_000_000).unwrap();
    let cases: &[(&str, &str, i32, &[&str])] = &[
        ("empty.csv", "licence", 2, &["the file is empty"]),
        (
            "wrong-header.csv",
            "licence",
            1,
            &["line 1, column holdr_id", "did you mean holder_id"],
        ),
        (
            "missing-required-column.csv",
            "licence",
            1,
            &["column number: a required column is missing"],
        ),
        (
            "bad-date.csv",
            "licence",
            1,
            &["line 2, column granted", "\"31.02.2020\" is not a date"],
        ),
        (
            "expires-before-granted.csv",
            "licence",
            1,
            &["line 2, column expires", "before granted"],
        ),
        (
            "unknown-company.csv",
            "licence",
            1,
            &[
                "line 2, column holder_id",
                "unknown company \"no-such-company\"",
            ],
        ),
        (
            "unknown-licence.csv",
            "consultation",
            1,
            &["line 2, column licence_id", "unknown licence \"MV-123456\""],
        ),
        (
            "bad-flag.csv",
            "consultation",
            1,
            &["line 2, column held", "expected true or false"],
        ),
        (
            "bad-number.csv",
            "licence",
            1,
            &["line 2, column area_ha", "not a number"],
        ),
        (
            "unknown-status.csv",
            "licence",
            1,
            &["line 2, column status", "expected one of applied"],
        ),
        (
            "bad-licence-number.csv",
            "licence",
            1,
            &["line 2, column number", "licence number like MV-017038"],
        ),
        (
            "broken-wkt.csv",
            "licence",
            1,
            &["line 2, column area", "ring 0 has 2 positions"],
        ),
        (
            "not-wkt.csv",
            "licence",
            1,
            &["line 2, column area", "broken geometry"],
        ),
        (
            "duplicate-rows.csv",
            "licence",
            1,
            &["line 3", "the same licence as line 2"],
        ),
        (
            "too-many-cells.csv",
            "licence",
            1,
            &["line 2, column 10", "the header has 9 columns"],
        ),
        (
            "invalid-utf8.csv",
            "company",
            2,
            &["line 3", "not UTF-8", "--encoding cp1251"],
        ),
        (
            "formula-hyperlink.csv",
            "company",
            1,
            &["line 2, column name.en", "spreadsheet formula"],
        ),
        (
            "formula-dde.csv",
            "company",
            1,
            &["line 2, column registration_number", "spreadsheet formula"],
        ),
        (
            "bad-row-among-good.csv",
            "licence",
            1,
            &["line 4, column status", "required", "nothing was imported"],
        ),
        (
            "bad-visibility.csv",
            "company",
            1,
            &["line 2, column visibility", "expected one of public"],
        ),
        (
            "unclosed-ring.geojson",
            "licence",
            1,
            &["feature 1, column area", "not closed"],
        ),
        (
            "self-crossing-ring.geojson",
            "licence",
            1,
            &[
                "feature 1, column area",
                "the edges cross themselves: ring 0 from position 0 crosses ring 0 from position 2",
            ],
        ),
        (
            "zone-without-boundary.csv",
            "zone",
            1,
            &["line 2, column boundary", "required"],
        ),
        (
            "wrong-geometry-type.geojson",
            "licence",
            2,
            &["feature 1", "a Polygon, not LineString"],
        ),
        (
            "coordinates-out-of-range.geojson",
            "licence",
            1,
            &[
                "feature 1, column area",
                "[204, 48] is not a longitude and latitude",
            ],
        ),
        ("not-json.geojson", "licence", 2, &["not valid JSON"]),
        (
            "not-a-feature-collection.geojson",
            "licence",
            2,
            &["expected a GeoJSON FeatureCollection"],
        ),
        ("not-a-workbook.xlsx", "licence", 2, &["not a spreadsheet"]),
    ];
    let listed = std::fs::read_dir(&corpus).unwrap().count();
    assert_eq!(listed, cases.len(), "every corpus file has a case");
    let before = entries(&data);
    let mut all: Vec<(PathBuf, &str, i32, &[&str])> = cases
        .iter()
        .map(|(f, k, c, want)| (corpus.join(f), *k, *c, *want))
        .collect();
    all.push((
        huge,
        "licence",
        2,
        &["the file is 200 MB", "at most 100 MB"],
    ));
    // Media move in bundles, not tables: a problem with the file, like any other.
    let media = tmp.path().join("media.csv");
    std::fs::write(&media, "id,caption\n,dust\n").unwrap();
    all.push((
        media,
        "media",
        1,
        &[
            "media cannot be imported from a table",
            "minewatch media add",
        ],
    ));
    for (path, kind, code, want) in all {
        let o = minewatch(&data, &["import", kind, path.to_str().unwrap()]);
        assert_exit(&o, code);
        let text = format!("{}{}", stdout(&o), crate::stderr(&o));
        for w in want {
            assert!(
                text.contains(w),
                "{}: expected {w:?} in:\n{text}",
                path.display()
            );
        }
    }
    assert_eq!(entries(&data), before, "no malformed file wrote anything");
}

#[test]
fn misread_cyrillic_is_repaired_and_reported_and_dry_runs_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let name = "Хөвсгөл Уул ХХК";
    let latin1: String = name.bytes().map(|b| b as char).collect();
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.decode(name.as_bytes());
    let file = tmp.path().join("companies.csv");
    std::fs::write(
        &file,
        format!("name.mn,registration_number\n{latin1},R-100\n{cp1251},R-101\nЗөв нэр ХХК,R-102\n"),
    )
    .unwrap();
    let before = entries(&data);
    let o = minewatch(
        &data,
        &["import", "company", file.to_str().unwrap(), "--dry-run"],
    );
    assert_exit(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("line 2, column name.mn: repaired text (UTF-8 read as Latin-1)"),
        "{text}"
    );
    assert!(
        text.contains("line 3, column name.mn: repaired text (UTF-8 read as Windows-1251)"),
        "{text}"
    );
    assert!(
        text.contains("would import 3 company row(s): 3 new"),
        "{text}"
    );
    assert_eq!(entries(&data), before, "a dry run writes nothing");
    let o = minewatch(&data, &["import", "company", file.to_str().unwrap()]);
    assert_exit(&o, 0);
    let out = tmp.path().join("out.csv");
    assert_exit(
        &minewatch(&data, &["export", "company", "-o", out.to_str().unwrap()]),
        0,
    );
    let exported = std::fs::read_to_string(&out).unwrap();
    assert_eq!(exported.matches(name).count(), 2, "{exported}");
    assert!(!exported.contains('Ð'), "{exported}");
    // The same rows again, now by registration number: nothing new.
    let o = minewatch(&data, &["import", "company", file.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("0 new, 0 corrected, 3 unchanged"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_engine_sees_an_imported_consultation_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let status = |data: &Path| {
        let o = minewatch(
            data,
            &[
                "gaps",
                "--format",
                "json",
                "--licence",
                "demo-licence-mv900102",
            ],
        );
        assert_exit(&o, 0);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let gaps = v.get("gaps").unwrap_or(&v).as_array().unwrap().clone();
        gaps.into_iter()
            .find(|g| g["duty"] == "mn.consultation-before-licensing")
            .map(|g| g["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(status(&data), "unverified");
    let file = tmp.path().join("consultations.csv");
    std::fs::write(
        &file,
        "date,source,licence_id,held,purpose,attendees\n01.06.2011,official-document,MV-900102,тийм,licensing,38\n",
    )
    .unwrap();
    let o = minewatch(&data, &["import", "consultation", file.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert_eq!(status(&data), "met");
}

/// Licence numbers as the cadastre issues them (eight digits, petroleum contracts),
/// areas in several parts, and one licence found by any spelling of its number: a
/// re-import with another spelling changes the same record, and other files refer to
/// it by the number as a person types it.
#[test]
fn licences_keep_their_issued_numbers_and_are_found_by_any_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let two_parts = "MULTIPOLYGON (((101.18 43.2075, 101.195 43.2075, 101.195 43.2111, 101.18 43.2075)), ((101.30 43.30, 101.31 43.30, 101.31 43.31, 101.30 43.30)))";
    let file = tmp.path().join("licences.csv");
    std::fs::write(
        &file,
        format!(
            "number,holder_id,aimag.mn,soum.mn,status,area\n\
             MV-00021252,demo-company-tuul-gold,Өмнөговь,Гурвантэс,granted,\"{two_parts}\"\n\
             ГТБХГ-18c,demo-company-tuul-gold,Дорноговь,Сайншанд,granted,\n"
        ),
    )
    .unwrap();
    let o = minewatch(&data, &["import", "licence", file.to_str().unwrap()]);
    assert_exit(&o, 0);
    let before = entries(&data);
    // The same licences typed otherwise: found, not created again.
    std::fs::write(
        &file,
        format!(
            "number,holder_id,aimag.mn,soum.mn,status,area\n\
             mv 21252,demo-company-tuul-gold,Өмнөговь,Гурвантэс,granted,\"{two_parts}\"\n\
             гтбхг-18c,demo-company-tuul-gold,Дорноговь,Сайншанд,granted,\n"
        ),
    )
    .unwrap();
    let o = minewatch(&data, &["import", "licence", file.to_str().unwrap()]);
    assert_exit(&o, 0);
    // The payload keeps the spelling of the file; the record is the same one.
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = minewatch(
        &data,
        &[
            "export",
            "licence",
            "--format",
            "geojson",
            "-o",
            out.join("l.geojson").to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    let geo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("l.geojson")).unwrap()).unwrap();
    let numbers: Vec<&str> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["number"].as_str())
        .filter(|n| n.contains("21252") || n.contains("18"))
        .collect();
    assert_eq!(numbers.len(), 2, "one record each, not two: {numbers:?}");
    assert!(
        numbers.contains(&"MV-00021252") && numbers.contains(&"ГТБХГ-18c"),
        "as issued: {numbers:?}"
    );
    let multi = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["properties"]["number"]
                .as_str()
                .is_some_and(|n| n.contains("21252"))
        })
        .unwrap();
    assert_eq!(multi["geometry"]["type"], "MultiPolygon");
    assert_eq!(
        multi["geometry"]["coordinates"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        entries(&data),
        before,
        "the same licences: nothing to change"
    );
    // A dated record names the licence as a person types its number.
    let file = tmp.path().join("violations.csv");
    std::fs::write(
        &file,
        "date,source,licence_id,found_by\n2025-05-01,official-document,MV-021252,authority\n",
    )
    .unwrap();
    let o = minewatch(&data, &["import", "violation", file.to_str().unwrap()]);
    assert_exit(&o, 0);
}

/// A cadastre file that lists a licence twice: the exact repeat is left out with a
/// note and the rest imports; two rows that say different things of one licence are
/// refused side by side, naming the fields that differ, and nothing is written.
#[test]
fn repeated_rows_are_left_out_and_conflicting_ones_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo(tmp.path());
    let file = tmp.path().join("licences.csv");
    let row = "MV-00021252,demo-company-tuul-gold,Өмнөговь,Гурвантэс,granted";
    std::fs::write(
        &file,
        format!("number,holder_id,aimag.mn,soum.mn,status\n{row}\n{row}\nXV-22000012,demo-company-tuul-gold,Өмнөговь,Гурвантэс,granted\n"),
    )
    .unwrap();
    let o = minewatch(&data, &["import", "licence", file.to_str().unwrap()]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("1 rows repeat an earlier row exactly and were left out: line 3 (as line 2)"),
        "{out}"
    );
    let before = entries(&data);
    std::fs::write(
        &file,
        "number,holder_id,aimag.mn,soum.mn,status\nMV-00030000,demo-company-tuul-gold,Өмнөговь,Гурвантэс,granted\nmv 30000,demo-company-tuul-gold,Өмнөговь,Гурвантэс,expired\n",
    )
    .unwrap();
    let o = minewatch(&data, &["import", "licence", file.to_str().unwrap()]);
    assert_exit(&o, 1);
    let err = String::from_utf8_lossy(&o.stderr).into_owned() + &stdout(&o);
    assert!(err.contains("line 2") && err.contains("status"), "{err}");
    assert_eq!(entries(&data), before, "nothing written");
    // A kind without a natural key: the repeated row is the same repeat.
    let file = tmp.path().join("violations.csv");
    let row = "2025-05-01,official-document,MV-900104,authority";
    std::fs::write(
        &file,
        format!("date,source,licence_id,found_by\n{row}\n{row}\n"),
    )
    .unwrap();
    let o = minewatch(&data, &["import", "violation", file.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("line 3 (as line 2)"), "{}", stdout(&o));
    assert_eq!(entries(&data), before + 1, "one violation, not two");
}
