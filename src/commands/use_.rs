use super::{Outcome, policy, shell_for};
use crate::activate::{Ready, changes_for};
use crate::auth::Source;
use crate::cli::UseArgs;
use crate::error::Result;
use crate::picker::Picked;
use crate::settings::Settings;
use crate::ui::Ui;

pub fn run(args: &UseArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let shell = shell_for(args.shell, settings)?;
    let name = match args.profile.as_deref() {
        // No name and a person at the terminal: a picker on stderr. Escape and Ctrl-C both
        // choose nothing; the status tells them apart (130, as a shell does for SIGINT).
        // `--no-login` asks nothing, a picker included.
        None if settings.terminals.can_ask() && !args.no_login => {
            match crate::picker::pick_profile(settings)? {
                Picked::Name(name) => name,
                nothing => {
                    ui.say("no profile chosen");
                    return Ok(Outcome::Exit(if nothing == Picked::Interrupted {
                        130
                    } else {
                        1
                    }));
                }
            }
        }
        arg => settings.profile.selected(arg),
    };
    let ready = changes_for(
        &name,
        ui,
        settings,
        &policy(&args.login, args.no_login),
        args.force_refresh,
    )?;
    let expires_at = ready.expires_at;
    let text = crate::shell::render(shell, &ready.changes)?;
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
    // Something happened that the person may have waited for (a browser, a refresh): say that it
    // worked. From the caches (a prompt, a second `awsuse`) nothing is said.
    if ready.source != Source::Cache {
        ui.say(&confirmation(&name, &ready));
    }
    Ok(Outcome::Print(text))
}

/// `dev: account 111111111111 (dev-account) as ReadOnly, valid until 14:05`.
fn confirmation(name: &str, ready: &Ready) -> String {
    let account = match ready.account_name.as_deref().filter(|n| !n.is_empty()) {
        Some(label) => format!("{} ({label})", ready.account_id),
        None => ready.account_id.clone(),
    };
    format!(
        "{name}: account {account} as {}, valid until {}",
        ready.role_name,
        crate::time::local_clock(ready.expires_at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_names_the_account_when_it_has_a_name() {
        let ready = |account_name: Option<&str>| Ready {
            changes: crate::shell::EnvChanges::default(),
            expires_at: 0,
            source: Source::SignedIn,
            account_id: "111111111111".into(),
            account_name: account_name.map(str::to_string),
            role_name: "ReadOnly".into(),
        };
        let said = confirmation("dev", &ready(Some("dev-account")));
        assert!(
            said.starts_with("dev: account 111111111111 (dev-account) as ReadOnly, valid until "),
            "{said}"
        );
        let said = confirmation("dev", &ready(Some("")));
        assert!(
            said.starts_with("dev: account 111111111111 as ReadOnly,"),
            "{said}"
        );
    }
}
