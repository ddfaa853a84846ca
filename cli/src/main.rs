//! `vpcwarden`: the same library code as the Lambda functions, run once from a shell.

/// The exit-code paragraph under every `--help` (a macro so that `concat!`
/// can join it to each command's examples).
macro_rules! exit_help {
    () => {
        "Exit codes: 0 success; 1 the answer is \"no\" (ERROR findings, policies differ, flagged addresses \
with --fail-on-flagged, coverage gaps with --fail-on-gaps); 2 bad usage or input, nothing changed; 3 AWS or I/O failure."
    };
}

mod athena;
mod eip;
mod endpoints;
mod exit;
mod gen;
mod ipv4;
mod policy;
mod restore;
mod run_settings;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vpcwarden",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("VPCWARDEN_COMMIT"), ")"),
    about = "MWAA customer-managed VPC endpoints, IAM policy tools, and idle Elastic IP analysis",
    after_help = exit_help!()
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// MWAA customer-managed endpoints.
    #[command(after_help = exit_help!())]
    Endpoints {
        #[command(subcommand)]
        cmd: endpoints::Cmd,
    },
    /// IAM policy documents: validate, edit, compare.
    #[command(after_help = exit_help!())]
    Policy {
        #[command(subcommand)]
        cmd: policy::Cmd,
    },
    /// Idle Elastic IP analysis.
    #[command(after_help = exit_help!())]
    Eip {
        #[command(subcommand)]
        cmd: eip::Cmd,
    },
    /// Every public IPv4 address: who holds it, what it costs, what would remove it.
    #[command(after_help = exit_help!())]
    Ipv4 {
        #[command(subcommand)]
        cmd: ipv4::Cmd,
    },
    /// The Athena DDL and queries the report function runs.
    #[command(after_help = exit_help!())]
    Athena {
        #[command(subcommand)]
        cmd: athena::Cmd,
    },
    /// Write a realistic CloudTrail tree with its ground truth (tests, demo, benchmarks).
    GenCloudtrail(gen::Gen),
    /// Print a shell completion script, e.g. `vpcwarden completions bash > /etc/bash_completion.d/vpcwarden`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Endpoints { cmd } => endpoints::run(cmd),
        Command::Policy { cmd } => policy::run(cmd),
        Command::Eip { cmd } => eip::run(cmd),
        Command::Ipv4 { cmd } => ipv4::run(cmd),
        Command::Athena { cmd } => athena::run(cmd),
        Command::GenCloudtrail(g) => gen::run(g),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "vpcwarden", &mut out);
            exit::out(&String::from_utf8_lossy(&out));
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::code(exit::code_for(&e))
        }
    }
}
