use serde::Serialize;

use super::Outcome;
use crate::cache::CacheDirs;
use crate::cli::CredentialProcessArgs;
use crate::context::{Context, Policy};
use crate::error::{ErrorKind, Result};
use crate::settings::Settings;
use crate::ui::Ui;

/// The `credential_process` contract of the AWS SDKs.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessCredentials<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: String,
}

pub fn run(args: &CredentialProcessArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let name = settings.profile.active(args.profile.as_deref());
    let ctx = Context::new(CacheDirs::from_env()?, ui, settings);
    // SDKs call this from IDEs and agents in the background; a browser opening out of nowhere,
    // or a device code printed where nobody reads it, would only hang them. Sign in only when a
    // person can see stderr.
    let policy = Policy {
        no_login: !settings.terminals.stderr,
        ..Policy::default()
    };
    let c = crate::activate::credentials_for(&ctx, &name, &policy, false)
        .map_err(|err| match err.kind {
            ErrorKind::LoginNeeded => err.with_hint(format!(
                "run `ssoenv login {}` in a terminal",
                crate::shell::word(&name)
            )),
            _ => err,
        })?
        .credentials;
    let doc = ProcessCredentials {
        version: 1,
        access_key_id: &c.access_key_id,
        secret_access_key: &c.secret_access_key,
        session_token: &c.session_token,
        expiration: crate::time::format_rfc3339(c.expiration),
    };
    let mut text = serde_json::to_string(&doc).unwrap_or_default();
    text.push('\n');
    Ok(Outcome::Print(text))
}
