//! One blob-store suite, run against a local folder and against a real S3-compatible
//! server (moto, started by the test).

use bytes::Bytes;
use futures::StreamExt as _;
use minewatch_store::blobs::{BlobConfig, BlobError, BlobStore};
use minewatch_testing::S3Server;
use sha2::{Digest as _, Sha256};

/// A deterministic file of `len` bytes, streamed in chunks of `chunk` bytes.
fn file(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u64 * 2654435761 % 251) as u8 ^ seed)
        .collect()
}

fn chunks(
    bytes: &[u8],
    chunk: usize,
) -> impl futures::Stream<Item = Result<Bytes, String>> + Unpin + use<> {
    let parts: Vec<Result<Bytes, String>> = bytes
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures::stream::iter(parts)
}

async fn read_back(blobs: &BlobStore, hash: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (size, mut s) = blobs.get_stream(hash).await.expect("the blob is stored");
    while let Some(c) = s.next().await {
        out.extend_from_slice(&c.expect("a chunk"));
    }
    assert_eq!(size, out.len() as u64, "the size given is the bytes' size");
    out
}

async fn suite(blobs: BlobStore) {
    // A file of several parts (parts are 5 MiB) streams in and out unchanged.
    let big = file(19 << 20, 7);
    let put = blobs
        .put_stream(chunks(&big, 100_003), |_| Ok(()))
        .await
        .expect("storing a 19 MiB file");
    assert_eq!(put.sha256, hex::encode(Sha256::digest(&big)));
    assert_eq!(put.size, big.len() as u64);
    assert!(!put.deduplicated);
    assert_eq!(put.head, big[..64 * 1024]);
    assert!(
        read_back(&blobs, &put.sha256).await == big,
        "the bytes read back differ"
    );
    assert_eq!(
        blobs.size(&put.sha256).await.unwrap(),
        Some(big.len() as u64)
    );

    // The same file again is stored once.
    let again = blobs
        .put_stream(chunks(&big, 65_536), |_| Ok(()))
        .await
        .unwrap();
    assert_eq!(again.sha256, put.sha256);
    assert!(again.deduplicated);
    let small = blobs.put_bytes(b"a small file".to_vec()).await.unwrap();
    let (hashes, incoming) = blobs.inventory().await.unwrap();
    let mut expected = vec![put.sha256.clone(), small.sha256.clone()];
    expected.sort();
    assert_eq!(hashes, expected, "one blob per distinct file");
    assert_eq!(incoming, 0, "no upload is left half-way");

    // Refused by the inspector: nothing stored.
    let refused = blobs
        .put_stream(chunks(&file(200_000, 9), 4096), |head| {
            assert_eq!(head.len(), 64 * 1024);
            Err("not a photo".into())
        })
        .await;
    assert!(
        matches!(refused, Err(BlobError::Refused(ref m)) if m == "not a photo"),
        "{refused:?}"
    );

    // Cut off half-way: nothing stored, nothing left in incoming.
    let cut = file(10 << 20, 3);
    let mut parts: Vec<Result<Bytes, String>> = cut
        .chunks(1 << 20)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    parts.truncate(9);
    parts.push(Err("connection reset by peer".into()));
    let interrupted = blobs
        .put_stream(futures::stream::iter(parts), |_| Ok(()))
        .await;
    assert!(
        matches!(interrupted, Err(BlobError::Interrupted(ref m)) if m.contains("reset")),
        "{interrupted:?}"
    );

    // Empty files are no evidence.
    let empty = blobs.put_stream(chunks(b"", 1), |_| Ok(())).await;
    assert!(matches!(empty, Err(BlobError::Empty)), "{empty:?}");

    assert_eq!(blobs.inventory().await.unwrap(), (expected.clone(), 0));
    let missing = "0".repeat(64);
    assert!(matches!(
        blobs.get_stream(&missing).await,
        Err(BlobError::NotFound(_))
    ));
    assert_eq!(blobs.size(&missing).await.unwrap(), None);
}

/// Past the size limit: refused while streaming, nothing stored.
async fn limit_suite(blobs: BlobStore) {
    assert_eq!(blobs.max_upload_bytes(), 1 << 20);
    let too_big = file((1 << 20) + 1, 5);
    let r = blobs.put_stream(chunks(&too_big, 70_000), |_| Ok(())).await;
    assert!(
        matches!(r, Err(BlobError::TooLarge { limit }) if limit == 1 << 20),
        "{r:?}"
    );
    let just = file(1 << 20, 5);
    blobs
        .put_stream(chunks(&just, 70_000), |_| Ok(()))
        .await
        .expect("exactly the limit");
    let (hashes, incoming) = blobs.inventory().await.unwrap();
    assert_eq!((hashes.len(), incoming), (1, 0));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn with_limit(text: &str, dir: &std::path::Path) -> BlobConfig {
    let table: toml::Table = toml::from_str(text).unwrap();
    let mut t = table["blobs"].as_table().unwrap().clone();
    t.insert("max_upload_mb".into(), toml::Value::Integer(1));
    BlobConfig::from_table(&t, dir).unwrap()
}

#[test]
fn local_folder_blob_store() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        suite(BlobStore::open(&BlobConfig::local(&dir.path().join("a"))).unwrap()).await;
        let config = with_limit("[blobs]\npath = \"b\"\n", dir.path());
        limit_suite(BlobStore::open(&config).unwrap()).await;
    });
}

#[test]
fn s3_blob_store() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let table: toml::Table = toml::from_str(&server.blobs_toml()).unwrap();
        let config =
            BlobConfig::from_table(table["blobs"].as_table().unwrap(), dir.path()).unwrap();
        let blobs = BlobStore::open(&config).unwrap();
        assert!(blobs.describe().starts_with("S3 bucket minewatch"));
        suite(blobs).await;
    });
    // A second bucket for the limit, so the suites do not see each other's blobs.
    server.create_bucket("limits");
    runtime().block_on(async {
        let text = server
            .blobs_toml()
            .replace("bucket = \"minewatch\"", "bucket = \"limits\"");
        limit_suite(BlobStore::open(&with_limit(&text, dir.path())).unwrap()).await;
    });
}

#[test]
fn blob_settings_are_checked_key_by_key() {
    let dir = std::path::Path::new("/data");
    let read = |text: &str| {
        let table: toml::Table = toml::from_str(text).unwrap();
        BlobConfig::from_table(table["blobs"].as_table().unwrap(), dir)
    };
    assert_eq!(
        read("[blobs]\nbackend = \"s3\"\nbucket = \"b\"\n").unwrap_err(),
        "blobs.access_key_id: required for backend = \"s3\""
    );
    let e = read(
        "[blobs]\nbackend = \"s3\"\nbucket = \"b\"\nendpoint = \"http://s3.example.org\"\n\
         access_key_id = \"k\"\nsecret_access_key = \"s\"\nallow_http = true\n",
    )
    .unwrap_err();
    assert!(
        e.starts_with("blobs.allow_http: plain HTTP is allowed only"),
        "{e}"
    );
    // Plain HTTP to this machine only: a remote name that begins with "127." or hides
    // behind user information is refused; loopback addresses are taken.
    let http_to = |endpoint: &str| {
        read(&format!(
            "[blobs]\nbackend = \"s3\"\nbucket = \"b\"\nendpoint = \"{endpoint}\"\n\
             access_key_id = \"k\"\nsecret_access_key = \"s\"\nallow_http = true\n"
        ))
    };
    for remote in [
        "http://127.evil.example:9000",
        "http://127.0.0.1@evil.example",
        "http://127.0.0.1.evil.example",
    ] {
        let e = http_to(remote).unwrap_err();
        assert!(
            e.starts_with("blobs.allow_http: plain HTTP is allowed only"),
            "{remote} is not this machine: {e}"
        );
    }
    for local in [
        "http://127.0.0.1:9000",
        "http://127.1.2.3",
        "http://localhost:9000/",
        "http://[::1]:9000",
    ] {
        assert!(http_to(local).is_ok(), "{local} is this machine");
    }
    assert!(
        read("[blobs]\nbackend = \"ftp\"\n")
            .unwrap_err()
            .starts_with("blobs.backend")
    );
    assert!(
        read("[blobs]\nmax_upload_mb = 0\n")
            .unwrap_err()
            .starts_with("blobs.max_upload_mb")
    );
    assert!(
        read("[blobs]\nbukket = \"x\"\n")
            .unwrap_err()
            .starts_with("blobs.bukket: unknown")
    );
    assert_eq!(
        read("[blobs]\npath = \"media\"\nmax_upload_mb = 10\n").unwrap(),
        BlobConfig {
            backend: minewatch_store::blobs::BlobBackend::Local {
                path: dir.join("media")
            },
            max_upload_bytes: 10 << 20,
        }
    );
}
