//! `vpcwarden ipv4 report`: every public IPv4 address, its holder, its cost
//! and what would remove it, from snapshots on disk (or AWS CLI output).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use serde::Deserialize;
use vpcwarden_eip::{parse_snapshot as parse_eips, FileDefaults};
use vpcwarden_ipv4::{classify, parse_interfaces, parse_snapshot, report, PublicAddress, Subnet};
use vpcwarden_report::Report;

use crate::eip::{format_for, Format};
use crate::exit::{self, bad_input};

#[derive(Subcommand)]
pub enum Cmd {
    /// Report every public IPv4 address: kind, holder, monthly cost, totals, and a way out with its saving.
    ///
    /// Input: a public-IPv4 snapshot (`public-ipv4/dt=…/*.jsonl`, as eip-snapshot writes it), or
    /// `aws ec2 describe-network-interfaces` output with --account and --region (plus, optionally,
    /// describe-addresses output for idle Elastic IPs and BYOIP pools, and describe-subnets output
    /// for subnets that auto-assign public IPs).
    #[command(after_help = concat!(
        "Examples:\n",
        "  vpcwarden ipv4 report --snapshot public-ipv4.jsonl --earlier last-month.jsonl --output ipv4.md\n",
        "  aws ec2 describe-network-interfaces > enis.json; aws ec2 describe-addresses > eips.json; aws ec2 describe-subnets > subnets.json\n",
        "  vpcwarden ipv4 report --interfaces enis.json --addresses eips.json --subnets subnets.json --account 111122223333 --region us-east-1\n\n",
        exit_help!()
    ))]
    Report {
        /// A public-IPv4 snapshot (JSON Lines).
        #[arg(
            long,
            conflicts_with = "interfaces",
            required_unless_present = "interfaces"
        )]
        snapshot: Option<PathBuf>,
        /// An earlier public-IPv4 snapshot: the change since then.
        #[arg(long)]
        earlier: Option<PathBuf>,
        /// `aws ec2 describe-network-interfaces` output.
        #[arg(long, requires_all = ["account", "region"])]
        interfaces: Option<PathBuf>,
        /// With --interfaces: `aws ec2 describe-addresses` output.
        #[arg(long, requires = "interfaces")]
        addresses: Option<PathBuf>,
        /// With --interfaces: `aws ec2 describe-subnets` output.
        #[arg(long, requires = "interfaces")]
        subnets: Option<PathBuf>,
        /// With --interfaces: the account the output is from.
        #[arg(long)]
        account: Option<String>,
        /// With --interfaces: the region the output is from.
        #[arg(long)]
        region: Option<String>,
        /// Addresses with this tag (on the Elastic IP or the interface) are kept on purpose: no way out.
        #[arg(long, default_value = "vpcwarden:keep")]
        exclude_tag: String,
        /// Output format; default: from the --output extension (.md, .csv, .json, .html), else markdown.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn snapshot(path: &Path) -> Result<Vec<PublicAddress>> {
    parse_snapshot(&read(path)?).map_err(|e| bad_input(format!("{}: {e}", path.display())))
}

fn subnets(path: &Path) -> Result<Vec<Subnet>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Out {
        subnets: Vec<One>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct One {
        subnet_id: String,
        #[serde(default)]
        map_public_ip_on_launch: bool,
    }
    let out: Out = serde_json::from_str(&read(path)?).map_err(|e| {
        bad_input(format!(
            "{}: not describe-subnets output ({{\"Subnets\": [...]}}): {e}",
            path.display()
        ))
    })?;
    Ok(out
        .subnets
        .into_iter()
        .map(|s| Subnet {
            subnet_id: s.subnet_id,
            map_public_ip_on_launch: s.map_public_ip_on_launch,
        })
        .collect())
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    let Cmd::Report {
        snapshot: snap,
        earlier,
        interfaces,
        addresses,
        subnets: subnet_file,
        account,
        region,
        exclude_tag,
        format,
        output,
    } = cmd;
    let format = format_for(format, output.as_deref())?;
    let latest = match (&snap, &interfaces) {
        (Some(p), _) => snapshot(p)?,
        (None, Some(p)) => {
            let (account, region) = (account.unwrap_or_default(), region.unwrap_or_default());
            let enis = parse_interfaces(&read(p)?)
                .map_err(|e| bad_input(format!("{}: {e}", p.display())))?;
            let eips = match &addresses {
                Some(a) => parse_eips(
                    &read(a)?,
                    &FileDefaults {
                        account: Some(account.clone()),
                        region: Some(region.clone()),
                    },
                )
                .map_err(|e| bad_input(format!("{}: {e}", a.display())))?,
                None => Vec::new(),
            };
            let subnets = match &subnet_file {
                Some(s) => subnets(s)?,
                None => Vec::new(),
            };
            classify(
                &account,
                &region,
                &enis,
                &eips,
                &subnets,
                &Default::default(),
            )
        }
        (None, None) => unreachable!("clap requires one"),
    };
    let earlier = earlier.as_deref().map(snapshot).transpose()?;
    let r = report(&latest, earlier.as_deref(), &exclude_tag);
    let text = vpcwarden_report::render(Report::PublicIpv4(&r), format);
    match output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => exit::out(&text),
    }
    Ok(ExitCode::SUCCESS)
}
