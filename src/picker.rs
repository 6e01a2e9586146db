//! The profile picker: with no profile named and a person at the terminal, `ssoenv use` offers a
//! fuzzy list of the IAM Identity Center profiles. It is drawn on stderr and reads the keyboard
//! (the terminal, in raw mode), so it works inside `awsuse`, where stdout is captured by the
//! shell, and never puts a byte on stdout. Our own rather than inquire's `Select`, whose keys are
//! fixed: there Ctrl-W or Ctrl-U type their letter, and a filter matching nothing shows nothing.

mod model;
mod screen;

use std::fmt;

use crate::config::{Config, Paths};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::ui::printable;

/// One line of the list: `name  account/role  region`, the columns aligned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub line: String,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// The profiles `use` can activate (IAM Identity Center, chained and `aws login` ones), in config
/// order, as picker lines.
pub fn choices(config: &Config) -> Vec<Choice> {
    let rows: Vec<(String, String, String)> = config
        .profiles()
        .filter_map(|p| {
            let (account, role) = crate::activate::acts_as(&p.kind)?;
            let who = format!("{account}/{role}");
            Some((
                p.name.clone(),
                printable(&who).into_owned(),
                printable(p.region.as_deref().unwrap_or("-")).into_owned(),
            ))
        })
        .collect();
    let width = |column: fn(&(String, String, String)) -> &String| {
        rows.iter()
            .map(|r| column(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (name_width, role_width) = (width(|r| &r.0), width(|r| &r.1));
    rows.into_iter()
        .map(|(name, role, region)| {
            let shown = printable(&name);
            let line = format!("{shown:<name_width$}  {role:<role_width$}  {region}");
            Choice { name, line }
        })
        .collect()
}

/// Where the cursor starts: the active profile (`$SSOENV_PROFILE`), else the one `use` would
/// take without a picker (`$AWS_PROFILE`, `$AWS_DEFAULT_PROFILE`, `default`), else the first.
pub fn starting_cursor(choices: &[Choice], active: Option<&str>, fallback: &str) -> usize {
    let at = |wanted: &str| choices.iter().position(|c| c.name == wanted);
    active.and_then(at).or_else(|| at(fallback)).unwrap_or(0)
}

/// How the picker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Name(String),
    /// Escape.
    Canceled,
    /// Ctrl-C.
    Interrupted,
}

/// Asks the person for a profile (ask only when `settings.terminals.can_ask()`). Escape and
/// Ctrl-C are two ways of choosing nothing: the caller says so once, and tells them apart only
/// by the exit status.
pub fn pick_profile(settings: &Settings) -> Result<Picked> {
    let config = Config::load(Paths::from_env()?)?;
    let choices = choices(&config);
    if choices.is_empty() {
        let path = &config.paths.config;
        let why = if path.exists() {
            format!(
                "none named, and {} holds no IAM Identity Center profile to pick from",
                path.display()
            )
        } else {
            format!(
                "none named, and there is none to pick from: {} does not exist",
                path.display()
            )
        };
        return Err(Error::new("profile", why)
            .with_hint("name one (`ssoenv use PROFILE`), or create one with `ssoenv configure`"));
    }
    let profile = &settings.profile;
    let cursor = starting_cursor(
        &choices,
        profile.ssoenv_profile.as_deref(),
        &profile.selected(None),
    );
    screen::run(&choices, cursor, !settings.no_color).map_err(|e| {
        Error::new("profile picker", e.to_string())
            .with_hint("name a profile: `ssoenv use PROFILE`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::from_texts(text, "")
    }

    const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1

[profile keys]
aws_access_key_id = AKIAEXAMPLE

[profile \"Prod Read.Only\"]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
";

    #[test]
    fn lists_sso_profiles_aligned_and_skips_the_rest() {
        let choices = choices(&config(CONFIG));
        let lines: Vec<&str> = choices.iter().map(|c| c.line.as_str()).collect();
        assert_eq!(
            lines,
            [
                "dev             111111111111/AdministratorAccess  eu-west-1",
                "Prod Read.Only  222222222222/ReadOnly             -",
            ]
        );
        assert_eq!(choices[1].name, "Prod Read.Only");
        assert_eq!(choices[1].to_string(), choices[1].line);
    }

    #[test]
    fn chained_and_login_profiles_are_listed_as_who_they_act_as() {
        let text = format!(
            "{CONFIG}[profile deploy]\nrole_arn = arn:aws:iam::333333333333:role/ci/Deploy\n\
             source_profile = dev\nregion = eu-central-1\n\
             [profile broken]\nrole_arn = arn:aws:iam::4:role/X\nsource_profile = nope\n\
             [profile console]\nlogin_session = arn:aws:iam::555555555555:user/alice\n"
        );
        let choices = choices(&config(&text));
        let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["dev", "Prod Read.Only", "deploy", "console"]);
        assert!(
            choices[2].line == "deploy          333333333333/Deploy               eu-central-1",
            "{:?}",
            choices[2].line
        );
        assert!(
            choices[3].line == "console         555555555555/user/alice           -",
            "{:?}",
            choices[3].line
        );
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let choices = choices(&config(
            "[profile a]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
             sso_account_id = 111111111111\nsso_role_name = R\x1b[31m\nregion = x\x07\n",
        ));
        assert_eq!(choices[0].line, "a  111111111111/R\\x1b[31m  x\\x07");
    }

    #[test]
    fn the_cursor_starts_on_the_active_profile() {
        let choices = choices(&config(CONFIG));
        assert_eq!(starting_cursor(&choices, Some("Prod Read.Only"), "dev"), 1);
        assert_eq!(starting_cursor(&choices, Some("gone"), "Prod Read.Only"), 1);
        assert_eq!(starting_cursor(&choices, None, "dev"), 0);
        assert_eq!(starting_cursor(&choices, None, "default"), 0);
    }
}
