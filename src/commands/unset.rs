use super::{Outcome, shell_for};
use crate::cli::UnsetArgs;
use crate::error::Result;

pub fn run(args: &UnsetArgs) -> Result<Outcome> {
    let shell = shell_for(args.shell);
    Ok(Outcome::Print(crate::shell::render(
        shell,
        &crate::env::deactivate(),
    )?))
}
