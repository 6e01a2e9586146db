use super::{Outcome, shell_for};
use crate::cli::UnsetArgs;
use crate::error::Result;
use crate::settings::Settings;

pub fn run(args: &UnsetArgs, settings: &Settings) -> Result<Outcome> {
    let shell = shell_for(args.shell, settings)?;
    Ok(Outcome::Print(crate::shell::render(
        shell,
        &crate::env::deactivate(),
    )?))
}
