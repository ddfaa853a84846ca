//! In-memory stand-ins for EC2 and MWAA, for tests of the converge logic
//! that want thousands of cases (moto and the MWAA stand-in serve the
//! end-to-end tests). They keep the semantics the logic relies on: tags
//! written key by key, `DeleteTags` conditional on the value, deleted
//! endpoints no longer live, `GetEnvironment` answering `None` for an
//! environment that does not exist.

use std::collections::BTreeMap;
use std::sync::Mutex;

use vpcwarden_endpoints::{AwsError, Ec2Port, EndpointInfo, EndpointQuery, MwaaPort, NewEndpoint};
use vpcwarden_mwaa_event::Environment;

#[derive(Default)]
struct Ec2State {
    subnets: BTreeMap<String, String>,
    endpoints: Vec<EndpointInfo>,
    clock: i64,
    writes: usize,
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
            s.writes += 1;
            if let Some(e) = s.endpoints.iter_mut().find(|e| e.id == id) {
                for (k, v) in tags {
                    e.tags.retain(|(x, _)| x != k);
                    e.tags.push((k.clone(), v.clone()));
                }
            }
        });
        Ok(())
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

/// MWAA in memory: one account (the caller's own).
#[derive(Default)]
pub struct FakeMwaa(Mutex<BTreeMap<String, Environment>>);

impl FakeMwaa {
    /// Creates or replaces an environment.
    pub fn put(&self, env: Environment) {
        let name = env.name.clone().expect("name");
        self.0.lock().unwrap().insert(name, env);
    }
}

impl MwaaPort for FakeMwaa {
    async fn list_environments(&self, _account: Option<&str>) -> Result<Vec<String>, AwsError> {
        Ok(self.0.lock().unwrap().keys().cloned().collect())
    }

    async fn get_environment(
        &self,
        _account: Option<&str>,
        name: &str,
    ) -> Result<Option<Environment>, AwsError> {
        Ok(self.0.lock().unwrap().get(name).cloned())
    }
}
