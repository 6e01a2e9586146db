//! The console sign-in federation endpoint (`{signin}/federation`): temporary credentials in, a
//! sign-in token out (`Action=getSigninToken`), and the one-time console URL that spends it
//! (`Action=login`), as the IAM guide's "custom identity broker" section describes them and
//! aws-vault and Granted send them. No `SessionDuration`: the endpoint refuses it for credentials
//! of a chained role, and without it the console session lasts as long as the credentials.
//! Everything here is a secret: the session JSON carries the keys, and the token (and any URL
//! holding it) signs anyone in as the role for 15 minutes.

use serde_json::{Value, json};

use super::portal::RoleCredentials;
use super::{ApiError, Http};

/// The path of the endpoint under the sign-in host.
pub const PATH: &str = "/federation";

/// What the console shows as the sign-in page to go back to when its session ends.
pub const ISSUER: &str = "ssoenv";

/// A real token is about a thousand characters; a longer one is not the endpoint talking.
const MAX_TOKEN: usize = 16 << 10;

/// `GET {base}/federation?Action=getSigninToken&Session={"sessionId","sessionKey","sessionToken"}`:
/// the SigninToken for `credentials`. `base` is the sign-in endpoint, no trailing slash.
pub fn get_signin_token(
    http: &Http,
    base: &str,
    credentials: &RoleCredentials,
) -> Result<String, ApiError> {
    let session = session_json(credentials);
    let url = format!(
        "{base}{PATH}?{}",
        query(&[("Action", "getSigninToken"), ("Session", &session)])
    );
    let secrets = [
        session.as_str(),
        credentials.access_key_id.as_str(),
        credentials.secret_access_key.as_str(),
        credentials.session_token.as_str(),
    ];
    let reply = http.get_json_query(&url, &secrets)?;
    match reply.get("SigninToken").and_then(Value::as_str) {
        Some(token) if !token.is_empty() && token.len() <= MAX_TOKEN => Ok(token.to_owned()),
        Some(_) => Err(ApiError::transport(
            &url,
            "the SigninToken in the reply was empty or too long",
        )),
        None => Err(ApiError::transport(&url, "the reply lacked SigninToken")),
    }
}

/// `{base}/federation?Action=login&Issuer=..&Destination=..&SigninToken=..`: the URL that signs
/// a browser in to the console at `destination`.
pub fn login_url(base: &str, destination: &str, token: &str) -> String {
    format!(
        "{base}{PATH}?{}",
        query(&[
            ("Action", "login"),
            ("Issuer", ISSUER),
            ("Destination", destination),
            ("SigninToken", token),
        ])
    )
}

/// The `Session` parameter: the three credential fields under the names the endpoint reads.
fn session_json(c: &RoleCredentials) -> String {
    json!({
        "sessionId": c.access_key_id,
        "sessionKey": c.secret_access_key,
        "sessionToken": c.session_token,
    })
    .to_string()
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::http::test_server::{ok, reply, serve};
    use std::time::Duration;

    fn http() -> Http {
        Http::for_tests(Duration::from_secs(5))
    }

    fn credentials() -> RoleCredentials {
        RoleCredentials {
            access_key_id: "ASIAFEDERATIONTEST1".into(),
            secret_access_key: "secret/with+plus&amp=x".into(),
            session_token: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVz+token==".into(),
            expiration: 1_700_000_000,
        }
    }

    fn param(url: &str, name: &str) -> Option<String> {
        let query = url.split_once('?')?.1;
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    #[test]
    fn sends_the_session_as_json_and_reads_the_token() {
        let (base, seen) = serve(vec![ok(r#"{"SigninToken":"tok-en/+="}"#)]);
        let token = get_signin_token(&http(), &base, &credentials()).unwrap();
        assert_eq!(token, "tok-en/+=");
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].method, "GET");
        assert!(
            seen[0]
                .url
                .starts_with("/federation?Action=getSigninToken&Session=")
        );
        let session: Value =
            serde_json::from_str(&param(&seen[0].url, "Session").unwrap()).unwrap();
        let c = credentials();
        assert_eq!(
            session,
            json!({"sessionId": c.access_key_id, "sessionKey": c.secret_access_key,
                   "sessionToken": c.session_token})
        );
        assert_eq!(param(&seen[0].url, "SessionDuration"), None);
        assert!(seen[0].body.is_empty());
    }

    #[test]
    fn the_login_url_carries_each_part_encoded() {
        let url = login_url(
            "https://signin.aws.amazon.com",
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1&x=1",
            "a+b/c=&d",
        );
        assert!(url.starts_with("https://signin.aws.amazon.com/federation?Action=login&Issuer=ssoenv&Destination=https%3A%2F%2F"), "{url}");
        assert_eq!(
            param(&url, "Destination").as_deref(),
            Some("https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1&x=1")
        );
        assert_eq!(param(&url, "SigninToken").as_deref(), Some("a+b/c=&d"));
        assert_eq!(crate::browser::check_url(&url), Ok(()));
    }

    #[test]
    fn a_refusal_or_a_page_that_is_not_json_shows_no_secret() {
        let c = credentials();
        let echoed = format!(
            "<html><body>Invalid credentials parameter {} {} {}</body></html>",
            c.access_key_id, c.secret_access_key, c.session_token
        );
        let (base, _) = serve(vec![
            reply(400, &[], &echoed),
            ok(&format!("<html>{}</html>", c.session_token)),
            ok(r#"{"Other":"x"}"#),
        ]);
        let refused = get_signin_token(&http(), &base, &c).unwrap_err();
        let ApiError::Service { status, code, .. } = &refused else {
            panic!("{refused:?}")
        };
        assert_eq!((*status, code.as_str()), (400, "HTTP 400"));
        let not_json = get_signin_token(&http(), &base, &c).unwrap_err();
        assert_eq!(
            not_json.to_string(),
            format!("{base}/federation: the reply was not JSON")
        );
        let lacking = get_signin_token(&http(), &base, &c).unwrap_err();
        assert!(
            lacking
                .to_string()
                .ends_with("the reply lacked SigninToken")
        );
        for err in [refused, not_json, lacking] {
            let text = format!("{err} {err:?}");
            for secret in [&c.access_key_id, &c.secret_access_key, &c.session_token] {
                assert!(!text.contains(secret.as_str()), "{text}");
            }
            assert!(!text.contains("Session="), "{text}");
        }
    }
}
