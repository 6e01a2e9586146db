//! What an sso-session reaches: its accounts and each account's roles, listed from the access
//! portal under one request-rate ceiling.
//!
//! ListAccounts, then ListAccountRoles for each account on a small pool of threads; a throttled
//! call (429 after the HTTP layer's own retries) pauses every thread and is tried again. Any other
//! failure ends the listing with an error: a partial listing must never prune profiles.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::auth;
use crate::cache::TokenFile;
use crate::config::SsoSession;
use crate::context::{Context, Policy};
use crate::error::{Error, Result};
use crate::sso::portal::{self, Account};
use crate::sso::{ApiError, Call, Endpoints, Http};
use crate::ui::Ui;

/// Threads calling ListAccountRoles at once.
pub const WORKERS: usize = 4;
/// Rounds of pausing after a call that stayed throttled through the HTTP layer's retries.
const THROTTLE_ROUNDS: u32 = 6;
/// The first pause after a throttled call; it doubles each round, up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(8);

/// A role the listing found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRole {
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
}

/// What [`every_role`] found.
#[derive(Debug)]
pub struct Found {
    pub roles: Vec<LiveRole>,
    pub accounts: usize,
    /// Calls the service throttled, each tried again after a pause.
    pub throttled: usize,
    pub took: Duration,
}

/// Every role of every account `session` reaches (signing in when needed), at most `max_rate`
/// requests a second.
pub fn every_role(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    max_rate: u32,
    ui: &dyn Ui,
) -> Result<Found> {
    let pace = Pace::new(max_rate);
    let started = Instant::now();
    let (token, accounts) = accounts_signed_in(ctx, session, endpoints, policy, &pace)?;
    // The command's deadline is for waiting on the service; the pauses of our own rate ceiling
    // (one request per account at least) are added to it, or a large organisation could not
    // finish.
    ctx.http().extend(Duration::from_secs_f64(
        accounts.len() as f64 / f64::from(max_rate.max(1)),
    ));
    if accounts.len() > 20 {
        ui.say(&format!(
            "{} accounts; listing their roles (at most {max_rate} requests a second)",
            accounts.len(),
        ));
    }
    let roles = roles_of_all(
        ctx.http(),
        &endpoints.portal,
        &token.access_token,
        &accounts,
        &pace,
    )
    .map_err(|(i, err)| {
        api_error(
            session,
            &format!("ListAccountRoles for account {}", accounts[i].account_id),
            err,
        )
    })?;
    let mut live = Vec::new();
    for (account, names) in accounts.iter().zip(roles) {
        for role_name in names {
            live.push(LiveRole {
                account_id: account.account_id.clone(),
                account_name: account.account_name.clone(),
                role_name,
            });
        }
    }
    Ok(Found {
        roles: live,
        accounts: accounts.len(),
        throttled: pace.throttled(),
        took: started.elapsed(),
    })
}

/// The roles `token` has in one account.
pub fn roles_of(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    token: &TokenFile,
    account_id: &str,
    pace: &Pace,
) -> Result<Vec<String>> {
    paced(pace, || {
        portal::list_account_roles(
            ctx.http(),
            &endpoints.portal,
            &token.access_token,
            account_id,
        )
    })
    .map_err(|err| {
        api_error(
            session,
            &format!("ListAccountRoles for account {account_id}"),
            err,
        )
    })
}

/// A token for `session` (logging in when needed) and every account it reaches. A token the
/// portal refuses (401) means one new login, as for role credentials.
pub fn accounts_signed_in(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
    pace: &Pace,
) -> Result<(TokenFile, Vec<Account>)> {
    auth::with_token(
        ctx,
        session,
        endpoints,
        policy,
        |token| {
            paced(pace, || {
                portal::list_accounts(ctx.http(), &endpoints.portal, &token.access_token)
            })
        },
        |err| api_error(session, "ListAccounts", err),
    )
    .map(|(token, _, accounts)| (token, accounts))
}

fn api_error(session: &SsoSession, call: &str, err: ApiError) -> Error {
    Call::listing(call, &session.region, auth::login_hint(session)).error(err)
}

/// The request-rate ceiling shared by every thread, and the pause after throttling.
pub struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
    throttled: AtomicUsize,
}

impl Pace {
    pub fn new(per_second: u32) -> Pace {
        Pace {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
            throttled: AtomicUsize::new(0),
        }
    }

    /// Blocks until this caller may send: one send every `interval`, across threads.
    fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
    }

    /// Nobody sends for `pause`.
    fn back_off(&self, pause: Duration) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *next = (*next).max(Instant::now() + pause);
    }

    fn throttled(&self) -> usize {
        self.throttled.load(Ordering::Relaxed)
    }
}

/// `call` under the rate ceiling; while it comes back throttled, every thread pauses (0.5 s, then
/// doubling up to 8 s) and it is tried again, up to `THROTTLE_ROUNDS` times.
fn paced<T>(pace: &Pace, mut call: impl FnMut() -> Result<T, ApiError>) -> Result<T, ApiError> {
    let mut round = 0;
    loop {
        pace.wait();
        match call() {
            Err(ApiError::Service { status: 429, .. }) if round < THROTTLE_ROUNDS => {
                pace.back_off(FIRST_PAUSE.saturating_mul(1 << round).min(MAX_PAUSE));
                round += 1;
            }
            other => return other,
        }
    }
}

/// Every account's roles, in the accounts' order, from `WORKERS` threads. The first failure
/// stops the others and is returned with the index of its account.
fn roles_of_all(
    http: &Http,
    portal_url: &str,
    token: &str,
    accounts: &[Account],
    pace: &Pace,
) -> Result<Vec<Vec<String>>, (usize, ApiError)> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Vec<String>>>> =
        accounts.iter().map(|_| Mutex::new(None)).collect();
    let failure: Mutex<Option<(usize, ApiError)>> = Mutex::new(None);
    let all = portal::Allowance::all_roles();
    std::thread::scope(|scope| {
        for _ in 0..WORKERS.min(accounts.len()) {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(account) = accounts.get(i) else {
                        break;
                    };
                    match paced(pace, || {
                        portal::list_account_roles_within(
                            http,
                            portal_url,
                            token,
                            &account.account_id,
                            &all,
                        )
                    }) {
                        Ok(roles) => {
                            *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(roles);
                        }
                        Err(err) => {
                            stop.store(true, Ordering::Relaxed);
                            failure
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert((i, err));
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(failure) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(failure);
    }
    Ok(results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_default()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_spaces_sends_across_threads() {
        let pace = Pace::new(50);
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..5 {
                        pace.wait();
                    }
                });
            }
        });
        // 20 sends at 50 a second: the last goes out no sooner than 19 intervals after the first.
        assert!(start.elapsed() >= Duration::from_millis(19 * 20 - 5));
    }
}
