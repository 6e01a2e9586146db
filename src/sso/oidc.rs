//! sso-oidc: RegisterClient, StartDeviceAuthorization, CreateToken.

use serde_json::{Map, Value, json};

use super::{ApiError, Http};

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A registered public client, as the registration cache holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: String,
    /// Epoch seconds (`clientSecretExpiresAt`).
    pub expires_at: i64,
    pub scopes: Option<Vec<String>>,
    /// Some for a PKCE client: `["authorization_code", "refresh_token"]`.
    pub grant_types: Option<Vec<String>>,
}

/// What RegisterClient needs for a PKCE client.
#[derive(Debug, Clone)]
pub struct PkceClient<'a> {
    pub redirect_uri: &'a str,
    /// The start URL.
    pub issuer_url: &'a str,
}

/// `clientName` is `ssoenv-{unix time}`, `clientType` public. For PKCE, also `grantTypes`
/// `["authorization_code", "refresh_token"]`, `redirectUris` and `issuerUrl`.
pub fn register_client(
    http: &Http,
    oidc: &str,
    scopes: Option<&[String]>,
    pkce: Option<&PkceClient>,
) -> Result<Registration, ApiError> {
    let url = format!("{oidc}/client/register");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let scopes = scopes.filter(|s| !s.is_empty());
    let mut body = Map::new();
    body.insert("clientName".into(), json!(format!("ssoenv-{now}")));
    body.insert("clientType".into(), json!("public"));
    if let Some(scopes) = scopes {
        body.insert("scopes".into(), json!(scopes));
    }
    let grant_types =
        pkce.map(|_| vec!["authorization_code".to_owned(), "refresh_token".to_owned()]);
    if let (Some(pkce), Some(grants)) = (pkce, &grant_types) {
        body.insert("grantTypes".into(), json!(grants));
        body.insert("redirectUris".into(), json!([pkce.redirect_uri]));
        body.insert("issuerUrl".into(), json!(pkce.issuer_url));
    }
    // Nothing in a registration request is secret.
    let reply = http.post_json(&url, &Value::Object(body), &[])?;
    Ok(Registration {
        client_id: string(&reply, "clientId", &url)?,
        client_secret: string(&reply, "clientSecret", &url)?,
        expires_at: reply
            .get("clientSecretExpiresAt")
            .and_then(Value::as_i64)
            .ok_or_else(|| lacked(&url, "clientSecretExpiresAt"))?,
        scopes: scopes.map(<[String]>::to_vec),
        grant_types,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    /// Seconds.
    pub expires_in: u64,
    /// Seconds between polls (the service's `interval`, 5 when absent).
    pub interval: u64,
}

pub fn start_device_authorization(
    http: &Http,
    oidc: &str,
    client: &Registration,
    start_url: &str,
) -> Result<DeviceAuthorization, ApiError> {
    let url = format!("{oidc}/device_authorization");
    let body = json!({
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
        "startUrl": start_url,
    });
    let reply = http.post_json(&url, &body, &[&client.client_secret])?;
    let verification_uri = string(&reply, "verificationUri", &url)?;
    Ok(DeviceAuthorization {
        device_code: string(&reply, "deviceCode", &url)?,
        user_code: string(&reply, "userCode", &url)?,
        verification_uri_complete: reply
            .get("verificationUriComplete")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| verification_uri.clone(), str::to_owned),
        verification_uri,
        expires_in: reply
            .get("expiresIn")
            .and_then(Value::as_u64)
            .ok_or_else(|| lacked(&url, "expiresIn"))?,
        // Zero is kept: the poll loop has its own floor (login.rs), and test servers use it.
        interval: reply.get("interval").and_then(Value::as_u64).unwrap_or(5),
    })
}

pub enum Grant<'a> {
    DeviceCode(&'a str),
    AuthorizationCode {
        code: &'a str,
        redirect_uri: &'a str,
        code_verifier: &'a str,
    },
    RefreshToken(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    /// Seconds.
    pub expires_in: i64,
    pub refresh_token: Option<String>,
}

/// CreateToken. Errors come back as `ApiError::Service` with `code` = the OIDC `error` field
/// (`authorization_pending`, `slow_down`, `expired_token`, `invalid_grant`, `invalid_client`, ...).
pub fn create_token(
    http: &Http,
    oidc: &str,
    client: &Registration,
    grant: Grant,
) -> Result<TokenResponse, ApiError> {
    let url = format!("{oidc}/token");
    // The service rotates refresh tokens: a retried refresh whose first try got through would
    // present a spent token, and the new one from the first try would be lost with its reply.
    let once = matches!(grant, Grant::RefreshToken(_));
    let mut body = json!({
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
    });
    let mut secrets = vec![client.client_secret.as_str()];
    let extra = match grant {
        Grant::DeviceCode(device_code) => {
            secrets.push(device_code);
            json!({
            "grantType": DEVICE_CODE_GRANT,
            "deviceCode": device_code,
            })
        }
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            secrets.extend([code, code_verifier]);
            json!({
            "grantType": "authorization_code",
            "code": code,
            "redirectUri": redirect_uri,
            "codeVerifier": code_verifier,
            })
        }
        Grant::RefreshToken(refresh_token) => {
            secrets.push(refresh_token);
            json!({
            "grantType": "refresh_token",
            "refreshToken": refresh_token,
            })
        }
    };
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    let reply = if once {
        http.post_json_once(&url, &body, &secrets)?
    } else {
        http.post_json(&url, &body, &secrets)?
    };
    Ok(TokenResponse {
        access_token: string(&reply, "accessToken", &url)?,
        expires_in: reply
            .get("expiresIn")
            .and_then(Value::as_i64)
            .ok_or_else(|| lacked(&url, "expiresIn"))?,
        refresh_token: reply
            .get("refreshToken")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    })
}

/// The browser URL that starts a PKCE login:
/// `{oidc}/authorize?response_type=code&client_id=..&redirect_uri=..&state=..&code_challenge_method=S256&scopes=..&code_challenge=..`
/// (every value form-URL-encoded; scopes space-separated, `sso:account:access` when none).
pub fn authorize_url(
    oidc: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    code_challenge: &str,
    scopes: Option<&[String]>,
) -> String {
    let scopes = match scopes {
        Some(s) if !s.is_empty() => s.join(" "),
        _ => "sso:account:access".to_owned(),
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &scopes)
        .append_pair("code_challenge", code_challenge)
        .finish();
    format!("{oidc}/authorize?{query}")
}

/// A required string field; its absence means the reply is not what the service sends.
fn string(reply: &Value, field: &str, url: &str) -> Result<String, ApiError> {
    reply
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| lacked(url, field))
}

fn lacked(url: &str, field: &str) -> ApiError {
    ApiError::transport(url, format!("the reply lacked {field}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::http::test_server::{ok, reply, serve};
    use std::time::Duration;

    fn http() -> Http {
        Http::for_tests(Duration::from_secs(5))
    }

    fn client(grant_types: Option<Vec<String>>) -> Registration {
        Registration {
            client_id: "cid".into(),
            client_secret: "csecret".into(),
            expires_at: 1_900_000_000,
            scopes: None,
            grant_types,
        }
    }

    const REGISTERED: &str = r#"{"clientId":"cid","clientSecret":"csecret","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1900000000}"#;

    #[test]
    fn registers_device_and_pkce_clients() {
        let (base, seen) = serve(vec![ok(REGISTERED), ok(REGISTERED)]);
        let r = register_client(&http(), &base, Some(&[]), None).unwrap();
        assert_eq!(r, client(None));

        let scopes = vec!["sso:account:access".to_owned()];
        let pkce = PkceClient {
            redirect_uri: "http://127.0.0.1:5555/oauth/callback",
            issuer_url: "https://d-123.awsapps.com/start",
        };
        let r = register_client(&http(), &base, Some(&scopes), Some(&pkce)).unwrap();
        assert_eq!(r.scopes, Some(scopes.clone()));
        assert_eq!(
            r.grant_types,
            Some(vec!["authorization_code".into(), "refresh_token".into()])
        );

        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].url, "/client/register");
        let device = seen[0].json();
        assert!(
            device["clientName"]
                .as_str()
                .unwrap()
                .starts_with("ssoenv-")
        );
        assert_eq!(device["clientType"], "public");
        for absent in ["scopes", "grantTypes", "redirectUris", "issuerUrl"] {
            assert!(device.get(absent).is_none(), "{absent}");
        }
        let body = seen[1].json();
        assert_eq!(body["scopes"], json!(["sso:account:access"]));
        assert_eq!(
            body["grantTypes"],
            json!(["authorization_code", "refresh_token"])
        );
        assert_eq!(
            body["redirectUris"],
            json!(["http://127.0.0.1:5555/oauth/callback"])
        );
        assert_eq!(body["issuerUrl"], "https://d-123.awsapps.com/start");
    }

    #[test]
    fn device_authorization_defaults() {
        let (base, seen) = serve(vec![
            ok(
                r#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://v","verificationUriComplete":"https://v?c=1","expiresIn":600,"interval":1}"#,
            ),
            ok(
                r#"{"deviceCode":"dc","userCode":"U","verificationUri":"https://v","expiresIn":600}"#,
            ),
        ]);
        let d = start_device_authorization(&http(), &base, &client(None), "https://start").unwrap();
        assert_eq!(
            d,
            DeviceAuthorization {
                device_code: "dc".into(),
                user_code: "ABCD-EFGH".into(),
                verification_uri: "https://v".into(),
                verification_uri_complete: "https://v?c=1".into(),
                expires_in: 600,
                interval: 1,
            }
        );
        let d = start_device_authorization(&http(), &base, &client(None), "https://start").unwrap();
        assert_eq!(
            (d.interval, d.verification_uri_complete.as_str()),
            (5, "https://v")
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].url, "/device_authorization");
        assert_eq!(
            seen[0].json(),
            json!({"clientId":"cid","clientSecret":"csecret","startUrl":"https://start"})
        );
    }

    #[test]
    fn create_token_bodies_for_each_grant() {
        let token =
            r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":28800,"refreshToken":"rt"}"#;
        let (base, seen) = serve(vec![
            ok(token),
            ok(token),
            ok(r#"{"accessToken":"at","expiresIn":3600}"#),
        ]);
        let c = client(None);
        let t = create_token(&http(), &base, &c, Grant::DeviceCode("dc")).unwrap();
        assert_eq!(
            t,
            TokenResponse {
                access_token: "at".into(),
                expires_in: 28800,
                refresh_token: Some("rt".into())
            }
        );
        let grant = Grant::AuthorizationCode {
            code: "code",
            redirect_uri: "http://127.0.0.1:1/oauth/callback",
            code_verifier: "verifier",
        };
        create_token(&http(), &base, &c, grant).unwrap();
        let t = create_token(&http(), &base, &c, Grant::RefreshToken("rt")).unwrap();
        assert_eq!(t.refresh_token, None);

        let seen = seen.lock().unwrap();
        assert!(seen.iter().all(|s| s.url == "/token" && s.method == "POST"));
        assert_eq!(
            seen[0].json(),
            json!({"clientId":"cid","clientSecret":"csecret","grantType":DEVICE_CODE_GRANT,"deviceCode":"dc"})
        );
        assert_eq!(
            seen[1].json(),
            json!({"clientId":"cid","clientSecret":"csecret","grantType":"authorization_code",
                   "code":"code","redirectUri":"http://127.0.0.1:1/oauth/callback","codeVerifier":"verifier"})
        );
        assert_eq!(
            seen[2].json(),
            json!({"clientId":"cid","clientSecret":"csecret","grantType":"refresh_token","refreshToken":"rt"})
        );
    }

    #[test]
    fn create_token_errors() {
        let (base, _) = serve(vec![
            reply(
                400,
                &[("x-amzn-ErrorType", "AuthorizationPendingException:http://x")],
                r#"{"error":"authorization_pending","error_description":"wait"}"#,
            ),
            ok(r#"{"tokenType":"Bearer","expiresIn":1}"#),
            ok(r#"{"accessToken":"at"}"#),
        ]);
        let c = client(None);
        let e = create_token(&http(), &base, &c, Grant::DeviceCode("dc")).unwrap_err();
        assert!(
            matches!(&e, ApiError::Service { status: 400, code, .. } if code == "authorization_pending")
        );
        let e = create_token(&http(), &base, &c, Grant::DeviceCode("dc")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{base}/token: the reply lacked accessToken")
        );
        let e = create_token(&http(), &base, &c, Grant::DeviceCode("dc")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{base}/token: the reply lacked expiresIn")
        );
    }

    #[test]
    fn a_refresh_that_reached_the_service_is_never_sent_again() {
        let failed = || reply(500, &[], r#"{"error":"server_error"}"#);
        let (base, seen) = serve(vec![failed(), failed(), failed(), failed()]);
        let c = client(None);
        let e = create_token(&http(), &base, &c, Grant::RefreshToken("rt")).unwrap_err();
        assert!(matches!(e, ApiError::Service { status: 500, .. }), "{e:?}");
        assert_eq!(seen.lock().unwrap().len(), 1);
        // Other grants spend nothing: a failure may be retried.
        create_token(&http(), &base, &c, Grant::DeviceCode("dc")).unwrap_err();
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    #[test]
    fn authorize_url_is_exact() {
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com",
            "client id",
            "http://127.0.0.1:4321/oauth/callback",
            "st&ate",
            "chal-lenge_",
            None,
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=client+id\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Foauth%2Fcallback&state=st%26ate\
             &code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=chal-lenge_"
        );
        let scopes = ["a:b".to_owned(), "c".to_owned()];
        let url = authorize_url("https://o", "c", "r", "s", "x", Some(&scopes));
        assert!(url.contains("&scopes=a%3Ab+c&"), "{url}");
    }
}
