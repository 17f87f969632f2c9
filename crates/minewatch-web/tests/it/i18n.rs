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

/// Every `.rs` and `.html` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

#[test]
fn every_message_the_code_asks_for_exists() {
    let ids = message_ids("en");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    let mut built = BTreeSet::new();
    for dir in ["src", "templates"] {
        for (path, text) in sources(&root.join(dir)) {
            // Literal ids: ui.t("…"), t_count("…", …), t_args("…", …) in code and templates.
            for call in [".t(\"", ".t_count(\"", ".t_args(\""] {
                for part in text.split(call).skip(1) {
                    let id = part.split('"').next().unwrap();
                    if !ids.contains(id) {
                        missing.push(format!("{}: {id}", path.display()));
                    }
                }
            }
            // Ids built from a value: `t(&format!("prefix-{…}"))`.
            for call in [
                ".t(&format!(\"",
                ".t_count(&format!(\"",
                ".t_args(&format!(\"",
            ] {
                for part in text.split(call).skip(1) {
                    let prefix = part.split(['{', '"']).next().unwrap();
                    built.insert(prefix.to_owned());
                }
            }
        }
    }
    // Each family of built ids, with the values the code builds them from.
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    let kinds = minewatch_domain::RecordKind::all();
    values.push((
        "kind-".into(),
        kinds.iter().map(|k| k.as_str().to_owned()).collect(),
    ));
    values.push((
        "nav-".into(),
        kinds
            .iter()
            .filter_map(|k| k.schema().list_path)
            .map(|p| p[1..].to_owned())
            .collect(),
    ));
    values.push((
        "field-".into(),
        kinds
            .iter()
            .flat_map(|k| k.schema().fields)
            .map(|f| f.name.to_owned())
            .chain(["visibility".to_owned(), "field_visibility".to_owned()])
            .collect(),
    ));
    // The vocabularies a schema names its values by.
    for kind in &kinds {
        for field in kind.schema().fields {
            if let minewatch_domain::records::Vocabulary::Messages(prefix) = field.vocabulary
                && !field.choices.is_empty()
            {
                values.push((
                    prefix.to_owned(),
                    field.choices.iter().map(|c| (*c).to_owned()).collect(),
                ));
            }
        }
    }
    values.push((
        "status-".into(),
        minewatch_domain::records::LicenceStatus::ALL
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect(),
    ));
    values.push((
        "category-".into(),
        minewatch_domain::records::ObservationCategory::ALL
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect(),
    ));
    values.push((
        "gap-status-".into(),
        minewatch_domain::engine::Status::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    ));
    values.push((
        "gap-says-".into(),
        minewatch_domain::engine::Status::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    ));
    for (prefix, ids_of_family) in &values {
        for v in ids_of_family {
            let id = format!("{prefix}{v}");
            if !ids.contains(&id) {
                missing.push(format!("built: {id}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing messages: {missing:?}");
    // Families built from other values (request states, roles, error codes…) are
    // checked where those values are made: by the tests that render them, which stop
    // on a missing message (`i18n::text` panics in debug builds).
    assert!(
        built.iter().any(|p| p == "kind-") && built.iter().any(|p| p == "gap-status-"),
        "the scan finds built ids: {built:?}"
    );
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
    let files = [
        "minewatch-domain/src",
        "minewatch-store/src",
        "minewatch-web/src",
    ]
    .iter()
    .flat_map(|dir| sources(&root.join(dir)));
    for (file, text) in files {
        let file = file.display();
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
