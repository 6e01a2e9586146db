//! `aws login` profiles (`login_session`): the AWS CLI's login cache read as it is, refreshed
//! with DPoP against the mock sign-in service (which verifies every proof), written back in the
//! CLI's format; and botocore's LoginProvider as the oracle, both ways.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::engine::World;
use crate::support::mock::{DEFAULT_LOGIN_ARN, SIGNIN_TOKEN, SeededLogin};
use crate::util::{assert_fails, json_of, stderr, stdout, support_file};

const CONFIG: &str = "\
[profile console]
login_session = arn:aws:iam::333333333333:user/alice
region = us-west-2
";

fn world() -> World {
    let mut w = World::new();
    w.sb.write_config(CONFIG);
    let (k, v) = w.mock.signin_env();
    w.sb.env(k, v);
    w
}

fn entry_path(w: &World) -> PathBuf {
    w.path("login/cache").join(format!(
        "{}.json",
        ssoenv::login_cache::key(DEFAULT_LOGIN_ARN)
    ))
}

fn seed(w: &World, expires_in: i64) -> SeededLogin {
    let seeded = w.mock.signin_seed(DEFAULT_LOGIN_ARN, expires_in);
    let path = entry_path(w);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &seeded.entry).unwrap();
    seeded
}

fn read_entry(w: &World) -> Value {
    serde_json::from_slice(&std::fs::read(entry_path(w)).unwrap()).unwrap()
}

/// The mock sign-in service refused nothing it was sent (DPoP proofs, refresh tokens, PKCE
/// verifiers).
#[track_caller]
fn assert_no_rejections(w: &World) {
    let rejections = w.mock.signin_rejections();
    assert!(rejections.is_empty(), "{rejections:?}");
}

#[test]
fn a_live_entry_is_used_without_a_request() {
    let w = world();
    let seeded = seed(&w, 10 * 60);
    let env = w.use_ok(&["console"]);
    assert_eq!(env["AWS_ACCESS_KEY_ID"], seeded.access_key_id);
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "333333333333");
    assert_eq!(env["SSOENV_ROLE_NAME"], "user/alice");
    assert_eq!(env["AWS_REGION"], "us-west-2");
    assert_eq!(w.mock.total(), 0, "a live entry must not cost a request");
    let out = w.sb.run(&["list"]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("console") && l.contains(" login "))
    );
}

#[test]
fn an_entry_near_its_end_is_refreshed_with_dpop_and_written_back_as_the_cli_writes_it() {
    let w = world();
    let seeded = seed(&w, 4 * 60);
    let before = read_entry(&w);
    let env = w.use_ok(&["console"]);
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
    assert_eq!(w.mock.signin_proofs_verified(), 1);
    assert_no_rejections(&w);
    let after = read_entry(&w);
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        after["accessToken"]["accessKeyId"].as_str().unwrap()
    );
    assert_ne!(env["AWS_ACCESS_KEY_ID"], seeded.access_key_id);
    // The refresh token rotated; the key, the id token, the client and the account stayed.
    assert_ne!(after["refreshToken"], before["refreshToken"]);
    assert!(!w.mock.signin_refresh_token_live(&seeded.refresh_token));
    for kept in ["dpopKey", "idToken", "clientId", "tokenType"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["accessToken"]["accountId"], "333333333333");
    let text = std::fs::read_to_string(entry_path(&w)).unwrap();
    assert!(
        text.starts_with("{\"accessToken\": {\"accessKeyId\": \""),
        "{text}"
    );
    let keys: Vec<&str> = after
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let order: Vec<usize> = [
        "\"tokenType\"",
        "\"clientId\"",
        "\"refreshToken\"",
        "\"idToken\"",
        "\"dpopKey\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(entry_path(&w))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second use: the refreshed entry serves, no request.
    w.use_ok(&["console"]);
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
}

#[test]
fn each_service_error_says_what_to_do_and_no_secret_leaks() {
    for (code, words) in [
        ("TOKEN_EXPIRED", "ssoenv login console"),
        ("USER_CREDENTIALS_CHANGED", "password"),
        ("INSUFFICIENT_PERMISSIONS", "signin:CreateOAuth2Token"),
    ] {
        let w = world();
        let seeded = seed(&w, -60);
        w.mock.signin_deny_next_refresh(code);
        let out = w.sb.run(&["credential-process", "console"]);
        let err = assert_fails(&out, 1);
        assert!(err.contains(code) && err.contains(words), "{code}: {err}");
        let entry = read_entry(&w);
        for secret in [
            seeded.refresh_token.as_str(),
            entry["dpopKey"].as_str().unwrap(),
            entry["accessToken"]["secretAccessKey"].as_str().unwrap(),
        ] {
            assert!(!err.contains(secret), "{code}: a secret reached stderr");
        }
    }
}

#[test]
fn a_refresh_signed_by_another_key_is_refused_by_the_mock() {
    // The mock's key binding is real: an entry whose key was swapped cannot refresh.
    let w = world();
    seed(&w, -60);
    let other = w
        .mock
        .signin_seed("arn:aws:iam::333333333333:user/bob", 600);
    let mut entry = read_entry(&w);
    let other: Value = serde_json::from_str(&other.entry).unwrap();
    entry["dpopKey"] = other["dpopKey"].clone();
    std::fs::write(entry_path(&w), entry.to_string()).unwrap();
    let out = w.sb.run(&["credential-process", "console"]);
    assert_fails(&out, 1);
    assert_eq!(
        w.mock.signin_rejections(),
        ["proof key is not the bound key"]
    );
}

/// What botocore resolves for `profile` inside the sandbox, pointed at the mock.
fn botocore(python: &Path, w: &World, profile: &str) -> Value {
    let script = support_file("botocore_login.py");
    let (k, v) = w.mock.signin_env();
    let out = Command::new(python)
        .arg(script)
        .arg(profile)
        .env_clear()
        .env("HOME", w.sb.home())
        .env(k, v)
        .output()
        .unwrap();
    json_of(&out, "botocore")
}

#[test]
fn ssoenv_uses_the_entry_botocore_refreshed_without_a_request() {
    let python = crate::util::python_with_botocore();
    let w = world();
    seed(&w, 60);
    let theirs = botocore(&python, &w, "console");
    assert_eq!(theirs["method"], "login");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1, "botocore did not refresh");
    assert_no_rejections(&w);
    let env = w.use_ok(&["console"]);
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1, "ssoenv refreshed again");
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        theirs["access_key"].as_str().unwrap()
    );
    assert_eq!(
        env["AWS_SECRET_ACCESS_KEY"],
        theirs["secret_key"].as_str().unwrap()
    );
}

#[test]
fn botocore_reads_and_refreshes_the_entry_ssoenv_refreshed_with_the_key_ssoenv_stored() {
    let python = crate::util::python_with_botocore();
    let w = world();
    seed(&w, 60);
    // ssoenv refreshes; its entry has 15 minutes: botocore takes it as it is.
    let ours = w.use_ok(&["console"]);
    let theirs = botocore(&python, &w, "console");
    assert_eq!(theirs["access_key"], ours["AWS_ACCESS_KEY_ID"].as_str());
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 1);
    // Near its end, botocore refreshes it with ssoenv's refresh token and stored key.
    let mut entry = read_entry(&w);
    entry["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(entry_path(&w), entry.to_string()).unwrap();
    let theirs = botocore(&python, &w, "console");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 2);
    assert_no_rejections(&w);
    assert_ne!(theirs["access_key"], ours["AWS_ACCESS_KEY_ID"].as_str());
}

#[test]
fn use_signs_in_through_the_browser_and_botocore_refreshes_with_the_key_ssoenv_made() {
    let python = crate::util::python_with_botocore();
    let w = world().with_browser();
    let env = w.use_ok(&["console"]);
    let visits = w.browser_visits();
    assert_eq!(visits.len(), 1, "{visits:?}");
    let url = &visits[0];
    assert!(url.starts_with(&format!("{}/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fsame-device&state=", w.mock.url())), "{url}");
    assert!(
        url.contains(
            "&code_challenge_method=SHA-256&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A"
        ),
        "{url}"
    );
    assert_eq!(w.mock.signin_verifier_lengths(), [64]);
    assert_no_rejections(&w);
    let entry = read_entry(&w);
    assert_eq!(
        env["AWS_ACCESS_KEY_ID"],
        entry["accessToken"]["accessKeyId"].as_str().unwrap()
    );
    assert_eq!(entry["clientId"], "arn:aws:signin:::devtools/same-device");
    assert_eq!(entry["accessToken"]["accountId"], "333333333333");
    assert!(
        entry["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );
    // botocore refreshes it with the key and refresh token ssoenv stored.
    entry_expired(&w);
    let theirs = botocore(&python, &w, "console");
    assert_eq!(w.mock.count(SIGNIN_TOKEN), 2);
    assert_no_rejections(&w);
    assert_eq!(
        theirs["access_key"],
        read_entry(&w)["accessToken"]["accessKeyId"]
    );
}

fn entry_expired(w: &World) {
    let mut entry = read_entry(w);
    entry["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(entry_path(w), entry.to_string()).unwrap();
}

#[test]
fn login_signs_in_anew_and_logout_removes_the_entry() {
    let w = world().with_browser();
    let seeded = seed(&w, 10 * 60);
    let out = w.sb.run(&["login", "console"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("signed in as arn:aws:iam::333333333333:user/alice"));
    assert_ne!(
        read_entry(&w)["refreshToken"],
        seeded.refresh_token.as_str()
    );
    let out = w.sb.run(&["logout", "console"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!entry_path(&w).exists());
    // With no entry and no browser or terminal: a clear error, not a hang.
    let w = world();
    let out = w.sb.run(&["use", "--shell", "bash", "console"]);
    let err = assert_fails(&out, 1);
    assert!(err.contains("no terminal to paste"), "{err}");
}

#[test]
fn a_sign_in_as_another_identity_is_kept_but_refused_for_the_profile() {
    let w = world().with_browser();
    w.mock.signin_identity("arn:aws:iam::333333333333:user/bob");
    let out = w.sb.run(&["use", "--shell", "bash", "console"]);
    let err = assert_fails(&out, 1);
    assert!(
        err.contains("signed in as arn:aws:iam::333333333333:user/bob"),
        "{err}"
    );
    assert!(!entry_path(&w).exists());
    let bob = w.path("login/cache").join(format!(
        "{}.json",
        ssoenv::login_cache::key("arn:aws:iam::333333333333:user/bob")
    ));
    assert!(bob.exists());
}

#[test]
fn status_list_exec_and_credential_process_take_login_profiles() {
    let w = world();
    let seeded = seed(&w, 10 * 60);
    let out = w.sb.run(&["status", "console", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["kind"], "login");
    assert_eq!(doc["credentials"]["present"], true);
    let out = w.sb.run(&["list", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "console")
        .unwrap();
    assert_eq!(
        (row["kind"].as_str(), row["signed_in"].as_str()),
        (Some("login"), Some("yes"))
    );
    let out = w.sb.run(&["credential-process", "console"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["AccessKeyId"], seeded.access_key_id.as_str());
    let out = w.sb.run(&[
        "exec",
        "console",
        "--",
        "sh",
        "-c",
        "printf %s \"$AWS_ACCESS_KEY_ID\"",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), seeded.access_key_id);
    assert_eq!(w.mock.total(), 0);
}
