//! Where stored days live: a directory (the CLI) or an S3 prefix (the
//! functions, and the CLI with `s3://`). Both replace an object whole.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use vpcwarden_store::{Bucket, S3Uri, StoreError};

/// Boxed futures keep the trait object-safe (one store value, two kinds).
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Objects under keys relative to the store's root (`events/v1/…`).
pub trait StoreBackend: Send + Sync {
    /// Every key under `prefix`.
    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Vec<String>>;
    /// One object.
    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Vec<u8>>;
    /// Writes an object, replacing any earlier one whole: a reader sees the
    /// old or the new object, and two writers leave one of them.
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>) -> Fut<'a, ()>;
    /// Where the store is, for messages and reports.
    fn describe(&self) -> String;
}

/// A directory.
#[derive(Debug, Clone)]
pub struct DirStore(pub PathBuf);

fn io_text(path: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

impl StoreBackend for DirStore {
    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Vec<String>> {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut stack = vec![self.0.join(prefix)];
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_text(&dir, e)),
                };
                for entry in entries {
                    let path = entry.map_err(|e| io_text(&dir, e))?.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if let Ok(rel) = path.strip_prefix(&self.0) {
                        let key = rel
                            .to_string_lossy()
                            .replace(std::path::MAIN_SEPARATOR, "/");
                        out.push(key);
                    }
                }
            }
            out.sort();
            Ok(out)
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.0.join(key);
            std::fs::read(&path).map_err(|e| io_text(&path, e))
        })
    }

    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>) -> Fut<'a, ()> {
        Box::pin(async move {
            let path = self.0.join(key);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io_text(dir, e))?;
            }
            // Write aside, then rename over: atomic on one file system, so a
            // reader or a second writer never meets half a file.
            let tmp = path.with_extension(format!(
                "tmp-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::write(&tmp, &body).map_err(|e| io_text(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| io_text(&path, e))
        })
    }

    fn describe(&self) -> String {
        self.0.display().to_string()
    }
}

/// A prefix in a bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    bucket: Bucket,
    prefix: String,
}

impl S3Store {
    /// The store at `uri`.
    pub fn new(client: aws_sdk_s3::Client, uri: &S3Uri) -> Self {
        S3Store {
            bucket: Bucket::new(client, uri.bucket.clone()),
            prefix: uri.prefix.clone(),
        }
    }
}

fn s3_text(e: StoreError) -> String {
    e.to_string()
}

impl StoreBackend for S3Store {
    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Vec<String>> {
        Box::pin(async move {
            let full = format!("{}{prefix}", self.prefix);
            Ok(self
                .bucket
                .list(&full)
                .await
                .map_err(s3_text)?
                .into_iter()
                .filter_map(|(k, _)| k.strip_prefix(&self.prefix).map(str::to_string))
                .collect())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Vec<u8>> {
        Box::pin(async move {
            self.bucket
                .get(&format!("{}{key}", self.prefix))
                .await
                .map_err(s3_text)
        })
    }

    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>) -> Fut<'a, ()> {
        // One PutObject: S3 replaces an object atomically.
        Box::pin(async move {
            self.bucket
                .put(&format!("{}{key}", self.prefix), body, "application/gzip")
                .await
                .map_err(s3_text)
        })
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket.name(), self.prefix)
    }
}

/// The store at `location`: `s3://bucket[/prefix]` (through `s3`) or a directory.
pub fn open(
    location: &str,
    s3: impl FnOnce() -> aws_sdk_s3::Client,
) -> Result<Arc<dyn StoreBackend>, StoreError> {
    Ok(if location.starts_with("s3://") {
        Arc::new(S3Store::new(s3(), &S3Uri::parse(location)?))
    } else {
        Arc::new(DirStore(PathBuf::from(location)))
    })
}
