//! The SSO engine end to end: the built binary against the mock IAM Identity Center, with a
//! BROWSER program that approves logins as a person would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Output;

use crate::support::{MockSso, SeededSession, browser_command};
use crate::util::{Sandbox, assert_fails, spawn_piped, stderr, stdout};

pub const CONFIG: &str = "\
[sso-session corp]
sso_start_url = https://mock.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1

[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnly
";

pub const CORP_TOKEN: &str = "sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

pub struct World {
    pub mock: MockSso,
    pub sb: Sandbox,
}

impl World {
    /// A sandbox pointed at a fresh mock, with the browser program approving every login.
    pub fn new() -> World {
        World::with_mock(MockSso::builder().interval(0).start())
    }

    pub fn with_mock(mock: MockSso) -> World {
        let mut sb = Sandbox::new();
        sb.write_config(CONFIG);
        for (k, v) in mock.env() {
            sb.env(k, v);
        }
        let log = sb.home().join("browser.log");
        sb.env("SSOENV_TEST_BROWSER_LOG", log.to_str().unwrap());
        sb.env("SSOENV_LOGIN_TIMEOUT", "30");
        sb.env("SSOENV_HTTP_TIMEOUT", "10");
        World { mock, sb }
    }

    /// A world whose role credentials last 5 minutes (inside every refresh window, so each
    /// request for credentials is answered with new ones), with the AWS CLI's token for
    /// [sso-session corp] seeded to expire in `token_ttl` seconds.
    #[cfg(unix)]
    pub fn short_lived(token_ttl: i64) -> World {
        let w = World::with_mock(
            MockSso::builder()
                .interval(0)
                .role_credentials_ttl_secs(300)
                .start(),
        );
        w.seed_cli_token(token_ttl);
        w
    }

    pub fn with_browser(mut self) -> World {
        self.sb.env("BROWSER", browser_command());
        self
    }

    pub fn browser_visits(&self) -> Vec<String> {
        std::fs::read_to_string(self.sb.home().join("browser.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn use_ok(&self, args: &[&str]) -> HashMap<String, String> {
        let mut full = vec!["use", "--shell", "bash"];
        full.extend_from_slice(args);
        let out = self.sb.run(&full);
        assert!(
            out.status.success(),
            "use {args:?} failed: {}",
            stderr(&out)
        );
        eval_bash(&stdout(&out))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.sb.aws(rel)
    }

    /// A token for [sso-session corp] as the AWS CLI leaves it, expiring in `ttl` seconds, with a
    /// refresh token and client the mock accepts.
    pub fn seed_cli_token(&self, ttl: i64) -> SeededSession {
        let seeded = self.mock.seed_session(ttl);
        std::fs::create_dir_all(self.path("sso/cache")).unwrap();
        std::fs::write(
            self.path(CORP_TOKEN),
            seeded.token_cache_json("https://mock.awsapps.com/start", "us-east-1"),
        )
        .unwrap();
        seeded
    }
}

/// Evaluates `script` in a clean bash as `eval "$(ssoenv use …)"` would, and returns the
/// environment it leaves.
pub fn eval_bash(script: &str) -> HashMap<String, String> {
    let out = std::process::Command::new("bash")
        .args([
            "--noprofile",
            "--norc",
            "-c",
            "eval \"$1\" && env -0",
            "bash",
            script,
        ])
        .env_clear()
        .env("AWS_PROFILE", "stale")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eval failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "eval said: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    env0(&String::from_utf8(out.stdout).unwrap())
}

/// The variables in what `env -0` printed.
pub fn env0(dump: &str) -> HashMap<String, String> {
    dump.split('\0')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn assert_exported(env: &HashMap<String, String>, profile: &str) {
    assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{env:?}");
    assert!(!env["AWS_SECRET_ACCESS_KEY"].is_empty());
    assert!(!env["AWS_SESSION_TOKEN"].is_empty());
    assert_eq!(env["SSOENV_PROFILE"], profile);
    assert_eq!(env["AWS_SSO_PROFILE"], profile);
    assert!(env["AWS_CREDENTIAL_EXPIRATION"].ends_with('Z'));
    let expires: i64 = env["SSOENV_EXPIRES_AT"].parse().unwrap();
    assert!(expires > ssoenv::time::now() + 15 * 60);
    assert!(!env.contains_key("AWS_PROFILE"), "AWS_PROFILE survived");
}

#[test]
fn device_login_then_use_evaluates_in_bash() {
    let w = World::new().with_browser();
    let env = w.use_ok(&["dev", "--use-device-code"]);
    assert_exported(&env, "dev");
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "eu-west-1");
    assert_eq!(env["SSOENV_ACCOUNT_ID"], "111111111111");
    assert_eq!(env["SSOENV_ROLE_NAME"], "AdministratorAccess");
    assert_eq!(w.mock.device_authorizations(), 1);
    assert_eq!(w.mock.authorize_hits(), 0);
    let visits = w.browser_visits();
    assert_eq!(visits.len(), 1);
    assert!(visits[0].contains("/device?user_code="), "{visits:?}");
}

#[test]
fn pkce_login_goes_through_the_browser() {
    let w = World::new().with_browser();
    let out = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_exported(&eval_bash(&stdout(&out)), "dev");
    assert_eq!(w.mock.authorize_hits(), 1);
    assert_eq!(w.mock.device_authorizations(), 0);
    assert_eq!(w.mock.count_grant("authorization_code"), 1);
    let visits = w.browser_visits();
    assert!(
        visits[0].contains("/authorize?response_type=code&client_id="),
        "{visits:?}"
    );
    assert!(
        visits[0].contains("code_challenge_method=S256"),
        "{visits:?}"
    );
    // The token was cached where the AWS CLI looks for it, privately.
    let token: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path(CORP_TOKEN)).unwrap()).unwrap();
    assert_eq!(token["startUrl"], "https://mock.awsapps.com/start");
    assert!(token["refreshToken"].is_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.path(CORP_TOKEN))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_denied_browser_login_fails_cleanly() {
    let w = World::with_mock(MockSso::builder().interval(0).deny_authorize(true).start())
        .with_browser();
    let err = assert_fails(&w.sb.run(&["use", "dev"]), 1);
    assert!(err.contains("access_denied"), "{err}");
    assert!(!w.path(CORP_TOKEN).exists());
}

/// Reads the device code from stderr and approves it, as a person on another device would.
pub fn approve_from_stderr(mock: &MockSso, child: std::process::Child) -> Output {
    use std::io::{BufRead, BufReader};
    let mut child = child;
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if let Some(code) = line.split("code ").nth(1) {
            assert!(
                mock.approve_device(code.trim()),
                "mock did not know {code:?}"
            );
            break;
        }
        line.clear();
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stderr = format!("{seen}{rest}").into_bytes();
    out
}

#[test]
fn no_browser_prints_the_code_and_waits_for_approval() {
    let w =
        World::with_mock(MockSso::builder().interval(0).auto_approve(false).start()).with_browser();
    let child = spawn_piped(&mut w.sb.cmd(&["use", "dev", "--no-browser", "--shell", "bash"]));
    let out = approve_from_stderr(&w.mock, child);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/device?user_code="),
        "{}",
        stderr(&out)
    );
    assert_exported(&eval_bash(&stdout(&out)), "dev");
    assert!(
        w.browser_visits().is_empty(),
        "--no-browser opened {:?}",
        w.browser_visits()
    );
}

#[test]
fn cached_use_makes_no_request_and_a_token_alone_makes_one() {
    let w = World::new().with_browser();
    let first = w.use_ok(&["dev"]);
    let before = w.mock.total();
    let second = w.use_ok(&["dev"]);
    assert_eq!(w.mock.total(), before, "a cached use made requests");
    assert_eq!(
        first["AWS_SECRET_ACCESS_KEY"],
        second["AWS_SECRET_ACCESS_KEY"]
    );

    // Another role under the same session: the token is reused, one GetRoleCredentials.
    let before = w.mock.total();
    let prod = w.use_ok(&["prod"]);
    assert_eq!(w.mock.total() - before, 1);
    assert_eq!(w.mock.count("/federation/credentials"), 2);
    assert_eq!(prod["SSOENV_ACCOUNT_ID"], "222222222222");
    // No region in [profile prod]: the shell's own is left alone, never exported empty.
    assert!(!prod.contains_key("AWS_REGION"));
}

#[test]
fn force_refresh_fetches_new_role_credentials() {
    let w = World::new().with_browser();
    let first = w.use_ok(&["dev"]);
    let again = w.use_ok(&["dev", "--force-refresh"]);
    assert_eq!(w.mock.count("/federation/credentials"), 2);
    assert_ne!(first["AWS_ACCESS_KEY_ID"], again["AWS_ACCESS_KEY_ID"]);
}

#[test]
fn refresh_rotates_the_refresh_token_and_opens_no_browser() {
    let w = World::new().with_browser();
    let seeded = w.seed_cli_token(5 * 60); // under the 15-minute window
    let env = w.use_ok(&["dev"]);
    assert_exported(&env, "dev");
    assert_eq!(w.mock.count_grant("refresh_token"), 1);
    assert!(w.browser_visits().is_empty());
    assert_eq!(w.mock.device_authorizations() + w.mock.authorize_hits(), 0);
    let token: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path(CORP_TOKEN)).unwrap()).unwrap();
    let new_refresh = token["refreshToken"].as_str().unwrap();
    assert_ne!(Some(new_refresh), seeded.refresh_token.as_deref());
    assert!(w.mock.refresh_token_valid(new_refresh));
    assert!(
        !w.mock
            .refresh_token_valid(seeded.refresh_token.as_deref().unwrap())
    );
    assert_eq!(token["clientId"], seeded.client_id.as_str());
}

#[test]
fn legacy_profiles_log_in_with_a_device_code() {
    let w = World::new().with_browser();
    let env = w.use_ok(&["legacy"]);
    assert_exported(&env, "legacy");
    assert_eq!(w.mock.device_authorizations(), 1);
    assert_eq!(w.mock.authorize_hits(), 0);
    // Cached under the SHA-1 of the start URL, as botocore names it.
    let key = ssoenv::cache::token_key(&ssoenv::config::SsoSession {
        name: None,
        start_url: "https://legacy.awsapps.com/start".into(),
        region: "us-east-1".into(),
        registration_scopes: None,
    });
    assert!(w.path(&format!("sso/cache/{key}.json")).is_file());
}

#[test]
fn eight_shells_at_once_share_one_login() {
    let w = World::new().with_browser();
    let children: Vec<_> = (0..8)
        .map(|_| {
            spawn_piped(
                &mut w
                    .sb
                    .cmd(&["use", "dev", "--use-device-code", "--shell", "bash"]),
            )
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_exported(&eval_bash(&stdout(&out)), "dev");
    }
    assert_eq!(w.mock.device_authorizations(), 1);
    assert_eq!(w.browser_visits().len(), 1);
}

#[test]
fn throttling_and_server_errors_are_retried() {
    let w = World::new().with_browser();
    w.mock.throttle_next_on("/federation/credentials", 2);
    w.use_ok(&["dev"]);
    assert_eq!(w.mock.count("/federation/credentials"), 3);
    w.mock.fail_next_on("/federation/credentials", 2);
    w.use_ok(&["prod"]);
    assert_eq!(w.mock.count("/federation/credentials"), 6);
}

#[test]
fn corrupt_caches_are_replaced() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    let role_files: Vec<_> = std::fs::read_dir(w.path("cli/cache"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(role_files.len(), 1);
    std::fs::write(role_files[0].path(), "{\"ProviderType\": \"sso\", \"Cred").unwrap();
    std::fs::write(w.path(CORP_TOKEN), "not json at all").unwrap();
    let out = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning:"), "{}", stderr(&out));
    assert_exported(&eval_bash(&stdout(&out)), "dev");
    assert_eq!(
        w.mock.authorize_hits(),
        2,
        "a corrupt token should mean a new login"
    );
    let token: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path(CORP_TOKEN)).unwrap()).unwrap();
    assert!(token["accessToken"].is_string());
}

#[test]
fn a_revoked_token_means_one_new_login() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    w.mock.revoke_all_tokens();
    w.use_ok(&["prod"]);
    assert_eq!(w.mock.authorize_hits(), 2);
    assert_eq!(w.mock.count("/federation/credentials"), 3);
}

#[test]
fn logout_ends_the_session_and_removes_its_files() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    w.use_ok(&["prod"]);
    let token: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path(CORP_TOKEN)).unwrap()).unwrap();
    let out = w.sb.run(&["logout", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(w.mock.count("/logout"), 1);
    assert!(
        !w.mock
            .access_token_valid(token["accessToken"].as_str().unwrap())
    );
    assert!(!w.path(CORP_TOKEN).exists());
    assert_eq!(std::fs::read_dir(w.path("cli/cache")).unwrap().count(), 0);
    assert!(
        stderr(&out).contains("removed the cached credentials of 2 roles"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn logout_all_removes_every_sso_file() {
    let w = World::new().with_browser();
    w.use_ok(&["dev"]);
    w.use_ok(&["legacy"]);
    let out = w.sb.run(&["logout", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.mock.count("/logout"), 2);
    let left: Vec<_> = std::fs::read_dir(w.path("sso/cache"))
        .unwrap()
        .flatten()
        .filter(|e| {
            let f = std::fs::read_to_string(e.path()).unwrap_or_default();
            f.contains("accessToken")
        })
        .collect();
    assert!(left.is_empty());
    assert_eq!(std::fs::read_dir(w.path("cli/cache")).unwrap().count(), 0);
}

#[test]
fn status_reports_the_caches_without_the_network() {
    let w = World::new().with_browser();
    let out = w.sb.run(&["status", "dev", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["token"]["present"], false);
    w.use_ok(&["dev"]);
    let before = w.mock.total();
    let doc: serde_json::Value =
        serde_json::from_slice(&w.sb.run(&["status", "dev", "--json"]).stdout).unwrap();
    assert_eq!(w.mock.total(), before);
    assert_eq!(doc["token"]["present"], true);
    assert_eq!(doc["token"]["refreshable"], true);
    assert!(doc["credentials"]["seconds_left"].as_i64().unwrap() > 15 * 60);
    let text = stdout(&w.sb.run(&["status", "dev"]));
    assert!(
        text.contains("refreshable") && text.contains("valid for"),
        "{text}"
    );
}

#[test]
fn login_always_signs_in_and_prints_nothing_on_stdout() {
    let w = World::new().with_browser();
    let out = w.sb.run(&["login", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let out = w.sb.run(&["login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.mock.authorize_hits(), 2);
}

#[test]
fn an_unapproved_device_code_ends_the_login_when_it_expires() {
    // The service says the code expired.
    let w = World::with_mock(MockSso::builder().interval(0).auto_approve(false).start());
    let child = spawn_piped(&mut w.sb.cmd(&["use", "dev", "--no-browser"]));
    assert!(w.mock.wait_for_count(
        "/device_authorization",
        1,
        std::time::Duration::from_secs(20)
    ));
    w.mock.expire_device_codes();
    let out = child.wait_with_output().unwrap();
    let err = assert_fails(&out, 1);
    assert!(
        err.contains("the code expired before it was approved"),
        "{err}"
    );
    assert!(!w.path(CORP_TOKEN).exists());

    // The code's lifetime runs out on our side first (the service would still take it).
    let w = World::with_mock(
        MockSso::builder()
            .interval(0)
            .auto_approve(false)
            .device_code_ttl_secs(1)
            .device_code_grace_secs(60)
            .start(),
    );
    let err = assert_fails(&w.sb.run(&["use", "dev", "--no-browser"]), 1);
    assert!(err.contains("the code was not approved in time"), "{err}");
}

#[test]
fn non_sso_profiles_are_refused_with_a_reason() {
    let w = World::new();
    std::fs::write(
        w.path("config"),
        format!("{CONFIG}\n[profile keys]\naws_access_key_id = AKIA\n"),
    )
    .unwrap();
    let err = assert_fails(&w.sb.run(&["use", "keys"]), 1);
    assert!(err.contains("access keys"), "{err}");
    let err = assert_fails(&w.sb.run(&["use", "devv"]), 1);
    assert!(err.contains("did you mean \"dev\""), "{err}");
    assert_eq!(w.mock.total(), 0);
}

/// The binary's own output, with credentials built to break quoting, evaluated by each real shell.
/// (Credentials holding a control character are refused before any shell sees them; line breaks
/// in values are quoted in `shells`.)
#[test]
fn hostile_credentials_survive_every_real_shell() {
    use crate::support::HOSTILE_VALUE;
    let w = World::with_mock(
        MockSso::builder()
            .interval(0)
            .secret_access_key(HOSTILE_VALUE)
            .session_token(&format!("{HOSTILE_VALUE} second line 'é' ‘’ 😀\\"))
            .start(),
    )
    .with_browser();
    let token = format!("{HOSTILE_VALUE} second line 'é' ‘’ 😀\\");
    for (shell, argv) in [
        ("bash", vec!["bash", "--noprofile", "--norc", "-c"]),
        ("zsh", vec!["zsh", "-f", "-c"]),
        ("fish", vec!["fish", "--no-config", "-c"]),
    ] {
        crate::util::tool(shell);
        let out = w.sb.run(&["use", "dev", "--shell", shell]);
        assert!(out.status.success(), "{}", stderr(&out));
        let script_path = w.sb.home().join(format!("use.{shell}"));
        std::fs::write(&script_path, &out.stdout).unwrap();
        let body = if shell == "fish" {
            "source $argv[1]; and printf '%s\\0%s' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\""
        } else {
            "eval \"$(cat \"$1\")\" && printf '%s\\0%s' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\""
        };
        let mut cmd = std::process::Command::new(argv[0]);
        cmd.args(&argv[1..]).arg(body);
        if shell != "fish" {
            cmd.arg(shell);
        }
        let run = cmd
            .arg(&script_path)
            .env("HOME", w.sb.home())
            .env("XDG_CONFIG_HOME", w.sb.home())
            .env("XDG_DATA_HOME", w.sb.home())
            .current_dir(w.sb.home())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            run.stderr.is_empty(),
            "{shell}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got = String::from_utf8(run.stdout).unwrap();
        assert_eq!(
            got,
            format!("{HOSTILE_VALUE}\0{token}"),
            "{shell} changed the values"
        );
    }
}

/// Run with stdout on a terminal, `use` explains itself and prints no secret.
#[test]
fn on_a_terminal_use_prints_a_hint_and_no_secrets() {
    let w = World::with_mock(
        MockSso::builder()
            .interval(0)
            .secret_access_key("VISIBLE-SECRET")
            .start(),
    )
    .with_browser();
    crate::util::tool("script");
    // script(1) gives the command a terminal for stdout, as an interactive shell does.
    let sandboxed = w.sb.cmd(&[]);
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("'{}' use dev", env!("CARGO_BIN_EXE_ssoenv")),
            "/dev/null",
        ])
        .env_clear()
        .envs(sandboxed.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(w.sb.home())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("eval \"$(ssoenv use dev)\""), "{screen}");
    assert!(!screen.contains("VISIBLE-SECRET"), "{screen}");
    assert!(!screen.contains("export "), "{screen}");
}

#[test]
fn a_cached_client_the_service_refuses_is_registered_again() {
    let w = World::new().with_browser();
    w.use_ok(&["dev", "--use-device-code"]);
    assert!(w.sb.run(&["logout", "dev"]).status.success());
    // The registration file still says the client is good for months; the service disagrees.
    w.mock.expire_clients();
    let env = w.use_ok(&["dev", "--use-device-code"]);
    assert_eq!(env["SSOENV_PROFILE"], "dev");
    assert_eq!(w.mock.count("/client/register"), 2);
    assert_eq!(w.mock.device_authorizations(), 2);
}

#[test]
fn slow_down_adds_five_seconds_between_polls() {
    let w = World::new().with_browser();
    w.mock.slow_down_next(1);
    let started = std::time::Instant::now();
    w.use_ok(&["dev", "--use-device-code"]);
    assert_eq!(w.mock.count_errors("slow_down"), 1);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(5),
        "polled again after {:?}",
        started.elapsed()
    );
}

/// With no $BROWSER and nowhere to show one (no display, or over SSH), an sso-session profile
/// signs in with a device code by itself: a browser elsewhere could never reach the listener.
#[test]
fn without_a_browser_the_device_code_is_used_by_itself() {
    for extra in [
        vec![],
        vec![
            ("DISPLAY", ":0"),
            ("SSH_CONNECTION", "10.0.0.1 22 10.0.0.2 22"),
        ],
    ] {
        let w = World::new(); // no BROWSER; the sandbox has no DISPLAY
        let mut cmd = w.sb.cmd(&["use", "dev", "--shell", "bash"]);
        for (k, v) in &extra {
            cmd.env(k, v);
        }
        let out = approve_from_stderr(&w.mock, spawn_piped(&mut cmd));
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("no browser can be opened here"),
            "{}",
            stderr(&out)
        );
        assert_exported(&eval_bash(&stdout(&out)), "dev");
        assert_eq!(w.mock.authorize_hits(), 0);
        assert_eq!(w.mock.device_authorizations(), 1);
    }
}

/// Endpoints can come from the config itself (`services = NAME`), as the SDKs read them.
#[test]
fn a_services_section_points_the_profile_at_its_endpoints() {
    let mock = MockSso::builder().interval(0).start();
    let mut sb = Sandbox::new();
    sb.write_config(&format!(
        "{CONFIG}\n[services mock]\nsso =\n  endpoint_url = {url}\nsso_oidc =\n  endpoint_url = {url}\n\n\
         [profile via-services]\nsso_session = corp\nsso_account_id = 111111111111\n\
         sso_role_name = ReadOnly\nservices = mock\n",
        url = mock.url()
    ));
    sb.env("BROWSER", browser_command());
    let out = sb.run(&["use", "via-services", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_exported(&eval_bash(&stdout(&out)), "via-services");
    assert_eq!(mock.count("/federation/credentials"), 1);
}

/// A refresh that fails while the token still has minutes left: the token is used as it is, with
/// a warning, and nobody is asked to sign in.
#[test]
fn a_failed_refresh_falls_back_on_the_token_it_had() {
    let w = World::new().with_browser();
    let seeded = w.seed_cli_token(5 * 60);
    w.mock.fail_next_on("/token", 4); // the first try and the HTTP layer's three retries
    let out = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: could not refresh the SSO token"),
        "{}",
        stderr(&out)
    );
    assert_exported(&eval_bash(&stdout(&out)), "dev");
    let calls = w.mock.requests_to("/federation/credentials");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].bearer_token(), Some(seeded.access_token.as_str()));
    assert_eq!(w.mock.authorize_hits() + w.mock.device_authorizations(), 0);
    assert!(w.browser_visits().is_empty());
}

#[test]
fn use_confirms_a_sign_in_or_fetch_and_is_silent_from_the_caches() {
    let mut w = World::new().with_browser();
    // Two hours east of UTC (POSIX spells it with the sign inverted): "valid until" is local.
    w.sb.env("TZ", "XXX-2");
    let line = |out: &Output| {
        let expires: i64 = eval_bash(&stdout(out))["SSOENV_EXPIRES_AT"]
            .parse()
            .unwrap();
        let local = (expires + 2 * 3600).rem_euclid(86_400);
        format!("{:02}:{:02}", local / 3600, local % 3600 / 60)
    };
    let first = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).ends_with(&format!(
            "ssoenv: dev: account 111111111111 as AdministratorAccess, valid until {}\n",
            line(&first)
        )),
        "{}",
        stderr(&first)
    );
    let cached = w.sb.run(&["use", "dev", "--shell", "bash"]);
    assert!(cached.status.success(), "{}", stderr(&cached));
    assert_eq!(stderr(&cached), "", "a use from the caches said something");
    // A cached token but no role credentials yet: one request, and it is said.
    let fetched = w.sb.run(&["use", "prod", "--shell", "bash"]);
    assert_eq!(
        stderr(&fetched),
        format!(
            "ssoenv: prod: account 222222222222 as ReadOnly, valid until {}\n",
            line(&fetched)
        )
    );
}
