//! One region's clients for the MWAA endpoint tests: EC2 to moto (raw, for
//! laying out VPCs and reading state, and as vpcwarden's port) and MWAA to the
//! stand-in, other accounts through `role` (moto's STS switches account).

use vpcwarden_endpoints::{Ec2Endpoints, MwaaApi};

use crate::{config_at, moto_ec2_in, standin};

/// A region under test.
pub struct Region {
    /// Its name (each test owns one: a reconcile never meets another test's environments).
    pub name: &'static str,
    /// EC2 straight to moto.
    pub ec2: aws_sdk_ec2::Client,
    /// vpcwarden's EC2 port over the same client.
    pub ports: Ec2Endpoints,
    /// vpcwarden's MWAA port to the stand-in.
    pub mwaa: MwaaApi,
}

/// The clients of `name`; `role` names the MWAA read role (`{account}` replaced).
pub async fn region(name: &'static str, role: Option<&str>) -> Region {
    let conf = config_at(&standin("VPCWARDEN_MOTO_URL"), name).await;
    let ec2 = moto_ec2_in(name).await;
    Region {
        name,
        ports: Ec2Endpoints::new(ec2.clone()),
        ec2,
        mwaa: MwaaApi::new(&conf, role.map(str::to_string)),
    }
}
