//! Test support shared by the crates' test suites (a dev-dependency only): a throwaway
//! PostgreSQL server started from the installed Debian binaries, and the rule for
//! missing binaries.
//!
//! Tests that need an external program print one clear `skipped: …` line where it is
//! missing, unless `MINEWATCH_REQUIRE_ALL=1` (set by `.ci/run`) makes that a failure.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether every optional test dependency is required (`MINEWATCH_REQUIRE_ALL=1`).
pub fn require_all() -> bool {
    std::env::var("MINEWATCH_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Reports a missing test dependency: a skip, or a failure under `MINEWATCH_REQUIRE_ALL=1`.
pub fn skip_or_fail(what: &str, install: &str) {
    if require_all() {
        panic!("{what} is required (MINEWATCH_REQUIRE_ALL=1) but missing: {install}");
    }
    eprintln!("skipped: {what}: {install}");
}

/// A PostgreSQL server in a temporary directory on a free loopback port, stopped and
/// removed on drop.
pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    databases: std::sync::atomic::AtomicU32,
}

impl PgServer {
    /// Starts a server, or returns `None` (after `skip_or_fail`) when PostgreSQL's
    /// binaries are not installed.
    pub fn start() -> Option<PgServer> {
        let Some(bin) = find_pg_bin() else {
            skip_or_fail(
                "PostgreSQL tests",
                "install postgresql (apt-get install postgresql) to run them",
            );
            return None;
        };
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "minewatch-pg-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).expect("creating the PostgreSQL temp directory");
        if as_postgres {
            run(
                Command::new("chown").arg("postgres:postgres").arg(&dir),
                "chown",
            );
        }
        let port = free_port();
        let server = PgServer {
            dir,
            bin,
            port,
            as_postgres,
            databases: std::sync::atomic::AtomicU32::new(0),
        };
        let data = server.dir.join("data");
        server.pg_command("initdb", |c| {
            c.arg("-D").arg(&data).args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]);
        });
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            server.dir.display()
        );
        server.pg_command("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(server.dir.join("server.log"))
                .args(["-w", "-o", &options, "start"]);
        });
        Some(server)
    }

    /// A PostgreSQL program, run as the `postgres` user when we are root (PostgreSQL
    /// refuses to run as root).
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        }
    }

    fn pg_command(&self, program: &str, args: impl FnOnce(&mut Command)) {
        let mut cmd = self.command(program);
        args(&mut cmd);
        run(&mut cmd, program);
    }

    /// The URL of the maintenance database.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates a new empty database and returns its URL.
    pub async fn create_database(&self) -> String {
        use sqlx::Connection as _;
        sqlx::any::install_default_drivers();
        let n = self
            .databases
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("t{n}");
        let mut conn = sqlx::AnyConnection::connect(&self.admin_url())
            .await
            .expect("connecting to the test PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut conn)
            .await
            .expect("creating a test database");
        conn.close().await.ok();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = cmd.status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The newest installed PostgreSQL's binary directory (Debian layout).
fn find_pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // The effective uid from /proc avoids a libc dependency; PostgreSQL refuses root.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding a loopback port")
}

/// A real SMTP server on loopback for tests: Python's aiosmtpd, requiring STARTTLS
/// with a self-signed certificate made by `openssl`, and `AUTH` with any password for
/// user `minewatch`. Each accepted message is written whole to `dir/mail/N.eml`; a
/// recipient whose address starts with `bounce` is refused with `550`.
pub struct SmtpServer {
    pub dir: PathBuf,
    pub port: u16,
    child: std::process::Child,
}

const SMTP_SERVER_PY: &str = r#"
import asyncio, os, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out, cert, key, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        n = len(os.listdir(out))
        tmp = os.path.join(out, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\n".encode())
            f.write(f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(f"X-Was-Tls: {session.ssl is not None}\r\n".encode())
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(out, f"{n}.eml"))
        return "250 Message accepted"

def auth(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"minewatch"
    return AuthResult(success=ok)

c = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx,
               require_starttls=True, authenticator=auth, auth_require_tls=True)
c.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    c.stop()
"#;

impl SmtpServer {
    /// Starts the server, or returns `None` (after `skip_or_fail`) when `python3` with
    /// aiosmtpd or `openssl` is missing.
    pub fn start() -> Option<SmtpServer> {
        let has = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
        if !has(Command::new("python3").args(["-c", "import aiosmtpd"]))
            || !has(Command::new("openssl").arg("version"))
        {
            skip_or_fail(
                "SMTP tests",
                "install openssl and aiosmtpd (pip install aiosmtpd) to run them",
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "minewatch-smtp-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(dir.join("mail")).expect("creating the SMTP temp directory");
        run(
            Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args([
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ])
                .arg("-keyout")
                .arg(dir.join("key.pem"))
                .arg("-out")
                .arg(dir.join("cert.pem"))
                .stderr(std::process::Stdio::null()),
            "openssl req",
        );
        let port = free_port();
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(SMTP_SERVER_PY)
            .arg(dir.join("mail"))
            .arg(dir.join("cert.pem"))
            .arg(dir.join("key.pem"))
            .arg(port.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("starting aiosmtpd");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("reading aiosmtpd's first line");
        assert_eq!(line.trim(), "ready", "aiosmtpd did not start");
        Some(SmtpServer { dir, port, child })
    }

    /// `[mail]` settings that reach this server (STARTTLS, trusting its certificate).
    pub fn mail_toml(&self) -> String {
        format!(
            "[mail]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\n\
             username = \"minewatch\"\npassword = \"test\"\n\
             from = \"Zaamar coalition <coalition@example.org>\"\nca_file = \"{}\"\n\
             timeout_seconds = 10\n",
            self.port,
            self.dir.join("cert.pem").display()
        )
    }

    /// The messages received so far, oldest first, as raw bytes.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for n in 0.. {
            match std::fs::read(self.dir.join("mail").join(format!("{n}.eml"))) {
                Ok(b) => out.push(b),
                Err(_) => break,
            }
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real S3-compatible server on loopback for tests: moto's server mode (from PyPI),
/// with one empty bucket, `minewatch`. Stopped on drop.
pub struct S3Server {
    pub port: u16,
    child: std::process::Child,
}

impl S3Server {
    /// Starts the server, or returns `None` (after `skip_or_fail`) when `python3` with
    /// moto's server and boto3 is missing.
    pub fn start() -> Option<S3Server> {
        let has = Command::new("python3")
            .args(["-c", "import moto.server, boto3, flask"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has {
            skip_or_fail(
                "S3 blob store tests",
                "install moto's server (pip install 'moto[server]') to run them",
            );
            return None;
        }
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting moto's server");
        let server = S3Server { port, child };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto's server did not listen on port {port} within 60 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server.create_bucket("minewatch");
        Some(server)
    }

    /// Makes an empty bucket (with boto3).
    pub fn create_bucket(&self, name: &str) {
        run(
            Command::new("python3").args([
                "-c",
                &format!(
                    "import boto3; boto3.client('s3', endpoint_url='http://127.0.0.1:{}', \
                     aws_access_key_id='test', aws_secret_access_key='test', \
                     region_name='us-east-1').create_bucket(Bucket='{name}')",
                    self.port
                ),
            ]),
            "creating a test bucket",
        );
    }

    /// `[blobs]` settings that reach this server.
    pub fn blobs_toml(&self) -> String {
        format!(
            "[blobs]\nbackend = \"s3\"\nbucket = \"minewatch\"\nendpoint = \"http://127.0.0.1:{}\"\n\
             region = \"us-east-1\"\naccess_key_id = \"test\"\nsecret_access_key = \"test\"\n\
             allow_http = true\n",
            self.port
        )
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
