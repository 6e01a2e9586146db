//! A profile's role credentials: the AWS CLI's cached ones while more than 15 minutes remain
//! (no token read, no request: the path a shell prompt takes), else GetRoleCredentials with a
//! usable token, cached for the next caller, the AWS CLI included. Whatever the source, one check
//! (`unusable`) decides whether credentials may be handed out or cached: a cached entry that fails
//! it is fetched again, a reply that fails it is an error, and nothing that fails it is cached.

use crate::auth::{self, REFRESH_WINDOW, Source};
use crate::cache::{self, RoleFile, RoleFileCredentials, TokenFile};
use crate::config::Sso;
use crate::context::{Context, Policy};
use crate::error::{Error, Result};
use crate::sso::portal::{self, RoleCredentials};
use crate::sso::{Call, Endpoints};
use crate::time;

pub fn cached(ctx: &Context, sso: &Sso) -> Option<RoleCredentials> {
    let c = cache::load::<RoleFile>(&ctx.dirs.role_path(sso), ctx.ui)?.credentials;
    Some(RoleCredentials {
        expiration: time::parse(&c.expiration)?,
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
    })
}

/// The credentials, and where they came from: the cache, a request, a refresh or a sign-in.
pub fn role_credentials(
    ctx: &Context,
    sso: &Sso,
    endpoints: impl Fn() -> Result<Endpoints>,
    policy: &Policy,
    force_refresh: bool,
) -> Result<(RoleCredentials, Source)> {
    if !force_refresh
        && let Some(credentials) = cached(ctx, sso)
        && unusable(&credentials, REFRESH_WINDOW, ctx.now()).is_none()
    {
        return Ok((credentials, Source::Cache));
    }
    let endpoints = endpoints()?;
    let (token, source, credentials) = auth::with_token(
        ctx,
        &sso.login_target(),
        &endpoints,
        policy,
        |token| {
            portal::get_role_credentials(
                ctx.http(),
                &endpoints.portal,
                &token.access_token,
                &sso.account_id,
                &sso.role_name,
            )
        },
        |err| Call::role_credentials(&sso.account_id, &sso.role_name, &sso.region).error(err),
    )?;
    refuse_unusable(
        &credentials,
        ctx.now(),
        &format!("{}/federation/credentials", endpoints.portal),
        || {
            format!(
                "role {} in account {} (GetRoleCredentials)",
                sso.role_name, sso.account_id
            )
        },
    )?;
    let file = RoleFile {
        provider_type: "sso".into(),
        credentials: RoleFileCredentials {
            access_key_id: credentials.access_key_id.clone(),
            secret_access_key: credentials.secret_access_key.clone(),
            session_token: credentials.session_token.clone(),
            expiration: time::format_rfc3339(credentials.expiration),
            account_id: Some(sso.account_id.clone()),
        },
    };
    // The credentials work without the cache; a read-only folder costs a request next time.
    let path = ctx.dirs.role_path(sso);
    if let Err(err) = cache::write(&path, &file) {
        ctx.ui
            .warn(&format!("could not cache the role credentials: {err}"));
    }
    // A `logout` may have ended the session while we fetched. It removes the token before the
    // role credentials, so checking the token after our write settles it: either the logout
    // still comes to our file, or the token we used is gone and we take our file back.
    let cached_token = cache::read::<TokenFile>(&ctx.dirs.token_path(&sso.login_target()));
    if cached_token.found().map(|t| t.access_token) != Some(token.access_token) {
        let _ = cache::remove(&path);
    }
    let source = match source {
        Source::Cache => Source::Fetched,
        other => other,
    };
    Ok((credentials, source))
}

/// Credentials whose expiration is this close (seconds) or past are not worth handing out.
pub const MIN_LEFT: i64 = 60;

/// Err when credentials that `sender` (a URL) just issued are `unusable`, before anything is
/// cached; `what` names the call for the message.
pub fn refuse_unusable(
    c: &RoleCredentials,
    now: i64,
    sender: &str,
    what: impl FnOnce() -> String,
) -> Result<()> {
    match unusable(c, MIN_LEFT, now) {
        None => Ok(()),
        Some(why) => Err(
            Error::new(what(), format!("{sender} sent {why}")).with_hint(
                "nothing was cached; try again shortly, and tell your administrator if it persists",
            ),
        ),
    }
}

/// Why credentials cannot be handed out or cached, or None: every key present and free of
/// control characters (no shell or environment can hold a NUL), and more than `min_left` seconds
/// left at `now`. The reason never quotes a value: they are secrets. Assumed roles (`role_chain`)
/// pass the same check.
pub fn unusable(c: &RoleCredentials, min_left: i64, now: i64) -> Option<String> {
    for (name, value) in [
        ("accessKeyId", &c.access_key_id),
        ("secretAccessKey", &c.secret_access_key),
        ("sessionToken", &c.session_token),
    ] {
        if value.is_empty() {
            return Some(format!("credentials with an empty {name}"));
        }
        if value.chars().any(char::is_control) {
            return Some(format!(
                "credentials whose {name} holds a control character (such as a NUL byte)"
            ));
        }
    }
    let left = c.expiration - now;
    if left <= min_left {
        return Some(format!(
            "credentials that expire at {}, {}",
            time::format_rfc3339(c.expiration),
            if left <= 0 {
                "already past"
            } else {
                "within a minute"
            }
        ));
    }
    None
}
