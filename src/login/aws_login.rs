//! `aws login`'s sign-in, as the AWS CLI's `customizations/login` does it: a DPoP key made for
//! this sign-in, authorization code + PKCE (a 64-character verifier, `SHA-256`), and either the
//! same-device flow (the browser is sent back to a listener on 127.0.0.1) or the cross-device one
//! (the person signs in anywhere and pastes back the base64 code the page shows). The identity
//! is the `sub` of the id token.

use std::io::BufRead as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::loopback::{self, CALLBACK_PATH};
use crate::browser::{self, Browser};
use crate::context::Context;
use crate::deadline::Deadline;
use crate::dpop::{self, DpopKey};
use crate::error::{Error, Result};
use crate::login_cache::{AccessToken, Entry};
use crate::sso::signin_oauth::{self, CROSS_DEVICE, Grant, SAME_DEVICE};
use crate::sso::{ApiError, Call, Http};
use crate::time;

/// Where to sign in, and the words for errors.
pub struct SignIn<'a> {
    /// The sign-in service's endpoint.
    pub base: &'a str,
    pub region: &'a str,
    /// The profile, for messages.
    pub profile: &'a str,
    /// None: no browser here, so the cross-device flow.
    pub browser: Option<&'a Browser>,
    /// Whether standard input is a terminal (where the cross-device code is pasted).
    pub terminal: bool,
}

/// Signs in and returns the login session's ARN and its cache entry (the caller writes it).
pub fn sign_in(ctx: &Context, http: &Http, s: &SignIn) -> Result<(String, Entry)> {
    let what = || format!("signing in for profile \"{}\"", s.profile);
    if s.browser.is_none() && !s.terminal {
        return Err(Error::new(
            what(),
            "no browser can be opened here and there is no terminal to paste a sign-in code into",
        )
        .with_hint(format!(
            "run `ssoenv login {word}` in a terminal (or `aws login --profile {word}`)",
            word = crate::shell::word(s.profile)
        )));
    }
    let key = DpopKey::generate().map_err(|why| Error::new(what(), why))?;
    let verifier = verifier().map_err(|why| Error::new(what(), why))?;
    let state = dpop::uuid4();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let (client, redirect_uri, code) = match s.browser {
        Some(browser) => {
            let mut listener = loopback::Listener::bind()
                .map_err(|e| Error::new(what(), format!("cannot listen on 127.0.0.1: {e}")))?;
            let redirect = format!("http://127.0.0.1:{}{CALLBACK_PATH}", listener.port());
            let url =
                signin_oauth::authorize_url(s.base, SAME_DEVICE, &state, &challenge, &redirect);
            ctx.ui.say(&format!(
                "opening the browser to sign in to AWS for profile \"{}\"; if it does not open, \
                 visit:",
                s.profile
            ));
            ctx.ui.say(&format!("  {url}"));
            if let Err(why) = browser::open(browser, &url) {
                ctx.ui.warn(&why);
            }
            let code = wait_for_code(&mut listener, http.deadline(), &state)
                .map_err(|why| Error::new(what(), why))?;
            (SAME_DEVICE, redirect, code)
        }
        None => {
            let redirect = format!("{}/v1/sessions/confirmation", signin_oauth::origin(s.base));
            let url =
                signin_oauth::authorize_url(s.base, CROSS_DEVICE, &state, &challenge, &redirect);
            ctx.ui.say(&format!(
                "sign in to AWS for profile \"{}\" in a browser on any device (this one or \
                 another) at:",
                s.profile
            ));
            ctx.ui.say(&format!("  {url}"));
            ctx.ui
                .say("then paste the authorization code the page shows, and press Enter:");
            let pasted = read_line().map_err(|why| Error::new(what(), why))?;
            let code = parse_pasted(&pasted, &state).map_err(|why| {
                Error::new(what(), why).with_hint("run the command again and paste the whole code")
            })?;
            (CROSS_DEVICE, redirect, code)
        }
    };
    let grant = Grant::Code {
        code: &code,
        verifier: &verifier,
        redirect_uri: &redirect_uri,
    };
    let hint = format!(
        "run `ssoenv login {}` to try again",
        crate::shell::word(s.profile)
    );
    let out = signin_oauth::create_token(http, s.base, client, &grant, &key).map_err(
        |err: ApiError| Call::signin("(new)", "redeeming the sign-in", s.region, &hint).error(err),
    )?;
    let id_token = out.id_token.clone().unwrap_or_default();
    let session = subject(&id_token).ok_or_else(|| {
        Error::new(
            what(),
            "the sign-in service sent no id token naming who signed in",
        )
    })?;
    let account_id = crate::login_cache::account(&session);
    let entry = Entry {
        access_token: AccessToken {
            access_key_id: out.access_key_id,
            secret_access_key: out.secret_access_key,
            session_token: out.session_token,
            account_id,
            expires_at: time::format_rfc3339(ctx.now().saturating_add(out.expires_in)),
        },
        token_type: out.token_type,
        client_id: client.to_string(),
        refresh_token: out.refresh_token,
        id_token: Some(id_token),
        dpop_key: key.to_pem(),
        other: serde_json::Map::new(),
    };
    Ok((session, entry))
}

/// The AWS CLI's verifier: 64 characters drawn from the unreserved set.
fn verifier() -> Result<String, String> {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut out = String::with_capacity(64);
    while out.len() < 64 {
        let mut bytes = [0u8; 64];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the OS: {e}"))?;
        // Only bytes below a multiple of the set's size: no character more likely than another.
        for b in bytes.iter().filter(|&&b| usize::from(b) < SET.len() * 3) {
            if out.len() < 64 {
                out.push(char::from(SET[usize::from(*b) % SET.len()]));
            }
        }
    }
    Ok(out)
}

/// The `sub` claim of a JWT, unverified: it names the session, as the AWS CLI reads it.
fn subject(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims["sub"]
        .as_str()
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
        .map(str::to_string)
}

/// The code inside what the person pasted: base64 of `state=...&code=...`, whose state must be
/// ours. The reason never quotes the paste.
fn parse_pasted(pasted: &str, state: &str) -> Result<String, String> {
    let bytes = STANDARD
        .decode(pasted.trim())
        .map_err(|_| "the pasted text is not the base64 code the sign-in page shows")?;
    let params: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    match (get("state"), get("code")) {
        (Some(s), Some(code)) if s == state && !code.is_empty() => Ok(code),
        (Some(_), Some(_)) => Err("the pasted code belongs to another sign-in".into()),
        _ => Err("the pasted code holds no authorization code".into()),
    }
}

fn read_line() -> Result<String, String> {
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) => Err("no code was pasted (end of input)".into()),
        Ok(_) => Ok(line),
        Err(e) => Err(format!("could not read the pasted code: {e}")),
    }
}

fn wait_for_code(
    listener: &mut loopback::Listener,
    deadline: Deadline,
    state: &str,
) -> Result<String, String> {
    let Some(callback) = listener.next_callback(deadline, state) else {
        return Err("the browser did not come back in time".into());
    };
    callback.accept_code().map_err(|callback| {
        callback.respond(200, "Sign-in was not completed. You can close this tab.");
        "the browser sign-in was not completed".to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_the_clis() {
        let v = verifier().unwrap();
        assert_eq!(v.len(), 64);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(v, verifier().unwrap());
    }

    #[test]
    fn pasted_codes_must_carry_our_state() {
        let paste = STANDARD.encode("state=s1&code=c1");
        assert_eq!(parse_pasted(&format!(" {paste}\n"), "s1").unwrap(), "c1");
        assert!(parse_pasted(&paste, "s2").unwrap_err().contains("another"));
        assert!(parse_pasted("!!", "s1").is_err());
        let sub = URL_SAFE_NO_PAD.encode(r#"{"sub":"arn:aws:iam::1:user/a"}"#);
        assert_eq!(
            subject(&format!("h.{sub}.s")).as_deref(),
            Some("arn:aws:iam::1:user/a")
        );
        assert_eq!(subject("nope"), None);
    }
}
