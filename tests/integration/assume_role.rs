//! STS AssumeRole against the mock, which verifies every signature on its own: chains of one and
//! two hops from SSO and static-key roots, ExternalId, MFA, the duration limits, STS's errors as
//! the person sees them, and the assume-role cache shared with the real botocore both ways.
//! (The commands that use chains are tested where they are wired.)

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use ssoenv::cache::{self, AssumeRoleFile, CacheDirs};
use ssoenv::settings::Settings;
use ssoenv::sso::endpoint::Sts;
use ssoenv::sso::portal::{self, RoleCredentials};
use ssoenv::sso::sts::{self, AssumeRole, Assumed};
use ssoenv::sso::{ApiError, Call, Http};

use crate::support::mock::{MockSso, StsRole};
use crate::util::{json_of, python_with_botocore, support_file};

const DEPLOY: &str = "arn:aws:iam::222222222222:role/Deploy";
const ADMIN: &str = "arn:aws:iam::333333333333:role/Admin";

fn http() -> Http {
    Http::new(&Settings::from_process())
}

fn call(role_arn: &str, session: &str) -> AssumeRole {
    AssumeRole {
        role_arn: role_arn.into(),
        role_session_name: session.into(),
        external_id: None,
        duration_seconds: None,
        serial_number: None,
        token_code: None,
    }
}

/// Role credentials from the mock's portal for dev-account's AdministratorAccess.
fn sso_credentials(mock: &MockSso) -> RoleCredentials {
    let session = mock.seed_session(3600);
    portal::get_role_credentials(
        &http(),
        &mock.url(),
        &session.access_token,
        "111111111111",
        "AdministratorAccess",
    )
    .unwrap()
}

fn assume(
    mock: &MockSso,
    source: &RoleCredentials,
    call: &AssumeRole,
) -> Result<Assumed, ApiError> {
    sts::assume_role(&http(), &mock.url(), "eu-west-1", source, call)
}

fn code(err: &ApiError) -> &str {
    match err {
        ApiError::Service { code, .. } => code,
        ApiError::Transport { why, .. } => panic!("no answer: {why}"),
    }
}

/// What the person reads for `err`: the error line and its hint.
fn shown(err: ApiError, mock: &MockSso) -> String {
    let sts = Sts {
        url: mock.url(),
        signing_region: "eu-west-1".into(),
        source: Some("AWS_ENDPOINT_URL_STS".into()),
    };
    let e = Call::assume_role(
        DEPLOY,
        "prod",
        "profile hub",
        &sts,
        "run `ssoenv login hub`",
    )
    .error(err);
    format!("{e}\nhint: {}", e.hint.clone().unwrap_or_default())
}

#[test]
fn two_hops_from_an_sso_root_each_signed_by_the_hop_before() {
    let mock = MockSso::start();
    mock.add_sts_role(StsRole {
        external_id: Some("ext-1".into()),
        trusted_prefix: Some("arn:aws:sts::111111111111:assumed-role/".into()),
        ..StsRole::new(DEPLOY)
    });
    mock.add_sts_role(StsRole {
        trusted_prefix: Some("arn:aws:sts::222222222222:assumed-role/Deploy/".into()),
        ..StsRole::new(ADMIN)
    });
    let root = sso_credentials(&mock);
    let first = assume(
        &mock,
        &root,
        &AssumeRole {
            external_id: Some("ext-1".into()),
            duration_seconds: Some(900),
            ..call(DEPLOY, "alice")
        },
    )
    .unwrap();
    assert_eq!(
        first.assumed_role_arn,
        "arn:aws:sts::222222222222:assumed-role/Deploy/alice"
    );
    let left = first.credentials.expiration - ssoenv::time::now();
    assert!((890..=900).contains(&left), "{left}");
    let second = assume(&mock, &first.credentials, &call(ADMIN, "alice")).unwrap();
    assert!(
        second
            .assumed_role_arn
            .contains(":333333333333:assumed-role/Admin/")
    );

    let calls = mock.sts_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].access_key_id, root.access_key_id);
    assert_eq!(calls[1].access_key_id, first.credentials.access_key_id);
    assert!(
        calls
            .iter()
            .all(|c| c.outcome == "Ok" && c.region == "eu-west-1")
    );
    assert_eq!(calls[0].param("ExternalId"), Some("ext-1"));

    // The admin role trusts only Deploy: the SSO role itself is refused, with the trust hint.
    let err = assume(&mock, &root, &call(ADMIN, "alice")).unwrap_err();
    assert_eq!(code(&err), "AccessDenied");
    assert!(shown(err, &mock).contains("trust policy of role"));
    // A wrong or missing ExternalId too.
    let err = assume(&mock, &root, &call(DEPLOY, "alice")).unwrap_err();
    assert_eq!(code(&err), "AccessDenied");
}

#[test]
fn a_chained_role_may_not_ask_for_more_than_an_hour_but_access_keys_may() {
    let mock = MockSso::start();
    mock.add_sts_role(StsRole {
        max_session_secs: Some(43_200),
        ..StsRole::new(DEPLOY)
    });
    mock.add_sts_user_keys("AKIAMOCKUSER0001", "user-secret-key-0001", "111111111111");
    let long = AssumeRole {
        duration_seconds: Some(7200),
        ..call(DEPLOY, "alice")
    };
    let err = assume(&mock, &sso_credentials(&mock), &long).unwrap_err();
    assert_eq!(code(&err), "ValidationError");
    let text = shown(err, &mock);
    assert!(text.contains("at most 3600 seconds"), "{text}");

    let keys = RoleCredentials {
        access_key_id: "AKIAMOCKUSER0001".into(),
        secret_access_key: "user-secret-key-0001".into(),
        session_token: String::new(),
        expiration: i64::MAX,
    };
    let got = assume(&mock, &keys, &long).unwrap();
    let left = got.credentials.expiration - ssoenv::time::now();
    assert!((7190..=7200).contains(&left), "{left}");
    // The role's own maximum.
    let too_long = AssumeRole {
        duration_seconds: Some(50_000),
        ..call(DEPLOY, "alice")
    };
    let text = shown(assume(&mock, &keys, &too_long).unwrap_err(), &mock);
    assert!(text.contains("maximum session duration"), "{text}");
}

#[test]
fn mfa_codes_are_checked_and_each_taken_once() {
    let mock = MockSso::start();
    let serial = "arn:aws:iam::111111111111:mfa/alice";
    mock.add_sts_role(StsRole {
        mfa_serial: Some(serial.into()),
        ..StsRole::new(DEPLOY)
    });
    mock.set_mfa_code(serial, "123456");
    let root = sso_credentials(&mock);
    let with_code = |code: &str| AssumeRole {
        serial_number: Some(serial.into()),
        token_code: Some(code.into()),
        ..call(DEPLOY, "alice")
    };
    let err = assume(&mock, &root, &with_code("654321")).unwrap_err();
    assert!(shown(err, &mock).contains("MFA code was wrong or already used"));
    assume(&mock, &root, &with_code("123456")).unwrap();
    let err = assume(&mock, &root, &with_code("123456")).unwrap_err();
    let text = shown(err, &mock);
    assert!(text.contains("MultiFactorAuthentication failed"), "{text}");
    assert!(text.contains("wait for the next code"), "{text}");
    assert_eq!(mock.sts_calls()[1].param("TokenCode"), Some("123456"));
}

#[test]
fn refused_sources_are_named_with_how_to_refresh_them() {
    let mock = MockSso::start();
    mock.add_sts_role(StsRole::new(DEPLOY));
    let root = sso_credentials(&mock);

    let unknown = RoleCredentials {
        access_key_id: "ASIANOBODY".into(),
        ..root.clone()
    };
    let err = assume(&mock, &unknown, &call(DEPLOY, "alice")).unwrap_err();
    assert_eq!(code(&err), "InvalidClientTokenId");
    assert!(shown(err, &mock).contains("ssoenv login hub"));

    let wrong_secret = RoleCredentials {
        secret_access_key: "not-the-secret-at-all".into(),
        ..root.clone()
    };
    let err = assume(&mock, &wrong_secret, &call(DEPLOY, "alice")).unwrap_err();
    assert_eq!(code(&err), "SignatureDoesNotMatch");

    // Throttling (a 400 with Throttling) is retried like the other services' 429.
    mock.throttle_next_on("/", 1);
    assume(&mock, &root, &call(DEPLOY, "alice")).unwrap();
    assert_eq!(mock.count_errors("Throttling"), 1);

    mock.expire_sts_signer(&root.access_key_id);
    let err = assume(&mock, &root, &call(DEPLOY, "alice")).unwrap_err();
    assert_eq!(code(&err), "ExpiredToken");
    let text = shown(err, &mock);
    assert!(
        text.contains("were refused") && text.contains("ssoenv login hub"),
        "{text}"
    );
    // No secret of the request in any message.
    assert!(!text.contains(&root.secret_access_key) && !text.contains(&root.session_token));
}

fn botocore(mode: &str, input: &Value) -> Value {
    let mut child = Command::new(python_with_botocore())
        .arg(support_file("botocore_assume_role.py"))
        .arg(mode)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    json_of(&out, "botocore")
}

#[test]
fn keys_match_botocore() {
    let cases = json!([
        {"role_arn": DEPLOY},
        {"role_arn": DEPLOY, "external_id": "ext-123"},
        {"role_arn": DEPLOY, "role_session_name": "alice"},
        {"role_arn": DEPLOY, "duration_seconds": 900},
        {"role_arn": DEPLOY, "mfa_serial": "arn:aws:iam::111111111111:mfa/alice"},
        {"role_arn": "arn:aws:iam::1:role/Dé\"p", "role_session_name": "s", "external_id": "x\\y",
         "duration_seconds": 3600, "mfa_serial": "GAHT12345678"},
    ]);
    let keys = botocore("keys", &cases);
    for (case, key) in cases
        .as_array()
        .unwrap()
        .iter()
        .zip(keys.as_array().unwrap())
    {
        let text = |k: &str| case.get(k).and_then(Value::as_str).map(str::to_string);
        let named = text("role_session_name");
        let ours = AssumeRole {
            role_arn: text("role_arn").unwrap(),
            role_session_name: named.clone().unwrap_or_else(|| "botocore-session-1".into()),
            external_id: text("external_id"),
            duration_seconds: case.get("duration_seconds").and_then(Value::as_i64),
            serial_number: text("mfa_serial"),
            token_code: None,
        };
        assert_eq!(
            cache::assume_role_key(&ours, named.is_some()),
            key.as_str().unwrap(),
            "{case}"
        );
    }
}

#[test]
fn the_cache_is_shared_with_botocore_both_ways() {
    let mock = MockSso::start();
    mock.add_sts_role(StsRole::new(DEPLOY));
    let root = sso_credentials(&mock);
    let dir = tempfile::tempdir().unwrap();
    let dirs = CacheDirs {
        sso: dir.path().join("sso"),
        cli: dir.path().join("cli"),
    };
    let request = |call: Value| {
        json!({
            "cache_dir": dirs.cli,
            "endpoint": mock.url(),
            "region": "eu-west-1",
            "source": {"access_key": root.access_key_id, "secret_key": root.secret_access_key,
                       "token": root.session_token},
            "call": call,
        })
    };

    // ssoenv writes, botocore reuses the file without calling STS.
    let ours = call(DEPLOY, "botocore-session-1");
    let assumed = assume(&mock, &root, &ours).unwrap();
    let path = dirs.assume_role_path(&ours, false);
    cache::write(&path, &AssumeRoleFile::issued(&assumed)).unwrap();
    let calls = mock.sts_calls().len();
    let got = botocore("fetch", &request(json!({"role_arn": DEPLOY})));
    assert_eq!(mock.sts_calls().len(), calls, "botocore called STS");
    assert_eq!(
        got["access_key"],
        assumed.credentials.access_key_id.as_str()
    );
    assert_eq!(got["token"], assumed.credentials.session_token.as_str());

    // botocore calls STS (its signature passes the mock's verifier) and writes; ssoenv reads.
    let got = botocore(
        "fetch",
        &request(json!({"role_arn": DEPLOY, "role_session_name": "bob", "duration_seconds": 900})),
    );
    let last = mock.sts_calls().pop().unwrap();
    assert_eq!(
        (last.outcome.as_str(), last.region.as_str()),
        ("Ok", "eu-west-1")
    );
    let theirs = AssumeRole {
        duration_seconds: Some(900),
        ..call(DEPLOY, "bob")
    };
    let text = std::fs::read_to_string(dirs.assume_role_path(&theirs, true)).unwrap();
    let file: AssumeRoleFile = serde_json::from_str(&text).unwrap();
    assert!(file.credentials.expiration.ends_with("+00:00"), "{text}");
    let creds = file.role_credentials().unwrap();
    assert_eq!(got["access_key"], creds.access_key_id.as_str());
    assert_eq!(got["secret_key"], creds.secret_access_key.as_str());
    assert!((creds.expiration - ssoenv::time::now() - 900).abs() <= 5);
    // The same fields as the CLI writes, ours and theirs.
    let ours_text = std::fs::read_to_string(&path).unwrap();
    let keys = |t: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(t).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(keys(&ours_text), keys(&text));
}
