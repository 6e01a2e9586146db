//! A profile's role credentials: the AWS CLI's cached ones while more than 15 minutes remain
//! (no token read, no request: the path a shell prompt takes), else GetRoleCredentials with a
//! usable token, cached for the next caller, the AWS CLI included.

use crate::auth::{self, Engine, Policy, REFRESH_WINDOW};
use crate::cache::{self, Read, RoleFile, RoleFileCredentials};
use crate::config::Sso;
use crate::error::{Error, ErrorKind, Result};
use crate::sso::portal::{self, RoleCredentials};
use crate::sso::{ApiError, Endpoints};
use crate::time;

pub fn cached(engine: &Engine, sso: &Sso) -> Option<RoleCredentials> {
    let path = engine.dirs.role_path(sso);
    let file = match cache::read::<RoleFile>(&path) {
        Read::Found(file) => file,
        Read::Missing => return None,
        Read::Corrupt(why) => {
            engine.ui.warn(&why);
            return None;
        }
    };
    let c = file.credentials;
    Some(RoleCredentials {
        expiration: time::parse(&c.expiration)?,
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
    })
}

pub fn role_credentials(
    engine: &Engine,
    sso: &Sso,
    endpoints: impl Fn() -> Result<Endpoints>,
    policy: &Policy,
    force_refresh: bool,
) -> Result<RoleCredentials> {
    if !force_refresh
        && let Some(credentials) = cached(engine, sso)
        && credentials.expiration - time::now() > REFRESH_WINDOW
    {
        return Ok(credentials);
    }
    let endpoints = endpoints()?;
    let (_, credentials) = auth::with_token(
        engine,
        &sso.login_target(),
        &endpoints,
        policy,
        |token| {
            portal::get_role_credentials(
                engine.http(),
                &endpoints.portal,
                &token.access_token,
                &sso.account_id,
                &sso.role_name,
            )
        },
        |err| portal_error(sso, err),
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
    if let Err(err) = cache::write(&engine.dirs.role_path(sso), &file) {
        engine
            .ui
            .warn(&format!("could not cache the role credentials: {err}"));
    }
    Ok(credentials)
}

fn portal_error(sso: &Sso, err: ApiError) -> Error {
    let what = format!(
        "role {} in account {} (GetRoleCredentials)",
        sso.role_name, sso.account_id
    );
    let hint = match &err {
        ApiError::Service { status: 401, .. } => {
            "the SSO token was refused twice; run `ssoenv login` for this profile".to_string()
        }
        ApiError::Service { status: 403, .. } | ApiError::Service { status: 404, .. } => format!(
            "check sso_account_id and sso_role_name: your user may not be assigned role {} in \
             account {}",
            sso.role_name, sso.account_id
        ),
        ApiError::Service { status: 429, .. } => {
            "the service is throttling; try again shortly".into()
        }
        err => err
            .network_hint(&sso.region)
            .unwrap_or_else(|| "the service failed; try again shortly".into()),
    };
    Error::new(what, err.to_string())
        .with_hint(hint)
        .with_kind(ErrorKind::Failure)
}
