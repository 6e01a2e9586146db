//! The credentials of an `aws login` profile (`login_session = ARN`): the login cache's entry
//! while more than 5 minutes remain (no request: botocore's rule), else a refresh with the
//! entry's refresh token and DPoP key, under ssoenv's lock and written back in the AWS CLI's
//! format so that either tool goes on from it; a sign-in when there is nothing to refresh.

use crate::auth::Source;
use crate::config::{Config, Profile};
use crate::context::{Context, Policy};
use crate::dpop::DpopKey;
use crate::error::{Error, ErrorKind, Result};
use crate::lock::{FileLock, Locked};
use crate::login_cache::{self, Entry};
use crate::sso::portal::RoleCredentials;
use crate::sso::signin_oauth::{self, Grant};
use crate::sso::{ApiError, Call, endpoint};
use crate::time;

/// botocore's `LoginCredentialFetcher._REFRESH_THRESHOLD`: refresh when this little is left.
pub const REFRESH_WINDOW: i64 = 5 * 60;
/// Credentials this close to their end are not handed out, even when a refresh failed.
const MIN_LEFT: i64 = 60;

/// What a login session gives: credentials, the account, who signed in, and where they came from.
pub struct LoginCredentials {
    pub credentials: RoleCredentials,
    pub account_id: String,
    /// The identity in the session's ARN: a role's name (`assumed-role/NAME/...`), else the ARN's
    /// resource (`user/alice`, `root`).
    pub identity: String,
    pub source: Source,
}

/// Where a profile's sign-in service is, and the words that name it in errors.
pub struct Target<'a> {
    pub profile: &'a Profile,
    pub session: &'a str,
    pub region: String,
    pub base: String,
}

impl<'a> Target<'a> {
    /// The profile's `region` (else `AWS_REGION` / `AWS_DEFAULT_REGION`), and its endpoint.
    pub fn of(config: &Config, profile: &'a Profile, session: &'a str) -> Result<Target<'a>> {
        let region = profile
            .region
            .clone()
            .filter(|r| !r.trim().is_empty())
            .or_else(|| env_region("AWS_REGION"))
            .or_else(|| env_region("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                Error::new(
                    format!("profile \"{}\"", profile.name),
                    "uses `aws login` (login_session) but has no region, which names the \
                     sign-in service to refresh it with",
                )
                .with_hint(format!(
                    "add `region = us-east-1` (your region) to [profile {}]",
                    profile.name
                ))
            })?;
        let configured = config.service_endpoint(profile, "signin");
        let base = endpoint::resolve_signin(region.trim(), configured.as_ref())?;
        Ok(Target {
            profile,
            session,
            region,
            base,
        })
    }

    /// How to sign in again, for hints.
    pub fn login_hint(&self) -> String {
        let name = crate::shell::word(&self.profile.name);
        format!("run `ssoenv login {name}` (or `aws login --profile {name}`) to sign in again")
    }

    fn call(&self, step: &str) -> Call {
        Call::signin(self.session, step, &self.region, &self.login_hint())
    }
}

fn env_region(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|r| !r.trim().is_empty())
}

/// The profile's live credentials. `target` is built only when a request is needed.
pub fn credentials<'a>(
    ctx: &Context,
    session: &str,
    target: impl FnOnce() -> Result<Target<'a>>,
    policy: &Policy,
    force_refresh: bool,
) -> Result<LoginCredentials> {
    let dir = login_cache::dir()?;
    let read = || login_cache::read(&dir, session, ctx.ui);
    let fresh = |entry: &Entry| left(entry, ctx.now()) > REFRESH_WINDOW;
    if !force_refresh && let Some(entry) = read().found().filter(fresh) {
        return answer(session, &entry, Source::Cache);
    }
    let target = target()?;
    let _lock = match lock(ctx, &dir, &target, policy)? {
        Held::Lock(lock) => lock,
        // Another process refreshes right now and nobody can see a sign-in here: what the entry
        // still holds serves, else fail now.
        Held::Busy(why) => {
            return match read().found().filter(|e| left(e, ctx.now()) > MIN_LEFT) {
                Some(entry) => answer(session, &entry, Source::Cache),
                None => Err(why),
            };
        }
    };
    // The AWS CLI or another ssoenv may have refreshed it while we waited.
    let entry = match read() {
        crate::cache::Read::Found(entry) => Some(entry),
        crate::cache::Read::Missing => None,
        crate::cache::Read::Corrupt(why) => {
            ctx.ui.warn(&why);
            None
        }
    };
    if let Some(entry) = entry {
        if !force_refresh && fresh(&entry) {
            return answer(session, &entry, Source::Cache);
        }
        match refresh(ctx, &target, &entry) {
            Ok(new) => {
                if let Err(err) = login_cache::write(&dir, session, &new) {
                    ctx.ui.warn(&format!(
                        "could not write the refreshed login session: {err}"
                    ));
                }
                return answer(session, &new, Source::Refreshed);
            }
            Err(Failed::SignInAgain(err)) if policy.no_login => return Err(err),
            Err(Failed::SignInAgain(err)) => ctx.ui.warn(&err.to_string()),
            Err(Failed::Other(err)) => {
                if left(&entry, ctx.now()) > MIN_LEFT {
                    ctx.ui.warn(&format!("could not refresh: {err}"));
                    return answer(session, &entry, Source::Cache);
                }
                return Err(err);
            }
        }
    }
    if policy.no_login {
        return Err(Error::new(
            format!("login session {session}"),
            "not signed in, or the sign-in ended",
        )
        .with_hint(target.login_hint())
        .with_kind(ErrorKind::LoginNeeded));
    }
    let entry = sign_in_locked(ctx, &dir, &target, policy)?;
    answer(session, &entry, Source::SignedIn)
}

/// `ssoenv login P` for an `aws login` profile: a new sign-in whatever the cache holds.
pub fn sign_in(ctx: &Context, target: &Target, policy: &Policy) -> Result<LoginCredentials> {
    let dir = login_cache::dir()?;
    let _lock = match lock(ctx, &dir, target, &Policy::default())? {
        Held::Lock(lock) => lock,
        Held::Busy(why) => return Err(why),
    };
    let entry = sign_in_locked(ctx, &dir, target, policy)?;
    answer(target.session, &entry, Source::SignedIn)
}

/// Signs in (the caller holds the lock) and writes the entry; an identity other than the
/// profile's is written under its own name and refused for this profile.
fn sign_in_locked(
    ctx: &Context,
    dir: &std::path::Path,
    target: &Target,
    policy: &Policy,
) -> Result<Entry> {
    let browser = if policy.no_browser || policy.use_device_code {
        None
    } else {
        ctx.settings.browser.clone()
    };
    // The sign-in has its own deadline, given back to the command's: a person is not a service.
    let started = std::time::Instant::now();
    let http = ctx.http().with_deadline(
        crate::deadline::Deadline::after(ctx.settings.login_timeout),
        crate::settings::LOGIN_TIMEOUT,
    );
    let request = crate::login::aws_login::SignIn {
        base: &target.base,
        region: &target.region,
        profile: &target.profile.name,
        browser: browser.as_ref(),
        terminal: ctx.settings.terminals.stdin,
    };
    let signed_in = crate::login::aws_login::sign_in(ctx, &http, &request);
    ctx.http().extend(started.elapsed());
    let (arn, entry) = signed_in?;
    if let Err(err) = login_cache::write(dir, &arn, &entry) {
        ctx.ui
            .warn(&format!("could not cache the login session: {err}"));
    }
    if arn != target.session {
        return Err(Error::new(
            format!("profile \"{}\"", target.profile.name),
            format!(
                "the browser signed in as {arn}, but the profile's login_session is {}",
                target.session
            ),
        )
        .with_hint(format!(
            "sign in as {} instead, or point the profile at the new session with `aws login \
             --profile {}`",
            target.session, target.profile.name
        )));
    }
    Ok(entry)
}

/// `aws logout` for one login session: its entry removed, under the lock so that no refresh
/// running now writes it back. True when there was one.
pub fn sign_out(ctx: &Context, target: &Target) -> Result<bool> {
    let dir = login_cache::dir()?;
    let _lock = match lock(ctx, &dir, target, &Policy::default())? {
        Held::Lock(lock) => lock,
        Held::Busy(why) => return Err(why),
    };
    crate::cache::remove(&login_cache::path(&dir, target.session))
}

/// `aws logout --all`: every entry of the login cache that holds credentials. How many.
pub fn sign_out_all() -> Result<usize> {
    let dir = login_cache::dir()?;
    let mut removed = 0;
    for path in std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
    {
        if path.extension().is_some_and(|e| e == "json")
            && crate::cache::read::<serde_json::Value>(&path)
                .found()
                .is_some_and(|v| v["accessToken"]["accessKeyId"].is_string())
        {
            removed += usize::from(crate::cache::remove(&path)?);
        }
    }
    Ok(removed)
}

enum Held {
    Lock(Option<FileLock>),
    Busy(Error),
}

fn lock(ctx: &Context, dir: &std::path::Path, target: &Target, policy: &Policy) -> Result<Held> {
    let what = format!("login session {}", target.session);
    match login_cache::try_lock(dir, target.session) {
        Ok(Locked::Acquired(lock)) => Ok(Held::Lock(Some(lock))),
        Err(err) => {
            ctx.ui
                .warn(&format!("going on without the login lock: {err}"));
            Ok(Held::Lock(None))
        }
        Ok(Locked::Busy(busy)) if policy.no_login => Ok(Held::Busy(
            Error::new(
                what,
                format!("{} is refreshing it right now", busy.holder()),
            )
            .with_hint("try again once it has finished"),
        )),
        Ok(Locked::Busy(busy)) => {
            let bound = ctx.settings.lock_timeout;
            let holder = busy.holder();
            ctx.ui.say(&format!(
                "waiting for {holder} to finish with {what} (at most {} s)",
                bound.as_secs()
            ));
            match busy.wait(bound)? {
                Locked::Acquired(lock) => Ok(Held::Lock(Some(lock))),
                Locked::Busy(busy) => Err(Error::new(
                    what,
                    format!(
                        "{} has held it for more than {} s, longer than ssoenv waits",
                        busy.holder(),
                        bound.as_secs()
                    ),
                )
                .with_hint("finish or end that command; SSOENV_LOCK_TIMEOUT sets the wait")),
            }
        }
    }
}

enum Failed {
    /// The session is over (TOKEN_EXPIRED, USER_CREDENTIALS_CHANGED, an unusable entry): only a
    /// new sign-in helps.
    SignInAgain(Error),
    Other(Error),
}

/// botocore's `LoginCredentialFetcher.refresh_credentials`: new credentials and refresh token;
/// `accountId`, the id token, the key and anything else kept.
fn refresh(ctx: &Context, target: &Target, entry: &Entry) -> Result<Entry, Failed> {
    let unusable = |why: String| {
        Failed::SignInAgain(
            Error::new(format!("login session {}", target.session), why)
                .with_hint(target.login_hint()),
        )
    };
    let key = DpopKey::from_pem(&entry.dpop_key)
        .map_err(|why| unusable(format!("its cache entry cannot be refreshed: {why}")))?;
    let grant = Grant::Refresh {
        refresh_token: &entry.refresh_token,
    };
    let out = signin_oauth::create_token(ctx.http(), &target.base, &entry.client_id, &grant, &key)
        .map_err(|err| {
            let over = matches!(&err, ApiError::Service { code, .. }
                if code == "TOKEN_EXPIRED" || code == "USER_CREDENTIALS_CHANGED");
            let err = target.call("refreshing its credentials").error(err);
            if over {
                Failed::SignInAgain(err)
            } else {
                Failed::Other(err)
            }
        })?;
    let mut new = entry.clone();
    new.access_token = login_cache::AccessToken {
        access_key_id: out.access_key_id,
        secret_access_key: out.secret_access_key,
        session_token: out.session_token,
        account_id: entry.access_token.account_id.clone(),
        expires_at: time::format_rfc3339(ctx.now().saturating_add(out.expires_in)),
    };
    new.refresh_token = out.refresh_token;
    if let Some(why) = invalid(&new, ctx.now()) {
        return Err(Failed::Other(
            Error::new(
                format!("login session {}", target.session),
                format!("the sign-in service sent {why}"),
            )
            .with_hint("nothing was cached; try again shortly"),
        ));
    }
    Ok(new)
}

fn left(entry: &Entry, now: i64) -> i64 {
    entry.expires().map_or(i64::MIN, |t| t.saturating_sub(now))
}

/// Why an entry's credentials cannot be handed out, never quoting a value.
fn invalid(entry: &Entry, now: i64) -> Option<String> {
    let a = &entry.access_token;
    for (name, value) in [
        ("accessKeyId", &a.access_key_id),
        ("secretAccessKey", &a.secret_access_key),
        ("sessionToken", &a.session_token),
    ] {
        if value.is_empty() || value.chars().any(char::is_control) {
            return Some(format!("credentials with an empty or unprintable {name}"));
        }
    }
    (left(entry, now) <= MIN_LEFT).then(|| "credentials that expire within a minute".into())
}

fn answer(session: &str, entry: &Entry, source: Source) -> Result<LoginCredentials> {
    if let Some(why) = invalid(entry, i64::MIN / 2).filter(|w| !w.contains("expire")) {
        return Err(Error::new(
            format!("login session {session}"),
            format!("its cache entry holds {why}"),
        ));
    }
    let a = &entry.access_token;
    let account_id = if a.account_id.is_empty() {
        crate::login_cache::account(session)
    } else {
        a.account_id.clone()
    };
    Ok(LoginCredentials {
        credentials: RoleCredentials {
            access_key_id: a.access_key_id.clone(),
            secret_access_key: a.secret_access_key.clone(),
            session_token: a.session_token.clone(),
            expiration: entry.expires().unwrap_or(0),
        },
        account_id,
        identity: crate::login_cache::identity(session),
        source,
    })
}
