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
            "error": null
        })
    );
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
