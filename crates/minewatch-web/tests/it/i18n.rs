//! Both languages are complete: the same message ids, none empty, and every id the code
//! and templates ask for exists.

use std::collections::BTreeSet;
use std::path::Path;

fn message_ids(lang: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("i18n/{lang}/main.ftl"));
    let text = std::fs::read_to_string(&path).expect("reading the Fluent file");
    let mut ids = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#')
            || line.starts_with(' ')
            || line.trim().is_empty()
            || line.starts_with('}')
        {
            continue;
        }
        let (id, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("{}:{}: not `id = value`", path.display(), i + 1));
        assert!(
            !value.trim().is_empty(),
            "{}:{}: {id} is empty",
            path.display(),
            i + 1
        );
        assert!(
            ids.insert(id.to_owned()),
            "{}:{}: {id} twice",
            path.display(),
            i + 1
        );
    }
    ids
}

#[test]
fn mongolian_and_english_have_the_same_messages() {
    let mn = message_ids("mn");
    let en = message_ids("en");
    let only_en: Vec<_> = en.difference(&mn).collect();
    let only_mn: Vec<_> = mn.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_mn.is_empty(),
        "only in en: {only_en:?}; only in mn: {only_mn:?}"
    );
}

#[test]
fn every_message_the_code_asks_for_exists() {
    let ids = message_ids("en");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for dir in ["src", "templates"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Literal ids: ui.t("…") in code and templates.
            for part in text.split("ui.t(\"").skip(1) {
                let id = part.split('"').next().unwrap();
                if !ids.contains(id) {
                    missing.push(format!("{}: {id}", path.display()));
                }
            }
        }
    }
    // Ids built from domain values.
    for kind in minewatch_domain::RecordKind::all() {
        missing.extend(Some(format!("kind-{kind}")).filter(|id| !ids.contains(id)));
    }
    for (status, _) in minewatch_domain::records::LicenceStatus::ALL {
        missing.extend(Some(format!("status-{status}")).filter(|id| !ids.contains(id)));
    }
    for (category, _) in minewatch_domain::records::ObservationCategory::ALL {
        missing.extend(Some(format!("category-{category}")).filter(|id| !ids.contains(id)));
    }
    assert!(missing.is_empty(), "missing messages: {missing:?}");
}

#[test]
fn the_builtin_pack_is_valid() {
    let pack = minewatch_web::builtin_pack();
    assert_eq!(pack.info.code, "mn");
    assert!(pack.authority_type("soum-governor").is_some());
}

#[test]
fn every_field_error_code_is_translated() {
    let ids = message_ids("en");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut missing = Vec::new();
    for file in [
        "minewatch-domain/src/record.rs",
        "minewatch-store/src/records.rs",
        "minewatch-store/src/ledger.rs",
        "minewatch-web/src/pages.rs",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        // `FieldError::new(field, "code", …)`, possibly across lines.
        for part in text.split("FieldError::new(").skip(1) {
            // The second argument, when it is a literal, is the code.
            let Some(code) = part
                .split(',')
                .nth(1)
                .map(str::trim)
                .and_then(|arg| arg.strip_prefix('"'))
                .and_then(|arg| arg.split('"').next())
            else {
                continue;
            };
            if !ids.contains(&format!("error-{code}")) {
                missing.push(format!("{file}: error-{code}"));
            }
        }
    }
    assert!(missing.is_empty(), "untranslated field errors: {missing:?}");
}
