//! A usable SSO token for a session, with as little work as possible: the cached token while it
//! has time left; a refresh (sso-session tokens, under 15 minutes left, as botocore does); a fresh
//! login when nothing else works. Refreshes and logins take a per-session lock so that many shells
//! that need one at once share a single browser or device flow and a single refresh-token
//! rotation; those that waited re-read the cache and reuse what the first one wrote.

use std::cell::OnceCell;
use std::time::Duration;

use crate::cache::{self, Busy, CacheDirs, Holder, Locked, LoginLock, TokenFile};
use crate::config::SsoSession;
use crate::error::{Error, ErrorKind, Result};
use crate::sso::oidc::{self, Grant, Registration};
use crate::sso::{ApiError, Endpoints, Http};
use crate::time;
use crate::ui::Ui;

/// botocore's `SSOTokenProvider._REFRESH_WINDOW`.
pub const REFRESH_WINDOW: i64 = 15 * 60;
/// A token with less than this left is treated as expired: a request could outlive it.
const MIN_LEFT: i64 = 60;

/// Everything the engine needs from its surroundings. The HTTP agent is built on first use, so a
/// command answered from the caches never builds one.
pub struct Engine<'a> {
    pub dirs: CacheDirs,
    pub ui: &'a dyn Ui,
    http: OnceCell<Http>,
}

impl<'a> Engine<'a> {
    pub fn new(dirs: CacheDirs, ui: &'a dyn Ui) -> Engine<'a> {
        Engine {
            dirs,
            ui,
            http: OnceCell::new(),
        }
    }

    pub fn http(&self) -> &Http {
        self.http.get_or_init(Http::new)
    }
}

/// What kind of login may start when one is needed.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub no_browser: bool,
    pub use_device_code: bool,
    /// False when nobody could see a login (credential-process in the background).
    pub no_login: bool,
}

enum Need {
    Nothing(TokenFile),
    Refresh(TokenFile),
    Login,
}

fn load(engine: &Engine, path: &std::path::Path) -> Option<TokenFile> {
    cache::load(path, engine.ui)
}

fn assess(token: Option<TokenFile>, session: &SsoSession, rejected: Option<&str>) -> Need {
    let Some(token) = token else {
        return Need::Login;
    };
    if rejected == Some(token.access_token.as_str()) {
        return Need::Login;
    }
    let now = time::now();
    let Some(left) = token.expires().map(|t| t - now) else {
        return Need::Login;
    };
    let refreshable = token.refreshable(session, now);
    if left >= REFRESH_WINDOW || (left > MIN_LEFT && !refreshable) {
        Need::Nothing(token)
    } else if refreshable {
        Need::Refresh(token)
    } else {
        Need::Login
    }
}

/// The token to call the portal with. `rejected` is a token the portal just refused (401): it is
/// never returned again. `force_login` skips the cache and refresh (`ssoenv login`).
pub fn token(
    engine: &Engine,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    rejected: Option<&str>,
    force_login: bool,
) -> Result<TokenFile> {
    let path = engine.dirs.token_path(session);
    if !force_login && let Need::Nothing(token) = assess(load(engine, &path), session, rejected) {
        return Ok(token);
    }
    let key = cache::token_key(session);
    let (_lock, waited) = match cache::try_lock(&engine.dirs, &key) {
        Ok(Locked::Acquired(lock)) => (Some(lock), false),
        // A cache folder that cannot be written must not stop a sign-in: the person still gets
        // credentials, only without protection against a second login started at the same time.
        Err(err) => {
            engine
                .ui
                .warn(&format!("signing in without the login lock: {err}"));
            (None, false)
        }
        // Nobody could see a sign-in here, so there is nothing worth waiting for: a token that
        // still works serves while the other process refreshes it; else fail at once.
        Ok(Locked::Busy(busy)) if policy.no_login && !force_login => {
            return match assess(load(engine, &path), session, rejected) {
                Need::Nothing(token) => Ok(token),
                Need::Refresh(old) if old.expires().is_some_and(|t| t - time::now() > MIN_LEFT) => {
                    Ok(old)
                }
                _ => Err(busy_error(&session.start_url, &busy.holder(), None)),
            };
        }
        Ok(Locked::Busy(busy)) => (Some(wait_for(engine, &session.start_url, busy)?), true),
    };
    // Another process finished while we waited: its token is the one to use, even for `login`.
    if waited && let Need::Nothing(token) = assess(load(engine, &path), session, rejected) {
        return Ok(token);
    }
    if !force_login {
        match assess(load(engine, &path), session, rejected) {
            Need::Nothing(token) => return Ok(token),
            Need::Refresh(old) => match refresh(engine, session, endpoints, &old) {
                Ok(new) => {
                    save(engine, &path, &new);
                    return Ok(new);
                }
                Err(why) => {
                    engine
                        .ui
                        .warn(&format!("could not refresh the SSO token: {why}"));
                    if old.expires().is_some_and(|t| t - time::now() > MIN_LEFT) {
                        return Ok(old);
                    }
                }
            },
            Need::Login => {}
        }
    }
    if policy.no_login {
        return Err(Error::new(
            format!("SSO session {}", describe(session)),
            "not signed in, or the sign-in expired",
        )
        .with_hint(login_hint(session))
        .with_kind(ErrorKind::LoginNeeded));
    }
    let token = crate::login::login(engine, session, endpoints, policy)?;
    save(engine, &path, &token);
    Ok(token)
}

/// `call` with a usable token for `session`. A 401 means the token was revoked or expired early:
/// sign in again once, and call once more. Any other failure becomes an error by `failed`.
pub fn with_token<T>(
    engine: &Engine,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    mut call: impl FnMut(&TokenFile) -> Result<T, ApiError>,
    failed: impl Fn(ApiError) -> Error,
) -> Result<(TokenFile, T)> {
    let mut token = token(engine, session, endpoints, policy, None, false)?;
    let mut retried = false;
    loop {
        match call(&token) {
            Ok(value) => return Ok((token, value)),
            Err(ApiError::Service { status: 401, .. }) if !retried => {
                retried = true;
                let rejected = token.access_token.clone();
                token = self::token(engine, session, endpoints, policy, Some(&rejected), false)?;
            }
            Err(err) => return Err(failed(err)),
        }
    }
}

/// The lock of the token cache key `key` (see `cache::try_lock`), waiting for another holder as
/// `token` does; `what` names the session in messages. None when the lock file cannot be made:
/// the caller goes on without it, as a sign-in does.
pub fn lock(engine: &Engine, key: &str, what: &str) -> Result<Option<LoginLock>> {
    match cache::try_lock(&engine.dirs, key) {
        Ok(Locked::Acquired(lock)) => Ok(Some(lock)),
        Ok(Locked::Busy(busy)) => wait_for(engine, what, busy).map(Some),
        Err(err) => {
            engine
                .ui
                .warn(&format!("going on without the login lock: {err}"));
            Ok(None)
        }
    }
}

/// How long to wait for another process's sign-in or refresh: `SSOENV_LOCK_TIMEOUT` (seconds),
/// else the sign-in timeout plus a minute, so that a waiter outlasts any sign-in that can still
/// succeed and no longer.
pub fn lock_wait() -> Duration {
    let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_string());
    if let Some(secs) = var("SSOENV_LOCK_TIMEOUT")
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
    {
        return secs;
    }
    let login = var("SSOENV_LOGIN_TIMEOUT")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(600);
    Duration::from_secs(login.saturating_add(60))
}

fn wait_for(engine: &Engine, what: &str, busy: Busy) -> Result<LoginLock> {
    let bound = lock_wait();
    let holder = busy.holder();
    engine.ui.say(&format!(
        "waiting for {holder} to finish signing in to {what} (at most {} s)",
        bound.as_secs()
    ));
    match busy.wait(bound)? {
        Locked::Acquired(lock) => Ok(lock),
        Locked::Busy(busy) => Err(busy_error(what, &busy.holder(), Some(bound))),
    }
}

/// `waited`: how long we waited in vain; None when there was no point in waiting.
fn busy_error(what: &str, holder: &Holder, waited: Option<Duration>) -> Error {
    let stuck = match holder.pid {
        Some(pid) => {
            format!(" (a stopped job? bring it back with `fg`, or end it with `kill {pid}`)")
        }
        None => String::new(),
    };
    match waited {
        Some(bound) => Error::new(
            format!("signing in to {what}"),
            format!(
                "{holder} has been signing in for more than {} s, longer than ssoenv waits",
                bound.as_secs()
            ),
        )
        .with_hint(format!(
            "finish or cancel that sign-in{stuck}; SSOENV_LOCK_TIMEOUT sets the wait (seconds)"
        )),
        None => Error::new(
            format!("signing in to {what}"),
            format!("{holder} is signing in right now"),
        )
        .with_hint(format!("try again once it has finished{stuck}")),
    }
}

fn save(engine: &Engine, path: &std::path::Path, token: &TokenFile) {
    // The token still works for this run; only the next run would have to sign in again.
    if let Err(err) = cache::write(path, token) {
        engine
            .ui
            .warn(&format!("could not cache the SSO token: {err}"));
    }
}

/// botocore `SSOTokenProvider._attempt_create_token`: same fields, rotated refresh token kept.
fn refresh(
    engine: &Engine,
    session: &SsoSession,
    endpoints: &Endpoints,
    old: &TokenFile,
) -> Result<TokenFile, ApiError> {
    let client = Registration {
        client_id: old.client_id.clone().unwrap_or_default(),
        client_secret: old.client_secret.clone().unwrap_or_default(),
        expires_at: 0,
        scopes: None,
        grant_types: None,
    };
    let refresh_token = old.refresh_token.as_deref().unwrap_or_default();
    let response = oidc::create_token(
        engine.http(),
        &endpoints.oidc,
        &client,
        Grant::RefreshToken(refresh_token),
    )?;
    Ok(TokenFile {
        start_url: session.start_url.clone(),
        region: session.region.clone(),
        access_token: response.access_token,
        expires_at: time::format_rfc3339(time::from_now(response.expires_in)),
        client_id: old.client_id.clone(),
        client_secret: old.client_secret.clone(),
        registration_expires_at: old.registration_expires_at.clone(),
        refresh_token: response.refresh_token.or_else(|| old.refresh_token.clone()),
    })
}

pub fn describe(session: &SsoSession) -> String {
    match &session.name {
        Some(name) => format!("\"{name}\""),
        None => session.start_url.clone(),
    }
}

pub fn login_hint(session: &SsoSession) -> String {
    match &session.name {
        Some(name) => format!(
            "run `ssoenv login --sso-session {}` in a terminal",
            crate::shell::word(name)
        ),
        None => "run `ssoenv login PROFILE` in a terminal".to_string(),
    }
}
