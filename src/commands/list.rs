use std::borrow::Cow;

use serde::Serialize;

use super::Outcome;
use crate::cli::ListArgs;
use crate::config::{Config, Kind, Paths, Profile};
use crate::error::Result;
use crate::ui::{Ui, printable};

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
        std::mem::forget(config); // as below: the process ends next
        return Ok(Outcome::Print(out));
    }
    if args.json {
        // One compact object a line inside the array: valid JSON, easy to grep, and written as
        // the profiles are typed, so 10,000 of them are never all held at once.
        let mut out = String::from("[\n");
        for (i, profile) in config.profiles().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            out.push_str(&serde_json::to_string(&row(&profile)).unwrap_or_default());
        }
        out.push_str("\n]\n");
        std::mem::forget(config); // as below: the process ends next
        return Ok(Outcome::Print(out));
    }
    let profiles: Vec<Profile> = config.profiles().collect();
    for profile in &profiles {
        if let Kind::Invalid(why) = &profile.kind {
            ui.warn(&format!("profile \"{}\": {why}", profile.name));
        }
    }
    let text = table(&profiles);
    // The process ends once this is printed: freeing thousands of profiles one allocation at a
    // time would cost about a sixth of the run for nothing.
    std::mem::forget((config, profiles));
    Ok(Outcome::Print(text))
}

/// One `list --json` row: every key always present (null when it does not apply), so scripts
/// can rely on the shape.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    kind: &'a str,
    account_id: Option<&'a str>,
    role_name: Option<&'a str>,
    region: Option<&'a str>,
    sso_session: Option<&'a str>,
    sso_start_url: Option<&'a str>,
    sso_region: Option<&'a str>,
    error: Option<&'a str>,
}

fn row(p: &Profile) -> Row<'_> {
    let sso = match &p.kind {
        Kind::Sso(sso) => Some(sso),
        _ => None,
    };
    Row {
        name: &p.name,
        kind: p.kind.label(),
        account_id: sso.map(|s| s.account_id.as_str()),
        role_name: sso.map(|s| s.role_name.as_str()),
        region: p.region.as_deref(),
        sso_session: sso.and_then(|s| s.session.as_deref()),
        sso_start_url: sso.map(|s| s.start_url.as_str()),
        sso_region: sso.map(|s| s.region.as_str()),
        error: match &p.kind {
            Kind::Invalid(why) => Some(why),
            _ => None,
        },
    }
}

fn table(profiles: &[Profile]) -> String {
    const HEADER: [&str; 6] = [
        "PROFILE",
        "KIND",
        "ACCOUNT",
        "ROLE",
        "REGION",
        "SSO-SESSION",
    ];
    let rows: Vec<[Cow<str>; 6]> = profiles
        .iter()
        .map(|p| {
            let (account, role, session) = match &p.kind {
                Kind::Sso(s) => (
                    s.account_id.as_str(),
                    s.role_name.as_str(),
                    s.session.as_deref().unwrap_or("-"),
                ),
                _ => ("-", "-", "-"),
            };
            [
                printable(&p.name),
                Cow::Borrowed(p.kind.label()),
                printable(account),
                printable(role),
                printable(p.region.as_deref().unwrap_or("-")),
                printable(session),
            ]
        })
        .collect();
    let mut widths = HEADER.map(width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::with_capacity((rows.len() + 1) * (widths.iter().sum::<usize>() + 12));
    let header = HEADER.map(Cow::Borrowed);
    for row in std::iter::once(&header).chain(&rows) {
        let line_start = out.len();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                out.extend(std::iter::repeat_n(' ', w - width(cell) + 2));
            }
        }
        out.truncate(line_start + out[line_start..].trim_end().len());
        out.push('\n');
    }
    out
}

fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}
