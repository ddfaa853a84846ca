//! `vpcwarden policy validate | allow-resource | diff`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::exit;
use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use vpcwarden_policy::{
    diff, validate, AllowSpec, FindingType, Policy, PolicyKind, ValidateOptions,
};

/// Text for people, or JSON for scripts.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// `--format text|json`, the one output flag name of every command (`--json`,
/// the earlier spelling, still works as its short form).
#[derive(clap::Args, Clone, Copy)]
pub struct Output {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Same as --format json.
    #[arg(long, hide = true)]
    json: bool,
}

impl Output {
    fn json(self) -> bool {
        self.json || self.format == TextOrJson::Json
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    VpcEndpoint,
    Resource,
    Identity,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Report findings like IAM Access Analyzer; exit 1 if any is an ERROR.
    #[command(after_help = concat!(
        "Examples:\n  vpcwarden policy validate sqs-endpoint-policy.json\n  vpcwarden policy validate bucket-policy.json --kind resource --format json\n\n",
        exit_help!()
    ))]
    Validate {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "vpc-endpoint")]
        kind: Kind,
        /// Size limit in characters.
        #[arg(long, default_value_t = vpcwarden_policy::validate::VPC_ENDPOINT_POLICY_MAX_CHARS)]
        max_chars: usize,
        #[command(flatten)]
        output: Output,
    },
    /// Allow ARN (no-op if already covered); prints the edit, the diff and the new policy.
    ///
    /// Every action is checked first: a Deny of any one is an error (exit 2) and
    /// nothing is written. A new statement carries the perimeter conditions
    /// (aws:PrincipalOrgID, aws:SourceVpc, …) every Allow of the policy draws.
    #[command(after_help = concat!(
        "Examples:\n  vpcwarden policy allow-resource sqs-endpoint-policy.json arn:aws:sqs:us-east-1:123456789012:airflow-celery-abc > new.json\n",
        "  vpcwarden policy allow-resource p.json arn:aws:sqs:us-east-1:123456789012:q --condition '{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-abc\"}}'\n\n",
        exit_help!()
    ))]
    AllowResource {
        file: PathBuf,
        arn: String,
        /// Actions the resource must be allowed for.
        #[arg(long, value_delimiter = ',', default_values_t = vpcwarden_endpoints::ledger::CELERY_ACTIONS.iter().map(|s| s.to_string()))]
        actions: Vec<String>,
        /// Sid of a statement added when no existing Allow fits.
        #[arg(long, default_value = vpcwarden_endpoints::ledger::STATEMENT_SID)]
        sid: String,
        /// Conditions the grant must carry, as an IAM Condition block (JSON).
        /// Default: the perimeter (aws:PrincipalOrgID, aws:SourceVpc, …) that
        /// every Allow of the policy shares.
        #[arg(long)]
        condition: Option<String>,
        /// Grant only this account's principals (aws:PrincipalAccount), in a
        /// statement of its own (Sid <sid><account>), as the provisioner does.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Differences from A to B; exit 1 if they grant differently (canonical forms differ).
    #[command(after_help = concat!(
        "Example:\n  vpcwarden policy diff before.json after.json --format json\n\n",
        exit_help!()
    ))]
    Diff {
        a: PathBuf,
        b: PathBuf,
        #[command(flatten)]
        output: Output,
    },
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn parse(path: &Path) -> Result<Policy> {
    Policy::parse(&read(path)?).with_context(|| format!("{}", path.display()))
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Validate {
            file,
            kind,
            max_chars,
            output,
        } => {
            let json = output.json();
            let kind = match kind {
                Kind::VpcEndpoint => PolicyKind::VpcEndpoint,
                Kind::Resource => PolicyKind::Resource,
                Kind::Identity => PolicyKind::Identity,
            };
            let findings = validate(&read(&file)?, &ValidateOptions { kind, max_chars });
            if json {
                exit::outln(&serde_json::to_string_pretty(&findings)?);
            } else if findings.is_empty() {
                exit::outln(&format!("{}: no findings", file.display()));
            } else {
                for f in &findings {
                    let t = serde_json::to_value(f.finding_type)?;
                    exit::outln(&format!(
                        "{} {} at {}: {}",
                        t.as_str().unwrap_or(""),
                        f.issue_code,
                        f.path,
                        f.finding_details
                    ));
                }
            }
            let errors = findings
                .iter()
                .any(|f| f.finding_type == FindingType::Error);
            Ok(if errors {
                exit::code(exit::NO)
            } else {
                ExitCode::SUCCESS
            })
        }
        Cmd::AllowResource {
            file,
            arn,
            actions,
            sid,
            condition,
            account,
            output,
        } => {
            let json = output.json();
            if let Some(a) = &account {
                if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(crate::exit::bad_input(format!(
                        "--account {a:?}: expected a 12-digit account id"
                    )));
                }
            }
            let condition = condition
                .map(|c| Policy::parse_condition(&c).context("--condition"))
                .transpose()?;
            let before = parse(&file)?;
            let mut after = before.clone();
            let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
            let outcome = after.allow_resource(
                &arn,
                &AllowSpec {
                    actions: &actions,
                    sid: &sid,
                    condition: condition.as_ref(),
                    account: account.as_deref(),
                },
            )?;
            let changes = diff(&before, &after);
            if json {
                let out =
                    json!({ "outcome": outcome, "changes": changes, "policy": after.to_value() });
                exit::outln(&serde_json::to_string_pretty(&out)?);
            } else {
                eprintln!("{}", serde_json::to_string(&outcome)?);
                for c in &changes {
                    eprintln!("{c}");
                }
                exit::outln(&after.to_json_pretty());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Diff { a, b, output } => {
            let json = output.json();
            let (pa, pb) = (parse(&a)?, parse(&b)?);
            let changes = diff(&pa, &pb);
            let equivalent = pa.canonical() == pb.canonical();
            if json {
                exit::outln(&serde_json::to_string_pretty(
                    &json!({ "equivalent": equivalent, "changes": changes }),
                )?);
            } else {
                for c in &changes {
                    exit::outln(&c.to_string());
                }
                exit::outln(if equivalent {
                    "equivalent (same canonical form)"
                } else {
                    "not equivalent"
                });
            }
            Ok(if equivalent {
                ExitCode::SUCCESS
            } else {
                exit::code(exit::NO)
            })
        }
    }
}
