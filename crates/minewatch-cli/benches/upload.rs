//! `cargo bench -p minewatch-cli --bench upload`: uploads a 1 GiB video over HTTP to a
//! running `minewatch serve` (the release binary, SQLite and the local blob folder),
//! with curl as the client, signed in as the demo admin. Prints the throughput as a
//! ratio to `sha256sum` of the same file on the same machine (goal ≥ 0.8), and the
//! server's peak memory (VmHWM, goal under 100 MB).
//!
//! Both are timed side by side, three rounds each, with the file in the page cache;
//! the medians are compared. `MINEWATCH_UPLOAD_MB` sets another size.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_minewatch");

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "600"])
        .args(args)
        .output()
        .expect("running curl");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the page"))
        + marker.len();
    text[start..].split('"').next().unwrap()
}

fn peak_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mb: u64 = std::env::var("MINEWATCH_UPLOAD_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let tmp = std::env::temp_dir().join(format!("minewatch-upload-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let data = tmp.join("data");
    let demo = Command::new(BIN)
        .arg("--data")
        .arg(&data)
        .args(["demo", "--no-serve"])
        .output()
        .unwrap();
    assert!(demo.status.success());
    let logins = String::from_utf8_lossy(&demo.stdout).into_owned();
    let password = logins
        .lines()
        .find_map(|l| l.trim().strip_prefix("demo-admin"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the demo admin's password")
        .to_owned();
    std::fs::write(
        data.join("minewatch.toml"),
        "[blobs]\nmax_upload_mb = 4096\n",
    )
    .unwrap();

    // A video: an MP4 header, then varied bytes (so nothing downstream can compress).
    let file = tmp.join("big.mp4");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        f.write_all(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom").unwrap();
        let mut block = vec![0u8; 1 << 20];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..mb {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            f.write_all(&block).unwrap();
        }
    }
    let bytes = std::fs::metadata(&file).unwrap().len();
    let path = file.to_str().unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new(BIN)
        .arg("--data")
        .arg(&data)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Stopped however the bench ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let server = Server(server);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let jar = tmp.join("jar");
    let jar = jar.to_str().unwrap();
    let login = curl(&["-c", jar, &format!("{base}/login")]);
    let token = after(&login, "name=\"csrf\" value=\"").to_owned();
    curl(&[
        "-b",
        jar,
        "-c",
        jar,
        "-o",
        "/dev/null",
        "--data-urlencode",
        "username=demo-admin",
        "--data-urlencode",
        &format!("password={password}"),
        "--data-urlencode",
        &format!("csrf={token}"),
        &format!("{base}/login"),
    ]);
    let page = curl(&["-b", jar, &format!("{base}/observations/demo-obs-1")]);
    let form_start = page.find("id=\"media-upload\"").expect("the upload form");
    let action = page[..form_start]
        .rfind("action=\"")
        .map(|i| after(&page[i..], "action=\""))
        .unwrap()
        .replace("&amp;", "&");

    let sha = || {
        let start = Instant::now();
        let out = Command::new("sha256sum").arg(path).output().unwrap();
        assert!(out.status.success());
        start.elapsed().as_secs_f64()
    };
    sha(); // into the page cache
    let upload = || {
        let start = Instant::now();
        let reply = tmp.join("reply.html");
        let code = curl(&[
            "-b",
            jar,
            "-o",
            reply.to_str().unwrap(),
            "-w",
            "%{http_code}",
            "-F",
            "about=demo-obs-1",
            "-F",
            &format!("file=@{path};type=video/mp4"),
            &format!("{base}{action}"),
        ]);
        assert_eq!(
            code,
            "303",
            "the upload was refused: {}",
            std::fs::read_to_string(&reply).unwrap_or_default()
        );
        start.elapsed().as_secs_f64()
    };
    let (mut shas, mut ups) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        shas.push(sha());
        ups.push(upload());
    }
    let peak = peak_kb(server.0.id());
    drop(server);
    let (s, u) = (median(shas), median(ups));
    let mib = bytes as f64 / (1u64 << 20) as f64;
    println!("file: {mib:.0} MiB");
    println!("sha256sum: {s:.2} s ({:.0} MiB/s)", mib / s);
    println!(
        "HTTP upload (curl -F → minewatch serve, hashed and stored): {u:.2} s ({:.0} MiB/s)",
        mib / u
    );
    println!(
        "throughput ratio upload/sha256sum: {:.2} (goal ≥ 0.8)",
        s / u
    );
    println!(
        "server peak memory (VmHWM): {:.1} MB (goal < 100 MB)",
        peak as f64 / 1024.0
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
