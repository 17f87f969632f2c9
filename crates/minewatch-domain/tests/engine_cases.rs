//! The engine's data-driven cases: each file in `tests/cases/` holds facts, the duties of
//! the Mongolian pack it uses, a date, and the gaps expected, worked out by hand.
//! Every case runs; all failures are reported together.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use minewatch_domain::Pack;
use minewatch_domain::engine::{Facts, Gap, evaluate};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    duties: Vec<String>,
    as_of: Date,
    facts: Facts,
    expected: Vec<Value>,
}

fn pack_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/mn")
}

/// The Mongolian pack as shipped.
pub fn mongolian_pack() -> Pack {
    let mut files: Vec<(String, String)> = std::fs::read_dir(pack_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    Pack::from_files(&refs).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Whether a gap matches an expected entry: duty, subject, status and due always; bearer,
/// trigger and evidence where the case gives them.
fn matches(gap: &Gap, want: &Value) -> bool {
    let text = |k: &str| want.get(k).and_then(Value::as_str);
    gap.duty == text("duty").unwrap_or_default()
        && gap.subject == text("subject").unwrap_or_default()
        && gap.status.as_str() == text("status").unwrap_or_default()
        && gap.due.map(|d| d.to_string()).as_deref() == text("due")
        && text("bearer").is_none_or(|b| gap.bearer == b)
        && text("trigger").is_none_or(|t| gap.trigger.as_deref() == Some(t))
        && want
            .get("evidence")
            .is_none_or(|e| serde_json::to_value(&gap.evidence).ok().as_ref() == Some(e))
}

fn run(path: &Path, pack: &Pack) -> Result<(), String> {
    let case: Case = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .map_err(|e| format!("cannot read the case: {e}"))?;
    let mut excerpt = pack.clone();
    excerpt.duties.retain(|d| case.duties.contains(&d.id));
    if excerpt.duties.len() != case.duties.len() {
        return Err(format!("unknown duty among {:?}", case.duties));
    }
    let eval = evaluate(&excerpt, &case.facts, case.as_of);
    let mut unmatched: Vec<&Gap> = eval.gaps.iter().collect();
    let mut missing = Vec::new();
    for want in &case.expected {
        match unmatched.iter().position(|g| matches(g, want)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(want.to_string()),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let got: Vec<String> = eval
        .gaps
        .iter()
        .map(|g| {
            format!(
                "{} {} {} due {:?} bearer {} trigger {:?} evidence {:?}",
                g.duty,
                g.subject,
                g.status,
                g.due.map(|d| d.to_string()),
                g.bearer,
                g.trigger,
                g.evidence
            )
        })
        .collect();
    Err(format!(
        "{}\n    missing: {missing:?}\n    got: {got:#?}",
        case.description
    ))
}

#[test]
fn every_case_gives_the_expected_gaps() {
    let pack = mongolian_pack();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 40, "{} cases", paths.len());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| run(p, &pack).err().map(|e| format!("{}: {e}", p.display())))
        .collect();
    eprintln!("{} engine cases, {} failed", paths.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
