use std::process::Command;

use super::Outcome;
use crate::cli::ExecArgs;
use crate::context::Policy;
use crate::error::{Error, ErrorKind, Result};
use crate::settings::Settings;
use crate::shell::Change;
use crate::ui::{Stderr, Ui};

pub fn run(args: &ExecArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    // The profile active in this shell comes first: `awsuse dev` then `ssoenv exec -- cmd`.
    let name = settings.profile.active(args.profile.as_deref());
    // Fresh from the caches, so a shell whose exported keys expired still hands live ones on.
    // A sign-in, if one is needed, happens here, while the person who started the command
    // watches; `--serve`'s endpoint never starts one later.
    let mut changes =
        crate::activate::changes_for(&name, ui, settings, &Policy::default(), false)?.changes;
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::usage("exec", "no command given after --"));
    };
    if args.serve {
        let dirs = crate::cache::CacheDirs::from_env()?;
        // The endpoint's thread outlives this borrow of `ui`: it speaks to stderr directly,
        // which is where `ui` writes.
        let endpoint = crate::container_credentials::start(&name, settings, dirs, Stderr)?;
        changes = crate::env::served(changes, &endpoint.url, &endpoint.token);
    }
    let mut command = Command::new(program);
    command.args(rest);
    for change in changes.iter() {
        match change {
            Change::Set { name, value } => command.env(name, value),
            Change::Unset { name } => command.env_remove(name),
        };
    }
    let shown = program.to_string_lossy().into_owned();
    if args.serve {
        // ssoenv must stay to answer: the command runs beside it, to its end.
        return crate::child::run_to_end(&mut command)
            .map(Outcome::Exit)
            .map_err(|err| spawn_error(&shown, &err));
    }
    run_command(command, &shown)
}

/// Becomes the command (execvp): its signals, job control and exit status are the command's own,
/// and no ssoenv process lingers holding secrets in memory.
#[cfg(unix)]
fn run_command(mut command: Command, shown: &str) -> Result<Outcome> {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    Err(spawn_error(shown, &err))
}

/// Windows has no exec: run the child, let it have Ctrl-C, and hand back its exit code.
#[cfg(not(unix))]
fn run_command(mut command: Command, shown: &str) -> Result<Outcome> {
    // Ctrl-C reaches every process on the console: with a handler that does nothing we stay
    // alive to pass on the child's exit code, and the child alone decides what Ctrl-C means.
    #[cfg(windows)]
    let _ = ctrlc::set_handler(|| {});
    let status = command.status().map_err(|err| spawn_error(shown, &err))?;
    let code = status.code().unwrap_or(1);
    Ok(Outcome::Exit(u8::try_from(code & 0xff).unwrap_or(1)))
}

fn spawn_error(shown: &str, err: &std::io::Error) -> Error {
    match err.kind() {
        std::io::ErrorKind::NotFound => Error::new(shown, "command not found")
            .with_hint("check the name, or give the full path")
            .with_kind(ErrorKind::CommandNotFound),
        std::io::ErrorKind::PermissionDenied => {
            Error::new(shown, "permission denied: cannot run it")
                .with_kind(ErrorKind::CommandNotExecutable)
        }
        _ => Error::new(shown, format!("cannot run it: {err}"))
            .with_kind(ErrorKind::CommandNotExecutable),
    }
}
