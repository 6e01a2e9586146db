//! The shell integration (`ssoenv init SHELL`) in real shells started without user configuration:
//! loading is silent and defines only the documented functions; `awsuse` against the mock sets,
//! switches back and clears; a failing `awsuse` changes nothing; the prompt counts down; profile
//! names complete (also on 5,000 profiles, quickly); the files pass their shells' linters; and the
//! picker works on a terminal, driven through tmux.
//!
//! A missing program (zsh, fish, shellcheck, tmux...) fails what needs it, saying what to install.
#![cfg(unix)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::engine::{CONFIG, World};
use crate::support::MockSso;
use crate::util::{stderr, stdout, tool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sh {
    Bash,
    Zsh,
    Fish,
}

impl Sh {
    const ALL: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];

    fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// Flags that keep the user's configuration out.
    fn flags(self) -> &'static [&'static str] {
        match self {
            Sh::Bash => &["--noprofile", "--norc"],
            Sh::Zsh => &["-f"],
            Sh::Fish => &["--no-config"],
        }
    }

    /// The one line a user adds to the start-up file.
    fn load(self) -> &'static str {
        match self {
            Sh::Bash => "eval \"$(ssoenv init bash)\"",
            Sh::Zsh => "eval \"$(ssoenv init zsh)\"",
            Sh::Fish => "ssoenv init fish | source",
        }
    }

    fn status(self) -> &'static str {
        match self {
            Sh::Fish => "$status",
            _ => "$?",
        }
    }

    /// A global, unexported shell variable.
    fn assign(self, name: &str, value: &str) -> String {
        let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
        match self {
            Sh::Fish => format!("set -g {name} '{quoted}'"),
            _ => format!("{name}='{}'", value.replace('\'', r"'\''")),
        }
    }
}

/// The three shells, each of which must be on PATH.
fn shells() -> Vec<(Sh, PathBuf)> {
    Sh::ALL
        .into_iter()
        .map(|sh| (sh, tool(sh.name())))
        .collect()
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_ssoenv"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf()
}

/// The environment a shell gets: the sandbox's (HOME, the mock, the browser), the built binary
/// first on PATH, and the shell's own state kept inside the sandbox.
fn environment(w: &World) -> Vec<(String, String)> {
    let probe = w.sb.cmd(&[]);
    let mut env: Vec<(String, String)> = probe
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string())))
        .filter(|(k, _)| k != "PATH")
        .collect();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(bin_dir()).chain(std::env::split_paths(&path)))
        .expect("PATH");
    let home = w.sb.home();
    env.extend([
        ("PATH".into(), path.to_string_lossy().into_owned()),
        (
            "XDG_CONFIG_HOME".into(),
            home.join("xdg/config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME".into(),
            home.join("xdg/data").display().to_string(),
        ),
        (
            "XDG_CACHE_HOME".into(),
            home.join("xdg/cache").display().to_string(),
        ),
        ("ZDOTDIR".into(), home.join("zdotdir").display().to_string()),
        ("LC_ALL".into(), "C.UTF-8".into()),
    ]);
    env
}

/// Runs `script` in a shell without user configuration, in the sandbox's HOME, with `extra`
/// variables in its environment.
fn run(w: &World, sh: Sh, program: &Path, script: &str, extra: &[(&str, &str)]) -> Output {
    let mut args = sh.flags().to_vec();
    args.extend(["-c", script]);
    run_shell(w, program, &args, extra)
}

/// Runs `program` with `args` (a shell, with flags that keep the user's configuration out) on
/// `environment(w)` with `extra` variables added, in the sandbox's HOME, stdin closed, no
/// terminal. Also runs `more_shells`' shells.
pub(crate) fn run_shell(
    w: &World,
    program: &Path,
    args: &[&str],
    extra: &[(&str, &str)],
) -> Output {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(environment(w))
        .env("TERM", "dumb")
        .current_dir(w.sb.home())
        .stdin(std::process::Stdio::null());
    for (k, v) in extra {
        command.env(k, v);
    }
    command.output().expect("start the shell")
}

pub(crate) fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub(crate) fn read(w: &World, name: &str) -> String {
    std::fs::read_to_string(w.sb.home().join(name))
        .unwrap_or_else(|e| panic!("{name} was not written: {e}"))
}

/// An `env -0` dump written by a script, without `_` (which bash sets for each child).
pub(crate) fn read_env(w: &World, name: &str) -> HashMap<String, String> {
    let mut env = crate::engine::env0(&read(w, name));
    env.remove("_");
    env.remove("SHLVL");
    env
}

fn is_documented_function(name: &str) -> bool {
    name == "awsuse" || name == "ssoenv_prompt" || name.starts_with("_ssoenv")
}

/// Names listed one a line in file `a` but not in `b`.
fn added(w: &World, before: &str, after: &str) -> Vec<String> {
    let before = read(w, before);
    let before: Vec<&str> = before.lines().collect();
    read(w, after)
        .lines()
        .filter(|l| !before.contains(l))
        .map(str::to_string)
        .collect()
}

#[test]
fn loading_is_silent_and_defines_only_the_documented_functions() {
    let w = World::new();
    for (sh, program) in shells() {
        // Everything a start-up line could change, before and after: functions, variables,
        // options, aliases, the prompt.
        let (functions, variables, state) = match sh {
            Sh::Bash => (
                "declare -F | cut -d' ' -f3",
                "compgen -v",
                "shopt -p; set +o; alias; trap -p; printf '%s|%s|%s\\n' \"$PS1\" \"$PS2\" \"${PROMPT_COMMAND-}\"",
            ),
            Sh::Zsh => (
                "print -l ${(k)functions}",
                "print -l ${(k)parameters}",
                "setopt; alias; print -r -- \"$PS1|$RPS1|${precmd_functions-}|${preexec_functions-}\"",
            ),
            Sh::Fish => ("functions -a -n", "set -n", "status features; abbr --list"),
        };
        for prelude in ["", "autoload -Uz compinit && compinit -u -D"] {
            if !prelude.is_empty() && sh != Sh::Zsh {
                continue;
            }
            let script = format!(
                "{prelude}\n{functions} > f1; {variables} > v1; {{ {state}; }} > s1\n\
                 {load} > load.out 2> load.err\n\
                 {functions} > f2; {variables} > v2; {{ {state}; }} > s2\n",
                load = sh.load()
            );
            let script = match sh {
                // fish groups with begin/end.
                Sh::Fish => script.replace("{ ", "begin; ").replace("; }", "; end"),
                _ => script,
            };
            let out = run(&w, sh, &program, &script, &[]);
            assert!(out.status.success(), "{sh:?}: {}", describe(&out));
            assert_eq!(
                read(&w, "load.out"),
                "",
                "{sh:?} {prelude}: loading printed"
            );
            assert_eq!(
                read(&w, "load.err"),
                "",
                "{sh:?} {prelude}: loading complained"
            );
            let new_functions = added(&w, "f1", "f2");
            for f in &new_functions {
                assert!(is_documented_function(f), "{sh:?} {prelude}: defines {f}");
            }
            for f in ["awsuse", "ssoenv_prompt"] {
                assert!(new_functions.iter().any(|n| n == f), "{sh:?}: no {f}");
            }
            // The only variables that may appear are the shell's own bookkeeping.
            let new_variables: Vec<String> = added(&w, "v1", "v2")
                .into_iter()
                .filter(|v| {
                    ![
                        "_",
                        "BASH_ARGC",
                        "BASH_ARGV",
                        "BASH_LINENO",
                        "BASH_SOURCE",
                        "FUNCNAME",
                        "PIPESTATUS",
                        // The one hook, documented: the refresh before each prompt.
                        "precmd_functions",
                        "PROMPT_COMMAND",
                    ]
                    .contains(&v.as_str())
                })
                .collect();
            assert!(
                new_variables.is_empty(),
                "{sh:?} {prelude}: sets {new_variables:?}"
            );
            // bash and zsh gain the one documented hook, first in line; nothing else changes.
            let after = read(&w, "s2");
            if sh != Sh::Fish {
                assert!(
                    after.contains("|_ssoenv_refresh"),
                    "{sh:?}: no hook: {after}"
                );
            }
            assert_eq!(
                read(&w, "s1"),
                after.replacen("_ssoenv_refresh", "", 1),
                "{sh:?} {prelude}: options, aliases or prompt changed"
            );
        }
    }
}

#[test]
fn zsh_registers_its_completers_only_when_compinit_ran() {
    let zsh = tool("zsh");
    let w = World::new();
    let script = "eval \"$(ssoenv init zsh)\"; print -r -- \"${_comps[awsuse]-none}\"\n\
                  autoload -Uz compinit && compinit -u -D\n\
                  eval \"$(ssoenv init zsh)\"; print -r -- \"$_comps[awsuse] $_comps[ssoenv]\"";
    let out = run(&w, Sh::Zsh, &zsh, script, &[]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        describe(&out)
    );
    assert_eq!(stdout(&out), "none\n_ssoenv_awsuse _ssoenv_complete\n");
}

#[test]
fn awsuse_sets_switches_back_and_clears() {
    for (sh, program) in shells() {
        let w = World::new().with_browser();
        let st = sh.status();
        let script = format!(
            "{load}\n\
             awsuse dev; echo {st} > st1; env -0 > e1; ssoenv_prompt > p1\n\
             awsuse prod; echo {st} > st2; env -0 > e2; printf '%s' \"$SSOENV_PREVIOUS_PROFILE\" > v2\n\
             awsuse -; echo {st} > st3; env -0 > e3; printf '%s' \"$SSOENV_PREVIOUS_PROFILE\" > v3\n\
             awsuse --unset; echo {st} > st4; env -0 > e4; printf '%s' \"$SSOENV_PREVIOUS_PROFILE\" > v4\n\
             awsuse -; echo {st} > st5; env -0 > e5\n",
            load = sh.load()
        );
        let out = run(&w, sh, &program, &script, &[("AWS_PROFILE", "stale")]);
        assert!(out.status.success(), "{sh:?}: {}", describe(&out));
        assert_eq!(stdout(&out), "", "{sh:?}: awsuse printed on stdout");
        for step in 1..=5 {
            assert_eq!(
                read(&w, &format!("st{step}")),
                "0\n",
                "{sh:?} step {step}: {}",
                describe(&out)
            );
        }
        let env = ["e1", "e2", "e3", "e4", "e5"].map(|e| read_env(&w, e));
        check_awsuse_round(&format!("{sh:?}"), &env, &read(&w, "p1"));
        assert_eq!(env[0]["AWS_SSO_PROFILE"], "dev");
        // The previous profile, kept unexported.
        assert_eq!(read(&w, "v2"), "dev");
        assert_eq!(read(&w, "v3"), "prod");
        assert_eq!(read(&w, "v4"), "dev");
    }
}

/// What `awsuse dev`, `awsuse prod`, `awsuse -`, `awsuse --unset` and `awsuse -` left, run in
/// that order with a stale AWS_PROFILE: `env`, the environment after each; `prompt`,
/// `ssoenv_prompt` after the first. `sh` names the shell in messages. Also checks `more_shells`.
pub(crate) fn check_awsuse_round(sh: &str, env: &[HashMap<String, String>; 5], prompt: &str) {
    let [e1, e2, e3, e4, e5] = env;
    assert!(e1["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{sh}: {e1:?}");
    assert!(!e1["AWS_SECRET_ACCESS_KEY"].is_empty() && !e1["AWS_SESSION_TOKEN"].is_empty());
    assert_eq!(e1["SSOENV_PROFILE"], "dev");
    assert_eq!(e1["AWS_REGION"], "eu-west-1");
    assert!(
        !e1.contains_key("AWS_PROFILE"),
        "{sh}: AWS_PROFILE survived"
    );
    assert!(is_countdown(prompt, "dev"), "{sh}: prompt {prompt:?}");

    assert_eq!(e2["SSOENV_PROFILE"], "prod");
    assert_eq!(e2["SSOENV_ACCOUNT_ID"], "222222222222");
    assert!(
        !e2.contains_key("SSOENV_PREVIOUS_PROFILE"),
        "{sh}: the previous profile was exported"
    );

    assert_eq!(e3["SSOENV_PROFILE"], "dev", "{sh}");
    assert_eq!(e3["SSOENV_ACCOUNT_ID"], "111111111111");

    for name in ssoenv::env::SET_BY_USE {
        assert!(!e4.contains_key(*name), "{sh}: --unset left {name}");
    }

    assert_eq!(e5["SSOENV_PROFILE"], "dev", "{sh}");
}

/// `dev 42m` or `dev 3h05m`.
pub(crate) fn is_countdown(text: &str, profile: &str) -> bool {
    let Some(left) = text.strip_prefix(profile).and_then(|t| t.strip_prefix(' ')) else {
        return false;
    };
    let Some(left) = left.strip_suffix('m') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match left.split_once('h') {
        Some((h, m)) => digits(h) && m.len() == 2 && digits(m),
        None => digits(left),
    }
}

/// The README's forms, typed with no --shell and no $SSOENV_SHELL in a shell that is not the
/// login shell ($SHELL names another): the output is for the shell that evaluates it, found as
/// ssoenv's parent process. Linux only: elsewhere there is no /proc to ask, and $SHELL decides.
#[test]
#[cfg(target_os = "linux")]
fn use_prints_for_the_shell_that_evaluates_not_the_login_shell() {
    let found = shells();
    let path = |want: Sh| found.iter().find(|(sh, _)| *sh == want).map(|(_, p)| p);
    let w = World::new().with_browser();
    // Signed in and the credentials cached first (a fetch is confirmed on stderr), so that
    // anything on stderr is the shell complaining about the output.
    let login = w.sb.run(&["use", "--shell", "bash", "dev"]);
    assert!(login.status.success(), "{}", describe(&login));
    for (sh, program) in &found {
        let other = if *sh == Sh::Fish { Sh::Bash } else { Sh::Fish };
        let Some(login_shell) = path(other) else {
            continue;
        };
        let script = match sh {
            Sh::Fish => "ssoenv use dev | source; echo $status > st; env -0 > e",
            _ => "eval \"$(ssoenv use dev)\"; echo $? > st; env -0 > e",
        };
        let login_shell = login_shell.to_string_lossy();
        let out = run(&w, *sh, program, script, &[("SHELL", &login_shell)]);
        assert_eq!(read(&w, "st"), "0\n", "{sh:?}: {}", describe(&out));
        assert!(out.stderr.is_empty(), "{sh:?}: {}", describe(&out));
        let env = read_env(&w, "e");
        assert_eq!(
            env.get("SSOENV_PROFILE").map(String::as_str),
            Some("dev"),
            "{sh:?} with SHELL={login_shell}: {}",
            describe(&out)
        );
        assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{sh:?}");
    }
}

#[test]
fn a_failing_awsuse_changes_nothing_and_fails() {
    for (sh, program) in shells() {
        // Logins are refused: a profile that exists fails too, after the browser was opened.
        let w = World::with_mock(MockSso::builder().interval(0).deny_authorize(true).start())
            .with_browser();
        let st = sh.status();
        let script = format!(
            "{load}\n{previous}\n\
             env -0 > before\n\
             awsuse nope; echo {st} > st1; env -0 > after1\n\
             awsuse dev; echo {st} > st2; env -0 > after2\n\
             printf '%s' \"$SSOENV_PREVIOUS_PROFILE\" > previous\n",
            load = sh.load(),
            previous = sh.assign("SSOENV_PREVIOUS_PROFILE", "older"),
        );
        let held = [
            ("AWS_ACCESS_KEY_ID", "AKIAHELD"),
            ("AWS_SECRET_ACCESS_KEY", "held-secret"),
            ("AWS_PROFILE", "held-profile"),
            ("SSOENV_PROFILE", "held"),
            ("AWS_REGION", "ap-south-1"),
        ];
        let out = run(&w, sh, &program, &script, &held);
        assert!(out.status.success(), "{sh:?}: {}", describe(&out));
        assert_eq!(stdout(&out), "", "{sh:?}");
        assert_eq!(read(&w, "st1"), "1\n", "{sh:?}: {}", describe(&out));
        assert_eq!(read(&w, "st2"), "1\n", "{sh:?}: {}", describe(&out));
        let before = read_env(&w, "before");
        assert_eq!(before["AWS_ACCESS_KEY_ID"], "AKIAHELD");
        assert_eq!(
            read_env(&w, "after1"),
            before,
            "{sh:?}: awsuse nope changed the environment"
        );
        assert_eq!(
            read_env(&w, "after2"),
            before,
            "{sh:?}: a refused login changed the environment"
        );
        assert_eq!(read(&w, "previous"), "older");
        let err = stderr(&out);
        assert!(err.contains("ssoenv: profile \"nope\""), "{sh:?}: {err}");
        assert!(err.contains("access_denied"), "{sh:?}: {err}");
    }
}

#[test]
fn awsuse_dash_without_a_previous_profile_fails() {
    let w = World::new();
    for (sh, program) in shells() {
        let script = format!("{}\nawsuse -; echo {} > st\n", sh.load(), sh.status());
        let out = run(&w, sh, &program, &script, &[]);
        assert_eq!(read(&w, "st"), "1\n", "{sh:?}: {}", describe(&out));
        assert_eq!(stderr(&out), "awsuse: no previous profile\n", "{sh:?}");
    }
}

#[test]
fn the_prompt_shows_the_profile_and_counts_down() {
    let w = World::new();
    let now = ssoenv::time::now();
    let cases: [(&str, String, &str); 7] = [
        ("dev", format!("{}", now + 42 * 60 + 30), "dev 42m"),
        (
            "dev",
            format!("{}", now + 3 * 3600 + 5 * 60 + 30),
            "dev 3h05m",
        ),
        (
            "Prod.Team",
            format!("{}", now + 30),
            "Prod.Team expiring 0m",
        ),
        ("dev", format!("{}", now + 9 * 60 + 30), "dev expiring 9m"),
        ("dev", format!("{}", now - 5), "dev expired"),
        // Not a number: no arithmetic on it (which could run code), the profile alone.
        ("dev", "a[$(touch pwned)]".into(), "dev"),
        ("", format!("{}", now + 600), ""),
    ];
    for (sh, program) in shells() {
        let mut script = format!("{}\n", sh.load());
        if sh != Sh::Fish {
            // bash and zsh compute it with builtins: no program can be found from here on.
            script.push_str("PATH=/nonexistent\n");
        }
        for (i, (profile, expires, _)) in cases.iter().enumerate() {
            script.push_str(&format!(
                "{}; {}; ssoenv_prompt > prompt{i}\n",
                sh.assign("SSOENV_PROFILE", profile),
                sh.assign("SSOENV_EXPIRES_AT", expires),
            ));
            if sh != Sh::Fish {
                script.push_str(&format!(
                    "ssoenv_prompt -v P; printf '%s' \"$P\" > vprompt{i}\n"
                ));
            }
        }
        let out = run(&w, sh, &program, &script, &[]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        for (i, (_, _, want)) in cases.iter().enumerate() {
            assert_eq!(read(&w, &format!("prompt{i}")), *want, "{sh:?} case {i}");
            if sh != Sh::Fish {
                assert_eq!(
                    read(&w, &format!("vprompt{i}")),
                    *want,
                    "{sh:?} -v case {i}"
                );
            }
        }
        assert!(!w.sb.home().join("pwned").exists(), "{sh:?} ran a value");
    }
}

/// The prompt lines README.md documents, rendered by the shell itself with no program on PATH:
/// `-v` fills a variable (no subshell), and zsh shows a `%` in a profile name as it is.
#[test]
fn the_documented_prompt_lines_render_without_a_subshell() {
    let w = World::new();
    let expires = ssoenv::time::now() + 42 * 60 + 30;
    for (sh, program) in shells() {
        let script = match sh {
            Sh::Bash => format!(
                "{}\nPATH=/nonexistent\nSSOENV_PROFILE='a%b'; SSOENV_EXPIRES_AT={expires}\n\
                 PS1='$ '\n\
                 PROMPT_COMMAND=\"ssoenv_prompt -v SSOENV_PS1${{PROMPT_COMMAND:+; $PROMPT_COMMAND}}\"\n\
                 PS1='${{SSOENV_PS1:+($SSOENV_PS1) }}'\"$PS1\"\n\
                 eval \"$PROMPT_COMMAND\"\nprintf '%s' \"${{PS1@P}}\" > rendered\n",
                sh.load()
            ),
            Sh::Zsh => format!(
                "{}\nPATH=/nonexistent\nSSOENV_PROFILE='a%b'; SSOENV_EXPIRES_AT={expires}\n\
                 PROMPT='$ '\nsetopt PROMPT_SUBST; precmd_functions+=(_ssoenv_precmd)\n\
                 PROMPT='${{SSOENV_PS1:+(${{SSOENV_PS1//\\%/%%}}) }}'$PROMPT\n\
                 for f in $precmd_functions; do $f; done\nprint -rnP -- \"$PROMPT\" > rendered\n",
                sh.load()
            ),
            Sh::Fish => continue,
        };
        let out = run(&w, sh, &program, &script, &[]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        assert_eq!(read(&w, "rendered"), "(a%b 42m) $ ", "{sh:?}");
    }
}

/// CONFIG plus a profile whose name needs quoting, and one that is not SSO.
fn completion_world() -> World {
    let w = World::new();
    let config = format!(
        "{CONFIG}\n[profile \"My Profile.Name\"]\nsso_session = corp\nsso_account_id = 333333333333\n\
         sso_role_name = Admin\n\n[profile keys]\naws_access_key_id = AKIAEXAMPLE\n"
    );
    w.sb.write_config(&config);
    w
}

/// Exactly `want` (in any order); for an empty `want`, no profile name (where none goes, the
/// shell's other completion, options or files, may answer).
fn check_answer(case: &str, got: &[&str], want: &[&str]) {
    if want.is_empty() {
        let names = [
            "dev",
            "prod",
            "legacy",
            "keys",
            "My Profile.Name",
            "My\\ Profile.Name",
        ];
        let offered: Vec<&&str> = got.iter().filter(|g| names.contains(g)).collect();
        assert!(offered.is_empty(), "{case}: offered {offered:?}");
        return;
    }
    let mut got = got.to_vec();
    let mut want = want.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{case}");
}

#[test]
fn bash_completes_profile_names_where_they_go() {
    let bash = tool("bash");
    let w = completion_world();
    // Calls the completer registered for the command, as bash does on TAB.
    let driver = r#"
t() {
    local f
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    f=$(complete -p "$1" | sed -E 's/.*-F ([^ ]+).*/\1/')
    "$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\n' "${COMPREPLY[@]}" '@@'
}
"#;
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["awsuse", ""],
            &["dev", "prod", "legacy", "My\\ Profile.Name", "keys"],
        ),
        (&["awsuse", "d"], &["dev"]),
        (&["awsuse", "My"], &["My\\ Profile.Name"]),
        (&["awsuse", "My\\ P"], &["My\\ Profile.Name"]),
        (&["awsuse", "'My P"], &["My Profile.Name"]),
        (&["awsuse", "--force-refresh", "p"], &["prod"]),
        (&["awsuse", "dev", ""], &[]),
        (&["awsuse", "--un"], &["--unset"]),
        (&["ssoenv", "use", "p"], &["prod"]),
        (&["ssoenv", "exec", "l"], &["legacy"]),
        (&["ssoenv", "login", "d"], &["dev"]),
        (
            &["ssoenv", "console", "--region", "eu-west-1", "d"],
            &["dev"],
        ),
        (&["ssoenv", "use", "-s", "bash", "d"], &["dev"]),
        (&["ssoenv", "use", "--shell", "=", "bash", "d"], &["dev"]),
        (&["ssoenv", "use", "dev", ""], &[]),
        (&["ssoenv", "exec", "dev", "--", "d"], &[]),
        (&["ssoenv", "list", "d"], &[]),
        // Everything else is clap's completion.
        (&["ssoenv", "us"], &["use"]),
        (&["ssoenv", "use", "--shell", "f"], &["fish"]),
        (&["ssoenv", "login", "--sso-session", "de"], &[]),
    ];
    let mut script = format!("{}\n{driver}", Sh::Bash.load());
    for (words, _) in cases {
        let quoted: Vec<String> = words
            .iter()
            .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
            .collect();
        script.push_str(&format!("t {}\n", quoted.join(" ")));
    }
    let out = run(&w, Sh::Bash, &bash, &script, &[]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        describe(&out)
    );
    let text = stdout(&out);
    let answers: Vec<Vec<&str>> = text.split("@@\n").map(|a| a.lines().collect()).collect();
    assert_eq!(answers.len(), cases.len() + 1, "{text}");
    for ((words, want), got) in cases.iter().zip(&answers) {
        check_answer(&format!("{words:?}"), got, want);
    }
}

#[test]
fn fish_completes_profile_names_where_they_go() {
    let fish = tool("fish");
    let w = completion_world();
    let cases: &[(&str, &[&str])] = &[
        ("awsuse d", &["dev"]),
        ("awsuse My", &["My Profile.Name"]),
        ("awsuse dev ", &[]),
        ("awsuse --un", &["--unset"]),
        ("ssoenv use p", &["prod"]),
        (
            "ssoenv exec ",
            &["dev", "prod", "legacy", "My Profile.Name", "keys"],
        ),
        ("ssoenv login --no-browser l", &["legacy"]),
        ("ssoenv console --region eu-west-1 d", &["dev"]),
        ("ssoenv us", &["use"]),
        ("ssoenv use --shell f", &["fish"]),
        ("ssoenv use dev d", &[]),
    ];
    let mut script = format!("{}\n", Sh::Fish.load());
    for (line, _) in cases {
        script.push_str(&format!("complete -C '{line}'; echo @@\n"));
    }
    let out = run(&w, Sh::Fish, &fish, &script, &[]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        describe(&out)
    );
    let text = stdout(&out);
    let answers: Vec<Vec<&str>> = text
        .split("@@\n")
        .map(|a| {
            a.lines()
                .map(|l| l.split('\t').next().unwrap_or(l))
                .collect()
        })
        .collect();
    for ((line, want), got) in cases.iter().zip(&answers) {
        check_answer(line, got, want);
    }
}

/// A tmux server of its own (its own socket, in the sandbox), one window of 120×30 running a
/// shell; killed when dropped. Also used by `chains` (an MFA code typed at the terminal).
pub(crate) struct Tmux {
    socket: String,
    env: Vec<(String, String)>,
    dir: PathBuf,
}

static TMUX_SERVERS: AtomicUsize = AtomicUsize::new(0);
pub(crate) const PROMPT: &str = "ssoenv-test$ ";

impl Tmux {
    pub(crate) fn start(w: &World, shell: &[&str]) -> Tmux {
        tool("tmux");
        let n = TMUX_SERVERS.fetch_add(1, Ordering::SeqCst);
        let tmux = Tmux {
            socket: format!("ssoenv-{}-{n}", std::process::id()),
            env: environment(w),
            dir: w.sb.home().to_path_buf(),
        };
        let mut args = vec!["new-session", "-d", "-x", "120", "-y", "30", "--"];
        args.extend_from_slice(shell);
        let out = tmux.command(&args).output().expect("tmux");
        assert!(out.status.success(), "tmux: {}", describe(&out));
        tmux
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("TMUX_TMPDIR", &self.dir)
            .env("TERM", "xterm-256color")
            .env("PS1", PROMPT)
            .current_dir(&self.dir);
        command
    }

    /// Types `text` as it is.
    pub(crate) fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    /// Presses keys by tmux name (`Enter`, `Tab`, `Escape`, `C-c`, `C-u`).
    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        let out = self.command(&args).output().expect("tmux send-keys");
        assert!(out.status.success(), "send-keys: {}", describe(&out));
    }

    pub(crate) fn pane(&self) -> String {
        let out = self
            .command(&["capture-pane", "-p", "-t", "0"])
            .output()
            .expect("tmux capture-pane");
        stdout(&out)
    }

    /// Waits (up to 20 s) until the pane satisfies `ready`, and returns it.
    pub(crate) fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let pane = self.pane();
            if ready(&pane) {
                return pane;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; the pane:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Waits for the `n`th prompt: the shell is ready for the next line.
    pub(crate) fn wait_prompt(&self, n: usize) -> String {
        self.wait(&format!("prompt #{n}"), |p| {
            p.matches(PROMPT.trim_end()).count() >= n
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        crate::util::stop_tmux(|args| self.command(args));
    }
}

/// The line the cursor is on: the last one that is not blank.
pub(crate) fn current_line(pane: &str) -> &str {
    pane.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_end()
}

#[test]
fn the_picker_works_on_a_terminal() {
    let bash = tool("bash");
    let w = World::new().with_browser();
    let bash = bash.to_string_lossy().into_owned();
    let t = Tmux::start(&w, &[&bash, "--noprofile", "--norc"]);
    t.wait_prompt(1);
    // The terminal's settings, to see the picker put them back however it ends.
    t.type_text(&format!("{}; saved=$(stty -g)", Sh::Bash.load()));
    t.keys(&["Enter"]);
    t.wait_prompt(2);
    let status = "echo \"status=$? profile=$SSOENV_PROFILE tty=$([ \"$(stty -g)\" = \"$saved\" ] \
                  && echo same || echo changed)\"";

    // The filter line edits as a shell's does, says when nothing matches, and picks "prod".
    t.type_text("awsuse");
    t.keys(&["Enter"]);
    let pane = t.wait("the picker", |p| {
        p.contains("AWS profile:") && p.contains("legacy")
    });
    assert!(pane.contains("111111111111/AdministratorAccess"), "{pane}");
    assert!(pane.contains("222222222222/ReadOnly"), "{pane}");
    // The filter line as drawn (the frame lies below it).
    let filter_line = |p: &str| {
        let line = p.lines().rfind(|l| l.contains("AWS profile:"));
        line.unwrap_or_default().trim_end().to_string()
    };
    t.type_text("zz prod");
    let pane = t.wait("nothing to match", |p| {
        p.contains("no profile matches \"zz prod\"")
    });
    assert_eq!(filter_line(&pane), "? AWS profile: zz prod", "{pane}");
    // Enter picks nothing when nothing matches: the picker stays for the keys that follow.
    t.keys(&["Enter"]);
    t.keys(&["C-w"]);
    let pane = t.wait("Ctrl-W to delete a word", |p| {
        p.contains("no profile matches \"zz \"")
    });
    assert_eq!(filter_line(&pane), "? AWS profile: zz", "{pane}");
    t.keys(&["C-u"]);
    let pane = t.wait("Ctrl-U to empty the line", |p| {
        let picker = p.rsplit("AWS profile:").next().unwrap_or_default();
        !p.contains("no profile matches") && picker.contains("legacy")
    });
    assert_eq!(filter_line(&pane), "? AWS profile:", "{pane}");
    t.type_text("rod");
    t.keys(&["C-a"]);
    t.type_text("p");
    let pane = t.wait("the filtered list", |p| {
        let picker = p.rsplit("AWS profile:").next().unwrap_or_default();
        picker.contains("prod") && !picker.contains("AdministratorAccess")
    });
    assert_eq!(filter_line(&pane), "? AWS profile: prod", "{pane}");
    t.keys(&["Enter"]);
    t.wait_prompt(3);
    t.type_text(status);
    t.keys(&["Enter"]);
    t.wait("prod to be active", |p| {
        p.contains("status=0 profile=prod tty=same")
    });
    t.wait_prompt(4);

    // The picker starts on the active profile; Escape picks nothing and fails.
    t.type_text("awsuse");
    t.keys(&["Enter"]);
    let pane = t.wait("the picker again", |p| {
        p.matches("AWS profile:").count() >= 2
    });
    let chosen = pane
        .lines()
        .rev()
        .find(|l| l.starts_with('>'))
        .unwrap_or_default();
    assert!(chosen.contains("prod"), "cursor on {chosen:?}\n{pane}");
    t.keys(&["Escape"]);
    t.wait_prompt(5);
    t.type_text(status);
    t.keys(&["Enter"]);
    let pane = t.wait("the status after Escape", |p| {
        p.contains("status=1 profile=prod tty=same")
    });
    // Escape and Ctrl-C say the same thing; only their statuses differ.
    assert_eq!(
        pane.matches("\nssoenv: no profile chosen\n").count(),
        1,
        "{pane}"
    );
    t.wait_prompt(6);

    // Ctrl-C: 130, as for an interrupted command.
    t.type_text("awsuse");
    t.keys(&["Enter"]);
    t.wait("the picker a third time", |p| {
        p.matches("AWS profile:").count() >= 3
    });
    t.keys(&["C-c"]);
    t.wait_prompt(7);
    t.type_text(status);
    t.keys(&["Enter"]);
    let pane = t.wait("the status after Ctrl-C", |p| {
        p.contains("status=130 profile=prod tty=same")
    });
    assert_eq!(
        pane.matches("\nssoenv: no profile chosen\n").count(),
        2,
        "{pane}"
    );
    t.wait_prompt(8);

    // The picker never writes to stdout: with stdout in a file, the file holds only the code.
    t.type_text("ssoenv use --shell bash > picked.sh; echo \"use-status=$?\"");
    t.keys(&["Enter"]);
    t.wait("the picker a fourth time", |p| {
        p.matches("AWS profile:").count() >= 4
    });
    t.type_text("leg");
    t.wait("legacy alone", |p| {
        let picker = p.rsplit("AWS profile:").next().unwrap_or_default();
        picker.contains("legacy") && !picker.contains("prod")
    });
    t.keys(&["Enter"]);
    t.wait("the status of use", |p| p.contains("use-status=0"));
    let code = read(&w, "picked.sh");
    assert!(code.contains("export SSOENV_PROFILE='legacy'\n"), "{code}");
    assert!(
        code.lines()
            .all(|l| l.starts_with("export ") || l.starts_with("unset -v ")),
        "{code:?}"
    );
}

#[test]
fn zsh_completes_profile_names_at_a_real_prompt() {
    let zsh = tool("zsh");
    let w = completion_world();
    let zsh = zsh.to_string_lossy().into_owned();
    let t = Tmux::start(&w, &[&zsh, "-f"]);
    t.type_text(&format!(
        "PS1='{PROMPT}'; autoload -Uz compinit && compinit -u -D && {}",
        Sh::Zsh.load()
    ));
    t.keys(&["Enter"]);
    t.wait_prompt(1);
    for (typed, want) in [
        ("awsuse pr", "awsuse prod"),
        ("awsuse My", "awsuse My\\ Profile.Name"),
        ("ssoenv exec l", "ssoenv exec legacy"),
        ("ssoenv us", "ssoenv use"),
        ("ssoenv use --shell f", "ssoenv use --shell fish"),
    ] {
        t.type_text(typed);
        t.keys(&["Tab"]);
        let want = format!("{}{want}", PROMPT);
        t.wait(&format!("{typed:?} to complete"), |p| {
            current_line(p) == want
        });
        t.keys(&["C-u"]);
        t.wait("an empty line", |p| current_line(p) == PROMPT.trim_end());
    }
}

#[test]
fn the_files_pass_their_linters() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shell");
    let check = |program: &str, args: &[&str]| {
        let path = tool(program);
        let out = Command::new(path)
            .args(args)
            .current_dir(&dir)
            .output()
            .expect(program);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            describe(&out)
        );
    };
    check("shellcheck", &["-s", "bash", "ssoenv.bash"]);
    // shellcheck does not read zsh; zsh's own parser checks the syntax.
    check("zsh", &["-n", "ssoenv.zsh"]);
    check("fish", &["-n", "ssoenv.fish"]);
    check("fish_indent", &["--check", "ssoenv.fish"]);
    // What `ssoenv init` prints, with clap's completion in front, parses too.
    let w = World::new();
    for (program, shell, args) in [
        ("bash", "bash", &["--noprofile", "--norc", "-n"][..]),
        ("zsh", "zsh", &["-f", "-n"][..]),
        ("fish", "fish", &["--no-config", "-n"][..]),
    ] {
        let path = tool(program);
        let out = w.sb.run(&["init", shell]);
        assert!(out.status.success(), "{}", describe(&out));
        let file = w.sb.home().join(format!("init.{shell}"));
        std::fs::write(&file, &out.stdout).expect("write");
        let out = Command::new(path)
            .args(args)
            .arg(&file)
            .output()
            .expect(program);
        assert!(
            out.status.success(),
            "{program} -n on init {shell}: {}",
            describe(&out)
        );
    }
}

#[test]
fn init_prints_each_integration_and_refuses_json() {
    let w = World::new();
    for (shell, marker) in [
        ("bash", "awsuse() {"),
        ("zsh", "function awsuse {"),
        ("fish", "function awsuse"),
        ("powershell", "function awsuse {"),
        (
            "pwsh",
            "Register-ArgumentCompleter -Native -CommandName ssoenv",
        ),
        ("cmd", "@echo off\r\n"),
    ] {
        let out = w.sb.run(&["init", shell]);
        assert!(out.status.success(), "{shell}: {}", describe(&out));
        assert!(stdout(&out).contains(marker), "{shell}");
        assert!(out.stderr.is_empty());
    }
    let out = w.sb.run(&["init", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("no shell integration for json"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_a_terminal_use_takes_the_default_profile() {
    // Standard input is not a terminal here: no picker, $AWS_PROFILE as before.
    let mut w = World::new().with_browser();
    w.sb.env("AWS_PROFILE", "prod");
    let env = w.use_ok(&[]);
    assert_eq!(env["SSOENV_PROFILE"], "prod");
}

/// 5,000 profiles, as `ssoenv populate` writes for a large organisation.
fn big_config() -> String {
    let mut config = String::from(
        "[sso-session corp]\nsso_start_url = https://mock.awsapps.com/start\nsso_region = us-east-1\n",
    );
    for i in 0..5000 {
        config.push_str(&format!(
            "\n[profile acct-{i:04}-Admin.Role]\nsso_session = corp\nsso_account_id = {}\n\
             sso_role_name = AdministratorAccess\nregion = eu-west-1\n",
            100_000_000_000u64 + i
        ));
    }
    config
}

/// Milliseconds, the best of `runs`.
fn best_of(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..runs).map(|_| f()).fold(f64::INFINITY, f64::min)
}

#[test]
fn completion_works_on_five_thousand_profiles() {
    let w = World::new();
    w.sb.write_config(&big_config());
    let list = best_of(5, || {
        let start = Instant::now();
        let out = w.sb.run(&["list", "--names"]);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(stdout(&out).lines().count(), 5000);
        ms
    });
    // The shells' completers, timed inside the shell (no shell start-up): `ssoenv list --names`
    // plus the shell's own filtering and quoting.
    let mut timings = vec![format!("ssoenv list --names: {list:.1} ms")];
    for (sh, program) in shells() {
        // Each prints "MICROSECONDS COUNT" three times.
        let script = match sh {
            Sh::Bash => format!(
                "{}\nfor i in 1 2 3; do s=${{EPOCHREALTIME/./}}; \
                 COMP_WORDS=(awsuse acct-01); COMP_CWORD=1; COMPREPLY=(); _ssoenv_awsuse; \
                 e=${{EPOCHREALTIME/./}}; echo $((e - s)) ${{#COMPREPLY[@]}}; done",
                sh.load()
            ),
            // compadd exists only inside a completion widget: count what it is given.
            Sh::Zsh => format!(
                "{}\nzmodload zsh/datetime\ncompadd() {{ n=$(( $# - 1 )) }}\n\
                 for i in 1 2 3; do s=$EPOCHREALTIME; \
                 words=(awsuse acct-01); CURRENT=2; PREFIX=acct-01; _ssoenv_awsuse; \
                 e=$EPOCHREALTIME; echo $(( (e - s) * 1000000 )) $n; done",
                sh.load()
            ),
            Sh::Fish => format!(
                "{}\nfor i in 1 2 3; set s (date +%s%6N); \
                 set n (complete -C 'awsuse acct-01' | count); \
                 set e (date +%s%6N); echo (math $e - $s) $n; end",
                sh.load()
            ),
        };
        let out = run(&w, sh, &program, &script, &[]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        let text = stdout(&out);
        let mut best = f64::INFINITY;
        for line in text.lines() {
            let (us, n) = line
                .split_once(' ')
                .unwrap_or_else(|| panic!("{sh:?}: {text}"));
            let n: usize = n.parse().unwrap_or_else(|_| panic!("{sh:?}: {text}"));
            // Names that start with acct-01: acct-0100 … acct-0199, and zsh's compadd gets all
            // 5,000 (it matches them itself).
            let want = if sh == Sh::Zsh { 5000 } else { 100 };
            assert_eq!(n, want, "{sh:?}: {text}");
            let ms: f64 = us
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{sh:?}: {text}"))
                / 1000.0;
            best = best.min(ms);
        }
        timings.push(format!("{} completion: {best:.1} ms", sh.name()));
    }
    // Timings are reported, not asserted: a loaded CI machine is no place to judge speed.
    // bench/run measures completion on 10,000 profiles next to a floor.
    eprintln!("5,000 profiles: {}", timings.join(", "));
}

/// Profile names that run `touch pwned` when pasted unquoted into a shell.
const HOSTILE_NAMES: [&str; 2] = ["$(touch pwned)", "x';touch pwned;#"];

/// CONFIG plus a profile for each hostile name (quoted in the header, as botocore reads them).
fn hostile_world() -> World {
    let w = World::new().with_browser();
    let mut config = CONFIG.to_string();
    for name in HOSTILE_NAMES {
        config.push_str(&format!(
            "\n[profile \"{name}\"]\nsso_session = corp\nsso_account_id = 111111111111\n\
             sso_role_name = ReadOnly\n"
        ));
    }
    w.sb.write_config(&config);
    w
}

/// The text between the first `start` after `after` and the `end` that follows it.
fn between<'a>(text: &'a str, after: &str, start: &str, end: &str) -> &'a str {
    let rest = text
        .find(after)
        .map(|at| &text[at + after.len()..])
        .unwrap_or_else(|| panic!("no {after:?} in {text}"));
    let rest = rest
        .find(start)
        .map(|at| &rest[at + start.len()..])
        .unwrap_or_else(|| panic!("no {start:?} after {after:?} in {text}"));
    rest.find(end)
        .map(|at| &rest[..at])
        .unwrap_or_else(|| panic!("no {end:?} after {after:?} in {text}"))
}

/// Pastes `line` into `sh` (bash with the integration loaded, so that `awsuse` exists), then
/// checks that nothing ran and, for a `use`, that exactly `name` became active.
fn paste(w: &World, sh: Sh, line: &str, name: &str, activates: bool) {
    let program = tool(sh.name());
    let _ = std::fs::remove_file(w.sb.home().join("e"));
    let script = format!("{}\n{line}\nenv -0 > e\n", sh.load());
    let out = run(w, sh, &program, &script, &[]);
    assert!(
        !w.sb.home().join("pwned").exists(),
        "pasting {line:?} into {sh:?} ran a command: {}",
        describe(&out)
    );
    if activates {
        let env = read_env(w, "e");
        assert_eq!(
            env.get("SSOENV_PROFILE").map(String::as_str),
            Some(name),
            "{sh:?} {line:?}: {}",
            describe(&out)
        );
    }
}

/// Every command line a message suggests names the profile as one word that the shell it is
/// pasted into reads back as the name: `use`'s hint on a terminal (eval, fish, awsuse) and
/// `credential-process`'s `ssoenv login NAME`.
#[test]
fn suggested_commands_paste_safely_for_a_hostile_name() {
    tool("script");
    let w = hostile_world();
    let env = environment(&w);
    for name in HOSTILE_NAMES {
        // script(1) gives `use` a terminal for stdout, as an interactive shell does.
        let out = Command::new("script")
            .arg("-qec")
            .arg(format!("ssoenv use {} 2>&1", ssoenv::shell::quote(name)))
            .arg("/dev/null")
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(w.sb.home())
            .output()
            .expect("script");
        let screen = String::from_utf8_lossy(&out.stdout).replace('\r', "");
        assert!(out.status.success(), "{screen}");
        let eval = format!(
            "eval \"{}\"",
            between(&screen, "run:", "eval \"", "\"     (bash")
        );
        let fish = between(&screen, "(bash, zsh)", "ssoenv:   ", "     (fish)").to_string();
        let awsuse = between(&screen, "shell integration", "`", "`").to_string();
        for (sh, line) in [(Sh::Bash, &eval), (Sh::Zsh, &eval), (Sh::Fish, &fish)] {
            paste(&w, sh, line, name, true);
        }
        for sh in Sh::ALL {
            paste(&w, sh, &awsuse, name, true);
        }

        // stderr is not a terminal: credential-process tells how to sign in instead.
        let out = w.sb.run(&["logout", "--all"]);
        assert!(out.status.success(), "{}", describe(&out));
        let out = w.sb.run(&["credential-process", name]);
        let err = stderr(&out);
        let login = between(&err, "hint:", "`", "`").to_string();
        assert!(login.starts_with("ssoenv login "), "{err}");
        for sh in Sh::ALL {
            paste(&w, sh, &login, name, false);
        }
        let out = w.sb.run(&["credential-process", name]);
        assert!(
            out.status.success(),
            "{login:?} did not sign in: {}",
            describe(&out)
        );
    }

    // configure's summary, for a name it accepts (no quotes, spaces or `;`).
    let name = "p$(touch${IFS}pwned)";
    let out = w.sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "111111111111",
        "--role-name",
        "ReadOnly",
        "--profile",
        name,
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{}", describe(&out));
    let eval = format!(
        "eval \"{}\"",
        between(&err, "use it:", "eval \"", "\"  (or")
    );
    let awsuse = between(&err, "use it:", "`", "`").to_string();
    paste(&w, Sh::Bash, &eval, name, true);
    for sh in Sh::ALL {
        paste(&w, sh, &awsuse, name, true);
    }
}

/// `awsuse dev` (region eu-west-1) then `awsuse prod` (none): dev's region goes with dev, for
/// `exec` too; a region the person set, before any awsuse or since the last one, stays.
#[test]
fn a_region_ssoenv_set_never_follows_into_a_profile_without_one() {
    for (sh, program) in shells() {
        let w = World::new().with_browser();
        let script = format!(
            "{}\n\
             awsuse prod; env -0 > e0\n\
             awsuse dev; env -0 > e1\n\
             ssoenv exec prod -- env -0 > x1\n\
             awsuse prod; env -0 > e2\n\
             awsuse dev; export AWS_REGION=us-west-2; awsuse prod; env -0 > e3\n",
            sh.load()
        );
        let user_set = [
            ("AWS_REGION", "ap-south-1"),
            ("AWS_DEFAULT_REGION", "ap-south-1"),
        ];
        let out = run(&w, sh, &program, &script, &user_set);
        let regions = |file: &str| {
            let env = read_env(&w, file);
            ["AWS_REGION", "AWS_DEFAULT_REGION", "SSOENV_REGION"]
                .map(|name| env.get(name).cloned().unwrap_or_default())
        };
        let context = format!("{sh:?}: {}", describe(&out));
        assert_eq!(regions("e0"), ["ap-south-1", "ap-south-1", ""], "{context}");
        assert_eq!(
            regions("e1"),
            ["eu-west-1", "eu-west-1", "eu-west-1"],
            "{context}"
        );
        assert_eq!(regions("x1"), ["", "", ""], "exec: {context}");
        assert_eq!(regions("e2"), ["", "", ""], "{context}");
        assert_eq!(regions("e3"), ["us-west-2", "", ""], "{context}");
        assert_eq!(read_env(&w, "e3")["SSOENV_PROFILE"], "prod", "{context}");
    }
}

/// `awsuse --help`, `-h`, `-V` (also after a profile, after --unset, or in a cluster) print
/// awsuse's usage and `ssoenv use`'s options, or the version, and evaluate nothing; an option
/// that merely holds an h (`--force-refresh`) still switches.
#[test]
fn awsuse_help_and_version_are_printed_not_evaluated() {
    let w = World::new().with_browser();
    let version = format!("ssoenv {}\n", env!("CARGO_PKG_VERSION"));
    let cases: [(&str, bool); 8] = [
        ("--help", true),
        ("-h", true),
        ("dev -h", true),
        ("--unset --help", true),
        ("- -h", true),
        ("-V", false),
        ("--version", false),
        ("dev -hV", true),
    ];
    for (sh, program) in shells() {
        let st = sh.status();
        let mut script = format!("{}\nenv -0 > before\n", sh.load());
        for (i, (args, _)) in cases.iter().enumerate() {
            script.push_str(&format!(
                "awsuse {args} > out{i} 2> err{i}; echo {st} > st{i}; env -0 > env{i}\n"
            ));
        }
        script.push_str("awsuse dev --force-refresh; env -0 > switched\n");
        let out = run(&w, sh, &program, &script, &[]);
        let before = read_env(&w, "before");
        for (i, (args, help)) in cases.iter().enumerate() {
            let context = format!("{sh:?} awsuse {args}: {}", describe(&out));
            let printed = read(&w, &format!("out{i}"));
            assert_eq!(read(&w, &format!("st{i}")), "0\n", "{context}");
            assert_eq!(read(&w, &format!("err{i}")), "", "{context}");
            if *help {
                assert!(
                    printed.starts_with("Usage: awsuse [PROFILE]"),
                    "{context}\n{printed}"
                );
                assert!(
                    printed.contains("\nUsage: ssoenv use [OPTIONS] [PROFILE]")
                        && printed.contains("--force-refresh"),
                    "{context}\n{printed}"
                );
            } else {
                assert_eq!(printed, version, "{context}");
            }
            assert_eq!(read_env(&w, &format!("env{i}")), before, "{context}");
        }
        let switched = read_env(&w, "switched");
        assert_eq!(
            switched.get("SSOENV_PROFILE").map(String::as_str),
            Some("dev"),
            "{sh:?}: {}",
            describe(&out)
        );
    }
}

/// In a real interactive bash, TAB after an opening `'` or `"` writes the name for that quote
/// (readline inserts the reply as it is and closes the quote), so Enter selects exactly that
/// profile and runs nothing; a name that cannot be written inside `"` while history expansion
/// is on (it holds `!`) is not offered there.
#[test]
fn bash_completion_after_a_quote_runs_nothing() {
    let bash = tool("bash");
    let w = World::new().with_browser();
    let names = [
        "x';touch pwned;#",
        "y$(touch pwned)",
        "z`touch pwned`",
        "w\"q",
        "v!!b",
    ];
    let mut config = CONFIG.to_string();
    for name in names {
        let header = name.replace('"', "\\\"");
        config.push_str(&format!(
            "\n[profile \"{header}\"]\nsso_session = corp\nsso_account_id = 111111111111\n\
             sso_role_name = ReadOnly\n"
        ));
    }
    w.sb.write_config(&config);
    let listed = stdout(&w.sb.run(&["list", "--names"]));
    for name in names {
        assert!(
            listed.lines().any(|l| l == name),
            "{name:?} not in {listed}"
        );
    }
    let bash = bash.to_string_lossy().into_owned();
    let t = Tmux::start(&w, &[&bash, "--noprofile", "--norc"]);
    t.wait_prompt(1);
    t.type_text(Sh::Bash.load());
    t.keys(&["Enter"]);
    t.wait_prompt(2);
    let mut prompts = 2;
    for (typed, completed, name) in [
        ("awsuse 'x", "awsuse 'x'\\'';touch pwned;#'", names[0]),
        ("awsuse \"y", "awsuse \"y\\$(touch pwned)\"", names[1]),
        ("awsuse 'y", "awsuse 'y$(touch pwned)'", names[1]),
        ("awsuse \"z", "awsuse \"z\\`touch pwned\\`\"", names[2]),
        ("awsuse \"w", "awsuse \"w\\\"q\"", names[3]),
        ("awsuse 'v", "awsuse 'v!!b'", names[4]),
    ] {
        t.type_text(typed);
        t.keys(&["Tab"]);
        let want = format!("{PROMPT}{completed}");
        t.wait(&format!("{typed:?} to complete"), |p| {
            current_line(p) == want
        });
        t.keys(&["Enter"]);
        prompts += 1;
        t.wait_prompt(prompts);
        t.type_text("echo \"status=$? profile=[$SSOENV_PROFILE]\"");
        t.keys(&["Enter"]);
        let shown = format!("status=0 profile=[{name}]");
        t.wait(&format!("{name:?} to be active"), |p| p.contains(&shown));
        prompts += 1;
        t.wait_prompt(prompts);
        assert!(
            !w.sb.home().join("pwned").exists(),
            "{typed:?}: ran a command"
        );
    }
    // `!` cannot be written inside double quotes while history expansion is on: not offered.
    // Readline takes keys in order: what follows TAB shows whether TAB inserted anything.
    t.type_text("awsuse \"v");
    t.keys(&["Tab"]);
    t.type_text("@");
    let pane = t.wait("the line after TAB", |p| current_line(p).ends_with('@'));
    assert_eq!(
        current_line(&pane),
        format!("{PROMPT}awsuse \"v@"),
        "{pane}"
    );
    // ssoenv's own completer writes names the same way.
    t.keys(&["C-u"]);
    t.type_text("ssoenv use 'x");
    t.keys(&["Tab"]);
    let want = format!("{PROMPT}ssoenv use 'x'\\'';touch pwned;#'");
    t.wait("ssoenv use 'x to complete", |p| current_line(p) == want);
    assert!(!w.sb.home().join("pwned").exists());
}

/// The quiet refresh before the prompt, in interactive bash, zsh and fish on a terminal: role
/// credentials that last 5 minutes (inside the 10-minute window, so every prompt refreshes) are
/// replaced before the next prompt with nothing printed; once a sign-in is needed the variables
/// stay as they were and the prompt segment says "expiring", then "expired". No sign-in starts.
#[test]
fn the_prompt_refreshes_credentials_quietly_and_keeps_them_when_a_sign_in_is_needed() {
    for (sh, program) in shells() {
        let w = World::short_lived(8 * 3600);
        let program = program.to_string_lossy().into_owned();
        let mut shell = vec![program.as_str()];
        shell.extend_from_slice(sh.flags());
        let setup = match sh {
            Sh::Bash => format!(
                "{}; PROMPT_COMMAND=\"ssoenv_prompt -v SSOENV_PS1${{PROMPT_COMMAND:+; $PROMPT_COMMAND}}\"; \
                 PS1='[$SSOENV_PS1] {REFRESH_MARK} '; SSOENV_NO_REFRESH=1",
                sh.load()
            ),
            Sh::Zsh => format!(
                "{}; setopt PROMPT_SUBST; precmd_functions+=(_ssoenv_precmd); \
                 PROMPT='[$SSOENV_PS1] {REFRESH_MARK} '; SSOENV_NO_REFRESH=1",
                sh.load()
            ),
            Sh::Fish => format!(
                "{}; function fish_prompt; printf '[%s] {REFRESH_MARK} ' (ssoenv_prompt); end; \
                 set -g SSOENV_NO_REFRESH 1",
                sh.load()
            ),
        };
        let steps = RefreshSteps {
            first: None,
            setup,
            save_key: &|n| format!("printf %s \"$AWS_ACCESS_KEY_ID\" > key{n}"),
            allow_refresh: match sh {
                Sh::Fish => "set -e SSOENV_NO_REFRESH",
                _ => "unset SSOENV_NO_REFRESH",
            },
            expire: match sh {
                Sh::Fish => "set -gx SSOENV_EXPIRES_AT (math (_ssoenv_now) - 5)",
                Sh::Bash => "SSOENV_EXPIRES_AT=$((EPOCHSECONDS - 5))",
                Sh::Zsh => "zmodload zsh/datetime; SSOENV_EXPIRES_AT=$((EPOCHSECONDS - 5))",
            },
            nothing: "true",
        };
        check_prompt_refresh(&w, &format!("{sh:?}"), &shell, &steps);
    }
}

/// What ends the prompt of `check_prompt_refresh`'s shells.
pub(crate) const REFRESH_MARK: &str = "refresh-test$";

/// One shell's lines for `check_prompt_refresh`.
pub(crate) struct RefreshSteps<'a> {
    /// Typed once the shell has started, with no prompt waited for after it.
    pub(crate) first: Option<&'a str>,
    /// Loads ssoenv, shows the prompt segment as `[segment] REFRESH_MARK `, and sets
    /// SSOENV_NO_REFRESH.
    pub(crate) setup: String,
    /// Writes `$AWS_ACCESS_KEY_ID` to the file `key{n}`.
    pub(crate) save_key: &'a dyn Fn(usize) -> String,
    /// Unsets SSOENV_NO_REFRESH.
    pub(crate) allow_refresh: &'a str,
    /// Sets SSOENV_EXPIRES_AT to 5 seconds ago.
    pub(crate) expire: &'a str,
    /// Does nothing (for one more prompt).
    pub(crate) nothing: &'a str,
}

/// The quiet refresh before the prompt, in `shell` (a command line) on a tmux terminal, in `w`
/// (`World::short_lived`): new keys before the next prompt with nothing printed, but not while
/// SSOENV_NO_REFRESH is set; once a sign-in is needed the variables stay as they were and the
/// prompt segment says "expiring", then "expired". No sign-in starts. `sh` names the shell in
/// messages. Also run by `more_shells` (nu, elvish, xonsh).
pub(crate) fn check_prompt_refresh(w: &World, sh: &str, shell: &[&str], steps: &RefreshSteps) {
    let t = Tmux::start(w, shell);
    let prompts = |p: &str| p.matches(REFRESH_MARK).count();
    // Runs `line` and waits for the prompt after it.
    let run_line = |line: &str| {
        let before = prompts(&t.pane());
        t.type_text(line);
        t.keys(&["Enter"]);
        t.wait(&format!("{sh}: the prompt after {line:?}"), |p| {
            prompts(p) > before && current_line(p).ends_with(REFRESH_MARK)
        })
    };
    let key = |n: usize| -> String {
        run_line(&(steps.save_key)(n));
        read(w, &format!("key{n}"))
    };
    t.wait(&format!("{sh} to start"), |p| !p.trim().is_empty());
    if let Some(first) = steps.first {
        t.type_text(first);
        t.keys(&["Enter"]);
    }
    run_line(&steps.setup);
    // Refresh off: `awsuse` signs nothing in (the token is cached).
    let pane = run_line("awsuse dev");
    assert!(
        current_line(&pane).starts_with("[dev expiring "),
        "{sh}:\n{pane}"
    );
    let said = pane.matches("ssoenv:").count();
    let first = key(1);
    assert!(first.starts_with("ASIA"), "{sh}: {first:?}");
    assert_eq!(
        key(2),
        first,
        "{sh}: refreshed while SSOENV_NO_REFRESH was set"
    );

    // Refresh on: the next prompt brings new keys, and prints nothing.
    let issued = w.mock.credentials_issued();
    run_line(steps.allow_refresh);
    let second = key(3);
    assert_ne!(second, first, "{sh}: no refresh before the prompt");
    assert!(second.starts_with("ASIA"), "{sh}: {second:?}");
    assert!(w.mock.credentials_issued() > issued);
    let pane = t.pane();
    assert_eq!(
        pane.matches("ssoenv:").count(),
        said,
        "{sh} printed:\n{pane}"
    );

    // A sign-in needed: the keys stay, and the segment says so.
    std::fs::remove_file(w.path(crate::engine::CORP_TOKEN)).unwrap();
    let kept = key(4);
    let pane = run_line(steps.nothing);
    assert!(
        current_line(&pane).starts_with("[dev expiring "),
        "{sh}:\n{pane}"
    );
    assert_eq!(
        key(5),
        kept,
        "{sh}: the keys changed though no refresh was possible"
    );
    run_line(steps.expire);
    let pane = run_line(steps.nothing);
    assert!(
        current_line(&pane).starts_with("[dev expired]"),
        "{sh}:\n{pane}"
    );
    assert_eq!(key(6), kept, "{sh}");
    let pane = t.pane();
    assert_eq!(
        pane.matches("ssoenv:").count(),
        said,
        "{sh} printed:\n{pane}"
    );
    assert_eq!(w.mock.device_authorizations() + w.mock.authorize_hits(), 0);
    assert!(w.browser_visits().is_empty());
}
