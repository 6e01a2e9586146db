//! Interoperability with the real botocore (CI installs it from PyPI): it reads the caches
//! ssoenv writes, and ssoenv reads the caches it writes, with no second login on either side.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::engine::{CORP_TOKEN, World};
use crate::util::{Sandbox, fixture, json_of, read_json, stderr, stdout, support_file};

/// What botocore resolves for `profile` inside the sandbox.
fn botocore_credentials(python: &Path, w: &World, profile: &str) -> Value {
    let script = support_file("botocore_creds.py");
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .arg(profile)
        .env_clear()
        .env("HOME", w.sb.home());
    for (k, v) in w.mock.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    json_of(&out, "botocore")
}

fn clear_role_cache(w: &World) {
    for entry in std::fs::read_dir(w.path("cli/cache")).unwrap().flatten() {
        std::fs::remove_file(entry.path()).unwrap();
    }
}

#[test]
fn botocore_reads_the_caches_ssoenv_wrote() {
    let python = crate::util::python_with_botocore();
    let w = World::new().with_browser();
    let ours = w.use_ok(&["dev"]);

    // The role-credential file: botocore takes it as it is, without a request.
    let before = w.mock.total();
    let theirs = botocore_credentials(&python, &w, "dev");
    assert_eq!(
        w.mock.total(),
        before,
        "botocore did not reuse ssoenv's role credentials"
    );
    assert_eq!(theirs["access_key"], ours["AWS_ACCESS_KEY_ID"].as_str());
    assert_eq!(theirs["secret_key"], ours["AWS_SECRET_ACCESS_KEY"].as_str());
    assert_eq!(theirs["token"], ours["AWS_SESSION_TOKEN"].as_str());

    // The token file: botocore fetches role credentials with ssoenv's token, no refresh, no login.
    clear_role_cache(&w);
    let token = read_json(&w.path(CORP_TOKEN));
    let theirs = botocore_credentials(&python, &w, "dev");
    let calls = w.mock.requests_to("/federation/credentials");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].bearer_token(), token["accessToken"].as_str());
    assert_eq!(
        w.mock.count("/token"),
        1,
        "botocore refreshed or logged in again"
    );
    assert!(theirs["access_key"].as_str().unwrap().starts_with("ASIA"));
}

#[test]
fn ssoenv_uses_what_botocore_refreshed_and_cached() {
    let python = crate::util::python_with_botocore();
    let w = World::new().with_browser();
    // A token the AWS CLI left behind, 5 minutes from expiry: botocore refreshes it.
    let seeded = w.seed_cli_token(5 * 60);
    let theirs = botocore_credentials(&python, &w, "dev");
    assert_eq!(
        w.mock.count_grant("refresh_token"),
        1,
        "botocore did not refresh"
    );
    let refreshed = read_json(&w.path(CORP_TOKEN));
    assert_ne!(refreshed["accessToken"], seeded.access_token.as_str());

    // ssoenv takes botocore's role-credential file as it is: no request at all.
    let before = w.mock.total();
    let ours = w.use_ok(&["dev"]);
    assert_eq!(w.mock.total(), before);
    assert_eq!(
        ours["AWS_ACCESS_KEY_ID"],
        theirs["access_key"].as_str().unwrap()
    );

    // And botocore's refreshed token: one GetRoleCredentials with it, no refresh, no login.
    clear_role_cache(&w);
    let ours = w.use_ok(&["dev"]);
    let calls = w.mock.requests_to("/federation/credentials");
    assert_eq!(
        calls.last().unwrap().bearer_token(),
        refreshed["accessToken"].as_str()
    );
    assert_eq!(w.mock.count_grant("refresh_token"), 1);
    assert_eq!(w.mock.authorize_hits() + w.mock.device_authorizations(), 0);
    assert!(ours["AWS_ACCESS_KEY_ID"].starts_with("ASIA"));
}

#[test]
fn ssoenv_reads_the_files_botocore_wrote_as_they_are() {
    let mut sb = Sandbox::new();
    let aws = sb.home().join(".aws");
    for rel in [
        "config",
        "sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
        "cli/cache/97df4f6785a922ab6c44a69ffcac05f79e48ad3e.json",
    ] {
        let to = aws.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixture(&format!("written-by-botocore/dot-aws/{rel}")), &to).unwrap();
    }
    sb.env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9"); // never contacted
    let out = sb.run(&["status", "dev", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["token"]["present"], true);
    assert_eq!(doc["token"]["expires_at"], "2026-11-22T10:00:28Z");
    assert_eq!(doc["credentials"]["present"], true);
    assert_eq!(doc["credentials"]["expires_at"], "2026-11-22T03:00:28Z");
}
