//! In-memory stand-ins for the report job's ports: an object store that can
//! be told to fail, an event engine that returns what it is given (or fails),
//! and a notifier that records what it was sent (or fails).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use vpcwarden_eip::{Coverage, LifecycleEvent};
use vpcwarden_idle_report::{EngineOutput, EventEngine, Extraction, JobError, Notifier};
use vpcwarden_store::{Fut, ObjectStore, StoreError};

/// Which call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    List,
    Get,
    Put,
}

/// A bucket in memory.
#[derive(Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<String, (Vec<u8>, String)>>,
    failing: Mutex<Vec<(Op, String)>>,
}

impl MemoryStore {
    pub fn put_text(&self, key: &str, text: &str) {
        self.objects
            .lock()
            .unwrap()
            .insert(key.into(), (text.as_bytes().to_vec(), "text/plain".into()));
    }

    /// Calls `op` on keys under `prefix` fail from now on.
    pub fn fail(&self, op: Op, prefix: &str) {
        self.failing.lock().unwrap().push((op, prefix.into()));
    }

    pub fn keys(&self, prefix: &str) -> Vec<String> {
        self.objects
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }

    pub fn text(&self, key: &str) -> String {
        String::from_utf8(self.objects.lock().unwrap()[key].0.clone()).unwrap()
    }

    pub fn content_type(&self, key: &str) -> String {
        self.objects.lock().unwrap()[key].1.clone()
    }

    fn check(&self, op: Op, key: &str) -> Result<(), StoreError> {
        let failing = self.failing.lock().unwrap();
        if failing
            .iter()
            .any(|(o, p)| *o == op && key.starts_with(p.as_str()))
        {
            return Err(StoreError::Call {
                operation: match op {
                    Op::List => "ListObjectsV2",
                    Op::Get => "GetObject",
                    Op::Put => "PutObject",
                },
                bucket: "fake-data".into(),
                key: key.into(),
                message: "InternalError: injected".into(),
            });
        }
        Ok(())
    }
}

impl ObjectStore for MemoryStore {
    fn name(&self) -> &str {
        "fake-data"
    }

    fn list<'a>(&'a self, prefix: &'a str) -> Fut<'a, Result<Vec<(String, u64)>, StoreError>> {
        Box::pin(async move {
            self.check(Op::List, prefix)?;
            Ok(self
                .objects
                .lock()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(k, (v, _))| (k.clone(), v.len() as u64))
                .collect())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Fut<'a, Result<Vec<u8>, StoreError>> {
        Box::pin(async move {
            self.check(Op::Get, key)?;
            self.objects
                .lock()
                .unwrap()
                .get(key)
                .map(|(v, _)| v.clone())
                .ok_or_else(|| StoreError::Call {
                    operation: "GetObject",
                    bucket: "fake-data".into(),
                    key: key.into(),
                    message: "NoSuchKey".into(),
                })
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        content_type: &'a str,
    ) -> Fut<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.check(Op::Put, key)?;
            self.objects
                .lock()
                .unwrap()
                .insert(key.into(), (body, content_type.into()));
            Ok(())
        })
    }
}

/// Returns the events and coverage it was given, or fails.
pub struct FakeEngine {
    pub events: Vec<LifecycleEvent>,
    pub coverage: Coverage,
    pub fail: Option<String>,
    pub calls: Mutex<usize>,
}

impl FakeEngine {
    pub fn new(events: Vec<LifecycleEvent>, coverage: Coverage) -> Self {
        FakeEngine {
            events,
            coverage,
            fail: None,
            calls: Mutex::new(0),
        }
    }
}

impl EventEngine for FakeEngine {
    fn name(&self) -> &'static str {
        "local"
    }

    fn source_id(&self) -> String {
        "fake".into()
    }

    fn events(
        &self,
        _from: DateTime<Utc>,
        _to: DateTime<Utc>,
    ) -> Fut<'_, Result<EngineOutput, JobError>> {
        Box::pin(async move {
            *self.calls.lock().unwrap() += 1;
            if let Some(why) = &self.fail {
                return Err(JobError::ScanStopped(why.clone()));
            }
            Ok(EngineOutput {
                engine: "local",
                lifecycle_events: self.events.len(),
                events: self.events.clone(),
                coverage: self.coverage.clone(),
                ..EngineOutput::default()
            })
        })
    }

    fn widened(&self, _scopes: &[(&str, &str)]) -> Result<Option<Box<dyn EventEngine>>, JobError> {
        Ok(None)
    }

    fn prepare(&self) -> Fut<'_, Result<(), JobError>> {
        Box::pin(async { Ok(()) })
    }

    fn extract_days<'a>(&'a self, _days: &'a [NaiveDate]) -> Fut<'a, Result<Extraction, JobError>> {
        Box::pin(async {
            Err(JobError::ScanStopped(
                "the fake engine extracts no days".into(),
            ))
        })
    }

    fn batches(&self, days: &[NaiveDate]) -> Vec<Vec<NaiveDate>> {
        vec![days.to_vec()]
    }

    fn reads_files(&self) -> bool {
        false
    }
}

/// Records what it is sent.
#[derive(Default)]
pub struct Recorder {
    pub sent: Mutex<Vec<(String, String)>>,
    pub fail: bool,
}

impl Notifier for Recorder {
    fn publish<'a>(
        &'a self,
        subject: &'a str,
        message: &'a str,
    ) -> Fut<'a, Result<Option<String>, JobError>> {
        Box::pin(async move {
            if self.fail {
                return Err(JobError::Notify {
                    topic: "arn:aws:sns:us-east-1:111122223333:fake".into(),
                    message: "AuthorizationError: injected".into(),
                });
            }
            let mut sent = self.sent.lock().unwrap();
            sent.push((subject.into(), message.into()));
            Ok(Some(format!("fake-{}", sent.len())))
        })
    }
}
