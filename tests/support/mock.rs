//! A mock AWS IAM Identity Center for tests and for `cargo run --example mock_sso`.
//!
//! One HTTP server on 127.0.0.1 speaks both APIs that ssoenv uses, shaped like the real service
//! (see "Wire protocol" in DESIGN.md):
//!
//! * sso-oidc: `POST /client/register`, `POST /device_authorization`, `POST /token`,
//!   `GET /authorize` (PKCE, answers with a 302 to the loopback redirect URI);
//! * the verification page `GET /device?user_code=...` (visiting it approves the code);
//! * the portal: `GET /federation/credentials`, `GET /assignment/accounts`,
//!   `GET /assignment/roles`, `POST /logout`, bearer token in `x-amz-sso_bearer_token`.
//!
//! Every request runs on its own thread, so concurrent clients never wait for each other. State
//! lives behind one mutex; every knob is a `&self` method and can be turned while the server runs.
//! Nothing on the request path unwraps request input: bad input gets a 400 of the right shape.
//!
//! Times: knobs that are protocol lifetimes take whole seconds (`*_secs`, `u64`); epoch values
//! handed out (`expires_at`...) are epoch seconds; `delay` is a `Duration`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The device-code grant type, as sent in `grantType`.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The scope the real tools register with (and that earns a refresh token).
pub const ACCOUNT_ACCESS_SCOPE: &str = "sso:account:access";
/// The redirect URI seeded clients are registered with (any loopback port matches it).
pub const SEEDED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// Seeded clients may use every grant: device code, authorization code and refresh token.
fn seeded_grant_types() -> Vec<String> {
    [DEVICE_CODE_GRANT, "authorization_code", "refresh_token"]
        .map(str::to_string)
        .to_vec()
}

/// The bearer-token header of the portal API.
pub const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

const OIDC_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazonaws.ssooidc/";
const PORTAL_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/";
const MAX_BODY: u64 = 1 << 20;
const AUTH_CODE_TTL_MS: u64 = 10 * 60 * 1000;

/// The paths the mock serves.
pub mod routes {
    pub const REGISTER: &str = "/client/register";
    pub const DEVICE_AUTHORIZATION: &str = "/device_authorization";
    pub const TOKEN: &str = "/token";
    pub const AUTHORIZE: &str = "/authorize";
    pub const DEVICE_PAGE: &str = "/device";
    pub const CREDENTIALS: &str = "/federation/credentials";
    pub const ACCOUNTS: &str = "/assignment/accounts";
    pub const ROLES: &str = "/assignment/roles";
    pub const LOGOUT: &str = "/logout";
}

// ---------------------------------------------------------------------------------------------
// Public data types
// ---------------------------------------------------------------------------------------------

/// An AWS account the signed-in user can reach, with the roles (permission sets) assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub account_id: String,
    pub account_name: String,
    pub email_address: String,
    pub roles: Vec<String>,
}

impl Account {
    /// An account; the e-mail address defaults to `{account_name}@example.com`.
    pub fn new(
        account_id: impl Into<String>,
        account_name: impl Into<String>,
        roles: &[&str],
    ) -> Self {
        let account_name = account_name.into();
        Account {
            account_id: account_id.into(),
            email_address: format!("{account_name}@example.com"),
            account_name,
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email_address = email.into();
        self
    }
}

/// `111111111111` "dev-account" (AdministratorAccess, ReadOnly) and `222222222222`
/// "prod-account" (ReadOnly).
pub fn default_accounts() -> Vec<Account> {
    vec![
        Account::new(
            "111111111111",
            "dev-account",
            &["AdministratorAccess", "ReadOnly"],
        ),
        Account::new("222222222222", "prod-account", &["ReadOnly"]),
    ]
}

/// `n` accounts × `m` roles: ids `900000000001`, `900000000002`, ..., names `generated-001`...,
/// roles `Role01`, `Role02`, ...
pub fn generate_accounts(n: usize, m: usize) -> Vec<Account> {
    (1..=n)
        .map(|i| {
            let roles: Vec<String> = (1..=m).map(|j| format!("Role{j:02}")).collect();
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            Account::new(format!("9{i:011}"), format!("generated-{i:03}"), &roles)
        })
        .collect()
}

/// When `/token` hands out a refresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshTokenPolicy {
    /// Like the real service: only to clients registered with scopes or with the
    /// `refresh_token` grant type (a legacy device-code client without scopes gets none).
    Realistic,
    Always,
    Never,
}

/// A client as registered by `POST /client/register` (or seeded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_secret: String,
    pub client_name: String,
    pub client_type: String,
    pub scopes: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
    pub issuer_url: Option<String>,
    /// Epoch seconds.
    pub issued_at: u64,
    /// Epoch seconds (`clientSecretExpiresAt`).
    pub expires_at: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceState {
    Pending,
    Approved,
    Denied,
    /// A token was issued for it; it cannot be used again.
    Consumed,
}

/// A device authorization started by `POST /device_authorization`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCodeInfo {
    pub device_code: String,
    pub user_code: String,
    pub client_id: String,
    pub start_url: String,
    pub state: DeviceState,
    pub expired: bool,
}

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path without the query, e.g. `/token`.
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// All headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status answered (0 while the request is still being handled).
    pub status: u16,
    /// The error type answered (`x-amzn-ErrorType` without the namespace), if any.
    pub error_type: Option<String>,
    /// The OIDC `error` code answered (`authorization_pending`...), if any.
    pub error: Option<String>,
}

impl RecordedRequest {
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// `grantType` of a `/token` request.
    pub fn grant_type(&self) -> Option<String> {
        self.json()?.get("grantType")?.as_str().map(str::to_string)
    }

    pub fn bearer_token(&self) -> Option<&str> {
        self.header(BEARER_HEADER)
    }
}

/// A session placed in the mock by [`MockSso::seed_session`], ready to be written to a cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededSession {
    pub client_id: String,
    pub client_secret: String,
    /// Epoch seconds.
    pub registration_expires_at: u64,
    pub access_token: String,
    /// Epoch seconds.
    pub expires_at: u64,
    pub refresh_token: Option<String>,
}

impl SeededSession {
    /// The token cache file the AWS CLI writes (`~/.aws/sso/cache/<sha1>.json`), keys in its
    /// order: startUrl, region, accessToken, expiresAt, clientId, clientSecret,
    /// registrationExpiresAt, refreshToken.
    pub fn token_cache_json(&self, start_url: &str, region: &str) -> String {
        let mut map = serde_json::Map::new();
        map.insert("startUrl".into(), json!(start_url));
        map.insert("region".into(), json!(region));
        map.insert("accessToken".into(), json!(self.access_token));
        map.insert("expiresAt".into(), json!(format_utc(self.expires_at)));
        map.insert("clientId".into(), json!(self.client_id));
        map.insert("clientSecret".into(), json!(self.client_secret));
        map.insert(
            "registrationExpiresAt".into(),
            json!(format_utc(self.registration_expires_at)),
        );
        if let Some(refresh) = &self.refresh_token {
            map.insert("refreshToken".into(), json!(refresh));
        }
        serde_json::to_string(&Value::Object(map)).unwrap_or_default()
    }
}

/// A string meant to break naive shell quoting: quotes of every kind, `$(...)`, backticks,
/// backslashes, `%`, `!`, `^`, `;`, `&`, `|`, and the curly quotes PowerShell treats as `'`.
/// Evaluated unquoted by any shell, it would run `exit 42`.
pub const HOSTILE_VALUE: &str = "a'b\"c$(exit 42)`exit 42`d\\e%PATH%!f!^g;exit 42&h|i\u{2018}j\u{2019}k\u{201A}l\u{201B}m $HOME";

/// Epoch seconds → `%Y-%m-%dT%H:%M:%SZ`.
pub fn format_utc(epoch_secs: u64) -> String {
    let days = (epoch_secs / 86_400) as i64;
    let rem = epoch_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
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

/// base64url-no-pad(SHA-256(verifier)), the S256 code challenge.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Percent-encode everything but the RFC 3986 unreserved characters.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decode a query string (`+` is a space).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Configuration and builder
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Config {
    interval: u64,
    device_code_ttl: u64,
    access_token_ttl: u64,
    client_secret_ttl: u64,
    role_credentials_ttl: u64,
    auto_approve: bool,
    deny_authorize: bool,
    refresh_tokens: RefreshTokenPolicy,
    id_token: bool,
    enforce_interval: bool,
    default_page_size: usize,
    max_page_size: usize,
    unknown_role_forbidden: bool,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    delay: Duration,
    route_delays: Vec<(String, Duration)>,
    /// Replace `userCode` / `verificationUriComplete` in device authorizations (hostile server).
    shown_user_code: Option<String>,
    shown_verification_uri: Option<String>,
    /// Replies to these routes are held back after the request was handled (its effects done).
    reply_delays: Vec<(String, Duration)>,
    /// Epoch milliseconds every role credential expires at, instead of now + the TTL.
    role_credentials_expiration_ms: Option<u64>,
    /// Replies sent one byte every this long (headers included).
    drip: Option<Duration>,
    /// Listings never end: full pages of new accounts (names this many bytes) and roles.
    endless_pages: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interval: 1,
            device_code_ttl: 600,
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
    cfg: Config,
    accounts: Option<Vec<Account>>,
    port: u16,
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

    pub fn start(self) -> MockSso {
        match self.try_start() {
            Ok(mock) => mock,
            Err(e) => panic!("mock IAM Identity Center failed to start: {e}"),
        }
    }

    pub fn try_start(self) -> io::Result<MockSso> {
        let server = tiny_http::Server::http(("127.0.0.1", self.port)).map_err(io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("not an IP listener"))?;
        let url = format!("http://{addr}");
        let state = State {
            cfg: self.cfg,
            accounts: self.accounts.unwrap_or_else(default_accounts),
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
        };
        let shared = Arc::new(Shared {
            url,
            state: Mutex::new(state),
        });
        let server = Arc::new(server);
        let shutdown = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, shared, shutdown) = (server.clone(), shared.clone(), shutdown.clone());
            thread::Builder::new()
                .name("mock-sso-accept".into())
                .spawn(move || {
                    while let Ok(rq) = server.recv() {
                        if shutdown.load(Ordering::SeqCst) {
                            break;
                        }
                        let shared = shared.clone();
                        let spawned = thread::Builder::new()
                            .name("mock-sso-request".into())
                            .spawn(move || serve(&shared, rq));
                        if spawned.is_err() {
                            // Out of threads: the request is dropped and its connection closed.
                            continue;
                        }
                    }
                })?
        };
        Ok(MockSso {
            shared,
            server,
            shutdown,
            thread: Some(thread),
            addr,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// The running mock. Stopped when dropped.
pub struct MockSso {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    shutdown: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl Drop for MockSso {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for MockSso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockSso")
            .field("url", &self.shared.url)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FaultKind {
    Throttle,
    Fail,
    /// A 400 that quotes every secret the request carried (see `echo_secrets_next_on`).
    Echo,
}

#[derive(Debug)]
struct Fault {
    route: Option<String>,
    remaining: u32,
    kind: FaultKind,
}

struct Device {
    device_code: String,
    user_code: String,
    client_id: String,
    start_url: String,
    expires_at_ms: u64,
    state: DeviceState,
    interval: u64,
    last_poll: Option<Instant>,
}

struct AuthCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    expires_at_ms: u64,
}

struct AccessToken {
    client_id: String,
    expires_at_ms: u64,
    refresh_token: Option<String>,
}

struct State {
    cfg: Config,
    accounts: Vec<Account>,
    clients: HashMap<String, RegisteredClient>,
    devices: Vec<Device>,
    auth_codes: HashMap<String, AuthCode>,
    pending_redirects: Vec<String>,
    access_tokens: HashMap<String, AccessToken>,
    /// refresh token → client id
    refresh_tokens: HashMap<String, String>,
    faults: Vec<Fault>,
    slow_down: u32,
    requests: Vec<RecordedRequest>,
    device_authorizations: usize,
    credentials_issued: usize,
    counter: u64,
    /// Every secret an `Echo` fault quoted back.
    echoed: Vec<String>,
}

struct Shared {
    url: String,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MockSso {
    /// A mock with the defaults, on a free port.
    pub fn start() -> MockSso {
        MockSso::builder().start()
    }

    pub fn builder() -> MockSsoBuilder {
        MockSsoBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, for both `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The environment that points ssoenv (or an AWS SDK) at this mock.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.url()),
            ("AWS_ENDPOINT_URL_SSO", self.url()),
        ]
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    // ---- fault knobs ------------------------------------------------------------------------

    /// The next `n` API requests (any route but the browser pages) get 429
    /// `TooManyRequestsException`.
    pub fn throttle_next(&self, n: u32) {
        self.add_fault(None, n, FaultKind::Throttle);
    }

    /// The next `n` requests to `route` (a path such as `/token`) get 429.
    pub fn throttle_next_on(&self, route: &str, n: u32) {
        self.add_fault(Some(route), n, FaultKind::Throttle);
    }

    /// The next `n` API requests get 500 (`server_error` / `InternalServerException`).
    pub fn fail_next(&self, n: u32) {
        self.add_fault(None, n, FaultKind::Fail);
    }

    /// The next `n` requests to `route` get 500.
    pub fn fail_next_on(&self, route: &str, n: u32) {
        self.add_fault(Some(route), n, FaultKind::Fail);
    }

    /// The next `n` requests to `route` get a 400 that quotes back every secret the request
    /// carried (the bearer token; `clientSecret`, `deviceCode`, `refreshToken`, `code`,
    /// `codeVerifier` of a JSON body): as sent, URL-encoded and JSON-escaped, in the body's
    /// `message` and in `x-amzn-ErrorType`. `echoed_secrets` lists what was quoted.
    pub fn echo_secrets_next_on(&self, route: &str, n: u32) {
        self.add_fault(Some(route), n, FaultKind::Echo);
    }

    /// The secrets `echo_secrets_next_on` quoted back so far.
    pub fn echoed_secrets(&self) -> Vec<String> {
        self.state().echoed.clone()
    }

    /// What device authorizations started from now on show the person: `user_code` replaces
    /// `userCode`, `uri` replaces `verificationUriComplete` (None: the real ones). The device
    /// is still approved by its real code.
    pub fn set_device_display(&self, user_code: Option<&str>, uri: Option<&str>) {
        let mut st = self.state();
        st.cfg.shown_user_code = user_code.map(str::to_string);
        st.cfg.shown_verification_uri = uri.map(str::to_string);
    }

    fn add_fault(&self, route: Option<&str>, n: u32, kind: FaultKind) {
        if n > 0 {
            self.state().faults.push(Fault {
                route: route.map(str::to_string),
                remaining: n,
                kind,
            });
        }
    }

    /// Throttles and failures not yet served.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// Delay every API reply by `d` (zero to stop).
    pub fn set_delay(&self, d: Duration) {
        self.state().cfg.delay = d;
    }

    /// Delay replies to `route` by `d` (replaces the global delay for that route).
    pub fn set_delay_on(&self, route: &str, d: Duration) {
        let mut st = self.state();
        st.cfg.route_delays.retain(|(r, _)| r != route);
        st.cfg.route_delays.push((route.to_string(), d));
    }

    /// Every API reply (not the browser pages) is sent one byte every `every`, so that no read
    /// ever waits long but the reply takes ages (None to stop).
    pub fn set_drip(&self, every: Option<Duration>) {
        self.state().cfg.drip = every;
    }

    /// ListAccounts and ListAccountRoles never end: every page is full, of new accounts whose
    /// names are `name_bytes` long (or new roles), and carries a new `nextToken` (None to stop).
    pub fn set_endless_pages(&self, name_bytes: Option<usize>) {
        self.state().cfg.endless_pages = name_bytes;
    }

    /// Handle requests to `route` at once but hold the reply back by `d`: the service has acted
    /// (a token rotated, credentials issued) while the client still waits.
    pub fn set_reply_delay_on(&self, route: &str, d: Duration) {
        let mut st = self.state();
        st.cfg.reply_delays.retain(|(r, _)| r != route);
        st.cfg.reply_delays.push((route.to_string(), d));
    }

    /// The next `n` device-code polls (of a known device code) answer `slow_down`.
    pub fn slow_down_next(&self, n: u32) {
        self.state().slow_down = n;
    }

    // ---- behaviour knobs --------------------------------------------------------------------

    /// `interval` of device authorizations started from now on.
    pub fn set_interval(&self, secs: u64) {
        self.state().cfg.interval = secs;
    }

    /// Lifetime of access tokens issued from now on (0: already expired when issued).
    pub fn set_access_token_ttl_secs(&self, secs: u64) {
        self.state().cfg.access_token_ttl = secs;
    }

    pub fn set_role_credentials_ttl_secs(&self, secs: u64) {
        self.state().cfg.role_credentials_ttl = secs;
    }

    /// Lifetime of client registrations made from now on.
    /// Role credentials expire at this epoch time in milliseconds (None: now + the TTL).
    pub fn set_role_credentials_expiration_ms(&self, ms: Option<u64>) {
        self.state().cfg.role_credentials_expiration_ms = ms;
    }

    pub fn set_client_secret_ttl_secs(&self, secs: u64) {
        self.state().cfg.client_secret_ttl = secs;
    }

    pub fn set_device_code_ttl_secs(&self, secs: u64) {
        self.state().cfg.device_code_ttl = secs;
    }

    pub fn set_auto_approve(&self, on: bool) {
        self.state().cfg.auto_approve = on;
    }

    pub fn set_deny_authorize(&self, on: bool) {
        self.state().cfg.deny_authorize = on;
    }

    pub fn set_refresh_token_policy(&self, policy: RefreshTokenPolicy) {
        self.state().cfg.refresh_tokens = policy;
    }

    pub fn set_enforce_interval(&self, on: bool) {
        self.state().cfg.enforce_interval = on;
    }

    pub fn set_unknown_role_forbidden(&self, on: bool) {
        self.state().cfg.unknown_role_forbidden = on;
    }

    /// Exact `accessKeyId` of role credentials from now on (`None`: generated).
    pub fn set_access_key_id(&self, v: Option<&str>) {
        self.state().cfg.access_key_id = v.map(str::to_string);
    }

    /// Exact `secretAccessKey` of role credentials from now on (`None`: generated).
    pub fn set_secret_access_key(&self, v: Option<&str>) {
        self.state().cfg.secret_access_key = v.map(str::to_string);
    }

    /// Exact `sessionToken` of role credentials from now on (`None`: generated).
    pub fn set_session_token(&self, v: Option<&str>) {
        self.state().cfg.session_token = v.map(str::to_string);
    }

    pub fn add_account(&self, account: Account) {
        self.state().accounts.push(account);
    }

    pub fn set_accounts(&self, accounts: Vec<Account>) {
        self.state().accounts = accounts;
    }

    // ---- token state knobs ------------------------------------------------------------------

    /// Every access and refresh token stops working (portal: 401, refresh: `invalid_grant`).
    pub fn revoke_all_tokens(&self) {
        let mut st = self.state();
        st.access_tokens.clear();
        st.refresh_tokens.clear();
    }

    /// Every access token issued so far is expired now; refresh tokens still work.
    pub fn expire_access_tokens(&self) {
        let now = now_ms();
        for t in self.state().access_tokens.values_mut() {
            t.expires_at_ms = t.expires_at_ms.min(now);
        }
    }

    /// Every client registration is expired now (`invalid_client`).
    pub fn expire_clients(&self) {
        let now = now_secs();
        for c in self.state().clients.values_mut() {
            c.expires_at = c.expires_at.min(now);
        }
    }

    /// Every device code is expired now (`expired_token`).
    pub fn expire_device_codes(&self) {
        let now = now_ms();
        for d in self.state().devices.iter_mut() {
            d.expires_at_ms = d.expires_at_ms.min(now);
        }
    }

    /// Approve a pending device code by its user code (with auto-approve off). False if unknown.
    pub fn approve_device(&self, user_code: &str) -> bool {
        self.set_device_state(user_code, DeviceState::Approved)
    }

    /// The person refuses: polls get `access_denied`.
    pub fn deny_device(&self, user_code: &str) -> bool {
        self.set_device_state(user_code, DeviceState::Denied)
    }

    fn set_device_state(&self, user_code: &str, to: DeviceState) -> bool {
        let mut st = self.state();
        match st
            .devices
            .iter_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(user_code))
        {
            Some(d) if d.state == DeviceState::Pending => {
                d.state = to;
                true
            }
            _ => false,
        }
    }

    /// With auto-approve off, `/authorize` answers a waiting page instead of redirecting; the
    /// redirect it would have sent (`{redirect_uri}?code=..&state=..`) is kept here, so a test
    /// can play the late approval by fetching it.
    pub fn pending_authorize_redirects(&self) -> Vec<String> {
        self.state().pending_redirects.clone()
    }

    // ---- seeding ----------------------------------------------------------------------------

    /// Make the mock know a client (as if registered, with scope `sso:account:access`, every
    /// grant type and redirect URI [`SEEDED_REDIRECT_URI`]). `expires_at` in epoch seconds.
    pub fn seed_client(&self, client_id: &str, client_secret: &str, expires_at: u64) {
        let client = RegisteredClient {
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            client_name: "seeded".to_string(),
            client_type: "public".to_string(),
            scopes: Some(vec![ACCOUNT_ACCESS_SCOPE.to_string()]),
            grant_types: Some(seeded_grant_types()),
            redirect_uris: Some(vec![SEEDED_REDIRECT_URI.to_string()]),
            issuer_url: None,
            issued_at: now_secs(),
            expires_at,
        };
        self.state().clients.insert(client_id.to_string(), client);
    }

    /// Make the mock accept `access_token` until `expires_at` (epoch seconds).
    pub fn seed_access_token(&self, client_id: &str, access_token: &str, expires_at: u64) {
        self.state().access_tokens.insert(
            access_token.to_string(),
            AccessToken {
                client_id: client_id.to_string(),
                expires_at_ms: expires_at.saturating_mul(1000),
                refresh_token: None,
            },
        );
    }

    /// Make the mock accept `refresh_token` from `client_id`.
    pub fn seed_refresh_token(&self, client_id: &str, refresh_token: &str) {
        self.state()
            .refresh_tokens
            .insert(refresh_token.to_string(), client_id.to_string());
    }

    /// A client, an access token that expires in `access_ttl_secs` (negative: expired that long
    /// ago) and a refresh token, all accepted by the mock; write them with
    /// [`SeededSession::token_cache_json`].
    pub fn seed_session(&self, access_ttl_secs: i64) -> SeededSession {
        let mut st = self.state();
        let n = st.next();
        let client_id = format!("seededclient{n}{}", random_hex(6));
        let client_secret = format!("seededsecret{n}{}", random_hex(16));
        let registration_expires_at = now_secs() + st.cfg.client_secret_ttl;
        st.clients.insert(
            client_id.clone(),
            RegisteredClient {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                client_name: "seeded".into(),
                client_type: "public".into(),
                scopes: Some(vec![ACCOUNT_ACCESS_SCOPE.into()]),
                grant_types: Some(seeded_grant_types()),
                redirect_uris: Some(vec![SEEDED_REDIRECT_URI.to_string()]),
                issuer_url: None,
                issued_at: now_secs(),
                expires_at: registration_expires_at,
            },
        );
        let access_token = format!("aoaMOCKseeded{n}{}", random_hex(16));
        let refresh_token = format!("aorMOCKseeded{n}{}", random_hex(16));
        let expires_at = (now_secs() as i64).saturating_add(access_ttl_secs).max(0) as u64;
        st.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                client_id: client_id.clone(),
                expires_at_ms: expires_at * 1000,
                refresh_token: Some(refresh_token.clone()),
            },
        );
        st.refresh_tokens
            .insert(refresh_token.clone(), client_id.clone());
        SeededSession {
            client_id,
            client_secret,
            registration_expires_at,
            access_token,
            expires_at,
            refresh_token: Some(refresh_token),
        }
    }

    // ---- counters and inspection ------------------------------------------------------------

    /// All requests received.
    pub fn total(&self) -> usize {
        self.state().requests.len()
    }

    /// Requests received for `path` (e.g. `/token`, `/federation/credentials`).
    pub fn count(&self, path: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// `/token` requests with this grant type: `refresh_token`, `authorization_code`,
    /// `device_code` (short for the urn) or the full urn.
    pub fn count_grant(&self, grant: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.path == routes::TOKEN)
            .filter_map(RecordedRequest::grant_type)
            .filter(|g| g == grant || (grant == "device_code" && g == DEVICE_CODE_GRANT))
            .count()
    }

    /// Requests answered with this error type (`TooManyRequestsException`...) or OIDC error
    /// code (`authorization_pending`...).
    pub fn count_errors(&self, error: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.error_type.as_deref() == Some(error) || r.error.as_deref() == Some(error))
            .count()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.state()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Device authorizations started successfully.
    pub fn device_authorizations(&self) -> usize {
        self.state().device_authorizations
    }

    /// Hits on `/authorize` (PKCE logins started in the browser).
    pub fn authorize_hits(&self) -> usize {
        self.count(routes::AUTHORIZE)
    }

    /// Role credentials handed out.
    pub fn credentials_issued(&self) -> usize {
        self.state().credentials_issued
    }

    pub fn clients(&self) -> Vec<RegisteredClient> {
        let mut v: Vec<_> = self.state().clients.values().cloned().collect();
        v.sort_by_key(|c| c.issued_at);
        v
    }

    pub fn device_codes(&self) -> Vec<DeviceCodeInfo> {
        let now = now_ms();
        self.state()
            .devices
            .iter()
            .map(|d| DeviceCodeInfo {
                device_code: d.device_code.clone(),
                user_code: d.user_code.clone(),
                client_id: d.client_id.clone(),
                start_url: d.start_url.clone(),
                state: d.state,
                expired: now >= d.expires_at_ms,
            })
            .collect()
    }

    /// Whether the portal would accept this access token now.
    pub fn access_token_valid(&self, token: &str) -> bool {
        let now = now_ms();
        self.state()
            .access_tokens
            .get(token)
            .is_some_and(|t| now < t.expires_at_ms)
    }

    /// Whether `/token` would accept this refresh token now.
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.state().refresh_tokens.contains_key(token)
    }

    /// Forget the recorded requests and zero the counters (state and knobs are kept).
    pub fn reset_counters(&self) {
        let mut st = self.state();
        st.requests.clear();
        st.device_authorizations = 0;
        st.credentials_issued = 0;
    }

    /// Wait until `count(path) >= n`; false on timeout.
    pub fn wait_for_count(&self, path: &str, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.count(path) >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------

struct Incoming {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
    body_ok: bool,
}

impl Incoming {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    error_type: Option<String>,
    error: Option<String>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            headers: Vec::new(),
            error_type: None,
            error: None,
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: Vec::new(),
            headers: Vec::new(),
            error_type: None,
            error: None,
        }
    }

    fn page(status: u16, title: &str, text: &str) -> Reply {
        let body = format!(
            "<!doctype html>\n<html><head><title>{t}</title></head>\
             <body><h1>{t}</h1><p>{x}</p></body></html>\n",
            t = html_escape(title),
            x = html_escape(text)
        );
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
            headers: Vec::new(),
            error_type: None,
            error: None,
        }
    }

    fn redirect(location: String) -> Reply {
        let mut r = Reply::page(302, "Found", "Redirecting to the application.");
        r.headers.push(("Location".into(), location));
        r
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// sso-oidc error: `{"error", "error_description"}` and `x-amzn-ErrorType`.
fn oidc_error(code: &str, description: &str) -> Reply {
    let (status, ty) = match code {
        "authorization_pending" => (400, "AuthorizationPendingException"),
        "slow_down" => (400, "SlowDownException"),
        "expired_token" => (400, "ExpiredTokenException"),
        "invalid_grant" => (400, "InvalidGrantException"),
        "invalid_client" => (401, "InvalidClientException"),
        "access_denied" => (400, "AccessDeniedException"),
        "server_error" => (500, "InternalServerException"),
        "unsupported_grant_type" => (400, "UnsupportedGrantTypeException"),
        "unauthorized_client" => (400, "UnauthorizedClientException"),
        "invalid_scope" => (400, "InvalidScopeException"),
        "invalid_client_metadata" => (400, "InvalidClientMetadataException"),
        "invalid_redirect_uri" => (400, "InvalidRedirectUriException"),
        "too_many_requests" => (429, "TooManyRequestsException"),
        _ => (400, "InvalidRequestException"),
    };
    let mut r = Reply::json(
        status,
        json!({ "error": code, "error_description": description }),
    );
    r.headers
        .push(("x-amzn-ErrorType".into(), format!("{ty}:{OIDC_NAMESPACE}")));
    r.error_type = Some(ty.to_string());
    r.error = Some(code.to_string());
    r
}

/// Portal error: `{"message"}` and `x-amzn-ErrorType`.
fn portal_error(status: u16, ty: &str, message: &str) -> Reply {
    let mut r = Reply::json(status, json!({ "message": message }));
    r.headers.push((
        "x-amzn-ErrorType".into(),
        format!("{ty}:{PORTAL_NAMESPACE}"),
    ));
    r.error_type = Some(ty.to_string());
    r
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Oidc,
    Portal,
    Page,
}

fn api_of(path: &str) -> Option<Api> {
    match path {
        routes::REGISTER | routes::DEVICE_AUTHORIZATION | routes::TOKEN => Some(Api::Oidc),
        routes::AUTHORIZE | routes::DEVICE_PAGE => Some(Api::Page),
        routes::CREDENTIALS | routes::ACCOUNTS | routes::ROLES | routes::LOGOUT => {
            Some(Api::Portal)
        }
        _ => None,
    }
}

fn serve(shared: &Shared, mut rq: tiny_http::Request) {
    let method = rq.method().as_str().to_ascii_uppercase();
    let url = rq.url().to_string();
    let headers: Vec<(String, String)> = rq
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let mut raw = Vec::new();
    let body_ok = rq.as_reader().take(MAX_BODY).read_to_end(&mut raw).is_ok();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let incoming = Incoming {
        method,
        path: path.to_string(),
        query: parse_query(query),
        headers,
        body: String::from_utf8_lossy(&raw).into_owned(),
        body_ok,
    };

    let (index, delay, drip) = {
        let mut st = shared.lock();
        st.requests.push(RecordedRequest {
            method: incoming.method.clone(),
            path: incoming.path.clone(),
            query: incoming.query.clone(),
            headers: incoming.headers.clone(),
            body: incoming.body.clone(),
            status: 0,
            error_type: None,
            error: None,
        });
        let delay = match api_of(&incoming.path) {
            Some(Api::Page) => Duration::ZERO,
            _ => st
                .cfg
                .route_delays
                .iter()
                .find(|(r, _)| *r == incoming.path)
                .map(|(_, d)| *d)
                .unwrap_or(st.cfg.delay),
        };
        let drip = st
            .cfg
            .drip
            .filter(|_| api_of(&incoming.path) != Some(Api::Page));
        (st.requests.len() - 1, delay, drip)
    };
    if !delay.is_zero() {
        thread::sleep(delay);
    }

    let reply = catch_unwind(AssertUnwindSafe(|| {
        let mut st = shared.lock();
        st.handle(&shared.url, &incoming)
    }))
    .unwrap_or_else(|_| {
        let mut r = Reply::json(
            500,
            json!({ "message": "mock server bug: handler panicked" }),
        );
        r.error_type = Some("InternalServerException".into());
        r
    });

    let reply_delay = {
        let mut st = shared.lock();
        if let Some(rec) = st.requests.get_mut(index) {
            rec.status = reply.status;
            rec.error_type = reply.error_type.clone();
            rec.error = reply.error.clone();
        }
        st.cfg
            .reply_delays
            .iter()
            .find(|(r, _)| *r == incoming.path)
            .map(|(_, d)| *d)
    };
    if let Some(d) = reply_delay {
        thread::sleep(d);
    }

    let request_id = format!("mock-{:016x}", random_u64());
    let mut headers = reply.headers;
    if !reply.body.is_empty() {
        headers.push(("Content-Type".into(), reply.content_type.into()));
    }
    headers.push(("x-amzn-RequestId".into(), request_id));
    if let Some(every) = drip {
        let mut raw = format!("HTTP/1.1 {} Mock\r\n", reply.status);
        for (name, value) in &headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            reply.body.len()
        ));
        let mut writer = rq.into_writer();
        for byte in raw.into_bytes().into_iter().chain(reply.body) {
            if writer
                .write_all(&[byte])
                .and_then(|()| writer.flush())
                .is_err()
            {
                return; // the client gave up
            }
            thread::sleep(every);
        }
        return;
    }
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    for (name, value) in headers {
        match tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            Ok(h) => response.add_header(h),
            Err(()) => {
                response = tiny_http::Response::from_data(b"unencodable header".to_vec())
                    .with_status_code(500);
                break;
            }
        }
    }
    let _ = rq.respond(response);
}

impl State {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn handle(&mut self, base_url: &str, rq: &Incoming) -> Reply {
        let Some(api) = api_of(&rq.path) else {
            return portal_error(404, "UnknownOperationException", "Not Found");
        };
        if let Some(kind) = self.take_fault(&rq.path, api) {
            return match (kind, api) {
                (FaultKind::Throttle, Api::Portal) => {
                    portal_error(429, "TooManyRequestsException", "Rate exceeded")
                }
                (FaultKind::Throttle, _) => oidc_error("too_many_requests", "Rate exceeded"),
                (FaultKind::Fail, Api::Portal) => portal_error(
                    500,
                    "InternalServerException",
                    "Internal failure (mock fault)",
                ),
                (FaultKind::Fail, _) => oidc_error("server_error", "Internal failure (mock fault)"),
                (FaultKind::Echo, _) => self.echo(rq),
            };
        }
        if !rq.body_ok {
            return match api {
                Api::Portal => {
                    portal_error(400, "InvalidRequestException", "Unreadable request body")
                }
                _ => oidc_error("invalid_request", "Unreadable request body"),
            };
        }
        let expected = match rq.path.as_str() {
            routes::AUTHORIZE
            | routes::DEVICE_PAGE
            | routes::CREDENTIALS
            | routes::ACCOUNTS
            | routes::ROLES => "GET",
            _ => "POST",
        };
        if rq.method != expected {
            let msg = format!(
                "{} is not allowed on {}; use {expected}",
                rq.method, rq.path
            );
            let mut r = match api {
                Api::Portal => portal_error(405, "UnknownOperationException", &msg),
                Api::Oidc => oidc_error("invalid_request", &msg),
                Api::Page => Reply::page(405, "Method not allowed", &msg),
            };
            r.status = 405;
            return r;
        }
        match rq.path.as_str() {
            routes::REGISTER => self.register(rq),
            routes::DEVICE_AUTHORIZATION => self.device_authorization(base_url, rq),
            routes::TOKEN => self.token(rq),
            routes::AUTHORIZE => self.authorize(rq),
            routes::DEVICE_PAGE => self.device_page(rq),
            routes::CREDENTIALS => self.credentials(rq),
            routes::ACCOUNTS => self.list_accounts(rq),
            routes::ROLES => self.list_roles(rq),
            routes::LOGOUT => self.logout(rq),
            _ => portal_error(404, "UnknownOperationException", "Not Found"),
        }
    }

    fn take_fault(&mut self, path: &str, api: Api) -> Option<FaultKind> {
        let idx = self.faults.iter().position(|f| match &f.route {
            Some(r) => r == path,
            None => api != Api::Page,
        })?;
        let fault = &mut self.faults[idx];
        let kind = fault.kind;
        fault.remaining -= 1;
        if fault.remaining == 0 {
            self.faults.remove(idx);
        }
        Some(kind)
    }

    fn echo(&mut self, rq: &Incoming) -> Reply {
        let mut secrets: Vec<String> = rq
            .header(BEARER_HEADER)
            .map(str::to_string)
            .into_iter()
            .collect();
        if let Ok(body) = json_object(&rq.body) {
            for key in [
                "clientSecret",
                "deviceCode",
                "refreshToken",
                "code",
                "codeVerifier",
            ] {
                if let Some(v) = body.get(key).and_then(Value::as_str) {
                    secrets.push(v.to_string());
                }
            }
        }
        let mut message = String::from("you sent:");
        for secret in &secrets {
            let json = Value::from(secret.as_str()).to_string().replace('/', "\\/");
            let _ = write!(message, " {secret} {} {json}", url_encode(secret));
        }
        let header: String = secrets
            .iter()
            .flat_map(|s| s.chars())
            .filter(|c| c.is_ascii_graphic() && *c != ':')
            .collect();
        self.echoed.extend(secrets);
        let mut r = Reply::json(400, json!({ "message": message }));
        r.headers.push((
            "x-amzn-ErrorType".into(),
            format!("Echo{header}:{OIDC_NAMESPACE}"),
        ));
        r.error_type = Some("Echo".into());
        r
    }

    // ---- sso-oidc ---------------------------------------------------------------------------

    fn register(&mut self, rq: &Incoming) -> Reply {
        let body = match json_object(&rq.body) {
            Ok(b) => b,
            Err(e) => return oidc_error("invalid_request", &e),
        };
        let client_name = match body.get("clientName").and_then(Value::as_str) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => return oidc_error("invalid_request", "clientName is required"),
        };
        let client_type = match body.get("clientType").and_then(Value::as_str) {
            Some(s) => s.to_string(),
            None => return oidc_error("invalid_request", "clientType is required"),
        };
        if client_type != "public" {
            return oidc_error("invalid_client_metadata", "clientType must be public");
        }
        let list = |key: &str| -> Result<Option<Vec<String>>, String> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or(format!("{key} must hold strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(format!("{key} must be a list of strings")),
            }
        };
        let (scopes, grant_types, redirect_uris) =
            match (list("scopes"), list("grantTypes"), list("redirectUris")) {
                (Ok(s), Ok(g), Ok(r)) => (s, g, r),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return oidc_error("invalid_request", &e);
                }
            };
        let issuer_url = match body.get("issuerUrl") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return oidc_error("invalid_request", "issuerUrl must be a string"),
        };
        if let Some(grants) = &grant_types {
            for g in grants {
                if !matches!(
                    g.as_str(),
                    "authorization_code" | "refresh_token" | DEVICE_CODE_GRANT
                ) {
                    return oidc_error("invalid_request", &format!("unsupported grant type {g}"));
                }
            }
            if grants.iter().any(|g| g == "authorization_code") {
                match &redirect_uris {
                    Some(uris) if !uris.is_empty() => {}
                    _ => {
                        return oidc_error(
                            "invalid_redirect_uri",
                            "redirectUris are required for authorization_code",
                        );
                    }
                }
            }
        }
        if let Some(uris) = &redirect_uris
            && let Some(bad) = uris
                .iter()
                .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
        {
            return oidc_error(
                "invalid_redirect_uri",
                &format!("invalid redirect URI {bad}"),
            );
        }
        let n = self.next();
        let issued_at = now_secs();
        let client = RegisteredClient {
            client_id: format!("mockclient{n}{}", random_hex(8)),
            client_secret: format!("mocksecret.{n}.{}", random_hex(24)),
            client_name,
            client_type,
            scopes,
            grant_types,
            redirect_uris,
            issuer_url,
            issued_at,
            expires_at: issued_at + self.cfg.client_secret_ttl,
        };
        let reply = json!({
            "clientId": client.client_id,
            "clientSecret": client.client_secret,
            "clientIdIssuedAt": client.issued_at,
            "clientSecretExpiresAt": client.expires_at,
        });
        self.clients.insert(client.client_id.clone(), client);
        Reply::json(200, reply)
    }

    /// Checks clientId/clientSecret; the client's id on success.
    fn authenticate(&self, body: &serde_json::Map<String, Value>) -> Result<String, Reply> {
        let client_id = body.get("clientId").and_then(Value::as_str);
        let client_secret = body.get("clientSecret").and_then(Value::as_str);
        let (Some(client_id), Some(client_secret)) = (client_id, client_secret) else {
            return Err(oidc_error(
                "invalid_request",
                "clientId and clientSecret are required",
            ));
        };
        match self.clients.get(client_id) {
            None => Err(oidc_error("invalid_client", "Unknown client")),
            Some(c) if c.client_secret != client_secret => {
                Err(oidc_error("invalid_client", "Invalid client secret"))
            }
            Some(c) if now_secs() >= c.expires_at => {
                Err(oidc_error("invalid_client", "Client is expired"))
            }
            Some(c) => Ok(c.client_id.clone()),
        }
    }

    fn client_allows(&self, client_id: &str, grant: &str) -> bool {
        match self
            .clients
            .get(client_id)
            .and_then(|c| c.grant_types.as_ref())
        {
            None => grant != "authorization_code",
            Some(grants) => grants.iter().any(|g| g == grant),
        }
    }

    fn device_authorization(&mut self, base_url: &str, rq: &Incoming) -> Reply {
        let body = match json_object(&rq.body) {
            Ok(b) => b,
            Err(e) => return oidc_error("invalid_request", &e),
        };
        let client_id = match self.authenticate(&body) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let start_url = match body.get("startUrl").and_then(Value::as_str) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => return oidc_error("invalid_request", "startUrl is required"),
        };
        if !self.client_allows(&client_id, DEVICE_CODE_GRANT) {
            return oidc_error(
                "unauthorized_client",
                "The client is not registered for the device code grant",
            );
        }
        let n = self.next();
        let device_code = format!("mockdevice{n}{}", random_hex(16));
        let user_code = loop {
            let code = random_user_code();
            if !self.devices.iter().any(|d| d.user_code == code) {
                break code;
            }
        };
        let (interval, ttl) = (self.cfg.interval, self.cfg.device_code_ttl);
        self.devices.push(Device {
            device_code: device_code.clone(),
            user_code: user_code.clone(),
            client_id,
            start_url,
            expires_at_ms: now_ms() + ttl * 1000,
            state: DeviceState::Pending,
            interval,
            last_poll: None,
        });
        self.device_authorizations += 1;
        let complete =
            self.cfg.shown_verification_uri.clone().unwrap_or_else(|| {
                format!("{base_url}/device?user_code={}", url_encode(&user_code))
            });
        let user_code = self.cfg.shown_user_code.clone().unwrap_or(user_code);
        Reply::json(
            200,
            json!({
                "deviceCode": device_code,
                "userCode": user_code,
                "verificationUri": format!("{base_url}/device"),
                "verificationUriComplete": complete,
                "expiresIn": ttl,
                "interval": interval,
            }),
        )
    }

    fn device_page(&mut self, rq: &Incoming) -> Reply {
        let Some(code) = rq.param("user_code").filter(|c| !c.is_empty()) else {
            return Reply::page(400, "Missing code", "No user_code was given.");
        };
        let auto_approve = self.cfg.auto_approve;
        let now = now_ms();
        let Some(device) = self
            .devices
            .iter_mut()
            .find(|d| d.user_code.eq_ignore_ascii_case(code))
        else {
            return Reply::page(400, "Invalid code", "This code is not valid.");
        };
        if now >= device.expires_at_ms {
            return Reply::page(
                400,
                "Expired code",
                "This code has expired. Start the login again.",
            );
        }
        match device.state {
            DeviceState::Pending if auto_approve => {
                device.state = DeviceState::Approved;
                Reply::page(
                    200,
                    "Request approved",
                    "You may close this window and return to the terminal.",
                )
            }
            DeviceState::Pending => {
                Reply::page(200, "Waiting for approval", "Auto-approve is off.")
            }
            DeviceState::Approved | DeviceState::Consumed => Reply::page(
                200,
                "Request approved",
                "This request was already approved.",
            ),
            DeviceState::Denied => Reply::page(200, "Request denied", "This request was denied."),
        }
    }

    fn token(&mut self, rq: &Incoming) -> Reply {
        let body = match json_object(&rq.body) {
            Ok(b) => b,
            Err(e) => return oidc_error("invalid_request", &e),
        };
        let Some(grant) = body
            .get("grantType")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return oidc_error("invalid_request", "grantType is required");
        };
        let client_id = match self.authenticate(&body) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let field = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        match grant.as_str() {
            DEVICE_CODE_GRANT => {
                let Some(device_code) = field("deviceCode") else {
                    return oidc_error("invalid_request", "deviceCode is required");
                };
                self.device_token(&client_id, device_code)
            }
            "authorization_code" => {
                let (Some(code), Some(redirect_uri), Some(verifier)) =
                    (field("code"), field("redirectUri"), field("codeVerifier"))
                else {
                    return oidc_error(
                        "invalid_request",
                        "code, redirectUri and codeVerifier are required",
                    );
                };
                if !self.client_allows(&client_id, "authorization_code") {
                    return oidc_error(
                        "unauthorized_client",
                        "The client is not registered for authorization_code",
                    );
                }
                // Single use: the code is gone whatever the outcome.
                let Some(issued) = self.auth_codes.remove(code) else {
                    return oidc_error("invalid_grant", "Invalid authorization code");
                };
                if issued.client_id != client_id
                    || issued.redirect_uri != redirect_uri
                    || now_ms() >= issued.expires_at_ms
                    || pkce_challenge(verifier) != issued.challenge
                {
                    return oidc_error("invalid_grant", "Invalid authorization code");
                }
                self.issue_tokens(&client_id, self.wants_refresh(&client_id))
            }
            "refresh_token" => {
                let Some(refresh) = field("refreshToken") else {
                    return oidc_error("invalid_request", "refreshToken is required");
                };
                if !self.client_allows(&client_id, "refresh_token") {
                    return oidc_error(
                        "unauthorized_client",
                        "The client is not registered for refresh_token",
                    );
                }
                match self.refresh_tokens.get(refresh) {
                    Some(owner) if *owner == client_id => {}
                    _ => return oidc_error("invalid_grant", "Invalid refresh token"),
                }
                self.refresh_tokens.remove(refresh);
                self.issue_tokens(&client_id, true)
            }
            _ => oidc_error(
                "unsupported_grant_type",
                &format!("Unsupported grant type {grant}"),
            ),
        }
    }

    fn device_token(&mut self, client_id: &str, device_code: &str) -> Reply {
        if !self.client_allows(client_id, DEVICE_CODE_GRANT) {
            return oidc_error(
                "unauthorized_client",
                "The client is not registered for the device code grant",
            );
        }
        let now = now_ms();
        let enforce = self.cfg.enforce_interval;
        let Some(device) = self
            .devices
            .iter_mut()
            .find(|d| d.device_code == device_code && d.client_id == client_id)
        else {
            return oidc_error("invalid_grant", "Invalid device code provided");
        };
        if device.state == DeviceState::Consumed {
            return oidc_error("invalid_grant", "Invalid device code provided");
        }
        if now >= device.expires_at_ms {
            return oidc_error("expired_token", "Device code has expired");
        }
        let too_soon = enforce
            && device
                .last_poll
                .is_some_and(|t| t.elapsed() < Duration::from_secs(device.interval));
        device.last_poll = Some(Instant::now());
        if too_soon {
            device.interval += 5;
            return oidc_error("slow_down", "Client is polling too quickly");
        }
        if self.slow_down > 0 {
            self.slow_down -= 1;
            return oidc_error("slow_down", "Client is polling too quickly");
        }
        match device.state {
            DeviceState::Pending => {
                oidc_error("authorization_pending", "Authorization is still pending")
            }
            DeviceState::Denied => oidc_error("access_denied", "The user denied the request"),
            DeviceState::Consumed => oidc_error("invalid_grant", "Invalid device code provided"),
            DeviceState::Approved => {
                device.state = DeviceState::Consumed;
                let refresh = self.wants_refresh(client_id);
                self.issue_tokens(client_id, refresh)
            }
        }
    }

    fn wants_refresh(&self, client_id: &str) -> bool {
        match self.cfg.refresh_tokens {
            RefreshTokenPolicy::Always => true,
            RefreshTokenPolicy::Never => false,
            RefreshTokenPolicy::Realistic => self.clients.get(client_id).is_some_and(|c| {
                c.scopes.as_ref().is_some_and(|s| !s.is_empty())
                    || c.grant_types
                        .as_ref()
                        .is_some_and(|g| g.iter().any(|g| g == "refresh_token"))
            }),
        }
    }

    fn issue_tokens(&mut self, client_id: &str, with_refresh: bool) -> Reply {
        let n = self.next();
        let access_token = format!("aoaMOCK{n}{}", random_hex(24));
        let refresh_token = with_refresh.then(|| format!("aorMOCK{n}{}", random_hex(24)));
        let ttl = self.cfg.access_token_ttl;
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                client_id: client_id.to_string(),
                expires_at_ms: now_ms() + ttl * 1000,
                refresh_token: refresh_token.clone(),
            },
        );
        let mut body = json!({
            "accessToken": access_token,
            "tokenType": "Bearer",
            "expiresIn": ttl,
        });
        if let Some(refresh) = refresh_token {
            self.refresh_tokens
                .insert(refresh.clone(), client_id.to_string());
            body["refreshToken"] = json!(refresh);
        }
        if self.cfg.id_token {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let claims = URL_SAFE_NO_PAD.encode(
                json!({ "sub": "mock-user", "aud": client_id, "iat": now_secs() }).to_string(),
            );
            body["idToken"] = json!(format!("{header}.{claims}."));
        }
        Reply::json(200, body)
    }

    fn authorize(&mut self, rq: &Incoming) -> Reply {
        let Some(client_id) = rq.param("client_id").filter(|s| !s.is_empty()) else {
            return Reply::page(400, "Invalid request", "client_id is required.");
        };
        let Some(client) = self.clients.get(client_id) else {
            return Reply::page(400, "Invalid request", "Unknown client.");
        };
        let Some(redirect_uri) = rq.param("redirect_uri").filter(|s| !s.is_empty()) else {
            return Reply::page(400, "Invalid request", "redirect_uri is required.");
        };
        let registered = client.redirect_uris.as_deref().unwrap_or_default();
        if !registered
            .iter()
            .any(|r| redirect_uri_matches(r, redirect_uri))
        {
            return Reply::page(
                400,
                "Invalid request",
                "redirect_uri is not registered for this client.",
            );
        }
        if now_secs() >= client.expires_at {
            return Reply::page(
                400,
                "Invalid request",
                "The client registration has expired.",
            );
        }
        let state = rq.param("state");
        let redirect_error = |error: &str, description: &str| {
            let mut q = format!(
                "error={}&error_description={}",
                url_encode(error),
                url_encode(description)
            );
            if let Some(state) = state {
                let _ = write!(q, "&state={}", url_encode(state));
            }
            Reply::redirect(append_query(redirect_uri, &q))
        };
        if rq.param("response_type") != Some("code") {
            return redirect_error("unsupported_response_type", "response_type must be code");
        }
        if rq.param("code_challenge_method") != Some("S256") {
            return redirect_error("invalid_request", "code_challenge_method must be S256");
        }
        let Some(challenge) = rq.param("code_challenge").filter(|s| !s.is_empty()) else {
            return redirect_error("invalid_request", "code_challenge is required");
        };
        if !self.client_allows(client_id, "authorization_code") {
            return redirect_error(
                "unauthorized_client",
                "The client is not registered for authorization_code",
            );
        }
        if self.cfg.deny_authorize {
            return redirect_error("access_denied", "The user denied the request");
        }
        let n = self.next();
        let code = format!("mockcode{n}{}", random_hex(16));
        self.auth_codes.insert(
            code.clone(),
            AuthCode {
                client_id: client_id.to_string(),
                redirect_uri: redirect_uri.to_string(),
                challenge: challenge.to_string(),
                expires_at_ms: now_ms() + AUTH_CODE_TTL_MS,
            },
        );
        let mut q = format!("code={}", url_encode(&code));
        if let Some(state) = state {
            let _ = write!(q, "&state={}", url_encode(state));
        }
        let location = append_query(redirect_uri, &q);
        if self.cfg.auto_approve {
            Reply::redirect(location)
        } else {
            self.pending_redirects.push(location);
            Reply::page(200, "Waiting for approval", "Auto-approve is off.")
        }
    }

    // ---- portal -----------------------------------------------------------------------------

    fn bearer(&self, rq: &Incoming) -> Result<String, Reply> {
        let unauthorized = || {
            portal_error(
                401,
                "UnauthorizedException",
                "Session token not found or invalid",
            )
        };
        let token = rq
            .header(BEARER_HEADER)
            .filter(|t| !t.is_empty())
            .ok_or_else(unauthorized)?;
        match self.access_tokens.get(token) {
            Some(t) if now_ms() < t.expires_at_ms => Ok(token.to_string()),
            _ => Err(unauthorized()),
        }
    }

    fn not_found(&self, what: &str) -> Reply {
        if self.cfg.unknown_role_forbidden {
            portal_error(403, "ForbiddenException", "No access")
        } else {
            portal_error(404, "ResourceNotFoundException", what)
        }
    }

    fn credentials(&mut self, rq: &Incoming) -> Reply {
        let role = rq.param("role_name").filter(|s| !s.is_empty());
        let account = rq.param("account_id").filter(|s| !s.is_empty());
        let (Some(role), Some(account_id)) = (role, account) else {
            return portal_error(
                400,
                "InvalidRequestException",
                "role_name and account_id are required",
            );
        };
        if let Err(r) = self.bearer(rq) {
            return r;
        }
        let known = self
            .accounts
            .iter()
            .any(|a| a.account_id == account_id && a.roles.iter().any(|r| r == role));
        if !known {
            return self.not_found("The requested role or account was not found");
        }
        let n = self.next();
        self.credentials_issued += 1;
        let cfg = &self.cfg;
        let access_key_id = cfg
            .access_key_id
            .clone()
            .unwrap_or_else(|| format!("ASIAMOCK{n:012}"));
        let secret = cfg
            .secret_access_key
            .clone()
            .unwrap_or_else(|| format!("mockSecret{n:06}/{}+Key", random_hex(12)));
        let session_token = cfg
            .session_token
            .clone()
            .unwrap_or_else(|| format!("IQoJb3JpZ2luX2VjMOCK{n}/{}+session==", random_hex(32)));
        let expiration = cfg
            .role_credentials_expiration_ms
            .unwrap_or_else(|| now_ms() + cfg.role_credentials_ttl * 1000);
        Reply::json(
            200,
            json!({
                "roleCredentials": {
                    "accessKeyId": access_key_id,
                    "secretAccessKey": secret,
                    "sessionToken": session_token,
                    "expiration": expiration,
                }
            }),
        )
    }

    /// `(offset, page size)` from `next_token` and `max_result`.
    fn page(&self, rq: &Incoming) -> Result<(usize, usize), Reply> {
        let invalid = |m: &str| portal_error(400, "InvalidRequestException", m);
        let size = match rq.param("max_result") {
            None => self.cfg.default_page_size,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(invalid("max_result must be a number from 1 to 100")),
            },
        };
        let offset = match rq.param("next_token") {
            None | Some("") => 0,
            Some(t) => decode_page_token(t).ok_or_else(|| invalid("Invalid next_token"))?,
        };
        Ok((offset, size.min(self.cfg.max_page_size)))
    }

    fn list_accounts(&mut self, rq: &Incoming) -> Reply {
        let (offset, size) = match self.page(rq) {
            Ok(p) => p,
            Err(r) => return r,
        };
        if let Err(r) = self.bearer(rq) {
            return r;
        }
        if let Some(name_bytes) = self.cfg.endless_pages {
            let items: Vec<Value> = (offset..offset + size)
                .map(|i| json!({ "accountId": format!("{i:012}"), "accountName": format!("{i:0>name_bytes$}"), "emailAddress": format!("{i}@example.com") }))
                .collect();
            return Reply::json(
                200,
                paginate("accountList", items, 0, size).with_next(offset + size),
            );
        }
        let items: Vec<Value> = self
            .accounts
            .iter()
            .map(|a| json!({ "accountId": a.account_id, "accountName": a.account_name, "emailAddress": a.email_address }))
            .collect();
        Reply::json(200, paginate("accountList", items, offset, size))
    }

    fn list_roles(&mut self, rq: &Incoming) -> Reply {
        let Some(account_id) = rq.param("account_id").filter(|s| !s.is_empty()) else {
            return portal_error(400, "InvalidRequestException", "account_id is required");
        };
        let (offset, size) = match self.page(rq) {
            Ok(p) => p,
            Err(r) => return r,
        };
        if let Err(r) = self.bearer(rq) {
            return r;
        }
        if self.cfg.endless_pages.is_some() {
            let items: Vec<Value> = (offset..offset + size)
                .map(|i| json!({ "roleName": format!("Role{i}"), "accountId": account_id }))
                .collect();
            return Reply::json(
                200,
                paginate("roleList", items, 0, size).with_next(offset + size),
            );
        }
        let Some(account) = self.accounts.iter().find(|a| a.account_id == account_id) else {
            return self.not_found("The requested account was not found");
        };
        let items: Vec<Value> = account
            .roles
            .iter()
            .map(|r| json!({ "roleName": r, "accountId": account.account_id }))
            .collect();
        Reply::json(200, paginate("roleList", items, offset, size))
    }

    fn logout(&mut self, rq: &Incoming) -> Reply {
        let token = match self.bearer(rq) {
            Ok(t) => t,
            Err(r) => return r,
        };
        if let Some(t) = self.access_tokens.remove(&token)
            && let Some(refresh) = t.refresh_token
        {
            self.refresh_tokens.remove(&refresh);
        }
        Reply::empty(200)
    }
}

fn paginate(key: &str, items: Vec<Value>, offset: usize, size: usize) -> Value {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let mut body = serde_json::Map::new();
    body.insert(key.to_string(), Value::Array(page));
    if offset.saturating_add(size) < total {
        body.insert("nextToken".into(), json!(encode_page_token(offset + size)));
    }
    Value::Object(body)
}

trait WithNext {
    fn with_next(self, offset: usize) -> Value;
}

impl WithNext for Value {
    /// Adds a `nextToken` for the page at `offset`.
    fn with_next(mut self, offset: usize) -> Value {
        if let Some(body) = self.as_object_mut() {
            body.insert("nextToken".into(), json!(encode_page_token(offset)));
        }
        self
    }
}

fn encode_page_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("mock-page:{offset}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("mock-page:")?
        .parse()
        .ok()
}

fn json_object(body: &str) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("The request body must be a JSON object".into()),
        Err(e) => Err(format!("The request body is not valid JSON: {e}")),
    }
}

fn append_query(uri: &str, query: &str) -> String {
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}

/// Exact match, or (RFC 8252 §7.3) loopback URIs that differ only by port: clients register
/// `http://127.0.0.1/oauth/callback` and authorize with `http://127.0.0.1:PORT/oauth/callback`.
fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    fn split(uri: &str) -> Option<(&str, &str)> {
        let rest = uri.strip_prefix("http://")?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next()?,
            None => authority.split(':').next()?,
        };
        matches!(host, "127.0.0.1" | "localhost" | "::1").then_some((host, path))
    }
    match (split(registered), split(requested)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
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

fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes::<8>())
}

fn random_hex(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes * 2);
    for _ in 0..bytes.div_ceil(8) {
        let _ = write!(s, "{:016x}", random_u64());
    }
    s.truncate(bytes * 2);
    s
}

fn random_user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let raw = random_bytes::<8>();
    let chars: String = raw
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}
