//! The Windows build, run under Wine against the mock: sign-in with a device code, `use` for cmd,
//! PowerShell and JSON, `exec` and `credential-process`, with the caches where the AWS CLI on
//! Windows keeps them (`%USERPROFILE%\.aws`). cmd output is run by Wine's cmd.exe.
//!
//! Set-up, once per test run and shared by these tests (a Wine prefix takes seconds to boot):
//! `cargo build --target x86_64-pc-windows-gnu` (a no-op when CI has built it), two small C
//! programs from `tests/support/` built with mingw, and a fresh prefix under
//! `target/tmp/wine-PID`. Needs `wine` (Debian: wine64 and wine) and `x86_64-w64-mingw32-gcc`
//! (mingw-w64); a missing one fails, as every missing tool does. What Wine cannot show (a real
//! cmd's `for /f`, PowerShell) README.md says is unverified.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::engine::{CONFIG, CORP_TOKEN, World};
use crate::support::MockSso;
use crate::util::{assert_fails, output_within, stderr, stdout, tool};

const TARGET: &str = "x86_64-pc-windows-gnu";

/// The Windows programs and the prefix they run in.
struct Wine {
    wine: PathBuf,
    prefix: PathBuf,
    /// ssoenv.exe with bcryptprimitives.dll beside it, and winrun.exe.
    bin: PathBuf,
}

fn wine() -> &'static Wine {
    static WINE: OnceLock<Wine> = OnceLock::new();
    WINE.get_or_init(set_up)
}

fn set_up() -> Wine {
    let wine = tool("wine");
    let gcc = tool("x86_64-w64-mingw32-gcc");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    sweep_old_runs(root);
    let run = root.join(format!("wine-{}", std::process::id()));
    let (prefix, bin) = (run.join("prefix"), run.join("bin"));
    std::fs::create_dir_all(&bin).unwrap();

    let started = Instant::now();
    let exe = build_windows_ssoenv();
    std::fs::copy(&exe, bin.join("ssoenv.exe")).unwrap();
    let built = started.elapsed();

    let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support");
    for (source, output, flags) in [
        // Rust's std needs ProcessPrng, which Wine 8 lacks: see the file.
        (
            "bcryptprimitives.c",
            "bcryptprimitives.dll",
            &["-shared", "-ladvapi32"][..],
        ),
        ("winrun.c", "winrun.exe", &[][..]),
    ] {
        let out = Command::new(&gcc)
            .arg("-O2")
            .arg("-o")
            .arg(bin.join(output))
            .arg(support.join(source))
            .args(flags)
            .output()
            .unwrap();
        assert!(out.status.success(), "{source}: {}", stderr(&out));
    }

    let booted = Instant::now();
    let mut boot = Command::new(&wine);
    boot.args(["wineboot", "--init"]);
    let w = Wine { wine, prefix, bin };
    std::fs::create_dir_all(w.tmp()).unwrap();
    let out = bounded(w.env(&mut boot), "wineboot --init", 300);
    assert!(out.status.success(), "wineboot: {}", stderr(&out));
    // Shown with --nocapture: the cost of these tests, for .ci/run's budget.
    eprintln!(
        "wine set-up: build {:.1}s, prefix {:.1}s",
        built.as_secs_f64(),
        booted.elapsed().as_secs_f64()
    );
    w
}

/// `cargo build --target x86_64-pc-windows-gnu` into its own target folder (`target/windows`):
/// cargo keeps the main one locked while `cargo test` runs. Cargo decides whether anything
/// changed, so the binary tested is never stale; in CI it has been built by `.ci/run` already.
fn build_windows_ssoenv() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("windows");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // binutils' dlltool (2.40), run for windows-sys's raw-dylib imports, leaves an empty temporary
    // file per import library: they go in the build's own folder, not the user's TMPDIR.
    let tmp = target_dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = Command::new(cargo)
        .current_dir(manifest)
        .env("TMPDIR", &tmp)
        .args(["build", "--quiet", "--bin", "ssoenv", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo build --target {TARGET} failed (rustup target add {TARGET}; Debian: apt-get \
         install mingw-w64): {}",
        stderr(&out)
    );
    target_dir.join(TARGET).join("debug/ssoenv.exe")
}

/// Removes the Wine folders of earlier test runs (a prefix is some 700 MB) whose process is gone.
fn sweep_old_runs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("wine-")
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Wine {
    /// TMPDIR for Wine's programs, beside the prefix.
    fn tmp(&self) -> PathBuf {
        self.prefix.with_file_name("tmp")
    }

    /// Wine's own settings: this prefix, no debug chatter, no display, and the shim DLL beside
    /// ssoenv.exe preferred to any builtin one (`n,b`: native, then builtin).
    fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("WINEPREFIX", &self.prefix)
            // The wineserver's socket folder, which outlives the tests (the server lingers),
            // goes with the prefix: swept with it, never left in the user's TMPDIR.
            .env("TMPDIR", self.tmp())
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "bcryptprimitives=n,b;mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
    }

    /// ssoenv.exe with `args` in the world's sandbox: its environment (the mock's endpoints),
    /// and USERPROFILE the sandbox home, which Wine will not take from the Unix environment but
    /// winrun.exe sets.
    fn ssoenv(&self, w: &World, args: &[&str]) -> Command {
        let mut cmd = self.program(w, "winrun.exe");
        cmd.arg(windows_path(&self.bin.join("ssoenv.exe")))
            .args(args);
        cmd
    }

    /// A program run by Wine in the sandbox's environment, USERPROFILE included.
    fn program(&self, w: &World, program: &str) -> Command {
        let mut cmd = Command::new(&self.wine);
        cmd.env_clear();
        for (k, v) in w.sb.cmd(&[]).get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        self.env(&mut cmd)
            .env("SSOENV_TEST_USERPROFILE", windows_path(w.sb.home()))
            .current_dir(w.sb.home())
            .arg(if program.contains('.') {
                windows_path(&self.bin.join(program))
            } else {
                program.to_string()
            });
        cmd
    }

    fn run(&self, w: &World, args: &[&str]) -> Output {
        bounded(&mut self.ssoenv(w, args), &args.join(" "), 120)
    }

    /// Runs `script` (CRLF lines) as a .cmd file in Wine's cmd.exe and returns its stdout.
    fn cmd_script(&self, w: &World, script: &str) -> String {
        let path = w.sb.home().join("script.cmd");
        std::fs::write(&path, script).unwrap();
        let mut cmd = self.program(w, "cmd");
        cmd.args(["/c", &windows_path(&path)]);
        let out = bounded(&mut cmd, "cmd /c script.cmd", 120);
        assert!(out.status.success(), "cmd: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// `/a/b` as Wine's Z: drive shows it: `Z:\a\b`.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.to_str().unwrap().replace('/', "\\"))
}

/// Runs `cmd` to its end with stdin closed, killing it and failing after `secs` seconds.
fn bounded(cmd: &mut Command, what: &str, secs: u64) -> Output {
    output_within(
        cmd,
        Duration::from_secs(secs),
        &format!("{what} under Wine"),
    )
}

/// `NAME=value` lines (CRLF or LF) as cmd's `set PREFIX` prints them.
fn set_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn value<'a>(vars: &'a [(String, String)], name: &str) -> &'a str {
    vars.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} not set: {vars:?}"))
}

/// A token in the sandbox as the AWS CLI leaves it, so that commands need no sign-in.
fn signed_in(mock: MockSso) -> World {
    let w = World::with_mock(mock);
    w.seed_cli_token(8 * 3600);
    w
}

/// One file in the sandbox's `~/.aws/cli/cache`: the role credentials.
fn role_cache_files(w: &World) -> Vec<PathBuf> {
    std::fs::read_dir(w.path("cli/cache"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn windows_build_signs_in_with_a_device_code_into_userprofile_and_prints_each_shell() {
    let wine = wine();
    let w = World::with_mock(MockSso::builder().interval(0).auto_approve(false).start());
    // --no-browser: nothing is opened, the code is printed, and the test approves it as a
    // person would on another device.
    let mut cmd = wine.ssoenv(&w, &["use", "dev", "--no-browser", "--shell", "json"]);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = crate::engine::approve_from_stderr(&w.mock, child);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(w.mock.device_authorizations(), 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["AWS_ACCESS_KEY_ID"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );
    assert_eq!(json["SSOENV_PROFILE"], "dev");
    assert_eq!(json["AWS_REGION"], "eu-west-1");

    // The token and the role credentials are where the AWS CLI on Windows looks:
    // %USERPROFILE%\.aws\sso\cache and \cli\cache, under the names botocore gives them.
    assert!(w.path(CORP_TOKEN).is_file(), "no token in %USERPROFILE%");
    assert_eq!(role_cache_files(&w).len(), 1);

    // From the caches now: no request, in every Windows format.
    let requests = w.mock.total();
    let cmd_out = wine.run(&w, &["use", "dev", "--shell", "cmd"]);
    assert!(cmd_out.status.success(), "{}", stderr(&cmd_out));
    let text = stdout(&cmd_out);
    assert!(text.lines().all(|l| l.starts_with("set \"")), "{text}");
    let ps = wine.run(&w, &["use", "dev", "--shell", "powershell"]);
    assert!(ps.status.success(), "{}", stderr(&ps));
    let key = json["AWS_SECRET_ACCESS_KEY"].as_str().unwrap();
    assert!(
        stdout(&ps).contains(&format!("$Env:AWS_SECRET_ACCESS_KEY = '{key}'")),
        "{}",
        stdout(&ps)
    );
    assert_eq!(w.mock.total(), requests, "a cached use made requests");

    // Wine's cmd.exe runs the set lines, and the values are the JSON's, byte for byte.
    let vars = set_lines(&wine.cmd_script(
        &w,
        &format!(
            "@echo off\r\n{}set AWS_\r\nset SSOENV_\r\n",
            text.replace('\n', "\r\n")
        ),
    ));
    for (name, expected) in json.as_object().unwrap() {
        if let Some(expected) = expected.as_str() {
            assert_eq!(value(&vars, name), expected, "{name}");
        }
    }
}

/// Values cmd can hold survive Wine's cmd.exe byte for byte; one it cannot is refused by name.
#[test]
fn cmd_set_lines_round_trip_in_wines_cmd_and_unsafe_values_are_refused() {
    let wine = wine();
    let safe = "a&b|c<d>e (f) 'g' ~\\ ;,= x  ";
    let w = signed_in(MockSso::builder().interval(0).session_token(safe).start());
    let out = wine.run(&w, &["use", "dev", "--shell", "cmd"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = format!(
        "@echo off\r\n{}set AWS_SESSION_TOKEN\r\n",
        stdout(&out).replace('\n', "\r\n")
    );
    let vars = set_lines(&wine.cmd_script(&w, &script));
    assert_eq!(value(&vars, "AWS_SESSION_TOKEN"), safe);

    let w = signed_in(
        MockSso::builder()
            .interval(0)
            .session_token("50%OFF!")
            .start(),
    );
    let err = assert_fails(&wine.run(&w, &["use", "dev", "--shell", "cmd"]), 1);
    assert!(err.contains("variable AWS_SESSION_TOKEN"), "{err}");
    assert!(!err.contains("50%OFF"), "{err}");
}

/// The code page question, as far as Wine shows it. A UTF-8 `é` in a set line does not survive
/// cmd.exe (it reads a batch file, as `for /f` reads a program's output, in the console's code
/// page): so cmd output refuses it, naming the variable. PowerShell and JSON output spell it in
/// ASCII, which no code page changes.
#[test]
fn a_non_ascii_account_name_is_refused_for_cmd_and_spelled_in_ascii_for_powershell_and_json() {
    let wine = wine();
    // The premise, in Wine's cmd.exe: the UTF-8 bytes come back as something else.
    let w = World::new();
    let vars = set_lines(&wine.cmd_script(
        &w,
        "@echo off\r\nset \"SSOENV_T=Caf\u{e9}\"\r\nset SSOENV_T\r\n",
    ));
    assert_ne!(
        value(&vars, "SSOENV_T"),
        "Caf\u{e9}",
        "Wine's cmd kept UTF-8"
    );

    let w = signed_in(MockSso::builder().interval(0).start());
    let config = CONFIG.replace(
        "[profile prod]",
        "ssoenv_account_name = Caf\u{e9} \u{65e5}\u{672c}\n\n[profile prod]",
    );
    w.sb.write_config(&config);
    let err = assert_fails(&wine.run(&w, &["use", "dev", "--shell", "cmd"]), 1);
    assert!(err.contains("variable SSOENV_ACCOUNT_NAME"), "{err}");
    assert!(err.contains("not ASCII"), "{err}");

    let ps = wine.run(&w, &["use", "dev", "--shell", "powershell"]);
    assert!(ps.status.success(), "{}", stderr(&ps));
    assert!(ps.stdout.is_ascii(), "{}", stdout(&ps));
    assert!(
        stdout(&ps).contains(
            "$Env:SSOENV_ACCOUNT_NAME = 'Caf' + [char]0x00E9 + ' ' + [char]0x65E5 + [char]0x672C"
        ),
        "{}",
        stdout(&ps)
    );
    let json = wine.run(&w, &["use", "dev", "--shell", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    assert!(json.stdout.is_ascii(), "{}", stdout(&json));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["SSOENV_ACCOUNT_NAME"], "Caf\u{e9} \u{65e5}\u{672c}");
}

#[test]
fn exec_returns_the_childs_status_and_gives_it_the_credentials() {
    let wine = wine();
    let mut w = signed_in(MockSso::builder().interval(0).start());
    w.sb.env("AWS_PROFILE", "stale");
    for (code, expected) in [("0", 0), ("42", 42)] {
        let out = wine.run(&w, &["exec", "dev", "--", "cmd", "/c", "exit", code]);
        assert_eq!(out.status.code(), Some(expected), "{}", stderr(&out));
    }
    let err = assert_fails(
        &wine.run(&w, &["exec", "dev", "--", "no-such-program-ssoenv"]),
        127,
    );
    assert!(err.contains("command not found"), "{err}");

    // The environment the child sees: the credentials, and no AWS_PROFILE to contradict them.
    let out = wine.run(&w, &["exec", "dev", "--", "cmd", "/c", "set", "AWS_"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let vars = set_lines(&stdout(&out));
    assert!(value(&vars, "AWS_ACCESS_KEY_ID").starts_with("ASIA"));
    assert!(!value(&vars, "AWS_SESSION_TOKEN").is_empty());
    assert_eq!(value(&vars, "AWS_REGION"), "eu-west-1");
    assert!(
        !vars.iter().any(|(k, _)| k == "AWS_PROFILE"),
        "AWS_PROFILE reached the child: {vars:?}"
    );
    let cached = role_cache_files(&w);
    assert_eq!(cached.len(), 1, "{cached:?}");
    let creds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cached[0]).unwrap()).unwrap();
    assert_eq!(
        creds["Credentials"]["AccessKeyId"],
        value(&vars, "AWS_ACCESS_KEY_ID")
    );
}

#[test]
fn credential_process_prints_version_1_json_from_userprofile_caches() {
    let wine = wine();
    let w = signed_in(MockSso::builder().interval(0).start());
    let out = wine.run(&w, &["credential-process", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(role_cache_files(&w).len(), 1);

    // It never signs in: without a token it fails and says what to run.
    let w = World::new();
    let err = assert_fails(&wine.run(&w, &["credential-process", "dev"]), 1);
    assert!(err.contains("ssoenv login"), "{err}");
    assert_eq!(w.mock.total(), 0);
}
