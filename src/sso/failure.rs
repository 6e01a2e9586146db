//! What a failed call to the services means for the person: the one mapping from `ApiError` to
//! `Error`. Each kind of call differs only in data: what the error names, and the hint for each
//! answer it is known for (by HTTP status for the portal, by OAuth `error` code for sso-oidc, by
//! error code and words of its message for STS). No answer at all gets the network hint
//! (`ApiError::network_hint`, or the call's own for STS).

use super::ApiError;
use crate::error::Error;

/// An answer of the service that a call has advice for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    Code(&'static str),
    /// This code, with a message containing these words (ASCII case ignored): STS answers
    /// `AccessDenied` both for a trust policy and for a wrong MFA code.
    CodeSaying(&'static str, &'static str),
}

/// A call, described for its errors.
#[derive(Debug, Clone)]
pub struct Call {
    /// What failed, as the error names it.
    pub what: String,
    /// The region the endpoints were built from, for the network hint.
    pub sso_region: String,
    /// The hint for each answer the call has advice for; the first that matches wins.
    pub advice: Vec<(Answer, String)>,
    /// The hint for any other answer; None when the service's own words must do.
    pub otherwise: Option<&'static str>,
    /// The hint when no answer came, for a service not found by `sso_region` (None: the
    /// network hint of `sso_region`).
    pub no_answer: Option<String>,
}

const TRY_AGAIN: &str = "the service failed; try again shortly";

impl Call {
    /// GetRoleCredentials for a profile's role.
    pub fn role_credentials(account_id: &str, role_name: &str, sso_region: &str) -> Call {
        let not_assigned = format!(
            "check sso_account_id and sso_role_name: your user may not be assigned role \
             {role_name} in account {account_id}"
        );
        Call {
            what: format!("role {role_name} in account {account_id} (GetRoleCredentials)"),
            sso_region: sso_region.into(),
            advice: vec![
                (
                    Answer::Status(401),
                    "the SSO token was refused twice; run `ssoenv login` for this profile".into(),
                ),
                (Answer::Status(403), not_assigned.clone()),
                (Answer::Status(404), not_assigned),
                (
                    Answer::Status(429),
                    "the service is throttling; try again shortly".into(),
                ),
            ],
            otherwise: Some(TRY_AGAIN),
            no_answer: None,
        }
    }

    /// ListAccounts or ListAccountRoles (`call` names which, and for which account), while
    /// listing what a session reaches; `login_hint` says how to sign in to it again.
    pub fn listing(call: impl Into<String>, sso_region: &str, login_hint: String) -> Call {
        let changed = "your assignments may have changed during the listing; run the command again";
        Call {
            what: call.into(),
            sso_region: sso_region.into(),
            advice: vec![
                (Answer::Status(401), login_hint),
                (
                    Answer::Status(429),
                    "the service kept throttling; try again later, or with a lower --max-rate"
                        .into(),
                ),
                (Answer::Status(403), changed.into()),
                (Answer::Status(404), changed.into()),
            ],
            otherwise: Some(TRY_AGAIN),
            no_answer: None,
        }
    }

    /// One step of a login to `start_url` with sso-oidc (`step`: "registering a client", ...).
    pub fn login(start_url: &str, step: &str, sso_region: &str) -> Call {
        Call {
            what: format!("login to {start_url} ({step})"),
            sso_region: sso_region.into(),
            advice: vec![
                (
                    Answer::Code("invalid_grant"),
                    format!(
                        "check that sso_region ({sso_region}) is the region of your IAM Identity \
                         Center instance, not your default region, and that sso_start_url is \
                         right"
                    ),
                ),
                (
                    Answer::Code("access_denied"),
                    "the sign-in was denied in the browser; run the command again to retry".into(),
                ),
                (
                    Answer::Code("invalid_scope"),
                    "check sso_registration_scopes in the sso-session (sso:account:access is the \
                     usual one)"
                        .into(),
                ),
            ],
            otherwise: None,
            no_answer: None,
        }
    }

    /// The console sign-in token (federation `getSigninToken`) for profile `profile`, from the
    /// endpoint at `signin`; `overridden_by` names the variable that chose it, when one did.
    pub fn federation(profile: &str, signin: &str, overridden_by: Option<&str>) -> Call {
        let word = crate::shell::word(profile);
        let refused = format!(
            "the endpoint takes only live role credentials (IAM Identity Center roles, assumed \
             roles): these may have expired or been revoked (run `ssoenv console {word} \
             --force-refresh` for new ones), or come from a session the console does not accept"
        );
        let no_answer = match overridden_by {
            Some(var) => format!(
                "the endpoint comes from {var}={}: check that the server it names is running \
                 and is a sign-in endpoint, or unset it to reach the AWS sign-in endpoint",
                super::endpoint::url_for_errors(signin)
            ),
            None => format!(
                "check your network (a proxy or captive portal may answer in its place): the \
                 console sign-in endpoint is {}",
                super::endpoint::url_for_errors(signin)
            ),
        };
        Call {
            what: format!("console sign-in for {profile} (getSigninToken)"),
            sso_region: String::new(),
            advice: vec![
                (Answer::Status(400), refused.clone()),
                (Answer::Status(401), refused.clone()),
                (Answer::Status(403), refused),
                (
                    Answer::Status(429),
                    "the endpoint is throttling; try again shortly".into(),
                ),
            ],
            otherwise: Some(TRY_AGAIN),
            no_answer: Some(no_answer),
        }
    }

    /// CreateOAuth2Token of the sign-in service for login session `session` (an `aws login`
    /// profile): `step` is "refreshing the credentials" or "redeeming the sign-in";
    /// `login_hint` says how to sign in again.
    pub fn signin(session: &str, step: &str, region: &str, login_hint: &str) -> Call {
        Call {
            what: format!("login session {session} ({step})"),
            sso_region: region.into(),
            advice: vec![
                (
                    Answer::Code("TOKEN_EXPIRED"),
                    format!("the session ended (12 hours at most); {login_hint}"),
                ),
                (
                    Answer::Code("USER_CREDENTIALS_CHANGED"),
                    format!(
                        "the password or keys of this identity changed since it signed in; \
                         {login_hint}"
                    ),
                ),
                (
                    Answer::Code("INSUFFICIENT_PERMISSIONS"),
                    "this identity may not sign in to the AWS CLI: its administrator must \
                     allow signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token (the \
                     SignInLocalDevelopmentAccess managed policy)"
                        .into(),
                ),
                (
                    Answer::Code("AUTHCODE_EXPIRED"),
                    format!("the sign-in took too long; {login_hint}"),
                ),
                (
                    Answer::Status(429),
                    "the service is throttling; try again shortly".into(),
                ),
            ],
            otherwise: Some(TRY_AGAIN),
            // The network hint of the other calls speaks of sso_region; this service is found
            // by the profile's region.
            no_answer: Some(format!(
                "check the network, and that region {region} is the one this identity signs in \
                 to; AWS_ENDPOINT_URL_SIGNIN, when set, must name a reachable endpoint"
            )),
        }
    }

    /// STS AssumeRole of `role_arn`, asked by the profile `profile` with the credentials of
    /// `source` (a person's words for them: "profile hub (role Engineer in account 1111…)"),
    /// at `sts`. `refresh` says how to get fresh source credentials (sign in again, new keys).
    pub fn assume_role(
        role_arn: &str,
        profile: &str,
        source: &str,
        sts: &super::endpoint::Sts,
        refresh: &str,
    ) -> Call {
        let refused = format!(
            "the credentials of {source} were refused (expired or no longer valid); {refresh}"
        );
        let no_answer = match &sts.source {
            Some(from) => format!(
                "the STS endpoint {} comes from {from}: check that the server it names is \
                 running, or remove the override",
                sts.url
            ),
            None => format!(
                "check your network, and that region ({}) is right for profile {profile}",
                sts.signing_region
            ),
        };
        Call {
            what: format!("assuming role {role_arn} for profile {profile} (AssumeRole)"),
            sso_region: sts.signing_region.clone(),
            advice: vec![
                (
                    Answer::CodeSaying("AccessDenied", "MultiFactorAuthentication"),
                    "the MFA code was wrong or already used; wait for the next code and try \
                     again"
                        .into(),
                ),
                (
                    Answer::Code("AccessDenied"),
                    format!(
                        "the trust policy of role {role_arn} must allow {source} to assume it \
                         (sts:AssumeRole, with the external_id and MFA it requires), and that \
                         identity's own policies must allow sts:AssumeRole on the role"
                    ),
                ),
                (Answer::Code("ExpiredToken"), refused.clone()),
                (Answer::Code("InvalidClientTokenId"), refused.clone()),
                (Answer::Code("SignatureDoesNotMatch"), refused),
                (
                    Answer::Code("RegionDisabledException"),
                    format!(
                        "STS is not enabled in {} for this account: set region in profile \
                         {profile} to an enabled region (or an sts endpoint_url in its \
                         services section)",
                        sts.signing_region
                    ),
                ),
                (
                    Answer::CodeSaying("ValidationError", "role chaining"),
                    format!(
                        "a role assumed with role credentials (role chaining, which includes \
                         IAM Identity Center roles) may ask for at most 3600 seconds: lower \
                         duration_seconds in profile {profile}"
                    ),
                ),
                (
                    Answer::CodeSaying("ValidationError", "DurationSeconds"),
                    format!(
                        "lower duration_seconds in profile {profile} to at most the role's \
                         maximum session duration"
                    ),
                ),
                (
                    Answer::Code("Throttling"),
                    "the service is throttling; try again shortly".into(),
                ),
            ],
            otherwise: None,
            no_answer: Some(no_answer),
        }
    }

    /// The error for `err`, with the hint that fits it.
    pub fn error(&self, err: ApiError) -> Error {
        let hint = match &err {
            ApiError::Service {
                status,
                code,
                message,
            } => self
                .advice
                .iter()
                .find(|(answer, _)| match answer {
                    Answer::Status(s) => s == status,
                    Answer::Code(c) => c == code,
                    Answer::CodeSaying(c, words) => {
                        c == code && contains_ignoring_case(message, words)
                    }
                })
                .map(|(_, hint)| hint.clone())
                .or_else(|| self.otherwise.map(str::to_string)),
            ApiError::Transport { why, .. } if !why.starts_with(crate::settings::CA_BUNDLE) => self
                .no_answer
                .clone()
                .or_else(|| err.network_hint(&self.sso_region)),
            ApiError::Transport { .. } => err.network_hint(&self.sso_region),
        };
        let error = Error::new(self.what.clone(), err.to_string());
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

fn contains_ignoring_case(text: &str, words: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&words.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16, code: &str) -> ApiError {
        ApiError::Service {
            status,
            code: code.into(),
            message: "said the service".into(),
        }
    }

    fn hint(call: &Call, err: ApiError) -> Option<String> {
        call.error(err).hint
    }

    #[test]
    fn each_call_names_itself_and_gives_its_hint_for_each_answer() {
        let role = Call::role_credentials("111111111111", "Admin", "eu-west-1");
        let err = role.error(service(403, "ForbiddenException"));
        assert_eq!(
            err.to_string(),
            "role Admin in account 111111111111 (GetRoleCredentials): \
             ForbiddenException: said the service"
        );
        assert!(err.hint.unwrap().contains("may not be assigned role Admin"));
        assert!(
            hint(&role, service(401, "x"))
                .unwrap()
                .contains("refused twice")
        );
        assert!(
            hint(&role, service(404, "x"))
                .unwrap()
                .contains("sso_role_name")
        );
        assert!(
            hint(&role, service(429, "x"))
                .unwrap()
                .contains("throttling")
        );
        assert_eq!(hint(&role, service(500, "x")).as_deref(), Some(TRY_AGAIN));

        let list = Call::listing("ListAccounts", "eu-west-1", "sign in again".into());
        assert_eq!(list.error(service(401, "x")).what, "ListAccounts");
        assert_eq!(
            hint(&list, service(401, "x")).as_deref(),
            Some("sign in again")
        );
        assert!(
            hint(&list, service(429, "x"))
                .unwrap()
                .contains("--max-rate")
        );
        assert!(
            hint(&list, service(403, "x"))
                .unwrap()
                .contains("assignments")
        );

        let login = Call::login("https://x/start", "starting a device login", "eu-west-1");
        assert_eq!(
            login.error(service(400, "invalid_grant")).what,
            "login to https://x/start (starting a device login)"
        );
        assert!(
            hint(&login, service(400, "invalid_grant"))
                .unwrap()
                .contains("sso_region (eu-west-1)")
        );
        assert!(
            hint(&login, service(400, "access_denied"))
                .unwrap()
                .contains("denied")
        );
        assert!(
            hint(&login, service(400, "invalid_scope"))
                .unwrap()
                .contains("scopes")
        );
        assert_eq!(hint(&login, service(400, "unsupported_grant_type")), None);
    }

    #[test]
    fn a_refused_federation_says_which_credentials_it_takes_and_silence_names_the_endpoint() {
        let call = Call::federation(
            "my dev",
            "http://127.0.0.1:9",
            Some("AWS_ENDPOINT_URL_SIGNIN"),
        );
        let err = call.error(service(400, "HTTP 400"));
        assert_eq!(err.what, "console sign-in for my dev (getSigninToken)");
        let hint = err.hint.unwrap();
        assert!(
            hint.contains("ssoenv console 'my dev' --force-refresh"),
            "{hint}"
        );
        assert!(hint.contains("assumed roles"), "{hint}");
        let down = ApiError::Transport {
            url: "http://127.0.0.1:9/federation".into(),
            why: "connection refused".into(),
        };
        assert!(
            hint_of(&call, down.clone()).contains("AWS_ENDPOINT_URL_SIGNIN=http://127.0.0.1:9"),
        );
        let real = Call::federation("p", "https://signin.aws.amazon.com", None);
        assert!(hint_of(&real, down).contains("https://signin.aws.amazon.com"));
        let bundle = ApiError::Transport {
            url: "https://signin.aws.amazon.com/federation".into(),
            why: format!("{}: holds no PEM certificate", crate::settings::CA_BUNDLE),
        };
        assert!(hint_of(&real, bundle).contains("PEM"));
    }

    fn hint_of(call: &Call, err: ApiError) -> String {
        call.error(err).hint.unwrap_or_default()
    }

    #[test]
    fn each_signin_error_says_what_to_do() {
        let call = Call::signin("arn:aws:iam::1:user/a", "refreshing", "eu-west-1", "run X");
        for (code, words) in [
            ("TOKEN_EXPIRED", "run X"),
            ("USER_CREDENTIALS_CHANGED", "password"),
            ("INSUFFICIENT_PERMISSIONS", "signin:CreateOAuth2Token"),
            ("AUTHCODE_EXPIRED", "too long"),
        ] {
            let err = call.error(service(401, code));
            assert!(
                err.to_string()
                    .contains("login session arn:aws:iam::1:user/a")
            );
            assert!(err.hint.unwrap().contains(words), "{code}");
        }
    }

    #[test]
    fn no_answer_gets_the_network_hint() {
        let down = || ApiError::Transport {
            url: "https://portal.sso.ap-south-1.amazonaws.com/federation/credentials".into(),
            why: "connection refused".into(),
        };
        for call in [
            Call::role_credentials("1", "R", "ap-south-1"),
            Call::listing("ListAccounts", "ap-south-1", String::new()),
            Call::login("u", "s", "ap-south-1"),
        ] {
            let hint = hint(&call, down()).unwrap();
            assert!(hint.contains("sso_region (ap-south-1)"), "{hint}");
        }
    }
}
