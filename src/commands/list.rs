use serde_json::json;

use super::Outcome;
use crate::cli::ListArgs;
use crate::config::{Config, Kind, Paths, Profile};
use crate::error::Result;
use crate::ui::Ui;

pub fn run(args: &ListArgs, ui: &dyn Ui) -> Result<Outcome> {
    let config = Config::load(Paths::from_env()?)?;
    if args.names {
        let mut out = String::new();
        for name in config.profile_names() {
            // A name with a line break would read as two names; completion cannot offer it anyway.
            if !name.contains(['\n', '\r']) {
                out.push_str(name);
                out.push('\n');
            }
        }
        return Ok(Outcome::Print(out));
    }
    let profiles: Vec<Profile> = config.profiles().collect();
    if args.json {
        let rows: Vec<serde_json::Value> = profiles.iter().map(row_json).collect();
        let mut out = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
        out.push('\n');
        return Ok(Outcome::Print(out));
    }
    for profile in &profiles {
        if let Kind::Invalid(why) = &profile.kind {
            ui.warn(&format!("profile \"{}\": {why}", profile.name));
        }
    }
    Ok(Outcome::Print(table(&profiles)))
}

fn row_json(p: &Profile) -> serde_json::Value {
    let sso = match &p.kind {
        Kind::Sso(sso) => Some(sso),
        _ => None,
    };
    json!({
        "name": p.name,
        "kind": p.kind.label(),
        "account_id": sso.map(|s| &s.account_id),
        "role_name": sso.map(|s| &s.role_name),
        "region": p.region,
        "sso_session": sso.and_then(|s| s.session.as_ref()),
        "sso_start_url": sso.map(|s| &s.start_url),
        "sso_region": sso.map(|s| &s.region),
        "error": match &p.kind { Kind::Invalid(why) => Some(why), _ => None },
    })
}

fn table(profiles: &[Profile]) -> String {
    let header = [
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE",
        "REGION",
        "SSO-SESSION",
    ];
    let rows: Vec<[String; 6]> = profiles
        .iter()
        .map(|p| {
            let (account, role, session) = match &p.kind {
                Kind::Sso(s) => (
                    s.account_id.clone(),
                    s.role_name.clone(),
                    s.session.clone().unwrap_or_else(|| "-".into()),
                ),
                _ => ("-".into(), "-".into(), "-".into()),
            };
            [
                printable(&p.name),
                p.kind.label().to_string(),
                account,
                printable(&role),
                printable(p.region.as_deref().unwrap_or("-")),
                printable(&session),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_string);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Config values reach a terminal here: control characters could move the cursor or recolour it.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
