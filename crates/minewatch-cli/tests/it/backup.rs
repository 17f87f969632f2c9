//! `backup` of a running instance under writes, `restore`, and a `verify` that checks
//! the database file itself and changes nothing in the directory it checks.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;

use crate::crash::{request, spawn_writers, start_serve};
use crate::exchange::{export_all, files};
use crate::{assert_exit, assert_refused, minewatch, stdout};

/// Every file under `dir` with the SHA-256 of its bytes, but SQLite's shared-memory
/// index (`-shm`), which every reader of a WAL database takes its read locks in and
/// which holds no data.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if !e.path().display().to_string().ends_with("-shm") {
                use sha2::Digest as _;
                out.insert(
                    e.path().strip_prefix(dir).unwrap().display().to_string(),
                    hex::encode(sha2::Sha256::digest(std::fs::read(e.path()).unwrap())),
                );
            }
        }
    }
    out
}

#[test]
fn a_backup_taken_under_writes_restores_verifies_and_exports_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let (mut child, addr) = start_serve(&data);
    let (acknowledged, stop, writers) = spawn_writers(&addr, 3);
    while acknowledged.lock().unwrap().len() < 40 {
        std::thread::yield_now();
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let backup = tmp.path().join("backup");
    let o = minewatch(&data, &["backup", backup.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("media file(s)"), "{}", stdout(&o));
    let during = acknowledged.lock().unwrap().len();
    // The writers went on while the snapshot was taken.
    while acknowledged.lock().unwrap().len() < during + 20 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().expect("a writer");
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // The backup is a data directory that verifies, and holds every report
    // acknowledged before it was taken.
    let o = minewatch(&backup, &["verify"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("verified"), "{}", stdout(&o));
    assert!(backup.join("blobs").exists(), "the media files are copied");
    let exported = tmp.path().join("backup-export");
    export_all(&backup, "csv", &exported);
    let reports = String::from_utf8(
        files(&exported)
            .into_iter()
            .find(|f| f.0 == "observation.csv")
            .unwrap()
            .1,
    )
    .unwrap();
    for id in &before {
        assert!(
            reports.contains(id.as_str()),
            "{id} acknowledged before the backup"
        );
    }

    // Restored elsewhere: verified, and the same records, byte for byte.
    let restored = tmp.path().join("restored");
    let o = minewatch(&restored, &["restore", backup.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("verified"), "{}", stdout(&o));
    let again = tmp.path().join("restored-export");
    export_all(&restored, "csv", &again);
    assert_eq!(files(&again), files(&exported));
    let o = minewatch(&restored, &["verify"]);
    assert_exit(&o, 0);

    // Restoring over a directory that has data is refused.
    let o = minewatch(&data, &["restore", backup.to_str().unwrap()]);
    assert_refused(&o, "is not empty");
}

/// `verify` opens the database read-only: the directory it checks (here one left by a
/// killed server, with its write-ahead log) is byte for byte the same afterwards.
#[test]
fn verify_changes_nothing_in_the_directory_it_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let (mut child, addr) = start_serve(&data);
    for i in 0..20 {
        let body = format!(
            r#"{{"observed_on":"2025-05-01","category":"dust","description":"report {i}"}}"#
        );
        assert_eq!(
            request(&addr, "POST", "/api/v1/observations", &body).map(|r| r.0),
            Some(201)
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = snapshot(&data);
    assert!(
        before.keys().any(|k| k.ends_with("-wal")),
        "a write-ahead log was left: {:?}",
        before.keys().collect::<Vec<_>>()
    );
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 0);
    assert_eq!(snapshot(&data), before, "verify changed the directory");
}

/// A database whose index pages are damaged fails `verify` even when every entry's
/// hash and signature still hold (what a file-by-file copy of a live instance gives).
#[test]
fn verify_fails_on_a_damaged_index() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let db = data.join("minewatch.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (page_size, root) = runtime.block_on(async {
        use sqlx::Row as _;
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", db.display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        // Everything into the database file, so the damage is not hidden by the log.
        sqlx::query("pragma wal_checkpoint(truncate)")
            .execute(&pool)
            .await
            .unwrap();
        let page_size: i64 = sqlx::query("pragma page_size")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        let root: i64 =
            sqlx::query("select rootpage from sqlite_master where name = 'record_kind_label'")
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
        pool.close().await;
        (page_size, root)
    });
    let mut bytes = std::fs::read(&db).unwrap();
    // Overwrite the cells of the index's root page (where its page header says they
    // start), not the header: the keys no longer match the table's rows.
    let page = ((root - 1) * page_size) as usize;
    let cells = u16::from_be_bytes([bytes[page + 5], bytes[page + 6]]) as usize;
    for b in &mut bytes[page + cells..page + page_size as usize] {
        *b ^= 0x5a;
    }
    std::fs::write(&db, bytes).unwrap();
    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("the database file is damaged"),
        "{}",
        stdout(&o)
    );
}

/// A data directory whose settings name another media folder: its backup has the files
/// in its own `blobs/` and settings that point there, not at the original.
#[test]
fn a_backup_points_at_its_own_media_and_database() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    std::fs::rename(data.join("blobs"), data.join("media")).unwrap();
    std::fs::write(
        data.join("minewatch.toml"),
        "[blobs]\npath = \"media\"\nmax_upload_mb = 50\n",
    )
    .unwrap();
    let backup = tmp.path().join("backup");
    assert_exit(&minewatch(&data, &["backup", backup.to_str().unwrap()]), 0);
    let settings = std::fs::read_to_string(backup.join("minewatch.toml")).unwrap();
    assert!(!settings.contains("media"), "{settings}");
    assert!(settings.contains("max_upload_mb = 50"), "{settings}");
    let files = |dir: &Path| snapshot(dir).len();
    assert_eq!(files(&backup.join("blobs")), files(&data.join("media")));
    assert!(files(&data.join("media")) > 0);
    let restored = tmp.path().join("restored");
    let o = minewatch(&restored, &["restore", backup.to_str().unwrap()]);
    assert_exit(&o, 0);
    // The restored instance reads its own files, at its own place.
    assert_eq!(files(&restored.join("blobs")), files(&data.join("media")));
    assert!(
        !std::fs::read_to_string(restored.join("minewatch.toml"))
            .unwrap()
            .contains("media")
    );
}
