//! `cargo bench -p minewatch-cli --bench load`: the pages a user waits on, under load, in
//! a workspace of 100,000 records. It builds a data directory with the release binary
//! (the demo, then 500 companies, 20,000 licences with polygons over ten soums, 60,000
//! field reports and 20,000 violations and inspections, imported as files), serves it,
//! and runs `wrk -c64` against `/`, `/gaps`, `/licences`, a licence page and a company
//! page, as an anonymous visitor. For each it prints requests per second, the 50th and
//! 99th percentile latency, errors (socket errors, timeouts and non-2xx answers) and the
//! bytes sent per answer; and the server's memory (VmRSS sampled every 100 ms, and
//! VmHWM). Goal: 0 errors, p99 under 200 ms, RSS under 300 MB throughout.
//!
//! `MINEWATCH_LOAD_SECONDS` sets each run's length (default 30),
//! `MINEWATCH_LOAD_RECORDS=small` builds a tenth of the workspace, and
//! `MINEWATCH_LOAD_DATA=DIR` keeps (and reuses) the data directory, `MINEWATCH_BIN`
//! runs another build of the binary (an older one, for a before-and-after),
//! `MINEWATCH_LOAD_PATHS=/a,/b` loads more pages and `MINEWATCH_LOAD_CONNECTIONS` sets
//! wrk's connections (default 64).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod common;
use common::polygon;

/// The binary under test: this build's, or `MINEWATCH_BIN` (to run an older build
/// side by side).
fn bin() -> String {
    std::env::var("MINEWATCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_minewatch").to_owned())
}

const SOUMS: [(&str, &str, &str, &str); 10] = [
    ("Төв", "Töv", "Заамар", "Zaamar"),
    ("Төв", "Töv", "Баян-Өнжүүл", "Bayan-Önjüül"),
    ("Төв", "Töv", "Лүн", "Lün"),
    ("Төв", "Töv", "Угтаалцайдам", "Ugtaaltsaidam"),
    ("Сэлэнгэ", "Selenge", "Мандал", "Mandal"),
    ("Сэлэнгэ", "Selenge", "Ерөө", "Yeröö"),
    ("Булган", "Bulgan", "Рашаант", "Rashaant"),
    ("Дорноговь", "Dornogovi", "Эрдэнэ", "Erdene"),
    ("Өмнөговь", "Ömnögovi", "Ханбогд", "Khanbogd"),
    ("Сүхбаатар", "Sükhbaatar", "Эрдэнэцагаан", "Erdenetsagaan"),
];

fn minewatch(data: &Path, args: &[&str]) -> String {
    let out = Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running minewatch");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect();
    quoted.join(",") + "\n"
}

/// Builds the workspace; returns (a busy licence's id, the biggest holder's id).
fn build(data: &Path, scale: usize) -> (String, String) {
    let companies = 500 / scale;
    let licences = 20_000 / scale;
    let reports = 60_000 / scale;
    let case_records = 20_000 / scale;
    let files = data.with_extension("files");
    std::fs::create_dir_all(&files).unwrap();
    minewatch(data, &["demo", "--no-serve"]);

    let mut text = csv_line(&["id", "name.mn", "name.en", "registration_number"].map(String::from));
    for c in 0..companies {
        text += &csv_line(&[
            format!("load-company-{c}"),
            format!("Уурхай {c} ХХК"),
            format!("Mine {c} LLC"),
            format!("{:07}", 5_000_000 + c),
        ]);
    }
    let file = files.join("company.csv");
    std::fs::write(&file, text).unwrap();
    minewatch(data, &["import", "company", file.to_str().unwrap()]);

    // Holders as in a real cadastre: a few hold many, most hold a few.
    let holder = |i: usize| {
        let c = if i.is_multiple_of(4) {
            i % 5
        } else {
            i % companies
        };
        format!("load-company-{c}")
    };
    let features: Vec<serde_json::Value> = (0..licences)
        .map(|i| {
            let (aimag_mn, aimag_en, soum_mn, soum_en) = SOUMS[i % SOUMS.len()];
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "id": format!("load-licence-{i}"),
                    "number": format!("MV-{:06}", 100_000 + i),
                    "holder_id": holder(i),
                    "minerals": "алт / gold",
                    "aimag.mn": aimag_mn, "aimag.en": aimag_en,
                    "soum.mn": soum_mn, "soum.en": soum_en,
                    "area_ha": 1000 + i % 500,
                    "granted": format!("20{:02}-03-01", 10 + i % 14),
                    "expires": "2045-03-01",
                    "status": "granted"
                },
                "geometry": polygon(i),
            })
        })
        .collect();
    let file = files.join("licence.geojson");
    let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    minewatch(data, &["import", "licence", file.to_str().unwrap()]);

    let communities = [
        "demo-community-zaamar-tuul",
        "demo-community-zaamar-centre",
        "demo-community-erdenetsagaan",
    ];
    let categories = ["dust", "water", "livestock", "blasting", "pasture"];
    let visibility = ["public", "public", "public", "coalition", "case_team"];
    let mut text = csv_line(
        &[
            "id",
            "observed_on",
            "category",
            "description",
            "licence_id",
            "community_id",
            "location.lat",
            "location.lon",
            "reporter.name",
            "reporter.phone",
            "visibility",
        ]
        .map(String::from),
    );
    for r in 0..reports {
        text += &csv_line(&[
            format!("load-report-{r}"),
            format!("2025-{:02}-{:02}", 1 + r % 12, 1 + r % 28),
            categories[r % categories.len()].to_owned(),
            format!("Тоос их байна, гол шаргал өнгөтэй болсон ({r})"),
            format!("load-licence-{}", r % licences),
            communities[r % communities.len()].to_owned(),
            format!("{:.6}", 47.0 + (r % 1000) as f64 * 0.001),
            format!("{:.6}", 104.0 + (r % 997) as f64 * 0.001),
            format!("Малчин {r}"),
            format!("+976 99{:06}", r),
            visibility[r % visibility.len()].to_owned(),
        ]);
    }
    let file = files.join("observation.csv");
    std::fs::write(&file, text).unwrap();
    minewatch(data, &["import", "observation", file.to_str().unwrap()]);

    for (kind, extra_header, extra) in [
        ("violation", "found_by", "authority"),
        (
            "inspection",
            "findings",
            "Усны хамгаалалтын бүсэд ажилласан",
        ),
    ] {
        let mut text = csv_line(
            &[
                "id",
                "date",
                "source",
                "licence_id",
                "company_id",
                "summary",
                extra_header,
            ]
            .map(String::from),
        );
        for v in 0..case_records / 2 {
            let l = (v * 7) % licences;
            text += &csv_line(&[
                format!("load-{kind}-{v}"),
                format!("20{:02}-{:02}-15", 18 + v % 7, 1 + v % 12),
                "official-document".to_owned(),
                format!("load-licence-{l}"),
                holder(l),
                format!("{kind} {v}"),
                extra.to_owned(),
            ]);
        }
        let file = files.join(format!("{kind}.csv"));
        std::fs::write(&file, text).unwrap();
        minewatch(data, &["import", kind, file.to_str().unwrap()]);
    }
    std::fs::remove_dir_all(&files).ok();
    ("load-licence-0".to_owned(), "load-company-0".to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn status_kb(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn serve(data: &Path, port: u16) -> Child {
    let help = minewatch(data, &["serve", "--help"]);
    let mut cmd = Command::new(bin());
    cmd.arg("--data")
        .arg(data)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // The benchmark is one address sending 64 connections: lift the per-address
    // limit on anonymous reading, which would answer it 429 (that is what it is for).
    if help.contains("--read-limit") {
        cmd.args(["--read-limit", "100000000"]);
    }
    let mut child = cmd.spawn().expect("starting serve");
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        // The server's errors, not its warnings about slow statements (which a
        // server too slow for the load writes by the thousand).
        let mut shown = 0;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let error =
                line.contains("ERROR") || line.starts_with("error") || line.contains("panicked");
            if shown < 20 && error {
                eprintln!("serve: {line}");
                shown += 1;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("serve exited ({status}): its error is above");
        }
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

struct Run {
    completed: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    bytes_per_answer: f64,
}

fn ms(text: &str) -> f64 {
    let text = text.trim();
    let (n, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| text.split_at(i))
        .unwrap_or((text, "ms"));
    let n: f64 = n.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => n,
    }
}

/// wrk's connections: `MINEWATCH_LOAD_CONNECTIONS`, default 64.
fn connections() -> String {
    std::env::var("MINEWATCH_LOAD_CONNECTIONS").unwrap_or_else(|_| "64".to_owned())
}

fn wrk(url: &str, seconds: u64) -> Run {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{}", connections()),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
        ])
        .arg(url)
        .output()
        .expect("running wrk");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    let requests: f64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    let read: f64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split(',').nth(1))
        .map(|r| {
            let r = r.trim().trim_end_matches(" read");
            let (n, unit) =
                r.split_at(r.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(r.len()));
            let n: f64 = n.parse().unwrap_or(0.0);
            n * match unit {
                "KB" => 1024.0,
                "MB" => 1024.0 * 1024.0,
                "GB" => 1024.0 * 1024.0 * 1024.0,
                _ => 1.0,
            }
        })
        .unwrap_or(0.0);
    let mut errors = 0;
    if let Some(l) = text.lines().find(|l| l.contains("Socket errors")) {
        errors += l
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<u64>().ok())
            .sum::<u64>();
    }
    errors += field("Non-2xx or 3xx responses:")
        .parse::<u64>()
        .unwrap_or(0);
    Run {
        completed: requests as u64,
        rps: field("Requests/sec:").parse().unwrap_or(0.0),
        p50_ms: ms(&field("50%")),
        p99_ms: ms(&field("99%")),
        errors,
        bytes_per_answer: if requests > 0.0 { read / requests } else { 0.0 },
    }
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("skipped: install wrk (apt-get install wrk) for the load benchmark");
        return;
    }
    let seconds: u64 = std::env::var("MINEWATCH_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let scale = if std::env::var("MINEWATCH_LOAD_RECORDS").as_deref() == Ok("small") {
        10
    } else {
        1
    };
    let (data, keep): (PathBuf, bool) = match std::env::var("MINEWATCH_LOAD_DATA") {
        Ok(dir) => (PathBuf::from(dir), true),
        Err(_) => (
            std::env::temp_dir().join(format!("minewatch-load-bench-{}", std::process::id())),
            false,
        ),
    };
    let (licence, company) = if data.join("minewatch.db").exists() {
        ("load-licence-0".to_owned(), "load-company-0".to_owned())
    } else {
        let start = Instant::now();
        let built = build(&data, scale);
        println!(
            "workspace: {} records imported in {:.0} s",
            120_500 / scale,
            start.elapsed().as_secs_f64()
        );
        built
    };
    let port = free_port();
    let mut server = serve(&data, port);
    let pid = server.id();
    let peak_rss = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak_rss, stop) = (Arc::clone(&peak_rss), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(kb) = status_kb(pid, "VmRSS:") {
                    peak_rss.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    println!(
        "load: wrk -t2 -c{} -d{seconds}s, anonymous, release build, SQLite",
        connections()
    );
    println!(
        "  {:<34} {:>8} {:>9} {:>9} {:>7} {:>11} {:>10}",
        "page", "req/s", "p50 ms", "p99 ms", "errors", "bytes/ans", "RSS MB"
    );
    let base = format!("http://127.0.0.1:{port}");
    let mut paths = vec![
        "/".to_owned(),
        "/gaps".to_owned(),
        "/licences".to_owned(),
        format!("/licences/{licence}"),
        format!("/companies/{company}"),
    ];
    // More pages to load, e.g. with the national cadastre imported into the workspace:
    // a real licence, a soum, a filtered list.
    if let Ok(more) = std::env::var("MINEWATCH_LOAD_PATHS") {
        paths.extend(
            more.split(',')
                .map(str::trim)
                .filter(|p| p.starts_with('/'))
                .map(str::to_owned),
        );
    }
    for path in paths {
        // One request first, so the figures are of a server that has seen the page.
        let _ = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "--max-time", "120"])
            .arg(format!("{base}{path}"))
            .status();
        let run = wrk(&format!("{base}{path}"), seconds);
        let rss = status_kb(pid, "VmRSS:").unwrap_or(0);
        if run.completed == 0 {
            println!(
                "  {:<34} {:>8} {:>9} {:>9} {:>7} {:>11} {:>10.1}",
                path,
                "0",
                "-",
                "-",
                "all",
                "-",
                rss as f64 / 1024.0
            );
            continue;
        }
        println!(
            "  {:<34} {:>8.1} {:>9.1} {:>9.1} {:>7} {:>11.0} {:>10.1}",
            path,
            run.rps,
            run.p50_ms,
            run.p99_ms,
            run.errors,
            run.bytes_per_answer,
            rss as f64 / 1024.0
        );
    }
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let hwm = status_kb(pid, "VmHWM:").unwrap_or(0);
    println!(
        "  server memory: highest VmRSS sampled {:.1} MB, VmHWM {:.1} MB (goal < 300 MB)",
        peak_rss.load(Ordering::Relaxed) as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    server.kill().ok();
    server.wait().ok();
    if !keep {
        std::fs::remove_dir_all(&data).ok();
    }
}
