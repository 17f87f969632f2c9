//! Media evidence in the store: intake (stream, hash, sniff, read the capture metadata,
//! make the public copy, record it in the ledger), the chain of custody, and evidence
//! bundles.
//!
//! The order of intake matters: the file's first bytes are checked before anything is
//! stored, every byte is stored under its hash before the record is written, and the
//! record is written in one transaction. What the record says besides the file is
//! checked before any byte is stored too, so a refused, cut-off or broken upload leaves
//! nothing. A crash, or a failed record write, after the blob leaves a complete blob
//! no record names (local blobs are synced before the record is written), never a
//! record without its file.

use std::collections::BTreeMap;
use std::io::{Seek, Write};

use bytes::Bytes;
use futures::StreamExt as _;
use minewatch_domain::{Capture, Media, Record, RecordFilter, RecordId, RecordKind};
use minewatch_formats::bundle::{BundleError, BundleWriter, ItemInfo, SignedEntry};
use minewatch_formats::media::{self as formats_media, MediaClass, MediaType};
use serde_json::{Value, json};
use sqlx::Row as _;

use crate::blobs::{BlobError, BlobStore};
use crate::ledger::{Author, EntryView};
use crate::{Store, StoreError, Written};

/// Images up to this size are read whole to make their public copy.
pub const MAX_STRIP_BYTES: u64 = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Bundle(String),
}

impl From<BundleError> for MediaError {
    fn from(e: BundleError) -> Self {
        MediaError::Bundle(e.to_string())
    }
}

/// What the person adding a file says about it.
#[derive(Debug, Clone)]
pub struct NewMedia {
    /// The records it proves (at least one).
    pub about: Vec<RecordId>,
    pub filename: Option<String>,
    pub caption: Option<String>,
    /// The type the upload declared (a multipart part's `Content-Type`), if any.
    pub declared_type: Option<String>,
    /// The record's visibility; `case_team` when not given.
    pub visibility: Option<String>,
    /// The day it is taken in, in the pack's time zone ([`minewatch_domain::Pack::today`]).
    pub today: jiff::civil::Date,
    /// Where it came from, when it was not uploaded here (an imported bundle).
    pub provenance: Option<String>,
}

/// The outcome of an intake.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaAdded {
    pub written: Written,
    pub sha256: String,
    pub size: u64,
    pub content_type: &'static str,
    /// The file was stored already; this record links to the same blob.
    pub deduplicated: bool,
    pub capture: Option<Capture>,
    pub public_copy: Option<String>,
    /// Why there is no public copy, for an image that has none.
    pub no_public_copy: Option<String>,
}

/// Whether the name's or the declared type agrees with the bytes. ISO media files
/// (MP4, MOV, 3GP, M4A) share one container, so they are taken for one another.
fn agrees(claimed: MediaType, found: MediaType) -> bool {
    let iso = |m: &str| {
        matches!(
            m,
            "video/mp4" | "video/quicktime" | "video/3gpp" | "audio/mp4"
        )
    };
    claimed.mime == found.mime || (iso(claimed.mime) && iso(found.mime))
}

/// Checks a file's first bytes against what its name and declared type claim.
pub fn inspect(
    head: &[u8],
    filename: Option<&str>,
    declared: Option<&str>,
) -> Result<MediaType, String> {
    let found = formats_media::sniff(head).ok_or_else(|| {
        "the file is not a type minewatch stores: photos (JPEG, PNG, WebP, GIF, HEIC, TIFF), video (MP4, MOV, 3GP, WebM, AVI), audio (MP3, M4A, OGG, WAV, AMR, FLAC), PDF, office documents and plain text".to_owned()
    })?;
    if let Some(name) = filename
        && let Some((_, ext)) = name.rsplit_once('.')
        && let Some(claimed) = formats_media::type_of_extension(ext)
        && !agrees(claimed, found)
    {
        return Err(format!(
            "{name:?} is named as {} ({}), but its bytes are {}: the file was renamed or damaged",
            claimed.ext, claimed.mime, found.mime
        ));
    }
    if let Some(declared) = declared.map(|d| d.split(';').next().unwrap_or_default().trim())
        && let Some(claimed) = formats_media::TYPES.iter().find(|t| t.mime == declared)
        && !agrees(*claimed, found)
    {
        return Err(format!(
            "the upload says it is {declared}, but its bytes are {}",
            found.mime
        ));
    }
    Ok(found)
}

impl Store {
    /// Takes in a file for the records in `new.about`: streams it to `blobs` (hashing
    /// it), reads its capture metadata, stores a public copy of an image, and records it
    /// as a `media` record.
    pub async fn add_media<S, E>(
        &self,
        blobs: &BlobStore,
        author: &Author,
        new: NewMedia,
        chunks: S,
    ) -> Result<MediaAdded, MediaError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let about = self.about_json(&new.about).await?;
        let (payload, mut added) = self.ingest(blobs, &new, about, chunks).await?;
        added.written = self.put(author, RecordKind::Media, payload).await?;
        Ok(added)
    }

    /// Checks everything a file's record will say besides the file (the records it is
    /// about, as `add_media` checks them, and its visibility, caption and file name),
    /// for announcing an upload whose bytes come later: a refusal then comes before
    /// the bytes, not after the last of them.
    pub async fn check_new_media(&self, new: &NewMedia) -> Result<(), MediaError> {
        let (about, community) = self.about_json(&new.about).await?;
        let filename = new.filename.as_deref().map(clean_filename);
        let payload = metadata_payload(new, filename.as_deref(), about, community.as_ref());
        Record::from_payload(RecordKind::Media, &payload)
            .map(drop)
            .map_err(|e| StoreError::Invalid(e).into())
    }

    /// The records a file is evidence for, as its `about` field, and the community that
    /// owns them (which then owns the file). They must exist, be current, not be files
    /// themselves, and belong to one community at most. Checked before any byte is
    /// taken.
    async fn about_json(
        &self,
        ids: &[RecordId],
    ) -> Result<(Vec<Value>, Option<RecordId>), MediaError> {
        if ids.is_empty() {
            return Err(StoreError::Invalid(vec![minewatch_domain::FieldError::new(
                "about",
                "required",
                "say which record the file is evidence for",
            )])
            .into());
        }
        let mut about = Vec::new();
        let mut community: Option<RecordId> = None;
        for id in ids {
            let r = self.get(id).await?;
            if r.retracted {
                return Err(StoreError::Conflict(format!("record {id} was retracted")).into());
            }
            if r.kind == RecordKind::Media {
                return Err(StoreError::Invalid(vec![minewatch_domain::FieldError::new(
                    "about",
                    "wrong-reference",
                    "a file is evidence for a record, not for another file",
                )])
                .into());
            }
            // A file belongs to a community: that of a community record itself, or the
            // one a report or case record names. (An organisation owns its own record,
            // but a file about it is not an organisation's.)
            let owner = match r.kind {
                RecordKind::Organisation => None,
                kind => minewatch_domain::RecordAccess::of(kind, id, &r.payload).owner,
            };
            match (&community, owner) {
                (Some(a), Some(b)) if *a != b => {
                    return Err(StoreError::Invalid(vec![minewatch_domain::FieldError::new(
                        "about",
                        "wrong-reference",
                        format!(
                            "the records belong to different communities ({a} and {b}); attach the file to each community's records separately"
                        ),
                    )])
                    .into());
                }
                (None, Some(b)) => community = Some(b),
                _ => {}
            }
            about.push(json!({"kind": r.kind.as_str(), "id": id.as_str()}));
        }
        Ok((about, community))
    }

    /// Stores a file's blob and public copy and builds its record's payload; the
    /// caller writes the record.
    async fn ingest<S, E>(
        &self,
        blobs: &BlobStore,
        new: &NewMedia,
        (about, community): (Vec<Value>, Option<RecordId>),
        chunks: S,
    ) -> Result<(Value, MediaAdded), MediaError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let filename = new
            .filename
            .as_deref()
            .map(clean_filename)
            .filter(|s| !s.is_empty());
        // What the record says besides the file, checked before any byte is stored (a
        // wrong visibility or an overlong caption must not leave a stored original
        // that no record names).
        let mut payload = metadata_payload(new, filename.as_deref(), about, community.as_ref());
        Record::from_payload(RecordKind::Media, &payload).map_err(StoreError::Invalid)?;
        let mut sniffed = None;
        let put = blobs
            .put_stream(chunks, |head| {
                sniffed = Some(inspect(
                    head,
                    filename.as_deref(),
                    new.declared_type.as_deref(),
                )?);
                Ok(())
            })
            .await?;
        let kind = sniffed.expect("the inspector ran before the blob was stored");

        let mut capture = None;
        let mut public_copy = None;
        let mut no_public_copy = None;
        if kind.class == MediaClass::Image {
            let whole = if put.size <= MAX_STRIP_BYTES {
                Some(blobs.get_bytes(&put.sha256, MAX_STRIP_BYTES).await?)
            } else {
                None
            };
            let c = formats_media::read_capture(whole.as_deref().unwrap_or(&put.head));
            capture = (!c.is_empty()).then_some(c);
            match whole {
                None => {
                    no_public_copy =
                        Some(format!("the image is larger than {MAX_STRIP_BYTES} bytes"))
                }
                Some(bytes) => match formats_media::strip_metadata(&bytes, kind) {
                    Ok(copy) => {
                        let stored = blobs.put_bytes(copy).await?;
                        public_copy = Some((stored.sha256, stored.size));
                    }
                    Err(e) => no_public_copy = Some(e.to_string()),
                },
            }
        }
        let obj = payload.as_object_mut().expect("an object");
        obj.insert("sha256".into(), json!(put.sha256));
        obj.insert("size".into(), json!(put.size));
        obj.insert("content_type".into(), json!(kind.mime));
        if let Some(c) = &capture {
            obj.insert(
                "capture".into(),
                serde_json::to_value(c).expect("a capture serialises"),
            );
        }
        if let Some((h, n)) = &public_copy {
            obj.insert("public_copy".into(), json!({"sha256": h, "size": n}));
        }
        let added = MediaAdded {
            written: Written {
                record_id: RecordId::parse("pending").expect("a valid id"),
                entry_id: String::new(),
                version: 0,
            },
            sha256: put.sha256,
            size: put.size,
            content_type: kind.mime,
            deduplicated: put.deduplicated,
            capture,
            public_copy: public_copy.map(|(h, _)| h),
            no_public_copy,
        };
        Ok((payload, added))
    }

    /// Imports the files of an evidence bundle as evidence for `about`, all or none.
    /// The bundle is verified whole first (every hash, signature and link; unsafe
    /// names and zip bombs are refused before anything is unpacked); each file then
    /// goes through the same intake as an upload, and one transaction writes every
    /// record, with where it came from (the exporting device, the record there, its
    /// signed entries).
    pub async fn import_bundle<R: std::io::Read + Seek>(
        &self,
        blobs: &BlobStore,
        author: &Author,
        reader: R,
        about: &[RecordId],
        visibility: Option<String>,
        today: jiff::civil::Date,
    ) -> Result<Vec<MediaAdded>, MediaError> {
        use minewatch_formats::bundle::{ReadLimits, open_verified};
        let about_json = self.about_json(about).await?;
        let mut bundle = open_verified(reader, ReadLimits::default())
            .map_err(|e| MediaError::Bundle(e.to_string()))?;
        let exporter = bundle.report.exporter.clone().unwrap_or_default();
        let created_at = bundle.created_at.clone();
        let items = bundle.items.clone();
        let mut taken = Vec::new();
        for item in &items {
            let provenance = format!(
                "imported from an evidence bundle exported on {created_at} by device {exporter}; \
                 its record there: {}; its signed entries: {}",
                item.record_id,
                item.entries.join(", ")
            );
            let new = NewMedia {
                about: about.to_vec(),
                filename: None,
                caption: item.caption.clone(),
                declared_type: Some(item.content_type.clone()),
                visibility: visibility.clone(),
                today,
                provenance: Some(provenance),
            };
            let file = bundle
                .file(&item.path)
                .map_err(|e| MediaError::Bundle(e.to_string()))?;
            // The zip is read in 1 MiB chunks; a file is never held whole.
            let chunks = futures::stream::unfold(file, |mut file| async move {
                let mut buf = vec![0u8; 1 << 20];
                match std::io::Read::read(&mut file, &mut buf) {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(Bytes::from(buf)), file))
                    }
                    Err(e) => Some((Err(e), file)),
                }
            });
            let (payload, added) = self
                .ingest(blobs, &new, about_json.clone(), Box::pin(chunks))
                .await?;
            if added.sha256 != item.sha256 {
                return Err(MediaError::Bundle(format!(
                    "{}: read back as {}, not its verified hash {}",
                    item.path, added.sha256, item.sha256
                )));
            }
            taken.push((payload, added));
        }
        let mut batch = self.begin().await?;
        let mut out = Vec::new();
        for (payload, mut added) in taken {
            added.written = batch.put(author, RecordKind::Media, None, payload).await?;
            out.push(added);
        }
        batch.commit().await?;
        Ok(out)
    }

    /// The media about `id`, as `filter` lets one see them (all with `None`).
    pub async fn media_about(
        &self,
        id: &RecordId,
        filter: Option<&RecordFilter>,
    ) -> Result<Vec<crate::StoredRecord>, StoreError> {
        Ok(self
            .linked(id, filter, Some(("about", RecordKind::Media)), None)
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    }

    /// Every entry about a record, oldest first, including the audit's: who added it,
    /// when, from which device, each correction, and every view or export of its
    /// restricted parts.
    pub async fn custody(&self, id: &RecordId) -> Result<Vec<EntryView>, StoreError> {
        self.entries_of(id, true).await
    }

    /// The stored entries of a record, as a bundle carries them.
    async fn signed_entries(&self, id: &RecordId) -> Result<Vec<SignedEntry>, StoreError> {
        let rows = sqlx::query(
            "select e.id as id, e.device as device, e.body as body, e.sig as sig, d.public_key as public_key
             from entry e join device d on d.id = e.device where e.record_id = $1 order by e.pos",
        )
        .bind(id.as_str().to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let corrupt = |what: &str| StoreError::Corrupt(format!("entry {id}: {what}"));
                let key: Vec<u8> = row.try_get("public_key")?;
                let sig: Vec<u8> = row.try_get("sig")?;
                Ok(SignedEntry {
                    device: row.try_get("device")?,
                    public_key: key.try_into().map_err(|_| corrupt("bad device key"))?,
                    body: row.try_get("body")?,
                    signature: sig
                        .try_into()
                        .map_err(|_| corrupt("bad signature length"))?,
                    id,
                })
            })
            .collect()
    }

    /// The media records a bundle of `selection` holds: the given media records, the
    /// media about the given records, and the media about every record that refers to
    /// one of them (a licence's reports, inspections and violations), once each.
    pub async fn bundle_media(
        &self,
        selection: &[RecordId],
    ) -> Result<Vec<crate::StoredRecord>, StoreError> {
        let mut out: BTreeMap<RecordId, crate::StoredRecord> = BTreeMap::new();
        for id in selection {
            let record = self.get(id).await?;
            if record.kind == RecordKind::Media {
                if !record.retracted {
                    out.insert(record.id.clone(), record);
                }
                continue;
            }
            // One pass over what refers to the record: its own media, and the media of
            // the records about it.
            for (rel, linked) in self.linked_to(id, None).await? {
                if linked.kind == RecordKind::Media {
                    if rel == "about" {
                        out.insert(linked.id.clone(), linked);
                    }
                    continue;
                }
                for m in self.media_about(&linked.id, None).await? {
                    out.insert(m.id.clone(), m);
                }
            }
        }
        Ok(out.into_values().collect())
    }

    /// Writes an evidence bundle of `media` to `out`. Each export is first recorded in
    /// the ledger against every item (the audit of who exported what), and the bundle
    /// carries those entries too, so its custody record includes the export itself.
    pub async fn write_bundle<W: Write + Seek>(
        &self,
        blobs: &BlobStore,
        author: &Author,
        media: &[crate::StoredRecord],
        selection: &str,
        out: W,
    ) -> Result<W, MediaError> {
        if media.is_empty() {
            return Err(MediaError::Bundle(format!(
                "{selection}: no media to export (attach files to the records first)"
            )));
        }
        // Every item must read back and have its file before the export is recorded:
        // an export that cannot be written leaves no trace of one in the custody.
        let mut items = Vec::with_capacity(media.len());
        for m in media {
            let Ok(Record::Media(item)) = m.typed() else {
                return Err(StoreError::Corrupt(format!(
                    "media record {} does not read back",
                    m.id
                ))
                .into());
            };
            if blobs.size(&item.sha256).await?.is_none() {
                return Err(MediaError::Bundle(format!(
                    "media record {}: no stored file with SHA-256 {} (the blob store was changed outside minewatch)",
                    m.id, item.sha256
                )));
            }
            items.push(item);
        }
        let mut batch = self.begin().await?;
        for m in media {
            batch
                .record_access(
                    author,
                    &m.id,
                    "export-bundle",
                    selection,
                    &["capture".into(), "filename".into()],
                )
                .await?;
        }
        batch.commit().await?;
        let mut writer = BundleWriter::new(out);
        for (m, item) in media.iter().zip(&items) {
            let fresh = writer.begin_item(item_info(&m.id, item))?;
            if fresh {
                let (_, mut chunks) = blobs.get_stream(&item.sha256).await?;
                while let Some(chunk) = chunks.next().await {
                    writer.write(&chunk?)?;
                }
            }
            writer.end_item(&self.signed_entries(&m.id).await?)?;
        }
        let created_at = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let key = self.device.public_key().to_bytes();
        let device = self.device.clone();
        Ok(writer.finish(key, &created_at, selection, |bytes| {
            device.sign(bytes).to_bytes()
        })?)
    }
}

/// A media record's payload without its file: the file's own fields (hash, size, type)
/// are placeholders until the bytes are in.
fn metadata_payload(
    new: &NewMedia,
    filename: Option<&str>,
    about: Vec<Value>,
    community: Option<&RecordId>,
) -> Value {
    let mut payload = json!({
        "date": new.today.to_string(),
        "sha256": "0".repeat(64),
        "size": 0,
        "content_type": "application/octet-stream",
        "about": about,
        "visibility": new.visibility.as_deref().unwrap_or("case_team"),
    });
    let obj = payload.as_object_mut().expect("an object");
    if let Some(c) = community {
        obj.insert("community_id".into(), json!(c.as_str()));
    }
    if let Some(f) = filename {
        obj.insert("filename".into(), json!(f));
    }
    if let Some(c) = new
        .caption
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        obj.insert("caption".into(), json!(c));
    }
    if let Some(p) = &new.provenance {
        obj.insert("provenance".into(), json!(p));
    }
    payload
}

fn item_info(id: &RecordId, m: &Media) -> ItemInfo {
    let ext = formats_media::TYPES
        .iter()
        .find(|t| t.mime == m.content_type)
        .map(|t| t.ext)
        .unwrap_or("bin");
    ItemInfo {
        record_id: id.to_string(),
        sha256: m.sha256.clone(),
        size: m.size,
        content_type: m.content_type.clone(),
        ext: ext.to_owned(),
        caption: m.caption.clone(),
        about: Value::Array(
            m.about
                .iter()
                .map(|(k, id)| json!({"kind": k.as_str(), "id": id.as_str()}))
                .collect(),
        ),
        capture: m
            .capture
            .as_ref()
            .map(|c| serde_json::to_value(c).expect("a capture serialises"))
            .unwrap_or(Value::Null),
    }
}

/// An uploaded name without folders or control characters, at most 200 characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}
