//! Reading a bundle defensively (limits on entries and sizes, unsafe names refused)
//! and verifying it: every hash, the custody chain and its signatures.

use super::*;

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
pub(super) fn classify(name: &str) -> Option<&'static str> {
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
pub(super) fn keeps(name: &str) -> bool {
    matches!(classify(name), Some("meta" | "entry" | "key"))
}

pub(super) fn is_unsafe(name: &str) -> bool {
    name.starts_with('/')
        || name.contains('\\')
        || name.contains(':')
        || name.contains('\0')
        || name
            .split('/')
            .any(|part| part == ".." || part == "." || part.is_empty())
}

/// One file of a bundle as read: its hash and size, and its bytes when it is small.
pub(super) struct Read1 {
    pub(super) sha256: String,
    pub(super) size: u64,
    pub(super) bytes: Option<Vec<u8>>,
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
    pub(super) zip: ZipArchive<R>,
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

pub(super) fn read_all<R: Read + Seek>(
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

pub(super) fn check(files: &BTreeMap<String, Read1>) -> BundleReport {
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

pub(super) fn signature_ok(key: &[u8; 32], bytes: &[u8], sig: &[u8]) -> bool {
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
