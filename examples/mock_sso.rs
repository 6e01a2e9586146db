//! Try ssoenv without AWS: a mock IAM Identity Center on 127.0.0.1.
//!
//! ```text
//! cargo run --example mock_sso [-- --port 8123] [--no-auto-approve] [--accounts N --roles M]
//! mock_sso --approve URL
//! ```
//!
//! Prints the `export` lines that point ssoenv at the mock (paste them into another shell), then
//! serves until Ctrl-C. The mock is the one the integration tests use
//! (`tests/support/mock/`). `./try` runs it for its sandbox.
//!
//! `--approve URL` plays the person at the browser instead: it visits a sign-in URL ssoenv opens
//! and follows the mock's redirect back to ssoenv's loopback listener, which is all an
//! auto-approving mock needs. Set as `$BROWSER`, sign-ins complete with no browser and no curl.

#[path = "../tests/support/mock/mod.rs"]
mod mock;

use std::io::Write as _;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo run --example mock_sso [-- [--port PORT] [--no-auto-approve] \
                     [--accounts N [--roles M]]]\n       mock_sso --approve URL";

fn main() -> ExitCode {
    let mut port: u16 = 0;
    let mut auto_approve = true;
    // Generated accounts (e.g. 1,000 for the populate benchmark) instead of the two defaults.
    let mut accounts: Option<usize> = None;
    let mut roles: usize = 1;
    let mut args = std::env::args().skip(1);
    if let [flag, url] = std::env::args().skip(1).collect::<Vec<_>>().as_slice()
        && flag == "--approve"
    {
        return approve(url);
    }
    while let Some(arg) = args.next() {
        let count = |v: Option<String>| v.and_then(|v| v.parse::<usize>().ok()).filter(|n| *n > 0);
        let value = match arg.as_str() {
            "--accounts" => match count(args.next()) {
                Some(n) => {
                    accounts = Some(n);
                    continue;
                }
                None => {
                    eprintln!("mock_sso: --accounts needs a positive number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--roles" => match count(args.next()) {
                Some(n) => {
                    roles = n;
                    continue;
                }
                None => {
                    eprintln!("mock_sso: --roles needs a positive number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--port" => args.next(),
            s if s.starts_with("--port=") => s.strip_prefix("--port=").map(str::to_string),
            "--no-auto-approve" => {
                auto_approve = false;
                continue;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("mock_sso: unexpected argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match value.as_deref().map(str::parse::<u16>) {
            Some(Ok(p)) => port = p,
            _ => {
                eprintln!("mock_sso: --port needs a number from 0 to 65535\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let mut builder = mock::MockSso::builder()
        .port(port)
        .auto_approve(auto_approve);
    if let Some(n) = accounts {
        builder = builder.generated_accounts(n, roles);
    }
    let server = match builder.try_start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock_sso: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = match tempfile::Builder::new().prefix("ssoenv-mock-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mock_sso: cannot create a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config_path = dir.path().join("config");
    let config = "\
[sso-session mock]
sso_start_url = https://mock.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile mock-dev]
sso_session = mock
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1

[profile mock-prod]
sso_session = mock
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-west-1

# A legacy profile: no sso-session, no refresh token, device-code login.
[profile mock-legacy]
sso_start_url = https://mock.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1
";
    if let Err(e) = std::fs::write(&config_path, config) {
        eprintln!("mock_sso: cannot write {}: {e}", config_path.display());
        return ExitCode::FAILURE;
    }
    let browser = format!(
        "sh {}",
        quote(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/browser.sh"
        ))
    );
    let url = server.url();

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "# Mock IAM Identity Center on {url} (accounts 111111111111 dev-account, 222222222222 prod-account).\n\
         # Paste into another shell:\n\
         export AWS_ENDPOINT_URL_SSO_OIDC={url}\n\
         export AWS_ENDPOINT_URL_SSO={url}\n\
         export AWS_ENDPOINT_URL_SIGNIN={url}\n\
         export AWS_CONFIG_FILE={config}\n\
         # Auto-approve is {approve}: this BROWSER approves every login without a click:\n\
         export BROWSER={browser}\n\
         # Optional, to keep the mock's tokens out of your real ~/.aws:\n\
         # export HOME={home}\n\
         # Then: eval \"$(ssoenv use mock-dev)\"   (also mock-prod, mock-legacy)\n\
         # Serving until Ctrl-C.",
        config = quote(&config_path.to_string_lossy()),
        approve = if auto_approve {
            "on"
        } else {
            "off (approve nothing; logins wait)"
        },
        browser = quote(&browser),
        home = quote(&dir.path().join("home").to_string_lossy()),
    );
    let _ = out.flush();
    drop(out);
    let _ = std::fs::create_dir_all(dir.path().join("home"));

    loop {
        std::thread::park();
    }
}

/// Visits `url` as a browser would, following redirects. Only loopback URLs: this is the mock's
/// browser, and nothing it is handed should send it anywhere else.
fn approve(url: &str) -> ExitCode {
    if !url.starts_with("http://127.0.0.1:") {
        eprintln!(
            "mock_sso: --approve takes the mock's http://127.0.0.1:PORT/... URL, not {url:?}"
        );
        return ExitCode::from(2);
    }
    let agent = ureq::Agent::config_builder()
        .proxy(None)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .new_agent();
    match agent.get(url).call() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock_sso: --approve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Single-quote for POSIX shells when needed.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%,=".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
