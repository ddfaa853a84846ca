//! `vpcwarden`: the same library code as the Lambda functions, run once from a shell.

mod eip;
mod endpoints;
mod policy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vpcwarden",
    version,
    about = "MWAA customer-managed VPC endpoints and IAM policy tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// MWAA customer-managed endpoints.
    #[command(subcommand)]
    Endpoints(endpoints::Cmd),
    /// IAM policy documents: validate, edit, compare.
    #[command(subcommand)]
    Policy(policy::Cmd),
    /// Idle Elastic IP analysis.
    #[command(subcommand)]
    Eip(eip::Cmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Endpoints(cmd) => endpoints::run(cmd),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Eip(cmd) => eip::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
