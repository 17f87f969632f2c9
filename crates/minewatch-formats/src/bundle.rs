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

struct Pending {
    info: ItemInfo,
    path: String,
    hasher: Option<Sha256>,
    written: u64,
}

/// Writes a bundle item by item; media bytes are streamed in with [`BundleWriter::write`].
pub struct BundleWriter<W: Write + Seek> {
    zip: ZipWriter<W>,
    items: Vec<Value>,
    keys: BTreeMap<String, [u8; 32]>,
    entries_written: BTreeSet<String>,
    sums: BTreeMap<String, String>,
    current: Option<Pending>,
}

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true)
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

impl<W: Write + Seek> BundleWriter<W> {
    pub fn new(w: W) -> Self {
        BundleWriter {
            zip: ZipWriter::new(w),
            items: Vec::new(),
            keys: BTreeMap::new(),
            entries_written: BTreeSet::new(),
            sums: BTreeMap::new(),
            current: None,
        }
    }

    /// Starts an item. Returns `false` when its file is in the bundle already (another
    /// record of the same file): then write no bytes, just call [`Self::end_item`].
    pub fn begin_item(&mut self, info: ItemInfo) -> Result<bool, BundleError> {
        if self.current.is_some() {
            return Err(BundleError::Misuse("an item is still open"));
        }
        if !is_sha256_hex(&info.sha256) {
            return Err(BundleError::Misuse("an item's hash is not hex SHA-256"));
        }
        let ext: String = info
            .ext
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        let path = format!(
            "media/{}.{}",
            info.sha256,
            if ext.is_empty() { "bin" } else { &ext }
        );
        let fresh = !self.sums.contains_key(&path);
        if fresh {
            self.zip.start_file(path.as_str(), stored())?;
        }
        self.current = Some(Pending {
            info,
            path,
            hasher: fresh.then(Sha256::new),
            written: 0,
        });
        Ok(fresh)
    }

    pub fn write(&mut self, chunk: &[u8]) -> Result<(), BundleError> {
        let Some(p) = self.current.as_mut() else {
            return Err(BundleError::Misuse("no item is open"));
        };
        let Some(h) = p.hasher.as_mut() else {
            return Err(BundleError::Misuse(
                "this item's file is in the bundle already",
            ));
        };
        h.update(chunk);
        p.written += chunk.len() as u64;
        self.zip.write_all(chunk)?;
        Ok(())
    }

    /// Ends the item, checking that the bytes written are the ones its record names,
    /// and adds the ledger entries about it.
    pub fn end_item(&mut self, entries: &[SignedEntry]) -> Result<(), BundleError> {
        let p = self
            .current
            .take()
            .ok_or(BundleError::Misuse("no item is open"))?;
        if let Some(h) = p.hasher {
            let found = hex::encode(h.finalize());
            if found != p.info.sha256 || p.written != p.info.size {
                return Err(BundleError::BlobMismatch {
                    record_id: p.info.record_id,
                    expected: p.info.sha256,
                    found,
                });
            }
            self.sums.insert(p.path.clone(), found);
        }
        // Names made of what the caller gave: hex, as the reader requires, so a bundle
        // written here is never one its own reader refuses.
        if let Some(e) = entries
            .iter()
            .find(|e| !is_sha256_hex(&e.id) || e.device != hex::encode(e.public_key))
        {
            return Err(BundleError::Misuse(if is_sha256_hex(&e.id) {
                "an entry's device is not the hex of its public key"
            } else {
                "an entry's id is not hex SHA-256"
            }));
        }
        let mut ids = Vec::new();
        for e in entries {
            ids.push(Value::String(e.id.clone()));
            self.keys.insert(e.device.clone(), e.public_key);
            if self.entries_written.insert(e.id.clone()) {
                let json_path = format!("entries/{}.json", e.id);
                self.add_small(&json_path, &e.body)?;
                self.add_small(&format!("entries/{}.sig", e.id), &e.signature)?;
            }
        }
        let i = p.info;
        self.items.push(json!({
            "record_id": i.record_id,
            "path": p.path,
            "sha256": i.sha256,
            "size": i.size,
            "content_type": i.content_type,
            "caption": i.caption,
            "about": i.about,
            "capture": i.capture,
            "entries": ids,
        }));
        Ok(())
    }

    fn add_small(&mut self, path: &str, bytes: &[u8]) -> Result<(), BundleError> {
        self.zip.start_file(path, deflated())?;
        self.zip.write_all(bytes)?;
        self.sums
            .insert(path.to_owned(), hex::encode(Sha256::digest(bytes)));
        Ok(())
    }

    /// Writes the keys, the manifest (signed by `sign` with the key `exporter`), the
    /// checksums and the instructions; returns the finished file.
    pub fn finish(
        mut self,
        exporter: [u8; 32],
        created_at: &str,
        selection: &str,
        sign: impl FnOnce(&[u8]) -> [u8; 64],
    ) -> Result<W, BundleError> {
        if self.current.is_some() {
            return Err(BundleError::Misuse("an item is still open"));
        }
        let keys = std::mem::take(&mut self.keys);
        for (device, key) in &keys {
            self.add_small(
                &format!("keys/{device}.pem"),
                public_key_pem(key).as_bytes(),
            )?;
        }
        self.add_small("HOW-TO-VERIFY.txt", HOW_TO_VERIFY.as_bytes())?;
        // The signed manifest lists every file written so far by hash, so the one
        // signature covers them all.
        let manifest = json!({
            "format": FORMAT,
            "version": VERSION,
            "created_at": created_at,
            "exported_by_device": hex::encode(exporter),
            "selection": selection,
            "devices": keys.keys().collect::<Vec<_>>(),
            "items": self.items,
            "files": self.sums,
        });
        let bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        let signature = sign(&bytes);
        self.add_small("manifest.json", &bytes)?;
        self.add_small("manifest.json.sig", &signature)?;
        self.add_small("public-key.pem", public_key_pem(&exporter).as_bytes())?;
        self.zip.start_file("SHA256SUMS", deflated())?;
        self.zip.write_all(sha256sums(&self.sums).as_bytes())?;
        Ok(self.zip.finish()?)
    }
}

/// `sha256sum`'s format: `HASH  NAME` lines, sorted by name.
fn sha256sums(sums: &BTreeMap<String, String>) -> String {
    sums.iter()
        .map(|(path, hash)| format!("{hash}  {path}\n"))
        .collect()
}

/// The instructions put in every bundle.
pub const HOW_TO_VERIFY: &str = "\
ЭНЭ БАГЦЫГ ХЭРХЭН ШАЛГАХ ВЭ
===========================

Энэ zip багц нь minewatch програмаас гаргасан нотлох баримт юм. Файл бүр өөрийн
SHA-256 хэшээр нэрлэгдсэн. Бүртгэлийн (ledger) бичлэг бүрийг төхөөрөмжийн ed25519
түлхүүрээр гарын үсэг зурсан. Нэг ч байт өөрчлөгдвөл шалгалт бүтэлгүйтнэ.

1. minewatch програмаар: zip-ийг задлахгүйгээр

       minewatch verify BUNDLE.zip

   Бүх хэш, гарын үсэг, холбоосыг шалгаж, алдаатай бол яг аль файл гэдгийг хэлнэ.

2. Стандарт хэрэгслээр: zip-ийг задлаад тэр хавтаст

       sha256sum -c SHA256SUMS

   Бүх мөр \"OK\" байх ёстой. media/ доторх файлын нэр нь түүний SHA-256 тул
   `sha256sum media/*` гэж шууд харьцуулж болно.

3. Манифестын гарын үсгийг OpenSSL-ээр:

       openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin \\
           -in manifest.json -sigfile manifest.json.sig

   \"Signature Verified Successfully\" гэж гарна. Бичлэг бүрийг мөн адил:
   entries/ID.json-г keys/ТӨХӨӨРӨМЖ.pem-ээр, entries/ID.sig гарын үсгээр.

4. public-key.pem нь багцыг гаргасан байгууллагын түлхүүр мөн эсэхийг тэр
   байгууллагаас өөр замаар (утас, албан бичиг) лавлана уу: хэн ч шинэ түлхүүрээр
   шинэ багц хийж болно, харин таны итгэдэг түлхүүрээр гарын үсэг зурж чадахгүй.


HOW TO VERIFY THIS BUNDLE
=========================

This zip is evidence exported from minewatch. Every file is named by its SHA-256
hash, and every ledger entry is signed with a device's ed25519 key. A single changed
byte makes the checks fail.

1. With minewatch, without unpacking:

       minewatch verify BUNDLE.zip

   It checks every hash, signature and link and names exactly what fails.

2. With standard tools: unpack the zip, then in its folder run

       sha256sum -c SHA256SUMS

   Every line must say \"OK\". Files in media/ are named by their SHA-256, so
   `sha256sum media/*` also shows each name matching its content.

3. The manifest's signature, with OpenSSL:

       openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin \\
           -in manifest.json -sigfile manifest.json.sig

   It prints \"Signature Verified Successfully\". Each entry the same way:
   entries/ID.json with keys/DEVICE.pem and the signature entries/ID.sig.

4. Confirm with the organisation that exported the bundle, by another channel (a call,
   a letter), that public-key.pem is their key: anyone can make a new bundle with a
   new key, but no one can sign with the key you trust.

manifest.json lists, for each item: its record, hash, size, type, the capture
metadata (time, place and device from the file), the records it proves and the ledger
entries about it (who added it, when, from which device, and every export).
";

/// Limits for reading a bundle someone sent.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    pub max_files: usize,
    /// The most the files may hold together, uncompressed.
    pub max_total_bytes: u64,
    /// Small files (manifest, entries, keys) are read into memory: at most this each.
    pub max_small_bytes: u64,
    /// And at most this together (a bundle of many small files must not fill memory).
    pub max_kept_bytes: u64,
    /// A file that unpacks to more than this many times its packed size is a zip bomb.
    pub max_ratio: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_files: 100_000,
            max_total_bytes: 64 << 30,
            max_small_bytes: 16 << 20,
            max_kept_bytes: 512 << 20,
            max_ratio: 200,
        }
    }
}

/// A bundle that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a zip file: {0}")]
    NotZip(String),
    #[error(
        "unsafe file name {0:?}: a bundle's names never leave its folder; this file may be an attack"
    )]
    UnsafeName(String),
    #[error("{name:?} unpacks to {size} bytes from {packed}: a zip bomb, refused")]
    Bomb {
        name: String,
        size: u64,
        packed: u64,
    },
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("not a well-formed bundle: {0}")]
    Malformed(String),
    #[error("reading {name}: {message}")]
    Read { name: String, message: String },
}

/// What verifying a bundle found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BundleReport {
    pub items: usize,
    pub entries: usize,
    pub exporter: Option<String>,
    /// Each check that failed, naming the file and what is wrong. Empty: verified.
    pub problems: Vec<String>,
}

impl BundleReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The kind of file a bundle name is, if it is one of the layout's.
fn classify(name: &str) -> Option<&'static str> {
    let hex_then = |rest: &str, exts: &[&str]| {
        rest.split_once('.')
            .is_some_and(|(h, e)| is_sha256_hex(h) && exts.contains(&e))
    };
    let media_ext = |rest: &str| {
        rest.split_once('.').is_some_and(|(h, e)| {
            is_sha256_hex(h)
                && !e.is_empty()
                && e.len() <= 8
                && e.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    };
    match name {
        "manifest.json" | "manifest.json.sig" | "public-key.pem" | "SHA256SUMS"
        | "HOW-TO-VERIFY.txt" => Some("meta"),
        _ => {
            if let Some(rest) = name.strip_prefix("media/") {
                media_ext(rest).then_some("media")
            } else if let Some(rest) = name.strip_prefix("entries/") {
                hex_then(rest, &["json", "sig"]).then_some("entry")
            } else if let Some(rest) = name.strip_prefix("keys/") {
                hex_then(rest, &["pem"]).then_some("key")
            } else {
                None
            }
        }
    }
}

/// Whether a file is read into memory: the manifest, entries and keys (media are
/// streamed; names outside the layout are only hashed).
fn keeps(name: &str) -> bool {
    matches!(classify(name), Some("meta" | "entry" | "key"))
}

fn is_unsafe(name: &str) -> bool {
    name.starts_with('/')
        || name.contains('\\')
        || name.contains(':')
        || name.contains('\0')
        || name
            .split('/')
            .any(|part| part == ".." || part == "." || part.is_empty())
}

/// One file of a bundle as read: its hash and size, and its bytes when it is small.
struct Read1 {
    sha256: String,
    size: u64,
    bytes: Option<Vec<u8>>,
}

/// Reads and checks a bundle: every hash, signature and link. A bundle that cannot be
/// read safely is an error; a readable one gives a report listing every failed check.
pub fn verify_bundle<R: Read + Seek>(
    reader: R,
    limits: ReadLimits,
) -> Result<BundleReport, ReadError> {
    let mut zip = ZipArchive::new(reader).map_err(|e| ReadError::NotZip(e.to_string()))?;
    let files = read_all(&mut zip, limits)?;
    Ok(check(&files))
}

/// One item of a verified bundle, as its manifest describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleItem {
    pub record_id: String,
    pub path: String,
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub caption: Option<String>,
    pub capture: Value,
    pub entries: Vec<String>,
}

/// A bundle whose every check passed, open for reading its files.
pub struct VerifiedBundle<R: Read + Seek> {
    zip: ZipArchive<R>,
    pub report: BundleReport,
    pub items: Vec<BundleItem>,
    pub created_at: String,
}

/// Why a bundle cannot be taken in.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("the bundle does not verify: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// Opens a bundle for import: it is verified whole first (every hash, signature and
/// link), so nothing is taken from a bundle that fails any check.
pub fn open_verified<R: Read + Seek>(
    reader: R,
    limits: ReadLimits,
) -> Result<VerifiedBundle<R>, OpenError> {
    let mut zip = ZipArchive::new(reader).map_err(|e| ReadError::NotZip(e.to_string()))?;
    let files = read_all(&mut zip, limits)?;
    let report = check(&files);
    if !report.ok() {
        return Err(OpenError::Invalid(report.problems));
    }
    let manifest: Value = files
        .get("manifest.json")
        .and_then(|f| f.bytes.as_deref())
        .and_then(|b| serde_json::from_slice(b).ok())
        .ok_or_else(|| OpenError::Invalid(vec!["manifest.json: unreadable".into()]))?;
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let items = manifest
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| BundleItem {
                    record_id: text(i, "record_id"),
                    path: text(i, "path"),
                    sha256: text(i, "sha256"),
                    size: i.get("size").and_then(Value::as_u64).unwrap_or(0),
                    content_type: text(i, "content_type"),
                    caption: i.get("caption").and_then(Value::as_str).map(str::to_owned),
                    capture: i.get("capture").cloned().unwrap_or(Value::Null),
                    entries: i
                        .get("entries")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|e| e.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(VerifiedBundle {
        zip,
        report,
        items,
        created_at: text(&manifest, "created_at"),
    })
}

impl<R: Read + Seek> VerifiedBundle<R> {
    /// Reads one of the bundle's files as a stream of bytes.
    pub fn file(&mut self, path: &str) -> Result<impl Read + '_, ReadError> {
        self.zip.by_name(path).map_err(|e| ReadError::Read {
            name: path.to_owned(),
            message: e.to_string(),
        })
    }
}

fn read_all<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    limits: ReadLimits,
) -> Result<BTreeMap<String, Read1>, ReadError> {
    if zip.len() > limits.max_files {
        return Err(ReadError::TooLarge(format!(
            "{} files, at most {} are read",
            zip.len(),
            limits.max_files
        )));
    }
    // A name twice, or local headers that disagree with the directory, would let other
    // tools unpack other files than the ones verified here.
    if zip.has_duplicate_names() {
        return Err(ReadError::Malformed(
            "two files have the same name (a bundle writes each name once)".into(),
        ));
    }
    zip.validate_header_consistency()
        .map_err(|e| ReadError::Malformed(format!("its headers disagree: {e}")))?;
    // Every name and size is checked before any file is unpacked.
    let (mut total, mut packed_total, mut kept) = (0u64, 0u64, 0u64);
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| ReadError::NotZip(e.to_string()))?;
        let name = f
            .name()
            .map_err(|e| ReadError::NotZip(e.to_string()))?
            .into_owned();
        if f.is_dir() {
            if is_unsafe(name.trim_end_matches('/')) {
                return Err(ReadError::UnsafeName(name));
            }
            continue;
        }
        if is_unsafe(&name) {
            return Err(ReadError::UnsafeName(name));
        }
        let (size, packed) = (f.size(), f.compressed_size());
        if size > 1 << 20 && size / packed.max(1) > limits.max_ratio {
            return Err(ReadError::Bomb { name, size, packed });
        }
        total = total.saturating_add(size);
        packed_total = packed_total.saturating_add(packed);
        if total > limits.max_total_bytes {
            return Err(ReadError::TooLarge(format!(
                "the files unpack to more than {} bytes",
                limits.max_total_bytes
            )));
        }
        if keeps(&name) {
            kept = kept.saturating_add(size);
            if kept > limits.max_kept_bytes {
                return Err(ReadError::TooLarge(format!(
                    "its manifest, entries and keys hold more than {} bytes",
                    limits.max_kept_bytes
                )));
            }
        }
    }
    // Many small files can make a bomb that no single file shows.
    if total > 1 << 20 && total / packed_total.max(1) > limits.max_ratio {
        return Err(ReadError::Bomb {
            name: "the whole bundle".into(),
            size: total,
            packed: packed_total,
        });
    }
    let mut files = BTreeMap::new();
    let mut buf = vec![0u8; 256 * 1024];
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| ReadError::Read {
            name: format!("file {i}"),
            message: e.to_string(),
        })?;
        if f.is_dir() {
            continue;
        }
        let name = f
            .name()
            .map_err(|e| ReadError::NotZip(e.to_string()))?
            .into_owned();
        let declared = f.size();
        // Files outside the layout are hashed (and reported by `check`), not kept.
        let small = keeps(&name);
        if small && declared > limits.max_small_bytes {
            return Err(ReadError::TooLarge(format!(
                "{name} is {declared} bytes; at most {} are read",
                limits.max_small_bytes
            )));
        }
        let mut hasher = Sha256::new();
        let mut kept = small.then(Vec::new);
        let mut size = 0u64;
        // Never read past the declared size: a lying header cannot inflate more.
        let mut limited = (&mut f).take(declared + 1);
        loop {
            let n = limited.read(&mut buf).map_err(|e| ReadError::Read {
                name: name.clone(),
                message: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > declared {
                return Err(ReadError::Malformed(format!(
                    "{name} unpacks to more than the {declared} bytes its header declares"
                )));
            }
            hasher.update(&buf[..n]);
            if let Some(k) = kept.as_mut() {
                k.extend_from_slice(&buf[..n]);
            }
        }
        files.insert(
            name,
            Read1 {
                sha256: hex::encode(hasher.finalize()),
                size,
                bytes: kept,
            },
        );
    }
    Ok(files)
}

fn check(files: &BTreeMap<String, Read1>) -> BundleReport {
    let mut report = BundleReport::default();
    let mut p = |s: String| report.problems.push(s);
    let mut expected: BTreeSet<String> = [
        "manifest.json",
        "manifest.json.sig",
        "public-key.pem",
        "SHA256SUMS",
        "HOW-TO-VERIFY.txt",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for name in files.keys() {
        if classify(name).is_none() {
            p(format!("{name}: a file the bundle's layout does not have"));
        }
    }
    let small = |name: &str| files.get(name).and_then(|f| f.bytes.as_deref());

    // The exporter's key and the manifest's signature.
    let exporter = small("public-key.pem")
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(key_from_pem);
    if exporter.is_none() {
        p("public-key.pem: missing or not an Ed25519 public key".into());
    }
    let manifest_bytes = small("manifest.json");
    let manifest: Option<Value> = match manifest_bytes {
        None => {
            p("manifest.json: missing".into());
            None
        }
        Some(b) => match serde_json::from_slice(b) {
            Ok(v) => Some(v),
            Err(e) => {
                p(format!("manifest.json: not JSON ({e})"));
                None
            }
        },
    };
    match (exporter, manifest_bytes, small("manifest.json.sig")) {
        (Some(key), Some(bytes), Some(sig)) if !signature_ok(&key, bytes, sig) => {
            p("manifest.json: its signature (manifest.json.sig) does not verify with public-key.pem: the manifest or the signature was changed".into());
        }
        (_, _, None) => p("manifest.json.sig: missing".into()),
        _ => {}
    }
    // SHA256SUMS must be exactly the hashes of the other files.
    let actual: BTreeMap<String, String> = files
        .iter()
        .filter(|(n, _)| n.as_str() != "SHA256SUMS")
        .map(|(n, f)| (n.clone(), f.sha256.clone()))
        .collect();
    match small("SHA256SUMS") {
        None => p("SHA256SUMS: missing".into()),
        Some(text) if text != sha256sums(&actual).as_bytes() => {
            let text = String::from_utf8_lossy(text);
            let mut named = false;
            for line in text.lines() {
                if let Some((hash, name)) = line.split_once("  ")
                    && let Some(f) = files.get(name)
                    && f.sha256 != hash
                {
                    p(format!(
                        "{name}: its SHA-256 is {}, SHA256SUMS says {hash}",
                        f.sha256
                    ));
                    named = true;
                }
            }
            if !named {
                p("SHA256SUMS: does not list exactly the bundle's files and their hashes".into());
            }
        }
        Some(_) => {}
    }
    let Some(manifest) = manifest else {
        return report;
    };
    if manifest.get("format").and_then(Value::as_str) != Some(FORMAT) {
        p(format!("manifest.json: format is not {FORMAT:?}"));
    }
    let exported_by = manifest
        .get("exported_by_device")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(key) = exporter
        && hex::encode(key) != exported_by
    {
        p("public-key.pem: not the key of the device the manifest names as exporter".into());
    }
    report.exporter = Some(exported_by.to_owned());

    // The signed list of files: each must be there with its hash, and nothing else
    // may be (but the manifest, its signature, the key and SHA256SUMS).
    let listed: BTreeMap<String, String> = manifest
        .get("files")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        p("manifest.json: lists no files".into());
    }
    for (name, hash) in &listed {
        match files.get(name) {
            None => p(format!(
                "{name}: listed in the manifest but missing from the bundle"
            )),
            Some(f) if &f.sha256 != hash => p(format!(
                "{name}: its SHA-256 is {}, the manifest says {hash}",
                f.sha256
            )),
            Some(_) => {}
        }
    }
    for name in files.keys() {
        let outside = matches!(
            name.as_str(),
            "manifest.json" | "manifest.json.sig" | "public-key.pem" | "SHA256SUMS"
        );
        if !outside && !listed.contains_key(name) {
            p(format!(
                "{name}: in the bundle but not in its signed manifest"
            ));
        }
    }

    // Every device key file must be the key its name says.
    let mut keys: BTreeMap<String, [u8; 32]> = BTreeMap::new();
    for (name, f) in files.iter().filter(|(n, _)| n.starts_with("keys/")) {
        let device = name
            .trim_start_matches("keys/")
            .trim_end_matches(".pem")
            .to_owned();
        match f
            .bytes
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(key_from_pem)
        {
            Some(k) if hex::encode(k) == device => {
                keys.insert(device, k);
            }
            _ => p(format!("{name}: not the Ed25519 public key {device}")),
        }
    }

    let items = manifest
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if items.is_empty() {
        p("manifest.json: lists no items".into());
    }
    let mut seen_records = BTreeSet::new();
    let mut entries_checked = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let s = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (record_id, path, hash) = (s("record_id"), s("path"), s("sha256"));
        let what = format!("item {} (record {record_id})", i + 1);
        if !seen_records.insert(record_id.clone()) {
            p(format!("{what}: listed twice"));
        }
        expected.insert(path.clone());
        match files.get(&path) {
            None => p(format!("{path}: {what} is missing from the bundle")),
            Some(f) => {
                if f.sha256 != hash {
                    p(format!(
                        "{path}: its SHA-256 is {}, the manifest says {hash} ({what})",
                        f.sha256
                    ));
                }
                if Some(f.size) != item.get("size").and_then(Value::as_u64) {
                    p(format!(
                        "{path}: its size is {}, not the manifest's ({what})",
                        f.size
                    ));
                }
                if !path.starts_with(&format!("media/{hash}.")) {
                    p(format!("{path}: not named by its hash {hash} ({what})"));
                }
            }
        }
        let ids: Vec<String> = item
            .get("entries")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let mut names_hash = false;
        for id in &ids {
            let json_name = format!("entries/{id}.json");
            let sig_name = format!("entries/{id}.sig");
            expected.insert(json_name.clone());
            expected.insert(sig_name.clone());
            let (Some(body), Some(sig)) = (small(&json_name), small(&sig_name)) else {
                p(format!("{json_name}: an entry of {what} is missing"));
                continue;
            };
            let first = entries_checked.insert(id.clone());
            let found = hex::encode(Sha256::digest(body));
            if &found != id {
                p(format!(
                    "{json_name}: its SHA-256 is {found}, not its id: the entry was changed"
                ));
                continue;
            }
            let parsed: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => {
                    p(format!("{json_name}: not JSON ({e})"));
                    continue;
                }
            };
            let device = parsed
                .get("device")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match keys.get(device) {
                None => p(format!(
                    "{json_name}: signed by device {device}, whose key keys/{device}.pem is missing"
                )),
                Some(k) if !signature_ok(k, body, sig) => {
                    if first {
                        p(format!(
                            "{sig_name}: the signature does not verify with keys/{device}.pem"
                        ));
                    }
                }
                Some(_) => {}
            }
            if parsed.get("record_id").and_then(Value::as_str) != Some(record_id.as_str()) {
                p(format!(
                    "{json_name}: is about another record, not {record_id} ({what})"
                ));
            }
            if parsed.pointer("/payload/sha256").and_then(Value::as_str) == Some(hash.as_str()) {
                names_hash = true;
            }
        }
        if !names_hash {
            p(format!(
                "{what}: no signed ledger entry in the bundle names the hash {hash}"
            ));
        }
        report.items += 1;
    }
    report.entries = entries_checked.len();
    for name in files.keys() {
        let listed = expected.contains(name) || name.starts_with("keys/");
        if !listed && classify(name).is_some() {
            p(format!("{name}: in the bundle but not in its manifest"));
        }
    }
    report
}

fn signature_ok(key: &[u8; 32], bytes: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(key) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return false;
    };
    // Strict, as the ledger's signatures are checked (no malleable encodings).
    key.verify_strict(bytes, &Signature::from_bytes(&sig))
        .is_ok()
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
