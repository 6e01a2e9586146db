use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use ssoenv::cli::Cli;
use ssoenv::commands::{self, Outcome};
use ssoenv::ui;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version go to stdout with status 0; mistakes to stderr with 2.
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    match commands::run(cli.command, &ui::Stderr) {
        Ok(Outcome::Print(text)) => {
            // One write of the whole text: the shell never evaluates half of it.
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
                Err(err) => {
                    eprintln!("ssoenv: stdout: {err}");
                    ExitCode::from(1)
                }
            }
        }
        Ok(Outcome::Exit(code)) => ExitCode::from(code),
        Err(err) => {
            eprintln!("ssoenv: {err}");
            if let Some(hint) = &err.hint {
                eprintln!("ssoenv: hint: {hint}");
            }
            ExitCode::from(err.exit_code())
        }
    }
}
