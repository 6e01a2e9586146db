//! Which variables `use` sets and unsets: credentials become an ordered list of changes that
//! `shell` renders last. The names are what SDKs, the AWS CLI and starship's aws module read.

use crate::shell::EnvChanges;

/// Every variable `use` may set; `unset` removes them all.
pub const SET_BY_USE: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SSO_PROFILE",
    "SSOENV_PROFILE",
    "SSOENV_ACCOUNT_ID",
    "SSOENV_ROLE_NAME",
    "SSOENV_ACCOUNT_NAME",
    "SSOENV_EXPIRES_AT",
];

/// SDKs prefer a named profile over keys in the environment, so `use` removes these.
pub const UNSET_BY_USE: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// What `use` hands to the shell for one profile's live credentials.
#[derive(Debug, Clone)]
pub struct Activation<'a> {
    pub profile: &'a str,
    pub account_id: &'a str,
    pub role_name: &'a str,
    /// The account's name, when the profile records it (`ssoenv_account_name`, written by
    /// `configure` and `populate`), for prompts.
    pub account_name: Option<&'a str>,
    pub region: Option<&'a str>,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: &'a str,
    /// Epoch seconds.
    pub expires_at: i64,
}

pub fn activate(a: &Activation) -> EnvChanges {
    let mut changes = EnvChanges::new();
    changes.set("AWS_ACCESS_KEY_ID", a.access_key_id);
    changes.set("AWS_SECRET_ACCESS_KEY", a.secret_access_key);
    changes.set("AWS_SESSION_TOKEN", a.session_token);
    changes.set(
        "AWS_CREDENTIAL_EXPIRATION",
        crate::time::format_rfc3339(a.expires_at),
    );
    // A profile without a region leaves the shell's region alone: the person may have chosen one.
    if let Some(region) = a.region {
        changes.set("AWS_REGION", region);
        changes.set("AWS_DEFAULT_REGION", region);
    }
    changes.set("AWS_SSO_PROFILE", a.profile);
    changes.set("SSOENV_PROFILE", a.profile);
    changes.set("SSOENV_ACCOUNT_ID", a.account_id);
    changes.set("SSOENV_ROLE_NAME", a.role_name);
    // Never exported empty; unset so that the previous profile's name does not linger.
    match a.account_name.filter(|n| !n.is_empty()) {
        Some(name) => changes.set("SSOENV_ACCOUNT_NAME", name),
        None => changes.unset("SSOENV_ACCOUNT_NAME"),
    };
    changes.set("SSOENV_EXPIRES_AT", a.expires_at.to_string());
    for name in UNSET_BY_USE {
        changes.unset(*name);
    }
    changes
}

/// What `unset` hands to the shell.
pub fn deactivate() -> EnvChanges {
    let mut changes = EnvChanges::new();
    for name in SET_BY_USE {
        changes.unset(*name);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activation(account_name: Option<&str>) -> EnvChanges {
        activate(&Activation {
            profile: "p",
            account_id: "111111111111",
            role_name: "R",
            account_name,
            region: None,
            access_key_id: "AKIA",
            secret_access_key: "s",
            session_token: "t",
            expires_at: 0,
        })
    }

    fn value(changes: &EnvChanges, name: &str) -> Option<Option<String>> {
        changes
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().map(str::to_string))
    }

    #[test]
    fn account_name_is_exported_only_when_known() {
        let named = activation(Some("dev-account"));
        assert_eq!(
            value(&named, "SSOENV_ACCOUNT_NAME"),
            Some(Some("dev-account".into()))
        );
        for unknown in [None, Some("")] {
            assert_eq!(
                value(&activation(unknown), "SSOENV_ACCOUNT_NAME"),
                Some(None)
            );
        }
        assert!(SET_BY_USE.contains(&"SSOENV_ACCOUNT_NAME"));
    }
}
