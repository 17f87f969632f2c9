//! Writing a bundle: files fed in chunks, hashed on the way, the manifest and the
//! signed custody written last, and how to verify it without minewatch.

use super::*;

pub(super) struct Pending {
    pub(super) info: ItemInfo,
    pub(super) path: String,
    pub(super) hasher: Option<Sha256>,
    pub(super) written: u64,
}

/// Writes a bundle item by item; media bytes are streamed in with [`BundleWriter::write`].
pub struct BundleWriter<W: Write + Seek> {
    pub(super) zip: ZipWriter<W>,
    pub(super) items: Vec<Value>,
    pub(super) keys: BTreeMap<String, [u8; 32]>,
    pub(super) entries_written: BTreeSet<String>,
    pub(super) sums: BTreeMap<String, String>,
    pub(super) current: Option<Pending>,
}

pub(super) fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true)
}

pub(super) fn deflated() -> SimpleFileOptions {
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
pub(super) fn sha256sums(sums: &BTreeMap<String, String>) -> String {
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
