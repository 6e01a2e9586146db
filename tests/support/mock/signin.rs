//! The AWS sign-in service of `aws login`: `POST /v1/token` (CreateOAuth2Token, for an
//! authorization code and for refresh tokens) and the browser's `GET /v1/authorize`. Strict where
//! the real one is: every request's DPoP proof is verified here with its own code (not ssoenv's):
//! the ES256 signature against the proof's `jwk`, `typ`, `alg`, `htm`, `htu` (the full URL the
//! request reached), `iat` within a minute, a `jti` never seen before; a refresh must be signed
//! by the key its session was bound to at sign-in; refresh tokens rotate (a spent one is
//! refused); codes are redeemed once, with the PKCE verifier of their challenge (SHA-256).

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::{Value, json};

use super::http::{Incoming, Reply};
use super::oidc::pkce_challenge;
use super::state::{State, now_secs, random_hex};
use super::{Failure, MockSso, Route};

pub const SIGNIN_TOKEN: &str = "/v1/token";
pub const SIGNIN_AUTHORIZE: &str = "/v1/authorize";
pub const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
pub const CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";
/// The identity a sign-in returns unless `signin_identity` says otherwise.
pub const DEFAULT_LOGIN_ARN: &str = "arn:aws:iam::333333333333:user/alice";

pub(super) const ROUTES: &[Route] = &[
    Route {
        path: SIGNIN_TOKEN,
        method: "POST",
        page: false,
        handle: State::signin_token,
        error,
    },
    Route {
        path: SIGNIN_AUTHORIZE,
        method: "GET",
        page: true,
        handle: State::signin_authorize,
        error,
    },
];

/// What the sign-in service remembers.
pub(super) struct Signin {
    identity: String,
    expires_in: i64,
    /// refresh token → (client id, identity, the bound key's `x.y`)
    refresh_tokens: HashMap<String, (String, String, String)>,
    spent: HashSet<String>,
    /// code → (client id, redirect URI, challenge)
    codes: HashMap<String, (String, String, String)>,
    jtis: HashSet<String>,
    /// The next refreshes answer this error code instead.
    next_error: Vec<String>,
    pub(super) proofs_verified: usize,
    pub(super) rejected: Vec<String>,
    pub(super) verifier_lengths: Vec<usize>,
    /// The base64 code the cross-device confirmation page showed last.
    pub(super) confirmation_code: Option<String>,
}

impl Default for Signin {
    fn default() -> Signin {
        Signin {
            identity: DEFAULT_LOGIN_ARN.into(),
            expires_in: 900,
            refresh_tokens: HashMap::new(),
            spent: HashSet::new(),
            codes: HashMap::new(),
            jtis: HashSet::new(),
            next_error: Vec::new(),
            proofs_verified: 0,
            rejected: Vec::new(),
            verifier_lengths: Vec::new(),
            confirmation_code: None,
        }
    }
}

fn error(f: Failure) -> Reply {
    match f {
        Failure::Throttled => fail(429, "TooManyRequestsError", "server_error", "slow down"),
        Failure::Failed => fail(500, "InternalServerException", "server_error", "failed"),
        Failure::Unreadable => invalid("unreadable body"),
        Failure::WrongMethod(m) => invalid(&m),
    }
}

fn fail(status: u16, ty: &str, code: &str, message: &str) -> Reply {
    let mut r = Reply::json(status, json!({"error": code, "message": message}));
    r.headers.push(("x-amzn-ErrorType".into(), ty.into()));
    r.error_type = Some(ty.into());
    r.error = Some(code.into());
    r
}

fn invalid(message: &str) -> Reply {
    fail(400, "ValidationException", "INVALID_REQUEST", message)
}

fn denied(code: &str) -> Reply {
    let status = if code == "TOKEN_EXPIRED" || code == "AUTHCODE_EXPIRED" {
        401
    } else {
        403
    };
    fail(status, "AccessDeniedException", code, "access denied")
}

/// The proof's key (`x.y`), or why it is refused.
fn verify_proof(proof: &str, htu: &str, now: i64) -> Result<(String, String), String> {
    let parts: Vec<&str> = proof.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err("DPoP proof is not a JWS".into());
    };
    let decode = |part: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| "bad base64url")?;
        serde_json::from_slice(&bytes).map_err(|_| "not JSON".to_string())
    };
    let (header, claims) = (decode(h)?, decode(p)?);
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" {
        return Err("typ must be dpop+jwt and alg ES256".into());
    }
    let jwk = &header["jwk"];
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err("jwk must be an EC P-256 key".into());
    }
    let coord = |k: &str| {
        jwk[k]
            .as_str()
            .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .filter(|c| c.len() == 32)
            .ok_or_else(|| format!("jwk.{k} is not 32 bytes"))
    };
    let mut point = vec![4u8];
    point.extend(coord("x")?);
    point.extend(coord("y")?);
    let key = VerifyingKey::from_sec1_bytes(&point).map_err(|_| "jwk is not on the curve")?;
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or("signature is not r||s")?;
    key.verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| "signature does not verify with the jwk")?;
    if claims["htm"] != "POST" {
        return Err("htm must be POST".into());
    }
    if claims["htu"] != htu {
        return Err(format!("htu must be {htu}, was {}", claims["htu"]));
    }
    let iat = claims["iat"].as_i64().ok_or("iat missing")?;
    if (iat - now).abs() > 60 {
        return Err("iat is not within a minute of now".into());
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or("jti missing")?;
    let bound = format!(
        "{}.{}",
        jwk["x"].as_str().unwrap_or(""),
        jwk["y"].as_str().unwrap_or("")
    );
    Ok((bound, jti.to_string()))
}

/// An unsigned-looking id token whose payload names `sub`, as the CLI reads it.
fn id_token(sub: &str) -> String {
    let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        enc(json!({"alg": "ES384", "typ": "JWT"})),
        enc(json!({"sub": sub, "iss": "https://signin.aws.amazon.com"})),
        URL_SAFE_NO_PAD.encode(random_hex(16))
    )
}

impl State {
    fn signin_token(&mut self, rq: &Incoming) -> Reply {
        let htu = format!("{}{}", self.base_url, SIGNIN_TOKEN);
        let Some(proof) = rq.header("dpop") else {
            self.signin.rejected.push("no DPoP header".into());
            return invalid("DPoP header missing");
        };
        let (key, jti) = match verify_proof(proof, &htu, now_secs() as i64) {
            Ok(v) => v,
            Err(why) => {
                self.signin.rejected.push(why.clone());
                return invalid(&why);
            }
        };
        if !self.signin.jtis.insert(jti) {
            self.signin.rejected.push("jti replayed".into());
            return invalid("DPoP proof replayed (jti seen before)");
        }
        self.signin.proofs_verified += 1;
        let Ok(body) = serde_json::from_str::<Value>(&rq.body) else {
            return invalid("body is not JSON");
        };
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let client = text("clientId");
        if client != SAME_DEVICE && client != CROSS_DEVICE {
            return invalid("clientId must be a devtools client");
        }
        let identity = match text("grantType").as_str() {
            "refresh_token" => {
                if !self.signin.next_error.is_empty() {
                    let code = self.signin.next_error.remove(0);
                    return denied(&code);
                }
                let token = text("refreshToken");
                if self.signin.spent.contains(&token) {
                    self.signin.rejected.push("spent refresh token".into());
                    return invalid("refresh token already used");
                }
                let Some((bound_client, identity, bound_key)) =
                    self.signin.refresh_tokens.get(&token).cloned()
                else {
                    return denied("TOKEN_EXPIRED");
                };
                if bound_key != key {
                    self.signin
                        .rejected
                        .push("proof key is not the bound key".into());
                    return invalid("DPoP key does not match the refresh token's binding");
                }
                if bound_client != client {
                    return invalid("clientId does not match the refresh token");
                }
                self.signin.refresh_tokens.remove(&token);
                self.signin.spent.insert(token);
                identity
            }
            "authorization_code" => {
                let Some((code_client, redirect, challenge)) =
                    self.signin.codes.remove(&text("code"))
                else {
                    return denied("AUTHCODE_EXPIRED");
                };
                let verifier = text("codeVerifier");
                self.signin.verifier_lengths.push(verifier.len());
                if code_client != client || redirect != text("redirectUri") {
                    return invalid("clientId or redirectUri differ from the authorization");
                }
                if !(43..=128).contains(&verifier.len()) || pkce_challenge(&verifier) != challenge {
                    self.signin.rejected.push("PKCE verifier".into());
                    return invalid("codeVerifier does not match the code_challenge");
                }
                self.signin.identity.clone()
            }
            _ => return invalid("grantType"),
        };
        let n = self.next();
        let refresh = format!("signin-refresh-{n}-{}", random_hex(16));
        self.signin
            .refresh_tokens
            .insert(refresh.clone(), (client, identity.clone(), key));
        let mut out = json!({
            "accessToken": {
                "accessKeyId": format!("ASIALOGIN{n:08}"),
                "secretAccessKey": format!("login-secret-{}", random_hex(16)),
                "sessionToken": format!("login-session-{}", random_hex(24)),
            },
            "tokenType": "aws_sigv4",
            "expiresIn": self.signin.expires_in,
            "refreshToken": refresh,
        });
        if text("grantType") == "authorization_code" {
            out["idToken"] = id_token(&identity).into();
        }
        Reply::json(200, out)
    }

    fn signin_authorize(&mut self, rq: &Incoming) -> Reply {
        let p = |k: &str| rq.param(k).unwrap_or("").to_string();
        let client = p("client_id");
        let redirect = p("redirect_uri");
        let ok = p("response_type") == "code"
            && p("code_challenge_method") == "SHA-256"
            && p("scope") == "openid"
            && !p("state").is_empty()
            && p("code_challenge").len() == 43
            && ((client == SAME_DEVICE
                && redirect.starts_with("http://127.0.0.1:")
                && redirect.ends_with("/oauth/callback"))
                || (client == CROSS_DEVICE
                    && redirect == format!("{}/v1/sessions/confirmation", self.base_url)));
        if !ok {
            self.signin.rejected.push("authorize parameters".into());
            return Reply::page(400, "Bad request", "authorize parameters are not the CLI's");
        }
        let code = format!("signin-code-{}", random_hex(16));
        self.signin.codes.insert(
            code.clone(),
            (client.clone(), redirect.clone(), p("code_challenge")),
        );
        let query = format!("code={code}&state={}", p("state"));
        if client == CROSS_DEVICE {
            let shown = STANDARD.encode(&query);
            self.signin.confirmation_code = Some(shown.clone());
            return Reply::page(200, "Signed in", &shown);
        }
        Reply::redirect(format!("{redirect}?{query}"))
    }
}

/// A cache entry as `aws login` writes it, made by the mock's own sign-in: a key made here, its
/// refresh token bound to it on the mock. No `Debug`: it holds secrets.
pub struct SeededLogin {
    pub session: String,
    /// The entry's JSON text, as the AWS CLI writes it.
    pub entry: String,
    pub access_key_id: String,
    pub refresh_token: String,
}

impl MockSso {
    /// `AWS_ENDPOINT_URL_SIGNIN` for this mock.
    pub fn signin_env(&self) -> (&'static str, String) {
        ("AWS_ENDPOINT_URL_SIGNIN", self.url())
    }

    /// The identity (`sub`) the next sign-ins return.
    pub fn signin_identity(&self, arn: &str) {
        self.state().signin.identity = arn.into();
    }

    /// How long issued credentials last (seconds; the service's is 900).
    pub fn signin_expires_in(&self, secs: i64) {
        self.state().signin.expires_in = secs;
    }

    /// The next refresh answers AccessDeniedException with this `error`
    /// (`TOKEN_EXPIRED`, `USER_CREDENTIALS_CHANGED`, `INSUFFICIENT_PERMISSIONS`).
    pub fn signin_deny_next_refresh(&self, code: &str) {
        self.state().signin.next_error.push(code.into());
    }

    /// Proofs that verified, and why any request was refused.
    pub fn signin_proofs_verified(&self) -> usize {
        self.state().signin.proofs_verified
    }

    pub fn signin_rejections(&self) -> Vec<String> {
        self.state().signin.rejected.clone()
    }

    pub fn signin_verifier_lengths(&self) -> Vec<usize> {
        self.state().signin.verifier_lengths.clone()
    }

    /// The base64 code the last cross-device sign-in showed the person.
    pub fn signin_confirmation_code(&self) -> Option<String> {
        self.state().signin.confirmation_code.clone()
    }

    /// Whether `refresh_token` is live (issued and not yet rotated away).
    pub fn signin_refresh_token_live(&self, refresh_token: &str) -> bool {
        self.state()
            .signin
            .refresh_tokens
            .contains_key(refresh_token)
    }

    /// A signed-in session for `arn` whose credentials expire `expires_in` seconds from now
    /// (negative: already expired), registered here as a sign-in would: its refresh token is
    /// bound to a key made now.
    pub fn signin_seed(&self, arn: &str, expires_in: i64) -> SeededLogin {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("random");
        let secret = p256::SecretKey::from_slice(&bytes).expect("a P-256 scalar");
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let point = secret.public_key().to_encoded_point(false);
        let key = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(point.x().expect("x")),
            URL_SAFE_NO_PAD.encode(point.y().expect("y"))
        );
        // As the AWS CRT exports it (SEC1 with the curve's name, which p256's own PEM omits).
        let mut der = vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
        der.extend_from_slice(&secret.to_bytes());
        der.extend_from_slice(&[
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ]);
        der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        der.extend_from_slice(point.as_bytes());
        let body = STANDARD.encode(&der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let pem = format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
            lines.join("\n")
        );
        let mut st = self.state();
        let n = st.next();
        let refresh = format!("signin-refresh-{n}-{}", random_hex(16));
        st.signin
            .refresh_tokens
            .insert(refresh.clone(), (SAME_DEVICE.into(), arn.into(), key));
        let access_key_id = format!("ASIASEED{n:08}");
        let expires = super::format_utc((now_secs() as i64 + expires_in).max(0) as u64);
        let account = arn.split(':').nth(4).unwrap_or("");
        let entry = json!({
            "accessToken": {
                "accessKeyId": access_key_id,
                "secretAccessKey": format!("seed-secret-{}", random_hex(16)),
                "sessionToken": format!("seed-session-{}", random_hex(24)),
                "accountId": account,
                "expiresAt": expires,
            },
            "tokenType": "aws_sigv4",
            "clientId": SAME_DEVICE,
            "refreshToken": refresh,
            "idToken": id_token(arn),
            "dpopKey": pem,
        });
        // Python's json.dumps layout (keys sorted: readers do not mind the order).
        let entry = ssoenv::pyjson::dumps(&entry, ssoenv::pyjson::Separators::Default);
        SeededLogin {
            session: arn.into(),
            entry,
            access_key_id,
            refresh_token: refresh,
        }
    }
}
