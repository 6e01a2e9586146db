//! `ssoenv configure`: `aws configure sso`, one profile at a time. It asks (`ask`), signs in and
//! lists the accounts and the chosen account's roles (`discovery`), and adds an `[sso-session]`
//! (when new) and a `[profile]` to the config file without touching anything else in it
//! (`configure_plan`).

mod ask;

use self::ask::{Ask, check_profile_name, choose_account, choose_role, choose_session};
use super::{Outcome, policy};
use crate::cache::CacheDirs;
use crate::cli::ConfigureArgs;
use crate::config::{Config, Paths};
use crate::config_edit::{self, ConfigFile, Plan, SsoProfileText};
use crate::configure_plan::{self, Request, Taken};
use crate::context::Context;
use crate::discovery::{self, Pace};
use crate::error::Result;
use crate::naming::suggested_name;
use crate::settings::Settings;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::ui::Ui;

pub fn run(args: &ConfigureArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let ask = Ask {
        terminal: settings.terminals.can_ask(),
    };
    let paths = Paths::from_env()?;
    let config = Config::load(paths.clone())?;
    let file = ConfigFile::read(&paths.config)?;
    if let Some(region) = &args.region {
        super::check_region("--region", region)?;
    }
    // A name given as a flag is checked before anyone signs in.
    let taken = Taken::new(&config, &file.text);
    if let Some(name) = &args.profile {
        check_profile_name("--profile", name)?;
        taken.check(name, args.force, &paths)?;
    }
    let (session, new_session) = choose_session(args, &config, &ask, ui, settings)?;
    let endpoints = endpoint::resolve(&session.region, &ConfiguredEndpoints::default())?;
    let session_name = session.name.clone().unwrap_or_default();

    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let pace = Pace::new(10);
    let (token, accounts) = discovery::accounts_signed_in(
        &ctx,
        &session,
        &endpoints,
        &policy(&args.login, false),
        &pace,
    )?;
    let account = choose_account(args, accounts, &ask, ui)?;
    let roles = discovery::roles_of(
        &ctx,
        &session,
        &endpoints,
        &token,
        &account.account_id,
        &pace,
    )?;
    let role = choose_role(args, &account, roles, &ask, ui)?;

    let region = match &args.region {
        Some(region) => Some(region.clone()),
        None if ask.terminal => ask.region(&session.region)?,
        None => None,
    };
    let output = match &args.output {
        Some(output) => Some(output.clone()),
        None if ask.terminal => ask.output()?,
        None => None,
    };
    let account_name = config_edit::one_line_value(&account.account_name);
    let suggested = suggested_name(&account_name, &account.account_id, &role);
    let name = match &args.profile {
        Some(name) => name.clone(),
        None if ask.terminal => ask.profile_name(&suggested, &taken, args.force)?,
        None => {
            taken.check(&suggested, args.force, &paths).map_err(|err| {
                err.with_hint(format!(
                    "name the profile with --profile (e.g. --profile {}), or replace it with \
                     --force",
                    crate::shell::word(&taken.free_suggestion(&suggested))
                ))
            })?;
            suggested
        }
    };

    let account_id = config_edit::one_line_value(&account.account_id);
    let role_name = config_edit::one_line_value(&role);
    let request = Request {
        session: &session,
        new_session,
        profile: SsoProfileText {
            name: &name,
            session: &session_name,
            account_id: &account_id,
            role_name: &role_name,
            region: region.as_deref(),
            output: output.as_deref(),
            account_name: Some(&account_name),
        },
        force: args.force,
    };
    // Planned on the file as it is now (the login may have taken minutes), under the edit lock.
    let planned = config_edit::edit(&paths.config, |file| {
        let planned = configure_plan::plan(&file.text, &config, &request)?;
        let done = (planned.added_session, planned.replaced);
        Ok(Plan::Write(planned.text, done))
    })?;
    let &(added_session, replaced) = planned.value();
    let where_ = paths.config.display();
    let where_ = if replaced {
        format!("in {where_}")
    } else {
        format!("to {where_}")
    };
    if added_session {
        ui.say(&format!(
            "added [sso-session {session_name}] to {}",
            paths.config.display()
        ));
    }
    ui.say(&format!(
        "{} [profile {name}] {where_}: role {role} in account {} ({})",
        if replaced { "replaced" } else { "added" },
        account.account_id,
        if account_name.is_empty() {
            "no name"
        } else {
            &account_name
        },
    ));
    if taken.in_credentials_only(&name) {
        ui.warn(&format!(
            "{} also has a [{name}] profile; the AWS CLI merges its keys over this one",
            paths.credentials.display()
        ));
    }
    let word = crate::shell::word(&name);
    ui.say(&format!(
        "use it: eval \"$(ssoenv use {word})\"  (or `awsuse {word}` with the shell integration)"
    ));
    Ok(Outcome::Print(String::new()))
}
