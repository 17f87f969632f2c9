//! The `minewatch` binary end to end: commands, exit codes, bad data directories,
//! PostgreSQL, graceful shutdown and SIGKILL during writes.

mod backup;
mod cadastre;
mod commands;
mod crash;
mod evidence;
mod exchange;
mod history;
mod water;

use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_minewatch");

/// Runs `minewatch --data DIR ARGS…` to completion.
pub fn minewatch(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("MINEWATCH_DATABASE")
        .env("RUST_LOG", "warn")
        .output()
        .expect("running minewatch")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a refusal: exit 2, with `want` in what the command said on stderr.
#[track_caller]
pub fn assert_refused(o: &Output, want: &str) {
    assert_exit(o, 2);
    assert!(stderr(o).contains(want), "{}", stderr(o));
}

/// Asserts a clean exit with `code`, and never a panic.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}
