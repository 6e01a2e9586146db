//! What `configure` writes, planned on the config file's text: the names it may not take (another
//! profile's, or one inside a `populate` block), and the pure edit that adds the sso-session when
//! it is new and adds or replaces the profile.

use std::collections::HashSet;

use crate::config::{Config, Paths, SectionName, SsoSession};
use crate::config_edit::{self, SsoProfileText};
use crate::error::{Error, Result};
use crate::naming::free_name;
use crate::populate_plan::{begin_marker, end_marker};

/// The scopes of an sso-session `configure` creates, as `aws configure sso` writes them.
pub const SCOPES: &str = "sso:account:access";

/// The answers, once every prompt is done.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub session: &'a SsoSession,
    /// The sso-session is not in the file yet (as far as `configure` knew when it asked).
    pub new_session: bool,
    pub profile: SsoProfileText<'a>,
    /// Replace a profile of the same name.
    pub force: bool,
}

/// What [`plan`] did to the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub text: String,
    pub added_session: bool,
    pub replaced: bool,
}

/// `text` with `request` applied: the sso-session appended when it is new and still absent, and
/// the profile replacing its section in place or appended. `config` is what the config and
/// credentials files held when the command started; the name is checked again on `text`, which may
/// have changed since (a sign-in can take minutes).
pub fn plan(text: &str, config: &Config, request: &Request) -> Result<Planned> {
    let session_name = request.session.name.clone().unwrap_or_default();
    let name = request.profile.name;
    let mut text = text.to_string();
    let added_session = request.new_session
        && config_edit::find_section(&text, &SectionName::SsoSession(session_name.clone()))
            .is_none();
    if added_session {
        text = config_edit::append(&text, &session_lines(&session_name, request.session));
    }
    let lines = request.profile.lines();
    let replaced = match config_edit::find_section(&text, &SectionName::Profile(name.to_string())) {
        Some(range) => {
            Taken::new(config, &text).check(name, request.force, &config.paths)?;
            text = config_edit::replace(&text, range, &lines);
            true
        }
        None => {
            text = config_edit::append(&text, &lines);
            false
        }
    };
    Ok(Planned {
        text,
        added_session,
        replaced,
    })
}

fn session_lines(name: &str, session: &SsoSession) -> Vec<String> {
    vec![
        format!("[sso-session {name}]"),
        format!("sso_start_url = {}", session.start_url),
        format!("sso_region = {}", session.region),
        format!("sso_registration_scopes = {SCOPES}"),
    ]
}

/// Profile names in use: in the config file (and where), in the credentials file.
pub struct Taken {
    pub profiles: HashSet<String>,
    /// Profiles inside an ssoenv populate block, with the block's sso-session.
    pub populated: Vec<(String, String)>,
    in_config_file: HashSet<String>,
}

impl Taken {
    pub fn new(config: &Config, text: &str) -> Taken {
        let sections = config_edit::sections(text);
        let mut populated = Vec::new();
        for session in config.sso_sessions.keys() {
            let Ok(Some(block)) =
                config_edit::find_block(text, &begin_marker(session), &end_marker(session))
            else {
                continue;
            };
            for (name, range) in &sections {
                if let SectionName::Profile(p) = name
                    && block.range.contains(&range.start)
                {
                    populated.push((p.clone(), session.clone()));
                }
            }
        }
        let in_config_file = sections
            .into_iter()
            .filter_map(|(name, _)| match name {
                SectionName::Profile(p) => Some(p),
                _ => None,
            })
            .collect();
        Taken {
            profiles: config.profile_names().map(str::to_string).collect(),
            populated,
            in_config_file,
        }
    }

    pub fn in_credentials_only(&self, name: &str) -> bool {
        self.profiles.contains(name) && !self.in_config_file.contains(name)
    }

    /// Why `name` cannot be written, if it cannot.
    pub fn refusal(&self, name: &str, force: bool) -> Option<(String, Option<String>)> {
        if let Some((_, session)) = self.populated.iter().find(|(p, _)| p == name) {
            return Some((
                format!(
                    "is written by `ssoenv populate` for sso-session {session}; a change there \
                     would be undone by its next run"
                ),
                None,
            ));
        }
        if self.profiles.contains(name) && !force {
            return Some((
                "exists already".into(),
                Some(format!(
                    "choose another name (e.g. --profile {}), or replace it with --force",
                    self.free_suggestion(name)
                )),
            ));
        }
        None
    }

    pub fn check(&self, name: &str, force: bool, paths: &Paths) -> Result<()> {
        match self.refusal(name, force) {
            None => Ok(()),
            Some((why, hint)) => {
                let err = Error::new(
                    format!("profile \"{name}\""),
                    format!("{why} ({})", paths.config.display()),
                );
                Err(match hint {
                    Some(hint) => err.with_hint(hint),
                    None => err.with_hint("choose another name with --profile"),
                })
            }
        }
    }

    /// A free name for a profile whose wanted name is taken: `base-2`, `base-3`, ...
    pub fn free_suggestion(&self, base: &str) -> String {
        free_name(base, |n| n == base || self.profiles.contains(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str, credentials: &str) -> Config {
        Config::from_texts(text, credentials)
    }

    fn session() -> SsoSession {
        SsoSession {
            name: Some("corp".into()),
            start_url: "https://x.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            registration_scopes: Some(vec![SCOPES.into()]),
        }
    }

    fn request<'a>(session: &'a SsoSession, name: &'a str, new: bool, force: bool) -> Request<'a> {
        Request {
            session,
            new_session: new,
            profile: SsoProfileText {
                name,
                session: "corp",
                account_id: "1",
                role_name: "R",
                region: None,
                output: None,
                account_name: Some("a"),
            },
            force,
        }
    }

    const PROFILE: &str = "[profile dev]\nsso_session = corp\nsso_account_id = 1\n\
                           sso_role_name = R\nssoenv_account_name = a\n";

    #[test]
    fn a_new_session_and_profile_are_appended() {
        let s = session();
        let text = "# mine\n[profile other]\nregion = x\n";
        let planned = plan(text, &config(text, ""), &request(&s, "dev", true, false)).unwrap();
        assert_eq!(
            planned.text,
            format!(
                "{text}\n[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n\
                 sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n{PROFILE}"
            )
        );
        assert!(planned.added_session && !planned.replaced);
    }

    #[test]
    fn a_session_someone_added_meanwhile_is_not_added_twice() {
        let s = session();
        let text = "[sso-session corp]\nsso_start_url = u\n";
        let planned = plan(text, &config("", ""), &request(&s, "dev", true, false)).unwrap();
        assert!(!planned.added_session);
        assert_eq!(planned.text, format!("{text}\n{PROFILE}"));
    }

    #[test]
    fn an_existing_profile_is_replaced_in_place_only_with_force() {
        let s = session();
        let text = "[profile dev]\nregion = old\n\n[profile after]\nk = v\n";
        let c = config(text, "");
        let err = plan(text, &c, &request(&s, "dev", false, false)).unwrap_err();
        assert!(err.why.starts_with("exists already"), "{}", err.why);
        assert!(err.hint.unwrap().contains("--profile dev-2"));
        let planned = plan(text, &c, &request(&s, "dev", false, true)).unwrap();
        assert_eq!(planned.text, format!("{PROFILE}\n[profile after]\nk = v\n"));
        assert!(planned.replaced && !planned.added_session);
    }

    #[test]
    fn a_profile_populate_owns_is_refused_even_with_force() {
        let s = session();
        let text = "[sso-session corp]\nsso_start_url = u\nsso_region = eu-west-1\n\
                    # BEGIN ssoenv populate sso-session=corp (do not edit)\n\
                    [profile dev]\nsso_session = corp\n\
                    # END ssoenv populate sso-session=corp\n";
        let err = plan(text, &config(text, ""), &request(&s, "dev", false, true)).unwrap_err();
        assert!(
            err.why.contains("written by `ssoenv populate`"),
            "{}",
            err.why
        );
    }

    #[test]
    fn names_taken_and_where() {
        let text = "[profile dev]\n";
        let taken = Taken::new(&config(text, "[keys]\n"), text);
        assert!(taken.in_credentials_only("keys") && !taken.in_credentials_only("dev"));
        assert_eq!(taken.free_suggestion("dev"), "dev-2");
        assert_eq!(taken.free_suggestion("new"), "new-2");
        assert!(taken.refusal("new", false).is_none());
        assert!(taken.refusal("dev", true).is_none());
    }
}
