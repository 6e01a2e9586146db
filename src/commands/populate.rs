//! `ssoenv populate`: a profile for every account and role an sso-session reaches, in one marked
//! block per sso-session (`discovery` lists them, `populate_plan` plans the block). A re-run
//! replaces that block only, and leaves the file untouched when nothing changed.

use super::{Outcome, policy};
use crate::cache::CacheDirs;
use crate::cli::PopulateArgs;
use crate::config::{Config, Paths};
use crate::context::Context;
use crate::discovery;
use crate::error::{Error, Result};
use crate::naming::Template;
use crate::populate_plan;
use crate::settings::Settings;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::ui::{Ui, count};

pub fn run(args: &PopulateArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let template = Template::parse(&args.template)?;
    if let Some(region) = &args.region {
        super::check_region("--region", region)?;
    }
    let paths = Paths::from_env()?;
    let config = Config::load(paths.clone())?;
    let name = match &args.sso_session {
        Some(name) => name.clone(),
        None => only_session(&config)?,
    };
    let session = config.sso_session(&name)?;
    let endpoints = endpoint::resolve(&session.region, &ConfiguredEndpoints::default())?;
    // A block that cannot be edited is reported before the listing, not after it.
    populate_plan::check_block(&paths.config, &name)?;
    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let found = discovery::every_role(
        &ctx,
        &session,
        &endpoints,
        &policy(&args.login, false),
        args.max_rate,
        ui,
    )?;
    ui.say(&format!(
        "found {} in {} in {:.1} s",
        count(found.roles.len(), "role"),
        count(found.accounts, "account"),
        found.took.as_secs_f64()
    ));
    if found.throttled > 0 {
        ui.say(&format!(
            "the service throttled {}; each was tried again after a pause",
            count(found.throttled, "call")
        ));
    }

    let planned = populate_plan::apply(
        &paths.config,
        &name,
        &found.roles,
        &template,
        args.region.as_deref(),
        args.prune,
        args.dry_run,
    )?;
    let edit = planned.value();
    for note in &edit.notes {
        ui.say(note);
    }
    if edit.kept_stale > 0 && !args.prune {
        ui.say(&if edit.kept_stale == 1 {
            "1 profile is for a role you can no longer reach; --prune removes it".to_string()
        } else {
            format!(
                "{} profiles are for roles you can no longer reach; --prune removes them",
                edit.kept_stale
            )
        });
    }
    let where_ = paths.config.display();
    if args.dry_run {
        let mut out = String::new();
        for line in &edit.diff {
            out.push_str(line);
            out.push('\n');
        }
        ui.say(&format!(
            "dry run: {} in {where_}; nothing written",
            edit.summary()
        ));
        return Ok(Outcome::Print(out));
    }
    if !planned.wrote() {
        ui.say(&format!(
            "no changes: {} for sso-session {name} in {where_} {} up to date",
            count(edit.profiles, "profile"),
            if edit.profiles == 1 { "is" } else { "are" }
        ));
        return Ok(Outcome::Print(String::new()));
    }
    ui.say(&format!(
        "wrote {} for sso-session {name} to {where_} ({})",
        count(edit.profiles, "profile"),
        edit.summary()
    ));
    Ok(Outcome::Print(String::new()))
}

fn only_session(config: &Config) -> Result<String> {
    let mut names: Vec<&String> = config.sso_sessions.keys().collect();
    names.sort();
    match names.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::usage(
            "--sso-session",
            format!(
                "there is no [sso-session] in {}",
                config.paths.config.display()
            ),
        )
        .with_hint("`ssoenv configure` creates one")),
        many => Err(Error::usage(
            "--sso-session",
            format!(
                "say which sso-session: {}",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
