//! One HTTP agent for both services: timeouts, bounded retries with backoff and jitter, and error
//! replies decoded into what the service said. Every call, retries and pauses included, ends by
//! the command's deadline.

use std::fmt;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value};
use ureq::tls::{RootCerts, TlsConfig};

use crate::deadline::{Deadline, secs};
use crate::settings::{self, Settings};

/// A failed call: what the service answered, or why no answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The service answered with an error. `code` is the OIDC `error` field
    /// (`authorization_pending`, `invalid_grant`, ...) or, for the portal, the exception name
    /// from `x-amzn-ErrorType` before any `:` (`UnauthorizedException`, ...).
    Service {
        status: u16,
        code: String,
        message: String,
    },
    /// No usable answer: connection refused, timeout, TLS, a reply that is not the expected JSON.
    Transport { url: String, why: String },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Service { code, message, .. } if message.is_empty() => write!(f, "{code}"),
            ApiError::Service { code, message, .. } => write!(f, "{code}: {message}"),
            ApiError::Transport { url, why } => write!(f, "{url}: {why}"),
        }
    }
}

impl ApiError {
    /// What to check when no answer came: the `AWS_CA_BUNDLE` file, the endpoint override in
    /// force, or the network and the region the endpoints were built from. None when the service did answer: its error says why.
    pub fn network_hint(&self, sso_region: &str) -> Option<String> {
        match self {
            ApiError::Service { .. } => None,
            ApiError::Transport { why, .. } if why.starts_with(CA_BUNDLE) => Some(
                "fix the file AWS_CA_BUNDLE names (PEM certificates), or unset it to use the \
                 system's"
                    .into(),
            ),
            ApiError::Transport { url, .. } => {
                Some(match super::endpoint::override_behind(url, sso_region) {
                    Some(source) => format!(
                        "the endpoint comes from {source}: check that the server it names is \
                         running, or remove the override to reach IAM Identity Center in \
                         {sso_region}"
                    ),
                    None => {
                        format!("check your network, and that sso_region ({sso_region}) is right")
                    }
                })
            }
        }
    }

    /// A Transport error for `url`; the query string is dropped because it can carry account ids.
    pub(crate) fn transport(url: &str, why: impl Into<String>) -> ApiError {
        ApiError::Transport {
            url: super::endpoint::url_for_errors(url),
            why: why.into(),
        }
    }

    /// Removes every secret the request carried from every text field: a misbehaving (or
    /// hostile) server may echo a client secret, device code, refresh or bearer token.
    fn redact(self, secrets: &[&str]) -> ApiError {
        match self {
            ApiError::Service {
                status,
                code,
                message,
            } => ApiError::Service {
                status,
                code: redact(&code, secrets),
                message: redact(&message, secrets),
            },
            ApiError::Transport { url, why } => ApiError::Transport {
                url: redact(&url, secrets),
                why: redact(&why, secrets),
            },
        }
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const GLOBAL_TIMEOUT: Duration = Duration::from_secs(30);
const BUDGET_SETTING: &str = settings::COMMAND_TIMEOUT;
/// Error bodies are small; anything larger is not the service talking.
const MAX_BODY: u64 = 1 << 20;
const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

#[derive(Debug, Clone, Copy)]
struct RetryPolicy {
    retries: u32,
    base: Duration,
    cap: Duration,
    retry_after_cap: Duration,
}

impl RetryPolicy {
    const DEFAULT: RetryPolicy = RetryPolicy {
        retries: 3,
        base: Duration::from_millis(200),
        cap: Duration::from_secs(2),
        retry_after_cap: Duration::from_secs(5),
    };

    /// Full jitter (a uniform pick below the exponential ceiling) keeps many clients that failed
    /// together from retrying together; a server's `Retry-After` wins when it gave one.
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.retry_after_cap);
        }
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.cap);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let pick = match getrandom::u64() {
            Ok(r) => r % ceiling_ms.saturating_add(1),
            Err(_) => ceiling_ms,
        };
        Duration::from_millis(pick)
    }
}

pub struct Http {
    agent: ureq::Agent,
    connect_timeout: Duration,
    global_timeout: Duration,
    policy: RetryPolicy,
    /// The budget the deadline was made from and the setting that changes it, for messages.
    budget: Duration,
    budget_setting: &'static str,
    /// Moves only later, when a wait that is not the services' (a login) is taken out of it.
    deadline: Mutex<Deadline>,
    /// Why `AWS_CA_BUNDLE` could not be used: every request fails with it rather than trust
    /// roots the person did not choose.
    tls_problem: Option<String>,
}

/// What came back from one exchange, read in full so that a retry decision can be made on it.
struct Reply {
    status: u16,
    /// Where a redirect points (`location`), read only by `redirect`.
    location: Option<String>,
    error_type: Option<String>,
    retry_after: Option<Duration>,
    body: String,
}

/// Whether a request may be sent again after it may have reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Safe,
    /// Spends something (a refresh token the service rotates): sent again only when it provably
    /// never left (the connection was never made).
    OnlyUnsent,
}

enum Request<'a> {
    /// A GET that carries nothing: a start URL's redirect.
    Plain,
    /// A GET whose query carries these secrets (the sign-in federation's session).
    GetQuery {
        secrets: &'a [&'a str],
    },
    Get {
        bearer: &'a str,
    },
    PostJson {
        body: String,
        secrets: &'a [&'a str],
    },
    PostBearer {
        bearer: &'a str,
    },
    /// A JSON POST with one more header made afresh for each try (a DPoP proof, which the
    /// service accepts once).
    PostJsonProof {
        body: String,
        secrets: &'a [&'a str],
        header: &'static str,
        proof: &'a dyn Fn() -> String,
    },
    /// A signed form POST (STS's Query protocol): the headers to send as given, since they are
    /// signed.
    PostForm {
        headers: &'a [(&'a str, &'a str)],
        body: &'a str,
        secrets: &'a [&'a str],
    },
}

impl<'a> Request<'a> {
    /// What this request carries that no error may show: the bearer token, or what the caller
    /// declared of a JSON body.
    fn secrets(&self) -> &[&'a str] {
        match self {
            Request::Plain => &[],
            Request::GetQuery { secrets } => secrets,
            Request::Get { bearer } | Request::PostBearer { bearer } => {
                std::slice::from_ref(bearer)
            }
            Request::PostJson { secrets, .. }
            | Request::PostJsonProof { secrets, .. }
            | Request::PostForm { secrets, .. } => secrets,
        }
    }
}

const CA_BUNDLE: &str = settings::CA_BUNDLE;

/// The trust roots in a PEM bundle, as the AWS SDKs use `AWS_CA_BUNDLE`: instead of the
/// system's (a company's TLS-inspecting proxy is the usual reason to set it).
fn ca_bundle(path: &Path) -> Result<RootCerts, String> {
    let shown = format!("{CA_BUNDLE} ({})", path.display());
    let pem =
        std::fs::read(path).map_err(|e| format!("{shown}: {}", crate::error::describe_io(&e)))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("{shown}: not a PEM certificate bundle ({e})")),
        }
    }
    if certs.is_empty() {
        return Err(format!("{shown}: holds no PEM certificate"));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

impl Http {
    /// Connect timeout 10 s, whole-request timeout 30 s, or both `settings.http_timeout`.
    /// Retries 429, 5xx and connection failures up to 3 times. Everything ends within the
    /// command budget, `settings.command_timeout` from now. Trust roots: the system's, or the
    /// `AWS_CA_BUNDLE` file.
    pub fn new(settings: &Settings) -> Http {
        let (connect, global) = match settings.http_timeout {
            Some(t) => (t, t),
            None => (CONNECT_TIMEOUT, GLOBAL_TIMEOUT),
        };
        Http::build(
            connect,
            global,
            RetryPolicy::DEFAULT,
            settings.command_timeout,
            settings.ca_bundle.as_deref(),
        )
    }

    fn build(
        connect_timeout: Duration,
        global_timeout: Duration,
        policy: RetryPolicy,
        budget: Duration,
        bundle: Option<&Path>,
    ) -> Http {
        let (roots, tls_problem) = match bundle.map(ca_bundle) {
            None => (RootCerts::PlatformVerifier, None),
            Some(Ok(roots)) => (roots, None),
            Some(Err(why)) => (RootCerts::PlatformVerifier, Some(why)),
        };
        let tls = TlsConfig::builder().root_certs(roots).build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(connect_timeout))
            .timeout_global(Some(global_timeout))
            .user_agent(concat!("ssoenv/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            // ureq strips only `authorization` on a redirect, so following one would hand the
            // portal's bearer header to wherever the redirect points. The services never redirect.
            .max_redirects(0)
            .build();
        Http {
            agent: config.new_agent(),
            connect_timeout,
            global_timeout,
            policy,
            budget,
            budget_setting: BUDGET_SETTING,
            deadline: Mutex::new(Deadline::after(budget)),
            tls_problem,
        }
    }

    /// The same agent bound by `deadline` instead, which the setting `budget_setting` controls
    /// (a login: the person's wait has its own).
    pub fn with_deadline(&self, deadline: Deadline, budget_setting: &'static str) -> Http {
        Http {
            agent: self.agent.clone(),
            connect_timeout: self.connect_timeout,
            global_timeout: self.global_timeout,
            policy: self.policy,
            budget: deadline.left(),
            budget_setting,
            deadline: Mutex::new(deadline),
            tls_problem: self.tls_problem.clone(),
        }
    }

    pub fn deadline(&self) -> Deadline {
        *self.deadline.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the deadline `by` later: time the command spent not waiting on the services (a
    /// person signing in, a self-imposed rate ceiling) is given back.
    pub fn extend(&self, by: Duration) {
        let mut deadline = self.deadline.lock().unwrap_or_else(|e| e.into_inner());
        *deadline = deadline.extended(by);
    }

    /// POST a JSON body, expect a JSON object back (sso-oidc). `secrets`: every secret value
    /// in `body` (client secret, device code, refresh token...), which no error may show.
    pub fn post_json(&self, url: &str, body: &Value, secrets: &[&str]) -> Result<Value, ApiError> {
        self.post(url, body, secrets, Repeat::Safe)
    }

    /// As `post_json`, for a request that spends something (a refresh token): never sent twice
    /// unless the first try provably never reached the service.
    pub fn post_json_once(
        &self,
        url: &str,
        body: &Value,
        secrets: &[&str],
    ) -> Result<Value, ApiError> {
        self.post(url, body, secrets, Repeat::OnlyUnsent)
    }

    fn post(
        &self,
        url: &str,
        body: &Value,
        secrets: &[&str],
        repeat: Repeat,
    ) -> Result<Value, ApiError> {
        let request = Request::PostJson {
            body: body.to_string(),
            secrets,
        };
        self.call(url, &request, repeat)
            .and_then(|reply| json_object(url, reply, secrets))
    }

    /// As `post_json_once`, with header `header` set to `proof()`, made anew for each try (the
    /// sign-in service's DPoP proof: each is accepted once).
    pub fn post_json_once_with_proof(
        &self,
        url: &str,
        body: &Value,
        secrets: &[&str],
        header: &'static str,
        proof: &dyn Fn() -> String,
    ) -> Result<Value, ApiError> {
        let request = Request::PostJsonProof {
            body: body.to_string(),
            secrets,
            header,
            proof,
        };
        self.call(url, &request, Repeat::OnlyUnsent)
            .and_then(|reply| json_object(url, reply, secrets))
    }

    /// GET with the portal's bearer header `x-amz-sso_bearer_token`, expect a JSON object back.
    pub fn get_json(&self, url: &str, bearer: &str) -> Result<Value, ApiError> {
        self.call(url, &Request::Get { bearer }, Repeat::Safe)
            .and_then(|reply| json_object(url, reply, &[bearer]))
    }

    /// GET `url`, whose query carries `secrets` (none in a header), expect a JSON object back.
    /// Errors name the URL without its query, and show none of `secrets` in any encoding.
    pub fn get_json_query(&self, url: &str, secrets: &[&str]) -> Result<Value, ApiError> {
        self.call(url, &Request::GetQuery { secrets }, Repeat::Safe)
            .and_then(|reply| json_object(url, reply, secrets))
    }

    /// GET `url` with no credentials and without following a redirect: where its redirect
    /// points (3xx with a `location`), or None for any other answer. The caller decides whether
    /// to follow it, so that no hop it has not checked is ever requested.
    pub fn redirect(&self, url: &str) -> Result<Option<String>, ApiError> {
        let reply = self.call(url, &Request::Plain, Repeat::Safe)?;
        Ok(reply
            .location
            .filter(|_| (300..400).contains(&reply.status)))
    }

    /// POST a form with exactly `headers` (signed: SigV4), expect text back (STS, which answers
    /// XML). `secrets`: every secret the request carries (signature key material, session
    /// token), which no error may show.
    pub fn post_form(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
        secrets: &[&str],
    ) -> Result<String, ApiError> {
        let request = Request::PostForm {
            headers,
            body,
            secrets,
        };
        let reply = self.call(url, &request, Repeat::Safe)?;
        if (200..300).contains(&reply.status) {
            Ok(reply.body)
        } else {
            Err(decode_error(&reply, secrets))
        }
    }

    /// POST with the bearer header and no body; any 2xx is success (portal logout).
    pub fn post_bearer(&self, url: &str, bearer: &str) -> Result<(), ApiError> {
        let reply = self.call(url, &Request::PostBearer { bearer }, Repeat::Safe)?;
        if (200..300).contains(&reply.status) {
            Ok(())
        } else {
            Err(decode_error(&reply, &[bearer]))
        }
    }

    /// `execute`, with the request's secrets removed from any error: every request goes
    /// through here, and every error built from a reply goes through `decode_error`.
    fn call(&self, url: &str, request: &Request, repeat: Repeat) -> Result<Reply, ApiError> {
        self.execute(url, request, repeat)
            .map_err(|e| e.redact(request.secrets()))
    }

    /// Sends `request`, retrying what a retry may cure, and returns the last reply whatever its
    /// status; only a failure to get any reply is an error here. Each try gets what is left of
    /// the deadline at most, and no pause runs past it.
    fn execute(&self, url: &str, request: &Request, repeat: Repeat) -> Result<Reply, ApiError> {
        if let Some(why) = &self.tls_problem {
            return Err(ApiError::transport(url, why));
        }
        let deadline = self.deadline();
        let mut attempt = 0;
        loop {
            let left = deadline.left();
            if left.is_zero() {
                return Err(ApiError::transport(url, self.out_of_time()));
            }
            let outcome = self.exchange(url, request, left);
            let (retry, retry_after) = match &outcome {
                Ok(_) if repeat == Repeat::OnlyUnsent => (false, None),
                Ok(reply) => (
                    reply.status == 429 || reply.status >= 500 || throttled(reply),
                    reply.retry_after,
                ),
                Err(e) if repeat == Repeat::OnlyUnsent => (never_sent(e), None),
                Err(e) => (is_transient(e), None),
            };
            let pause = self.policy.delay(attempt, retry_after);
            if !retry || attempt >= self.policy.retries || pause >= deadline.left() {
                return outcome.map_err(|e| {
                    let why = match &e {
                        ureq::Error::Timeout(_) if deadline.passed() => self.out_of_time(),
                        ureq::Error::Io(io) if is_timeout(io) && deadline.passed() => {
                            self.out_of_time()
                        }
                        e => self.describe(e),
                    };
                    ApiError::transport(url, why)
                });
            }
            std::thread::sleep(pause);
            attempt += 1;
        }
    }

    fn out_of_time(&self) -> String {
        format!(
            "no complete answer within the {} s allowed ({}), retries included; the service is \
             too slow or stalled: try again later",
            secs(self.budget),
            self.budget_setting
        )
    }

    /// One try, given `left` at most.
    fn exchange(&self, url: &str, request: &Request, left: Duration) -> Result<Reply, ureq::Error> {
        let (connect, global) = (
            self.connect_timeout.min(left),
            self.global_timeout.min(left),
        );
        // Every try carries its own timeouts: what is left of the deadline at most.
        let get = || {
            self.agent
                .get(url)
                .config()
                .timeout_connect(Some(connect))
                .timeout_global(Some(global))
                .build()
        };
        let post = || {
            self.agent
                .post(url)
                .config()
                .timeout_connect(Some(connect))
                .timeout_global(Some(global))
                .build()
        };
        let mut response = match request {
            Request::Plain | Request::GetQuery { .. } => get().call()?,
            Request::Get { bearer } => get().header(BEARER_HEADER, *bearer).call()?,
            Request::PostJson { body, .. } => post()
                .header("content-type", "application/json")
                .send(body.as_str())?,
            Request::PostBearer { bearer } => post().header(BEARER_HEADER, *bearer).send_empty()?,
            Request::PostJsonProof {
                body,
                header,
                proof,
                ..
            } => post()
                .header("content-type", "application/json")
                .header(*header, proof())
                .send(body.as_str())?,
            Request::PostForm { headers, body, .. } => headers
                .iter()
                .fold(post(), |r, (name, value)| r.header(*name, *value))
                .send(*body)?,
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let error_type = header("x-amzn-errortype");
        let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()?;
        Ok(Reply {
            status,
            location,
            error_type,
            retry_after: retry_after.map(Duration::from_secs),
            body,
        })
    }

    /// Words for a person; never ureq's own text for errors that can quote the URL.
    fn describe(&self, e: &ureq::Error) -> String {
        use std::io::ErrorKind as K;
        match e {
            ureq::Error::Timeout(ureq::Timeout::Connect) => {
                format!("no answer within {} s", secs(self.connect_timeout))
            }
            ureq::Error::Timeout(_) => format!("no answer within {} s", secs(self.global_timeout)),
            ureq::Error::Io(io) if is_timeout(io) => {
                format!("no answer within {} s", secs(self.global_timeout))
            }
            ureq::Error::Io(io) => match io.kind() {
                K::ConnectionRefused => "connection refused".into(),
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    "the connection closed before an answer came".into()
                }
                _ => io.to_string(),
            },
            ureq::Error::HostNotFound => "the host name does not resolve".into(),
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
                "the request could not be made (a bad URL or header value)".into()
            }
            ureq::Error::BodyExceedsLimit(_) => "the reply was too large".into(),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
                format!("TLS failed: {e}")
            }
            ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
                format!("the proxy failed ({e}); check HTTPS_PROXY / ALL_PROXY")
            }
            ureq::Error::RequireHttpsOnly(_) => "plain http is not allowed here".into(),
            _ => e.to_string(),
        }
    }
}

/// Timeouts, connection failures and dropped connections may pass; DNS, TLS and malformed
/// requests will not get better by asking again.
fn is_transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed
    )
}

fn is_timeout(io: &std::io::Error) -> bool {
    matches!(
        io.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// Failures before a connection existed: nothing of the request can have reached the service.
fn never_sent(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => true,
        ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        _ => false,
    }
}

/// Below this length a "secret" protects nothing and replacing it would garble ordinary words;
/// real access tokens run to hundreds of characters.
const MIN_REDACTED: usize = 8;

/// `text` with each secret replaced, as sent and in the forms a server may echo it in: JSON
/// string escapes (`\/` too) and URL encoding (either case of hex digit).
fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= MIN_REDACTED) {
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json
            .get(1..json.len().saturating_sub(1))
            .unwrap_or_default();
        let url: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let percent_spaces = url.replace('+', "%20");
        let forms = [
            secret.to_string(),
            json.to_string(),
            json.replace('/', "\\/"),
            lower_hex(&url),
            lower_hex(&percent_spaces),
            url,
            percent_spaces,
        ];
        for form in forms {
            if form.len() >= MIN_REDACTED && out.contains(&form) {
                out = out.replace(&form, "[secret]");
            }
        }
    }
    out
}

/// `%2F` → `%2f`: the other way to write the same URL encoding.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            out.push(c);
            if c == '%' {
                hex_left = 2;
            }
        }
    }
    out
}

fn json_object(url: &str, reply: Reply, secrets: &[&str]) -> Result<Value, ApiError> {
    if !(200..300).contains(&reply.status) {
        return Err(decode_error(&reply, secrets));
    }
    match serde_json::from_str::<Value>(&reply.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(ApiError::transport(url, "the reply was not JSON")),
    }
}

/// A non-2xx reply. OIDC puts its code in the body's `error`, the portal in `x-amzn-ErrorType`;
/// other AWS front ends use `__type` or `code`.
/// Secrets are removed from the body and header before anything is cut short: a shortened
/// secret would no longer match.
fn decode_error(reply: &Reply, secrets: &[&str]) -> ApiError {
    let status = reply.status;
    let body = redact(&reply.body, secrets);
    let error_type = reply.error_type.as_deref().map(|t| redact(t, secrets));
    let header_code = error_type
        .as_deref()
        .and_then(|t| t.split(':').next())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let fallback_code = || format!("HTTP {status}");

    let trimmed = body.trim();
    if trimmed.starts_with('<')
        && let Some(error) = xml_error(status, trimmed)
    {
        return error.redact(secrets);
    }
    let fields = if trimmed.is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Object(map)) => map,
            _ => {
                let message = format!(
                    "the reply was not JSON ({}): {}",
                    status_words(status),
                    clean(trimmed, 80)
                );
                return ApiError::Service {
                    status,
                    code: clean(&header_code.unwrap_or_else(fallback_code), 100),
                    message: clean(&message, 200),
                }
                .redact(secrets);
            }
        }
    };
    let field = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let code = field("error")
        .map(str::to_owned)
        .or(header_code)
        .or_else(|| {
            field("__type")
                .or_else(|| field("code"))
                // `__type` may be `namespace#Name`.
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
        })
        .unwrap_or_else(fallback_code);
    let message = field("error_description")
        .or_else(|| field("message"))
        .or_else(|| field("Message"))
        .map(str::to_owned)
        .unwrap_or_else(|| status_words(status));
    // Decoding may have undone an escape that hid a secret from the redaction of the body.
    ApiError::Service {
        status,
        code: clean(&redact(&code, secrets), 100),
        message: clean(&redact(&message, secrets), 500),
    }
    .redact(secrets)
}

/// STS throttles with a 400 and an error code, not a 429: botocore's standard retry mode retries
/// these codes.
fn throttled(reply: &Reply) -> bool {
    const CODES: [&str; 4] = [
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    ];
    reply.status == 400
        && reply.body.trim_start().starts_with('<')
        && xml_error(400, reply.body.trim()).is_some_and(|e| match e {
            ApiError::Service { code, .. } => CODES.contains(&code.as_str()),
            ApiError::Transport { .. } => false,
        })
}

/// The Query protocol's error (STS): `<ErrorResponse><Error><Type/><Code/><Message/></Error>`.
/// None when the body is not such a document.
fn xml_error(status: u16, body: &str) -> Option<ApiError> {
    let leaves = super::xml::leaves(body).ok()?;
    let field = |name: &str| {
        leaves
            .iter()
            .find(|(path, _)| path.ends_with(&format!("Error/{name}")))
            .map(|(_, text)| text.trim())
            .filter(|t| !t.is_empty())
    };
    let code = field("Code")?;
    let message = field("Message")
        .map(str::to_owned)
        .unwrap_or_else(|| status_words(status));
    Some(ApiError::Service {
        status,
        code: clean(code, 100),
        message: clean(&message, 500),
    })
}

fn status_words(status: u16) -> String {
    if (300..400).contains(&status) {
        return "a redirect, which ssoenv does not follow".into();
    }
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(str::to_lowercase)
        .unwrap_or_else(|| format!("HTTP status {status}"))
}

/// What a server says reaches a terminal: control characters (escape sequences) become spaces,
/// runs of white space collapse, and the length is bounded.
fn clean(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        for c in (!out.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if count == max_chars {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

#[cfg(test)]
impl Http {
    /// Short timeouts and near-instant backoff, so that retry tests stay fast.
    pub(crate) fn for_tests(timeout: Duration) -> Http {
        Http::build(
            timeout,
            timeout,
            RetryPolicy {
                base: Duration::from_millis(2),
                cap: Duration::from_millis(10),
                retry_after_cap: Duration::from_millis(20),
                ..RetryPolicy::DEFAULT
            },
            Duration::from_secs(60),
            None,
        )
    }
}

/// A throwaway local server answering canned replies in order, recording what it was asked.
#[cfg(test)]
pub(crate) mod test_server {
    use std::sync::{Arc, Mutex};

    #[derive(Debug, Clone)]
    pub struct Seen {
        pub method: String,
        /// Path and query.
        pub url: String,
        pub headers: Vec<(String, String)>,
        pub body: String,
    }

    impl Seen {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }

        pub fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body).unwrap()
        }
    }

    pub struct Canned {
        pub status: u16,
        pub headers: Vec<(&'static str, String)>,
        pub body: String,
    }

    pub fn ok(body: &str) -> Canned {
        reply(200, &[], body)
    }

    pub fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Canned {
        Canned {
            status,
            headers: headers.iter().map(|(n, v)| (*n, v.to_string())).collect(),
            body: body.to_owned(),
        }
    }

    /// Serves `replies`, one per request, then stops listening. Returns the base URL.
    pub fn serve(replies: Vec<Canned>) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let addr = server.server_addr().to_ip().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for canned in replies {
                let Ok(mut request) = server.recv() else {
                    return;
                };
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                log.lock().unwrap().push(Seen {
                    method: request.method().to_string(),
                    url: request.url().to_owned(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_owned()))
                        .collect(),
                    body,
                });
                let mut response =
                    tiny_http::Response::from_string(canned.body).with_status_code(canned.status);
                for (name, value) in canned.headers {
                    response.add_header(tiny_http::Header::from_bytes(name, value).unwrap());
                }
                let _ = request.respond(response);
            }
        });
        (format!("http://{addr}"), seen)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_ca_bundle_replaces_the_trust_roots_or_says_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("ca.pem");
        std::fs::write(
            &pem,
            "junk before\n-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        assert!(matches!(ca_bundle(&pem), Ok(RootCerts::Specific(c)) if c.len() == 1));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();
        let why = ca_bundle(&empty).err().unwrap();
        assert!(
            why.starts_with("AWS_CA_BUNDLE (") && why.contains("no PEM certificate"),
            "{why}"
        );
        let why = ca_bundle(&dir.path().join("missing.pem")).err().unwrap();
        assert!(
            why.contains("missing.pem") && why.contains("no such file"),
            "{why}"
        );
    }

    use super::test_server::{ok, reply, serve};
    use super::*;
    use serde_json::json;
    use std::time::Instant;

    fn http() -> Http {
        Http::for_tests(Duration::from_secs(5))
    }

    #[test]
    fn posts_json_and_reads_json() {
        let (base, seen) = serve(vec![ok(r#"{"a":1}"#)]);
        let v = http()
            .post_json(&format!("{base}/x"), &json!({"k": "v"}), &[])
            .unwrap();
        assert_eq!(v, json!({"a": 1}));
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].method, "POST");
        assert_eq!(seen[0].json(), json!({"k": "v"}));
        assert_eq!(seen[0].header("content-type"), Some("application/json"));
        let ua = seen[0].header("user-agent").unwrap();
        assert_eq!(ua, concat!("ssoenv/", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn oidc_error_uses_the_body_error_field() {
        let (base, _) = serve(vec![reply(
            400,
            &[(
                "x-amzn-ErrorType",
                "AuthorizationPendingException:http://x/",
            )],
            r#"{"error":"authorization_pending","error_description":"not yet"}"#,
        )]);
        let e = http()
            .post_json(&format!("{base}/token"), &json!({}), &[])
            .unwrap_err();
        assert_eq!(
            e,
            ApiError::Service {
                status: 400,
                code: "authorization_pending".into(),
                message: "not yet".into()
            }
        );
        assert_eq!(e.to_string(), "authorization_pending: not yet");
    }

    #[test]
    fn portal_error_uses_the_header() {
        let (base, seen) = serve(vec![reply(
            401,
            &[(
                "x-amzn-ErrorType",
                "UnauthorizedException:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/",
            )],
            r#"{"message":"Session token not found or invalid"}"#,
        )]);
        let e = http().get_json(&format!("{base}/a"), "tok").unwrap_err();
        assert_eq!(
            e.to_string(),
            "UnauthorizedException: Session token not found or invalid"
        );
        assert!(matches!(e, ApiError::Service { status: 401, .. }));
        assert_eq!(seen.lock().unwrap()[0].header(BEARER_HEADER), Some("tok"));
    }

    #[test]
    fn error_without_code_or_message_names_the_status() {
        let (base, _) = serve(vec![
            reply(404, &[], ""),
            reply(403, &[], r#"{"__type":"ns#Denied"}"#),
        ]);
        let e = http().get_json(&format!("{base}/a"), "t").unwrap_err();
        assert_eq!(e.to_string(), "HTTP 404: not found");
        let e = http().get_json(&format!("{base}/a"), "t").unwrap_err();
        assert_eq!(e.to_string(), "Denied: forbidden");
    }

    #[test]
    fn html_error_page_is_a_service_error_saying_not_json() {
        let page = "<html>\n<head><title>502 Bad Gateway</title></head>\x1b[31m<body>".repeat(10);
        let (base, seen) = serve((0..4).map(|_| reply(502, &[], &page)).collect());
        let e = http().get_json(&format!("{base}/a"), "t").unwrap_err();
        let ApiError::Service {
            status,
            code,
            message,
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!((*status, code.as_str()), (502, "HTTP 502"));
        assert!(message.starts_with("the reply was not JSON (bad gateway): <html> <head>"));
        assert!(!message.contains('\x1b') && !message.contains('\n'));
        assert!(message.chars().count() < 130, "{message}");
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    #[test]
    fn success_that_is_not_a_json_object_is_transport() {
        let (base, _) = serve(vec![ok("<html>"), ok("[1]")]);
        for _ in 0..2 {
            let e = http()
                .get_json(&format!("{base}/a?account_id=1"), "t")
                .unwrap_err();
            assert_eq!(
                e,
                ApiError::Transport {
                    url: format!("{base}/a"),
                    why: "the reply was not JSON".into()
                }
            );
        }
    }

    #[test]
    fn retries_5xx_then_succeeds() {
        let (base, seen) = serve(vec![
            reply(500, &[], "{}"),
            reply(503, &[], "oops"),
            ok(r#"{"ok":true}"#),
        ]);
        let v = http()
            .post_json(&format!("{base}/t"), &json!({}), &[])
            .unwrap();
        assert_eq!(v, json!({"ok": true}));
        assert_eq!(seen.lock().unwrap().len(), 3);
    }

    #[test]
    fn retries_429_honouring_retry_after() {
        let (base, seen) = serve(vec![
            reply(429, &[("Retry-After", "1")], r#"{"message":"slow"}"#),
            ok("{}"),
        ]);
        http().get_json(&format!("{base}/t"), "t").unwrap();
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn gives_up_after_three_retries() {
        let (base, seen) = serve(
            (0..5)
                .map(|_| reply(500, &[], r#"{"error":"server_error"}"#))
                .collect(),
        );
        let e = http()
            .post_json(&format!("{base}/t"), &json!({}), &[])
            .unwrap_err();
        assert!(matches!(e, ApiError::Service { status: 500, .. }));
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    #[test]
    fn does_not_retry_other_4xx() {
        let (base, seen) = serve(vec![
            reply(400, &[], r#"{"error":"invalid_grant"}"#),
            ok("{}"),
        ]);
        let e = http()
            .post_json(&format!("{base}/t"), &json!({}), &[])
            .unwrap_err();
        assert_eq!(e.to_string(), "invalid_grant: bad request");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[test]
    fn logout_accepts_any_2xx() {
        let (base, seen) = serve(vec![
            reply(204, &[], ""),
            reply(401, &[], r#"{"message":"gone"}"#),
        ]);
        http()
            .post_bearer(&format!("{base}/logout"), "tok")
            .unwrap();
        let e = http()
            .post_bearer(&format!("{base}/logout"), "tok")
            .unwrap_err();
        assert_eq!(e.to_string(), "HTTP 401: gone");
        let seen = seen.lock().unwrap();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].body.as_str()),
            ("POST", "")
        );
        assert_eq!(seen[0].header(BEARER_HEADER), Some("tok"));
    }

    #[test]
    fn silent_server_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                held.push(conn);
            }
        });
        let started = Instant::now();
        let url = format!("http://127.0.0.1:{port}/federation/credentials?account_id=123");
        let e = Http::for_tests(Duration::from_millis(150))
            .get_json(&url, "secret-token")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("http://127.0.0.1:{port}/federation/credentials: no answer within 0.15 s")
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    /// A server that sends its reply one byte every 50 ms: each byte resets any read timeout.
    fn drip_server() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                std::thread::spawn(move || {
                    use std::io::Write;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n{}",
                        " ".repeat(100_000)
                    );
                    for byte in reply.bytes() {
                        if conn.write_all(&[byte]).is_err() {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                });
            }
        });
        base
    }

    #[test]
    fn a_dripping_server_is_cut_off_by_the_deadline_retries_included() {
        let base = drip_server();
        let http = Http::for_tests(Duration::from_secs(2))
            .with_deadline(Deadline::after(Duration::from_millis(600)), "SSOENV_X");
        let e = http.get_json(&format!("{base}/a"), "t").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("{base}/a: no complete answer within the 0.6")),
            "{text}"
        );
        assert!(text.contains("(SSOENV_X)"), "{text}");
        // Spent: the next call does not even start.
        let (other, seen) = serve(vec![ok("{}")]);
        let e = http.get_json(&format!("{other}/b"), "t").unwrap_err();
        assert!(e.to_string().contains("no complete answer within"), "{e}");
        assert_eq!(seen.lock().unwrap().len(), 0);
    }

    #[test]
    fn a_spending_request_is_retried_only_when_it_never_left() {
        let (base, seen) = serve(vec![reply(503, &[], "{}"), ok("{}")]);
        let e = http()
            .post_json_once(&format!("{base}/token"), &json!({}), &[])
            .unwrap_err();
        assert!(matches!(e, ApiError::Service { status: 503, .. }), "{e:?}");
        assert_eq!(seen.lock().unwrap().len(), 1);
        let refused = std::net::TcpStream::connect({
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        })
        .unwrap_err();
        assert!(never_sent(&ureq::Error::Io(refused)));
        assert!(never_sent(&ureq::Error::Timeout(ureq::Timeout::Connect)));
        assert!(!never_sent(&ureq::Error::Timeout(ureq::Timeout::Global)));
    }

    #[test]
    fn refused_connection_is_transport() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = http()
            .post_json(&format!("http://127.0.0.1:{port}/token"), &json!({}), &[])
            .unwrap_err();
        assert!(matches!(e, ApiError::Transport { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("http://127.0.0.1:{port}/token: "))
        );
    }

    #[test]
    fn bearer_token_never_appears_in_errors() {
        let token = "aoaAAAAAGZ-very-secret-token/with+chars==";
        let escaped = token.replace('/', "\\/");
        let (base, _) = serve(vec![
            reply(401, &[], &format!(r#"{{"message":"bad token {escaped}"}}"#)),
            reply(
                400,
                &[("x-amzn-ErrorType", token)],
                &format!("<p>{token}</p>"),
            ),
            ok(&format!("not json {token}")),
            reply(403, &[], &format!(r#"{{"message":"{token}"}}"#)),
        ]);
        let url = format!("{base}/federation/credentials");
        for _ in 0..3 {
            let e = http().get_json(&url, token).unwrap_err();
            assert!(!format!("{e} {e:?}").contains(token), "{e:?}");
            assert!(!format!("{e}").contains("very-secret"), "{e}");
        }
        let e = http()
            .post_bearer(&format!("{base}/logout"), token)
            .unwrap_err();
        assert!(!format!("{e} {e:?}").contains("very-secret"), "{e:?}");
    }

    #[test]
    fn declared_secrets_never_appear_in_errors_in_any_encoding() {
        let secret = "refresh/token+with=chars-0123456789";
        let long = format!("{}{secret}", "x".repeat(90));
        let url_enc: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let escaped = secret.replace('/', "\\/");
        let replies = vec![
            reply(
                400,
                &[],
                &format!(r#"{{"error":"invalid_grant","error_description":"{escaped}"}}"#),
            ),
            reply(400, &[], &format!(r#"{{"error":"{secret}"}}"#)),
            reply(400, &[("x-amzn-ErrorType", &long)], "{}"),
            reply(
                400,
                &[],
                &format!(
                    "<p>{} {url_enc} {}</p>",
                    "y".repeat(60),
                    url_enc.to_lowercase()
                ),
            ),
            reply(
                400,
                &[],
                &format!(
                    r#"{{"message":"{}{}"}}"#,
                    "z".repeat(480),
                    secret.replace('/', "\\u002f")
                ),
            ),
        ];
        let n = replies.len();
        let (base, _) = serve(replies);
        for _ in 0..n {
            let e = http()
                .post_json(
                    &format!("{base}/token"),
                    &json!({}),
                    &["other-secret", secret],
                )
                .unwrap_err();
            let shown = format!("{e} {e:?}");
            for fragment in ["refresh/token", "refresh%2F", "refresh%2f", "0123456789"] {
                assert!(!shown.contains(fragment), "{fragment} in {shown}");
            }
        }
    }

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let p = RetryPolicy::DEFAULT;
        for attempt in 0..40 {
            let ceiling = Duration::from_millis(200 * (1u64 << attempt.min(10))).min(p.cap);
            assert!(p.delay(attempt, None) <= ceiling);
        }
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(99))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn clean_collapses_and_bounds() {
        assert_eq!(clean("a\n\t b\x1b[0m", 100), "a b [0m");
        assert_eq!(clean("abcdef", 3), "abc…");
        use super::super::endpoint::url_for_errors;
        assert_eq!(url_for_errors("https://h/p?q=1#f"), "https://h/p");
        assert_eq!(url_for_errors("http://u:pw@h:1/p@x"), "http://h:1/p@x");
        assert_eq!(url_for_errors("not a url?x"), "not a url");
    }
}
