//! Evidence end to end: `media add`, `export bundle`, `verify BUNDLE.zip` on an
//! instance with no shared state, and the same bundle checked with standard tools
//! (`unzip`-free: Python's zipfile unpacks; `sha256sum -c`; `openssl pkeyutl`).

use std::path::Path;
use std::process::Command;

use minewatch_testing::skip_or_fail;

use crate::{assert_exit, assert_refused, minewatch, stdout};

const JPEG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../minewatch-formats/tests/data/dust.jpg"
);

fn python(script: &str, arg: &Path) {
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(arg)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A zip whose one file's name climbs out of the folder.
fn evil_zip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("evil-import.zip");
    python(
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\nz.writestr('../evil.sh', 'x')\nz.close()",
        &path,
    );
    path
}

/// A zip whose 256 MiB of zeros pack to about 256 KiB.
fn bomb_zip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("bomb.zip");
    python(
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\nz.writestr('media/' + '0' * 64 + '.jpg', bytes(256 << 20))\nz.close()",
        &path,
    );
    path
}

fn unpack(zip: &Path, into: &Path) {
    let o = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(zip)
        .arg(into)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn media_in_a_bundle_verify_anywhere_and_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    assert_exit(&minewatch(&data, &["demo", "--no-serve"]), 0);

    let o = minewatch(
        &data,
        &[
            "media",
            "add",
            JPEG,
            "--about",
            "demo-obs-1",
            "--caption",
            "dust",
        ],
    );
    assert_exit(&o, 0);
    // A safe-by-default export of the media list has no capture metadata or file name.
    let listing = tmp.path().join("public-media.csv");
    assert_exit(
        &minewatch(&data, &["export", "media", "-o", listing.to_str().unwrap()]),
        0,
    );
    let csv = std::fs::read_to_string(&listing).unwrap();
    assert!(csv.contains("image/jpeg"), "{csv}");
    for secret in [
        "47.7043",
        "105.9124",
        "TestPhone",
        "dust.jpg",
        "IMG_20250703",
    ] {
        assert!(!csv.contains(secret), "the export shows {secret:?}: {csv}");
    }
    let out = stdout(&o);
    assert!(
        out.contains("image/jpeg") && out.contains("capture: taken 2025-07-08T14:03:21"),
        "{out}"
    );
    assert!(out.contains("public copy (metadata removed)"), "{out}");
    // A renamed PDF is refused, with the reason.
    let fake = tmp.path().join("photo.jpg");
    std::fs::write(&fake, b"%PDF-1.4\n%%EOF\n").unwrap();
    let o = minewatch(
        &data,
        &[
            "media",
            "add",
            fake.to_str().unwrap(),
            "--about",
            "demo-obs-1",
        ],
    );
    assert_refused(
        &o,
        "named as jpg (image/jpeg), but its bytes are application/pdf",
    );

    let zip = tmp.path().join("evidence.zip");
    let o = minewatch(
        &data,
        &[
            "export",
            "bundle",
            "--licence",
            "demo-licence-mv900101",
            "-o",
            zip.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("1 media item(s)"), "{}", stdout(&o));
    let o = minewatch(
        &data,
        &[
            "export",
            "bundle",
            "--record",
            "demo-licence-xv900203",
            "-o",
            tmp.path().join("none.zip").to_str().unwrap(),
        ],
    );
    assert_refused(&o, "no media to export");
    // --licence takes a licence only.
    let o = minewatch(
        &data,
        &[
            "export",
            "bundle",
            "--licence",
            "demo-obs-1",
            "-o",
            tmp.path().join("wrong.zip").to_str().unwrap(),
        ],
    );
    assert_refused(&o, "that record is of kind observation, not a licence");
    assert!(!tmp.path().join("wrong.zip").exists());
    // ...and one that exists: the option is named.
    let o = minewatch(
        &data,
        &[
            "export",
            "bundle",
            "--licence",
            "demo-licence-none",
            "-o",
            tmp.path().join("wrong.zip").to_str().unwrap(),
        ],
    );
    assert_refused(&o, "--licence demo-licence-none:");
    assert!(!tmp.path().join("wrong.zip").exists());
    assert!(!tmp.path().join("none.zip").exists() && !tmp.path().join("none.partial").exists());

    // Another instance: no data directory at all.
    let elsewhere = tmp.path().join("nowhere");
    let o = minewatch(&elsewhere, &["verify", zip.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("verified — 1 item(s), 2 signed ledger entries"),
        "{}",
        stdout(&o)
    );
    // The export is in the ledger, and the ledger still verifies.
    assert_exit(&minewatch(&data, &["verify"]), 0);

    // Standard tools.
    let unpacked = tmp.path().join("unpacked");
    unpack(&zip, &unpacked);
    let how = std::fs::read_to_string(unpacked.join("HOW-TO-VERIFY.txt")).unwrap();
    assert!(how.contains("sha256sum -c SHA256SUMS") && how.contains("ЭНЭ БАГЦЫГ ХЭРХЭН ШАЛГАХ ВЭ"));
    let o = Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&unpacked)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(unpacked.join("manifest.json")).unwrap()).unwrap();
    let item = &manifest["items"][0];
    assert_eq!(item["capture"]["device"], "TestPhone TP-1 (fixture)");
    assert_eq!(item["entries"].as_array().unwrap().len(), 2);
    if Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let o = Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "public-key.pem",
                "-rawin",
                "-in",
                "manifest.json",
                "-sigfile",
                "manifest.json.sig",
            ])
            .current_dir(&unpacked)
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Signature Verified Successfully"),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    } else {
        skip_or_fail("the openssl check of a bundle", "install openssl");
    }

    // The photo changed by one byte, repacked: named exactly.
    let media = std::fs::read_dir(unpacked.join("media"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&media).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x01;
    std::fs::write(&media, bytes).unwrap();
    let repacked = tmp.path().join("tampered.zip");
    let o = Command::new("python3")
        .args([
            "-c",
            "import os, sys, zipfile\nz = zipfile.ZipFile(sys.argv[2], 'w')\nfor root, _, files in os.walk(sys.argv[1]):\n    for f in files:\n        p = os.path.join(root, f)\n        z.write(p, os.path.relpath(p, sys.argv[1]))\nz.close()",
        ])
        .arg(&unpacked)
        .arg(&repacked)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = minewatch(&elsewhere, &["verify", repacked.to_str().unwrap()]);
    assert_exit(&o, 1);
    let name = format!("media/{}", media.file_name().unwrap().to_string_lossy());
    assert!(
        stdout(&o).contains(&format!("{name}: its SHA-256 is")),
        "{}",
        stdout(&o)
    );

    // Another instance imports the untouched bundle as evidence for one of its
    // records: same file, same capture, and where it came from.
    let other = tmp.path().join("other");
    assert_exit(&minewatch(&other, &["demo", "--no-serve"]), 0);
    let entries = |data: &Path| stdout(&minewatch(data, &["verify"])).trim().to_owned();
    let before = entries(&other);
    // A dry run of a bundle import is refused rather than imported for real.
    let o = minewatch(
        &other,
        &[
            "import",
            "bundle",
            zip.to_str().unwrap(),
            "--about",
            "demo-obs-3",
            "--dry-run",
        ],
    );
    assert_refused(&o, "minewatch verify");
    assert_eq!(entries(&other), before, "a dry run wrote nothing");
    for (bad, why) in [
        (repacked.clone(), "the bundle does not verify"),
        (evil_zip(tmp.path()), "unsafe file name \"../evil.sh\""),
        (bomb_zip(tmp.path()), "a zip bomb, refused"),
    ] {
        let o = minewatch(
            &other,
            &[
                "import",
                "bundle",
                bad.to_str().unwrap(),
                "--about",
                "demo-obs-3",
            ],
        );
        assert_exit(&o, 2);
        assert!(crate::stderr(&o).contains(why), "{}", crate::stderr(&o));
        assert_eq!(
            entries(&other),
            before,
            "nothing stored from {}",
            bad.display()
        );
    }
    let o = minewatch(
        &other,
        &[
            "import",
            "bundle",
            zip.to_str().unwrap(),
            "--about",
            "demo-obs-3",
        ],
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("imported 1 media item(s)"),
        "{}",
        stdout(&o)
    );
    let listing = tmp.path().join("media.csv");
    assert_exit(
        &minewatch(
            &other,
            &[
                "export",
                "media",
                "--include-restricted",
                "-o",
                listing.to_str().unwrap(),
            ],
        ),
        0,
    );
    let csv = std::fs::read_to_string(&listing).unwrap();
    let hash = media
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split('.')
        .next()
        .unwrap()
        .to_owned();
    let row = csv
        .lines()
        .find(|l| l.contains(&hash))
        .expect("the imported file is listed by its hash");
    assert!(
        row.contains("imported from an evidence bundle") && row.contains("demo-obs-3"),
        "{row}"
    );
    assert!(
        row.contains("TestPhone TP-1 (fixture)"),
        "its capture came along: {row}"
    );

    // A bundle with a path-traversal name is refused before anything is read.
    let evil = tmp.path().join("evil.zip");
    let o = Command::new("python3")
        .args(["-c", "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\nz.writestr('../evil.sh', 'x')\nz.close()"])
        .arg(&evil)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = minewatch(&elsewhere, &["verify", evil.to_str().unwrap()]);
    assert_refused(&o, "unsafe file name \"../evil.sh\"");
}
