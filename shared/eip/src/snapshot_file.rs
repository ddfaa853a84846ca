//! Snapshot files: the JSON Lines that eip-snapshot writes (one address per
//! line), or what people already have, `aws ec2 describe-addresses` output
//! (`{"Addresses": [...]}`, PascalCase as the EC2 API names the members).

use serde::Deserialize;
use thiserror::Error;

use crate::ids::{AllocationId, AssociationId};
use crate::SnapshotAddress;

/// What a file does not say, given by the caller (`--account`, `--region`).
#[derive(Debug, Clone, Default)]
pub struct FileDefaults {
    /// Account of every address in an AWS CLI file.
    pub account: Option<String>,
    /// Region of every address in an AWS CLI file.
    pub region: Option<String>,
}

/// A snapshot file that cannot be read as either format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnapshotFileError {
    /// Neither format.
    #[error("line {line}: not a snapshot address ({message}); expected JSON Lines as eip-snapshot writes them (one address per line), or `aws ec2 describe-addresses` output ({{\"Addresses\": [...]}})")]
    Format {
        /// 1-based line.
        line: usize,
        /// Parser message.
        message: String,
    },
    /// An AWS CLI entry lacking what the report needs.
    #[error("Addresses[{index}].{field}: {message}")]
    Field {
        /// Position in `Addresses`.
        index: usize,
        /// Field name (PascalCase, as in the file), or the option that supplies it.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CliFile {
    addresses: Vec<CliAddress>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CliAddress {
    allocation_id: Option<String>,
    #[serde(default)]
    public_ip: String,
    association_id: Option<String>,
    domain: Option<String>,
    instance_id: Option<String>,
    network_interface_id: Option<String>,
    network_interface_owner_id: Option<String>,
    private_ip_address: Option<String>,
    public_ipv4_pool: Option<String>,
    network_border_group: Option<String>,
    #[serde(default)]
    tags: Vec<CliTag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CliTag {
    key: String,
    #[serde(default)]
    value: String,
}

/// A region name (`eu-west-1`, `us-gov-west-1`), not a Local Zone group.
fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// Reads either format. Entries of an AWS CLI file without an allocation id
/// (EC2-Classic leftovers) are skipped, as the snapshot function skips them.
pub fn parse_snapshot(
    text: &str,
    defaults: &FileDefaults,
) -> Result<Vec<SnapshotAddress>, SnapshotFileError> {
    if let Ok(file) = serde_json::from_str::<CliFile>(text) {
        return from_cli(file, defaults);
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| SnapshotFileError::Format {
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

fn from_cli(
    file: CliFile,
    defaults: &FileDefaults,
) -> Result<Vec<SnapshotAddress>, SnapshotFileError> {
    let mut out = Vec::new();
    for (index, a) in file.addresses.into_iter().enumerate() {
        let field = |field: &'static str, message: String| SnapshotFileError::Field {
            index,
            field,
            message,
        };
        let Some(id) = non_empty(a.allocation_id) else {
            continue;
        };
        let allocation_id =
            AllocationId::parse(&id).map_err(|e| field("AllocationId", e.to_string()))?;
        let association_id = non_empty(a.association_id)
            .map(|s| AssociationId::parse(&s))
            .transpose()
            .map_err(|e| field("AssociationId", e.to_string()))?;
        let border = non_empty(a.network_border_group);
        let region = match (&defaults.region, &border) {
            (Some(r), _) => r.clone(),
            (None, Some(b)) if looks_like_region(b) => b.clone(),
            _ => {
                return Err(field(
                    "NetworkBorderGroup",
                    "does not name a region; give --region".into(),
                ))
            }
        };
        let account = defaults.account.clone().ok_or_else(|| {
            field(
                "account",
                "describe-addresses output does not say the account; give --account".into(),
            )
        })?;
        out.push(SnapshotAddress {
            allocation_id,
            public_ip: a.public_ip,
            region,
            account,
            association_id,
            instance_id: non_empty(a.instance_id),
            network_interface_id: non_empty(a.network_interface_id),
            network_interface_owner_id: non_empty(a.network_interface_owner_id),
            public_ipv4_pool: non_empty(a.public_ipv4_pool),
            tags: a.tags.into_iter().map(|t| (t.key, t.value)).collect(),
            private_ip: non_empty(a.private_ip_address),
            domain: non_empty(a.domain),
            network_border_group: border,
            snapshot_time: None,
            held_by: None,
            instance_state: None,
            instance_state_since: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-written in the documented `aws ec2 describe-addresses` output shape.
    const CLI: &str = r#"{
    "Addresses": [
        {"InstanceId": "i-1234567890abcdef0", "PublicIp": "198.51.100.0", "AllocationId": "eipalloc-12345678",
         "AssociationId": "eipassoc-12345678", "Domain": "vpc", "NetworkInterfaceId": "eni-12345678",
         "NetworkInterfaceOwnerId": "123456789012", "PrivateIpAddress": "10.0.1.241",
         "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1",
         "Tags": [{"Key": "Name", "Value": "web"}]},
        {"PublicIp": "203.0.113.0", "AllocationId": "eipalloc-0abc", "Domain": "vpc",
         "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1"},
        {"PublicIp": "203.0.113.9", "Domain": "standard"}
    ]
}"#;

    #[test]
    fn aws_cli_output_is_a_snapshot_with_the_account_given() {
        let d = FileDefaults {
            account: Some("123456789012".into()),
            region: None,
        };
        let got = parse_snapshot(CLI, &d).unwrap();
        assert_eq!(got.len(), 2, "the EC2-Classic entry has no allocation id");
        assert!(got[0].is_associated() && !got[1].is_associated());
        assert_eq!(
            (got[0].region.as_str(), got[0].account.as_str()),
            ("us-east-1", "123456789012")
        );
        assert_eq!(got[0].tags, vec![("Name".to_string(), "web".to_string())]);
        assert_eq!(
            parse_snapshot(CLI, &FileDefaults::default()).unwrap_err().to_string(),
            "Addresses[0].account: describe-addresses output does not say the account; give --account"
        );
        let local_zone = CLI.replace(
            "\"NetworkBorderGroup\": \"us-east-1\",\n         \"Tags\"",
            "\"NetworkBorderGroup\": \"us-west-2-lax-1\",\n         \"Tags\"",
        );
        assert!(parse_snapshot(&local_zone, &d)
            .unwrap_err()
            .to_string()
            .contains("give --region"));
        let d = FileDefaults {
            region: Some("us-west-2".into()),
            ..d
        };
        assert_eq!(
            parse_snapshot(&local_zone, &d).unwrap()[0].region,
            "us-west-2"
        );
    }

    #[test]
    fn anything_else_names_both_formats() {
        let e = parse_snapshot("{\"Reservations\": []}\n", &FileDefaults::default()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("line 1:")
                && text.contains("JSON Lines")
                && text.contains("describe-addresses"),
            "{text}"
        );
    }
}
