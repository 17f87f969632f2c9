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
        "licence-type-".into(),
        minewatch_domain::LicenceType::ALL
            .iter()
            .map(|t| t.as_str().to_owned())
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

/// Every string of a JSON or TOML value, recursively.
fn strings_of_json(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| strings_of_json(i, out)),
        serde_json::Value::Object(o) => o.values().for_each(|i| strings_of_json(i, out)),
        _ => {}
    }
}

/// The strings of a pack file a Mongolian page may show as written: not the English
/// half of a text the pack gives in both languages.
fn strings_of_toml(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(items) => items.iter().for_each(|i| strings_of_toml(i, out)),
        toml::Value::Table(t) => {
            let pair = t.contains_key("mn") && t.contains_key("en");
            for (key, value) in t {
                if !(pair && key == "en") {
                    strings_of_toml(value, out);
                }
            }
        }
        _ => {}
    }
}

/// The text a reader sees on a page: tags, scripts and styles removed, entities read.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tag = &rest[start..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|t| tag.starts_with(**t))
            .map(|t| format!("</{}>", &t[1..]));
        let end = match skip_to {
            Some(close) => tag.find(&close).map_or(tag.len(), |i| i + close.len()),
            None => tag.find('>').map_or(tag.len(), |i| i + 1),
        };
        rest = &tag[end..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
}

/// Runs of three or more English-looking words in `text`. Codes (with digits, `-`,
/// `_`, `.`, `/` or `@`: ids, dates, URLs, file names), hashes and the names a page
/// shows as they are (the language switch's "English", units) are not words.
fn english_runs(text: &str) -> Vec<String> {
    const ALLOWED: &[&str] = &["minewatch", "English", "KiB", "MiB", "GiB", "UTF", "CSV"];
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut close = |run: &mut Vec<&str>| {
        if run.len() >= 3 {
            runs.push(run.join(" "));
        }
        run.clear();
    };
    for token in text.split_whitespace() {
        let word = token.trim_matches(|c: char| ",.;:!?()[]«»\"'…·—–".contains(c));
        let code = word
            .chars()
            .any(|c| c.is_ascii_digit() || "-_./@=&%#".contains(c));
        let hash = word.chars().all(|c| c.is_ascii_hexdigit());
        let english = word.len() >= 2
            && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'')
            && !code
            && !hash
            && !ALLOWED.contains(&word);
        if english {
            run.push(word);
        } else {
            close(&mut run);
        }
        // A sentence ends at its full stop.
        if token.ends_with(['.', '!', '?', ':', ';']) {
            close(&mut run);
        }
    }
    close(&mut run);
    runs
}

#[tokio::test]
async fn mongolian_pages_of_every_kind_hold_no_english_sentence() {
    use minewatch_domain::{RecordKind, Role, Scope};
    use minewatch_store::ListQuery;

    let app = crate::TestApp::demo().await;
    // What people wrote (records) and what the pack says are theirs, in the language
    // they wrote them: the interface around them is what must be Mongolian.
    let mut data = Vec::new();
    let mut paths = vec![
        "/".to_owned(),
        "/gaps".to_owned(),
        "/law".to_owned(),
        "/tracker".to_owned(),
        "/observations/new".to_owned(),
        "/receipt".to_owned(),
        "/import".to_owned(),
    ];
    for kind in RecordKind::all() {
        let records = app
            .store
            .list(&ListQuery::all(kind).everything())
            .await
            .unwrap();
        for r in &records {
            strings_of_json(&r.payload, &mut data);
            data.push(r.id.to_string());
            data.push(r.label.clone());
        }
        if let Some(path) = kind.schema().list_path {
            paths.push(path.to_owned());
            paths.extend(records.iter().take(3).map(|r| format!("{path}/{}", r.id)));
        }
    }
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/mn");
    for entry in std::fs::read_dir(&pack_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let value: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            strings_of_toml(&value, &mut data);
        }
    }
    // A list names a long text by its first 80 characters.
    let starts: Vec<String> = data
        .iter()
        .filter(|s| s.chars().count() > 80)
        .map(|s| s.chars().take(80).collect())
        .collect();
    data.extend(starts);
    // Whole texts are taken out of a page; a single lowercase word (a code such as
    // `licence`) would take a word out of every sentence that has it.
    data.retain(|s| {
        s.chars().count() >= 5
            && (s.contains(char::is_whitespace) || !s.starts_with(|c: char| c.is_ascii_lowercase()))
    });
    let normal = |s: &str| -> String {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let data_words: Vec<String> = data.iter().map(|d| normal(d)).collect();
    data.sort_by_key(|s| std::cmp::Reverse(s.len()));
    data.dedup();

    let mut clients = vec![("anonymous", app.client())];
    for (name, role) in [
        ("member", Role::Member),
        ("paralegal", Role::Paralegal),
        ("lawyer", Role::Lawyer),
        ("coordinator", Role::Coordinator),
        ("admin", Role::Admin),
    ] {
        clients.push((name, app.signed_in(name, role, Scope::Workspace).await));
    }
    // The pages of findings, as their list links them.
    let admin = &clients.last().expect("clients").1;
    admin.set_cookie("lang", "mn");
    for list in ["/gaps"] {
        let body = admin.get(list).await.body;
        let mut links: Vec<String> = body
            .split("href=\"")
            .skip(1)
            .filter_map(|p| p.split('"').next())
            .filter(|h| h.starts_with(&format!("{list}/")) && !h.contains('?'))
            .map(|h| h.replace("&amp;", "&"))
            .collect();
        links.sort();
        links.dedup();
        assert!(!links.is_empty(), "{list} links to its pages");
        paths.extend(links.into_iter().take(12));
    }
    let mut found = BTreeSet::new();
    for (who, client) in &clients {
        client.set_cookie("lang", "mn");
        for path in &paths {
            let page = client.get(path).await;
            if !page.status.is_success() {
                continue;
            }
            let mut text = visible_text(&page.body);
            for d in &data {
                if text.contains(d.as_str()) {
                    text = text.replace(d.as_str(), " ");
                }
            }
            for run in english_runs(&text) {
                // Part of a text someone wrote, cut short on the page.
                let words = normal(&run);
                if !data_words.iter().any(|d| d.contains(&words)) {
                    found.insert(format!("{who} {path}: {run}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "English on Mongolian pages ({}):\n{}",
        found.len(),
        found.into_iter().collect::<Vec<_>>().join("\n")
    );
}
