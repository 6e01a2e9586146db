use super::{Outcome, policy};
use crate::auth;
use crate::cache::CacheDirs;
use crate::cli::LoginArgs;
use crate::config::{Config, Kind, Paths, Root};
use crate::context::Context;
use crate::error::{Error, Result};
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
            let known = config.profile_names().any(|n| n == name);
            let target = sign_in_profile(config, &name).map_err(|err| {
                if known {
                    err
                } else {
                    how_to_create(err, &name)
                }
            })?;
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

/// `login NAME` for a profile that does not exist: ssoenv does not create one (`aws login
/// --profile NAME` does), so the hint says how, after any "did you mean".
fn how_to_create(err: Error, name: &str) -> Error {
    let create = format!(
        "to create it, run `aws login --profile {name}`, or add `login_session = ARN` and a \
         region to [profile {name}] (`ssoenv configure` for an IAM Identity Center account)"
    );
    let hint = match &err.hint {
        Some(hint) => format!("{hint}; {create}"),
        None => create,
    };
    err.with_hint(hint)
}

/// The profile whose session `login NAME` signs in to: the profile itself, or for a chained
/// profile the IAM Identity Center profile its chain starts from (`aws sso login` refuses those).
pub(crate) fn sign_in_profile(config: Config, name: &str) -> Result<SsoProfile> {
    let profile = config.profile(name)?;
    let Kind::AssumeRole(chain) = &profile.kind else {
        return SsoProfile::of(config, profile);
    };
    match &chain.root {
        Root::Sso { profile: root, .. } => {
            let root = config.profile(root)?;
            SsoProfile::of(config, root)
        }
        other => Err(Error::new(
            format!("profile \"{name}\""),
            format!(
                "its role chain starts from {}: there is no IAM Identity Center session to \
                 sign in to or out of",
                other.describe()
            ),
        )
        .with_hint(format!(
            "`ssoenv use {}` assumes its roles without a sign-in",
            crate::shell::word(name)
        ))),
    }
}
