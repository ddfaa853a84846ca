//! In-memory stand-ins for EC2 and MWAA, for tests of the converge logic
//! that want thousands of cases (moto and the MWAA stand-in serve the
//! end-to-end tests). They keep the semantics the logic relies on: tags
//! written key by key, `DeleteTags` conditional on the value, deleted
//! endpoints no longer live, `GetEnvironment` answering `None` for an
//! environment that does not exist.
//! Each test binary uses part of this file.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};
use vpcwarden_endpoints::{AwsError, Ec2Port, EndpointInfo, EndpointQuery, MwaaPort, NewEndpoint};
use vpcwarden_mwaa_event::{Environment, Origin, Status};

/// MWAA's locked-down SQS endpoint policy: the Celery queues listed, none yet.
pub const LOCKED: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowMwaaCeleryQueues","Effect":"Allow","Principal":"*","Action":["sqs:ChangeMessageVisibility","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ReceiveMessage","sqs:SendMessage"],"Resource":[]}]}"#;

/// The region of the fakes' VPCs.
pub const REGION: &str = "eu-west-1";

#[derive(Default)]
struct Ec2State {
    subnets: BTreeMap<String, String>,
    endpoints: Vec<EndpointInfo>,
    clock: i64,
    writes: usize,
    /// An endpoint whose next tag write meets a concurrent claim first.
    race: Option<String>,
}

/// EC2 in memory.
#[derive(Default)]
pub struct FakeEc2(Mutex<Ec2State>);

impl FakeEc2 {
    /// A VPC with two subnets and an SQS endpoint with `policy`; returns (subnets, sqs endpoint id).
    pub fn vpc(&self, vpc: &str, region: &str, policy: &str) -> (Vec<String>, String) {
        let mut s = self.0.lock().unwrap();
        let n = s.subnets.len();
        let subnets: Vec<String> = (n..n + 2).map(|i| format!("subnet-0a{i:04x}")).collect();
        for sn in &subnets {
            s.subnets.insert(sn.clone(), vpc.to_string());
        }
        s.clock += 1;
        let id = format!("vpce-sqs{vpc}");
        let created_ms = s.clock;
        s.endpoints.push(EndpointInfo {
            id: id.clone(),
            vpc_id: vpc.to_string(),
            service_name: format!("com.amazonaws.{region}.sqs"),
            state: "available".into(),
            policy: Some(policy.to_string()),
            tags: vec![],
            created_ms,
        });
        (subnets, id)
    }

    /// An interface endpoint made outside this tool (the VPC owner's IaC, or
    /// an earlier release with `tags`); returns its id.
    pub fn add_endpoint(&self, vpc: &str, service: &str, tags: &[(&str, &str)]) -> String {
        let mut s = self.0.lock().unwrap();
        s.clock += 1;
        let id = format!("vpce-ext{:05}", s.clock);
        let created_ms = s.clock;
        s.endpoints.push(EndpointInfo {
            id: id.clone(),
            vpc_id: vpc.to_string(),
            service_name: service.to_string(),
            state: "available".into(),
            policy: None,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_ms,
        });
        id
    }

    /// A concurrent claim lands on `id` right before this tool's next tag write there.
    pub fn race_next_tag_write(&self, id: &str) {
        self.0.lock().unwrap().race = Some(id.to_string());
    }

    /// Sets a tag outside this tool.
    pub fn set_tag(&self, id: &str, key: &str, value: &str) {
        let mut s = self.0.lock().unwrap();
        if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
            e.tags.retain(|(k, _)| k != key);
            e.tags.push((key.to_string(), value.to_string()));
        }
    }

    /// Sets an endpoint's state (`pending`: still being made).
    pub fn set_state(&self, id: &str, state: &str) {
        let mut s = self.0.lock().unwrap();
        if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
            e.state = state.to_string();
        }
    }

    /// One endpoint as it is now (deleted ones included).
    pub fn endpoint(&self, id: &str) -> Option<EndpointInfo> {
        let s = self.0.lock().unwrap();
        s.endpoints.iter().find(|e| e.id == id).cloned()
    }

    /// Overwrites an endpoint's policy outside this tool (a person, an IaC run).
    pub fn set_policy(&self, id: &str, policy: &str) {
        let mut s = self.0.lock().unwrap();
        if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
            e.policy = Some(policy.to_string());
        }
    }

    /// Live endpoints (a copy).
    pub fn live(&self) -> Vec<EndpointInfo> {
        let s = self.0.lock().unwrap();
        s.endpoints
            .iter()
            .filter(|e| e.is_live())
            .cloned()
            .collect()
    }

    /// Mutating calls made so far.
    pub fn writes(&self) -> usize {
        self.0.lock().unwrap().writes
    }

    fn with<T>(&self, f: impl FnOnce(&mut Ec2State) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }
}

fn matches(e: &EndpointInfo, q: &EndpointQuery) -> bool {
    e.is_live()
        && q.vpc_id.as_ref().is_none_or(|v| *v == e.vpc_id)
        && q.service_name.as_ref().is_none_or(|s| *s == e.service_name)
        && q.tags.iter().all(|(k, v)| e.tag(k) == Some(v.as_str()))
}

impl Ec2Port for FakeEc2 {
    async fn subnet_vpcs(&self, ids: &[String]) -> Result<Vec<(String, String)>, AwsError> {
        Ok(self.with(|s| {
            ids.iter()
                .filter_map(|i| s.subnets.get(i).map(|v| (i.clone(), v.clone())))
                .collect()
        }))
    }

    async fn find_endpoints(&self, q: &EndpointQuery) -> Result<Vec<EndpointInfo>, AwsError> {
        Ok(self.with(|s| {
            s.endpoints
                .iter()
                .filter(|e| matches(e, q))
                .cloned()
                .collect()
        }))
    }

    async fn get_endpoint(&self, id: &str) -> Result<Option<EndpointInfo>, AwsError> {
        Ok(self.with(|s| {
            s.endpoints
                .iter()
                .find(|e| e.id == id && e.is_live())
                .cloned()
        }))
    }

    async fn create_endpoint(&self, new: &NewEndpoint) -> Result<EndpointInfo, AwsError> {
        Ok(self.with(|s| {
            s.clock += 1;
            s.writes += 1;
            let e = EndpointInfo {
                id: format!("vpce-{:05}", s.clock),
                vpc_id: new.vpc_id.clone(),
                service_name: new.service_name.clone(),
                state: "available".into(),
                policy: None,
                tags: new.tags.clone(),
                created_ms: s.clock,
            };
            s.endpoints.push(e.clone());
            e
        }))
    }

    async fn delete_endpoints(&self, ids: &[String]) -> Result<(), AwsError> {
        self.with(|s| {
            for e in s.endpoints.iter_mut().filter(|e| ids.contains(&e.id)) {
                e.state = "deleted".into();
                s.writes += 1;
            }
        });
        Ok(())
    }

    async fn put_policy(&self, id: &str, policy: &str) -> Result<(), AwsError> {
        self.with(|s| {
            s.writes += 1;
            if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
                e.policy = Some(policy.to_string());
            }
        });
        Ok(())
    }

    async fn put_tags(&self, id: &str, tags: &[(String, String)]) -> Result<(), AwsError> {
        self.with(|s| {
            let race = s.race.take_if(|r| r == id).is_some();
            if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
                if race {
                    e.tags.push((
                        "vpcwarden:queue:999999999999:eu-west-1:racer".into(),
                        "active:1:arn:aws:sqs:eu-west-1:999988887777:airflow-celery-racer".into(),
                    ));
                }
                // EC2's limit: 50 tags per resource, the call refused as a whole.
                let new = tags.iter().filter(|(k, _)| e.tag(k).is_none()).count();
                if e.tags.len() + new > 50 {
                    return Err(AwsError {
                        operation: "CreateTags",
                        code: "TagLimitExceeded".into(),
                        message: "The maximum number of Tags for a resource has been reached."
                            .into(),
                        retryable: false,
                        request_id: None,
                    });
                }
                for (k, v) in tags {
                    e.tags.retain(|(x, _)| x != k);
                    e.tags.push((k.clone(), v.clone()));
                }
            }
            s.writes += 1;
            Ok(())
        })
    }

    async fn delete_tag_if(&self, id: &str, key: &str, value: &str) -> Result<(), AwsError> {
        self.with(|s| {
            s.writes += 1;
            if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
                e.tags.retain(|(k, v)| !(k == key && v == value));
            }
        });
        Ok(())
    }
}

/// The account the fakes' caller runs in.
pub const OWN: &str = "123456789012";

#[derive(Default)]
struct MwaaState {
    /// (account, name) → environment.
    envs: BTreeMap<(String, String), Environment>,
    /// (account, name) whose GetEnvironment fails (a 500 that outlasts the retries).
    broken: Vec<(String, String)>,
}

/// MWAA in memory, per account (`None` is [`OWN`]).
#[derive(Default)]
pub struct FakeMwaa(Mutex<MwaaState>);

fn account(a: Option<&str>) -> String {
    a.unwrap_or(OWN).to_string()
}

impl FakeMwaa {
    /// Creates or replaces an environment in its account (the ARN's, else [`OWN`]).
    pub fn put(&self, env: Environment) {
        let name = env.name.clone().expect("name");
        let acct = account(env.account.as_deref());
        self.0.lock().unwrap().envs.insert((acct, name), env);
    }

    /// Makes `GetEnvironment` of one environment fail.
    pub fn break_environment(&self, account: &str, name: &str) {
        self.0
            .lock()
            .unwrap()
            .broken
            .push((account.to_string(), name.to_string()));
    }
}

impl MwaaPort for FakeMwaa {
    async fn own_account(&self) -> Result<String, AwsError> {
        Ok(OWN.to_string())
    }

    async fn list_environments(&self, acct: Option<&str>) -> Result<Vec<String>, AwsError> {
        let a = account(acct);
        Ok(self
            .0
            .lock()
            .unwrap()
            .envs
            .keys()
            .filter(|(x, _)| *x == a)
            .map(|(_, n)| n.clone())
            .collect())
    }

    async fn get_environment(
        &self,
        acct: Option<&str>,
        name: &str,
    ) -> Result<Option<Environment>, AwsError> {
        let key = (account(acct), name.to_string());
        let s = self.0.lock().unwrap();
        if s.broken.contains(&key) {
            return Err(AwsError {
                operation: "GetEnvironment",
                code: "InternalServerException".into(),
                message: "the fake's broken environment".into(),
                retryable: true,
                request_id: None,
            });
        }
        Ok(s.envs.get(&key).cloned())
    }
}

/// The participant accounts sharing the VPC.
pub const ACCOUNTS: [&str; 2] = [OWN, "111122223333"];

pub fn environment(
    account: &str,
    name: &str,
    status: &str,
    mode: &str,
    subnets: &[String],
) -> Environment {
    Environment {
        account: Some(account.into()),
        name: Some(name.into()),
        arn: Some(format!(
            "arn:aws:airflow:{REGION}:{account}:environment/{name}"
        )),
        status: Some(Status::parse(status)),
        celery_executor_queue: Some(queue(account, name)),
        database_vpc_endpoint_service: Some(format!(
            "com.amazonaws.vpce.{REGION}.vpce-svc-db{name}a{account}"
        )),
        webserver_vpc_endpoint_service: Some(format!(
            "com.amazonaws.vpce.{REGION}.vpce-svc-web{name}a{account}"
        )),
        webserver_access_mode: Some(mode.into()),
        endpoint_management: Some("CUSTOMER".into()),
        subnet_ids: Some(subnets.to_vec()),
        security_group_ids: Some(vec!["sg-0a".into()]),
        created_at: None,
        ..Environment::new(Origin::GetEnvironment)
    }
}

/// Each environment's own queue, in an MWAA-owned account.
pub fn queue(account: &str, name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:999988887777:airflow-celery-{name}-{account}")
}

/// The event MWAA would send for `env` in `status`; `bare` leaves out
/// everything but name and status (AWS documents no detail schema).
pub fn event(env: &Environment, status: &str, bare: bool) -> Value {
    event_at(env, status, bare, chrono::Utc::now())
}

/// The event as EventBridge delivers it, emitted at `time`.
pub fn event_at(
    env: &Environment,
    status: &str,
    bare: bool,
    time: chrono::DateTime<chrono::Utc>,
) -> Value {
    let mut detail = json!({"name": env.name, "status": status});
    if !bare {
        detail["endpointManagement"] = json!("CUSTOMER");
        detail["webserverAccessMode"] = json!(env.webserver_access_mode);
        detail["celeryExecutorQueue"] = json!(env.celery_executor_queue);
        detail["databaseVpcEndpointService"] = json!(env.database_vpc_endpoint_service);
        detail["webserverVpcEndpointService"] = json!(env.webserver_vpc_endpoint_service);
        detail["networkConfiguration"] =
            json!({"subnetIds": env.subnet_ids, "securityGroupIds": env.security_group_ids});
    }
    json!({
        "id": format!("{}-{status}", env.name.as_deref().unwrap_or_default()),
        "source": "aws.airflow",
        "detail-type": "MWAA Environment Status Change",
        "account": env.account,
        "time": time.to_rfc3339(),
        "detail": detail
    })
}

/// A clock the test moves.
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicU64);

impl ManualClock {
    pub fn at(secs: u64) -> Self {
        ManualClock(std::sync::atomic::AtomicU64::new(secs))
    }

    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl vpcwarden_endpoints::Clock for ManualClock {
    fn now_secs(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}
