//! Exit codes with one meaning in every subcommand, and output that ends
//! quietly when the reader goes away (`vpcwarden … | head -1`).
//!
//! - 0: success
//! - 1: the answer is "no" (ERROR findings, policies differ, addresses flagged
//!   when `--fail-on-flagged` asks for it, an incomplete report when
//!   `--fail-on-gaps` asks for it)
//! - 2: bad usage or input (flags, files that do not parse, events and
//!   policies the tool refuses); nothing was changed
//! - 3: AWS or I/O failure (a call failed, a file could not be read or written)

use std::fmt;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// Success.
pub const OK: u8 = 0;
/// The answer is "no".
pub const NO: u8 = 1;
/// Bad usage or input.
pub const USAGE: u8 = 2;
/// AWS or I/O failure.
pub const FAILURE: u8 = 3;

/// An error in what the user gave (a flag, a file's content, an event): exit 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Wraps any message as bad input.
pub fn bad_input(message: impl fmt::Display) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.to_string()))
}

/// The exit code an error stands for: 2 when anything in its chain is the
/// user's input, else 3 (AWS, I/O).
pub fn code_for(err: &anyhow::Error) -> u8 {
    let input = err.chain().any(|c| {
        c.is::<BadInput>()
            || c.is::<vpcwarden_policy::ParseError>()
            || c.is::<vpcwarden_policy::EditError>()
            || c.is::<vpcwarden_mwaa_event::EventError>()
            || c.is::<serde_json::Error>()
            || c.is::<chrono::ParseError>()
            || c.is::<vpcwarden_idle_report::EnvError>()
            || c.is::<vpcwarden_athena::ConfigError>()
            || c.downcast_ref::<vpcwarden_endpoints::ProvisionError>()
                .is_some_and(|e| e.is_input())
    });
    if input {
        USAGE
    } else {
        FAILURE
    }
}

/// Writes to stdout. A reader that closed the pipe early (`| head`) has all it
/// wanted: the process ends quietly with 0, as `grep` does, instead of a panic.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let result = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(i32::from(OK)),
        Err(e) => {
            eprintln!("error: writing to stdout: {e}");
            std::process::exit(i32::from(FAILURE));
        }
    }
}

/// [`out`] with a newline.
pub fn outln(text: &str) {
    out(&format!("{text}\n"));
}

/// `ExitCode` for one of the codes above.
pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
