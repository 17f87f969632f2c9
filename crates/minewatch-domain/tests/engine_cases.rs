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
    /// The pack articles the case tests (each must exist and be cited by one of its
    /// duties); the article's own source is in the pack.
    #[serde(default)]
    articles: Vec<String>,
    /// Texts the evaluation's diagnostics must say (one diagnostic each).
    #[serde(default)]
    diagnostics: Vec<String>,
}

/// The Mongolian pack as shipped (the same files `packs/mn` holds).
pub fn mongolian_pack() -> Pack {
    Pack::mongolian().unwrap_or_else(|e| panic!("{e:?}"))
}

/// Whether a gap matches an expected entry: duty, subject, status and due always; bearer,
/// trigger, evidence and (part of) the English citation where the case gives them.
fn matches(gap: &Gap, want: &Value, pack: &Pack) -> bool {
    let text = |k: &str| want.get(k).and_then(Value::as_str);
    *gap.duty == *text("duty").unwrap_or_default()
        && *gap.subject == *text("subject").unwrap_or_default()
        && gap.status.as_str() == text("status").unwrap_or_default()
        && gap.due.map(|d| d.to_string()).as_deref() == text("due")
        && text("bearer").is_none_or(|b| *gap.bearer == *b)
        && text("trigger").is_none_or(|t| gap.trigger.as_deref() == Some(t))
        && want
            .get("evidence")
            .is_none_or(|e| serde_json::to_value(&gap.evidence).ok().as_ref() == Some(e))
        && text("citation")
            .is_none_or(|c| gap.citation(pack, minewatch_domain::Lang::En).contains(c))
        && text("not_cited")
            .is_none_or(|c| !gap.citation(pack, minewatch_domain::Lang::En).contains(c))
}

fn run(path: &Path, pack: &Pack) -> Result<(), String> {
    let case: Case = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .map_err(|e| format!("cannot read the case: {e}"))?;
    let mut excerpt = pack.clone();
    excerpt.duties.retain(|d| case.duties.contains(&d.id));
    if excerpt.duties.len() != case.duties.len() {
        return Err(format!("unknown duty among {:?}", case.duties));
    }
    for a in &case.articles {
        if pack.article(a).is_none() || !excerpt.duties.iter().any(|d| d.articles.contains(a)) {
            return Err(format!(
                "article {a:?} is not in the pack or not cited by the case's duties"
            ));
        }
    }
    let eval = evaluate(&excerpt, &case.facts, case.as_of);
    for want in &case.diagnostics {
        if !eval
            .diagnostics
            .iter()
            .any(|d| d.message.contains(want.as_str()))
        {
            return Err(format!(
                "{}\n    no diagnostic says {want:?}; got {:?}",
                case.description, eval.diagnostics
            ));
        }
    }
    let mut unmatched: Vec<&Gap> = eval.gaps.iter().collect();
    let mut missing = Vec::new();
    for want in &case.expected {
        match unmatched.iter().position(|g| matches(g, want, &excerpt)) {
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

mod properties {
    use jiff::ToSpan as _;
    use jiff::civil::{Date, date};
    use minewatch_domain::engine::{Event, Facts, LicenceFact, Status, Text, evaluate};
    use proptest::prelude::*;

    const KINDS: [&str; 12] = [
        "request-sent",
        "request-answered",
        "operation-started",
        "agreement-signed",
        "emp-report-submitted",
        "violation",
        "revocation-conclusion",
        "works-started",
        "eia-conclusion",
        "community-consultation",
        "complaint-sent",
        "complaint-answered",
    ];

    fn event() -> impl Strategy<Value = Event> {
        (
            0usize..KINDS.len(),
            0usize..3,
            0i64..1500,
            any::<bool>(),
            0u8..10,
        )
            .prop_map(|(k, s, day, negative, r)| Event {
                id: "".into(),
                kind: KINDS[k].to_owned(),
                subject: format!("lic-{s}").into(),
                date: date(2022, 1, 1).checked_add(day.days()).unwrap(),
                by: None,
                to: None,
                negative: negative && r < 2,
                retracted: r == 9,
                days: None,
            })
    }

    fn facts() -> impl Strategy<Value = Facts> {
        proptest::collection::vec(event(), 0..40).prop_map(|mut events| {
            for (i, e) in events.iter_mut().enumerate() {
                e.id = format!("e{i}").into();
            }
            Facts {
                licences: (0..3)
                    .map(|i| LicenceFact {
                        id: format!("lic-{i}").into(),
                        number: None,
                        licence_type: if i == 2 { "exploration" } else { "mining" }.into(),
                        holder: Some("company".into()),
                        granted: Some(date(2022, 3, 1)),
                        expires: Some(date(2026, 3, 1)),
                        authorities: Default::default(),
                        history: Vec::new(),
                    })
                    .collect(),
                events,
                ..Facts::default()
            }
        })
    }

    fn key(g: &minewatch_domain::engine::Gap) -> (Text, Text, Option<Text>, Option<Date>, Status) {
        (
            g.duty.clone(),
            g.subject.clone(),
            g.trigger.clone(),
            g.due,
            g.status,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        /// A record about another subject never changes the gaps of existing ones.
        #[test]
        fn an_unrelated_record_changes_no_existing_gap(f in facts(), extra in event(), day in 0i64..1500) {
            let pack = super::mongolian_pack();
            let as_of = date(2022, 1, 1).checked_add(day.days()).unwrap();
            let before = evaluate(&pack, &f, as_of);
            let mut more = f.clone();
            let mut unrelated = extra;
            unrelated.id = "unrelated".into();
            unrelated.subject = "lic-unrelated".into();
            more.events.push(unrelated);
            let after = evaluate(&pack, &more, as_of);
            let after_keys: Vec<_> = after.gaps.iter().filter(|g| &*g.subject != "lic-unrelated").map(key).collect();
            let before_keys: Vec<_> = before.gaps.iter().map(key).collect();
            prop_assert_eq!(before_keys, after_keys);
        }

        /// Time passing never undoes a met duty.
        #[test]
        fn moving_as_of_forward_keeps_met_met(f in facts(), day in 0i64..1500, later in 1i64..800) {
            let pack = super::mongolian_pack();
            let as_of = date(2022, 1, 1).checked_add(day.days()).unwrap();
            let then = as_of.checked_add(later.days()).unwrap();
            let now = evaluate(&pack, &f, as_of);
            let future = evaluate(&pack, &f, then);
            for g in now.gaps.iter().filter(|g| g.status == Status::Met) {
                let same = future.gaps.iter().find(|h| h.duty == g.duty && h.subject == g.subject && h.trigger == g.trigger && h.due == g.due);
                prop_assert!(same.is_some_and(|h| h.status == Status::Met), "{:?} was met on {as_of}, then {:?} on {then}", key(g), same.map(key));
            }
        }
    }
}

/// Duties evaluated on several threads give exactly what one thread gives: the same
/// gaps in the same order and the same diagnostics.
#[test]
fn threads_change_nothing() {
    use jiff::ToSpan as _;
    use jiff::civil::date;
    use minewatch_domain::engine::{
        Event, Facts, LicenceFact, Measurement, Options, ZoneCheck, evaluate, evaluate_with,
    };

    let pack = mongolian_pack();
    // Every kind a duty reads, every standard measured, every zone checked.
    let mut kinds: Vec<String> = pack
        .duties
        .iter()
        .flat_map(|d| {
            let named = [&d.trigger, &d.before, &d.from, &d.finding, &d.consequence];
            let named: Vec<String> = named.into_iter().flatten().cloned().collect();
            named.into_iter().chain(d.action.iter().cloned())
        })
        .collect();
    kinds.push("deadline-extended".into());
    kinds.sort();
    kinds.dedup();
    let mut seed: u64 = 7;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let day = |from: jiff::civil::Date, n: usize| from.checked_add((n as i64).days()).unwrap();
    let mut facts = Facts::default();
    for i in 0..1_000 {
        facts.licences.push(LicenceFact {
            id: format!("lic-{i}").into(),
            number: None,
            licence_type: if i % 3 == 0 { "exploration" } else { "mining" }.into(),
            holder: Some(format!("company-{}", i % 40).into()),
            granted: Some(day(date(2018, 1, 1), next(1500))),
            expires: Some(day(date(2025, 1, 1), next(1500))),
            authorities: Default::default(),
            history: Vec::new(),
        });
    }
    for i in 0..3_000 {
        let s = &pack.standards[next(pack.standards.len())];
        facts.measurements.push(Measurement {
            id: format!("m{i}").into(),
            subject: format!("lic-{}", next(1_000)).into(),
            parameter: s.parameter.clone(),
            value: s.limit * (next(300) as f64) / 100.0,
            averaging: s.averaging.clone(),
            date: day(date(2020, 1, 1), next(2000)),
            retracted: next(100) == 0,
        });
    }
    for i in 0..500 {
        facts.zones.push(ZoneCheck {
            id: format!("z{i}").into(),
            licence: format!("lic-{}", next(1_000)).into(),
            zone: ["headwater", "water-protection", "forest-fund"][next(3)].into(),
            overlaps: next(4) == 0,
            date: day(date(2021, 1, 1), next(1000)),
            retracted: false,
        });
    }
    for i in 0..20_000 {
        let kind = kinds[next(kinds.len())].clone();
        let subject = if kind.starts_with("request") || kind.starts_with("deadline") {
            format!("req-{}", next(3_000))
        } else {
            format!("lic-{}", next(1_000))
        };
        facts.events.push(Event {
            id: format!("e{i}").into(),
            kind,
            subject: subject.into(),
            date: day(date(2019, 1, 1), next(2300)),
            by: None,
            to: Some(format!("auth-{}", next(20)).into()),
            negative: next(30) == 0,
            retracted: next(100) == 0,
            days: Some(next(20) as u32),
        });
    }
    // Requests sent at the end of the last year with a holiday table: their due dates
    // fall in a year without one, which the evaluation's diagnostics say, in order.
    for i in 0..40 {
        let (kind, subject) = match i % 2 {
            0 => ("request-sent", format!("req-late-{i}")),
            _ => ("opinion-requested", format!("lic-{i}")),
        };
        facts.events.push(Event {
            id: format!("late{i}").into(),
            kind: kind.into(),
            subject: subject.into(),
            date: day(date(2030, 12, 10), i / 2),
            by: None,
            to: None,
            negative: false,
            retracted: false,
            days: None,
        });
    }
    let as_of = date(2025, 6, 1);
    let one = evaluate_with(&pack, &facts, as_of, Options { threads: Some(1) });
    let warned: std::collections::BTreeSet<_> =
        one.diagnostics.iter().map(|d| d.duty.clone()).collect();
    assert!(warned.len() >= 2, "{:?}", one.diagnostics);
    let duties: std::collections::BTreeSet<&str> = one.gaps.iter().map(|g| &*g.duty).collect();
    assert!(
        duties.len() >= 20,
        "the facts reach most duties: {duties:?}"
    );
    assert!(one.gaps.len() > 10_000);
    // (Two threads several times: which duty lands on which thread varies.)
    for threads in [2, 3, 8, 2, 2] {
        let many = evaluate_with(
            &pack,
            &facts,
            as_of,
            Options {
                threads: Some(threads),
            },
        );
        let differ = one
            .gaps
            .iter()
            .zip(many.gaps.iter())
            .position(|(a, b)| a != b);
        if let Some(i) = differ {
            panic!(
                "{threads} threads: gap {i} differs:\n{:?}\n{:?}",
                one.gaps[i], many.gaps[i]
            );
        }
        assert_eq!(many.gaps.len(), one.gaps.len(), "{threads} threads");
        assert!(many == one, "{threads} threads: the diagnostics differ");
    }
    assert!(evaluate(&pack, &facts, as_of) == one);
    // Held in parts or in one, the same gaps are equal.
    let whole = minewatch_domain::engine::Gaps::from(one.gaps.iter().cloned().collect::<Vec<_>>());
    assert!(whole == one.gaps);
    // The gaps read alike by position and in turn.
    let last = one.gaps.len() - 1;
    assert!(std::ptr::eq(
        &one.gaps[last],
        one.gaps.iter().last().unwrap()
    ));
    assert!(one.gaps.get(last + 1).is_none());
}
