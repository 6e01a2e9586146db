//! The whole chain for one profile: profile → token → role credentials → environment changes.
//! `use` renders the changes for a shell; `exec` applies them to a child; `credential-process`
//! (and any command that needs a profile's live credentials) stops at `credentials_for`.

use crate::auth::Source;
use crate::cache::CacheDirs;
use crate::config::{Config, Kind, Paths, Root};
use crate::context::{Context, Policy};
use crate::credentials;
use crate::env::{Activation, activate};
use crate::error::Result;
use crate::login_session;
use crate::settings::Settings;
use crate::shell::EnvChanges;
use crate::sso::portal::RoleCredentials;
use crate::sso_profile::SsoProfile;
use crate::ui::Ui;

/// A profile's live credentials, who they act as, and where they came from. Every kind of profile
/// ssoenv can activate ends here, so each command that needs credentials gets every kind at once.
pub struct Resolved {
    pub credentials: RoleCredentials,
    pub source: Source,
    pub account_id: String,
    pub account_name: Option<String>,
    pub role_name: String,
    /// The profile's `region`, when set and not empty.
    pub region: Option<String>,
    /// Whether the credentials rest on an IAM Identity Center sign-in (the profile's own, or its
    /// chain's root's): then `AWS_SSO_PROFILE` names the profile.
    pub via_sso: bool,
}

/// A profile made ready: the changes, and what a command needs to say what it activated.
pub struct Ready {
    pub changes: EnvChanges,
    /// When the credentials expire (epoch seconds).
    pub expires_at: i64,
    pub source: Source,
    pub account_id: String,
    pub account_name: Option<String>,
    pub role_name: String,
}

/// Who a profile's credentials act as, (account id, role name), read from the config alone: an
/// IAM Identity Center profile's settings, a chain's outermost `role_arn`, an `aws login`
/// session's ARN. None for the kinds ssoenv does not activate. `list` and the picker show it.
pub fn acts_as(kind: &Kind) -> Option<(String, String)> {
    match kind {
        Kind::Sso(sso) => Some((sso.account_id.clone(), sso.role_name.clone())),
        Kind::AssumeRole(chain) => Some(crate::role_chain::account_and_role(
            chain.hops.first().map_or("", |h| h.role_arn.as_str()),
        )),
        Kind::Login(session) => Some((
            crate::login_cache::account(session),
            crate::login_cache::identity(session),
        )),
        _ => None,
    }
}

/// The live credentials of profile `name`: from the caches while they last, else fetched (and a
/// sign-in when `policy` allows one).
pub fn credentials_for(
    ctx: &Context,
    name: &str,
    policy: &Policy,
    force_refresh: bool,
) -> Result<Resolved> {
    let config = Config::load(Paths::from_env()?)?;
    let profile = config.profile(name)?;
    if let Kind::Login(session) = &profile.kind {
        let got = login_session::credentials(
            ctx,
            session,
            || login_session::Target::of(&config, &profile, session),
            policy,
            force_refresh,
        )?;
        return Ok(Resolved {
            credentials: got.credentials,
            source: got.source,
            account_id: got.account_id,
            account_name: profile.account_name.clone(),
            role_name: got.identity,
            region: profile.region.clone().filter(|r| !r.is_empty()),
            via_sso: false,
        });
    }
    if let Kind::AssumeRole(chain) = &profile.kind {
        let (credentials, source) =
            crate::role_chain::credentials(ctx, &config, &profile, chain, policy, force_refresh)?;
        let (account_id, role_name) = acts_as(&profile.kind).unwrap_or_default();
        return Ok(Resolved {
            credentials,
            source,
            account_id,
            account_name: profile.account_name.clone(),
            role_name,
            region: profile.region.clone().filter(|r| !r.is_empty()),
            via_sso: matches!(chain.root, Root::Sso { .. }),
        });
    }
    let target = SsoProfile::of(config, profile)?;
    let (credentials, source) = credentials::role_credentials(
        ctx,
        &target.sso,
        || target.endpoints(),
        policy,
        force_refresh,
    )?;
    Ok(Resolved {
        credentials,
        source,
        account_id: target.sso.account_id.clone(),
        account_name: target.profile.account_name.clone(),
        role_name: target.sso.role_name.clone(),
        region: target.profile.region.clone().filter(|r| !r.is_empty()),
        via_sso: true,
    })
}

/// The variables that make `name` the active profile in the environment `settings` was read
/// from, and where its credentials came from.
pub fn changes_for(
    name: &str,
    ui: &dyn Ui,
    settings: &Settings,
    policy: &Policy,
    force_refresh: bool,
) -> Result<Ready> {
    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let r = credentials_for(&ctx, name, policy, force_refresh)?;
    let c = &r.credentials;
    let activation = Activation {
        profile: name,
        account_id: &r.account_id,
        role_name: &r.role_name,
        account_name: r.account_name.as_deref(),
        region: r.region.as_deref(),
        access_key_id: &c.access_key_id,
        secret_access_key: &c.secret_access_key,
        session_token: &c.session_token,
        expires_at: c.expiration,
        via_sso: r.via_sso,
    };
    Ok(Ready {
        changes: activate(&activation, &settings.current),
        expires_at: c.expiration,
        source: r.source,
        account_id: r.account_id,
        account_name: r.account_name,
        role_name: r.role_name,
    })
}
