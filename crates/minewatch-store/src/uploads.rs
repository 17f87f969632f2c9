//! Resumable uploads: a large video sent over a bad connection arrives in pieces, and
//! a cut connection loses only the piece in flight.
//!
//! An upload is announced with its size and what it is evidence for; its bytes are
//! appended at the offset the server reports, each piece streamed to a staging file in
//! the data directory (`uploads/<id>.part`, with `<id>.json` beside it), kept across
//! restarts. When the last byte arrives the file goes through the ordinary media intake
//! and the staging files are removed. An upload without a new piece for a week is
//! dropped when the next one is announced.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt as _;
use minewatch_domain::RecordId;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// An unfinished upload is dropped after this long without a piece.
const EXPIRES_AFTER_MS: i64 = 7 * 24 * 3600 * 1000;

/// What an upload was announced with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadMeta {
    /// Who announced it: only they may add to it.
    pub owner: String,
    pub about: Vec<RecordId>,
    pub size: u64,
    pub filename: Option<String>,
    pub caption: Option<String>,
    pub visibility: Option<String>,
    pub content_type: Option<String>,
    pub touched_ms: i64,
    /// Whether the first bytes' type was checked (once enough of them are in, whatever
    /// piece brought them).
    #[serde(default)]
    pub head_checked: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Another piece of the same upload is arriving: two at once would interleave.
    #[error("a piece of this upload is arriving already; wait for it, then ask where it stands")]
    Busy,
    /// Unknown, finished, expired or someone else's: the same answer for each.
    #[error("no such upload: it finished, expired or never existed")]
    Gone,
    #[error("the upload is at byte {current}, not {sent}: send from {current}")]
    WrongOffset { current: u64, sent: u64 },
    #[error("the piece goes past the announced size of {size} bytes")]
    PastEnd { size: u64 },
    #[error("the piece was cut off: {0}")]
    Interrupted(String),
    #[error("staging an upload: {0}")]
    Io(#[from] std::io::Error),
}

/// Where unfinished uploads wait.
#[derive(Debug, Clone)]
pub struct Uploads {
    dir: PathBuf,
    /// Uploads a piece is being appended to, in this process.
    busy: Arc<Mutex<HashSet<String>>>,
}

/// An upload marked busy: while a piece is appended and, after the last one, until
/// its intake is done (so a retried last piece cannot take the file in twice).
pub struct Held(Arc<Mutex<HashSet<String>>>, String);

impl Drop for Held {
    fn drop(&mut self) {
        self.0
            .lock()
            .expect("the busy set is never poisoned")
            .remove(&self.1);
    }
}

impl Uploads {
    pub fn new(dir: &Path) -> Uploads {
        Uploads {
            dir: dir.to_owned(),
            busy: Arc::default(),
        }
    }

    /// The staging folder (in the data directory).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn paths(&self, id: &str) -> Option<(PathBuf, PathBuf)> {
        let ok = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| {
            (
                self.dir.join(format!("{id}.json")),
                self.dir.join(format!("{id}.part")),
            )
        })
    }

    /// Announces an upload; returns its id. Expired uploads are dropped on the way.
    pub async fn create(&self, mut meta: UploadMeta) -> Result<String, UploadError> {
        tokio::fs::create_dir_all(&self.dir).await?;
        self.expire().await?;
        let id = crate::random_hex(16);
        let (json, part) = self.paths(&id).expect("a random id is hex");
        meta.touched_ms = crate::now_ms();
        tokio::fs::write(&part, b"").await?;
        write_meta(&json, &meta).await?;
        Ok(id)
    }

    /// The upload's announcement and how many bytes have arrived, for `owner`.
    pub async fn status(&self, id: &str, owner: &str) -> Result<(UploadMeta, u64), UploadError> {
        let (json, part) = self.paths(id).ok_or(UploadError::Gone)?;
        let meta: UploadMeta = match tokio::fs::read(&json).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| UploadError::Gone)?,
            Err(_) => return Err(UploadError::Gone),
        };
        if meta.owner != owner || crate::now_ms() - meta.touched_ms > EXPIRES_AFTER_MS {
            return Err(UploadError::Gone);
        }
        let len = tokio::fs::metadata(&part)
            .await
            .map_err(|_| UploadError::Gone)?
            .len();
        Ok((meta, len))
    }

    /// Appends a piece sent for `offset`. What arrives before a cut is kept, so the
    /// client resumes from the offset the server reports. Returns the new offset, and
    /// the upload held busy for as long as the caller keeps the guard.
    pub async fn append<S, E>(
        &self,
        id: &str,
        owner: &str,
        offset: u64,
        mut piece: S,
    ) -> Result<(UploadMeta, u64, Held), UploadError>
    where
        S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        // Claimed before the offset is read, so no other piece moves it meanwhile.
        if !self
            .busy
            .lock()
            .expect("the busy set is never poisoned")
            .insert(id.to_owned())
        {
            return Err(UploadError::Busy);
        }
        let held = Held(Arc::clone(&self.busy), id.to_owned());
        let (mut meta, current) = self.status(id, owner).await?;
        if offset != current {
            return Err(UploadError::WrongOffset {
                current,
                sent: offset,
            });
        }
        let (json, part) = self.paths(id).expect("status checked the id");
        let mut file = tokio::fs::OpenOptions::new()
            .append(true)
            .open(&part)
            .await?;
        let mut at = current;
        let mut outcome = Ok(());
        while let Some(chunk) = piece.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    outcome = Err(UploadError::Interrupted(e.to_string()));
                    break;
                }
            };
            if at + chunk.len() as u64 > meta.size {
                outcome = Err(UploadError::PastEnd { size: meta.size });
                break;
            }
            file.write_all(&chunk).await?;
            at += chunk.len() as u64;
        }
        // What arrived is durable before the offset is reported.
        file.sync_all().await?;
        meta.touched_ms = crate::now_ms();
        write_meta(&json, &meta).await?;
        outcome.map(|()| (meta, at, held))
    }

    /// Records that the upload's first bytes passed the type check.
    pub async fn head_checked(
        &self,
        id: &str,
        meta: &mut UploadMeta,
        _held: &Held,
    ) -> Result<(), UploadError> {
        let (json, _) = self.paths(id).ok_or(UploadError::Gone)?;
        meta.head_checked = true;
        write_meta(&json, meta).await
    }

    /// The first bytes of an upload (for checking its type early).
    pub async fn head(&self, id: &str, n: usize) -> Result<Vec<u8>, UploadError> {
        let (_, part) = self.paths(id).ok_or(UploadError::Gone)?;
        let mut file = tokio::fs::File::open(&part).await?;
        let mut out = vec![0u8; n];
        let mut got = 0;
        while got < n {
            let k = file.read(&mut out[got..]).await?;
            if k == 0 {
                break;
            }
            got += k;
        }
        out.truncate(got);
        Ok(out)
    }

    /// The staged file as a stream of 1 MiB chunks, for the intake.
    pub async fn bytes(
        &self,
        id: &str,
    ) -> Result<
        impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin + use<>,
        UploadError,
    > {
        let (_, part) = self.paths(id).ok_or(UploadError::Gone)?;
        Ok(crate::blobs::file_chunks(
            tokio::fs::File::open(&part).await?,
        ))
    }

    /// Removes an upload's staging files.
    pub async fn remove(&self, id: &str) -> Result<(), UploadError> {
        if let Some((json, part)) = self.paths(id) {
            let _ = tokio::fs::remove_file(json).await;
            let _ = tokio::fs::remove_file(part).await;
        }
        Ok(())
    }

    async fn expire(&self) -> Result<(), UploadError> {
        let mut dir = tokio::fs::read_dir(&self.dir).await?;
        let now = crate::now_ms();
        while let Some(entry) = dir.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                // A piece file or a half-written announcement whose announcement is
                // gone (a crash between the two), and older than a day (not one being
                // announced right now), is an orphan.
                let old = entry
                    .metadata()
                    .await
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 24 * 3600);
                let orphan = old
                    && name
                        .strip_suffix(".part")
                        .or_else(|| name.strip_suffix(".json.tmp"))
                        .is_some_and(|id| !self.dir.join(format!("{id}.json")).exists());
                if orphan {
                    let _ = tokio::fs::remove_file(entry.path()).await;
                }
                continue;
            };
            let stale = match tokio::fs::read(entry.path()).await {
                Ok(bytes) => serde_json::from_slice::<UploadMeta>(&bytes)
                    .map_or(true, |m| now - m.touched_ms > EXPIRES_AFTER_MS),
                Err(_) => true,
            };
            if stale {
                self.remove(id).await?;
            }
        }
        Ok(())
    }
}

/// Writes the announcement whole or not at all, synced before it replaces the last.
async fn write_meta(path: &Path, meta: &UploadMeta) -> Result<(), UploadError> {
    let tmp = path.with_extension("json.tmp");
    let mut file = tokio::fs::File::create(&tmp).await?;
    file.write_all(&serde_json::to_vec(meta).expect("meta serialises"))
        .await?;
    file.sync_all().await?;
    tokio::fs::rename(&tmp, path).await?;
    Ok(())
}
