use super::{Outcome, policy, shell_for};
use crate::activate::changes_for;
use crate::cli::UseArgs;
use crate::error::Result;
use crate::settings::Settings;
use crate::ui::Ui;

pub fn run(args: &UseArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let shell = shell_for(args.shell, settings)?;
    let name = match args.profile.as_deref() {
        // No name and a person at the terminal: a picker on stderr (Ctrl-C exits 130).
        None if settings.terminals.can_ask() => match crate::picker::pick_profile(ui, settings)? {
            Some(name) => name,
            None => return Ok(Outcome::Exit(130)),
        },
        arg => settings.profile.selected(arg),
    };
    let (changes, expires_at) = changes_for(
        &name,
        ui,
        settings,
        &policy(&args.login, false),
        args.force_refresh,
    )?;
    let text = crate::shell::render(shell, &changes)?;
    if settings.terminals.stdout {
        // Printed here, the secrets would only land in the scrollback; nothing would be set.
        let word = crate::shell::word(&name);
        // One message a line: a line break inside a message is shown escaped, never sent.
        for line in [
            format!(
                "credentials for \"{name}\" are ready (valid until {}), but a command cannot \
                 change its shell's variables; run:",
                crate::time::format_rfc3339(expires_at)
            ),
            format!("  eval \"$(ssoenv use {word})\"     (bash, zsh)"),
            format!("  ssoenv use {word} | source     (fish)"),
            format!(
                "or load the shell integration and run `awsuse {word}` (see `ssoenv init --help`)"
            ),
        ] {
            ui.say(&line);
        }
        return Ok(Outcome::Print(String::new()));
    }
    Ok(Outcome::Print(text))
}
