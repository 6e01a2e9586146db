//! A usable SSO token for a session, with as little work as possible: the cached token while it
//! has time left; a refresh (sso-session tokens, under 15 minutes left, as botocore does); a fresh
//! login when nothing else works. Refreshes and logins take a per-session lock so that many shells
//! that need one at once share a single browser or device flow and a single refresh-token
//! rotation; those that waited re-read the cache and reuse what the first one wrote.

use std::time::Duration;

use crate::cache::{self, Read, TokenFile};
use crate::config::SsoSession;
use crate::context::{Context, Policy};
use crate::error::{Error, ErrorKind, Result};
use crate::lock::{Busy, FileLock, Holder, Locked};
use crate::sso::oidc::{self, Grant};
use crate::sso::{ApiError, Endpoints};

/// botocore's `SSOTokenProvider._REFRESH_WINDOW`.
pub const REFRESH_WINDOW: i64 = 15 * 60;
/// A token with less than this left is treated as expired: a request could outlive it.
const MIN_LEFT: i64 = 60;

/// Where what a command used came from, so that it can tell the person when something happened
/// (a sign-in, a refresh, a request) and stay silent when everything came from the caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// From the caches: no request was made.
    Cache,
    /// Role credentials requested with a cached token.
    Fetched,
    /// The SSO token was refreshed (and role credentials requested with it).
    Refreshed,
    /// The person signed in.
    SignedIn,
}

/// What to do with the token the cache holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// It has time enough: use it.
    Reuse(TokenFile),
    /// Refresh it (botocore's rule; see `TokenFile::refreshable`); if that fails, it may still
    /// serve while it has more than a minute left (`still_usable`).
    Refresh(TokenFile),
    /// Nothing cached can serve: sign in.
    SignIn,
}

/// The decision on a token read from the cache, and a warning for the person when the file
/// could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub decision: Decision,
    pub warning: Option<String>,
}

/// Reuse, refresh or sign in: the token read for `session`, at `now` (epoch seconds), given the
/// token the portal just refused (`rejected`, never reused). A token is reused with 15 minutes
/// left, or with more than a minute when it cannot be refreshed (legacy profiles, no refresh
/// token, an expired registration); refreshed under 15 minutes when it can be (even expired);
/// else a sign-in. An unreadable expiry or file means a sign-in.
pub fn assess(
    read: Read<TokenFile>,
    session: &SsoSession,
    now: i64,
    rejected: Option<&str>,
) -> Assessment {
    let token = match read {
        Read::Found(token) => token,
        Read::Missing => return decided(Decision::SignIn),
        Read::Corrupt(why) => {
            return Assessment {
                decision: Decision::SignIn,
                warning: Some(why),
            };
        }
    };
    if rejected == Some(token.access_token.as_str()) {
        return decided(Decision::SignIn);
    }
    let Some(left) = token.expires().map(|t| t - now) else {
        return decided(Decision::SignIn);
    };
    let refreshable = token.refreshable(session, now);
    decided(
        if left >= REFRESH_WINDOW || (left > MIN_LEFT && !refreshable) {
            Decision::Reuse(token)
        } else if refreshable {
            Decision::Refresh(token)
        } else {
            Decision::SignIn
        },
    )
}

fn decided(decision: Decision) -> Assessment {
    Assessment {
        decision,
        warning: None,
    }
}

/// Whether `token` may still serve at `now` though it should be refreshed.
pub fn still_usable(token: &TokenFile, now: i64) -> bool {
    token.expires().is_some_and(|t| t - now > MIN_LEFT)
}

fn load(
    ctx: &Context,
    path: &std::path::Path,
    session: &SsoSession,
    rejected: Option<&str>,
) -> Decision {
    let assessment = assess(
        cache::read_private(path, ctx.ui),
        session,
        ctx.now(),
        rejected,
    );
    if let Some(warning) = &assessment.warning {
        ctx.ui.warn(warning);
    }
    assessment.decision
}

/// The token to call the portal with. `rejected` is a token the portal just refused (401): it is
/// never returned again. `force_login` skips the cache and refresh (`ssoenv login`).
pub fn token(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    rejected: Option<&str>,
    force_login: bool,
) -> Result<TokenFile> {
    obtain(ctx, session, endpoints, policy, rejected, force_login).map(|(token, _)| token)
}

/// `token`, and whether it came from the cache, a refresh or a sign-in.
fn obtain(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    rejected: Option<&str>,
    force_login: bool,
) -> Result<(TokenFile, Source)> {
    let path = ctx.dirs.token_path(session);
    let decide = || load(ctx, &path, session, rejected);
    if !force_login && let Decision::Reuse(token) = decide() {
        return Ok((token, Source::Cache));
    }
    let key = cache::token_key(session);
    let (_lock, waited) = match cache::try_lock(&ctx.dirs, &key) {
        Ok(Locked::Acquired(lock)) => (Some(lock), false),
        // A cache folder that cannot be written must not stop a sign-in: the person still gets
        // credentials, only without protection against a second login started at the same time.
        Err(err) => {
            ctx.ui
                .warn(&format!("signing in without the login lock: {err}"));
            (None, false)
        }
        // Nobody could see a sign-in here, so there is nothing worth waiting for: a token that
        // still works serves while the other process refreshes it; else fail at once.
        Ok(Locked::Busy(busy)) if policy.no_login && !force_login => {
            return match decide() {
                Decision::Reuse(token) => Ok((token, Source::Cache)),
                Decision::Refresh(old) if still_usable(&old, ctx.now()) => Ok((old, Source::Cache)),
                _ => Err(busy_error(&session.start_url, &busy.holder(), None)),
            };
        }
        Ok(Locked::Busy(busy)) => (Some(wait_for(ctx, &session.start_url, busy)?), true),
    };
    // Another process finished while we waited: its token is the one to use, even for `login`.
    if waited && let Decision::Reuse(token) = decide() {
        return Ok((token, Source::Cache));
    }
    if !force_login {
        match decide() {
            Decision::Reuse(token) => return Ok((token, Source::Cache)),
            Decision::Refresh(old) => match refresh(ctx, session, endpoints, &old) {
                Ok(new) => {
                    save(ctx, &path, &new);
                    return Ok((new, Source::Refreshed));
                }
                Err(why) => {
                    ctx.ui
                        .warn(&format!("could not refresh the SSO token: {why}"));
                    if still_usable(&old, ctx.now()) {
                        return Ok((old, Source::Cache));
                    }
                }
            },
            Decision::SignIn => {}
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
    let token = crate::login::login(ctx, session, endpoints, policy)?;
    save(ctx, &path, &token);
    Ok((token, Source::SignedIn))
}

/// `call` with a usable token for `session`. A 401 means the token was revoked or expired early:
/// sign in again once, and call once more. Any other failure becomes an error by `failed`.
/// The `Source` says where the token that served came from.
pub fn with_token<T>(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    mut call: impl FnMut(&TokenFile) -> Result<T, ApiError>,
    failed: impl Fn(ApiError) -> Error,
) -> Result<(TokenFile, Source, T)> {
    let (mut token, mut source) = obtain(ctx, session, endpoints, policy, None, false)?;
    let mut retried = false;
    loop {
        match call(&token) {
            Ok(value) => return Ok((token, source, value)),
            Err(ApiError::Service { status: 401, .. }) if !retried => {
                retried = true;
                let rejected = token.access_token.clone();
                (token, source) = obtain(ctx, session, endpoints, policy, Some(&rejected), false)?;
            }
            Err(err) => return Err(failed(err)),
        }
    }
}

/// The lock of the token cache key `key` (see `cache::try_lock`), waiting for another holder as
/// `token` does; `what` names the session in messages. None when the lock file cannot be made:
/// the caller goes on without it, as a sign-in does.
pub fn lock(ctx: &Context, key: &str, what: &str) -> Result<Option<FileLock>> {
    match cache::try_lock(&ctx.dirs, key) {
        Ok(Locked::Acquired(lock)) => Ok(Some(lock)),
        Ok(Locked::Busy(busy)) => wait_for(ctx, what, busy).map(Some),
        Err(err) => {
            ctx.ui
                .warn(&format!("going on without the login lock: {err}"));
            Ok(None)
        }
    }
}

/// Waits for another process's sign-in or refresh, at most `Settings::lock_timeout`.
fn wait_for(ctx: &Context, what: &str, busy: Busy) -> Result<FileLock> {
    let bound = ctx.settings.lock_timeout;
    let holder = busy.holder();
    ctx.ui.say(&format!(
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

fn save(ctx: &Context, path: &std::path::Path, token: &TokenFile) {
    // The token still works for this run; only the next run would have to sign in again.
    if let Err(err) = cache::write(path, token) {
        ctx.ui
            .warn(&format!("could not cache the SSO token: {err}"));
    }
}

/// botocore `SSOTokenProvider._attempt_create_token`: same fields, rotated refresh token kept.
fn refresh(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    old: &TokenFile,
) -> Result<TokenFile, ApiError> {
    let refresh_token = old.refresh_token.as_deref().unwrap_or_default();
    let response = oidc::create_token(
        ctx.http(),
        &endpoints.oidc,
        &old.registration(),
        Grant::RefreshToken(refresh_token),
    )?;
    let mut new = TokenFile::issued(session, response, old.client(), ctx.now());
    // The service rotates the refresh token or leaves it be; one left be is still the one to use.
    new.refresh_token = new.refresh_token.or_else(|| old.refresh_token.clone());
    Ok(new)
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

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_900_000_000;
    const MIN: i64 = 60;

    fn session(named: bool) -> SsoSession {
        SsoSession {
            name: named.then(|| "corp".to_string()),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            registration_scopes: None,
        }
    }

    /// A token with `left` seconds to go, refreshable by botocore's rule unless changed.
    fn token(left: i64) -> TokenFile {
        TokenFile {
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            access_token: "access".into(),
            expires_at: crate::time::format_rfc3339(NOW + left),
            client_id: Some("client".into()),
            client_secret: Some("secret".into()),
            registration_expires_at: Some(crate::time::format_rfc3339(NOW + 90 * 24 * 3600)),
            refresh_token: Some("refresh".into()),
        }
    }

    type Case = (
        &'static str,
        bool,
        Read<TokenFile>,
        Option<&'static str>,
        Want,
    );

    #[derive(Debug, PartialEq)]
    enum Want {
        Reuse,
        Refresh,
        SignIn,
    }

    #[test]
    fn reuse_refresh_or_sign_in_in_every_case() {
        let expired_registration = TokenFile {
            registration_expires_at: Some(crate::time::format_rfc3339(NOW - 1)),
            ..token(10 * MIN)
        };
        let no_refresh_token = TokenFile {
            refresh_token: None,
            ..token(10 * MIN)
        };
        // (case, sso-session rather than legacy, what was read, token just rejected, decision)
        let cases: Vec<Case> = vec![
            // sso-session tokens: refreshed under 15 minutes, even once expired.
            (
                "sso, 20 min",
                true,
                Read::Found(token(20 * MIN)),
                None,
                Want::Reuse,
            ),
            (
                "sso, exactly 15 min",
                true,
                Read::Found(token(15 * MIN)),
                None,
                Want::Reuse,
            ),
            (
                "sso, 14 min",
                true,
                Read::Found(token(14 * MIN)),
                None,
                Want::Refresh,
            ),
            (
                "sso, 1 min",
                true,
                Read::Found(token(MIN)),
                None,
                Want::Refresh,
            ),
            (
                "sso, 30 s",
                true,
                Read::Found(token(30)),
                None,
                Want::Refresh,
            ),
            ("sso, 0", true, Read::Found(token(0)), None, Want::Refresh),
            (
                "sso, expired",
                true,
                Read::Found(token(-3600)),
                None,
                Want::Refresh,
            ),
            // Not refreshable: used while more than a minute is left, then a sign-in.
            (
                "registration expired, 10 min",
                true,
                Read::Found(expired_registration.clone()),
                None,
                Want::Reuse,
            ),
            (
                "registration expired, 30 s",
                true,
                Read::Found(TokenFile {
                    expires_at: crate::time::format_rfc3339(NOW + 30),
                    ..expired_registration
                }),
                None,
                Want::SignIn,
            ),
            (
                "no refresh token, 10 min",
                true,
                Read::Found(no_refresh_token.clone()),
                None,
                Want::Reuse,
            ),
            (
                "no refresh token, 0",
                true,
                Read::Found(TokenFile {
                    expires_at: crate::time::format_rfc3339(NOW),
                    ..no_refresh_token
                }),
                None,
                Want::SignIn,
            ),
            // Legacy tokens never refresh.
            (
                "legacy, 20 min",
                false,
                Read::Found(token(20 * MIN)),
                None,
                Want::Reuse,
            ),
            (
                "legacy, 10 min",
                false,
                Read::Found(token(10 * MIN)),
                None,
                Want::Reuse,
            ),
            (
                "legacy, 61 s",
                false,
                Read::Found(token(MIN + 1)),
                None,
                Want::Reuse,
            ),
            (
                "legacy, 1 min",
                false,
                Read::Found(token(MIN)),
                None,
                Want::SignIn,
            ),
            (
                "legacy, 0",
                false,
                Read::Found(token(0)),
                None,
                Want::SignIn,
            ),
            // The portal just refused it: never again, whatever time it has.
            (
                "rejected, 8 h",
                true,
                Read::Found(token(480 * MIN)),
                Some("access"),
                Want::SignIn,
            ),
            (
                "rejected, legacy",
                false,
                Read::Found(token(480 * MIN)),
                Some("access"),
                Want::SignIn,
            ),
            (
                "another was rejected",
                true,
                Read::Found(token(480 * MIN)),
                Some("old"),
                Want::Reuse,
            ),
            (
                "unreadable expiry",
                true,
                Read::Found(TokenFile {
                    expires_at: "next tuesday".into(),
                    ..token(0)
                }),
                None,
                Want::SignIn,
            ),
            ("missing file", true, Read::Missing, None, Want::SignIn),
            (
                "corrupt file",
                true,
                Read::Corrupt("bad".into()),
                None,
                Want::SignIn,
            ),
        ];
        for (case, named, read, rejected, want) in cases {
            let corrupt = matches!(read, Read::Corrupt(_));
            let found = match &read {
                Read::Found(t) => Some(t.clone()),
                _ => None,
            };
            let got = assess(read, &session(named), NOW, rejected);
            let (kind, kept) = match got.decision {
                Decision::Reuse(t) => (Want::Reuse, Some(t)),
                Decision::Refresh(t) => (Want::Refresh, Some(t)),
                Decision::SignIn => (Want::SignIn, None),
            };
            assert_eq!(kind, want, "{case}");
            if kept.is_some() {
                assert_eq!(kept, found, "{case}: the token read is the one decided on");
            }
            // Only a file that cannot be read is worth a warning.
            assert_eq!(got.warning.is_some(), corrupt, "{case}");
        }
    }

    #[test]
    fn a_token_due_for_refresh_serves_while_more_than_a_minute_is_left() {
        assert!(still_usable(&token(MIN + 1), NOW));
        assert!(!still_usable(&token(MIN), NOW));
        let unreadable = TokenFile {
            expires_at: String::new(),
            ..token(0)
        };
        assert!(!still_usable(&unreadable, NOW));
    }

    #[test]
    fn a_corrupt_file_is_warned_about_in_its_own_words() {
        let got = assess(
            Read::Corrupt("t.json: not a cache file".into()),
            &session(true),
            NOW,
            None,
        );
        assert_eq!(got.decision, Decision::SignIn);
        assert_eq!(got.warning.as_deref(), Some("t.json: not a cache file"));
    }
}
