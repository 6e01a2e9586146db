//! The whole chain for one profile: profile → token → role credentials → environment changes.
//! `use` renders the changes for a shell; `exec` applies them to a child.

use crate::cache::CacheDirs;
use crate::context::{Context, Policy};
use crate::credentials;
use crate::env::{Activation, activate};
use crate::error::Result;
use crate::settings::Settings;
use crate::shell::EnvChanges;
use crate::sso_profile::SsoProfile;
use crate::ui::Ui;

/// The variables that make `name` the active profile in the environment `settings` was read
/// from, and when its credentials expire (epoch seconds).
pub fn changes_for(
    name: &str,
    ui: &dyn Ui,
    settings: &Settings,
    policy: &Policy,
    force_refresh: bool,
) -> Result<(EnvChanges, i64)> {
    let target = SsoProfile::load(name)?;
    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    let c = credentials::role_credentials(
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
    Ok((activate(&activation, &settings.current), c.expiration))
}
