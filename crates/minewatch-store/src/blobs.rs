//! The blob store: media files addressed by their SHA-256, stored once, streamed in
//! and out in chunks, never held whole in memory.
//!
//! It goes through `object_store`: a local directory by default (`DATA/blobs`), or an
//! S3-compatible bucket set in `minewatch.toml`:
//!
//! ```toml
//! [blobs]
//! backend = "s3"                  # or "local" (the default)
//! bucket = "minewatch"
//! endpoint = "https://s3.example.org"
//! region = "us-east-1"
//! access_key_id = "…"
//! secret_access_key = "…"
//! max_upload_mb = 2048            # the largest file taken (default 2048)
//! ```
//!
//! An upload streams to `incoming/<uuid>` as a multipart upload while its SHA-256 is
//! computed. Only when every byte has arrived is it moved to `sha256/<ab>/<hash>`. A
//! failed, refused or cut-off upload is aborted, so no partial blob is ever visible
//! under its hash. A crash (or a failed move) can leave an orphan under `incoming/`,
//! and a failed record write a stored blob; no record names either. On S3, an upload
//! cut by a crash stays as an unfinished multipart upload until a lifecycle rule
//! (`AbortIncompleteMultipartUpload`) clears it.

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt as _};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart};
use sha2::{Digest as _, Sha256};

use minewatch_domain::evidence::is_sha256_hex;

/// The largest upload taken unless `max_upload_mb` says otherwise.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 2 << 30;

/// How many leading bytes of an upload its inspector sees before anything is stored.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Parts of a multipart upload: S3's smallest, so memory stays low (at most
/// `MAX_PARTS_IN_FLIGHT` parts are buffered while they are written).
const PART_BYTES: usize = 5 << 20;
const MAX_PARTS_IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the file is larger than the {limit}-byte limit (max_upload_mb in [blobs])")]
    TooLarge { limit: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("the upload was cut off: {0}")]
    Interrupted(String),
    /// The inspector refused the file's first bytes.
    #[error("{0}")]
    Refused(String),
    #[error("no stored file with SHA-256 {0}")]
    NotFound(String),
    #[error("blob storage: {0}")]
    Storage(String),
    #[error("[blobs] {0}")]
    Config(String),
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
            other => BlobError::Storage(other.to_string()),
        }
    }
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutBlob {
    pub sha256: String,
    pub size: u64,
    /// The blob was stored already (the same file uploaded before): nothing was added.
    pub deduplicated: bool,
    /// Its first bytes (up to [`HEAD_BYTES`]), as the inspector saw them.
    pub head: Vec<u8>,
}

/// The `[blobs]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobBackend {
    Local {
        path: std::path::PathBuf,
    },
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: String,
        access_key_id: String,
        secret_access_key: String,
        allow_http: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobConfig {
    pub backend: BlobBackend,
    pub max_upload_bytes: u64,
}

impl BlobConfig {
    /// The default: a `blobs` folder in the data directory.
    pub fn local(dir: &std::path::Path) -> BlobConfig {
        BlobConfig {
            backend: BlobBackend::Local {
                path: dir.to_owned(),
            },
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        }
    }

    /// Reads a `[blobs]` table; `data_dir` anchors a relative local path. Errors name
    /// the key and what was expected.
    pub fn from_table(
        table: &toml::Table,
        data_dir: &std::path::Path,
    ) -> Result<BlobConfig, String> {
        const KEYS: [&str; 9] = [
            "backend",
            "path",
            "bucket",
            "endpoint",
            "region",
            "access_key_id",
            "secret_access_key",
            "allow_http",
            "max_upload_mb",
        ];
        if let Some(k) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "blobs.{k}: unknown setting; expected one of {}",
                KEYS.join(", ")
            ));
        }
        let text = |key: &str| -> Result<Option<String>, String> {
            match table.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) if !s.trim().is_empty() => {
                    Ok(Some(s.trim().to_owned()))
                }
                Some(_) => Err(format!("blobs.{key}: expected text in quotes")),
            }
        };
        let max_upload_bytes = match table.get("max_upload_mb") {
            None => DEFAULT_MAX_UPLOAD_BYTES,
            Some(toml::Value::Integer(mb)) if (1..=1_000_000).contains(mb) => (*mb as u64) << 20,
            Some(_) => {
                return Err(
                    "blobs.max_upload_mb: expected a whole number of megabytes, 1 to 1000000"
                        .into(),
                );
            }
        };
        let backend = match text("backend")?.as_deref() {
            None | Some("local") => {
                let path = text("path")?.unwrap_or_else(|| "blobs".into());
                BlobBackend::Local {
                    path: data_dir.join(path),
                }
            }
            Some("s3") => {
                let need = |key: &str| {
                    text(key)?.ok_or_else(|| format!("blobs.{key}: required for backend = \"s3\""))
                };
                let endpoint = text("endpoint")?;
                let allow_http = match table.get("allow_http") {
                    None => false,
                    Some(toml::Value::Boolean(b)) => *b,
                    Some(_) => return Err("blobs.allow_http: expected true or false".into()),
                };
                if allow_http && !endpoint.as_deref().is_some_and(is_loopback_url) {
                    return Err(
                        "blobs.allow_http: plain HTTP is allowed only to a server on this machine (127.0.0.1 or localhost); use https".into(),
                    );
                }
                BlobBackend::S3 {
                    bucket: need("bucket")?,
                    endpoint,
                    region: text("region")?.unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: need("access_key_id")?,
                    secret_access_key: need("secret_access_key")?,
                    allow_http,
                }
            }
            Some(other) => {
                return Err(format!(
                    "blobs.backend: {other:?}: expected \"local\" or \"s3\""
                ));
            }
        };
        Ok(BlobConfig {
            backend,
            max_upload_bytes,
        })
    }
}

/// Whether an endpoint's host is this machine: `localhost` or a loopback address (not
/// a name that merely begins with `127.`).
fn is_loopback_url(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Media files by their SHA-256.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    max_upload_bytes: u64,
    describe: String,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

fn blob_path(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!("sha256/{}/{sha256}", &sha256[..2]))
}

impl BlobStore {
    pub fn open(config: &BlobConfig) -> Result<BlobStore, BlobError> {
        let (inner, describe): (Arc<dyn ObjectStore>, String) = match &config.backend {
            BlobBackend::Local { path } => {
                std::fs::create_dir_all(path)
                    .map_err(|e| BlobError::Config(format!("creating {}: {e}", path.display())))?;
                // Synced: a record is committed only after its file, so the file must
                // outlast a power cut as the database does.
                let fs = object_store::local::LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| BlobError::Config(format!("{}: {e}", path.display())))?
                    .with_fsync(true);
                (Arc::new(fs), format!("local folder {}", path.display()))
            }
            BlobBackend::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key)
                    .with_allow_http(*allow_http);
                if let Some(e) = endpoint {
                    b = b.with_endpoint(e);
                }
                let s3 = b.build().map_err(|e| BlobError::Config(e.to_string()))?;
                (
                    Arc::new(s3),
                    format!(
                        "S3 bucket {bucket}{}",
                        endpoint
                            .as_deref()
                            .map(|e| format!(" at {e}"))
                            .unwrap_or_default()
                    ),
                )
            }
        };
        Ok(BlobStore {
            inner,
            max_upload_bytes: config.max_upload_bytes,
            describe,
        })
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes
    }

    /// Where the blobs are, for messages.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// Streams `chunks` in, hashing on the way. `inspect` sees the first bytes (up to
    /// [`HEAD_BYTES`], or the whole file if shorter) before anything is stored, and may
    /// refuse the file. Too large, refused, empty or cut-off uploads leave nothing.
    pub async fn put_stream<S, E>(
        &self,
        mut chunks: S,
        inspect: impl FnOnce(&[u8]) -> Result<(), String>,
    ) -> Result<PutBlob, BlobError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        // The head is gathered first, so a refused file never reaches the store.
        let mut head = Vec::new();
        let mut ended = false;
        let mut pending: Option<Bytes> = None;
        while head.len() < HEAD_BYTES {
            match chunks.next().await {
                None => {
                    ended = true;
                    break;
                }
                Some(Err(e)) => return Err(BlobError::Interrupted(e.to_string())),
                Some(Ok(b)) => {
                    let take = (HEAD_BYTES - head.len()).min(b.len());
                    head.extend_from_slice(&b[..take]);
                    if take < b.len() {
                        pending = Some(b.slice(take..));
                    }
                }
            }
        }
        if head.is_empty() {
            return Err(BlobError::Empty);
        }
        inspect(&head).map_err(BlobError::Refused)?;

        let incoming = ObjectPath::from(format!("incoming/{}", uuid::Uuid::new_v4()));
        let upload = self.inner.put_multipart(&incoming).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let outcome: Result<(), BlobError> = async {
            let mut feed = async |b: Bytes, writer: &mut WriteMultipart| -> Result<(), BlobError> {
                size += b.len() as u64;
                if size > self.max_upload_bytes {
                    return Err(BlobError::TooLarge {
                        limit: self.max_upload_bytes,
                    });
                }
                hasher.update(&b);
                // `put` keeps the shared chunk: no copy.
                writer.put(b);
                writer.wait_for_capacity(MAX_PARTS_IN_FLIGHT).await?;
                Ok(())
            };
            feed(Bytes::copy_from_slice(&head), &mut writer).await?;
            if let Some(b) = pending.take() {
                feed(b, &mut writer).await?;
            }
            if !ended {
                while let Some(chunk) = chunks.next().await {
                    let b = chunk.map_err(|e| BlobError::Interrupted(e.to_string()))?;
                    feed(b, &mut writer).await?;
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            // Aborting removes the parts written so far; its own failure adds nothing
            // the caller can act on.
            let _ = writer.abort().await;
            return Err(e);
        }
        writer.finish().await?;
        let sha256 = hex::encode(hasher.finalize());
        let target = blob_path(&sha256);
        let deduplicated = self.inner.head(&target).await.is_ok();
        if deduplicated {
            self.inner.delete(&incoming).await?;
        } else {
            self.inner.rename(&incoming, &target).await?;
        }
        Ok(PutBlob {
            sha256,
            size,
            deduplicated,
            head,
        })
    }

    /// Stores bytes already in memory (a public copy).
    pub async fn put_bytes(&self, bytes: Vec<u8>) -> Result<PutBlob, BlobError> {
        let stream = futures::stream::iter([Ok::<_, std::convert::Infallible>(Bytes::from(bytes))]);
        self.put_stream(stream, |_| Ok(())).await
    }

    /// The blob's size and its bytes as a stream of chunks.
    pub async fn get_stream(
        &self,
        sha256: &str,
    ) -> Result<(u64, BoxStream<'static, Result<Bytes, BlobError>>), BlobError> {
        if !is_sha256_hex(sha256) {
            return Err(BlobError::NotFound(sha256.to_owned()));
        }
        let got = self
            .inner
            .get(&blob_path(sha256))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => BlobError::NotFound(sha256.to_owned()),
                other => other.into(),
            })?;
        let size = got.meta.size;
        Ok((
            size,
            got.into_stream()
                .map(|r| r.map_err(BlobError::from))
                .boxed(),
        ))
    }

    /// The whole blob, refusing one larger than `max` bytes (for images made into
    /// public copies, which must be read whole).
    pub async fn get_bytes(&self, sha256: &str, max: u64) -> Result<Vec<u8>, BlobError> {
        let mut out = Vec::new();
        let (_, mut s) = self.get_stream(sha256).await?;
        while let Some(chunk) = s.next().await {
            let chunk = chunk?;
            if (out.len() + chunk.len()) as u64 > max {
                return Err(BlobError::TooLarge { limit: max });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// The blob's size, if it is stored.
    pub async fn size(&self, sha256: &str) -> Result<Option<u64>, BlobError> {
        if !is_sha256_hex(sha256) {
            return Ok(None);
        }
        match self.inner.head(&blob_path(sha256)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every stored blob's hash (for checks and tests), and how many objects sit
    /// under `incoming/` (uploads in flight or left by a crash).
    pub async fn inventory(&self) -> Result<(Vec<String>, usize), BlobError> {
        let mut hashes = Vec::new();
        let mut listing = self.inner.list(Some(&ObjectPath::from("sha256")));
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if let Some(name) = meta.location.filename() {
                hashes.push(name.to_owned());
            }
        }
        hashes.sort();
        let mut incoming = 0;
        let mut listing = self.inner.list(Some(&ObjectPath::from("incoming")));
        while let Some(meta) = listing.next().await {
            meta?;
            incoming += 1;
        }
        Ok((hashes, incoming))
    }
}

/// A file's bytes as a stream of 1 MiB chunks: how files on disk are fed to the blob
/// store and to responses without being read whole.
pub fn file_chunks(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send {
    Box::pin(futures::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buf = vec![0u8; 1 << 20];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    }))
}
