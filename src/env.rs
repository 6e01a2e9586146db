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
    "SSOENV_REGION",
    "AWS_SSO_PROFILE",
    "SSOENV_PROFILE",
    "SSOENV_ACCOUNT_ID",
    "SSOENV_ROLE_NAME",
    "SSOENV_ACCOUNT_NAME",
    "SSOENV_EXPIRES_AT",
];

/// SDKs prefer a named profile over keys in the environment, so `use` removes these.
pub const UNSET_BY_USE: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// What `use` must know of the environment it changes, read once at the command's top (with the
/// other `settings`) so that `activate` stays a pure function of its inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Current {
    /// `SSOENV_REGION`: the region an earlier `use` set, which tells ssoenv's region from the
    /// person's own.
    pub ssoenv_region: Option<String>,
    pub aws_region: Option<String>,
    pub aws_default_region: Option<String>,
}

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
    /// Whether the credentials rest on an IAM Identity Center sign-in. Then `AWS_SSO_PROFILE`
    /// names the profile (starship shows it); a chain from access keys unsets it rather than
    /// claim a sign-in there is none of.
    pub via_sso: bool,
}

pub fn activate(a: &Activation, current: &Current) -> EnvChanges {
    let mut changes = EnvChanges::new();
    changes.set("AWS_ACCESS_KEY_ID", a.access_key_id);
    changes.set("AWS_SECRET_ACCESS_KEY", a.secret_access_key);
    changes.set("AWS_SESSION_TOKEN", a.session_token);
    changes.set(
        "AWS_CREDENTIAL_EXPIRATION",
        crate::time::format_rfc3339(a.expires_at),
    );
    match a.region {
        Some(region) => {
            changes.set("AWS_REGION", region);
            changes.set("AWS_DEFAULT_REGION", region);
            changes.set("SSOENV_REGION", region);
        }
        // A region the previous profile brought would silently send this one's commands there;
        // a region the person set (never, or no longer, the one ssoenv recorded) stays.
        None => {
            let ours = current.ssoenv_region.as_deref().filter(|r| !r.is_empty());
            for (name, value) in [
                ("AWS_REGION", &current.aws_region),
                ("AWS_DEFAULT_REGION", &current.aws_default_region),
            ] {
                if ours.is_some() && value.as_deref() == ours {
                    changes.unset(name);
                }
            }
            changes.unset("SSOENV_REGION");
        }
    }
    if a.via_sso {
        changes.set("AWS_SSO_PROFILE", a.profile);
    } else {
        changes.unset("AWS_SSO_PROFILE");
    }
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

/// What `exec --serve` takes out of `use`'s changes: the keys (the child asks the endpoint
/// instead, and keys in the environment would outrank it in every SDK) and the expiry of the first
/// set, which the endpoint outlives.
const SERVED_INSTEAD: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "SSOENV_EXPIRES_AT",
];

/// Inherited, these would send an SDK elsewhere: botocore and the other SDKs read the relative
/// URI before the full one, and the token file before the token.
const OUTRANK_THE_ENDPOINT: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

pub const CONTAINER_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
pub const CONTAINER_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/// What `exec --serve` hands its command: `use`'s `changes` with the credentials replaced by the
/// container-credentials endpoint at `url` and its bearer `token`.
pub fn served(mut changes: EnvChanges, url: &str, token: &str) -> EnvChanges {
    for name in SERVED_INSTEAD.iter().chain(OUTRANK_THE_ENDPOINT) {
        changes.unset(*name);
    }
    changes.set(CONTAINER_URI, url);
    changes.set(CONTAINER_TOKEN, token);
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

    fn activation_in(
        account_name: Option<&str>,
        region: Option<&str>,
        current: &Current,
    ) -> EnvChanges {
        activation_via(account_name, region, current, true)
    }

    fn activation_via(
        account_name: Option<&str>,
        region: Option<&str>,
        current: &Current,
        via_sso: bool,
    ) -> EnvChanges {
        activate(
            &Activation {
                profile: "p",
                account_id: "111111111111",
                role_name: "R",
                account_name,
                region,
                access_key_id: "AKIA",
                secret_access_key: "s",
                session_token: "t",
                expires_at: 0,
                via_sso,
            },
            current,
        )
    }

    fn activation(account_name: Option<&str>) -> EnvChanges {
        activation_in(account_name, None, &Current::default())
    }

    fn value(changes: &EnvChanges, name: &str) -> Option<Option<String>> {
        changes
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().map(str::to_string))
    }

    #[test]
    fn a_served_command_gets_the_endpoint_and_no_keys() {
        let changes = served(activation(None), "http://127.0.0.1:1/", "tok");
        for name in SERVED_INSTEAD.iter().chain(OUTRANK_THE_ENDPOINT) {
            assert_eq!(value(&changes, name), Some(None), "{name}");
        }
        assert_eq!(
            value(&changes, CONTAINER_URI),
            Some(Some("http://127.0.0.1:1/".into()))
        );
        assert_eq!(value(&changes, CONTAINER_TOKEN), Some(Some("tok".into())));
        assert_eq!(value(&changes, "SSOENV_PROFILE"), Some(Some("p".into())));
        assert_eq!(value(&changes, "AWS_PROFILE"), Some(None));
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

    #[test]
    fn aws_sso_profile_is_set_only_over_a_sign_in() {
        let current = Current::default();
        let sso = activation_via(None, None, &current, true);
        assert_eq!(value(&sso, "AWS_SSO_PROFILE"), Some(Some("p".into())));
        // A chain from access keys: unset, so that the previous profile's name does not linger.
        let keys = activation_via(None, None, &current, false);
        assert_eq!(value(&keys, "AWS_SSO_PROFILE"), Some(None));
        assert_eq!(value(&keys, "SSOENV_PROFILE"), Some(Some("p".into())));
    }

    #[test]
    fn a_region_ssoenv_set_never_outlives_its_profile() {
        // The profile's region; SSOENV_REGION, AWS_REGION, AWS_DEFAULT_REGION before; and what
        // becomes of AWS_REGION, AWS_DEFAULT_REGION, SSOENV_REGION: a value is set, "-" unset,
        // "=" left as it is.
        type Case<'a> = (Option<&'a str>, [Option<&'a str>; 3], [&'a str; 3]);
        let eu = Some("eu-west-1");
        let cases: [Case; 9] = [
            // A profile's region is set, and recorded as ssoenv's.
            (eu, [None, None, None], ["eu-west-1"; 3]),
            (
                eu,
                [Some("us-east-1"), Some("us-east-1"), Some("ap-south-1")],
                ["eu-west-1"; 3],
            ),
            // No region after one that ssoenv set: it goes.
            (None, [eu, eu, eu], ["-", "-", "-"]),
            // The person changed one of them since: theirs stays.
            (None, [eu, Some("us-west-2"), eu], ["=", "-", "-"]),
            (None, [eu, None, Some("us-west-2")], ["=", "=", "-"]),
            // The person set a region before any `use`: left alone.
            (
                None,
                [None, Some("ap-south-1"), Some("ap-south-1")],
                ["=", "=", "-"],
            ),
            (None, [Some(""), Some(""), Some("")], ["=", "=", "-"]),
            // Nothing set at all: nothing to remove.
            (None, [None, None, None], ["=", "=", "-"]),
            (None, [eu, None, None], ["=", "=", "-"]),
        ];
        for (region, [ssoenv, aws, aws_default], want) in cases {
            let current = Current {
                ssoenv_region: ssoenv.map(String::from),
                aws_region: aws.map(String::from),
                aws_default_region: aws_default.map(String::from),
            };
            let changes = activation_in(None, region, &current);
            let got =
                ["AWS_REGION", "AWS_DEFAULT_REGION", "SSOENV_REGION"].map(|name| {
                    match value(&changes, name) {
                        None => "=".to_string(),
                        Some(None) => "-".to_string(),
                        Some(Some(v)) => v,
                    }
                });
            assert_eq!(got, want, "{region:?} {current:?}");
        }
        assert!(SET_BY_USE.contains(&"SSOENV_REGION"));
    }
}
