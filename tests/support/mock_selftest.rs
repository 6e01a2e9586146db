//! Tests of the mock IAM Identity Center itself, over raw HTTP.
//!
//! Included from `tests/integration/main.rs` with
//! `#[path = "../support/mock_selftest.rs"] mod mock_selftest;`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::mock::{
    self, Account, DEVICE_CODE_GRANT, MockSso, RefreshTokenPolicy, pkce_challenge, url_encode,
};

struct Resp {
    status: u16,
    error_type: Option<String>,
    location: Option<String>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} (status {})", self.body, self.status))
    }

    fn s(&self, key: &str) -> String {
        match self.json().get(key).and_then(Value::as_str) {
            Some(v) => v.to_string(),
            None => panic!("no string {key:?} in {}", self.body),
        }
    }

    /// `x-amzn-ErrorType` up to the `:`.
    fn error_name(&self) -> Option<&str> {
        self.error_type
            .as_deref()
            .map(|t| t.split(':').next().unwrap_or(t))
    }
}

struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(mock: &MockSso) -> Http {
        Http::for_url(mock.url())
    }

    fn for_url(base: String) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        Http { agent, base }
    }

    fn post(&self, path: &str, body: &Value) -> Resp {
        let resp = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body.to_string())
            .expect("POST failed");
        Self::read(resp)
    }

    fn post_raw(&self, path: &str, body: &str) -> Resp {
        let resp = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body)
            .expect("POST failed");
        Self::read(resp)
    }

    fn get(&self, path_and_query: &str, token: Option<&str>) -> Resp {
        let mut rq = self.agent.get(format!("{}{path_and_query}", self.base));
        if let Some(t) = token {
            rq = rq.header(mock::BEARER_HEADER, t);
        }
        Self::read(rq.call().expect("GET failed"))
    }

    fn read(mut resp: ureq::http::Response<ureq::Body>) -> Resp {
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (error_type, location) = (header("x-amzn-errortype"), header("location"));
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().expect("body");
        Resp {
            status,
            error_type,
            location,
            body,
        }
    }

    fn register(&self, extra: Value) -> (String, String) {
        let mut body = json!({ "clientName": "selftest", "clientType": "public" });
        if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
            b.extend(extra);
        }
        let r = self.post("/client/register", &body);
        assert_eq!(r.status, 200, "{}", r.body);
        (r.s("clientId"), r.s("clientSecret"))
    }

    /// Register, start and approve a device authorization, return (client, secret, token response).
    fn device_login(&self) -> (String, String, Resp) {
        let (id, secret) = self.register(json!({ "scopes": ["sso:account:access"] }));
        let d = self.post(
            "/device_authorization",
            &json!({ "clientId": id, "clientSecret": secret, "startUrl": "https://x.awsapps.com/start" }),
        );
        assert_eq!(d.status, 200, "{}", d.body);
        let url = d.s("verificationUriComplete");
        let page = self.get(url.trim_start_matches(&self.base), None);
        assert_eq!(page.status, 200);
        let t = self.post(
            "/token",
            &json!({ "clientId": id, "clientSecret": secret, "grantType": DEVICE_CODE_GRANT, "deviceCode": d.s("deviceCode") }),
        );
        (id, secret, t)
    }
}

fn query_of(location: &str) -> Vec<(String, String)> {
    mock::parse_query(location.split_once('?').map(|(_, q)| q).unwrap_or(""))
}

fn param(q: &[(String, String)], name: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

#[test]
fn mock_device_flow_over_raw_http() {
    let mock = MockSso::builder().interval(0).start();
    let http = Http::new(&mock);
    let (id, secret) = http.register(json!({ "scopes": ["sso:account:access"] }));

    let d = http.post(
        "/device_authorization",
        &json!({ "clientId": id, "clientSecret": secret, "startUrl": "https://mock.awsapps.com/start" }),
    );
    assert_eq!(d.status, 200, "{}", d.body);
    let dj = d.json();
    assert_eq!(dj["interval"], json!(0));
    assert_eq!(dj["expiresIn"], json!(600));
    assert_eq!(d.s("verificationUri"), format!("{}/device", mock.url()));
    let user_code = d.s("userCode");
    assert_eq!(user_code.len(), 9);
    assert_eq!(
        d.s("verificationUriComplete"),
        format!("{}/device?user_code={}", mock.url(), url_encode(&user_code))
    );
    let poll = json!({ "clientId": id, "clientSecret": secret, "grantType": DEVICE_CODE_GRANT, "deviceCode": d.s("deviceCode") });

    let pending = http.post("/token", &poll);
    assert_eq!(pending.status, 400);
    assert_eq!(pending.error_name(), Some("AuthorizationPendingException"));
    assert!(
        pending
            .error_type
            .as_deref()
            .unwrap_or("")
            .contains(":http://internal.amazon.com/coral/")
    );
    assert_eq!(pending.s("error"), "authorization_pending");
    assert!(pending.json().get("error_description").is_some());

    assert_eq!(http.get("/device?user_code=NOPE-NOPE", None).status, 400);
    assert_eq!(http.get("/device", None).status, 400);
    let page = http.get(&format!("/device?user_code={user_code}"), None);
    assert_eq!(page.status, 200);

    let t = http.post("/token", &poll);
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(t.s("tokenType"), "Bearer");
    assert_eq!(t.json()["expiresIn"], json!(8 * 3600));
    assert!(
        t.json()["refreshToken"].is_string(),
        "scoped client gets a refresh token"
    );
    let token = t.s("accessToken");
    assert!(mock.access_token_valid(&token));

    let again = http.post("/token", &poll);
    assert_eq!(
        again.s("error"),
        "invalid_grant",
        "a device code is single-use"
    );

    let c = http.get(
        "/federation/credentials?role_name=AdministratorAccess&account_id=111111111111",
        Some(&token),
    );
    assert_eq!(c.status, 200, "{}", c.body);
    let creds = &c.json()["roleCredentials"];
    assert!(
        creds["accessKeyId"]
            .as_str()
            .unwrap_or("")
            .starts_with("ASIA")
    );
    let exp = creds["expiration"]
        .as_u64()
        .expect("expiration is a number");
    let now_ms = mock::now_ms();
    assert!(
        exp > now_ms + 3_500_000 && exp < now_ms + 3_700_000,
        "epoch milliseconds, 1 h"
    );

    assert_eq!(mock.device_authorizations(), 1);
    assert_eq!(mock.count("/token"), 3);
    assert_eq!(mock.count_grant("device_code"), 3);
    assert_eq!(mock.count_grant(DEVICE_CODE_GRANT), 3);
    assert_eq!(mock.count_errors("authorization_pending"), 1);
    assert_eq!(mock.credentials_issued(), 1);
    let last = mock
        .requests_to("/federation/credentials")
        .pop()
        .expect("recorded");
    assert_eq!(last.bearer_token(), Some(token.as_str()));
    assert_eq!(last.query_param("account_id"), Some("111111111111"));
    assert_eq!(last.status, 200);
}

#[test]
fn mock_device_flow_errors_and_slow_down() {
    let mock = MockSso::builder().interval(0).auto_approve(false).start();
    let http = Http::new(&mock);
    let (id, secret) = http.register(json!({}));
    let start = |http: &Http| {
        http.post(
            "/device_authorization",
            &json!({ "clientId": id, "clientSecret": secret, "startUrl": "https://s/start" }),
        )
    };
    let d = start(&http);
    let poll = json!({ "clientId": id, "clientSecret": secret, "grantType": DEVICE_CODE_GRANT, "deviceCode": d.s("deviceCode") });

    // Auto-approve off: visiting the page does not approve.
    assert_eq!(
        http.get(&format!("/device?user_code={}", d.s("userCode")), None)
            .status,
        200
    );
    assert_eq!(
        http.post("/token", &poll).s("error"),
        "authorization_pending"
    );

    mock.slow_down_next(2);
    for _ in 0..2 {
        let r = http.post("/token", &poll);
        assert_eq!((r.status, r.error_name()), (400, Some("SlowDownException")));
        assert_eq!(r.s("error"), "slow_down");
    }
    assert!(mock.approve_device(&d.s("userCode")));
    let t = http.post("/token", &poll);
    assert_eq!(t.status, 200, "{}", t.body);
    assert!(
        t.json().get("refreshToken").is_none(),
        "no scopes, no grantTypes: no refresh token"
    );

    // Wrong secret.
    let mut bad = poll.clone();
    bad["clientSecret"] = json!("wrong");
    let r = http.post("/token", &bad);
    assert_eq!(
        (r.status, r.error_name()),
        (401, Some("InvalidClientException"))
    );
    assert_eq!(r.s("error"), "invalid_client");

    // Unknown device code, expired device code, denied device code.
    let mut unknown = poll.clone();
    unknown["deviceCode"] = json!("nope");
    assert_eq!(http.post("/token", &unknown).s("error"), "invalid_grant");
    let d2 = start(&http);
    mock.expire_device_codes();
    let mut p2 = poll.clone();
    p2["deviceCode"] = json!(d2.s("deviceCode"));
    let r = http.post("/token", &p2);
    assert_eq!(
        (r.s("error"), r.error_name()),
        ("expired_token".to_string(), Some("ExpiredTokenException"))
    );
    let d3 = start(&http);
    assert!(mock.deny_device(&d3.s("userCode")));
    let mut p3 = poll.clone();
    p3["deviceCode"] = json!(d3.s("deviceCode"));
    let r = http.post("/token", &p3);
    assert_eq!(
        (r.s("error"), r.error_name()),
        ("access_denied".to_string(), Some("AccessDeniedException"))
    );

    // Bad input never kills the server.
    let r = http.post_raw("/token", "{not json");
    assert_eq!(
        (r.status, r.s("error")),
        (400, "invalid_request".to_string())
    );
    let r = http.post(
        "/token",
        &json!({ "clientId": id, "clientSecret": secret, "grantType": "password" }),
    );
    assert_eq!(r.s("error"), "unsupported_grant_type");
    let r = http.post(
        "/client/register",
        &json!({ "clientName": "x", "clientType": "confidential" }),
    );
    assert_eq!(r.status, 400);
    let r = http.post("/client/register", &json!([1, 2]));
    assert_eq!(r.error_name(), Some("InvalidRequestException"));
    let r = http.get("/nowhere", None);
    assert_eq!(r.status, 404);
    assert_eq!(http.get("/client/register", None).status, 405);

    mock.fail_next_on("/token", 1);
    let r = http.post("/token", &poll);
    assert_eq!(
        (r.status, r.error_name()),
        (500, Some("InternalServerException"))
    );
    assert_eq!(r.s("error"), "server_error");
}

#[test]
fn mock_pkce_code_exchange() {
    let mock = MockSso::start();
    let http = Http::new(&mock);
    let (id, secret) = http.register(json!({
        "scopes": ["sso:account:access"],
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": ["http://127.0.0.1/oauth/callback"],
        "issuerUrl": "https://mock.awsapps.com/start",
    }));
    let client = mock
        .clients()
        .into_iter()
        .find(|c| c.client_id == id)
        .expect("client");
    assert_eq!(
        client.redirect_uris,
        Some(vec!["http://127.0.0.1/oauth/callback".to_string()])
    );
    assert_eq!(client.grant_types.as_ref().map(Vec::len), Some(2));

    let redirect = "http://127.0.0.1:43210/oauth/callback";
    let verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
    let authorize = |challenge: &str, state: &str| {
        http.get(
            &format!(
                "/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
                url_encode(&id),
                url_encode(redirect),
                url_encode(state),
                url_encode("sso:account:access"),
                url_encode(challenge)
            ),
            None,
        )
    };
    let exchange = |code: &str, verifier: &str, redirect: &str| {
        http.post(
            "/token",
            &json!({ "clientId": id, "clientSecret": secret, "grantType": "authorization_code",
                     "code": code, "redirectUri": redirect, "codeVerifier": verifier }),
        )
    };

    let r = authorize(&pkce_challenge(verifier), "st&te 1");
    assert_eq!(r.status, 302);
    let location = r.location.expect("Location");
    assert!(location.starts_with(&format!("{redirect}?")), "{location}");
    let q = query_of(&location);
    assert_eq!(param(&q, "state").as_deref(), Some("st&te 1"));
    let code = param(&q, "code").expect("code");

    // Wrong verifier: refused, and the code is burnt.
    let r = exchange(
        &code,
        "wrong-verifier-wrong-verifier-wrong-verifier-00",
        redirect,
    );
    assert_eq!((r.status, r.s("error")), (400, "invalid_grant".to_string()));
    assert_eq!(
        exchange(&code, verifier, redirect).s("error"),
        "invalid_grant"
    );

    // Fresh code, wrong redirect URI.
    let code = param(
        &query_of(
            &authorize(&pkce_challenge(verifier), "s2")
                .location
                .expect("loc"),
        ),
        "code",
    )
    .expect("code");
    assert_eq!(
        exchange(&code, verifier, "http://127.0.0.1:1/oauth/callback").s("error"),
        "invalid_grant"
    );

    // Fresh code, right verifier.
    let code = param(
        &query_of(
            &authorize(&pkce_challenge(verifier), "s3")
                .location
                .expect("loc"),
        ),
        "code",
    )
    .expect("code");
    let t = exchange(&code, verifier, redirect);
    assert_eq!(t.status, 200, "{}", t.body);
    assert!(t.json()["refreshToken"].is_string());
    assert_eq!(
        exchange(&code, verifier, redirect).s("error"),
        "invalid_grant",
        "single use"
    );

    // Validation: wrong method redirects with an error; unknown redirect URI gets a page.
    let r = http.get(
        &format!(
            "/authorize?response_type=code&client_id={}&redirect_uri={}&state=x&code_challenge_method=plain&code_challenge=abc",
            url_encode(&id),
            url_encode(redirect)
        ),
        None,
    );
    assert_eq!(r.status, 302);
    assert_eq!(
        param(&query_of(&r.location.expect("loc")), "error").as_deref(),
        Some("invalid_request")
    );
    let r = http.get(
        &format!(
            "/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge_method=S256&code_challenge=abc",
            url_encode(&id),
            url_encode("http://evil.example/cb")
        ),
        None,
    );
    assert_eq!((r.status, r.location), (400, None));

    mock.set_deny_authorize(true);
    let r = authorize(&pkce_challenge(verifier), "s4");
    let q = query_of(&r.location.expect("loc"));
    assert_eq!(param(&q, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&q, "state").as_deref(), Some("s4"));
    assert!(param(&q, "error_description").is_some());

    // A seeded client can log in with PKCE too.
    mock.set_deny_authorize(false);
    mock.seed_client("seeded-id", "seeded-secret", mock::now_secs() + 3600);
    let r = http.get(
        &format!(
            "/authorize?response_type=code&client_id=seeded-id&redirect_uri={}&state=z&code_challenge_method=S256&code_challenge={}",
            url_encode("http://127.0.0.1:9/oauth/callback"),
            pkce_challenge(verifier)
        ),
        None,
    );
    let code = param(&query_of(&r.location.expect("loc")), "code").expect("code");
    let t = http.post(
        "/token",
        &json!({ "clientId": "seeded-id", "clientSecret": "seeded-secret", "grantType": "authorization_code",
                 "code": code, "redirectUri": "http://127.0.0.1:9/oauth/callback", "codeVerifier": verifier }),
    );
    assert_eq!(t.status, 200, "{}", t.body);

    assert_eq!(mock.authorize_hits(), 7);
    assert_eq!(mock.count_grant("authorization_code"), 6);
    assert_eq!(
        mock.requests_to("/authorize")[0].query_param("scopes"),
        Some("sso:account:access")
    );
}

#[test]
fn mock_refresh_rotation() {
    let mock = MockSso::builder().interval(0).start();
    let http = Http::new(&mock);
    let (id, secret, t) = http.device_login();
    let refresh1 = t.s("refreshToken");
    let refresh = |token: &str| {
        http.post(
            "/token",
            &json!({ "clientId": id, "clientSecret": secret, "grantType": "refresh_token", "refreshToken": token }),
        )
    };
    let r = refresh(&refresh1);
    assert_eq!(r.status, 200, "{}", r.body);
    let refresh2 = r.s("refreshToken");
    assert_ne!(refresh1, refresh2);
    assert_ne!(r.s("accessToken"), t.s("accessToken"));
    assert!(mock.access_token_valid(&r.s("accessToken")));
    assert_eq!(
        refresh(&refresh1).s("error"),
        "invalid_grant",
        "rotated out"
    );
    assert!(!mock.refresh_token_valid(&refresh1));
    let r = refresh(&refresh2);
    assert_eq!(r.status, 200);
    let refresh3 = r.s("refreshToken");
    assert_eq!(mock.count_grant("refresh_token"), 3);

    // Another client cannot use this client's refresh token.
    let (other, other_secret) = http.register(json!({ "scopes": ["sso:account:access"] }));
    let s = mock.seed_session(60);
    let r = http.post(
        "/token",
        &json!({ "clientId": other, "clientSecret": other_secret, "grantType": "refresh_token",
                 "refreshToken": s.refresh_token.clone().unwrap_or_default() }),
    );
    assert_eq!(r.s("error"), "invalid_grant");

    // A seeded session is accepted as is, and refreshes.
    let seeded = mock.seed_session(-10);
    assert_eq!(
        http.get("/assignment/accounts", Some(&seeded.access_token))
            .status,
        401,
        "expired"
    );
    let r = http.post(
        "/token",
        &json!({ "clientId": seeded.client_id, "clientSecret": seeded.client_secret,
                 "grantType": "refresh_token", "refreshToken": seeded.refresh_token.clone().unwrap_or_default() }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        http.get("/assignment/accounts", Some(&r.s("accessToken")))
            .status,
        200
    );
    let cache: Value =
        serde_json::from_str(&seeded.token_cache_json("https://s/start", "us-east-1"))
            .expect("json");
    let keys: Vec<&str> = cache
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys.len(),
        8,
        "startUrl region accessToken expiresAt clientId clientSecret registrationExpiresAt refreshToken"
    );
    assert!(cache["expiresAt"].as_str().unwrap_or("").ends_with('Z'));

    // Expiry, logout and revocation.
    mock.set_access_token_ttl_secs(0);
    let r = refresh(&refresh3);
    assert_eq!(r.json()["expiresIn"], json!(0));
    let e = http.get("/assignment/accounts", Some(&r.s("accessToken")));
    assert_eq!(
        (e.status, e.error_name()),
        (401, Some("UnauthorizedException"))
    );
    assert!(e.json()["message"].is_string());
    mock.set_access_token_ttl_secs(3600);
    let live = refresh(&r.s("refreshToken"));
    let token = live.s("accessToken");
    let out = http.post_raw_with_token("/logout", &token);
    assert_eq!((out.status, out.body.as_str()), (200, ""));
    assert_eq!(http.get("/assignment/accounts", Some(&token)).status, 401);
    assert_eq!(
        refresh(&live.s("refreshToken")).s("error"),
        "invalid_grant",
        "logout ends the session"
    );
    let s = mock.seed_session(3600);
    mock.revoke_all_tokens();
    assert_eq!(
        http.get("/assignment/accounts", Some(&s.access_token))
            .status,
        401
    );

    // Policies.
    mock.set_refresh_token_policy(RefreshTokenPolicy::Never);
    assert!(http.device_login().2.json().get("refreshToken").is_none());
}

impl Http {
    fn post_raw_with_token(&self, path: &str, token: &str) -> Resp {
        let resp = self
            .agent
            .post(format!("{}{path}", self.base))
            .header(mock::BEARER_HEADER, token)
            .send_empty()
            .expect("POST failed");
        Self::read(resp)
    }
}

#[test]
fn mock_pagination() {
    let mock = MockSso::builder()
        .interval(0)
        .generated_accounts(45, 3)
        .start();
    let http = Http::new(&mock);
    let token = http.device_login().2.s("accessToken");

    let mut ids = Vec::new();
    let mut pages = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            None => "/assignment/accounts?max_result=20".to_string(),
            Some(t) => format!(
                "/assignment/accounts?max_result=20&next_token={}",
                url_encode(t)
            ),
        };
        let r = http.get(&path, Some(&token));
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        let list = j["accountList"].as_array().cloned().unwrap_or_default();
        pages.push(list.len());
        for a in &list {
            assert!(a["accountName"].is_string() && a["emailAddress"].is_string());
            ids.push(a["accountId"].as_str().unwrap_or_default().to_string());
        }
        next = j["nextToken"].as_str().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(pages, vec![20, 20, 5]);
    assert_eq!(ids.len(), 45);
    assert_eq!(ids[0], "900000000001");

    let r = http.get("/assignment/accounts", Some(&token));
    assert_eq!(
        r.json()["accountList"].as_array().map(Vec::len),
        Some(20),
        "default page size"
    );
    let r = http.get("/assignment/accounts?max_result=1000", Some(&token));
    assert_eq!(
        r.json()["accountList"].as_array().map(Vec::len),
        Some(45),
        "capped at 100"
    );
    assert!(r.json().get("nextToken").is_none());
    let r = http.get("/assignment/accounts?next_token=garbage", Some(&token));
    assert_eq!(
        (r.status, r.error_name()),
        (400, Some("InvalidRequestException"))
    );
    assert_eq!(
        http.get("/assignment/accounts?max_result=0", Some(&token))
            .status,
        400
    );

    let r = http.get(
        "/assignment/roles?account_id=900000000002&max_result=2",
        Some(&token),
    );
    let j = r.json();
    assert_eq!(j["roleList"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        j["roleList"][0],
        json!({ "roleName": "Role01", "accountId": "900000000002" })
    );
    let t = j["nextToken"].as_str().expect("more roles").to_string();
    let r = http.get(
        &format!(
            "/assignment/roles?account_id=900000000002&max_result=2&next_token={}",
            url_encode(&t)
        ),
        Some(&token),
    );
    assert_eq!(r.json()["roleList"].as_array().map(Vec::len), Some(1));
    assert!(r.json().get("nextToken").is_none());

    let r = http.get("/assignment/roles?account_id=123", Some(&token));
    assert_eq!(
        (r.status, r.error_name()),
        (404, Some("ResourceNotFoundException"))
    );
    let r = http.get("/assignment/roles", Some(&token));
    assert_eq!(
        (r.status, r.error_name()),
        (400, Some("InvalidRequestException"))
    );
    let r = http.get(
        "/federation/credentials?role_name=Role09&account_id=900000000001",
        Some(&token),
    );
    assert_eq!(
        (r.status, r.error_name()),
        (404, Some("ResourceNotFoundException"))
    );
    let r = http.get(
        "/federation/credentials?account_id=900000000001",
        Some(&token),
    );
    assert_eq!(
        (r.status, r.error_name()),
        (400, Some("InvalidRequestException"))
    );
    assert_eq!(http.get("/assignment/accounts", None).status, 401);
    mock.set_unknown_role_forbidden(true);
    let r = http.get(
        "/federation/credentials?role_name=Role09&account_id=900000000001",
        Some(&token),
    );
    assert_eq!(
        (r.status, r.error_name()),
        (403, Some("ForbiddenException"))
    );
}

#[test]
fn mock_throttle_fail_and_knobs() {
    let mock = MockSso::builder()
        .interval(0)
        .accounts([Account::new("333333333333", "only", &["Admin"])])
        .secret_access_key(mock::HOSTILE_VALUE)
        .start();
    let http = Http::new(&mock);
    let token = http.device_login().2.s("accessToken");
    let creds = "/federation/credentials?role_name=Admin&account_id=333333333333";

    mock.throttle_next_on("/federation/credentials", 2);
    for _ in 0..2 {
        let r = http.get(creds, Some(&token));
        assert_eq!(
            (r.status, r.error_name()),
            (429, Some("TooManyRequestsException"))
        );
        assert!(r.json()["message"].is_string());
    }
    let r = http.get(creds, Some(&token));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["roleCredentials"]["secretAccessKey"],
        json!(mock::HOSTILE_VALUE)
    );

    mock.set_session_token(Some("exact-session"));
    mock.set_access_key_id(Some("ASIAEXACT"));
    let c = &http.get(creds, Some(&token)).json()["roleCredentials"];
    assert_eq!(
        (c["sessionToken"].as_str(), c["accessKeyId"].as_str()),
        (Some("exact-session"), Some("ASIAEXACT"))
    );

    // Any route: the next request, whatever it is, is throttled (OIDC shape on OIDC routes).
    mock.throttle_next(1);
    let r = http.post(
        "/client/register",
        &json!({ "clientName": "x", "clientType": "public" }),
    );
    assert_eq!(
        (r.status, r.error_name()),
        (429, Some("TooManyRequestsException"))
    );
    assert!(r.json()["error"].is_string());
    mock.fail_next(1);
    let r = http.get("/assignment/accounts", Some(&token));
    assert_eq!(
        (r.status, r.error_name()),
        (500, Some("InternalServerException"))
    );
    assert_eq!(http.get("/assignment/accounts", Some(&token)).status, 200);
    assert_eq!(mock.count_errors("TooManyRequestsException"), 3);

    // Faults on any route spare the browser pages.
    mock.throttle_next(1);
    assert_eq!(http.get("/device?user_code=XXXX-XXXX", None).status, 400);
    assert_eq!(http.get("/assignment/accounts", Some(&token)).status, 429);

    // Delay.
    mock.set_delay(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(http.get("/assignment/accounts", Some(&token)).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    mock.set_delay(Duration::ZERO);

    let total = mock.total();
    assert!(total >= 10);
    mock.reset_counters();
    assert_eq!(mock.total(), 0);
}

#[test]
fn mock_serves_concurrent_clients() {
    let mock = MockSso::builder()
        .interval(0)
        .delay(Duration::from_millis(300))
        .start();
    let http = Http::new(&mock);
    let token = http.device_login().2.s("accessToken");
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..16 {
            let (token, base) = (token.clone(), mock.url());
            s.spawn(move || {
                let h = Http::for_url(base);
                let r = h.get(
                    "/federation/credentials?role_name=ReadOnly&account_id=222222222222",
                    Some(&token),
                );
                assert_eq!(r.status, 200, "{}", r.body);
            });
        }
    });
    assert!(
        started.elapsed() < Duration::from_millis(300 * 8),
        "16 delayed requests served in parallel, took {:?}",
        started.elapsed()
    );
    assert_eq!(mock.credentials_issued(), 16);
}

#[test]
fn mock_browser_script_approves_and_logs() {
    let mock = MockSso::builder().interval(0).start();
    let http = Http::new(&mock);
    let (id, secret) = http.register(json!({}));
    let d = http.post(
        "/device_authorization",
        &json!({ "clientId": id, "clientSecret": secret, "startUrl": "https://s/start" }),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("browser.log");
    let command = crate::support::browser_command();
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(words[0], "sh");
    let url = d.s("verificationUriComplete");
    let status = std::process::Command::new("sh")
        .arg(crate::support::browser_script())
        .arg(&url)
        .env("SSOENV_TEST_BROWSER_LOG", &log)
        .status()
        .expect("run browser.sh");
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&log).expect("log"),
        format!("{url}\n")
    );
    let t = http.post(
        "/token",
        &json!({ "clientId": id, "clientSecret": secret, "grantType": DEVICE_CODE_GRANT, "deviceCode": d.s("deviceCode") }),
    );
    assert_eq!(t.status, 200, "{}", t.body);

    // An unknown code makes the browser fail (curl -f).
    let status = std::process::Command::new("sh")
        .arg(crate::support::browser_script())
        .arg(format!("{}/device?user_code=NOPE-NOPE", mock.url()))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run browser.sh");
    assert!(!status.success());
}

#[test]
fn mock_utc_format() {
    assert_eq!(mock::format_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(mock::format_utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(mock::format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
    // Computed independently: python3 base64.urlsafe_b64encode(sha256(v)).rstrip(b"=").
    assert_eq!(
        pkce_challenge("a-verifier-of-at-least-forty-three-characters-0123456789"),
        "NiC162c0QrSD2DAiXkn9HJo4rKjj6GAubjqyJCS0vgU"
    );
}

#[test]
fn mock_query_strings_are_forms() {
    let pairs = [
        ("state", "a b&c=d"),
        ("redirect_uri", "http://127.0.0.1:9/cb?x=1"),
        ("e", "é~*"),
    ];
    let query = mock::query_string(pairs);
    assert_eq!(
        query,
        "state=a+b%26c%3Dd&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb%3Fx%3D1&e=%C3%A9%7E*"
    );
    let owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(mock::parse_query(&query), owned);
    assert_eq!(url_encode("a b/c"), "a+b%2Fc");
    // Decoding is lenient, as for any form: `%20` and `+` are both spaces, a stray `%` stays.
    assert_eq!(
        mock::parse_query("a=1%202+3&&b&c=%zz"),
        [("a", "1 2 3"), ("b", ""), ("c", "%zz")].map(|(k, v)| (k.to_string(), v.to_string()))
    );
}

/// The mock STS's own SigV4 verifier, against the published SigV4 test suite (AKIDEXAMPLE,
/// us-east-1, service `service`, 2015-08-30T12:36:00Z): it must agree with AWS before it may
/// judge ssoenv's signatures.
#[test]
fn sts_signature_verifier_matches_the_published_test_suite() {
    use crate::support::mock::sigv4_verify::{Signed, signature};
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
    let header = |n: &str, v: &str| (n.to_string(), v.to_string());
    let base = vec![
        header("host", "example.amazonaws.com"),
        header("x-amz-date", "20150830T123600Z"),
    ];
    let with = |extra: (String, String)| {
        let mut h = base.clone();
        h.push(extra);
        h
    };
    let form = with(header("content-type", "application/x-www-form-urlencoded"));
    let sts = with(header("x-amz-security-token", token));
    /// Name, method, query, headers, body, expected signature.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a [(String, String)],
        &'a str,
        &'a str,
    );
    let cases: [Case; 5] = [
        (
            "get-vanilla",
            "GET",
            &[],
            &base,
            "",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "get-vanilla-query-order-key",
            "GET",
            &[("Param1", "value2"), ("Param1", "Value1")],
            &base,
            "",
            "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
        ),
        (
            "post-vanilla",
            "POST",
            &[],
            &base,
            "",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        (
            "post-x-www-form-urlencoded",
            "POST",
            &[],
            &form,
            "Param1=value1",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
        (
            "post-sts-header-before",
            "POST",
            &[],
            &sts,
            "",
            "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        ),
    ];
    for (name, method, query, headers, body, expected) in cases {
        let signed = Signed {
            method,
            path: "/",
            query,
            headers,
            body: body.as_bytes(),
        };
        assert_eq!(
            signature(&signed, secret, "20150830T123600Z", "us-east-1", "service"),
            expected,
            "{name}"
        );
    }
}
