//! A mock AWS IAM Identity Center for tests and for `cargo run --example mock_sso`.
//!
//! One HTTP server on 127.0.0.1 speaks both APIs that ssoenv uses, shaped like the real service:
//!
//! * sso-oidc (`oidc.rs`): `POST /client/register`, `POST /device_authorization`, `POST /token`,
//!   `GET /authorize` (PKCE, answers with a 302 to the loopback redirect URI), and the
//!   verification page `GET /device?user_code=...` (visiting it approves the code);
//! * the portal (`portal.rs`): `GET /federation/credentials`, `GET /assignment/accounts`,
//!   `GET /assignment/roles`, `POST /logout`, bearer token in `x-amz-sso_bearer_token`;
//! * the console sign-in endpoint (`federation.rs`): `GET /federation` (getSigninToken, login).
//! * the sign-in service of `aws login` (`signin.rs`): `POST /v1/token`, `GET /v1/authorize`,
//!   every DPoP proof verified.
//! * STS (`sts.rs`): `POST /` `Action=AssumeRole`, each SigV4 signature verified.
//!
//! This file holds the server (one thread a request, so concurrent clients never wait for each
//! other), the routing, the faults and delays any route can be given, and `MockSso`, the handle
//! tests hold. `state.rs` holds the configuration and everything the services remember, behind
//! one mutex, so every knob is a `&self` method and can be turned while the server runs;
//! `http.rs` the request and reply types. A new service (STS, a sign-in endpoint) is one more
//! file like `portal.rs`: its `ROUTES`, its handlers on `State`, its knobs on `MockSso`; list
//! its paths in [`routes`] and its table in `ROUTES` below.
//!
//! Nothing on the request path unwraps request input: bad input gets a 400 of the right shape.
//! Times: knobs that are protocol lifetimes take whole seconds (`*_secs`, `u64`); epoch values
//! handed out (`expires_at`...) are epoch seconds; `delay` is a `Duration`.
#![allow(dead_code)]

mod federation;
mod http;
mod oidc;
mod portal;
mod signin;
mod state;
mod sts;

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

// The mock's surface: each user (the test binary, the example) takes a different part of it.
#[allow(unused_imports)]
pub use federation::ConsoleLogin;
#[allow(unused_imports)]
pub use http::{RecordedRequest, parse_query, query_string, url_encode};
#[allow(unused_imports)]
pub use oidc::{
    ACCOUNT_ACCESS_SCOPE, DEVICE_CODE_GRANT, DeviceCodeInfo, DeviceState, RefreshTokenPolicy,
    RegisteredClient, SEEDED_REDIRECT_URI, SeededSession, pkce_challenge,
};
#[allow(unused_imports)]
pub use portal::{Account, BEARER_HEADER, default_accounts, generate_accounts};
#[allow(unused_imports)]
pub use signin::{DEFAULT_LOGIN_ARN, SIGNIN_AUTHORIZE, SIGNIN_TOKEN, SeededLogin};
#[allow(unused_imports)]
pub use state::{MockSsoBuilder, format_utc, now_ms, now_secs};
#[allow(unused_imports)]
pub use sts::{StsCall, StsRole, verify as sigv4_verify};

use http::{Incoming, Reply, json_object};
use oidc::OIDC_NAMESPACE;
use state::{Fault, FaultKind, Shared, State, random_u64};

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
    pub const FEDERATION: &str = "/federation";
    pub const STS: &str = "/";
}

/// A string meant to break naive shell quoting: quotes of every kind, `$(...)`, backticks,
/// backslashes, `%`, `!`, `^`, `;`, `&`, `|`, and the curly quotes PowerShell treats as `'`.
/// Evaluated unquoted by any shell, it would run `exit 42`.
pub const HOSTILE_VALUE: &str = "a'b\"c$(exit 42)`exit 42`d\\e%PATH%!f!^g;exit 42&h|i\u{2018}j\u{2019}k\u{201A}l\u{201B}m $HOME";

/// Every route the mock serves, service by service.
const ROUTES: &[&[Route]] = &[
    oidc::ROUTES,
    portal::ROUTES,
    federation::ROUTES,
    signin::ROUTES,
    sts::ROUTES,
];

/// One path: the one method it takes, its handler, and how its service words the failures the
/// mock raises before any handler runs.
struct Route {
    path: &'static str,
    method: &'static str,
    /// A page a person's browser visits: faults and delays set for every route spare it.
    page: bool,
    handle: fn(&mut State, &Incoming) -> Reply,
    error: fn(Failure) -> Reply,
}

/// What goes wrong before a handler runs.
enum Failure {
    /// A throttle fault (429).
    Throttled,
    /// A failure fault (500).
    Failed,
    /// The body could not be read.
    Unreadable,
    /// Another method than the route's, with the message to show.
    WrongMethod(String),
}

/// The route of `path`; a path belongs to one route only.
fn route(path: &str) -> Option<&'static Route> {
    ROUTES.iter().copied().flatten().find(|r| r.path == path)
}

impl MockSsoBuilder {
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
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(url.clone(), self.cfg, self.accounts)),
            url,
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

impl MockSso {
    /// A mock with the defaults, on a free port.
    pub fn start() -> MockSso {
        MockSso::builder().start()
    }

    pub fn builder() -> MockSsoBuilder {
        MockSsoBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO` and
    /// `AWS_ENDPOINT_URL_STS`.
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
            ("AWS_ENDPOINT_URL_SIGNIN", self.url()),
            ("AWS_ENDPOINT_URL_STS", self.url()),
        ]
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    // ---- faults and delays on any route -----------------------------------------------------

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

    /// Handle requests to `route` at once but hold the reply back by `d`: the service has acted
    /// (a token rotated, credentials issued) while the client still waits.
    pub fn set_reply_delay_on(&self, route: &str, d: Duration) {
        let mut st = self.state();
        st.cfg.reply_delays.retain(|(r, _)| r != route);
        st.cfg.reply_delays.push((route.to_string(), d));
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

fn serve(shared: &Shared, mut rq: tiny_http::Request) {
    let incoming = Incoming::read(&mut rq);
    let page = route(&incoming.path).is_some_and(|r| r.page);
    let (index, delay, drip) = {
        let mut st = shared.lock();
        st.requests.push(incoming.record());
        let delay = if page {
            Duration::ZERO
        } else {
            st.cfg
                .route_delays
                .iter()
                .find(|(r, _)| *r == incoming.path)
                .map(|(_, d)| *d)
                .unwrap_or(st.cfg.delay)
        };
        let drip = st.cfg.drip.filter(|_| !page);
        (st.requests.len() - 1, delay, drip)
    };
    if !delay.is_zero() {
        thread::sleep(delay);
    }

    let reply = catch_unwind(AssertUnwindSafe(|| handle(&mut shared.lock(), &incoming)))
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

    reply.send(rq, format!("mock-{:016x}", random_u64()), drip);
}

/// The reply to `rq`: a fault if one is due, a refusal of an unreadable body or a wrong
/// method, else what the route's handler answers.
fn handle(st: &mut State, rq: &Incoming) -> Reply {
    let Some(route) = route(&rq.path) else {
        return portal::portal_error(404, "UnknownOperationException", "Not Found");
    };
    if let Some(kind) = st.take_fault(&rq.path, route.page) {
        return match kind {
            FaultKind::Throttle => (route.error)(Failure::Throttled),
            FaultKind::Fail => (route.error)(Failure::Failed),
            FaultKind::Echo => echo(st, rq),
        };
    }
    if !rq.body_ok {
        return (route.error)(Failure::Unreadable);
    }
    if rq.method != route.method {
        let msg = format!(
            "{} is not allowed on {}; use {}",
            rq.method, rq.path, route.method
        );
        let mut r = (route.error)(Failure::WrongMethod(msg));
        r.status = 405;
        return r;
    }
    (route.handle)(st, rq)
}

/// The `Echo` fault: a 400 that quotes back every secret the request carried, as sent,
/// URL-encoded and JSON-escaped (see [`MockSso::echo_secrets_next_on`]).
fn echo(st: &mut State, rq: &Incoming) -> Reply {
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
    st.echoed.extend(secrets);
    let mut r = Reply::json(400, json!({ "message": message }));
    r.headers.push((
        "x-amzn-ErrorType".into(),
        format!("Echo{header}:{OIDC_NAMESPACE}"),
    ));
    r.error_type = Some("Echo".into());
    r
}
