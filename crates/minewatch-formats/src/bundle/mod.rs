//! Evidence bundles: a zip a lawyer can verify offline, with minewatch or with
//! `sha256sum` and `openssl`.
//!
//! Layout (every name is fixed or made of hex, so nothing in a bundle can name a path
//! outside it):
//! - `media/<sha256>.<ext>` — each file, named by the SHA-256 of its bytes;
//! - `entries/<id>.json` — each ledger entry about an item, the exact bytes its id
//!   hashes and its device signed; `entries/<id>.sig` — that raw ed25519 signature;
//! - `keys/<device>.pem` — the public key of each device that signed an entry;
//! - `manifest.json` — for each item its record, hash, size, type, capture metadata and
//!   entries; signed by the exporting device in `manifest.json.sig`, whose key is
//!   `public-key.pem`;
//! - `SHA256SUMS` — every other file's hash, for `sha256sum -c`;
//! - `HOW-TO-VERIFY.txt` — the steps, in Mongolian and English.
//!
//! Reading is defensive: unsafe names, a name twice, headers that disagree with the
//! zip's directory, too many files, files larger than the limits and archives (or
//! files) compressed implausibly well (a zip bomb) are refused before anything is read.
//! Media are hashed as they stream, never held whole; only the manifest, entries and
//! keys are held in memory, within a limit; other names are hashed and reported as
//! not belonging to the layout.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use minewatch_domain::evidence::is_sha256_hex;

mod read;
mod write;

pub use read::*;
pub use write::*;

pub const FORMAT: &str = "minewatch-evidence-bundle";
pub const VERSION: u64 = 1;

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the key's 32 bytes
/// follow it.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// An Ed25519 public key as PEM, which `openssl pkeyutl -verify -pubin` reads.
pub fn public_key_pem(key: &[u8; 32]) -> String {
    use base64::Engine as _;
    let mut der = ED25519_SPKI_PREFIX.to_vec();
    der.extend_from_slice(key);
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

fn key_from_pem(pem: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()?;
    let key = der.strip_prefix(&ED25519_SPKI_PREFIX[..])?;
    key.try_into().ok()
}

/// What the exporter knows of one item before its bytes are written.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemInfo {
    pub record_id: String,
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    /// The extension for the file's name in the bundle, e.g. `jpg`.
    pub ext: String,
    pub caption: Option<String>,
    /// The records it proves, as `{"kind", "id"}`.
    pub about: Value,
    /// The capture metadata (time, place, device), or `null`.
    pub capture: Value,
}

/// A ledger entry as stored: its id, the signed bytes and the signature.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEntry {
    pub id: String,
    pub device: String,
    pub public_key: [u8; 32],
    pub body: Vec<u8>,
    pub signature: [u8; 64],
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("writing the bundle: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the bundle: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the stored file for {record_id} does not match its record: its SHA-256 is {found}, the record says {expected}"
    )]
    BlobMismatch {
        record_id: String,
        expected: String,
        found: String,
    },
    #[error("{0}")]
    Misuse(&'static str),
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use ed25519_dalek::{Signer as _, SigningKey};
    use proptest::prelude::*;

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A ledger entry about `record_id` naming `sha256`, signed by `k`.
    fn entry(k: &SigningKey, record_id: &str, sha256: &str, seq: u64) -> SignedEntry {
        let device = hex::encode(k.verifying_key().to_bytes());
        let body = serde_json::to_vec(&json!({
            "device": device, "seq": seq, "op": "put", "kind": "media",
            "record_id": record_id, "payload": {"sha256": sha256},
        }))
        .unwrap();
        SignedEntry {
            id: hex::encode(Sha256::digest(&body)),
            device,
            public_key: k.verifying_key().to_bytes(),
            signature: k.sign(&body).to_bytes(),
            body,
        }
    }

    /// A bundle of three items from two devices (two items share one file).
    fn bundle() -> Vec<u8> {
        let (exporter, other) = (key(1), key(2));
        let files: [Vec<u8>; 2] = [
            b"\xFF\xD8\xFFphoto bytes".repeat(50),
            b"%PDF-1.7 minutes".repeat(40),
        ];
        let mut w = BundleWriter::new(Cursor::new(Vec::new()));
        for (i, (bytes, signer)) in [
            (&files[0], &exporter),
            (&files[1], &other),
            (&files[0], &exporter),
        ]
        .into_iter()
        .enumerate()
        {
            let sha = hex::encode(Sha256::digest(bytes));
            let id = format!("m{i}");
            let fresh = w
                .begin_item(ItemInfo {
                    record_id: id.clone(),
                    sha256: sha.clone(),
                    size: bytes.len() as u64,
                    content_type: "image/jpeg".into(),
                    ext: "jpg".into(),
                    caption: Some("dust".into()),
                    about: json!([{"kind": "observation", "id": "o1"}]),
                    capture: json!({"location": {"lat": 47.7, "lon": 105.9}}),
                })
                .unwrap();
            if fresh {
                w.write(&bytes[..10]).unwrap();
                w.write(&bytes[10..]).unwrap();
            }
            w.end_item(&[entry(signer, &id, &sha, i as u64 + 1)])
                .unwrap();
        }
        w.finish(
            exporter.verifying_key().to_bytes(),
            "2026-12-01T00:00:00Z",
            "test",
            |b| exporter.sign(b).to_bytes(),
        )
        .unwrap()
        .into_inner()
    }

    fn unpack(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut a = ZipArchive::new(Cursor::new(zip)).unwrap();
        (0..a.len())
            .map(|i| {
                let mut f = a.by_index(i).unwrap();
                let mut b = Vec::new();
                f.read_to_end(&mut b).unwrap();
                (f.name().unwrap().into_owned(), b)
            })
            .collect()
    }

    fn pack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut z = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            z.start_file(name.as_str(), deflated()).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn verify(zip: &[u8]) -> Result<BundleReport, ReadError> {
        verify_bundle(Cursor::new(zip), ReadLimits::default())
    }

    #[test]
    fn an_untouched_bundle_verifies_and_names_its_parts() {
        let zip = bundle();
        let report = verify(&zip).unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!((report.items, report.entries), (3, 3));
        let names: Vec<String> = unpack(&zip).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names.iter().filter(|n| n.starts_with("media/")).count(),
            2,
            "{names:?}"
        );
        assert_eq!(names.iter().filter(|n| n.starts_with("keys/")).count(), 2);
        // Repacked by another zip tool, the same files still verify.
        assert!(verify(&pack(&unpack(&zip))).unwrap().ok());
    }

    #[test]
    fn a_changed_photo_is_named() {
        let mut files = unpack(&bundle());
        let (name, bytes) = files
            .iter_mut()
            .find(|(n, _)| n.starts_with("media/"))
            .unwrap();
        bytes[3] ^= 1;
        let name = name.clone();
        let report = verify(&pack(&files)).unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.starts_with(&format!("{name}: its SHA-256 is"))),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn unsafe_names_and_zip_bombs_are_refused_before_reading() {
        let mut files = unpack(&bundle());
        files.push(("../../etc/cron.d/evil".into(), b"x".to_vec()));
        assert!(
            matches!(verify(&pack(&files)), Err(ReadError::UnsafeName(n)) if n == "../../etc/cron.d/evil")
        );
        let mut files = unpack(&bundle());
        files.push(("/etc/passwd".into(), b"x".to_vec()));
        assert!(matches!(
            verify(&pack(&files)),
            Err(ReadError::UnsafeName(_))
        ));
        // 64 MiB of zeros packs to about 64 KiB.
        let mut files = unpack(&bundle());
        let name = format!("media/{}.bin", "0".repeat(64));
        files.push((name.clone(), vec![0u8; 64 << 20]));
        match verify(&pack(&files)) {
            Err(ReadError::Bomb { name: n, size, .. }) => assert_eq!((n, size), (name, 64 << 20)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            verify(b"not a zip at all"),
            Err(ReadError::NotZip(_))
        ));
    }

    /// Many small files can fill memory or make a bomb that no single file shows: the
    /// whole archive's ratio is checked, and what is kept in memory has its own limit.
    #[test]
    fn many_small_files_are_bounded_as_a_whole() {
        // 400 files of 256 KiB of zeros, under the single-file check each.
        let mut files = unpack(&bundle());
        for i in 0..400 {
            files.push((format!("extra/{i}.bin"), vec![0u8; 256 << 10]));
        }
        match verify(&pack(&files)) {
            Err(ReadError::Bomb { name, size, .. }) => {
                assert_eq!(
                    (name.as_str(), size > 100 << 20),
                    ("the whole bundle", true)
                )
            }
            other => panic!("{other:?}"),
        }
        // A bundle whose manifest and entries exceed what may be kept is refused.
        let tight = ReadLimits {
            max_kept_bytes: 1000,
            ..ReadLimits::default()
        };
        match verify_bundle(Cursor::new(bundle()), tight) {
            Err(ReadError::TooLarge(m)) => assert!(m.contains("more than 1000 bytes"), "{m}"),
            other => panic!("{other:?}"),
        }
        // A name outside the layout is hashed and reported, not kept.
        let mut files = unpack(&bundle());
        files.push(("notes.txt".into(), b"hello".to_vec()));
        let report = verify(&pack(&files)).unwrap();
        assert!(
            report.problems.iter().any(|p| p.contains("notes.txt")),
            "{:?}",
            report.problems
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// Any flipped byte of any file, any removed file and any two swapped files are
        /// detected: every case, no exception.
        #[test]
        fn every_tampering_is_detected(op in 0..3u8, a in any::<usize>(), b in any::<usize>(), bit in 0..8u8) {
            let original = unpack(&BUNDLE.with(Clone::clone));
            let mut files = original.clone();
            let n = files.len();
            match op {
                0 => {
                    let f = &mut files[a % n].1;
                    if f.is_empty() { return Ok(()); }
                    let at = b % f.len();
                    f[at] ^= 1 << bit;
                }
                1 => { files.remove(a % n); }
                _ => {
                    let (i, j) = (a % n, b % n);
                    if files[i].1 == files[j].1 { return Ok(()); }
                    let tmp = files[i].1.clone();
                    files[i].1 = files[j].1.clone();
                    files[j].1 = tmp;
                }
            }
            // An unreadable bundle (Err) is detected too.
            if let Ok(report) = verify(&pack(&files)) {
                prop_assert!(!report.ok(), "undetected: op {} on {:?}", op, files.get(a % n).map(|f| &f.0));
            }
        }
    }

    thread_local! {
        static BUNDLE: Vec<u8> = bundle();
    }
}
