//! Helpers: a sandbox HOME with its own ~/.aws, and the built binary run inside it with an
//! environment that holds nothing of the developer's (no AWS_* variables, no real HOME).

use std::path::{Path, PathBuf};
use std::process::Output;

use std::process::Command;
use tempfile::TempDir;

pub struct Sandbox {
    pub dir: TempDir,
    envs: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        Sandbox {
            dir,
            envs: Vec::new(),
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn aws(&self, rel: &str) -> PathBuf {
        self.home().join(".aws").join(rel)
    }

    pub fn write_config(&self, text: &str) -> &Self {
        std::fs::write(self.aws("config"), text).unwrap();
        self
    }

    /// Sets a variable for every command this sandbox runs.
    pub fn env(&mut self, name: &str, value: impl AsRef<str>) -> &mut Self {
        self.envs.push((name.into(), value.as_ref().into()));
        self
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssoenv"));
        cmd.env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .current_dir(self.home())
            .args(args);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

/// Starts `cmd` with stdout and stderr captured, for tests that read it while it runs.
pub fn spawn_piped(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts failure with `code`, an empty stdout, and an `ssoenv: ` message on stderr.
#[track_caller]
pub fn assert_fails(out: &Output, code: i32) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout not empty on failure: {}",
        stdout(out)
    );
    err
}

/// Runs `cmd` to its end with stdin closed (a prompt nobody can answer must never hang it) and
/// its output drained as it comes (a chatty child cannot block on a full pipe); kills it and
/// fails the test, with its stderr so far, once `limit` passes: a bound on the test, not a timing
/// assertion. `what` names it in that message.
#[track_caller]
pub fn output_within(cmd: &mut Command, limit: std::time::Duration, what: &str) -> Output {
    use std::io::Read as _;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            pipe.read_to_end(&mut buf).unwrap();
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} was still running after {limit:?}; its stderr so far: {}",
                String::from_utf8_lossy(&err.join().unwrap())
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A JSON file, read and parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A script of `tests/support` (the botocore oracles and the like).
pub fn support_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(name)
}

/// The JSON an oracle printed (a botocore script and the like). Its failure fails the test, with
/// what it said on stderr.
#[track_caller]
pub fn json_of<T: serde::de::DeserializeOwned>(out: &Output, what: &str) -> T {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A program on PATH. A missing one fails the test with what to install: a test that cannot
/// run its oracle must not pass as `ok` (libtest has no way to report a skip decided at run
/// time). `.ci/run` installs every tool the tests use.
pub fn tool(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
        .unwrap_or_else(|| {
            missing(&format!(
                "{program} is not on PATH (Debian: apt-get install {})",
                debian_package(program)
            ))
        })
}

/// The real interpreter behind `python3` (a pyenv shim would need the real HOME), which must
/// have botocore: the interoperability tests check ssoenv's files against it.
pub fn python_with_botocore() -> PathBuf {
    Command::new("python3")
        .args(["-c", "import sys, botocore; print(sys.executable)"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| PathBuf::from(s.trim()))
        .unwrap_or_else(|| missing("python3 with botocore is not found (pip install botocore)"))
}

fn debian_package(program: &str) -> &str {
    match program {
        "script" => "bsdutils",
        other => other,
    }
}

#[track_caller]
fn missing(why: &str) -> ! {
    panic!("not run: this test needs a tool: {why}; or run .ci/run, which installs them all")
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Ends a tmux server and waits (5 s at most) for the programs in its panes to be gone.
/// `kill-server` returns before they have exited, and a shell hung up on still writes (bash its
/// history) into the sandbox that the caller is about to delete, leaving a half-deleted folder in
/// TMPDIR behind every run. `tmux` makes a command for the server with the given arguments.
pub fn stop_tmux(tmux: impl Fn(&[&str]) -> Command) {
    let panes = tmux(&["list-panes", "-a", "-F", "#{pane_pid}"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let _ = tmux(&["kill-server"]).output();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for pid in panes.split_whitespace() {
        // Reaped by init once the server is gone; /proc says when.
        while Path::new("/proc").join(pid).exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
