//! The AWS sign-in service as `aws login` speaks to it: one call, `CreateOAuth2Token`
//! (`POST {endpoint}/v1/token`, unsigned JSON, a DPoP proof in the `DPoP` header), for the
//! authorization code of a sign-in and for each refresh; and the browser's `/v1/authorize` page.
//! Shapes from botocore's `signin` service model and the AWS CLI's `customizations/login`.

use serde_json::{Value, json};

use super::{ApiError, Http};
use crate::dpop::DpopKey;

/// The client of a sign-in whose browser sends the code to a loopback listener.
pub const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
/// The client of a sign-in whose person pastes the code back (`aws login --remote`).
pub const CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";

/// What to redeem.
pub enum Grant<'a> {
    Refresh {
        refresh_token: &'a str,
    },
    Code {
        code: &'a str,
        verifier: &'a str,
        redirect_uri: &'a str,
    },
}

/// `tokenOutput`: 15-minute credentials and the next refresh token (and the id token after a
/// sign-in). No `Debug`: it holds secrets.
pub struct TokenOutput {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub token_type: Option<String>,
    /// Seconds.
    pub expires_in: i64,
    pub refresh_token: String,
    pub id_token: Option<String>,
}

/// `CreateOAuth2Token`. Sent once (a refresh token or code is spent by it) unless it provably
/// never left; each try carries a new proof signed by `key`.
pub fn create_token(
    http: &Http,
    base: &str,
    client_id: &str,
    grant: &Grant,
    key: &DpopKey,
) -> Result<TokenOutput, ApiError> {
    let url = format!("{base}/v1/token");
    let (body, secrets): (Value, Vec<&str>) = match grant {
        Grant::Refresh { refresh_token } => (
            json!({"clientId": client_id, "refreshToken": refresh_token,
                   "grantType": "refresh_token"}),
            vec![*refresh_token],
        ),
        Grant::Code {
            code,
            verifier,
            redirect_uri,
        } => (
            json!({"clientId": client_id, "grantType": "authorization_code", "code": code,
                   "codeVerifier": verifier, "redirectUri": redirect_uri}),
            vec![*code, *verifier],
        ),
    };
    let reply =
        http.post_json_once_with_proof(&url, &body, &secrets, "DPoP", &|| key.proof(&url))?;
    parse_output(&url, &reply).ok_or_else(|| {
        ApiError::transport(
            &url,
            "the reply lacked credentials, expiresIn or refreshToken",
        )
    })
}

fn parse_output(_url: &str, reply: &Value) -> Option<TokenOutput> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let access = reply.get("accessToken")?;
    Some(TokenOutput {
        access_key_id: text(access, "accessKeyId")?,
        secret_access_key: text(access, "secretAccessKey")?,
        session_token: text(access, "sessionToken")?,
        token_type: text(reply, "tokenType"),
        expires_in: reply.get("expiresIn").and_then(Value::as_i64)?,
        refresh_token: text(reply, "refreshToken")?,
        id_token: text(reply, "idToken"),
    })
}

/// The page the browser opens: on the scheme and host of the endpoint only (an override's path
/// is dropped, as the AWS CLI drops it), parameters in the AWS CLI's order, the challenge last
/// and without its `=` padding.
pub fn authorize_url(
    base: &str,
    client_id: &str,
    state: &str,
    challenge: &str,
    redirect_uri: &str,
) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("state", state),
        ("code_challenge_method", "SHA-256"),
        ("scope", "openid"),
        ("redirect_uri", redirect_uri),
    ];
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .collect();
    format!(
        "{}/v1/authorize?{}&code_challenge={challenge}",
        origin(base),
        query.join("&")
    )
}

/// `scheme://host[:port]` of a URL.
pub fn origin(base: &str) -> &str {
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    }
}

/// Python's `urllib.parse.quote(v, safe='-_.~')`, as botocore's `percent_encode` writes it.
fn quote(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_is_the_clis() {
        let url = authorize_url(
            "http://127.0.0.1:9/prefix",
            SAME_DEVICE,
            "0b0c",
            "abc-_",
            "http://127.0.0.1:5/oauth/callback",
        );
        assert_eq!(
            url,
            "http://127.0.0.1:9/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin\
             %3A%3A%3Adevtools%2Fsame-device&state=0b0c&code_challenge_method=SHA-256&\
             scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Foauth%2Fcallback&\
             code_challenge=abc-_"
        );
        assert_eq!(origin("https://x.example"), "https://x.example");
    }
}
