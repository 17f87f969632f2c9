//! `cargo bench -p minewatch-cli --bench import`: imports 10,000 licences with polygons
//! from one GeoJSON file into the demo instance (SQLite), with the release binary, and
//! prints the time and the importer's peak memory (from `/usr/bin/time` where it is
//! installed). Goal: under 5 s and under 300 MB. A second import of the same file
//! (everything unchanged) is timed too.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod common;
use common::polygon;

const BIN: &str = env!("CARGO_BIN_EXE_minewatch");
const LICENCES: usize = 10_000;

fn run(data: &Path, args: &[&str]) -> (f64, Option<u64>, String) {
    let time = Path::new("/usr/bin/time").exists();
    let mut cmd = if time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "peak-kb %M"]).arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    cmd.arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn");
    let start = Instant::now();
    let out = cmd.output().expect("running minewatch");
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    let peak = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-kb "))
        .and_then(|n| n.trim().parse().ok());
    (
        secs,
        peak,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn main() {
    let tmp = std::env::temp_dir().join(format!("minewatch-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let data = tmp.join("data");
    run(&data, &["demo", "--no-serve"]);
    let features: Vec<serde_json::Value> = (0..LICENCES)
        .map(|i| {
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "number": format!("MV-{:06}", 100_000 + i),
                    "holder_id": "DEMO-0000001",
                    "minerals": "алт / gold; зэс / copper",
                    "aimag.mn": "Төв", "aimag.en": "Töv",
                    "soum.mn": "Заамар", "soum.en": "Zaamar",
                    "area_ha": 1000 + i % 500,
                    "granted": "2015-03-01", "expires": "2045-03-01",
                    "status": "granted"
                },
                "geometry": polygon(i),
            })
        })
        .collect();
    let file = tmp.join("licences.geojson");
    let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let mb = std::fs::metadata(&file).unwrap().len() as f64 / 1e6;
    println!("import: {LICENCES} licences with 17-position polygons, GeoJSON {mb:.1} MB, SQLite");
    let file = file.to_str().unwrap();
    for (label, expect) in [
        ("first import", "10000 new"),
        ("same file again", "10000 unchanged"),
    ] {
        let (secs, peak, stdout) = run(&data, &["import", "licence", file]);
        assert!(stdout.contains(expect), "{stdout}");
        let peak = peak.map_or(
            "peak memory not measured (no /usr/bin/time)".to_owned(),
            |kb| format!("peak memory {:.0} MB", kb as f64 / 1024.0),
        );
        println!(
            "  {label:<16} {secs:>6.2} s, {:>7.0} licences/s, {peak} (goal < 5 s, < 300 MB)",
            LICENCES as f64 / secs
        );
    }
    std::fs::remove_dir_all(&tmp).ok();
}
