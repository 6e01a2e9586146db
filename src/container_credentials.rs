//! The credentials endpoint of `exec --serve`: the container-credentials protocol every AWS SDK
//! speaks (`AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`), served on
//! 127.0.0.1 for one command, so that a run longer than its credentials asks again and gets fresh
//! ones instead of failing with `ExpiredToken`.
//!
//! Any process of any user on this machine can connect, so every request must carry the random
//! token (compared in constant time); the listener is `login::loopback`'s, which bounds what a
//! client may send and for how long. The credentials come only from `activate::credentials_for`
//! with `no_login`: from the caches while more than 15 minutes remain, else fetched (and the SSO
//! token refreshed), never a sign-in. When one is needed the SDK gets an error it reports, and the
//! person one line on stderr.

use serde::Serialize;

use crate::activate;
use crate::auth::REFRESH_WINDOW;
use crate::cache::CacheDirs;
use crate::context::{Context, Policy};
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::login::loopback::Listener;
use crate::settings::Settings;
use crate::sso::portal::RoleCredentials;
use crate::ui::Ui;

/// Where the endpoint listens, and the token a request must carry. The token is a secret: it goes
/// to the command's environment only.
pub struct Endpoint {
    pub url: String,
    pub token: String,
}

/// Credentials as the endpoint holds them.
pub struct Served {
    pub credentials: RoleCredentials,
    pub account_id: String,
}

/// Starts the endpoint for profile `name` on a thread of its own, which answers until the process
/// ends. `ui` hears of sign-ins needed and of failures, once each.
pub fn start(
    name: &str,
    settings: &Settings,
    dirs: CacheDirs,
    ui: impl Ui + Send + 'static,
) -> Result<Endpoint> {
    let listener =
        Listener::bind().map_err(|e| Error::io("exec --serve: a listener on 127.0.0.1", &e))?;
    let url = format!("http://127.0.0.1:{}/", listener.port());
    let token = crate::login::random_token()?;
    let (name, settings) = (name.to_string(), settings.clone());
    let mut server = Server {
        token: token.clone(),
        name: name.clone(),
        held: None,
        reported: None,
        now: crate::time::now,
    };
    std::thread::Builder::new()
        .name("credentials-endpoint".into())
        .spawn(move || {
            // A Context a fetch: each gets the whole command budget, however long the command ran.
            let mut fetch = || {
                let ctx = Context::new(dirs.clone(), &ui, &settings);
                let policy = Policy {
                    no_login: true,
                    ..Policy::default()
                };
                activate::credentials_for(&ctx, &name, &policy, false).map(|r| Served {
                    credentials: r.credentials,
                    account_id: r.account_id,
                })
            };
            serve(listener, &mut server, &mut fetch, &ui);
        })
        .map_err(|e| Error::new("exec --serve", format!("cannot start the endpoint: {e}")))?;
    Ok(Endpoint { url, token })
}

fn serve(
    mut listener: Listener,
    server: &mut Server,
    fetch: &mut dyn FnMut() -> Result<Served>,
    ui: &dyn Ui,
) {
    loop {
        let Some(request) = listener.next(Deadline::after(std::time::Duration::from_secs(3600)))
        else {
            continue;
        };
        let (status, body) = {
            let auth: Vec<&str> = request.header_values("authorization").collect();
            server.answer(&request.method, &request.target, &auth, fetch, ui)
        };
        request.respond_json(status, &body);
    }
}

/// The endpoint's state: the token to ask for, and the credentials it holds.
struct Server {
    token: String,
    name: String,
    held: Option<Served>,
    /// The last failure told to the person, so that an SDK's retries (botocore asks three times)
    /// and a command's many clients do not repeat it; cleared by a success.
    reported: Option<String>,
    now: fn() -> i64,
}

/// The container-credentials reply: what botocore's `ContainerProvider` reads (`AccessKeyId`,
/// `SecretAccessKey`, `Token`, `Expiration`, and `AccountId` when present), as do the other SDKs.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Reply<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    token: &'a str,
    expiration: String,
    account_id: &'a str,
}

/// An error reply, shaped like the ECS agent's (`Code`, `Message`); SDKs quote the body.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Failure<'a> {
    code: &'a str,
    message: &'a str,
}

fn failure(code: &str, message: &str) -> String {
    serde_json::to_string(&Failure { code, message }).unwrap_or_default()
}

impl Server {
    /// The status and body for one request. Whoever does not hold the token learns nothing else:
    /// it is checked before the method and the path.
    fn answer(
        &mut self,
        method: &str,
        target: &str,
        authorization: &[&str],
        fetch: &mut dyn FnMut() -> Result<Served>,
        ui: &dyn Ui,
    ) -> (u16, String) {
        match authorization {
            [] => {
                return (
                    401,
                    failure("Unauthorized", "no Authorization header was sent"),
                );
            }
            [given] if same(given.as_bytes(), self.token.as_bytes()) => {}
            _ => {
                return (
                    403,
                    failure("Forbidden", "the Authorization header is wrong"),
                );
            }
        }
        if method != "GET" {
            return (405, failure("MethodNotAllowed", "only GET is answered"));
        }
        if target.split('?').next() != Some("/") {
            return (404, failure("NotFound", "credentials are served at /"));
        }
        let now = (self.now)();
        let stale = self
            .held
            .as_ref()
            .is_none_or(|s| s.credentials.expiration - now < REFRESH_WINDOW);
        if stale {
            match fetch() {
                Ok(served) => {
                    self.held = Some(served);
                    self.reported = None;
                }
                Err(err) => return self.failed(&err, ui),
            }
        }
        let Some(held) = &self.held else {
            return (503, failure("Unavailable", "no credentials"));
        };
        let c = &held.credentials;
        let reply = Reply {
            access_key_id: &c.access_key_id,
            secret_access_key: &c.secret_access_key,
            token: &c.session_token,
            expiration: crate::time::format_rfc3339(c.expiration),
            account_id: &held.account_id,
        };
        (200, serde_json::to_string(&reply).unwrap_or_default())
    }

    /// An error the SDK reports (503: nothing is wrong with the request, credentials are not to be
    /// had now), and one line for the person, unless the same was said last time.
    fn failed(&mut self, err: &Error, ui: &dyn Ui) -> (u16, String) {
        let login = crate::shell::word(&self.name);
        let (code, message, line) = if err.kind == ErrorKind::LoginNeeded {
            (
                "LoginNeeded",
                format!("ssoenv: profile {login} needs a new sign-in: run `ssoenv login {login}`"),
                format!(
                    "exec --serve: profile {login} needs a new sign-in for fresh credentials; run \
                     `ssoenv login {login}` in another terminal (the command's next request gets \
                     them)"
                ),
            )
        } else {
            (
                "Unavailable",
                format!("ssoenv: {err}"),
                format!("exec --serve: no fresh credentials for profile {login}: {err}"),
            )
        };
        if self.reported.as_deref() != Some(line.as_str()) {
            ui.say(&line);
            self.reported = Some(line);
        }
        (503, failure(code, &message))
    }
}

/// Whether `a` equals `b`, in a time that depends on their lengths only: how long a wrong token
/// takes to refuse tells nothing about how much of it was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    const NOW: i64 = 1_900_000_000;

    struct Heard(RefCell<Vec<String>>);

    impl Ui for Heard {
        fn say(&self, text: &str) {
            self.0.borrow_mut().push(text.to_string());
        }
    }

    fn server() -> Server {
        Server {
            token: "right".into(),
            name: "dev".into(),
            held: None,
            reported: None,
            now: || NOW,
        }
    }

    fn served(key: &str, left: i64) -> Result<Served> {
        Ok(Served {
            credentials: RoleCredentials {
                access_key_id: key.into(),
                secret_access_key: "s".into(),
                session_token: "t".into(),
                expiration: NOW + left,
            },
            account_id: "111111111111".into(),
        })
    }

    #[test]
    fn the_token_is_checked_before_anything_else() {
        let heard = Heard(RefCell::default());
        let mut s = server();
        let mut never = || -> Result<Served> { panic!("fetched for a stranger") };
        for (method, target, auth, status) in [
            ("GET", "/", &[][..], 401),
            ("POST", "/x", &[][..], 401),
            ("GET", "/", &["wrong"][..], 403),
            ("GET", "/", &["righ"][..], 403),
            ("GET", "/", &["Bearer right"][..], 403),
            ("GET", "/", &["right", "right"][..], 403),
            ("POST", "/", &["right"][..], 405),
            ("GET", "/creds", &["right"][..], 404),
        ] {
            let (got, body) = s.answer(method, target, auth, &mut never, &heard);
            assert_eq!(got, status, "{method} {target} {auth:?}: {body}");
            assert!(!body.contains("right"), "{body}");
        }
        assert!(heard.0.borrow().is_empty());
    }

    #[test]
    fn credentials_are_fetched_when_fewer_than_15_minutes_remain() {
        let heard = Heard(RefCell::default());
        let mut s = server();
        let fetched = RefCell::new(0);
        let mut fetch = || {
            *fetched.borrow_mut() += 1;
            served(&format!("AKIA{}", fetched.borrow()), 15 * 60)
        };
        let (status, body) = s.answer("GET", "/?x=1", &["right"], &mut fetch, &heard);
        assert_eq!(status, 200);
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["AccessKeyId"], "AKIA1");
        assert_eq!(doc["Token"], "t");
        assert_eq!(doc["AccountId"], "111111111111");
        assert_eq!(doc["Expiration"], crate::time::format_rfc3339(NOW + 900));
        // Exactly 15 minutes left: held.
        s.answer("GET", "/", &["right"], &mut fetch, &heard);
        assert_eq!(*fetched.borrow(), 1);
        s.held.as_mut().unwrap().credentials.expiration -= 1;
        let (_, body) = s.answer("GET", "/", &["right"], &mut fetch, &heard);
        assert!(body.contains("AKIA2"), "{body}");
    }

    #[test]
    fn a_needed_sign_in_is_an_error_for_the_sdk_and_one_line_for_the_person() {
        let heard = Heard(RefCell::default());
        let mut s = server();
        let mut fail = || -> Result<Served> {
            Err(Error::new("SSO session corp", "expired").with_kind(ErrorKind::LoginNeeded))
        };
        for _ in 0..3 {
            let (status, body) = s.answer("GET", "/", &["right"], &mut fail, &heard);
            assert_eq!(status, 503);
            assert!(body.contains("run `ssoenv login dev`"), "{body}");
        }
        assert_eq!(heard.0.borrow().len(), 1, "{:?}", heard.0.borrow());
        assert!(heard.0.borrow()[0].contains("`ssoenv login dev`"));
        // After a success, a new failure is told again.
        s.answer("GET", "/", &["right"], &mut || served("A", 60), &heard);
        s.held = None;
        s.answer("GET", "/", &["right"], &mut fail, &heard);
        assert_eq!(heard.0.borrow().len(), 2);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
    }
}
