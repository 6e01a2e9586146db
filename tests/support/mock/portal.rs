//! The portal (`portal.sso`): GetRoleCredentials, ListAccounts, ListAccountRoles and Logout,
//! behind the bearer token sso-oidc issued; the accounts it serves, and the knobs and counters
//! of `MockSso` that concern them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::http::{Incoming, Reply};
use super::state::{State, now_ms, random_hex};
use super::{Failure, MockSso, Route, routes};

/// The bearer-token header of the portal API.
pub const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

const PORTAL_NAMESPACE: &str = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/";

/// The routes of the portal.
pub(super) const ROUTES: &[Route] = &[
    Route {
        path: routes::CREDENTIALS,
        method: "GET",
        page: false,
        handle: State::credentials,
        error,
    },
    Route {
        path: routes::ACCOUNTS,
        method: "GET",
        page: false,
        handle: State::list_accounts,
        error,
    },
    Route {
        path: routes::ROLES,
        method: "GET",
        page: false,
        handle: State::list_roles,
        error,
    },
    Route {
        path: routes::LOGOUT,
        method: "POST",
        page: false,
        handle: State::logout,
        error,
    },
];

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

/// Portal error: `{"message"}` and `x-amzn-ErrorType`.
pub(super) fn portal_error(status: u16, ty: &str, message: &str) -> Reply {
    let mut r = Reply::json(status, json!({ "message": message }));
    r.headers.push((
        "x-amzn-ErrorType".into(),
        format!("{ty}:{PORTAL_NAMESPACE}"),
    ));
    r.error_type = Some(ty.to_string());
    r
}

/// A failure raised before a handler ran, in the portal's words.
fn error(failure: Failure) -> Reply {
    match failure {
        Failure::Throttled => portal_error(429, "TooManyRequestsException", "Rate exceeded"),
        Failure::Failed => portal_error(
            500,
            "InternalServerException",
            "Internal failure (mock fault)",
        ),
        Failure::Unreadable => {
            portal_error(400, "InvalidRequestException", "Unreadable request body")
        }
        Failure::WrongMethod(message) => portal_error(405, "UnknownOperationException", &message),
    }
}

impl State {
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
        self.federation
            .issued(&access_key_id, &secret, &session_token, expiration);
        // STS takes them as the source of a chained role.
        self.sts.portal_issued(
            &access_key_id,
            &secret,
            &session_token,
            expiration,
            account_id,
            role,
        );
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

impl MockSso {
    /// ListAccounts and ListAccountRoles never end: every page is full, of new accounts whose
    /// names are `name_bytes` long (or new roles), and carries a new `nextToken` (None to stop).
    pub fn set_endless_pages(&self, name_bytes: Option<usize>) {
        self.state().cfg.endless_pages = name_bytes;
    }

    pub fn set_role_credentials_ttl_secs(&self, secs: u64) {
        self.state().cfg.role_credentials_ttl = secs;
    }

    /// Role credentials expire at this epoch time in milliseconds (None: now + the TTL).
    pub fn set_role_credentials_expiration_ms(&self, ms: Option<u64>) {
        self.state().cfg.role_credentials_expiration_ms = ms;
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

    /// Role credentials handed out.
    pub fn credentials_issued(&self) -> usize {
        self.state().credentials_issued
    }
}
