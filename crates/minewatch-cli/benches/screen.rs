//! `cargo bench -p minewatch-cli --bench screen`: the shared EITI licences (both files)
//! against OCHA's 339 soum boundaries, end to end as a user runs it (reading the files,
//! projecting, repairing shapes, the R-tree, every intersection area, writing CSV):
//! `minewatch screen --licences … --zones …` (release) side by side with
//! `scripts/screen_reference.py` (geopandas reading the same files, shapely 2's STRtree
//! query and vectorised pairwise intersection areas). The two run in turn, seven times
//! each after a warm-up; the medians and the ratio of medians are printed. Goal: at
//! least 2× faster than shapely.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_minewatch");
const RUNS: usize = 7;

fn time(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let out = cmd.output().expect("running the command");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = root.join("../shared/data");
    let soums = data.join("boundaries/mng_adm2_soum_nso_hdx.geojson");
    let parts = [
        data.join("mining/eiti-mongolia-licences-part1.json"),
        data.join("mining/eiti-mongolia-licences-part2.json"),
    ];
    if !soums.exists() {
        eprintln!("skipped: ../shared/data is not beside the checkout");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("minewatch-screen-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let ours = || {
        let mut c = Command::new(BIN);
        c.args(["--data", tmp.join("unused").to_str().unwrap(), "screen"]);
        for p in &parts {
            c.arg("--licences").arg(p);
        }
        c.arg("--zones")
            .arg(&soums)
            .arg("-o")
            .arg(tmp.join("ours.csv"));
        c
    };
    let theirs = || {
        let mut c = Command::new("python3");
        c.arg(root.join("scripts/screen_reference.py"))
            .arg(tmp.join("theirs.csv"))
            .arg(&soums)
            .args(&parts);
        c
    };
    if !Command::new("python3")
        .args(["-c", "import geopandas, shapely"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: geopandas and shapely are not installed (pip install geopandas)");
        return;
    }
    // Warm-up: the files in the page cache, Python's modules compiled.
    time(&mut ours());
    time(&mut theirs());
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let x = time(&mut ours());
        let y = time(&mut theirs());
        a.push(x);
        b.push(y);
        ratios.push(y / x);
    }
    let pairs = std::fs::read_to_string(tmp.join("ours.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    println!("screen: 2,000 licences × 339 soums, {pairs} overlapping pairs");
    println!(
        "minewatch screen: median {:.3} s (min {:.3}, max {:.3})",
        median(a.clone()),
        a.iter().cloned().fold(f64::MAX, f64::min),
        a.iter().cloned().fold(0.0, f64::max)
    );
    println!(
        "geopandas + shapely 2: median {:.3} s (min {:.3}, max {:.3})",
        median(b.clone()),
        b.iter().cloned().fold(f64::MAX, f64::min),
        b.iter().cloned().fold(0.0, f64::max)
    );
    println!(
        "minewatch is {:.1}× faster (median of the pairwise ratios; goal ≥ 2×)",
        median(ratios)
    );
    std::fs::remove_dir_all(&tmp).ok();
}
