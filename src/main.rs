use std::process::ExitCode;

use clap::Parser;
use ssoenv::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = cli;
    ExitCode::SUCCESS
}
