use serde_json::json;

use super::Outcome;
use crate::auth;
use crate::cache::{self, CacheDirs, TokenFile};
use crate::cli::StatusArgs;
use crate::config::{Config, Kind, Paths};
use crate::context::Context;
use crate::credentials;
use crate::error::Result;
use crate::settings::Settings;
use crate::sso_profile::SsoProfile;
use crate::time;
use crate::ui::{Ui, printable};

/// What the caches hold for a profile; reads files only, never the network.
pub fn run(args: &StatusArgs, ui: &dyn Ui, settings: &Settings) -> Result<Outcome> {
    let name = settings.profile.active(args.profile.as_deref());
    let config = Config::load(Paths::from_env()?)?;
    if let Ok(profile) = config.profile(&name)
        && let Kind::Login(session) = &profile.kind
    {
        return login_status(args, ui, &name, session);
    }
    let target = SsoProfile::from_config(config, &name)?;
    let dirs = CacheDirs::from_env()?;
    let ctx = Context::new(dirs.clone(), ui, settings);
    let session = target.sso.login_target();
    let now = ctx.now();

    let token_path = dirs.token_path(&session);
    let token = cache::load::<TokenFile>(&token_path, ui);
    let token_expires = token.as_ref().and_then(TokenFile::expires);
    let refreshable = token.as_ref().is_some_and(|t| t.refreshable(&session, now));
    let role_path = dirs.role_path(&target.sso);
    let role_expires = credentials::cached(&ctx, &target.sso).map(|c| c.expiration);

    if args.json {
        let doc = json!({
            "profile": name,
            "kind": target.profile.kind.label(),
            "sso_session": session.name,
            "sso_start_url": session.start_url,
            "sso_region": session.region,
            "account_id": target.sso.account_id,
            "role_name": target.sso.role_name,
            "token": {
                "path": token_path,
                "present": token.is_some(),
                "expires_at": token_expires.map(time::format_rfc3339),
                "seconds_left": token_expires.map(|t| t - now),
                "refreshable": refreshable,
            },
            "credentials": {
                "path": role_path,
                "present": role_expires.is_some(),
                "expires_at": role_expires.map(time::format_rfc3339),
                "seconds_left": role_expires.map(|t| t - now),
            },
        });
        return Ok(Outcome::Print(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )));
    }
    let token_line = match token_expires {
        None => format!("none ({})", token_path.display()),
        Some(t) => format!(
            "{}, {} ({})",
            left(t - now, t),
            if refreshable {
                "refreshable"
            } else if session.name.is_some() {
                "not refreshable: sign in again when it expires"
            } else {
                "legacy profile: not refreshable"
            },
            token_path.display()
        ),
    };
    let role_line = match role_expires {
        None => format!("none cached ({})", role_path.display()),
        Some(t) => format!("{} ({})", left(t - now, t), role_path.display()),
    };
    let mut out = String::new();
    for (label, value) in [
        (
            "profile",
            format!("{name} ({})", target.profile.kind.label()),
        ),
        (
            "session",
            format!("{} {}", auth::describe(&session), session.start_url),
        ),
        (
            "role",
            format!(
                "{} in account {}",
                target.sso.role_name, target.sso.account_id
            ),
        ),
        ("token", token_line),
        ("credentials", role_line),
    ] {
        // A table for people: names from the config file are shown, escapes and all, never sent.
        out.push_str(&format!("{label:<12} {}\n", printable(&value)));
    }
    Ok(Outcome::Print(out))
}

/// `status` of an `aws login` profile: its login cache entry (read only).
fn login_status(args: &StatusArgs, ui: &dyn Ui, name: &str, session: &str) -> Result<Outcome> {
    let path = crate::login_cache::path(&crate::login_cache::dir()?, session);
    let entry = cache::load::<crate::login_cache::Entry>(&path, ui);
    let expires = entry.as_ref().and_then(crate::login_cache::Entry::expires);
    let now = time::now();
    let account = session.split(':').nth(4).unwrap_or_default();
    let identity = crate::login_session::identity(session);
    if args.json {
        let doc = json!({
            "profile": name,
            "kind": "login",
            "login_session": session,
            "account_id": account,
            "role_name": identity,
            "credentials": {
                "path": path,
                "present": entry.is_some(),
                "expires_at": expires.map(time::format_rfc3339),
                "seconds_left": expires.map(|t| t - now),
                "refreshable": entry.is_some(),
            },
        });
        return Ok(Outcome::Print(format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )));
    }
    let credentials = match expires {
        None => format!("none ({}): `ssoenv login {name}` signs in", path.display()),
        Some(t) => format!(
            "{}, refreshed while the session lasts (up to 12 hours) ({})",
            left(t - now, t),
            path.display()
        ),
    };
    let mut out = String::new();
    for (label, value) in [
        ("profile", format!("{name} (login)")),
        ("session", session.to_string()),
        ("identity", format!("{identity} in account {account}")),
        ("credentials", credentials),
    ] {
        out.push_str(&format!("{label:<12} {}\n", printable(&value)));
    }
    Ok(Outcome::Print(out))
}

/// `seconds` left until `until` (epoch seconds).
fn left(seconds: i64, until: i64) -> String {
    if seconds <= 0 {
        return "expired".into();
    }
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    let until = time::format_rfc3339(until);
    if h > 0 {
        format!("valid for {h}h {m:02}m (until {until})")
    } else {
        format!("valid for {m}m (until {until})")
    }
}
