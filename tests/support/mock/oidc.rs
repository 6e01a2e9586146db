//! sso-oidc: client registration, device authorization, `/token` with the device-code,
//! authorization-code (PKCE) and refresh-token grants, and the two pages a person's browser
//! visits (`/device` approves a user code, `/authorize` signs in with PKCE); with the knobs and
//! inspection methods of `MockSso` that concern them.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::http::{Incoming, RecordedRequest, Reply, append_query, json_object, query_string};
use super::state::{
    AccessToken, AuthCode, Device, State, format_utc, now_ms, now_secs, random_bytes, random_hex,
};
use super::{Failure, MockSso, Route, routes};

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

pub(super) const OIDC_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazonaws.ssooidc/";
const AUTH_CODE_TTL_MS: u64 = 10 * 60 * 1000;

/// The routes of sso-oidc and its browser pages.
pub(super) const ROUTES: &[Route] = &[
    Route {
        path: routes::REGISTER,
        method: "POST",
        page: false,
        handle: State::register,
        error,
    },
    Route {
        path: routes::DEVICE_AUTHORIZATION,
        method: "POST",
        page: false,
        handle: State::device_authorization,
        error,
    },
    Route {
        path: routes::TOKEN,
        method: "POST",
        page: false,
        handle: State::token,
        error,
    },
    Route {
        path: routes::AUTHORIZE,
        method: "GET",
        page: true,
        handle: State::authorize,
        error: page_error,
    },
    Route {
        path: routes::DEVICE_PAGE,
        method: "GET",
        page: true,
        handle: State::device_page,
        error: page_error,
    },
];

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

/// base64url-no-pad(SHA-256(verifier)), the S256 code challenge.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// sso-oidc error: `{"error", "error_description"}` and `x-amzn-ErrorType`.
pub(super) fn oidc_error(code: &str, description: &str) -> Reply {
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

/// A failure raised before a handler ran, in sso-oidc's words.
fn error(failure: Failure) -> Reply {
    match failure {
        Failure::Throttled => oidc_error("too_many_requests", "Rate exceeded"),
        Failure::Failed => oidc_error("server_error", "Internal failure (mock fault)"),
        Failure::Unreadable => oidc_error("invalid_request", "Unreadable request body"),
        Failure::WrongMethod(message) => oidc_error("invalid_request", &message),
    }
}

/// The same, for the browser pages: a person sees a page when the method is wrong.
fn page_error(failure: Failure) -> Reply {
    match failure {
        Failure::WrongMethod(message) => Reply::page(405, "Method not allowed", &message),
        other => error(other),
    }
}

impl State {
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

    fn device_authorization(&mut self, rq: &Incoming) -> Reply {
        let base_url = self.base_url.clone();
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
            expires_at_ms: now_ms() + (ttl + self.cfg.device_code_grace) * 1000,
            state: DeviceState::Pending,
            interval,
            last_poll: None,
        });
        self.device_authorizations += 1;
        let complete = self.cfg.shown_verification_uri.clone().unwrap_or_else(|| {
            format!(
                "{base_url}/device?{}",
                query_string([("user_code", user_code.as_str())])
            )
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
            let mut q = vec![("error", error), ("error_description", description)];
            q.extend(state.map(|s| ("state", s)));
            Reply::redirect(append_query(redirect_uri, &query_string(q)))
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
        let mut q = vec![("code", code.as_str())];
        q.extend(state.map(|s| ("state", s)));
        let location = append_query(redirect_uri, &query_string(q));
        if self.cfg.auto_approve {
            Reply::redirect(location)
        } else {
            self.pending_redirects.push(location);
            Reply::page(200, "Waiting for approval", "Auto-approve is off.")
        }
    }
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

fn random_user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let raw = random_bytes::<8>();
    let chars: String = raw
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

impl MockSso {
    // ---- knobs ------------------------------------------------------------------------------

    /// What device authorizations started from now on show the person: `user_code` replaces
    /// `userCode`, `uri` replaces `verificationUriComplete` (None: the real ones). The device
    /// is still approved by its real code.
    pub fn set_device_display(&self, user_code: Option<&str>, uri: Option<&str>) {
        let mut st = self.state();
        st.cfg.shown_user_code = user_code.map(str::to_string);
        st.cfg.shown_verification_uri = uri.map(str::to_string);
    }

    /// The next `n` device-code polls (of a known device code) answer `slow_down`.
    pub fn slow_down_next(&self, n: u32) {
        self.state().slow_down = n;
    }

    /// `interval` of device authorizations started from now on.
    pub fn set_interval(&self, secs: u64) {
        self.state().cfg.interval = secs;
    }

    /// Lifetime of access tokens issued from now on (0: already expired when issued).
    pub fn set_access_token_ttl_secs(&self, secs: u64) {
        self.state().cfg.access_token_ttl = secs;
    }

    /// Lifetime of client registrations made from now on.
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

    // ---- token state ------------------------------------------------------------------------

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

    // ---- inspection -------------------------------------------------------------------------

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

    /// Device authorizations started successfully.
    pub fn device_authorizations(&self) -> usize {
        self.state().device_authorizations
    }

    /// Hits on `/authorize` (PKCE logins started in the browser).
    pub fn authorize_hits(&self) -> usize {
        self.count(routes::AUTHORIZE)
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
}
