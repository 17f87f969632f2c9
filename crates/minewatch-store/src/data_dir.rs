//! The data directory: the device key, the SQLite database (by default) and settings.
//!
//! Layout:
//! - `device.key` — the device's ed25519 secret seed in hex, mode 0600;
//! - `minewatch.db` — the SQLite database, unless `minewatch.toml` names another;
//! - `minewatch.toml` — optional settings, e.g. `database = "postgres://…"` and a
//!   `[mail]` table for sending requests (see [`crate::mail`]) and a `[blobs]` table
//!   for where media are kept (see [`crate::blobs`]);
//! - `blobs/` — media files by SHA-256, unless `[blobs]` names other storage;
//! - `uploads/` — resumable uploads not finished yet.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::blobs::{BlobConfig, BlobStore};
use crate::mail::MailConfig;
use crate::{DeviceKey, Store, StoreError};

const KEY_FILE: &str = "device.key";
const DB_FILE: &str = "minewatch.db";
const CONFIG_FILE: &str = "minewatch.toml";

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("no data directory at {0}: create one with `minewatch init --data {0}`")]
    Missing(PathBuf),
    #[error(
        "{0} is not empty and is not a minewatch data directory (it has no device key): \
         choose a new or empty directory"
    )]
    NotEmpty(PathBuf),
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error(
        "{0} has no device key: this is not a minewatch data directory, or its key was removed \
         (entries cannot be signed without it); `minewatch init --data DIR` makes a new directory"
    )]
    MissingKey(PathBuf),
    #[error("{0} is not a device key: expected 64 hexadecimal digits")]
    BadKey(PathBuf),
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database {path} is missing: the data directory is incomplete")]
    MissingDatabase { path: PathBuf },
    #[error("cannot open the database {url}: {source}")]
    Database {
        url: String,
        #[source]
        source: StoreError,
    },
}

/// What `init` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Created,
    AlreadyInitialised,
}

/// A minewatch data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    path: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.to_owned(),
        source,
    }
}

impl DataDir {
    /// Creates the directory and its device key, or finds them there already. With
    /// `database`, records it as the database to use instead of the SQLite file.
    pub fn init(
        path: &Path,
        database: Option<&str>,
    ) -> Result<(DataDir, InitOutcome), DataDirError> {
        if path.exists() && !path.is_dir() {
            return Err(DataDirError::NotADirectory(path.to_owned()));
        }
        let dir = DataDir {
            path: path.to_owned(),
        };
        let key_path = dir.key_path();
        if key_path.exists() {
            dir.device_key()?;
            return Ok((dir, InitOutcome::AlreadyInitialised));
        }
        // Never take over a directory that holds something else (`--data ~` by mistake).
        if path.exists() && fs::read_dir(path).map_err(io_err(path))?.next().is_some() {
            return Err(DataDirError::NotEmpty(path.to_owned()));
        }
        fs::create_dir_all(path).map_err(io_err(path))?;
        // The directory holds the signing key and personal data: owner only.
        fs::set_permissions(path, fs::Permissions::from_mode(0o700)).map_err(io_err(path))?;
        if let Some(url) = database {
            let config = format!("database = {}\n", toml_string(url));
            write_private(&dir.path.join(CONFIG_FILE), config.as_bytes())?;
        }
        write_private(
            &key_path,
            format!("{}\n", DeviceKey::generate().to_hex()).as_bytes(),
        )?;
        Ok((dir, InitOutcome::Created))
    }

    /// An existing data directory; a clear error if it is missing or incomplete.
    pub fn open(path: &Path) -> Result<DataDir, DataDirError> {
        if !path.exists() {
            return Err(DataDirError::Missing(path.to_owned()));
        }
        if !path.is_dir() {
            return Err(DataDirError::NotADirectory(path.to_owned()));
        }
        let dir = DataDir {
            path: path.to_owned(),
        };
        if !dir.key_path().exists() {
            return Err(DataDirError::MissingKey(path.to_owned()));
        }
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn key_path(&self) -> PathBuf {
        self.path.join(KEY_FILE)
    }

    pub fn device_key(&self) -> Result<DeviceKey, DataDirError> {
        let path = self.key_path();
        let text = fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DataDirError::MissingKey(self.path.clone()),
            _ => DataDirError::Io {
                path: path.clone(),
                source: e,
            },
        })?;
        if let Ok(meta) = fs::metadata(&path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the device key is readable by other users; run chmod 600 on it");
        }
        DeviceKey::from_hex(&text).ok_or(DataDirError::BadKey(path))
    }

    /// The database URL: `database` if given, else the one in `minewatch.toml`, else the
    /// SQLite file in the directory.
    pub fn database_url(&self, database: Option<&str>) -> Result<String, DataDirError> {
        if let Some(url) = database {
            return Ok(url.to_owned());
        }
        if let Some(table) = self.config()?
            && let Some(value) = table.get("database")
        {
            return value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| DataDirError::BadConfig {
                    path: self.path.join(CONFIG_FILE),
                    message: "database: expected a URL in quotes".into(),
                });
        }
        Ok(format!(
            "sqlite://{}?mode=rwc",
            self.path.join(DB_FILE).display()
        ))
    }

    /// `minewatch.toml`, if there is one.
    fn config(&self) -> Result<Option<toml::Table>, DataDirError> {
        let path = self.path.join(CONFIG_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).map_err(io_err(&path))?;
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| DataDirError::BadConfig {
                path,
                message: e.message().to_owned(),
            })
    }

    /// The `[mail]` settings of `minewatch.toml` (see [`crate::mail`]), if any.
    pub fn mail_config(&self) -> Result<Option<MailConfig>, DataDirError> {
        let Some(table) = self.config()? else {
            return Ok(None);
        };
        match table.get("mail") {
            None => Ok(None),
            Some(toml::Value::Table(t)) => {
                MailConfig::from_table(t)
                    .map(Some)
                    .map_err(|message| DataDirError::BadConfig {
                        path: self.path.join(CONFIG_FILE),
                        message,
                    })
            }
            Some(_) => Err(DataDirError::BadConfig {
                path: self.path.join(CONFIG_FILE),
                message: "mail: expected a [mail] table".into(),
            }),
        }
    }

    /// The `[blobs]` settings of `minewatch.toml` (see [`crate::blobs`]); without them,
    /// the `blobs` folder of the directory.
    pub fn blob_config(&self) -> Result<BlobConfig, DataDirError> {
        let bad = |message| DataDirError::BadConfig {
            path: self.path.join(CONFIG_FILE),
            message,
        };
        match self.config()?.as_ref().and_then(|t| t.get("blobs")) {
            None => Ok(BlobConfig::local(&self.path.join("blobs"))),
            Some(toml::Value::Table(t)) => BlobConfig::from_table(t, &self.path).map_err(bad),
            Some(_) => Err(bad("blobs: expected a [blobs] table".into())),
        }
    }

    /// The blob store the settings name.
    pub fn blob_store(&self) -> Result<BlobStore, DataDirError> {
        BlobStore::open(&self.blob_config()?).map_err(|e| DataDirError::BadConfig {
            path: self.path.join(CONFIG_FILE),
            message: e.to_string(),
        })
    }

    /// Where unfinished resumable uploads wait (`uploads/`).
    pub fn uploads(&self) -> crate::uploads::Uploads {
        crate::uploads::Uploads::new(&self.path.join("uploads"))
    }

    /// Opens the store, creating the SQLite file if the directory is new.
    pub async fn open_store(&self, database: Option<&str>) -> Result<Store, DataDirError> {
        let url = self.database_url(database)?;
        let key = self.device_key()?;
        let db_path = self.path.join(DB_FILE);
        if url.starts_with("sqlite:")
            && database.is_none()
            && !db_path.exists()
            && self.has_entries_marker()
        {
            return Err(DataDirError::MissingDatabase { path: db_path });
        }
        let store = Store::open(&url, key)
            .await
            .map_err(|source| DataDirError::Database {
                url: crate::redact_url(&url),
                source,
            })?;
        if url.starts_with("sqlite:") && database.is_none() {
            self.mark_has_database()?;
        }
        Ok(store)
    }

    /// The settings (`minewatch.toml`) as a copy of this directory elsewhere needs them:
    /// without `database` (the copy has its own `minewatch.db`) and without the path of
    /// a local blob folder (the copy has its own `blobs/`); mail, S3 and size settings
    /// stay.
    /// `None` when there are no settings.
    pub fn settings_for_copy(&self) -> Result<Option<String>, DataDirError> {
        let Some(mut table) = self.config()? else {
            return Ok(None);
        };
        table.remove("database");
        if matches!(
            self.blob_config()?.backend,
            crate::blobs::BlobBackend::Local { .. }
        ) && let Some(toml::Value::Table(blobs)) = table.get_mut("blobs")
        {
            blobs.remove("path");
        }
        toml::to_string(&table)
            .map(Some)
            .map_err(|e| DataDirError::BadConfig {
                path: self.path.join(CONFIG_FILE),
                message: e.to_string(),
            })
    }

    /// Opens the store only to read it (see [`Store::open_read_only`]).
    pub async fn open_store_read_only(
        &self,
        database: Option<&str>,
    ) -> Result<Store, DataDirError> {
        let url = self.database_url(database)?;
        let key = self.device_key()?;
        let db_path = self.path.join(DB_FILE);
        if url.starts_with("sqlite:") && database.is_none() && !db_path.exists() {
            return Err(DataDirError::MissingDatabase { path: db_path });
        }
        Store::open_read_only(&url, key)
            .await
            .map_err(|source| DataDirError::Database {
                url: crate::redact_url(&url),
                source,
            })
    }

    // A marker, written once the SQLite database exists, tells "new directory" (create
    // the database) from "database deleted" (refuse, rather than start an empty ledger).
    fn has_entries_marker(&self) -> bool {
        self.path.join(".has-database").exists()
    }

    fn mark_has_database(&self) -> Result<(), DataDirError> {
        let marker = self.path.join(".has-database");
        if !marker.exists() {
            fs::write(
                &marker,
                b"the SQLite database of this directory was created\n",
            )
            .map_err(io_err(&marker))?;
        }
        Ok(())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DataDirError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    file.write_all(bytes).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}
