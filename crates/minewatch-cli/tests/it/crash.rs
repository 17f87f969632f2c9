//! `serve` under signals: SIGTERM shuts down gracefully; SIGKILL in the middle of writes
//! loses no acknowledged write and leaves a ledger that verifies.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use minewatch_domain::RecordId;
use minewatch_store::DataDir;

use crate::{BIN, assert_exit, minewatch};

/// Starts `serve` on a free port and returns it with its address.
pub(crate) fn start_serve(data: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--intake-limit",
            "1000000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting serve");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .expect("serve prints its address")
        .expect("reading serve's output");
    let addr = first
        .strip_prefix("minewatch is serving http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// One HTTP/1.1 request on a fresh connection; the status and body, or None if the
/// connection failed (the server is gone).
pub(crate) fn request(addr: &str, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_owned();
    Some((status, body))
}

/// What the writers have had acknowledged, the flag that stops them, and their threads.
pub(crate) type Writers = (
    Arc<Mutex<Vec<String>>>,
    Arc<AtomicBool>,
    Vec<std::thread::JoinHandle<()>>,
);

/// `n` threads that post anonymous reports to `addr` until stopped or until the server
/// is gone, each acknowledged id kept.
pub(crate) fn spawn_writers(addr: &str, n: usize) -> Writers {
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers = (0..n)
        .map(|w| {
            let (addr, acknowledged, stop) = (addr.to_owned(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let body = format!(
                        r#"{{"observed_on":"2025-05-01","category":"dust","description":"writer {w} report {i}","licence_id":"demo-licence-mv900101"}}"#
                    );
                    match request(&addr, "POST", "/api/v1/observations", &body) {
                        Some((201, body)) => {
                            let v: serde_json::Value = serde_json::from_str(&body).expect("a JSON reply");
                            acknowledged.lock().unwrap().push(v["id"].as_str().unwrap().to_owned());
                        }
                        Some((status, body)) => panic!("unexpected {status}: {body}"),
                        None => break, // the server was killed
                    }
                }
            })
        })
        .collect();
    (acknowledged, stop, writers)
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["init"]), 0);
    let (mut child, addr) = start_serve(&data);
    assert_eq!(
        request(&addr, "GET", "/healthz", "").map(|r| r.1),
        Some("ok".to_owned())
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "serve exits cleanly on SIGTERM");
}

#[test]
fn sigkill_during_writes_keeps_every_acknowledged_write() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);
    let (mut child, addr) = start_serve(&data);

    let (acknowledged, stop, writers) = spawn_writers(&addr, 4);
    // Kill once enough writes were acknowledged, while the writers keep writing.
    loop {
        let n = acknowledged.lock().unwrap().len();
        if n >= 150 {
            break;
        }
        std::thread::yield_now();
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().expect("a writer thread");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 150);

    let o = minewatch(&data, &["verify"]);
    assert_exit(&o, 0);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = DataDir::open(&data)
            .unwrap()
            .open_store(None)
            .await
            .unwrap();
        for id in &acknowledged {
            let id = RecordId::parse(id).unwrap();
            let r = store
                .get(&id)
                .await
                .unwrap_or_else(|e| panic!("acknowledged report {id} lost: {e}"));
            assert!(
                r.payload["description"]
                    .as_str()
                    .unwrap()
                    .starts_with("writer ")
            );
        }
        let (entries, _) = store.ledger_size().await.unwrap();
        assert!(entries as usize >= 48 + acknowledged.len());
        store.close().await;
    });
    // The projections agree with the ledger after the crash.
    let o = minewatch(&data, &["rebuild"]);
    assert_exit(&o, 0);
    assert!(
        crate::stdout(&o).contains("projections identical to before"),
        "{}",
        crate::stdout(&o)
    );
}
