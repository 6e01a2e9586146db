//! A fresh login to IAM Identity Center: the client registration (cached like the AWS CLI's),
//! then either PKCE (a browser redirect to a listener on 127.0.0.1) or the device code (a URL and
//! a code the person approves from any device, while we poll).

pub mod aws_login;
pub(crate) mod loopback;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use self::loopback::CALLBACK_PATH;
use crate::browser::{self, Browser};
use crate::cache::{self, RegistrationFile, TokenFile};
use crate::config::SsoSession;
use crate::context::{Context, Policy};
use crate::deadline::{Deadline, secs};
use crate::error::{Error, Result};
use crate::settings::LOGIN_TIMEOUT;
use crate::sso::oidc::{self, DEVICE_CODE_GRANT, Grant, PkceClient, Registration, TokenResponse};
use crate::sso::{ApiError, Call, Endpoints, Http};

/// Registered once and reused: loopback redirects may use any port (RFC 8252 §7.3), so the
/// registration does not name the port of one login's listener.
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";

enum Fail {
    /// The cached client registration was refused: register anew and try once more.
    StaleClient,
    Err(Error),
}

impl From<Error> for Fail {
    fn from(err: Error) -> Self {
        Fail::Err(err)
    }
}

/// Logs in and returns the token file to cache (the caller writes it).
pub fn login(
    ctx: &Context,
    session: &SsoSession,
    endpoints: &Endpoints,
    policy: &Policy,
) -> Result<TokenFile> {
    let browser = if policy.no_browser {
        None
    } else {
        ctx.settings.browser.clone()
    };
    // PKCE needs a browser on this machine and an sso-session (legacy profiles predate it).
    let pkce = !policy.use_device_code && session.name.is_some() && browser.is_some();
    if !pkce && browser.is_none() && !policy.no_browser {
        ctx.ui
            .say("no browser can be opened here (SSH or no display): using a device code");
    }
    // The login has its own deadline, and its time is given back to the command's: waiting for
    // a person is not the services being slow.
    let started = Instant::now();
    let http = ctx
        .http()
        .with_deadline(Deadline::after(ctx.settings.login_timeout), LOGIN_TIMEOUT);
    let result = login_within(ctx, &http, session, endpoints, pkce, browser.as_ref());
    ctx.http().extend(started.elapsed());
    result
}

fn login_within(
    ctx: &Context,
    http: &Http,
    session: &SsoSession,
    endpoints: &Endpoints,
    pkce: bool,
    browser: Option<&Browser>,
) -> Result<TokenFile> {
    let mut fresh = false;
    loop {
        let attempt = (|| -> Result<(Registration, TokenResponse), Fail> {
            let registration = registration(ctx, http, session, &endpoints.oidc, pkce, fresh)?;
            let token = if pkce {
                pkce_flow(ctx, http, session, &endpoints.oidc, &registration, browser)?
            } else {
                device_flow(ctx, http, session, &endpoints.oidc, &registration, browser)?
            };
            Ok((registration, token))
        })();
        match attempt {
            Ok((registration, token)) => {
                return Ok(TokenFile::issued(
                    session,
                    token,
                    (&registration).into(),
                    ctx.now(),
                ));
            }
            Err(Fail::StaleClient) if !fresh => fresh = true,
            Err(Fail::StaleClient) => {
                return Err(Error::new(
                    format!("login to {}", session.start_url),
                    "the service refused a newly registered client (invalid_client)",
                ));
            }
            Err(Fail::Err(err)) => return Err(err),
        }
    }
}

fn registration(
    ctx: &Context,
    http: &Http,
    session: &SsoSession,
    oidc_url: &str,
    pkce: bool,
    fresh: bool,
) -> Result<Registration, Fail> {
    let path = ctx.dirs.registration_path(session);
    if !fresh && let Some(cached) = cache::read::<RegistrationFile>(&path).found() {
        let grants = cached.grant_types.as_deref().unwrap_or_default();
        let fits = if pkce {
            grants.iter().any(|g| g == "authorization_code")
        } else {
            cached.grant_types.is_none() || grants.iter().any(|g| g == DEVICE_CODE_GRANT)
        };
        let cached = Registration::from(cached);
        if fits && cached.expires_at > ctx.now() + 3600 {
            return Ok(cached);
        }
    }
    let pkce_client = PkceClient {
        redirect_uri: REGISTERED_REDIRECT,
        issuer_url: &session.start_url,
    };
    let registration = oidc::register_client(
        http,
        oidc_url,
        session.registration_scopes.as_deref(),
        pkce.then_some(&pkce_client),
    )
    .map_err(|e| api_failure(session, "registering a client", e))?;
    if let Err(err) = cache::write(&path, &RegistrationFile::from(&registration)) {
        ctx.ui
            .warn(&format!("could not cache the client registration: {err}"));
    }
    Ok(registration)
}

fn device_flow(
    ctx: &Context,
    http: &Http,
    session: &SsoSession,
    oidc_url: &str,
    registration: &Registration,
    browser: Option<&Browser>,
) -> Result<TokenResponse, Fail> {
    let auth = oidc::start_device_authorization(http, oidc_url, registration, &session.start_url)
        .map_err(|e| api_failure(session, "starting a device login", e))?;
    // The server chose this URL: refuse it before showing it to anyone or opening a browser.
    if let Err(why) = browser::check_url(&auth.verification_uri_complete) {
        return Err(Fail::Err(
            Error::new(
                format!("login to {}", session.start_url),
                format!("the sign-in page the service at {oidc_url} sent cannot be opened: {why}"),
            )
            .with_hint(
                "check the sso_region of the session and any AWS_ENDPOINT_URL_SSO_OIDC: \
                 that server is not IAM Identity Center",
            ),
        ));
    }
    ctx.ui.say(&format!(
        "to sign in to {}, open this page on any device:",
        session.start_url
    ));
    ctx.ui.say(&format!("  {}", auth.verification_uri_complete));
    ctx.ui.say(&format!(
        "and check that it shows the code {}",
        auth.user_code
    ));
    if let Some(browser) = browser
        && let Err(why) = browser::open(browser, &auth.verification_uri_complete)
    {
        ctx.ui.warn(&why);
    }
    // Each poll is bounded by `http`'s deadline too: one that hangs ends with the login.
    let deadline = http
        .deadline()
        .min(Deadline::after(Duration::from_secs(auth.expires_in)));
    let mut interval = Duration::from_secs(auth.interval).max(Duration::from_millis(100));
    let mut polled = false;
    loop {
        if interval >= deadline.left() {
            let why = if polled {
                "the code was not approved in time".to_owned()
            } else {
                format!(
                    "the service asked to wait {} s between checks, longer than the {} s left \
                     for this login",
                    secs(interval),
                    deadline.left().as_secs()
                )
            };
            return Err(Fail::Err(
                Error::new(format!("login to {}", session.start_url), why).with_hint(format!(
                    "run the command again and approve the code sooner ({LOGIN_TIMEOUT} sets \
                     how long a login may take, in seconds)"
                )),
            ));
        }
        deadline.sleep(interval);
        polled = true;
        match oidc::create_token(
            http,
            oidc_url,
            registration,
            Grant::DeviceCode(&auth.device_code),
        ) {
            Ok(token) => return Ok(token),
            Err(ApiError::Service { code, .. }) if code == "authorization_pending" => {}
            Err(ApiError::Service { code, .. }) if code == "slow_down" => {
                interval = interval.saturating_add(Duration::from_secs(5));
            }
            Err(ApiError::Service { code, .. }) if code == "expired_token" => {
                return Err(Fail::Err(
                    Error::new(
                        format!("login to {}", session.start_url),
                        "the code expired before it was approved",
                    )
                    .with_hint("run the command again"),
                ));
            }
            Err(err) => return Err(api_failure(session, "waiting for approval", err)),
        }
    }
}

fn pkce_flow(
    ctx: &Context,
    http: &Http,
    session: &SsoSession,
    oidc_url: &str,
    registration: &Registration,
    browser: Option<&Browser>,
) -> Result<TokenResponse, Fail> {
    // Bound to 127.0.0.1 only: nothing on the network can reach the listener.
    let mut listener = loopback::Listener::bind()
        .map_err(|e| Error::new("login", format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener.port();
    let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let verifier = random_token()?;
    let state = random_token()?;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let url = oidc::authorize_url(
        oidc_url,
        &registration.client_id,
        &redirect_uri,
        &state,
        &challenge,
        session.registration_scopes.as_deref(),
    );
    ctx.ui.say(&format!(
        "opening the browser to sign in to {}; if it does not open, visit:",
        session.start_url
    ));
    ctx.ui.say(&format!("  {url}"));
    if let Some(browser) = browser
        && let Err(why) = browser::open(browser, &url)
    {
        ctx.ui.warn(&why);
    }
    let code = wait_for_code(&mut listener, http.deadline(), &state, session)?;
    drop(listener);
    oidc::create_token(
        http,
        oidc_url,
        registration,
        Grant::AuthorizationCode {
            code: &code,
            redirect_uri: &redirect_uri,
            code_verifier: &verifier,
        },
    )
    .map_err(|e| api_failure(session, "exchanging the authorization code", e))
}

fn wait_for_code(
    listener: &mut loopback::Listener,
    deadline: Deadline,
    state: &str,
    session: &SsoSession,
) -> Result<String> {
    loop {
        let Some(callback) = listener.next_callback(deadline, state) else {
            let why = match &listener.trouble {
                Some(e) => format!("the browser did not come back in time (the listener: {e})"),
                None => "the browser did not come back in time".to_owned(),
            };
            return Err(
                Error::new(format!("login to {}", session.start_url), why).with_hint(
                    "run the command again, or add --use-device-code to sign in with a code",
                ),
            );
        };
        if let Some(error) = callback.param("error") {
            let description = callback.param("error_description").unwrap_or("");
            let why = format!("the browser sign-in failed: {error} {description}")
                .trim_end()
                .to_string();
            callback.respond(200, "Sign-in was not completed. You can close this tab.");
            return Err(Error::new(format!("login to {}", session.start_url), why));
        }
        match callback.accept_code() {
            Ok(code) => return Ok(code),
            Err(callback) => callback.respond(400, "The redirect carried no code."),
        }
    }
}

/// 32 random bytes, base64url: a PKCE verifier (43 characters), a state value, or the token of
/// `exec --serve`'s endpoint.
pub(crate) fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::new("login", format!("no randomness from the OS: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn api_failure(session: &SsoSession, step: &str, err: ApiError) -> Fail {
    if let ApiError::Service { code, .. } = &err
        && code == "invalid_client"
    {
        return Fail::StaleClient;
    }
    Fail::Err(oidc_error(session, step, err))
}

/// An sso-oidc error, with what usually causes it.
fn oidc_error(session: &SsoSession, step: &str, err: ApiError) -> Error {
    Call::login(&session.start_url, step, &session.region).error(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SsoSession {
        SsoSession {
            name: Some("corp".into()),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            registration_scopes: None,
        }
    }

    #[test]
    fn invalid_grant_points_at_sso_region() {
        let err = oidc_error(
            &session(),
            "exchanging the authorization code",
            ApiError::Service {
                status: 400,
                code: "invalid_grant".into(),
                message: "Invalid grant provided".into(),
            },
        );
        assert!(err.to_string().contains("invalid_grant"), "{err}");
        let hint = err.hint.unwrap();
        assert!(hint.contains("sso_region (eu-west-1)"), "{hint}");
        assert!(hint.contains("not your default region"), "{hint}");
    }

    #[test]
    fn a_refused_client_registers_again_instead_of_failing() {
        let refused = ApiError::Service {
            status: 401,
            code: "invalid_client".into(),
            message: String::new(),
        };
        assert!(matches!(
            api_failure(&session(), "x", refused),
            Fail::StaleClient
        ));
    }

    /// Sends GET `path` to the listener as a browser would; returns the status code.
    fn knock(port: u16, path: &str) -> u16 {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply[9..12].parse().unwrap()
    }

    fn listener() -> (loopback::Listener, u16) {
        let listener = loopback::Listener::bind().unwrap();
        let port = listener.port();
        (listener, port)
    }

    fn minute() -> Deadline {
        Deadline::after(Duration::from_secs(60))
    }

    #[test]
    fn the_listener_takes_only_its_own_redirect() {
        let (mut server, port) = listener();
        let browser = std::thread::spawn(move || {
            [
                knock(port, "/favicon.ico"),
                knock(port, "/oauth/callback?code=stolen&state=guess"),
                knock(port, "/oauth/callback?code=THE-CODE&state=s3cret"),
            ]
        });
        let code = wait_for_code(&mut server, minute(), "s3cret", &session()).unwrap();
        assert_eq!(code, "THE-CODE");
        assert_eq!(browser.join().unwrap(), [404, 400, 200]);
    }

    #[test]
    fn hundreds_of_idle_connections_do_not_keep_the_browser_out() {
        use std::io::Write;
        let (mut server, port) = listener();
        let browser = std::thread::spawn(move || {
            let mut idle = Vec::new();
            for i in 0..400 {
                let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                if i % 2 == 0 {
                    // Half a request, never finished.
                    conn.write_all(b"GET /oauth/callback?code=x").unwrap();
                }
                idle.push(conn);
            }
            let status = knock(port, "/oauth/callback?code=THE-CODE&state=s3cret");
            (status, idle.len())
        });
        let code = wait_for_code(&mut server, minute(), "s3cret", &session()).unwrap();
        assert_eq!(code, "THE-CODE");
        assert_eq!(browser.join().unwrap(), (200, 400));
    }

    #[test]
    fn the_wait_ends_at_the_deadline() {
        let (mut server, _port) = listener();
        let deadline = Deadline::after(Duration::from_millis(200));
        let err = wait_for_code(&mut server, deadline, "s", &session()).unwrap_err();
        assert!(
            err.to_string().contains("did not come back in time"),
            "{err}"
        );
        assert!(deadline.passed());
    }

    #[test]
    fn a_denied_redirect_ends_the_login() {
        let (mut server, port) = listener();
        let browser = std::thread::spawn(move || {
            knock(
                port,
                "/oauth/callback?error=access_denied&error_description=no&state=st",
            )
        });
        let err = wait_for_code(&mut server, minute(), "st", &session()).unwrap_err();
        assert!(err.to_string().contains("access_denied"), "{err}");
        assert_eq!(browser.join().unwrap(), 200);
    }

    #[test]
    fn verifiers_are_long_random_and_url_safe() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
