//! init, demo, verify, rebuild and their errors.

use minewatch_testing::PgServer;

use crate::{assert_exit, minewatch, stderr, stdout};

#[test]
fn help_is_there_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        &["--help"][..],
        &["init", "--help"],
        &["serve", "--help"],
        &["demo", "--help"],
        &["verify", "--help"],
        &["rebuild", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
        &["user", "set-role", "--help"],
        &["user", "reset-password", "--help"],
        &["import", "--help"],
        &["export", "--help"],
        &["requests", "--help"],
    ] {
        let o = minewatch(dir.path(), cmd);
        assert_exit(&o, 0);
        assert!(stdout(&o).contains("Usage:"), "{cmd:?}");
    }
}

#[test]
fn init_demo_verify_rebuild_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = minewatch(&data, &["init"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("created data directory"));
    assert!(
        stdout(&o).contains("admin login: admin / "),
        "{}",
        stdout(&o)
    );
    let key = data.join("device.key");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600,
        "the key is private"
    );
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let o = minewatch(&data, &["init"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("exists already"));

    let o = minewatch(&data, &["demo", "--no-serve"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("loaded the demo workspace: 68 records"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("added the demo's evidence photo"),
        "{}",
        stdout(&o)
    );
    let o = minewatch(&data, &["demo", "--no-serve"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("loaded already"));

    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 0);
    assert_eq!(
        stdout(&o).trim(),
        "69 entries from 1 devices verified",
        "running demo twice adds nothing (68 records and the photo)"
    );

    let o = minewatch(&data, &["rebuild"]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("rebuilt 69 records from 69 entries"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("projections identical to before"));
}

#[tokio::test]
async fn verify_names_a_tampered_entry_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", data.join("minewatch.db").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    // Change one letter of a stored licence: MV-900101 becomes MV-900109.
    let r = sqlx::query("update entry set body = cast(replace(body, 'MV-900101', 'MV-900109') as blob) where record_id = 'demo-licence-mv900101'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    pool.close().await;
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("verification FAILED at entry #"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("does not match its hash"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn missing_or_broken_data_directories_get_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    for cmd in ["verify", "rebuild", "serve"] {
        let o = minewatch(&missing, &[cmd]);
        assert_exit(&o, 2);
        assert!(
            stderr(&o).contains("no data directory at"),
            "{cmd}: {}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("minewatch init"), "it says what to do");
    }

    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let o = minewatch(&not_a_dir, &["verify"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("is not a directory"));

    let occupied = tmp.path().join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("thesis.odt"), "years of work").unwrap();
    let o = minewatch(&occupied, &["init"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not empty and is not a minewatch data directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_dir(&occupied).unwrap().count(),
        1,
        "nothing was added"
    );

    let no_key = tmp.path().join("nokey");
    std::fs::create_dir(&no_key).unwrap();
    let o = minewatch(&no_key, &["verify"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("has no device key"), "{}", stderr(&o));

    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    std::fs::write(data.join("device.key"), "not hex\n").unwrap();
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("is not a device key"), "{}", stderr(&o));

    let data = tmp.path().join("corrupt");
    assert_exit(&minewatch(&data, &["init"]), 0);
    std::fs::write(data.join("minewatch.db"), vec![0x5a; 8192]).unwrap();
    // `verify` says the file is damaged (that is its answer, exit 1); other commands
    // cannot open it.
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("the database file is damaged"),
        "{}",
        stdout(&o)
    );
    let o = minewatch(&data, &["user", "list"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("cannot open the database"),
        "{}",
        stderr(&o)
    );

    let data = tmp.path().join("deleted");
    assert_exit(&minewatch(&data, &["init"]), 0);
    std::fs::remove_file(data.join("minewatch.db")).unwrap();
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("database") && stderr(&o).contains("is missing"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_same_commands_on_postgresql() {
    let Some(server) = PgServer::start() else {
        return;
    };
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(server.create_database());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["--database", &url, "init"]), 0);
    assert!(
        !data.join("minewatch.db").exists(),
        "no SQLite file when PostgreSQL is configured"
    );
    // Later commands find the database in the data directory's settings.
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 0);
    assert_eq!(stdout(&o).trim(), "69 entries from 1 devices verified");
    let o = minewatch(&data, &["rebuild"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("projections identical to before"));
    let o = minewatch(
        &data,
        &[
            "--database",
            "postgres://postgres@127.0.0.1:1/none",
            "verify",
        ],
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("cannot open the database postgres://postgres@127.0.0.1:1/none"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn pack_check_accepts_the_mongolian_pack_and_names_each_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let mn = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/mn");
    let o = minewatch(tmp.path(), &["pack", "check", mn.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("pack mn 0.1.0 is valid"),
        "{}",
        stdout(&o)
    );

    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    let text = std::fs::read_to_string(mn.join("pack.toml")).unwrap();
    let broken = text.replacen("en = \"Soum Governor\"", "", 1).replacen(
        "level = \"aimag\"",
        "level = \"province\"",
        1,
    );
    std::fs::write(bad.join("pack.toml"), broken).unwrap();
    let o = minewatch(tmp.path(), &["pack", "check", bad.to_str().unwrap()]);
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains("pack.toml:") && out.contains("authority_type.name"),
        "{out}"
    );
    assert!(
        out.contains("authority_type.level") && out.contains("\"province\""),
        "{out}"
    );
    assert!(out.contains("2 problem(s)"), "{out}");

    // A full copy of the pack, broken in several files, gets a precise error for each.
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&mn).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
        }
    }
    let edit = |file: &str, from: &str, to: &str| {
        let path = copy.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "duties.toml",
        "articles = [\"minerals-22.1\"]",
        "articles = [\"minerals-99.9\"]",
    );
    edit(
        "duties.toml",
        "bearer = \"ministry-of-environment\"",
        "bearer = \"the-khan\"",
    );
    edit("laws.toml", "law = \"water-law\"", "law = \"no-such-law\"");
    edit(
        "calendar.toml",
        "date = \"2030-12-29\"",
        "date = \"2030-12-28\"",
    );
    edit(
        "duties.toml",
        "standard = \"mns4586.nh4\"",
        "standard = \"mns4586.mercury\"",
    );
    let o = minewatch(tmp.path(), &["pack", "check", copy.to_str().unwrap()]);
    assert_exit(&o, 1);
    let out = stdout(&o);
    for want in [
        "duties.toml:",
        "duty.articles: \"mn.exploration-extension\": unknown article \"minerals-99.9\"",
        "duty.bearer: \"mn.revocation-repeat-violations\": unknown bearer \"the-khan\"",
        "laws.toml:",
        "article.law: \"water-28\": unknown law \"no-such-law\"",
        "duty.standard: \"mn.water-ammonium-inspection\": unknown standard \"mns4586.mercury\"",
        "4 problem(s)",
    ] {
        assert!(out.contains(want), "{want} missing in:\n{out}");
    }
    // Each problem names its line.
    for line in out.lines().filter(|l| l.contains(".toml:")) {
        let after = line.split(".toml:").nth(1).unwrap();
        assert!(
            after.split(':').next().unwrap().parse::<usize>().is_ok(),
            "no line in {line}"
        );
    }

    let o = minewatch(
        tmp.path(),
        &["pack", "check", tmp.path().join("none").to_str().unwrap()],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("reading"), "{}", stderr(&o));
}

/// The one-time password a command printed after `marker`.
fn printed_password(out: &str, marker: &str) -> String {
    let start = out
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {out}"))
        + marker.len();
    out[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn users_and_roles_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = minewatch(&data, &["init"]);
    assert_exit(&o, 0);
    let admin_password = printed_password(&stdout(&o), "admin login: admin / ");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);

    let o = minewatch(
        &data,
        &[
            "user",
            "add",
            "saraa",
            "--role",
            "coordinator",
            "--community",
            "demo-community-zaamar-tuul",
            "--name",
            "Сараа",
        ],
    );
    assert_exit(&o, 0);
    let one_time = printed_password(&stdout(&o), "one-time password: ");
    // Bad input: a clear message, exit 2, nothing created.
    for (args, says) in [
        (
            &["user", "add", "x1", "--role", "boss"][..],
            "unknown role \"boss\"",
        ),
        (
            &[
                "user",
                "add",
                "x2",
                "--role",
                "member",
                "--community",
                "no-such",
            ],
            "no community with id no-such",
        ),
        (&["user", "add", "Bad Name", "--role", "member"], "username"),
        (
            &["user", "add", "saraa", "--role", "member"],
            "exists already",
        ),
        (
            &["user", "set-role", "nobody", "member"],
            "no account named \"nobody\"",
        ),
        (&["user", "reset-password", "nobody"], "no account named"),
    ] {
        let o = minewatch(&data, args);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let o = minewatch(&data, &["user", "list"]);
    assert_exit(&o, 0);
    let list = stdout(&o);
    assert!(
        list.contains("saraa")
            && list.contains("coordinator (community demo-community-zaamar-tuul)"),
        "{list}"
    );
    assert!(list.contains("[one-time password]"));
    for name in [
        "admin",
        "coordinator",
        "paralegal",
        "lawyer",
        "monitor",
        "member",
    ] {
        assert!(
            list.contains(&format!("demo-{name} ")),
            "the demo has a {name}: {list}"
        );
    }
    assert!(!list.contains("x1") && !list.contains("x2"));

    let o = minewatch(&data, &["user", "set-role", "saraa", "lawyer"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("saraa is now lawyer (workspace)"));
    let o = minewatch(&data, &["user", "reset-password", "saraa"]);
    assert_exit(&o, 0);
    let reset = printed_password(&stdout(&o), "one-time password for saraa: ");

    // The printed passwords are the real ones.
    let dir = minewatch_store::DataDir::open(&data).unwrap();
    let store = dir.open_store(None).await.unwrap();
    let now = 0;
    use minewatch_store::LoginOutcome::{Success, WrongCredentials};
    assert!(
        matches!(store.login("admin", &admin_password, now).await.unwrap(), Success(a) if a.must_change_password)
    );
    assert_eq!(
        store.login("saraa", &one_time, now).await.unwrap(),
        WrongCredentials
    );
    match store.login("saraa", &reset, now).await.unwrap() {
        Success(a) => {
            assert!(a.must_change_password);
            assert_eq!(a.grants.len(), 1);
            assert_eq!(a.grants[0].role, minewatch_domain::Role::Lawyer);
        }
        other => panic!("{other:?}"),
    }
    store.close().await;
}

#[test]
fn deadline_prints_the_due_date_and_how_it_was_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let o = minewatch(
        tmp.path(),
        &[
            "deadline",
            "--pack",
            "../../packs/mn",
            "--from",
            "2025-07-08",
            "--working-days",
            "10",
        ],
    );
    assert_exit(&o, 0);
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2025-07-28"), "{out}");
    assert!(
        out.contains("skipping 10–15 Jul 2025 (Naadam) and 4 weekend days"),
        "{out}"
    );
    let o = minewatch(
        tmp.path(),
        &["deadline", "--from", "2025-06-10", "--days", "30"],
    );
    assert_exit(&o, 0);
    assert!(stdout(&o).starts_with("2025-07-16\n"), "{}", stdout(&o));
    assert!(stdout(&o).contains("is not a working day"));
    let o = minewatch(
        tmp.path(),
        &["deadline", "--from", "2025-13-01", "--days", "3"],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("2025-13-01"), "{}", stderr(&o));
}

#[test]
fn gaps_from_records_and_a_facts_file_in_three_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let facts = tmp.path().join("facts.json");
    std::fs::write(
        &facts,
        r#"{"events": [
            {"id": "req-1-sent", "kind": "request-sent", "subject": "req-1", "date": "2025-07-08", "to": "demo-auth-zaamar-governor"},
            {"id": "op-1", "kind": "operation-started", "subject": "demo-licence-mv900101", "date": "2024-01-10"}
        ]}"#,
    )
    .unwrap();
    let f = facts.to_str().unwrap();
    let o = minewatch(
        &data,
        &[
            "gaps",
            "--as-of",
            "2025-08-01",
            "--facts",
            f,
            "--format",
            "json",
        ],
    );
    assert_exit(&o, 0);
    let gaps: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let gaps = gaps.as_array().unwrap();
    let request = gaps
        .iter()
        .find(|g| g["duty"] == "mn.information-request-reply-2021" && g["subject"] == "req-1")
        .expect("the request's gap");
    for key in [
        "duty",
        "status",
        "bearer",
        "subject",
        "trigger",
        "due",
        "due_derivation",
        "citation",
        "explanation",
        "evidence",
        "next_step",
        "basis",
        "basis_note",
        "confidence",
        "subject_name",
        "bearer_name",
        "on",
    ] {
        assert!(request.get(key).is_some(), "{key} missing: {request}");
    }
    // The basis travels with the finding: the request deadline is a policy default.
    assert_eq!(request["basis"], "policy");
    assert!(
        request["basis_note"]["en"]
            .as_str()
            .unwrap()
            .contains("not in our sources")
    );
    assert!(
        request["basis_note"]["mn"]
            .as_str()
            .unwrap()
            .contains("эх сурвалжид алга")
    );
    assert_eq!(request["confidence"], "low");
    // Records by what people call them, and the law of the sending day.
    assert_eq!(request["on"], "2025-07-08");
    assert!(
        !request["bearer_name"]
            .as_str()
            .unwrap()
            .starts_with("demo-"),
        "{request}"
    );
    assert!(
        request["citation"]["en"]
            .as_str()
            .unwrap()
            .contains("Transparency of Public Information"),
        "{request}"
    );
    assert!(
        !request["explanation"]["mn"]
            .as_str()
            .unwrap()
            .contains("demo-auth"),
        "{request}"
    );
    assert_eq!(request["status"], "overdue");
    assert_eq!(request["bearer"], "demo-auth-zaamar-governor");
    assert_eq!(request["due"], "2025-07-23");
    assert!(
        request["due_derivation"]
            .as_str()
            .unwrap()
            .contains("Naadam")
    );
    assert!(
        request["explanation"]["mn"]
            .as_str()
            .unwrap()
            .contains("Хугацаа хэтэрсэн")
    );
    // The licence and the signed agreement from the records and the fact from the
    // file meet in one gap.
    assert!(gaps.iter().any(|g| g["duty"] == "mn.local-agreement"
        && g["subject"] == "demo-licence-mv900101"
        && g["status"] == "met"
        && g["evidence"] == serde_json::json!(["op-1", "demo-agreement-mv900101"])));

    let o = minewatch(
        &data,
        &[
            "gaps",
            "--as-of",
            "2025-08-01",
            "--facts",
            f,
            "--status",
            "overdue",
            "--format",
            "csv",
        ],
    );
    assert_exit(&o, 0);
    let csv = stdout(&o);
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with(
        "duty,status,basis,confidence,bearer,bearer_name,subject,subject_name,trigger,on,due"
    ));
    assert_eq!(rows.len(), 2, "only the overdue request: {csv}");
    assert!(rows[1].starts_with("mn.information-request-reply-2021,overdue,"));
    let o = minewatch(
        &data,
        &[
            "gaps",
            "--as-of",
            "2025-08-01",
            "--licence",
            "demo-licence-xv900201",
            "--all",
        ],
    );
    assert_exit(&o, 0);
    // The table names the licence by its number; the licence is found by the number
    // as people type it too.
    let by_id = stdout(&o);
    let rows: Vec<&str> = by_id.lines().filter(|l| l.contains(" mn.")).collect();
    assert!(!rows.is_empty(), "{by_id}");
    assert!(rows.iter().all(|l| l.contains("XV-900201")), "{by_id}");
    let o = minewatch(
        &data,
        &[
            "gaps",
            "--as-of",
            "2025-08-01",
            "--licence",
            "xv 900201",
            "--all",
        ],
    );
    assert_exit(&o, 0);
    assert_eq!(stdout(&o), by_id);
    let o = minewatch(&data, &["gaps", "--licence", "MV-12345678"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("no licence with that number"),
        "{}",
        stderr(&o)
    );
    let o = minewatch(&data, &["gaps", "--status", "late"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("unknown status \"late\""),
        "{}",
        stderr(&o)
    );
    std::fs::write(&facts, "{\"events\": [\n {\"id\": 1}\n]}").unwrap();
    let o = minewatch(&data, &["gaps", "--facts", f]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("facts.json:2:"),
        "file and line: {}",
        stderr(&o)
    );
}

/// The demo's requests, each where its steps and the pack's calendar put it, with the
/// fields a script needs and the due date's derivation.
#[test]
fn requests_lists_states_due_dates_and_derivations() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let o = minewatch(
        &data,
        &["requests", "--as-of", "2026-11-26", "--format", "json"],
    );
    assert_exit(&o, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    let get = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    for r in &rows {
        for key in ["id", "authority", "status", "sent", "due", "due_derivation"] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
    }
    let overdue = get("demo-request-licences");
    assert_eq!(overdue["status"], "overdue");
    assert_eq!(overdue["authority"], "demo-auth-mrpam");
    assert_eq!(
        (overdue["sent"].as_str(), overdue["due"].as_str()),
        (Some("2026-11-09"), Some("2026-11-19"))
    );
    assert_eq!(
        overdue["due_derivation"],
        "Mon 9 Nov 2026 + 7 working days, skipping 10 Nov 2026 (Chinggis Khaan Day) and 2 weekend days → Thu 19 Nov 2026"
    );
    // On paper the clock starts at the stamped delivery; long silence is very overdue.
    let minutes = get("demo-request-minutes");
    assert_eq!(
        (minutes["status"].as_str(), minutes["sent"].as_str()),
        (Some("very_overdue"), Some("2026-10-01"))
    );
    let emp = get("demo-request-emp");
    assert_eq!(emp["status"], "answered");
    assert!(
        emp["due_derivation"]
            .as_str()
            .unwrap()
            .ends_with("; extended on 2025-11-10 by 5 working days, to 2025-11-19")
    );
    assert_eq!(get("demo-request-complaint")["status"], "draft");
    assert_eq!(get("demo-request-water")["status"], "internal_review");
    // Earlier, the MRPAM request was still within its time.
    let o = minewatch(
        &data,
        &[
            "requests",
            "--as-of",
            "2026-11-12",
            "--status",
            "sent",
            "--format",
            "json",
        ],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "demo-request-licences");
    let o = minewatch(&data, &["requests", "--status", "late"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("unknown status \"late\": expected one of draft")
    );
    let o = minewatch(&data, &["requests", "--as-of", "2026-11-26"]);
    assert!(
        stdout(&o).contains("5 request(s) as of 2026-11-26"),
        "{}",
        stdout(&o)
    );
}
