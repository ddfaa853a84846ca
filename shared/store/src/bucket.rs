//! The bucket the functions write to: put, get, list.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use thiserror::Error;

/// An S3 call that failed, with what it was about.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A call failed.
    #[error("S3 {operation} s3://{bucket}/{key}: {message}")]
    Call {
        /// API operation.
        operation: &'static str,
        /// Bucket.
        bucket: String,
        /// Key or prefix.
        key: String,
        /// The SDK's error, with its code.
        message: String,
    },
    /// Not an `s3://` location.
    #[error("{0:?} is not an S3 location: {1}")]
    BadUri(String, String),
}

/// One bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    client: Client,
    name: String,
}

impl Bucket {
    /// A bucket reached through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Bucket {
            client,
            name: name.into(),
        }
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn err(&self, operation: &'static str, key: &str, message: String) -> StoreError {
        StoreError::Call {
            operation,
            bucket: self.name.clone(),
            key: key.into(),
            message,
        }
    }

    /// Writes an object (server-side encryption is the bucket's default).
    pub async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.err("PutObject", key, vpcwarden_aws_setup::error_text(&e)))?;
        Ok(())
    }

    /// Reads a whole object.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let mut body = Vec::new();
        self.get_into(key, &mut body).await?;
        Ok(body)
    }

    /// Reads a whole object into `buf` (cleared first), copying it once.
    pub async fn get_into(&self, key: &str, buf: &mut Vec<u8>) -> Result<(), StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| self.err("GetObject", key, vpcwarden_aws_setup::error_text(&e)))?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| self.err("GetObject", key, e.to_string()))?;
        buf.clear();
        for segment in bytes.into_segments() {
            buf.extend_from_slice(&segment);
        }
        Ok(())
    }

    /// Every key under `prefix` with its size, in key order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        self.pages(prefix, None, |page| {
            out.extend(page.contents().iter().filter_map(|o| {
                o.key()
                    .map(|k| (k.to_string(), o.size().unwrap_or(0).max(0) as u64))
            }))
        })
        .await?;
        out.sort();
        Ok(out)
    }

    /// The "folders" right below `prefix` (ListObjectsV2 with a `/` delimiter).
    pub async fn folders(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        self.pages(prefix, Some("/"), |page| {
            out.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_string)),
            )
        })
        .await?;
        out.sort();
        Ok(out)
    }

    /// Every ListObjectsV2 page under `prefix`.
    async fn pages(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        mut each: impl FnMut(&aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output),
    ) -> Result<(), StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.name)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_string))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            each(&page.map_err(|e| {
                self.err("ListObjectsV2", prefix, vpcwarden_aws_setup::error_text(&e))
            })?);
        }
        Ok(())
    }
}
