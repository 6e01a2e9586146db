//! The whole chain for one profile: profile → token → role credentials → environment changes.
//! `use` renders the changes for a shell; `exec` applies them to a child.

use crate::auth::Source;
use crate::cache::CacheDirs;
use crate::context::{Context, Policy};
use crate::credentials;
use crate::env::{Activation, activate};
use crate::error::Result;
use crate::settings::Settings;
use crate::shell::EnvChanges;
use crate::sso_profile::SsoProfile;
use crate::ui::Ui;

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

/// The variables that make `name` the active profile in the environment `settings` was read
/// from, and where its credentials came from.
pub fn changes_for(
    name: &str,
    ui: &dyn Ui,
    settings: &Settings,
    policy: &Policy,
    force_refresh: bool,
) -> Result<Ready> {
    let target = SsoProfile::load(name)?;
    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let (c, source) = credentials::role_credentials(
        &ctx,
        &target.sso,
        || target.endpoints(),
        policy,
        force_refresh,
    )?;
    let activation = Activation {
        profile: name,
        account_id: &target.sso.account_id,
        role_name: &target.sso.role_name,
        account_name: target.profile.account_name.as_deref(),
        region: target.profile.region.as_deref().filter(|r| !r.is_empty()),
        access_key_id: &c.access_key_id,
        secret_access_key: &c.secret_access_key,
        session_token: &c.session_token,
        expires_at: c.expiration,
    };
    Ok(Ready {
        changes: activate(&activation, &settings.current),
        expires_at: c.expiration,
        source,
        account_id: target.sso.account_id.clone(),
        account_name: target.profile.account_name.clone(),
        role_name: target.sso.role_name.clone(),
    })
}
