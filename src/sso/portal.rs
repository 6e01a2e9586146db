//! The access portal: GetRoleCredentials, ListAccounts, ListAccountRoles, Logout.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use super::{ApiError, Http};

const PAGE_SIZE: &str = "100";
// What a listing may hold, far beyond any real organisation: only a broken or hostile server
// that pages without end gets here, and it must not take all memory (nor, by the HTTP deadline,
// all day) first.
const MAX_PAGES: usize = 10_000;
pub const MAX_ACCOUNTS: usize = 100_000;
pub const MAX_ROLES_PER_ACCOUNT: usize = 10_000;
/// Roles of every account together (populate).
pub const MAX_ROLES: usize = 1_000_000;
/// Memory one allowance may hold: 100,000 real accounts take about 20 MB.
const MAX_BYTES: usize = 64 << 20;
/// What a `String` and its allocation cost beyond the text.
const PER_ITEM: usize = 32;

/// A cap on what listings hold, shared by every listing counted against it (from any thread).
pub struct Allowance {
    what: &'static str,
    max_items: usize,
    items: AtomicUsize,
    bytes: AtomicUsize,
}

impl Allowance {
    pub fn new(what: &'static str, max_items: usize) -> Allowance {
        Allowance {
            what,
            max_items,
            items: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    /// Roles of every account, for populate.
    pub fn all_roles() -> Allowance {
        Allowance::new("roles", MAX_ROLES)
    }

    /// Counts one item of `texts`; an error once the cap is passed.
    fn take(&self, texts: &[&str], url: &str) -> Result<(), ApiError> {
        let size = texts.iter().map(|t| t.len() + PER_ITEM).sum::<usize>();
        let items = self.items.fetch_add(1, Ordering::Relaxed) + 1;
        let bytes = self.bytes.fetch_add(size, Ordering::Relaxed) + size;
        if items <= self.max_items && bytes <= MAX_BYTES {
            return Ok(());
        }
        Err(ApiError::transport(
            url,
            format!(
                "the listing passed {} {} (or {} MiB); no real organisation has that many, so \
                 the service is misbehaving",
                self.max_items,
                self.what,
                MAX_BYTES >> 20
            ),
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Epoch seconds (the service sends milliseconds).
    pub expiration: i64,
}

/// `GET {portal}/federation/credentials?role_name=..&account_id=..`.
pub fn get_role_credentials(
    http: &Http,
    portal: &str,
    access_token: &str,
    account_id: &str,
    role_name: &str,
) -> Result<RoleCredentials, ApiError> {
    let url = format!(
        "{portal}/federation/credentials?{}",
        query(&[("role_name", role_name), ("account_id", account_id)])
    );
    let reply = http.get_json(&url, access_token)?;
    let creds = reply
        .get("roleCredentials")
        .filter(|c| c.is_object())
        .ok_or_else(|| lacked(&url, "roleCredentials"))?;
    let field = |name: &str| {
        creds
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| lacked(&url, name))
    };
    let expiration_ms = creds
        .get("expiration")
        .and_then(Value::as_i64)
        .ok_or_else(|| lacked(&url, "expiration"))?;
    Ok(RoleCredentials {
        access_key_id: field("accessKeyId")?,
        secret_access_key: field("secretAccessKey")?,
        session_token: field("sessionToken")?,
        expiration: expiration_ms.div_euclid(1000),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub account_id: String,
    pub account_name: String,
    pub email_address: String,
}

/// Every account, following `nextToken` (page size 100).
pub fn list_accounts(
    http: &Http,
    portal: &str,
    access_token: &str,
) -> Result<Vec<Account>, ApiError> {
    let mut accounts = Vec::new();
    let allowance = Allowance::new("accounts", MAX_ACCOUNTS);
    let url = format!("{portal}/assignment/accounts");
    paginate(http, access_token, &url, &[], |page, url| {
        for item in list(page, "accountList", url)? {
            let text = |name: &str| item.get(name).and_then(Value::as_str).unwrap_or_default();
            let account_id = text("accountId");
            if account_id.is_empty() {
                return Err(lacked(url, "accountId"));
            }
            let fields = [account_id, text("accountName"), text("emailAddress")];
            allowance.take(&fields, url)?;
            accounts.push(Account {
                account_id: account_id.to_owned(),
                account_name: text("accountName").to_owned(),
                email_address: text("emailAddress").to_owned(),
            });
        }
        Ok(())
    })?;
    Ok(accounts)
}

/// Every role of one account, following `nextToken` (page size 100).
pub fn list_account_roles(
    http: &Http,
    portal: &str,
    access_token: &str,
    account_id: &str,
) -> Result<Vec<String>, ApiError> {
    list_account_roles_within(
        http,
        portal,
        access_token,
        account_id,
        &Allowance::all_roles(),
    )
}

/// `list_account_roles`, also counted against `all` (the roles of every account listed).
pub fn list_account_roles_within(
    http: &Http,
    portal: &str,
    access_token: &str,
    account_id: &str,
    all: &Allowance,
) -> Result<Vec<String>, ApiError> {
    let mut roles = Vec::new();
    let of_account = Allowance::new("roles for one account", MAX_ROLES_PER_ACCOUNT);
    let url = format!("{portal}/assignment/roles");
    paginate(
        http,
        access_token,
        &url,
        &[("account_id", account_id)],
        |page, url| {
            for item in list(page, "roleList", url)? {
                match item.get("roleName").and_then(Value::as_str) {
                    Some(name) if !name.is_empty() => {
                        of_account.take(&[name], url)?;
                        all.take(&[name], url)?;
                        roles.push(name.to_owned());
                    }
                    _ => return Err(lacked(url, "roleName")),
                }
            }
            Ok(())
        },
    )?;
    Ok(roles)
}

/// `POST {portal}/logout`: the token stops working.
pub fn logout(http: &Http, portal: &str, access_token: &str) -> Result<(), ApiError> {
    http.post_bearer(&format!("{portal}/logout"), access_token)
}

/// GETs `base?params&max_result=100[&next_token=..]` until no `nextToken` comes back, handing each
/// page to `take`.
fn paginate(
    http: &Http,
    access_token: &str,
    base: &str,
    params: &[(&str, &str)],
    mut take: impl FnMut(&Value, &str) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    // Hashes, not the tokens: a token may be as long as a page.
    let hasher = std::collections::hash_map::RandomState::new();
    let mut seen_tokens = HashSet::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut pairs = params.to_vec();
        pairs.push(("max_result", PAGE_SIZE));
        if let Some(token) = &next {
            pairs.push(("next_token", token));
        }
        let url = format!("{base}?{}", query(&pairs));
        let page = http.get_json(&url, access_token)?;
        take(&page, &url)?;
        next = page
            .get("nextToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        match &next {
            None => return Ok(()),
            // A server that hands back a token it already gave would page forever.
            Some(token) if !seen_tokens.insert(hasher.hash_one(token)) => {
                return Err(ApiError::transport(
                    &url,
                    "the service repeated a page token; the listing would never end",
                ));
            }
            Some(_) => {}
        }
    }
    Err(ApiError::transport(
        base,
        format!("the listing did not end after {MAX_PAGES} pages"),
    ))
}

/// An absent list is an empty page (the service may omit empty lists); any other shape is not the
/// service talking.
fn list<'a>(page: &'a Value, name: &str, url: &str) -> Result<&'a [Value], ApiError> {
    match page.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ApiError::transport(
            url,
            format!("{name} in the reply was not a list"),
        )),
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn lacked(url: &str, what: &str) -> ApiError {
    ApiError::transport(url, format!("the reply lacked {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::http::test_server::{ok, reply, serve};
    use std::time::Duration;

    const TOKEN: &str = "portal-access-token-0123456789";

    fn http() -> Http {
        Http::for_tests(Duration::from_secs(5))
    }

    #[test]
    fn gets_role_credentials() {
        let (base, seen) = serve(vec![ok(
            r#"{"roleCredentials":{"accessKeyId":"AKIA","secretAccessKey":"s","sessionToken":"st","expiration":1700000000999}}"#,
        )]);
        let c = get_role_credentials(&http(), &base, TOKEN, "123456789012", "Admin Role").unwrap();
        assert_eq!(
            c,
            RoleCredentials {
                access_key_id: "AKIA".into(),
                secret_access_key: "s".into(),
                session_token: "st".into(),
                expiration: 1_700_000_000,
            }
        );
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].url,
            "/federation/credentials?role_name=Admin+Role&account_id=123456789012"
        );
        assert_eq!(seen[0].header("x-amz-sso_bearer_token"), Some(TOKEN));
    }

    #[test]
    fn incomplete_credentials_are_transport_errors() {
        let (base, _) = serve(vec![
            ok(r#"{"roleCredentials":{"accessKeyId":"AKIA","sessionToken":"st","expiration":1}}"#),
            ok(r#"{}"#),
        ]);
        let e = get_role_credentials(&http(), &base, TOKEN, "1", "r").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{base}/federation/credentials: the reply lacked secretAccessKey")
        );
        let e = get_role_credentials(&http(), &base, TOKEN, "1", "r").unwrap_err();
        assert!(
            e.to_string().ends_with("the reply lacked roleCredentials"),
            "{e}"
        );
    }

    #[test]
    fn unauthorized_is_a_service_error() {
        let (base, _) = serve(vec![reply(
            401,
            &[(
                "x-amzn-ErrorType",
                "UnauthorizedException:http://internal.amazon.com/coral/x/",
            )],
            r#"{"message":"Session token not found or invalid"}"#,
        )]);
        let e = get_role_credentials(&http(), &base, TOKEN, "1", "r").unwrap_err();
        assert_eq!(
            e,
            ApiError::Service {
                status: 401,
                code: "UnauthorizedException".into(),
                message: "Session token not found or invalid".into()
            }
        );
    }

    #[test]
    fn lists_accounts_across_pages() {
        let (base, seen) = serve(vec![
            ok(
                r#"{"accountList":[{"accountId":"1","accountName":"one","emailAddress":"a@x"}],"nextToken":"p/2"}"#,
            ),
            ok(r#"{"accountList":[{"accountId":"2","accountName":"two"}],"nextToken":"p3"}"#),
            ok(r#"{"accountList":[{"accountId":"3","accountName":"three","emailAddress":"c@x"}]}"#),
        ]);
        let accounts = list_accounts(&http(), &base, TOKEN).unwrap();
        let ids: Vec<_> = accounts.iter().map(|a| a.account_id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
        assert_eq!(accounts[0].email_address, "a@x");
        assert_eq!(accounts[1].email_address, "");
        let seen = seen.lock().unwrap();
        let urls: Vec<_> = seen.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "/assignment/accounts?max_result=100",
                "/assignment/accounts?max_result=100&next_token=p%2F2",
                "/assignment/accounts?max_result=100&next_token=p3",
            ]
        );
    }

    #[test]
    fn lists_roles_across_pages() {
        let (base, seen) = serve(vec![
            ok(r#"{"roleList":[{"roleName":"A","accountId":"1"}],"nextToken":"t1"}"#),
            ok(r#"{"roleList":[],"nextToken":"t2"}"#),
            ok(r#"{"roleList":[{"roleName":"B","accountId":"1"}]}"#),
        ]);
        let roles = list_account_roles(&http(), &base, TOKEN, "1").unwrap();
        assert_eq!(roles, ["A", "B"]);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].url, "/assignment/roles?account_id=1&max_result=100");
        assert_eq!(
            seen[2].url,
            "/assignment/roles?account_id=1&max_result=100&next_token=t2"
        );
    }

    #[test]
    fn a_repeated_page_token_ends_the_listing() {
        let page = r#"{"roleList":[{"roleName":"A"}],"nextToken":"same"}"#;
        let (base, seen) = serve(vec![ok(page), ok(page), ok(page)]);
        let e = list_account_roles(&http(), &base, TOKEN, "1").unwrap_err();
        assert!(matches!(e, ApiError::Transport { .. }), "{e:?}");
        // The query (account id, page token) stays out of the message.
        let text = e.to_string();
        assert!(!text.contains("same") && !text.contains('?'), "{text}");
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn logout_posts_with_the_bearer() {
        let (base, seen) = serve(vec![ok("")]);
        logout(&http(), &base, TOKEN).unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].url.as_str()),
            ("POST", "/logout")
        );
        assert_eq!(seen[0].header("x-amz-sso_bearer_token"), Some(TOKEN));
    }
}
