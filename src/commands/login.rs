use super::{Outcome, policy};
use crate::auth;
use crate::cache::CacheDirs;
use crate::cli::LoginArgs;
use crate::config::{Config, Paths};
use crate::context::Context;
use crate::error::Result;
use crate::settings::Settings;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::sso_profile::SsoProfile;
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
            let target = SsoProfile::load(&settings.profile.active(args.profile.as_deref()))?;
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
