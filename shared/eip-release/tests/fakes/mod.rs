//! In-memory stand-ins for the release step's ports: accounts with
//! addresses, zones and security group rules, and a data bucket. Every call
//! that changes something is logged in order, so tests can say what happened
//! before what.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use vpcwarden_aws_setup::AwsError;
use vpcwarden_eip_release::{
    AccountOps, Accounts, DnsRecord, Evidence, Fut, Live, MarkRecord, OpenError, RecordError,
    Records, ReleaseRefusal, RestorePort, SgRule,
};

/// One address in the fake cloud.
#[derive(Debug, Clone)]
pub struct Addr {
    pub ip: String,
    pub associated: bool,
    pub tags: Vec<(String, String)>,
    pub ptr: Option<String>,
}

#[derive(Default)]
pub struct State {
    /// (account, region, allocation) → address.
    pub addresses: HashMap<(String, String, String), Addr>,
    pub dns: HashMap<String, Vec<DnsRecord>>,
    pub rules: HashMap<(String, String), Vec<SgRule>>,
    pub no_role: HashSet<String>,
    /// Every mutation and evidence write, in order.
    pub log: Vec<String>,
    pub marks: HashMap<String, MarkRecord>,
    pub evidence: HashMap<String, Evidence>,
    pub fail_evidence: bool,
    pub fail_marks_read: bool,
    /// Addresses AWS will not give back.
    pub taken: HashSet<String>,
    pub calls: HashMap<&'static str, usize>,
}

#[derive(Clone, Default)]
pub struct Cloud(pub Arc<Mutex<State>>);

pub fn aws(op: &'static str, code: &str) -> AwsError {
    AwsError {
        operation: op,
        code: code.into(),
        message: format!("{code} (fake)"),
        retryable: false,
        request_id: None,
    }
}

impl Cloud {
    pub fn add(&self, account: &str, region: &str, alloc: &str, ip: &str) {
        self.0.lock().unwrap().addresses.insert(
            (account.into(), region.into(), alloc.into()),
            Addr {
                ip: ip.into(),
                associated: false,
                tags: vec![],
                ptr: None,
            },
        );
    }
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }
    pub fn addr(&self, account: &str, region: &str, alloc: &str) -> Option<Addr> {
        self.with(|s| {
            s.addresses
                .get(&(account.into(), region.into(), alloc.into()))
                .cloned()
        })
    }
    pub fn edit(&self, account: &str, region: &str, alloc: &str, f: impl FnOnce(&mut Addr)) {
        self.with(|s| {
            f(s.addresses
                .get_mut(&(account.into(), region.into(), alloc.into()))
                .unwrap())
        })
    }
    pub fn log(&self) -> Vec<String> {
        self.with(|s| s.log.clone())
    }
    pub fn calls(&self, op: &str) -> usize {
        self.with(|s| s.calls.get(op).copied().unwrap_or(0))
    }
}

/// The calls in one account.
pub struct InAccount {
    cloud: Cloud,
    account: String,
}

impl InAccount {
    fn key(&self, region: &str, alloc: &str) -> (String, String, String) {
        (self.account.clone(), region.into(), alloc.into())
    }
    fn count(&self, op: &'static str) {
        *self.cloud.0.lock().unwrap().calls.entry(op).or_default() += 1;
    }
}

impl Accounts for Cloud {
    fn open<'a>(&'a self, account: &'a str) -> Fut<'a, Result<Arc<dyn AccountOps>, OpenError>> {
        Box::pin(async move {
            if self.with(|s| s.no_role.contains(account)) {
                return Err(OpenError::NoRole {
                    account: account.into(),
                    detail: "AccessDenied (fake)".into(),
                });
            }
            Ok(Arc::new(InAccount {
                cloud: self.clone(),
                account: account.into(),
            }) as Arc<dyn AccountOps>)
        })
    }
}

impl AccountOps for InAccount {
    fn live<'a>(
        &'a self,
        region: &'a str,
        alloc: &'a str,
    ) -> Fut<'a, Result<Option<Live>, AwsError>> {
        Box::pin(async move {
            Ok(self.cloud.with(|s| {
                s.addresses.get(&self.key(region, alloc)).map(|a| Live {
                    public_ip: a.ip.clone(),
                    associated: a.associated,
                    tags: a.tags.clone(),
                })
            }))
        })
    }
    fn reverse_dns<'a>(
        &'a self,
        region: &'a str,
        alloc: &'a str,
    ) -> Fut<'a, Result<Option<String>, AwsError>> {
        Box::pin(async move {
            Ok(self.cloud.with(|s| {
                s.addresses
                    .get(&self.key(region, alloc))
                    .and_then(|a| a.ptr.clone())
            }))
        })
    }
    fn dns_records(&self) -> Fut<'_, Result<Vec<DnsRecord>, AwsError>> {
        Box::pin(async move {
            self.count("dns_records");
            Ok(self
                .cloud
                .with(|s| s.dns.get(&self.account).cloned().unwrap_or_default()))
        })
    }
    fn security_group_rules<'a>(
        &'a self,
        region: &'a str,
    ) -> Fut<'a, Result<Vec<SgRule>, AwsError>> {
        Box::pin(async move {
            self.count("security_group_rules");
            Ok(self.cloud.with(|s| {
                s.rules
                    .get(&(self.account.clone(), region.to_string()))
                    .cloned()
                    .unwrap_or_default()
            }))
        })
    }
    fn set_tags<'a>(
        &'a self,
        region: &'a str,
        alloc: &'a str,
        tags: Vec<(String, String)>,
    ) -> Fut<'a, Result<(), AwsError>> {
        Box::pin(async move {
            self.cloud.with(|s| {
                s.log.push(format!("tag {alloc}"));
                let a = s
                    .addresses
                    .get_mut(&self.key(region, alloc))
                    .ok_or_else(|| aws("CreateTags", "InvalidAllocationID.NotFound"))?;
                for (k, v) in tags {
                    a.tags.retain(|(x, _)| *x != k);
                    a.tags.push((k, v));
                }
                Ok(())
            })
        })
    }
    fn remove_tags<'a>(
        &'a self,
        region: &'a str,
        alloc: &'a str,
        keys: Vec<String>,
    ) -> Fut<'a, Result<(), AwsError>> {
        Box::pin(async move {
            self.cloud.with(|s| {
                s.log.push(format!("untag {alloc}"));
                if let Some(a) = s.addresses.get_mut(&self.key(region, alloc)) {
                    a.tags.retain(|(k, _)| !keys.contains(k));
                }
                Ok(())
            })
        })
    }
    fn release<'a>(
        &'a self,
        region: &'a str,
        alloc: &'a str,
        dry_run: bool,
    ) -> Fut<'a, Result<(), ReleaseRefusal>> {
        Box::pin(async move {
            self.cloud.with(|s| {
                let key = self.key(region, alloc);
                let Some(a) = s.addresses.get(&key) else {
                    return Err(ReleaseRefusal::Aws(aws(
                        "ReleaseAddress",
                        "InvalidAllocationID.NotFound",
                    )));
                };
                if a.ptr.is_some() {
                    return Err(ReleaseRefusal::PtrSet("PTR set (fake)".into()));
                }
                if dry_run {
                    s.log.push(format!("dry-run release {alloc}"));
                } else {
                    s.log.push(format!("release {alloc}"));
                    s.addresses.remove(&key);
                }
                Ok(())
            })
        })
    }
}

impl RestorePort for InAccount {
    fn find<'a>(
        &'a self,
        region: &'a str,
        ip: &'a str,
    ) -> Fut<'a, Result<Option<String>, AwsError>> {
        Box::pin(async move {
            Ok(self.cloud.with(|s| {
                s.addresses
                    .iter()
                    .find(|((acct, reg, _), a)| {
                        *acct == self.account && reg == region && a.ip == ip
                    })
                    .map(|((_, _, alloc), _)| alloc.clone())
            }))
        })
    }
    fn allocate<'a>(
        &'a self,
        region: &'a str,
        ip: &'a str,
        tags: Vec<(String, String)>,
    ) -> Fut<'a, Result<String, AwsError>> {
        Box::pin(async move {
            self.cloud.with(|s| {
                if s.taken.contains(ip) {
                    return Err(aws("AllocateAddress", "InvalidAddress.NotFound"));
                }
                let alloc = format!("eipalloc-{:017x}", s.addresses.len() + 0xabc);
                s.addresses.insert(
                    (self.account.clone(), region.into(), alloc.clone()),
                    Addr {
                        ip: ip.into(),
                        associated: false,
                        tags,
                        ptr: None,
                    },
                );
                Ok(alloc)
            })
        })
    }
}

pub fn in_account(cloud: &Cloud, account: &str) -> InAccount {
    InAccount {
        cloud: cloud.clone(),
        account: account.into(),
    }
}

impl Records for Cloud {
    fn marks(&self) -> Fut<'_, Result<Vec<MarkRecord>, RecordError>> {
        Box::pin(async move {
            self.with(|s| {
                if s.fail_marks_read {
                    return Err(RecordError("AccessDenied (fake)".into()));
                }
                Ok(s.marks.values().cloned().collect())
            })
        })
    }
    fn put_mark<'a>(&'a self, mark: &'a MarkRecord) -> Fut<'a, Result<(), RecordError>> {
        Box::pin(async move {
            self.with(|s| {
                s.marks.insert(mark.key(), mark.clone());
                Ok(())
            })
        })
    }
    fn put_evidence<'a>(
        &'a self,
        key: &'a str,
        record: &'a Evidence,
    ) -> Fut<'a, Result<(), RecordError>> {
        Box::pin(async move {
            self.with(|s| {
                if s.fail_evidence {
                    return Err(RecordError("AccessDenied (fake)".into()));
                }
                s.log.push(format!(
                    "evidence {} outcome={}",
                    record.allocation_id,
                    record.outcome.is_some()
                ));
                s.evidence.insert(key.into(), record.clone());
                Ok(())
            })
        })
    }
}
