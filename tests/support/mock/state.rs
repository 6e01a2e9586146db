//! What the mock knows and how it is set up: the configuration a builder fixes before the
//! start (and `MockSso`'s knobs turn while it runs), every service's records, the faults still
//! to serve and the requests seen; with the clock and the random ids all services use.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::RecordedRequest;
use super::oidc::{DeviceState, RefreshTokenPolicy, RegisteredClient};
use super::portal::{Account, default_accounts, generate_accounts};

#[derive(Clone, Debug)]
pub(super) struct Config {
    pub(super) interval: u64,
    pub(super) device_code_ttl: u64,
    /// Seconds a device code stays valid past the `expiresIn` it was announced with.
    pub(super) device_code_grace: u64,
    pub(super) access_token_ttl: u64,
    pub(super) client_secret_ttl: u64,
    pub(super) role_credentials_ttl: u64,
    pub(super) auto_approve: bool,
    pub(super) deny_authorize: bool,
    pub(super) refresh_tokens: RefreshTokenPolicy,
    pub(super) id_token: bool,
    pub(super) enforce_interval: bool,
    pub(super) default_page_size: usize,
    pub(super) max_page_size: usize,
    pub(super) unknown_role_forbidden: bool,
    pub(super) access_key_id: Option<String>,
    pub(super) secret_access_key: Option<String>,
    pub(super) session_token: Option<String>,
    pub(super) delay: Duration,
    pub(super) route_delays: Vec<(String, Duration)>,
    /// Replace `userCode` / `verificationUriComplete` in device authorizations (hostile server).
    pub(super) shown_user_code: Option<String>,
    pub(super) shown_verification_uri: Option<String>,
    /// Replies to these routes are held back after the request was handled (its effects done).
    pub(super) reply_delays: Vec<(String, Duration)>,
    /// Epoch milliseconds every role credential expires at, instead of now + the TTL.
    pub(super) role_credentials_expiration_ms: Option<u64>,
    /// Replies sent one byte every this long (headers included).
    pub(super) drip: Option<Duration>,
    /// Listings never end: full pages of new accounts (names this many bytes) and roles.
    pub(super) endless_pages: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interval: 1,
            device_code_ttl: 600,
            device_code_grace: 0,
            access_token_ttl: 8 * 3600,
            client_secret_ttl: 90 * 86_400,
            role_credentials_ttl: 3600,
            auto_approve: true,
            deny_authorize: false,
            refresh_tokens: RefreshTokenPolicy::Realistic,
            id_token: false,
            enforce_interval: false,
            default_page_size: 20,
            max_page_size: 100,
            unknown_role_forbidden: false,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            delay: Duration::ZERO,
            shown_user_code: None,
            shown_verification_uri: None,
            route_delays: Vec::new(),
            reply_delays: Vec::new(),
            role_credentials_expiration_ms: None,
            drip: None,
            endless_pages: None,
        }
    }
}

/// Configures a [`MockSso`] before it starts. Every setting has a runtime knob too.
#[derive(Clone, Debug, Default)]
pub struct MockSsoBuilder {
    pub(super) cfg: Config,
    pub(super) accounts: Option<Vec<Account>>,
    pub(super) port: u16,
}

impl MockSsoBuilder {
    /// Port to bind on 127.0.0.1; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Add an account. The first account added (or [`Self::no_accounts`] /
    /// [`Self::generated_accounts`]) replaces the default accounts.
    pub fn account(mut self, account_id: &str, account_name: &str, roles: &[&str]) -> Self {
        self.accounts
            .get_or_insert_with(Vec::new)
            .push(Account::new(account_id, account_name, roles));
        self
    }

    pub fn accounts(mut self, accounts: impl IntoIterator<Item = Account>) -> Self {
        self.accounts.get_or_insert_with(Vec::new).extend(accounts);
        self
    }

    /// Add `n` accounts × `m` roles (see [`generate_accounts`]).
    pub fn generated_accounts(self, n: usize, m: usize) -> Self {
        self.accounts(generate_accounts(n, m))
    }

    /// Keep the default accounts and add to them.
    pub fn with_default_accounts(mut self) -> Self {
        let mut accounts = default_accounts();
        accounts.extend(self.accounts.take().unwrap_or_default());
        self.accounts = Some(accounts);
        self
    }

    pub fn no_accounts(mut self) -> Self {
        self.accounts = Some(Vec::new());
        self
    }

    /// `interval` of device authorizations, seconds (default 1; 0 = poll immediately).
    pub fn interval(mut self, secs: u64) -> Self {
        self.cfg.interval = secs;
        self
    }

    /// `expiresIn` of device codes (default 600).
    pub fn device_code_ttl_secs(mut self, secs: u64) -> Self {
        self.cfg.device_code_ttl = secs;
        self
    }

    /// Device codes stay valid `secs` longer than announced, so that only the client's own
    /// deadline can end a wait (default 0).
    pub fn device_code_grace_secs(mut self, secs: u64) -> Self {
        self.cfg.device_code_grace = secs;
        self
    }

    /// Access token lifetime (default 8 h). 0: issued already expired.
    pub fn access_token_ttl_secs(mut self, secs: u64) -> Self {
        self.cfg.access_token_ttl = secs;
        self
    }

    /// Client registration lifetime (default 90 days).
    pub fn client_secret_ttl_secs(mut self, secs: u64) -> Self {
        self.cfg.client_secret_ttl = secs;
        self
    }

    /// Role credential lifetime (default 1 h).
    pub fn role_credentials_ttl_secs(mut self, secs: u64) -> Self {
        self.cfg.role_credentials_ttl = secs;
        self
    }

    /// Visiting `/device` approves the code, `/authorize` redirects with a code (default on).
    pub fn auto_approve(mut self, on: bool) -> Self {
        self.cfg.auto_approve = on;
        self
    }

    /// `/authorize` redirects with `error=access_denied` (default off).
    pub fn deny_authorize(mut self, on: bool) -> Self {
        self.cfg.deny_authorize = on;
        self
    }

    pub fn refresh_token_policy(mut self, policy: RefreshTokenPolicy) -> Self {
        self.cfg.refresh_tokens = policy;
        self
    }

    /// Include an `idToken` in token responses (default off).
    pub fn id_token(mut self, on: bool) -> Self {
        self.cfg.id_token = on;
        self
    }

    /// Answer `slow_down` to device-code polls that come sooner than `interval` (default off).
    pub fn enforce_interval(mut self, on: bool) -> Self {
        self.cfg.enforce_interval = on;
        self
    }

    /// Page size when `max_result` is absent (default 20).
    pub fn default_page_size(mut self, n: usize) -> Self {
        self.cfg.default_page_size = n.max(1);
        self
    }

    /// Largest page served whatever `max_result` asks (default 100).
    pub fn max_page_size(mut self, n: usize) -> Self {
        self.cfg.max_page_size = n.max(1);
        self
    }

    /// Unknown account/role gets 403 `ForbiddenException` "No access" (what the real portal
    /// often says) instead of 404 `ResourceNotFoundException`.
    pub fn unknown_role_forbidden(mut self, on: bool) -> Self {
        self.cfg.unknown_role_forbidden = on;
        self
    }

    /// Exact `accessKeyId` of every role credential (default `ASIAMOCK` + 12-digit counter).
    pub fn access_key_id(mut self, v: &str) -> Self {
        self.cfg.access_key_id = Some(v.to_string());
        self
    }

    /// Exact `secretAccessKey` of every role credential (e.g. [`HOSTILE_VALUE`]).
    pub fn secret_access_key(mut self, v: &str) -> Self {
        self.cfg.secret_access_key = Some(v.to_string());
        self
    }

    /// Exact `sessionToken` of every role credential.
    pub fn session_token(mut self, v: &str) -> Self {
        self.cfg.session_token = Some(v.to_string());
        self
    }

    /// Delay every API reply (not the browser pages) by `d`.
    pub fn delay(mut self, d: Duration) -> Self {
        self.cfg.delay = d;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FaultKind {
    Throttle,
    Fail,
    /// A 400 that quotes every secret the request carried (see `echo_secrets_next_on`).
    Echo,
}

#[derive(Debug)]
pub(super) struct Fault {
    pub(super) route: Option<String>,
    pub(super) remaining: u32,
    pub(super) kind: FaultKind,
}

pub(super) struct Device {
    pub(super) device_code: String,
    pub(super) user_code: String,
    pub(super) client_id: String,
    pub(super) start_url: String,
    pub(super) expires_at_ms: u64,
    pub(super) state: DeviceState,
    pub(super) interval: u64,
    pub(super) last_poll: Option<Instant>,
}

pub(super) struct AuthCode {
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    pub(super) challenge: String,
    pub(super) expires_at_ms: u64,
}

pub(super) struct AccessToken {
    pub(super) client_id: String,
    pub(super) expires_at_ms: u64,
    pub(super) refresh_token: Option<String>,
}

pub(super) struct State {
    /// `http://127.0.0.1:PORT`, for the URLs handed out.
    pub(super) base_url: String,
    pub(super) cfg: Config,
    pub(super) accounts: Vec<Account>,
    pub(super) clients: HashMap<String, RegisteredClient>,
    pub(super) devices: Vec<Device>,
    pub(super) auth_codes: HashMap<String, AuthCode>,
    pub(super) pending_redirects: Vec<String>,
    pub(super) access_tokens: HashMap<String, AccessToken>,
    /// refresh token → client id
    pub(super) refresh_tokens: HashMap<String, String>,
    pub(super) faults: Vec<Fault>,
    pub(super) slow_down: u32,
    pub(super) requests: Vec<RecordedRequest>,
    pub(super) device_authorizations: usize,
    pub(super) credentials_issued: usize,
    pub(super) counter: u64,
    /// Every secret an `Echo` fault quoted back.
    pub(super) echoed: Vec<String>,
    pub(super) federation: super::federation::Federation,
    pub(super) signin: super::signin::Signin,
    pub(super) sts: super::sts::StsState,
}

impl State {
    pub(super) fn new(base_url: String, cfg: Config, accounts: Option<Vec<Account>>) -> State {
        State {
            base_url,
            cfg,
            accounts: accounts.unwrap_or_else(default_accounts),
            clients: HashMap::new(),
            devices: Vec::new(),
            auth_codes: HashMap::new(),
            pending_redirects: Vec::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            faults: Vec::new(),
            slow_down: 0,
            requests: Vec::new(),
            device_authorizations: 0,
            credentials_issued: 0,
            counter: 0,
            echoed: Vec::new(),
            federation: Default::default(),
            signin: Default::default(),
            sts: Default::default(),
        }
    }

    /// A number no earlier call returned, to make ids unique.
    pub(super) fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// Takes one fault meant for `path`: one set on that route, or one set on every API route
    /// (browser pages excepted).
    pub(super) fn take_fault(&mut self, path: &str, page: bool) -> Option<FaultKind> {
        let idx = self.faults.iter().position(|f| match &f.route {
            Some(r) => r == path,
            None => !page,
        })?;
        let fault = &mut self.faults[idx];
        let kind = fault.kind;
        fault.remaining -= 1;
        if fault.remaining == 0 {
            self.faults.remove(idx);
        }
        Some(kind)
    }
}

pub(super) struct Shared {
    pub(super) url: String,
    pub(super) state: Mutex<State>,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Epoch seconds → `%Y-%m-%dT%H:%M:%SZ`, the form the AWS CLI writes in its caches.
pub fn format_utc(epoch_secs: u64) -> String {
    ssoenv::time::format_rfc3339(i64::try_from(epoch_secs).unwrap_or(i64::MAX))
}

/// Now, epoch seconds.
pub fn now_secs() -> u64 {
    now_ms() / 1000
}

/// Now, epoch milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(super) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        // No OS randomness: fall back on the clock, good enough for a mock.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(31);
        }
    }
    buf
}

pub(super) fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes::<8>())
}

pub(super) fn random_hex(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes * 2);
    for _ in 0..bytes.div_ceil(8) {
        let _ = write!(s, "{:016x}", random_u64());
    }
    s.truncate(bytes * 2);
    s
}
