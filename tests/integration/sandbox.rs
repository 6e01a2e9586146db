//! README's first command, `./try`, used as a person would: in a terminal (tmux), with the user's
//! shell from $SHELL. The banner shows, `awsuse` signs in through the mock and sets the prompt,
//! TAB completes the sandbox's profiles (not the user's), and `exit` stops the mock and deletes the
//! sandbox, leaving the user's HOME byte for byte as it was. The build is skipped: the test hands
//! `./try` the binaries cargo already built (`SSOENV_TRY_PREBUILT`).
#![cfg(unix)]

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::util::{stderr, stdout, tool};

/// The folder with the built `ssoenv` and, under `examples/`, `mock_sso` (built here when a
/// targeted `cargo test --test integration` did not build the examples).
fn prebuilt() -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_ssoenv"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    if !dir.join("examples/mock_sso").exists() {
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let out = Command::new(option_env!("CARGO").unwrap_or("cargo"))
            .args([
                "build",
                "--locked",
                "--example",
                "mock_sso",
                "--profile",
                &profile,
            ])
            .arg("--target-dir")
            .arg(dir.parent().expect("the target folder"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo");
        assert!(out.status.success(), "building mock_sso: {}", stderr(&out));
    }
    dir
}

/// Every file, folder and link under `dir`, with contents, for a before/after comparison.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let value = if meta.is_dir() {
                todo.push(path.clone());
                b"<dir>".to_vec()
            } else if meta.is_symlink() {
                std::fs::read_link(&path)
                    .expect("link")
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                std::fs::read(&path).expect("read")
            };
            all.insert(path, value);
        }
    }
    all
}

static SERVERS: AtomicUsize = AtomicUsize::new(0);

/// `./try` in a tmux pane of its own server, with a scratch folder holding the user's HOME
/// (with an ~/.aws/config of their own) and TMPDIR, where the sandbox goes.
struct Session {
    socket: String,
    scratch: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Session {
    fn start(shell: &Path) -> Session {
        tool("tmux");
        let scratch = tempfile::tempdir().expect("tempdir");
        let home = scratch.path().join("home");
        std::fs::create_dir_all(home.join(".aws")).expect("mkdir");
        std::fs::create_dir_all(scratch.path().join("tmp")).expect("mkdir");
        std::fs::write(
            home.join(".aws/config"),
            "[profile mock-mine]\nregion = eu-west-2\n",
        )
        .expect("write");
        std::fs::write(home.join(".bash_history"), "ls\n").expect("write");
        let scratch_dir = scratch.path().display().to_string();
        let env = vec![
            ("HOME".into(), home.display().to_string()),
            (
                "PATH".into(),
                std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
            ),
            // tmux runs commands through $SHELL: keep the user's shell for `./try` alone.
            ("SHELL".into(), "/bin/sh".into()),
            ("TERM".into(), "xterm-256color".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("TMPDIR".into(), format!("{scratch_dir}/tmp")),
            ("TMUX_TMPDIR".into(), scratch_dir),
            // The user's own AWS settings, which the sandbox must not see.
            ("AWS_PROFILE".into(), "mock-mine".into()),
            (
                "AWS_CONFIG_FILE".into(),
                home.join(".aws/config").display().to_string(),
            ),
            (
                "SSOENV_TRY_PREBUILT".into(),
                prebuilt().display().to_string(),
            ),
        ];
        let n = SERVERS.fetch_add(1, Ordering::SeqCst);
        let session = Session {
            socket: format!("ssoenv-try-{}-{n}", std::process::id()),
            scratch,
            env,
        };
        // The pane stays after `./try` ends, for its last words and its exit status.
        let conf = session.scratch.path().join("tmux.conf");
        std::fs::write(&conf, "set -g remain-on-exit on\n").expect("write");
        let try_script = Path::new(env!("CARGO_MANIFEST_DIR")).join("try");
        let out = session
            .tmux(&["-f", &conf.display().to_string()])
            .args(["new-session", "-d", "-x", "150", "-y", "40", "--", "env"])
            .arg(format!("SHELL={}", shell.display()))
            .args(["sh", "-c", "\"$1\"; echo \"$?\" > \"$2\"", "sh"])
            .arg(&try_script)
            .arg(session.scratch.path().join("status"))
            .output()
            .expect("tmux");
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        session
    }

    fn home(&self) -> PathBuf {
        self.scratch.path().join("home")
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command
            .args(["-L", &self.socket])
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.scratch.path());
        command
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        let out = self.tmux(&args).output().expect("tmux send-keys");
        assert!(out.status.success(), "send-keys: {}", stderr(&out));
    }

    /// Types a line and presses Enter.
    fn line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    /// The pane with its history.
    fn pane(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-J", "-S", "-200", "-t", "0"])
            .output()
            .expect("tmux capture-pane");
        assert!(out.status.success(), "capture-pane: {}", stderr(&out));
        stdout(&out)
    }

    /// `./try`'s exit status once it has ended, from the file its wrapper writes (tmux's own
    /// `pane_dead` was seen to lag: under load its server left the ended launcher unreaped).
    fn ended(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.scratch.path().join("status")).ok()?;
        let text = text.strip_suffix('\n')?;
        Some(text.parse().unwrap_or(-1))
    }

    /// Waits (up to 20 s) until `ready` holds for the pane, and returns the pane.
    fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let pane = self.pane();
            if ready(&pane) {
                return pane;
            }
            if let Some(status) = self.ended() {
                panic!("./try ended (status {status}) before {what}; the pane:\n{pane}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; the pane:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the `n`th prompt of the sandbox's shell.
    fn wait_prompt(&self, n: usize) -> String {
        self.wait(&format!("prompt #{n}"), |p| {
            p.matches("sandbox ~").count() >= n
        })
    }

    /// The mock's address, from the banner.
    fn mock_address(pane: &str) -> String {
        let at = pane
            .find("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("no mock address in the banner:\n{pane}"));
        pane[at + "http://".len()..]
            .split(|c: char| c != '.' && c != ':' && !c.is_ascii_digit())
            .next()
            .expect("address")
            .to_string()
    }

    /// Types `exit` and checks that nothing is left: the pane closes (the launcher ended), the
    /// mock no longer answers, TMPDIR holds no sandbox, the user's HOME is as it was.
    fn exit_and_check(self, address: &str, home_before: &BTreeMap<PathBuf, Vec<u8>>) {
        let sandboxes = || {
            std::fs::read_dir(self.scratch.path().join("tmp"))
                .expect("read TMPDIR")
                .map(|e| e.expect("entry").file_name())
                .collect::<Vec<_>>()
        };
        assert_eq!(sandboxes().len(), 1, "one sandbox while it runs");
        self.line("exit");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.ended() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "./try did not end after `exit`; the pane:\n{}\nprocesses:\n{}",
                self.pane(),
                stdout(
                    &Command::new("ps")
                        .args(["-eo", "pid,ppid,stat,args", "--forest"])
                        .output()
                        .expect("ps")
                )
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(
            status,
            0,
            "./try's status after `exit`; the pane:\n{}",
            self.pane()
        );
        assert!(
            TcpStream::connect(address).is_err(),
            "the mock still answers on {address}"
        );
        let left = sandboxes();
        assert!(
            left.is_empty(),
            "left behind: {left:?}: {:?}",
            snapshot(&self.scratch.path().join("tmp")).keys()
        );
        assert_eq!(
            &snapshot(&self.home()),
            home_before,
            "the user's HOME changed"
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        crate::util::stop_tmux(|args| self.tmux(args));
    }
}

/// The banner, `awsuse mock-dev` and the prompt segment: the part every shell must get right.
fn signs_in(s: &Session) -> String {
    let pane = s.wait("the banner and a prompt", |p| {
        p.contains("ssoenv sandbox:") && p.contains("sandbox ~")
    });
    for hint in ["awsuse mock-dev", "ssoenv exec -- env", "ssoenv status"] {
        assert!(pane.contains(hint), "the banner lacks {hint}:\n{pane}");
    }
    s.line("awsuse mock-dev && echo \"[$SSOENV_PROFILE]\"");
    // The prompt segment, drawn after the echo: the profile and the time its credentials have.
    s.wait("the profile and the prompt segment", |p| {
        p.contains("[mock-dev]") && (p.contains("mock-dev 1h00m") || p.contains("mock-dev 59m"))
    })
}

#[test]
fn try_opens_a_sandbox_in_bash_and_leaves_no_trace() {
    let bash = tool("bash");
    let s = Session::start(&bash);
    let home_before = snapshot(&s.home());
    let pane = s.wait("the banner", |p| p.contains("sandbox ~"));
    let address = Session::mock_address(&pane);

    // Nothing of the user's AWS settings comes in.
    s.line("echo \"[${AWS_PROFILE-unset}] [${AWS_CONFIG_FILE-unset}]\"; ssoenv list --names | tr '\\n' ' '");
    let pane = s.wait_prompt(2);
    assert!(pane.contains("[unset] [unset]"), "{pane}");
    assert!(
        pane.contains("mock-dev mock-prod mock-legacy"),
        "the sandbox's profiles:\n{pane}"
    );
    assert!(
        !pane.contains("mock-mine "),
        "the user's profile leaked in:\n{pane}"
    );

    signs_in(&s);

    // TAB completes the sandbox's profile names, then the completed line runs.
    s.keys(&["-l", "awsuse mock-pr"]);
    s.keys(&["Tab"]);
    s.wait("completion", |p| p.contains("awsuse mock-prod "));
    s.keys(&["Enter"]);
    s.line("echo \"[$SSOENV_PROFILE]\"");
    s.wait("the switch", |p| p.contains("[mock-prod]"));

    // exec and populate against the mock.
    s.line("ssoenv exec -- env | grep -c '^AWS_ACCESS_KEY_ID='");
    s.line("ssoenv populate --sso-session mock");
    // The two configured profiles are kept; the mock's third role gets a new one.
    s.wait("populate", |p| {
        p.contains("kept profile \"mock-dev\"") && p.contains("wrote 1 profile")
    });

    s.exit_and_check(&address, &home_before);
}

#[test]
fn try_opens_a_sandbox_in_zsh_and_fish() {
    for shell in ["zsh", "fish"] {
        let program = tool(shell);
        let s = Session::start(&program);
        let home_before = snapshot(&s.home());
        let pane = s.wait(&format!("{shell}'s banner"), |p| p.contains("sandbox ~"));
        let address = Session::mock_address(&pane);
        signs_in(&s);
        s.exit_and_check(&address, &home_before);
    }
}

/// The launcher's clean-up also runs when it is hung up on (the terminal closes).
#[test]
fn try_cleans_up_when_the_terminal_closes() {
    let bash = tool("bash");
    let s = Session::start(&bash);
    let pane = s.wait("the banner", |p| p.contains("sandbox ~"));
    let address = Session::mock_address(&pane);
    assert!(TcpStream::connect(&address).is_ok(), "the mock is not up");
    let _ = s.tmux(&["kill-server"]).output();
    let tmp = s.scratch.path().join("tmp");
    let start = Instant::now();
    loop {
        let left = std::fs::read_dir(&tmp).expect("read TMPDIR").count();
        if left == 0 && TcpStream::connect(&address).is_err() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "after a hang-up: {left} sandbox folder(s) left or the mock still answers"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
