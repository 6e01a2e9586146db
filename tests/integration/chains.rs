//! Chained profiles (`role_arn` + `source_profile`) end to end: the built binary against the mock
//! (IAM Identity Center and STS), the assumed-role cache shared with the real botocore, hostile
//! values inert in real shells, and an MFA code typed in a real terminal.

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use ssoenv::cache::assume_role_key;
use ssoenv::sso::sts::AssumeRole;

use crate::engine::{CONFIG, CORP_TOKEN, World, eval_bash};
use crate::support::{HOSTILE_VALUE, StsRole};
use crate::util::{
    Sandbox, assert_fails, json_of, output_within, read_json, stderr, stdout, support_file, tool,
};

/// `[profile hub]` is the engine's `dev` (an sso-session profile); `deploy` assumes a role from
/// it, `ops` one more from `deploy`.
const CHAINS: &str = "
[profile deploy]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = dev
region = eu-central-1

[profile ops]
role_arn = arn:aws:iam::333333333333:role/team/Ops
source_profile = deploy
role_session_name = alice
external_id = ext-42
";

fn chain_world() -> World {
    let w = World::new().with_browser();
    w.sb.write_config(&format!("{CONFIG}{CHAINS}"));
    w
}

/// The AssumeRole call botocore makes for a profile's settings (the generated session name is
/// not part of the key, so any will do when `session_name` is None).
fn call(role_arn: &str, session_name: Option<&str>, external_id: Option<&str>) -> AssumeRole {
    AssumeRole {
        role_arn: role_arn.into(),
        role_session_name: session_name.unwrap_or("botocore-session-1").into(),
        external_id: external_id.map(str::to_string),
        duration_seconds: None,
        serial_number: None,
        token_code: None,
    }
}

/// Writes an assumed-role cache entry as the AWS CLI v2 writes it, expiring in `ttl` seconds.
fn seed_assumed(
    sb: &Sandbox,
    call: &AssumeRole,
    session_name_was_set: bool,
    key_id: &str,
    ttl: i64,
) {
    let dir = sb.aws("cli/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}.json",
        assume_role_key(call, session_name_was_set)
    ));
    let expires = ssoenv::time::format_iso_offset(ssoenv::time::now() + ttl);
    let doc = json!({
        "Credentials": {
            "AccessKeyId": key_id,
            "SecretAccessKey": format!("secret-of-{key_id}"),
            "SessionToken": format!("token-of-{key_id}"),
            "Expiration": expires,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLE:s",
            "Arn": call.role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/"),
        },
    });
    std::fs::write(&path, doc.to_string()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn a_cached_outermost_role_answers_alone_with_no_request() {
    let w = chain_world();
    // Only the outermost hop is cached: no token, no root credentials, no inner hop.
    seed_assumed(
        &w.sb,
        &call(
            "arn:aws:iam::333333333333:role/team/Ops",
            Some("alice"),
            Some("ext-42"),
        ),
        true,
        "ASIAOPSCACHED",
        3600,
    );
    let env = w.use_ok(&["ops"]);
    assert_eq!(
        w.mock.total(),
        0,
        "a request was made: {:?}",
        w.mock.requests()
    );
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "ASIAOPSCACHED");
    assert_eq!(env["AWS_SECRET_ACCESS_KEY"], "secret-of-ASIAOPSCACHED");
    assert_eq!(env["AWS_SESSION_TOKEN"], "token-of-ASIAOPSCACHED");
    assert_eq!(env["SSOENV_PROFILE"], "ops");
    // The role it acts as comes from role_arn: the account, and the name after the path.
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "333333333333");
    assert_eq!(env["SSOENV_ROLE_NAME"], "Ops");
    // The chain starts from an SSO sign-in: AWS_SSO_PROFILE names the profile itself.
    assert_eq!(env["AWS_SSO_PROFILE"], "ops");
    // ops sets no region: none is exported.
    assert!(!env.contains_key("AWS_REGION"), "{env:?}");
    assert!(!w.path(CORP_TOKEN).exists());
}

#[test]
fn a_session_name_the_user_set_is_part_of_the_key_and_a_generated_one_is_not() {
    let w = chain_world();
    // An entry for Deploy without a session name (botocore's generated names are left out).
    seed_assumed(
        &w.sb,
        &call(
            "arn:aws:iam::222222222222:role/Deploy",
            Some("botocore-session-99"),
            None,
        ),
        false,
        "ASIADEPLOY",
        3600,
    );
    let env = w.use_ok(&["deploy"]);
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "ASIADEPLOY");
    assert_eq!(env["AWS_REGION"], "eu-central-1");
    assert_eq!(w.mock.total(), 0);
    // ops sets role_session_name = alice: an entry keyed without it is not ops's.
    seed_assumed(
        &w.sb,
        &call(
            "arn:aws:iam::333333333333:role/team/Ops",
            Some("x"),
            Some("ext-42"),
        ),
        false,
        "ASIAWRONG",
        3600,
    );
    let out = w.sb.run(&["status", "ops", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["hops"][0]["profile"], "ops");
    assert_eq!(doc["hops"][0]["present"], false, "{doc}");
    assert_eq!(doc["hops"][1]["profile"], "deploy");
    assert_eq!(doc["hops"][1]["present"], true, "{doc}");
    assert_eq!(doc["root"]["profile"], "dev");
    assert_eq!(doc["account_id"], "333333333333");
    assert_eq!(doc["token"]["present"], false);
}

#[test]
fn a_chained_duration_over_an_hour_is_refused_before_any_sign_in() {
    let w = chain_world();
    w.sb.write_config(&format!(
        "{CONFIG}[profile long]\nrole_arn = arn:aws:iam::222222222222:role/Deploy\n\
         source_profile = dev\nduration_seconds = 7200\n"
    ));
    let err = assert_fails(&w.sb.run(&["use", "long", "--shell", "bash"]), 1);
    assert!(err.contains("duration_seconds = 7200"), "{err}");
    assert!(err.contains("at most 3600 seconds"), "{err}");
    assert!(
        err.contains("hint: set duration_seconds = 3600 or less"),
        "{err}"
    );
    assert_eq!(w.mock.total(), 0, "a sign-in or request was started");
    assert!(w.browser_visits().is_empty());
}

#[test]
fn a_root_ssoenv_cannot_start_from_is_named() {
    let sb = Sandbox::new();
    sb.write_config(
        "[profile proc]\ncredential_process = /bin/false\n\
         [profile r]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = proc\n",
    );
    let err = assert_fails(&sb.run(&["use", "r", "--shell", "bash"]), 1);
    assert!(err.contains("profile \"r\""), "{err}");
    assert!(err.contains("profile proc (credential_process)"), "{err}");
    assert!(err.contains("does not yet start chains"), "{err}");
}

/// The access keys of `[keys]` in the credentials file: the root of the chains below.
fn write_keys(sb: &Sandbox) {
    std::fs::write(
        sb.aws("credentials"),
        "[keys]\naws_access_key_id = AKIAEXAMPLEKEYS0\naws_secret_access_key = s3cret\n",
    )
    .unwrap();
}

/// `write_keys`, and the mock's STS knowing them (account 111111111111).
fn keys_known_to_the_mock(w: &World) {
    write_keys(&w.sb);
    w.mock
        .add_sts_user_keys("AKIAEXAMPLEKEYS0", "s3cret", "111111111111");
}

/// `config`, `write_keys`, and an STS that cannot be reached.
fn offline_sandbox(config: &str) -> Sandbox {
    let mut sb = Sandbox::new();
    sb.write_config(config);
    write_keys(&sb);
    sb.env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"); // never reached
    sb
}

/// A static-keys root in the credentials file, and a hop that needs an MFA code.
fn mfa_sandbox() -> Sandbox {
    offline_sandbox(
        "[profile guarded]\nrole_arn = arn:aws:iam::444444444444:role/Admin\n\
         source_profile = keys\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n",
    )
}

#[test]
fn an_mfa_code_without_a_terminal_is_a_clear_error_not_a_wait() {
    let sb = mfa_sandbox();
    for args in [
        &["use", "guarded", "--shell", "bash"][..],
        &["credential-process", "guarded"][..],
        &["exec", "guarded", "--", "true"][..],
    ] {
        let out = output_within(&mut sb.cmd(args), Duration::from_secs(20), "ssoenv");
        let err = assert_fails(&out, 1);
        assert!(err.contains("needs an MFA code"), "{args:?}: {err}");
        assert!(err.contains("arn:aws:iam::111111111111:mfa/alice"), "{err}");
        assert!(err.contains("no terminal"), "{err}");
        assert!(err.contains("hint: "), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}

#[test]
fn login_of_a_chained_profile_signs_in_to_its_root() {
    let w = chain_world();
    let out = w.sb.run(&["login", "ops"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("signed in to https://mock.awsapps.com/start"));
    assert!(w.path(CORP_TOKEN).exists());
    assert_eq!(w.mock.count("/federation/credentials"), 0);

    let sb = mfa_sandbox();
    let err = assert_fails(&sb.run(&["login", "guarded"]), 1);
    assert!(err.contains("no IAM Identity Center session"), "{err}");
}

/// What `script` leaves in the environment when `shell` evaluates it as its integration would.
fn evaluate_in(shell: &str, script: &str) -> HashMap<String, String> {
    let program = tool(shell);
    let mut cmd = Command::new(program);
    match shell {
        "bash" => return eval_bash(script),
        "zsh" => cmd.args(["-f", "-c", "eval \"$1\" && env -0", "zsh", script]),
        "fish" => cmd.args([
            "--no-config",
            "-c",
            "printf '%s' $argv[1] | source; and env -0",
            script,
        ]),
        other => panic!("{other}"),
    };
    let out = cmd.env_clear().output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::engine::env0(&String::from_utf8(out.stdout).unwrap())
}

#[test]
fn hostile_role_and_profile_names_stay_inert_in_every_shell() {
    let sb = Sandbox::new();
    // A profile name without quotes (so one word to configparser) but full of shell syntax, and
    // a role name that is the mock's hostile value.
    let name = "p$(false)`false`;&|!%^*?<>~#";
    let arn = format!("arn:aws:iam::555555555555:role/{HOSTILE_VALUE}");
    sb.write_config(&format!(
        "[profile {name}]\nrole_arn = {arn}\nsource_profile = keys\n\
         ssoenv_account_name = {HOSTILE_VALUE}\n\
         [profile keys]\naws_access_key_id = AKIAEXAMPLEKEYS0\naws_secret_access_key = s\n"
    ));
    seed_assumed(&sb, &call(&arn, None, None), false, "ASIAHOSTILE", 3600);
    for shell in ["bash", "zsh", "fish"] {
        let out = sb.run(&["use", name, "--shell", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let env = evaluate_in(shell, &stdout(&out));
        assert_eq!(env["SSOENV_PROFILE"], name, "{shell}");
        assert_eq!(env["SSOENV_ROLE_NAME"], HOSTILE_VALUE, "{shell}");
        assert_eq!(env["SSOENV_ACCOUNT_NAME"], HOSTILE_VALUE, "{shell}");
        assert_eq!(env["SSOENV_ACCOUNT_ID"], "555555555555", "{shell}");
        assert_eq!(env["AWS_ACCESS_KEY_ID"], "ASIAHOSTILE", "{shell}");
        // From access keys: no SSO sign-in to name.
        assert!(!env.contains_key("AWS_SSO_PROFILE"), "{shell}: {env:?}");
    }
}

/// The real botocore resolves `profile` (AssumeRoleProvider with the AWS CLI's file cache) with
/// STS stubbed by `replies`, innermost hop first; with none, any STS call fails it.
fn botocore_resolves(sb: &Sandbox, profile: &str, replies: &Value) -> Value {
    let python = crate::util::python_with_botocore();
    let script = support_file("botocore_profile_chain.py");
    let out = Command::new(python)
        .arg(script)
        .arg(profile)
        .arg(replies.to_string())
        .env_clear()
        .env("HOME", sb.home())
        .output()
        .unwrap();
    json_of(&out, "botocore")
}

/// A two-hop chain from access keys, with every AssumeRole setting ssoenv and botocore key on.
const STATIC_CHAIN: &str = "
[profile mid]
role_arn = arn:aws:iam::222222222222:role/Mid
source_profile = keys
external_id = ext-7

[profile top]
role_arn = arn:aws:iam::333333333333:role/Top
source_profile = mid
role_session_name = bob
duration_seconds = 900
region = eu-west-1
";

fn static_chain_sandbox() -> Sandbox {
    offline_sandbox(STATIC_CHAIN)
}

#[test]
fn ssoenv_uses_the_assumed_roles_botocore_cached_without_a_request() {
    let sb = static_chain_sandbox();
    let replies = json!([
        {
            "expected_params": {"RoleArn": "arn:aws:iam::222222222222:role/Mid",
                                "RoleSessionName": "ANY", "ExternalId": "ext-7"},
            "access_key_id": "ASIABOTOCOREMID0", "secret_access_key": "mid-secret",
            "session_token": "mid-token", "expires_in": 3600,
            "arn": "arn:aws:sts::222222222222:assumed-role/Mid/x",
        },
        {
            "expected_params": {"RoleArn": "arn:aws:iam::333333333333:role/Top",
                                "RoleSessionName": "bob", "DurationSeconds": 900},
            "access_key_id": "ASIABOTOCORETOP0", "secret_access_key": "top-secret",
            "session_token": "top-token", "expires_in": 3600,
            "arn": "arn:aws:sts::333333333333:assumed-role/Top/bob",
        },
    ]);
    let theirs = botocore_resolves(&sb, "top", &replies);
    assert_eq!(theirs["access_key"], "ASIABOTOCORETOP0");
    assert_eq!(theirs["sts_clients"], 2);
    // STS is unreachable for ssoenv: the credentials can only come from botocore's files.
    let out = sb.run(&["use", "top", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env = eval_bash(&stdout(&out));
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "ASIABOTOCORETOP0");
    assert_eq!(env["AWS_SECRET_ACCESS_KEY"], "top-secret");
    assert_eq!(env["AWS_SESSION_TOKEN"], "top-token");
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "333333333333");
    assert_eq!(env["SSOENV_ROLE_NAME"], "Top");
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert!(!env.contains_key("AWS_SSO_PROFILE"), "{env:?}");
    // And the inner hop's entry, for `mid` itself.
    let out = sb.run(&["credential-process", "mid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["AccessKeyId"], "ASIABOTOCOREMID0");
    assert_eq!(doc["Version"], 1);
}

// ---- against the mock STS ---------------------------------------------------------------------

const DEPLOY: &str = "arn:aws:iam::222222222222:role/Deploy";
const OPS: &str = "arn:aws:iam::333333333333:role/team/Ops";

/// The assumed-role cache file of `call`.
fn assumed_path(sb: &Sandbox, call: &AssumeRole, session_name_was_set: bool) -> std::path::PathBuf {
    sb.aws(&format!(
        "cli/cache/{}.json",
        assume_role_key(call, session_name_was_set)
    ))
}

fn sso_chain_world() -> World {
    let w = chain_world();
    w.mock.add_sts_role(StsRole::new(DEPLOY));
    w.mock.add_sts_role(StsRole {
        external_id: Some("ext-42".into()),
        ..StsRole::new(OPS)
    });
    w
}

#[test]
fn a_two_hop_chain_from_sso_signs_in_once_then_answers_from_the_cache() {
    let w = sso_chain_world();
    let out = w.sb.run(&["use", "ops", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env = eval_bash(&stdout(&out));
    // One sign-in through the browser, one GetRoleCredentials, one AssumeRole a hop.
    assert_eq!(w.mock.authorize_hits(), 1);
    assert_eq!(w.mock.count("/federation/credentials"), 1);
    let calls = w.mock.sts_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.outcome == "Ok"), "{calls:?}");
    // Innermost first, with each hop's settings; the profile asked for has no region, so the
    // chain's (deploy's) names STS's.
    assert_eq!(calls[0].param("RoleArn"), Some(DEPLOY));
    assert!(
        calls[0]
            .param("RoleSessionName")
            .is_some_and(|n| n.starts_with("botocore-session-")),
        "{calls:?}"
    );
    assert_eq!(calls[0].param("ExternalId"), None);
    assert_eq!(calls[1].param("RoleArn"), Some(OPS));
    assert_eq!(calls[1].param("RoleSessionName"), Some("alice"));
    assert_eq!(calls[1].param("ExternalId"), Some("ext-42"));
    assert!(
        calls.iter().all(|c| c.region == "eu-central-1"),
        "{calls:?}"
    );
    // Each hop cached as the AWS CLI caches it; the second hop signed with the first's keys.
    let deploy = read_json(&assumed_path(&w.sb, &call(DEPLOY, None, None), false));
    let ops = read_json(&assumed_path(
        &w.sb,
        &call(OPS, Some("alice"), Some("ext-42")),
        true,
    ));
    assert_eq!(
        calls[1].access_key_id,
        deploy["Credentials"]["AccessKeyId"].as_str().unwrap()
    );
    assert_ne!(calls[0].access_key_id, calls[1].access_key_id);
    assert!(
        ops["Credentials"]["Expiration"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );
    assert_eq!(env["AWS_ACCESS_KEY_ID"], ops["Credentials"]["AccessKeyId"]);
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "333333333333");
    assert_eq!(env["SSOENV_ROLE_NAME"], "Ops");
    assert_eq!(env["AWS_SSO_PROFILE"], "ops");
    assert!(
        stderr(&out).contains("ops: account 333333333333 as Ops, valid until"),
        "{}",
        stderr(&out)
    );

    // From the caches: no request at all, and nothing said.
    let before = w.mock.total();
    let again = w.sb.run(&["use", "ops", "--shell", "bash"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(w.mock.total(), before, "{:?}", w.mock.requests());
    assert_eq!(
        eval_bash(&stdout(&again))["AWS_ACCESS_KEY_ID"],
        env["AWS_ACCESS_KEY_ID"]
    );
    assert_eq!(stderr(&again), "");
    // The one-hop profile in the chain was cached on the way.
    let one = w.use_ok(&["deploy"]);
    assert_eq!(w.mock.total(), before);
    assert_eq!(
        one["AWS_ACCESS_KEY_ID"],
        deploy["Credentials"]["AccessKeyId"]
    );
    assert_eq!(one["AWS_REGION"], "eu-central-1");
}

#[test]
fn exec_and_credential_process_take_a_chain_too() {
    let w = sso_chain_world();
    // credential-process in the background (no terminal) never starts a sign-in.
    let out = w.sb.run(&["credential-process", "deploy"]);
    let err = assert_fails(&out, 1);
    assert!(err.contains("ssoenv login deploy"), "{err}");
    assert_eq!(w.mock.total(), 0);
    // exec signs in (a person ran it) and hands the chain's role to the command.
    let out = w.sb.run(&[
        "exec",
        "deploy",
        "--",
        "sh",
        "-c",
        "echo \"$SSOENV_ROLE_NAME $AWS_ACCESS_KEY_ID\"",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cached = read_json(&assumed_path(&w.sb, &call(DEPLOY, None, None), false));
    let key = cached["Credentials"]["AccessKeyId"].as_str().unwrap();
    assert_eq!(stdout(&out).trim(), format!("Deploy {key}"));
    // Now credential-process answers from the caches.
    let before = w.mock.total();
    let out = w.sb.run(&["credential-process", "deploy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["AccessKeyId"], key);
    assert_eq!(w.mock.total(), before);
}

#[test]
fn a_chain_from_access_keys_sends_each_setting_and_asks_for_the_duration() {
    let w = World::new();
    w.sb.write_config(STATIC_CHAIN);
    keys_known_to_the_mock(&w);
    w.mock.add_sts_role(StsRole {
        external_id: Some("ext-7".into()),
        ..StsRole::new("arn:aws:iam::222222222222:role/Mid")
    });
    w.mock
        .add_sts_role(StsRole::new("arn:aws:iam::333333333333:role/Top"));
    let env = w.use_ok(&["top"]);
    let calls = w.mock.sts_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].access_key_id, "AKIAEXAMPLEKEYS0");
    assert_eq!(calls[0].param("ExternalId"), Some("ext-7"));
    assert_eq!(calls[0].param("DurationSeconds"), None);
    assert_eq!(calls[1].param("DurationSeconds"), Some("900"));
    assert_eq!(calls[1].param("RoleSessionName"), Some("bob"));
    // top's region names STS's.
    assert!(calls.iter().all(|c| c.region == "eu-west-1"), "{calls:?}");
    let expires: i64 = env["SSOENV_EXPIRES_AT"].parse().unwrap();
    let left = expires - ssoenv::time::now();
    assert!((800..=900).contains(&left), "{left}");
    assert!(!env.contains_key("AWS_SSO_PROFILE"), "{env:?}");
    // No SSO at all.
    assert_eq!(w.mock.total(), 2);

    // A wrong external id is STS's AccessDenied, explained.
    w.sb.write_config(&STATIC_CHAIN.replace("ext-7", "wrong"));
    let err = assert_fails(&w.sb.run(&["use", "mid", "--shell", "bash"]), 1);
    assert!(err.contains("AccessDenied"), "{err}");
    assert!(err.contains("trust policy"), "{err}");
}

#[test]
fn credentials_under_fifteen_minutes_are_assumed_again_from_the_cached_source() {
    let w = sso_chain_world();
    w.mock.set_sts_credentials_ttl_secs(Some(600));
    let first = w.use_ok(&["deploy"]);
    assert_eq!(w.mock.sts_calls().len(), 1);
    let second = w.use_ok(&["deploy"]);
    // Ten minutes left is under botocore's 15: assumed again, with the cached role credentials
    // of the root (no second GetRoleCredentials, no sign-in).
    assert_eq!(w.mock.sts_calls().len(), 2);
    assert_eq!(w.mock.count("/federation/credentials"), 1);
    assert_eq!(w.mock.authorize_hits(), 1);
    assert_ne!(first["AWS_ACCESS_KEY_ID"], second["AWS_ACCESS_KEY_ID"]);
    // --force-refresh assumes again whatever the cache holds.
    w.mock.set_sts_credentials_ttl_secs(None);
    w.use_ok(&["deploy"]);
    let n = w.mock.sts_calls().len();
    w.use_ok(&["deploy", "--force-refresh"]);
    assert_eq!(w.mock.sts_calls().len(), n + 1);
}

#[test]
fn botocore_takes_the_chain_ssoenv_cached_without_calling_sts() {
    let w = sso_chain_world();
    let ours = w.use_ok(&["ops"]);
    // No replies: any STS call fails botocore; the SSO endpoints are not even given to it.
    let theirs = botocore_resolves(&w.sb, "ops", &json!([]));
    assert_eq!(theirs["access_key"], ours["AWS_ACCESS_KEY_ID"].as_str());
    assert_eq!(theirs["secret_key"], ours["AWS_SECRET_ACCESS_KEY"].as_str());
    assert_eq!(theirs["token"], ours["AWS_SESSION_TOKEN"].as_str());
    let theirs = botocore_resolves(&w.sb, "deploy", &json!([]));
    assert!(theirs["access_key"].as_str().unwrap().starts_with("ASIA"));
}

#[test]
fn logout_of_a_chain_ends_its_root_session_and_its_assumed_roles() {
    let w = sso_chain_world();
    w.use_ok(&["ops"]);
    let deploy = assumed_path(&w.sb, &call(DEPLOY, None, None), false);
    let ops = assumed_path(&w.sb, &call(OPS, Some("alice"), Some("ext-42")), true);
    assert!(deploy.exists() && ops.exists());
    let out = w.sb.run(&["logout", "ops"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!w.path(CORP_TOKEN).exists());
    assert!(!deploy.exists() && !ops.exists());
    assert!(
        stderr(&out).contains("removed the cached credentials of 3 roles"),
        "{}",
        stderr(&out)
    );
}

// tmux drives the terminal: Unix only.
#[cfg(unix)]
#[test]
fn an_mfa_code_is_asked_on_the_terminal_once() {
    use crate::shell_integration::Tmux;
    let w = World::new();
    let serial = "arn:aws:iam::111111111111:mfa/alice";
    w.sb.write_config(&format!(
        "[profile guarded]\nrole_arn = arn:aws:iam::444444444444:role/Admin\n\
         source_profile = keys\nmfa_serial = {serial}\n"
    ));
    keys_known_to_the_mock(&w);
    w.mock.add_sts_role(StsRole {
        mfa_serial: Some(serial.into()),
        ..StsRole::new("arn:aws:iam::444444444444:role/Admin")
    });
    w.mock.set_mfa_code(serial, "246810");
    let bash = tool("bash").to_string_lossy().into_owned();
    let t = Tmux::start(&w, &[&bash, "--noprofile", "--norc"]);
    t.wait_prompt(1);
    let run =
        "eval \"$(ssoenv use guarded --shell bash)\"; echo \"status=$? role=$SSOENV_ROLE_NAME\"";
    t.type_text(run);
    t.keys(&["Enter"]);
    t.wait("the MFA prompt", |p| {
        p.contains(&format!("Enter MFA code for {serial}:"))
    });
    t.type_text("246810");
    t.keys(&["Enter"]);
    let pane = t.wait("the role", |p| p.contains("status=0 role=Admin"));
    assert!(!pane.contains("s3cret"), "{pane}");
    let calls = w.mock.sts_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].param("SerialNumber"), Some(serial));
    assert_eq!(calls[0].param("TokenCode"), Some("246810"));
    // Cached: the next run asks nothing.
    t.type_text(run);
    t.keys(&["Enter"]);
    t.wait("the second run", |p| {
        p.matches("status=0 role=Admin").count() >= 2
    });
    assert_eq!(w.mock.sts_calls().len(), 1);
}

#[test]
fn shells_that_need_the_same_root_sign_in_at_once_share_one() {
    let w = sso_chain_world();
    // Slow the browser's approval a little so that the runs overlap.
    w.mock
        .set_delay_on("/authorize", Duration::from_millis(300));
    let children: Vec<_> = ["ops", "deploy", "dev"]
        .iter()
        .map(|p| crate::util::spawn_piped(&mut w.sb.cmd(&["use", p, "--shell", "bash"])))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(w.mock.authorize_hits(), 1, "{:?}", w.browser_visits());
}

#[test]
fn an_mfa_code_nobody_can_type_stops_the_chain_before_its_sign_in() {
    let w = chain_world();
    w.sb.write_config(&format!(
        "{CONFIG}[profile guarded]\nrole_arn = {DEPLOY}\nsource_profile = dev\n\
         mfa_serial = arn:aws:iam::111111111111:mfa/alice\n"
    ));
    let out = output_within(
        &mut w.sb.cmd(&["use", "guarded", "--shell", "bash"]),
        Duration::from_secs(20),
        "use guarded",
    );
    let err = assert_fails(&out, 1);
    assert!(err.contains("needs an MFA code"), "{err}");
    assert_eq!(
        w.mock.total(),
        0,
        "signed in only to fail: {:?}",
        w.mock.requests()
    );
    assert!(w.browser_visits().is_empty());
    // credential-process keeps the hint that helps (a terminal), not `ssoenv login`.
    let out = w.sb.run(&["credential-process", "guarded"]);
    let err = assert_fails(&out, 1);
    assert!(
        err.contains("hint: run `ssoenv use` for this profile in a terminal"),
        "{err}"
    );
}

/// Every command that takes a profile's credentials takes a chain's: the console signs in with
/// the assumed role's session (the mock's federation takes only sessions its portal or STS
/// issued), and `exec --serve` hands botocore fresh assumed-role credentials on each expiry,
/// assuming the role again from the cached source with no sign-in.
#[cfg(unix)]
#[test]
fn the_console_and_exec_serve_take_a_chain_too() {
    let w = sso_chain_world();
    // Assumed roles that last 5 minutes: inside every refresh window, so each read re-assumes.
    w.mock.set_sts_credentials_ttl_secs(Some(300));
    let out = w.sb.run(&["console", "deploy", "--print"]);
    let deploy = read_json(&assumed_path(&w.sb, &call(DEPLOY, None, None), false));
    let key = deploy["Credentials"]["AccessKeyId"].as_str().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("SigninToken="), "{}", stdout(&out));
    let asked = w.mock.requests_to("/federation");
    let session: Value = serde_json::from_str(asked[0].query_param("Session").unwrap()).unwrap();
    assert_eq!(session["sessionId"], key);
    assert_eq!(w.mock.signin_tokens_issued(), 1);

    let before = w.mock.sts_issued();
    let signed_in = w.mock.authorize_hits();
    let (_, doc) = crate::serve::serve_child(&w, "deploy", &["twice"]);
    assert_eq!(doc["method"], "container-role", "{doc}");
    assert_ne!(doc["first"], doc["second"], "{doc}");
    assert!(w.mock.sts_issued() >= before + 2, "{}", w.mock.sts_issued());
    assert_eq!(w.mock.authorize_hits(), signed_in, "a sign-in was started");
    assert_eq!(doc["env"]["SSOENV_PROFILE"], "deploy");
    assert_eq!(doc["env"]["AWS_REGION"], "eu-central-1");
}
