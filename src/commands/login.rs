use super::{Outcome, policy};
use crate::auth;
use crate::cache::CacheDirs;
use crate::cli::LoginArgs;
use crate::config::{Config, Kind, Paths};
use crate::context::Context;
use crate::error::Result;
use crate::login_session;
use crate::settings::Settings;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::sso_profile::SsoProfile;
use crate::time;
use crate::ui::Ui;

pub fn run(args: &LoginArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let (session, endpoints) = match &args.sso_session {
        Some(name) => {
            let config = Config::load(Paths::from_env()?)?;
            let session = config.sso_session(name)?;
            let endpoints = endpoint::resolve(&session.region, &ConfiguredEndpoints::default())?;
            (session, endpoints)
        }
        None => {
            let name = settings.profile.active(args.profile.as_deref());
            let config = Config::load(Paths::from_env()?)?;
            if let Ok(profile) = config.profile(&name)
                && let Kind::Login(session) = &profile.kind
            {
                let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
                let target = login_session::Target::of(&config, &profile, session)?;
                let got = login_session::sign_in(&ctx, &target, &policy(&args.login, false))?;
                ui.say(&format!(
                    "signed in as {session}; the credentials are valid until {} and refresh \
                     for up to 12 hours",
                    time::local_clock(got.credentials.expiration)
                ));
                return Ok(Outcome::Print(String::new()));
            }
            let target = SsoProfile::from_config(config, &name)?;
            (target.sso.login_target(), target.endpoints()?)
        }
    };
    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let token = auth::token(
        &ctx,
        &session,
        &endpoints,
        &policy(&args.login, false),
        None,
        true,
    )?;
    ui.say(&format!(
        "signed in to {} (session {}); the token is valid until {}",
        session.start_url,
        auth::describe(&session),
        token.expires_at
    ));
    Ok(Outcome::Print(String::new()))
}
