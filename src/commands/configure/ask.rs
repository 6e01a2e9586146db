//! `configure`'s questions: each answer from its flag, else from a prompt on the terminal
//! (inquire draws on stderr; stdout stays empty), else, with no terminal, a usage error naming
//! the flag.

use std::collections::HashSet;
use std::fmt;

use inquire::validator::Validation;
use inquire::{InquireError, Select, Text};

use crate::cli::ConfigureArgs;
use crate::config::{Config, SsoSession};
use crate::configure_plan::{SCOPES, Taken};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::sso::endpoint;
use crate::sso::portal::Account;
use crate::ui::{Shown, Ui, printable};

const OUTPUTS: [&str; 5] = ["json", "text", "table", "yaml", "yaml-stream"];

/// The existing sso-session named by the flags or chosen at the prompt, or a new one (true).
pub(super) fn choose_session(
    args: &ConfigureArgs,
    config: &Config,
    ask: &Ask,
    ui: &dyn Ui,
    settings: &Settings,
) -> Result<(SsoSession, bool)> {
    if let Some(url) = &args.start_url {
        check_start_url(url)?;
    }
    if let Some(region) = &args.sso_region {
        super::super::check_region("--sso-region", region)?;
    }
    let name = match &args.sso_session {
        Some(name) => {
            check_session_name(name)?;
            name.clone()
        }
        None => {
            // An existing session with that start URL is the one meant.
            let matching: Vec<&String> = match &args.start_url {
                Some(url) => {
                    let mut m: Vec<&String> = config
                        .sso_sessions
                        .iter()
                        .filter(|(_, s)| s.get("sso_start_url").is_some_and(|u| same_url(u, url)))
                        .map(|(n, _)| n)
                        .collect();
                    m.sort();
                    m
                }
                None => Vec::new(),
            };
            if let [one] = matching.as_slice() {
                ui.say(&format!(
                    "using [sso-session {one}], which has that start URL"
                ));
                (*one).clone()
            } else if ask.terminal {
                ask.session_name(config, args.start_url.as_deref())?
            } else {
                return Err(missing("--sso-session", "the sso-session to use or create"));
            }
        }
    };
    if config.sso_sessions.contains_key(&name) {
        let session = config.sso_session(&name)?;
        if let Some(url) = &args.start_url
            && !same_url(url, &session.start_url)
        {
            return Err(Error::usage(
                "--start-url",
                format!(
                    "[sso-session {name}] already has sso_start_url = {}",
                    session.start_url
                ),
            )
            .with_hint("leave out --start-url, or give another --sso-session name to create one"));
        }
        if let Some(region) = &args.sso_region
            && *region != session.region
        {
            return Err(Error::usage(
                "--sso-region",
                format!(
                    "[sso-session {name}] already has sso_region = {}",
                    session.region
                ),
            )
            .with_hint(
                "leave out --sso-region, or give another --sso-session name to create one",
            ));
        }
        return Ok((session, false));
    }
    let start_url = match &args.start_url {
        Some(url) => url.clone(),
        None if ask.terminal => ask.start_url()?,
        None => return Err(missing("--start-url", "the new sso-session's start URL")),
    };
    if let Some(why) = sdk_unreadable(&name) {
        ui.warn(&format!(
            "[sso-session {name}]: {why}; the AWS CLI reads it, but the AWS SDKs for JavaScript \
             and Rust refuse the whole config file (a name such as {} avoids it)",
            sdk_readable(&name)
        ));
    }
    let region = match &args.sso_region {
        Some(region) => region.clone(),
        None => match derived_region(&start_url, settings, ui) {
            Some(region) => region,
            None if ask.terminal => ask.sso_region()?,
            None => return Err(missing("--sso-region", "the new sso-session's region")),
        },
    };
    Ok((
        SsoSession {
            name: Some(name),
            start_url,
            region,
            registration_scopes: Some(vec![SCOPES.to_string()]),
        },
        true,
    ))
}

pub(super) fn choose_account(
    args: &ConfigureArgs,
    mut accounts: Vec<Account>,
    ask: &Ask,
    ui: &dyn Ui,
) -> Result<Account> {
    if let Some(id) = &args.account_id {
        return match accounts.iter().position(|a| a.account_id == *id) {
            Some(i) => Ok(accounts.swap_remove(i)),
            None => Err(Error::new(
                format!("account {id}"),
                format!(
                    "is not among those this sign-in can reach ({})",
                    crate::ui::count(accounts.len(), "account")
                ),
            )
            .with_hint("`ssoenv populate --dry-run` lists every account and role you can reach")),
        };
    }
    match accounts.len() {
        0 => Err(Error::new(
            "ListAccounts",
            "this sign-in reaches no account (no permission set is assigned to you)",
        )
        .with_hint("ask your administrator to assign you to an account")),
        1 => {
            let account = accounts.remove(0);
            ui.say(&format!(
                "the only account you can reach: {}",
                AccountChoice(&account)
            ));
            Ok(account)
        }
        n if ask.terminal => {
            accounts.sort_by(|a, b| {
                (a.account_name.to_lowercase(), &a.account_id)
                    .cmp(&(b.account_name.to_lowercase(), &b.account_id))
            });
            let choices: Vec<AccountChoice> = accounts.iter().map(AccountChoice).collect();
            let message = format!("Account ({n}; type to filter)");
            let picked = Select::new(&message, choices)
                .with_page_size(12)
                .prompt()
                .map_err(prompt_error)?
                .0
                .account_id
                .clone();
            let i = accounts
                .iter()
                .position(|a| a.account_id == picked)
                .unwrap_or(0);
            Ok(accounts.swap_remove(i))
        }
        n => Err(missing(
            "--account-id",
            &format!("you can reach {n} accounts"),
        )),
    }
}

pub(super) fn choose_role(
    args: &ConfigureArgs,
    account: &Account,
    mut roles: Vec<String>,
    ask: &Ask,
    ui: &dyn Ui,
) -> Result<String> {
    if let Some(role) = &args.role_name {
        return if roles.contains(role) {
            Ok(role.clone())
        } else {
            Err(Error::new(
                format!("role {role}"),
                format!(
                    "is not assigned to you in account {} (you have: {})",
                    account.account_id,
                    if roles.is_empty() {
                        "none".to_string()
                    } else {
                        roles.join(", ")
                    }
                ),
            ))
        };
    }
    roles.sort();
    roles.dedup();
    match roles.len() {
        0 => Err(Error::new(
            format!("account {}", account.account_id),
            "no role in it is assigned to you",
        )),
        1 => {
            let role = roles.remove(0);
            ui.say(&format!("the only role you have there: {role}"));
            Ok(role)
        }
        n if ask.terminal => Select::new(
            &format!("Role ({n})"),
            roles.into_iter().map(Shown).collect(),
        )
        .with_page_size(12)
        .prompt()
        .map(|role| role.0)
        .map_err(prompt_error),
        n => Err(missing(
            "--role-name",
            &format!(
                "you have {n} roles in account {}: {}",
                account.account_id,
                roles.join(", ")
            ),
        )),
    }
}

/// How the picker shows an account: `name (id) email`.
struct AccountChoice<'a>(&'a Account);

impl fmt::Display for AccountChoice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        let clean = |s: &str| printable(s).into_owned();
        write!(f, "{} ({})", clean(&a.account_name), clean(&a.account_id))?;
        if !a.email_address.is_empty() {
            write!(f, " {}", clean(&a.email_address))?;
        }
        Ok(())
    }
}

pub(super) fn missing(flag: &str, what: &str) -> Error {
    Error::usage(
        flag,
        format!("needed ({what}), and there is no terminal to ask on"),
    )
    .with_hint(format!(
        "give {flag} (see `ssoenv configure --help`), or run ssoenv configure in a terminal"
    ))
}

fn prompt_error(err: InquireError) -> Error {
    match err {
        InquireError::OperationCanceled | InquireError::OperationInterrupted => {
            Error::new("configure", "cancelled; nothing was written")
        }
        other => Error::new("terminal", other.to_string()),
    }
}

/// The characters a name in a section header may hold and still read back the same.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "[]\"'\\#;".contains(c))
    {
        Some("may not hold spaces, quotes, brackets, backslashes, # or ;")
    } else {
        None
    }
}

pub(super) fn check_profile_name(flag: &str, name: &str) -> Result<()> {
    match name_problem(name) {
        None => Ok(()),
        Some(why) => Err(Error::usage(flag, format!("{name:?} {why}"))),
    }
}

fn check_session_name(name: &str) -> Result<()> {
    check_profile_name("--sso-session", name)
}

/// The region of the instance behind `start_url`, as the AWS CLI finds it (`start_url`), said to
/// the person; None, with the reason, when it cannot be found.
fn derived_region(start_url: &str, settings: &Settings, ui: &dyn Ui) -> Option<String> {
    let http = crate::sso::http::Http::new(settings);
    match crate::start_url::find_region(&http, start_url) {
        Ok(Some(found)) => {
            ui.say(&format!(
                "sso_region = {}, from the access portal's address ({})",
                found.region, found.portal
            ));
            Some(found.region)
        }
        Ok(None) => None,
        Err(why) => {
            ui.warn(&format!(
                "could not find the region from the start URL: {why}"
            ));
            None
        }
    }
}

/// Why the AWS SDKs for JavaScript and Rust cannot read a `[sso-session NAME]`: their config
/// parsers accept only `[A-Za-z0-9_.@%:+/-]` in a section name, and drop or refuse the rest.
fn sdk_unreadable(name: &str) -> Option<String> {
    let bad: String = name
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || "_.@%:+/-".contains(*c)))
        .collect();
    (!bad.is_empty()).then(|| {
        format!(
            "the name holds {} outside [A-Za-z0-9_.@%:+/-]",
            crate::ui::printable(&format!("{bad:?}"))
        )
    })
}

/// `name` with every character the SDKs refuse made `-`.
fn sdk_readable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.@%:+/-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn check_start_url(url: &str) -> Result<()> {
    if url_problem(url).is_none() {
        Ok(())
    } else {
        Err(
            Error::usage("--start-url", format!("{url:?} is not an https:// URL")).with_hint(
                "the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start",
            ),
        )
    }
}

fn url_problem(url: &str) -> Option<&'static str> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (!ok).then_some("an https:// URL, e.g. https://d-1234567890.awsapps.com/start")
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The prompts, on the terminal (stderr).
pub(super) struct Ask {
    pub(super) terminal: bool,
}

impl Ask {
    pub(super) fn session_name(&self, config: &Config, start_url: Option<&str>) -> Result<String> {
        const NEW: &str = "a new sso-session…";
        let mut existing: Vec<String> = config.sso_sessions.keys().cloned().collect();
        existing.sort();
        if !existing.is_empty() {
            let mut options: Vec<Shown<String>> = existing
                .iter()
                .map(|name| {
                    let url = config.sso_sessions[name]
                        .get("sso_start_url")
                        .unwrap_or_default();
                    Shown(format!("{name}  {url}"))
                })
                .collect();
            options.push(Shown(NEW.into()));
            let picked = Select::new("SSO session", options)
                .raw_prompt()
                .map_err(prompt_error)?;
            if let Some(name) = existing.get(picked.index) {
                return Ok(name.clone());
            }
        }
        let default = start_url
            .and_then(|u| u.split("://").nth(1))
            .and_then(|rest| rest.split(['.', '/']).next())
            .filter(|s| name_problem(s).is_none())
            .unwrap_or("default")
            .to_string();
        let known: HashSet<String> = existing.into_iter().collect();
        Text::new("New sso-session name")
            .with_default(&default)
            .with_validator(move |s: &str| {
                Ok(match name_problem(s) {
                    Some(why) => Validation::Invalid(format!("the name {why}").into()),
                    None if known.contains(s) => {
                        Validation::Invalid("that sso-session exists".into())
                    }
                    None => Validation::Valid,
                })
            })
            .prompt()
            .map_err(prompt_error)
    }

    pub(super) fn start_url(&self) -> Result<String> {
        Text::new("SSO start URL")
            .with_placeholder("https://d-1234567890.awsapps.com/start")
            .with_validator(|s: &str| {
                Ok(match url_problem(s) {
                    Some(why) => Validation::Invalid(format!("expected {why}").into()),
                    None => Validation::Valid,
                })
            })
            .prompt()
            .map(|s| s.trim().to_string())
            .map_err(prompt_error)
    }

    pub(super) fn sso_region(&self) -> Result<String> {
        Text::new("SSO region (where IAM Identity Center runs)")
            .with_default("us-east-1")
            .with_validator(region_validator)
            .prompt()
            .map_err(prompt_error)
    }

    pub(super) fn region(&self, suggested: &str) -> Result<Option<String>> {
        let answer = Text::new("Default region for the profile")
            .with_default(suggested)
            .with_help_message("`none` writes no region")
            .with_validator(|s: &str| {
                if s.trim() == "none" {
                    Ok(Validation::Valid)
                } else {
                    region_validator(s)
                }
            })
            .prompt()
            .map_err(prompt_error)?;
        let answer = answer.trim();
        Ok((answer != "none").then(|| answer.to_string()))
    }

    pub(super) fn output(&self) -> Result<Option<String>> {
        let mut options: Vec<&str> = OUTPUTS.to_vec();
        options.push("none");
        let picked = Select::new("Default output format", options)
            .prompt()
            .map_err(prompt_error)?;
        Ok((picked != "none").then(|| picked.to_string()))
    }

    pub(super) fn profile_name(
        &self,
        suggested: &str,
        taken: &Taken,
        force: bool,
    ) -> Result<String> {
        let refusals: Vec<(String, String)> = taken
            .profiles
            .iter()
            .chain(taken.populated.iter().map(|(p, _)| p))
            .filter_map(|p| taken.refusal(p, force).map(|(why, _)| (p.clone(), why)))
            .collect();
        let default = if refusals.iter().any(|(p, _)| p == suggested) {
            taken.free_suggestion(suggested)
        } else {
            suggested.to_string()
        };
        Text::new("Profile name")
            .with_default(&default)
            .with_validator(move |s: &str| {
                if let Some(why) = name_problem(s) {
                    return Ok(Validation::Invalid(format!("the name {why}").into()));
                }
                Ok(match refusals.iter().find(|(p, _)| p == s) {
                    Some((_, why)) => Validation::Invalid(
                        format!("profile {s} {why}; choose another name (or use --force)").into(),
                    ),
                    None => Validation::Valid,
                })
            })
            .prompt()
            .map_err(prompt_error)
    }
}

fn region_validator(s: &str) -> Result<Validation, inquire::CustomUserError> {
    Ok(if endpoint::is_region_name(s.trim()) {
        Validation::Valid
    } else {
        Validation::Invalid("a region name such as eu-west-1".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_not_read_back_are_refused() {
        assert!(name_problem("dev").is_none());
        assert!(name_problem("dev.acct_1-Admin@x").is_none());
        for bad in ["", "a b", "a]", "\"a\"", "a#b", "a;b", "a\tb"] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(url_problem("https://d-1.awsapps.com/start").is_none());
        assert!(url_problem("d-1.awsapps.com").is_some());
        assert!(same_url("https://x/start/", "https://x/start"));
    }

    #[test]
    fn session_names_the_sdks_refuse_are_found() {
        for good in ["corp", "corp.prod_1-a@b%c:d+e/f"] {
            assert_eq!(sdk_unreadable(good), None, "{good}");
        }
        for bad in ["corp!", "café", "a=b", "(x)"] {
            assert!(name_problem(bad).is_none(), "{bad:?} is refused outright");
            assert!(sdk_unreadable(bad).is_some(), "{bad:?}");
        }
        assert_eq!(sdk_readable("café(1)"), "caf--1-");
    }
}
