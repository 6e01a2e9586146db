//! One file a subcommand. Each is thin: it reads its arguments, calls the engine, and returns
//! what `main` prints.

use crate::cli::Command;
use crate::context::Policy;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::ui::Ui;

mod completions;
mod configure;
mod console;
mod credential_process;
mod exec;
mod init;
mod list;
mod login;
mod logout;
mod populate;
mod status;
mod unset;
mod use_;

/// What `main` does after a command: print this text on stdout, or exit with this status.
#[derive(Debug)]
pub enum Outcome {
    Print(String),
    Exit(u8),
}

/// Runs `command`. The environment and terminals are read here, once, for every command.
pub fn run(command: Command, ui: &dyn Ui) -> Result<Outcome> {
    let settings = &Settings::from_process();
    match command {
        Command::List(args) => list::run(&args, ui),
        Command::Unset(args) => unset::run(&args, settings),
        Command::Completions(args) => Ok(Outcome::Print(completions::script(args.shell))),
        Command::Use(args) => use_::run(&args, ui, settings),
        Command::Exec(args) => exec::run(&args, ui, settings),
        Command::Login(args) => login::run(&args, ui, settings),
        Command::Logout(args) => logout::run(&args, ui, settings),
        Command::Status(args) => status::run(&args, ui, settings),
        Command::CredentialProcess(args) => credential_process::run(&args, ui, settings),
        Command::Console(args) => console::run(&args, ui, settings),
        Command::Configure(args) => configure::run(&args, ui, settings),
        Command::Populate(args) => populate::run(&args, ui, settings),
        Command::Init(args) => init::run(&args),
    }
}

/// The shell to print for: `--shell`, else `$SSOENV_SHELL` (an error when it names no shell
/// ssoenv knows), else the shell that started ssoenv, else the name of `$SHELL`, else bash. The
/// shell integration always passes `--shell`, so its prompt and `awsuse` never pay for the look
/// at the parent.
pub(crate) fn shell_for(
    flag: Option<crate::shell::Shell>,
    settings: &Settings,
) -> Result<crate::shell::Shell> {
    match flag {
        Some(shell) => Ok(shell),
        None => crate::shell::Shell::detect(
            settings.ssoenv_shell.as_deref(),
            crate::shell::parent_program,
            settings.shell.as_deref(),
        ),
    }
}

pub(crate) fn policy(login: &crate::cli::LoginOptions, no_login: bool) -> Policy {
    Policy {
        no_browser: login.no_browser,
        use_device_code: login.use_device_code,
        no_login,
    }
}

/// A region flag: refused early, as a usage error, with the flag named.
fn check_region(flag: &str, region: &str) -> Result<()> {
    if crate::sso::endpoint::is_region_name(region) {
        Ok(())
    } else {
        Err(Error::usage(
            flag,
            format!("{region:?} is not an AWS region name (e.g. eu-west-1)"),
        ))
    }
}
