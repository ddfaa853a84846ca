//! The data bucket as a port: what the jobs need of it (list, get, put), so
//! their logic runs against S3 in production and an in-memory fake in tests.

use std::future::Future;
use std::pin::Pin;

use crate::bucket::{Bucket, StoreError};

/// A boxed future: the ports are used as `dyn` objects.
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Objects under keys.
pub trait ObjectStore: Send + Sync {
    /// The bucket's name (for messages and `s3://` links).
    fn name(&self) -> &str;
    /// Every key under `prefix` with its size, in key order.
    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Result<Vec<(String, u64)>, StoreError>>;
    /// One object's bytes.
    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Result<Vec<u8>, StoreError>>;
    /// Writes (overwrites) one object.
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        content_type: &'a str,
    ) -> Fut<'a, Result<(), StoreError>>;
}

impl ObjectStore for Bucket {
    fn name(&self) -> &str {
        Bucket::name(self)
    }

    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Result<Vec<(String, u64)>, StoreError>> {
        Box::pin(Bucket::list(self, prefix))
    }

    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Result<Vec<u8>, StoreError>> {
        Box::pin(Bucket::get(self, key))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        content_type: &'a str,
    ) -> Fut<'a, Result<(), StoreError>> {
        Box::pin(Bucket::put(self, key, body, content_type))
    }
}

impl<T: ObjectStore + ?Sized> ObjectStore for &T {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Result<Vec<(String, u64)>, StoreError>> {
        (**self).list(prefix)
    }

    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Result<Vec<u8>, StoreError>> {
        (**self).get(key)
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        content_type: &'a str,
    ) -> Fut<'a, Result<(), StoreError>> {
        (**self).put(key, body, content_type)
    }
}
