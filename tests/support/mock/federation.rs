//! The console sign-in federation endpoint (`signin.aws.amazon.com/federation`):
//! `Action=getSigninToken` hands a SigninToken for role credentials the portal issued (and for
//! nothing else: any other session gets the endpoint's 400 page, as the real one answers
//! credentials it cannot federate), and `Action=login`, which the browser visits, spends a token
//! within 15 minutes and records the console page it would open (answered with a page, not the
//! real redirect, so that a test browser following it stays on 127.0.0.1).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::http::{Incoming, Reply};
use super::state::{State, now_ms, random_hex};
use super::{Failure, MockSso, Route, routes};

/// How long a SigninToken may be spent, as the real endpoint documents.
const TOKEN_TTL_MS: u64 = 15 * 60 * 1000;

pub(super) const ROUTES: &[Route] = &[Route {
    path: routes::FEDERATION,
    method: "GET",
    page: false,
    handle: State::federation,
    error,
}];

/// One console sign-in the browser completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleLogin {
    /// The access key id of the credentials the token was issued for.
    pub access_key_id: String,
    pub issuer: String,
    pub destination: String,
}

struct Issued {
    secret_access_key: String,
    session_token: String,
    expires_at_ms: u64,
}

struct Token {
    access_key_id: String,
    issued_at_ms: u64,
}

/// What the endpoint remembers.
#[derive(Default)]
pub(super) struct Federation {
    /// Role credentials the portal issued, by access key id.
    sessions: HashMap<String, Issued>,
    /// SigninTokens not yet spent.
    tokens: HashMap<String, Token>,
    logins: Vec<ConsoleLogin>,
    tokens_issued: usize,
    /// Answer getSigninToken with a 200 HTML page (a proxy or captive portal in the way).
    not_json: bool,
}

impl Federation {
    /// Called by the portal for each role credential it hands out.
    pub(super) fn issued(&mut self, key: &str, secret: &str, token: &str, expires_at_ms: u64) {
        self.sessions.insert(
            key.to_string(),
            Issued {
                secret_access_key: secret.to_string(),
                session_token: token.to_string(),
                expires_at_ms,
            },
        );
    }
}

/// The endpoint's error page. The real one answers an HTML page, not JSON.
fn refusal(status: u16, title: &str, text: &str) -> Reply {
    let mut r = Reply::page(status, title, text);
    r.error = Some(title.to_string());
    r
}

fn invalid_session() -> Reply {
    refusal(
        400,
        "Invalid credentials parameter",
        "The request sent by the client was syntactically incorrect.",
    )
}

fn error(failure: Failure) -> Reply {
    match failure {
        Failure::Throttled => refusal(429, "Too many requests", "Rate exceeded"),
        Failure::Failed => refusal(500, "Internal error", "Internal failure (mock fault)"),
        Failure::Unreadable => refusal(400, "Bad request", "Unreadable request"),
        Failure::WrongMethod(message) => refusal(405, "Method not allowed", &message),
    }
}

impl State {
    fn federation(&mut self, rq: &Incoming) -> Reply {
        match rq.param("Action") {
            Some("getSigninToken") => self.get_signin_token(rq),
            Some("login") => self.console_login(rq),
            _ => refusal(400, "Bad request", "Unknown or missing Action"),
        }
    }

    fn get_signin_token(&mut self, rq: &Incoming) -> Reply {
        // Refused by the real endpoint for chained-role credentials; ssoenv never sends it.
        if rq.param("SessionDuration").is_some() {
            return invalid_session();
        }
        let Some(session) = rq
            .param("Session")
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        else {
            return invalid_session();
        };
        let field = |name: &str| session.get(name).and_then(Value::as_str).unwrap_or("");
        let (key, secret, token) = (
            field("sessionId"),
            field("sessionKey"),
            field("sessionToken"),
        );
        let known = self.federation.sessions.get(key).is_some_and(|s| {
            s.secret_access_key == secret && s.session_token == token && now_ms() < s.expires_at_ms
        });
        if !known {
            return invalid_session();
        }
        if self.federation.not_json {
            return Reply::page(
                200,
                "Sign in",
                "A page that is not the federation endpoint.",
            );
        }
        let signin_token = format!("MockSigninToken{}-{}", self.next(), random_hex(48));
        self.federation.tokens.insert(
            signin_token.clone(),
            Token {
                access_key_id: key.to_string(),
                issued_at_ms: now_ms(),
            },
        );
        self.federation.tokens_issued += 1;
        Reply::json(200, json!({ "SigninToken": signin_token }))
    }

    fn console_login(&mut self, rq: &Incoming) -> Reply {
        let destination = rq.param("Destination").unwrap_or("");
        if destination.is_empty() {
            return refusal(400, "Bad request", "Destination is required");
        }
        let spent = rq
            .param("SigninToken")
            .and_then(|t| self.federation.tokens.remove(t));
        let Some(token) = spent.filter(|t| now_ms() < t.issued_at_ms + TOKEN_TTL_MS) else {
            return refusal(
                400,
                "Sign-in failed",
                "The sign-in token is invalid or expired",
            );
        };
        self.federation.logins.push(ConsoleLogin {
            access_key_id: token.access_key_id,
            issuer: rq.param("Issuer").unwrap_or("").to_string(),
            destination: destination.to_string(),
        });
        Reply::page(200, "AWS console (mock)", "Signed in to the console.")
    }
}

impl MockSso {
    /// Console sign-ins the browser completed (`Action=login` with a live token), in order.
    pub fn console_logins(&self) -> Vec<ConsoleLogin> {
        self.state().federation.logins.clone()
    }

    /// SigninTokens handed out by `Action=getSigninToken`.
    pub fn signin_tokens_issued(&self) -> usize {
        self.state().federation.tokens_issued
    }

    /// getSigninToken answers 200 with an HTML page instead of JSON (true), or as usual.
    pub fn set_federation_not_json(&self, on: bool) {
        self.state().federation.not_json = on;
    }
}
