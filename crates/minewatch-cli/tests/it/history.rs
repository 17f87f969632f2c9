//! A licence's whole history entered through the documented import files, against the
//! findings a lawyer lists for it (`tests/data/placer-gold/expected.csv`, by hand).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::{assert_exit, minewatch, stderr, stdout};

fn data() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/placer-gold"
    ))
}

#[test]
fn a_licence_history_entered_through_imports_gives_every_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_exit(&minewatch(&dir, &["init"]), 0);
    let o = minewatch(&dir, &["import", "all", data().to_str().unwrap()]);
    assert_exit(&o, 0);
    let o = minewatch(&dir, &["gaps", "--as-of", "2024-01-01", "--format", "json"]);
    assert_exit(&o, 0);
    let got: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let expected: Vec<BTreeMap<String, String>> =
        csv::Reader::from_path(data().join("expected.csv"))
            .unwrap()
            .deserialize()
            .map(Result::unwrap)
            .collect();
    let key = |duty: &str, subject: &str, status: &str, due: &str| {
        format!("{duty} | {subject} | {status} | {due}")
    };
    let mut got_keys: Vec<String> = got
        .iter()
        .map(|g| {
            key(
                g["duty"].as_str().unwrap(),
                g["subject_name"].as_str().unwrap(),
                g["status"].as_str().unwrap(),
                g["due"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let mut want_keys: Vec<String> = expected
        .iter()
        .map(|e| key(&e["duty"], &e["subject"], &e["status"], &e["due"]))
        .collect();
    got_keys.sort();
    want_keys.sort();
    assert_eq!(
        got_keys, want_keys,
        "the findings a lawyer lists, no more, no fewer"
    );
    for e in &expected {
        let g = got
            .iter()
            .find(|g| {
                g["duty"] == e["duty"].as_str()
                    && g["subject_name"] == e["subject"].as_str()
                    && g["due"] == e["due"].as_str()
            })
            .unwrap();
        assert_eq!(g["basis"], e["basis"].as_str(), "{g}");
        let cited = g["citation"]["en"].as_str().unwrap();
        assert!(
            cited.contains(&e["citation"]),
            "{}: cites {cited:?}",
            e["duty"]
        );
        // The Mongolian explanation names records, not ids, and has no codes; the
        // Mongolian citation is written as Mongolian texts cite.
        let mn = g["explanation"]["mn"].as_str().unwrap();
        for code in [
            "lic-placer",
            "auth-",
            "licensing",
            "revocation-conclusion",
            "#",
            "Art.",
        ] {
            assert!(!mn.contains(code), "{code} in {mn}");
        }
        let cited_mn = g["citation"]["mn"].as_str().unwrap();
        assert!(
            !cited_mn.contains("Art") && !cited_mn.contains("unknown"),
            "{cited_mn}"
        );
    }
    // The 2018 publication cites the resolutions of 2018, not the 2021 law; the 2021
    // request the 2021 law, not the 2011 one.
    let cited = |duty: &str| {
        got.iter()
            .filter(|g| g["duty"] == duty)
            .map(|g| g["citation"]["en"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(" / ")
    };
    assert!(!cited("mn.licence-publication").contains("Transparency of Public Information"));
    assert!(!cited("mn.information-request-reply-2021").contains("Right to Information"));
    // A spatial duty with no layer is said once, not one gap per licence.
    let notes = stderr(&o);
    assert!(
        notes.contains("no forest-fund layer on record: 1 licence(s) not screened"),
        "{notes}"
    );
}

#[test]
fn an_unknown_event_name_is_refused_naming_the_nearest_known_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_exit(&minewatch(&dir, &["init"]), 0);
    for kind in ["authority", "company", "licence"] {
        let file = data().join(format!("{kind}.csv"));
        assert_exit(
            &minewatch(&dir, &["import", kind, file.to_str().unwrap()]),
            0,
        );
    }
    let bad = tmp.path().join("disclosure.csv");
    std::fs::write(
        &bad,
        "id,date,source,licence_id,document,found\n\
         d1,2020-10-25,official-document,lic-placer,emp-report,true\n\
         d2,2020-10-26,official-document,lic-placer,licence-published,true\n",
    )
    .unwrap();
    let o = minewatch(&dir, &["import", "disclosure", bad.to_str().unwrap()]);
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains("line 2, column document: \"emp-report\" is not a document the legal pack knows (did you mean \"emp-report-submitted\"?)"),
        "{out}"
    );
    assert!(out.contains("nothing was imported"), "{out}");
    let o = minewatch(
        &dir,
        &[
            "export",
            "disclosure",
            "-o",
            tmp.path().join("out.csv").to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("0 disclosure"), "{}", stdout(&o));
}
