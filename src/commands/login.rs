use super::{Outcome, policy};
use crate::auth::{self, Engine};
use crate::cache::CacheDirs;
use crate::cli::LoginArgs;
use crate::config::{Config, Paths, active_profile};
use crate::error::Result;
use crate::sso::endpoint::{self, ConfiguredEndpoints};
use crate::sso_profile::SsoProfile;
use crate::ui::Ui;

pub fn run(args: &LoginArgs, ui: &dyn Ui) -> Result<Outcome> {
    let (session, endpoints) = match &args.sso_session {
        Some(name) => {
            let config = Config::load(Paths::from_env()?)?;
            let session = config.sso_session(name)?;
            let endpoints = endpoint::resolve(&session.region, &ConfiguredEndpoints::default())?;
            (session, endpoints)
        }
        None => {
            let target = SsoProfile::load(&active_profile(args.profile.as_deref()))?;
            (target.sso.login_target(), target.endpoints()?)
        }
    };
    let engine = Engine::new(CacheDirs::from_env()?, ui);
    let token = auth::token(
        &engine,
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
