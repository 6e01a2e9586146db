//! The command-line contract that needs no server: list, unset, errors and exit codes.

use crate::util::{Sandbox, assert_fails, fixture, stderr, stdout};

#[test]
fn list_json_is_a_stable_array_of_the_config_profiles() {
    let mut sb = Sandbox::new();
    sb.env(
        "AWS_CONFIG_FILE",
        fixture("configs/everyday.ini").to_str().unwrap(),
    );
    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "dev", "prod-readonly"]);
    assert_eq!(
        rows[1],
        serde_json::json!({
            "name": "dev", "kind": "sso", "account_id": "111111111111",
            "role_name": "AdministratorAccess", "region": "eu-west-1", "sso_session": "corp",
            "sso_start_url": "https://d-1234567890.awsapps.com/start", "sso_region": "us-east-1",
            "error": null, "root": null, "signed_in": "no", "credentials_expires_at": null,
            "credentials_seconds_left": null
        })
    );
}

#[test]
fn list_shows_each_assume_role_profile_with_its_chains_root() {
    let mut sb = Sandbox::new();
    sb.env(
        "AWS_CONFIG_FILE",
        fixture("configs/chained.ini").to_str().unwrap(),
    );
    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed"))
            .clone()
    };
    assert_eq!(row("prod-audit")["kind"], "assume-role");
    assert_eq!(row("prod-audit")["root"], "hub");
    assert_eq!(row("from-keys-2")["root"], "keys");
    assert_eq!(row("hub")["root"], serde_json::Value::Null);
    assert_eq!(row("loop-a")["kind"], "invalid");
    assert!(
        row("loop-a")["error"]
            .as_str()
            .unwrap()
            .contains("loop-a -> loop-b -> loop-a"),
        "{}",
        row("loop-a")
    );

    let table = stdout(&sb.run(&["list"]));
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in\n{table}"))
            .to_string()
    };
    assert!(
        line("prod-audit").contains("assume-role via hub"),
        "{table}"
    );
    assert!(
        line("from-legacy").contains("assume-role via legacy-hub"),
        "{table}"
    );
}

#[test]
fn a_chain_needing_an_mfa_code_without_a_terminal_fails_before_any_sign_in() {
    let mut sb = Sandbox::new();
    sb.env(
        "AWS_CONFIG_FILE",
        fixture("configs/chained.ini").to_str().unwrap(),
    );
    sb.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"); // never reached
    let out = sb.run(&["use", "prod-audit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains(
            "profile \"prod-audit\": needs an MFA code (mfa_serial = \
             arn:aws:iam::111111111111:mfa/me) to assume arn:aws:iam::333333333333:role/Audit"
        ),
        "{err}"
    );
    assert!(!err.contains("127.0.0.1"), "a sign-in was started: {err}");
}

#[test]
fn list_shows_kinds_and_warns_about_broken_profiles() {
    let mut sb = Sandbox::new();
    sb.env(
        "AWS_CONFIG_FILE",
        fixture("configs/mixed.ini").to_str().unwrap(),
    );
    sb.env(
        "AWS_SHARED_CREDENTIALS_FILE",
        fixture("configs/credentials.ini").to_str().unwrap(),
    );
    let out = sb.run(&["list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("PROFILE"), "{text}");
    for row in ["china", "credential-process", "assume-role"] {
        assert!(text.contains(row), "{row} missing from\n{text}");
    }
    assert!(
        stderr(&out).contains("profile \"dangling\""),
        "{}",
        stderr(&out)
    );
    let names = stdout(&sb.run(&["list", "--names"]));
    assert!(names.lines().any(|l| l == "UPPER_Case.Name-1"), "{names}");
    assert!(names.lines().any(|l| l == "only-in-credentials"), "{names}");
}

#[test]
fn unset_removes_every_variable_use_sets() {
    let sb = Sandbox::new();
    let out = sb.run(&["unset", "--shell", "bash"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for name in ssoenv::env::SET_BY_USE {
        assert!(
            text.contains(&format!("unset -v {name}\n")),
            "{name} in\n{text}"
        );
    }
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let sb = Sandbox::new();
    assert_fails(&sb.run(&["use", "--shell", "tcsh"]), 2);
    assert_fails(&sb.run(&["frobnicate"]), 2);
    assert_fails(&sb.run(&["exec", "dev"]), 2);
}

#[test]
fn an_unreadable_config_names_the_file_and_line() {
    let sb = Sandbox::new();
    sb.write_config("[profile a]\nregion = x\n[profile a]\n");
    let err = assert_fails(&sb.run(&["list"]), 1);
    assert!(err.starts_with("ssoenv: "), "{err}");
    assert!(err.contains(".aws/config, line 3"), "{err}");
    assert!(err.contains("appears twice"), "{err}");
}

#[test]
fn a_config_that_is_a_folder_is_an_error_not_a_panic() {
    let mut sb = Sandbox::new();
    let dir = sb.home().join("cfgdir");
    std::fs::create_dir(&dir).unwrap();
    sb.env("AWS_CONFIG_FILE", dir.to_str().unwrap());
    let err = assert_fails(&sb.run(&["list"]), 1);
    assert!(err.contains("cfgdir") && err.contains("folder"), "{err}");
}

#[test]
fn list_with_no_profile_says_where_it_looked_and_what_to_run() {
    let sb = Sandbox::new();
    let out = sb.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no table header without a profile");
    let err = stderr(&out);
    for wanted in [
        sb.aws("config").display().to_string(),
        sb.aws("credentials").display().to_string(),
        "does not exist".into(),
        "`ssoenv configure`".into(),
        "`./try`".into(),
    ] {
        assert!(err.contains(&wanted), "{wanted} missing from\n{err}");
    }
    // Scripts and completion get the empty answer and no prose.
    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "[]\n");
    assert_eq!(stderr(&out), "");
    let out = sb.run(&["list", "--names"]);
    assert!(out.status.success());
    assert_eq!((stdout(&out).as_str(), stderr(&out).as_str()), ("", ""));

    // A config with a session but no profile yet, as after a half-finished set-up.
    sb.write_config(
        "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n",
    );
    let out = sb.run(&["list"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("no profile in it"), "{err}");
    assert!(err.contains("`ssoenv configure`"), "{err}");
}

/// Three sessions (one signed in, one refreshable after its token expired, one expired for good),
/// a legacy profile never signed in, and role credentials in every state.
const SIGN_IN_STATES: &str = "\
[sso-session live]
sso_start_url = https://live.awsapps.com/start
sso_region = eu-west-1
[sso-session refreshable]
sso_start_url = https://refresh.awsapps.com/start
sso_region = eu-west-1
[sso-session stale]
sso_start_url = https://stale.awsapps.com/start
sso_region = eu-west-1
[profile fresh]
sso_session = live
sso_account_id = 111111111111
sso_role_name = Admin
[profile hours]
sso_session = live
sso_account_id = 222222222222
sso_role_name = Admin
[profile lapsed]
sso_session = refreshable
sso_account_id = 333333333333
sso_role_name = Admin
[profile gone]
sso_session = stale
sso_account_id = 444444444444
sso_role_name = Admin
[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 555555555555
sso_role_name = Admin
[profile plain]
region = eu-west-1
";

fn sso(account: &str, session: &str) -> ssoenv::config::Sso {
    ssoenv::config::Sso {
        account_id: account.into(),
        role_name: "Admin".into(),
        start_url: String::new(),
        region: "eu-west-1".into(),
        session: Some(session.into()),
        registration_scopes: None,
    }
}

fn write_token(sb: &Sandbox, session: &str, expires_in: i64, refresh: bool) {
    use ssoenv::time::{format_rfc3339, now};
    let key = ssoenv::cache::token_key(&ssoenv::config::SsoSession {
        name: Some(session.into()),
        start_url: String::new(),
        region: "eu-west-1".into(),
        registration_scopes: None,
    });
    let mut token = serde_json::json!({
        "startUrl": "https://x/start", "region": "eu-west-1", "accessToken": "at",
        "expiresAt": format_rfc3339(now() + expires_in),
    });
    if refresh {
        token["clientId"] = "id".into();
        token["clientSecret"] = "secret".into();
        token["registrationExpiresAt"] = format_rfc3339(now() + 86_400).into();
        token["refreshToken"] = "rt".into();
    }
    let path = sb.aws(&format!("sso/cache/{key}.json"));
    ssoenv::cache::write(&path, &token).unwrap();
}

fn write_role(sb: &Sandbox, sso: &ssoenv::config::Sso, expires_in: i64) {
    let file = serde_json::json!({"ProviderType": "sso", "Credentials": {
        "AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t",
        "Expiration": ssoenv::time::format_rfc3339(ssoenv::time::now() + expires_in),
    }});
    let key = ssoenv::cache::role_key(sso);
    ssoenv::cache::write(&sb.aws(&format!("cli/cache/{key}.json")), &file).unwrap();
}

#[test]
fn list_shows_each_profiles_sign_in_and_time_left_from_the_caches_alone() {
    let mut sb = Sandbox::new();
    sb.write_config(SIGN_IN_STATES);
    // Nothing answers here: list must not need the network.
    sb.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    write_token(&sb, "live", 3600, false);
    write_token(&sb, "refreshable", -60, true);
    write_token(&sb, "stale", -60, false);
    // Half a minute of slack either side of each boundary the test reads.
    write_role(&sb, &sso("111111111111", "live"), 42 * 60 + 30);
    write_role(&sb, &sso("222222222222", "live"), 3 * 3600 + 5 * 60 + 30);
    write_role(&sb, &sso("333333333333", "refreshable"), -30);

    let out = sb.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    let cells = |name: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"));
        line.split_whitespace()
            .rev()
            .take(2)
            .map(String::from)
            .collect()
    };
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with("SIGNED-IN  CREDENTIALS"),
        "{text}"
    );
    assert_eq!(cells("fresh"), ["42m", "yes"]);
    assert_eq!(cells("hours"), ["3h05m", "yes"]);
    assert_eq!(
        cells("lapsed"),
        ["expired", "yes"],
        "refreshable: no browser needed"
    );
    assert_eq!(cells("gone"), ["-", "expired"]);
    assert_eq!(cells("legacy"), ["-", "no"]);
    assert_eq!(cells("plain"), ["-", "-"]);

    let out = sb.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |i: usize| &rows[i];
    assert_eq!(row(0)["name"], "fresh");
    assert_eq!(row(0)["signed_in"], "yes");
    let left = row(0)["credentials_seconds_left"].as_i64().unwrap();
    assert!((42 * 60..=42 * 60 + 30).contains(&left), "{left}");
    assert!(
        row(0)["credentials_expires_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(row(3)["signed_in"], "expired");
    assert_eq!(row(4)["signed_in"], "no");
    assert_eq!(row(4)["credentials_expires_at"], serde_json::Value::Null);
    assert_eq!(row(5)["signed_in"], serde_json::Value::Null);
}

#[test]
fn list_reads_each_cache_file_once_and_names_reads_none() {
    let sb = Sandbox::new();
    // Two profiles on one session, and two profiles for one role: one file each, both corrupt,
    // so each read shows as one warning.
    sb.write_config(
        "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
         [profile a]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         [profile b]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n",
    );
    write_token(&sb, "corp", 3600, false);
    write_role(&sb, &sso("111111111111", "corp"), 3600);
    for dir in ["sso/cache", "cli/cache"] {
        for entry in std::fs::read_dir(sb.aws(dir)).unwrap() {
            std::fs::write(entry.unwrap().path(), "{ not json").unwrap();
        }
    }
    let out = sb.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("sso/cache/").count(), 1, "{err}");
    assert_eq!(err.matches("cli/cache/").count(), 1, "{err}");
    // Completion runs `list --names` at every TAB: it opens no cache file.
    let out = sb.run(&["list", "--names"]);
    assert_eq!(stdout(&out), "a\nb\n");
    assert_eq!(stderr(&out), "");
}

#[test]
fn exec_without_the_double_dash_shows_the_command_line_meant() {
    let sb = Sandbox::new();
    let err = assert_fails(&sb.run(&["exec", "dev", "env", "-i"]), 2);
    assert!(
        err.contains("ssoenv: hint: the command goes after `--`: ssoenv exec dev -- env -i"),
        "{err}"
    );
    let err = assert_fails(&sb.run(&["exec", "dev"]), 2);
    assert!(err.contains("ssoenv exec dev -- COMMAND"), "{err}");
    // Not a slip about `--`: no such hint.
    let err = assert_fails(&sb.run(&["exec", "--bogus", "dev", "env"]), 2);
    assert!(!err.contains("hint: the command goes after"), "{err}");
}

#[test]
fn an_unknown_ssoenv_shell_is_an_error_naming_the_variable() {
    for name in ["tcsh", "csh"] {
        let mut sb = Sandbox::new();
        sb.env("SSOENV_SHELL", name);
        let err = assert_fails(&sb.run(&["unset"]), 2);
        assert!(err.starts_with("ssoenv: SSOENV_SHELL: "), "{err}");
        assert!(err.contains(&format!("\"{name}\"")), "{err}");
        assert!(
            err.contains("bash, zsh, fish, powershell, cmd, json, nu, elvish, xonsh"),
            "{err}"
        );
        // --shell decides when given; the variable is then not read.
        assert!(sb.run(&["unset", "--shell", "fish"]).status.success());
    }
    let mut sb = Sandbox::new();
    sb.env("SSOENV_SHELL", "dash");
    let out = sb.run(&["unset"]);
    assert!(stdout(&out).starts_with("unset -v "), "{}", stderr(&out));
    // nushell, elvish and xonsh by name (a path as $SHELL would hold it works too).
    for (name, start) in [
        ("nu", "{\""),
        ("/usr/bin/elvish", "unset-env "),
        ("xonsh", "if '"),
    ] {
        sb.env("SSOENV_SHELL", name);
        let out = sb.run(&["unset"]);
        assert!(stdout(&out).starts_with(start), "{name}: {}", stderr(&out));
    }
}

#[test]
fn use_with_no_config_file_says_it_does_not_exist() {
    let sb = Sandbox::new();
    let err = assert_fails(&sb.run(&["use", "dev", "--shell", "bash"]), 1);
    assert!(
        err.contains(&format!("{} does not exist", sb.aws("config").display())),
        "{err}"
    );
    assert!(err.contains("`ssoenv configure`"), "{err}");
    // With no name on a terminal (awsuse alone), the picker has nothing to offer.
    crate::util::tool("script");
    let sandboxed = sb.cmd(&[]);
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("'{}' use --shell bash", env!("CARGO_BIN_EXE_ssoenv")),
            "/dev/null",
        ])
        .env_clear()
        .envs(sandboxed.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(sb.home())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(!out.status.success(), "{screen}");
    assert!(screen.contains("does not exist"), "{screen}");
    assert!(!screen.contains("holds no"), "{screen}");
    assert!(screen.contains("`ssoenv configure`"), "{screen}");
}

#[test]
fn a_part_of_a_profile_name_gets_a_suggestion() {
    let sb = Sandbox::new();
    sb.write_config(
        "[profile mock-dev]\nregion = eu-west-1\n[profile mock-prod]\nregion = eu-west-1\n",
    );
    let err = assert_fails(&sb.run(&["use", "dev", "--shell", "bash"]), 1);
    assert!(err.contains("did you mean \"mock-dev\"?"), "{err}");
}

#[test]
fn logout_counts_in_words_and_says_the_shell_keeps_its_credentials() {
    let mut sb = Sandbox::new();
    sb.write_config(
        "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
         [profile a]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         [profile b]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = Admin\n",
    );
    // An expired token: logout removes it without asking the (absent) service.
    write_token(&sb, "corp", -60, false);
    write_role(&sb, &sso("111111111111", "corp"), 3600);
    let out = sb.run(&["logout", "a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("signed out of 1 SSO session; removed the cached credentials of 1 role"),
        "{err}"
    );
    assert!(
        !err.contains("awsuse --unset"),
        "no profile is active here: {err}"
    );

    write_token(&sb, "corp", -60, false);
    write_role(&sb, &sso("111111111111", "corp"), 3600);
    write_role(&sb, &sso("222222222222", "corp"), 3600);
    sb.env("SSOENV_PROFILE", "b");
    let err = stderr(&sb.run(&["logout", "a"]));
    assert!(err.contains("of 2 roles"), "{err}");
    assert!(
        err.contains("hint: this shell still holds the credentials of \"b\""),
        "{err}"
    );
    assert!(err.contains("`awsuse --unset`"), "{err}");
    assert!(err.contains("eval \"$(ssoenv unset)\""), "{err}");
}

#[test]
fn no_answer_from_an_overridden_endpoint_names_the_override() {
    // A port nothing listens on: the test server is gone, its variable left behind.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut sb = Sandbox::new();
    sb.write_config(
        &"[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
         [profile a]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         [profile b]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         services = local\n\
         [services local]\nsso =\n  endpoint_url = {URL}\n"
            .replace("{URL}", &url),
    );
    write_token(&sb, "corp", 3600, false);
    sb.env("SSOENV_HTTP_TIMEOUT", "5");
    let err = assert_fails(&sb.run(&["use", "b", "--shell", "bash"]), 1);
    assert!(err.contains("services section"), "{err}");
    assert!(!err.contains("sso_region (eu-west-1) is right"), "{err}");

    sb.env("AWS_ENDPOINT_URL", &url);
    let err = assert_fails(&sb.run(&["use", "a", "--shell", "bash"]), 1);
    assert!(err.contains(&format!("AWS_ENDPOINT_URL={url}")), "{err}");
    assert!(!err.contains("sso_region (eu-west-1) is right"), "{err}");
}
