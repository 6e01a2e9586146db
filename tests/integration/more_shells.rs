//! The integration (`ssoenv init nu|elvish|xonsh`) in the real shells, without user configuration,
//! against the mock: loading prints nothing and changes no variable; `awsuse` sets, switches back
//! (`-`) and clears (`--unset`); a failing `awsuse` applies nothing and fails; with no name it picks
//! on a terminal; the prompt counts down; profile names complete. (bash, zsh, fish and PowerShell:
//! shell_integration.rs.)
//!
//! elvish's integration adds its commands with `edit:add-var`, which exists only at an interactive
//! prompt: here `eval` is given an `edit:` namespace that records what is added, the same code
//! path otherwise.
#![cfg(unix)]

use std::collections::HashMap;
use std::process::Output;

use crate::engine::World;
use crate::shell_integration::{check_awsuse_round, describe, read, read_env, run_shell};
use crate::support::MockSso;
use crate::util::{stderr, stdout, tool};

/// An `env -0` dump without what nushell exports of its own bookkeeping.
fn env_of(w: &World, file: &str) -> HashMap<String, String> {
    let mut env = read_env(w, file);
    for own in [
        "LAST_EXIT_CODE",
        "CMD_DURATION_MS",
        "FILE_PWD",
        "CURRENT_FILE",
    ] {
        env.remove(own);
    }
    env
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sh {
    Nu,
    Elvish,
    Xonsh,
}

const ALL: [Sh; 3] = [Sh::Nu, Sh::Elvish, Sh::Xonsh];

impl Sh {
    fn program(self) -> &'static str {
        match self {
            Sh::Nu => "nu",
            Sh::Elvish => "elvish",
            Sh::Xonsh => "xonsh",
        }
    }

    fn flags(self) -> &'static [&'static str] {
        match self {
            Sh::Nu => &["--no-config-file"],
            Sh::Elvish => &["-norc"],
            Sh::Xonsh => &["--no-rc"],
        }
    }

    /// The README's start-up line (for nu, the `source` of the file saved beforehand; for elvish,
    /// with the recording `edit:` namespace, the functions then bound as at the prompt).
    fn load(self) -> &'static str {
        match self {
            Sh::Nu => "source ssoenv.nu",
            Sh::Elvish => {
                "var added = [&]\n\
                 var completion = (ns [&arg-completer=[&]])\n\
                 var edit = (ns [&add-var~={|name v| set added[$name] = $v } \
                 &completion:=$completion &complex-candidate~={|t &display=''| put $t } \
                 &before-readline=[]])\n\
                 eval (ssoenv init elvish | slurp) &ns=(ns [&edit:=$edit]) > load.out 2> load.err\n\
                 var awsuse~ = $added[awsuse~]\n\
                 var ssoenv_prompt~ = $added[ssoenv_prompt~]"
            }
            Sh::Xonsh => "execx($(ssoenv init xonsh), 'exec', __xonsh__.ctx, filename='ssoenv')",
        }
    }

    /// `env -0` of a child, into `file`.
    fn dump(self, file: &str) -> String {
        match self {
            Sh::Nu => format!("^env -0 | save --force {file}"),
            _ => format!("env -0 > {file}"),
        }
    }

    /// Runs `command` (awsuse ...) and writes "ok" or "failed" to `file`.
    fn outcome(self, command: &str, file: &str) -> String {
        match self {
            Sh::Nu => format!(
                "try {{ {command}; 'ok' | save -f {file} }} catch {{ 'failed' | save -f {file} }}"
            ),
            Sh::Elvish => {
                format!("try {{ {command}; echo ok > {file} }} catch {{ echo failed > {file} }}")
            }
            Sh::Xonsh => format!(
                "with open('{file}', 'w') as f:\n    \
                 f.write('ok' if ![{command}].returncode == 0 else 'failed')"
            ),
        }
    }
}

fn run(w: &World, sh: Sh, script: &str, extra: &[(&str, &str)]) -> Output {
    // nushell sources files only, at parse time: the file is saved first, as the README says.
    if sh == Sh::Nu {
        let out = w.sb.run(&["init", "nu"]);
        assert!(out.status.success(), "{}", describe(&out));
        std::fs::write(w.sb.home().join("ssoenv.nu"), &out.stdout).expect("save ssoenv.nu");
    }
    std::fs::write(w.sb.home().join("script"), script).expect("write script");
    let mut args = sh.flags().to_vec();
    args.push("script");
    run_shell(w, &tool(sh.program()), &args, extra)
}

#[test]
fn loading_is_silent_and_changes_no_variable() {
    let w = World::new();
    for sh in ALL {
        let script = match sh {
            Sh::Nu => format!(
                "{}\n$env | columns | str join \"\\n\" | save -f v1\n\
                 {}\n$env | columns | str join \"\\n\" | save -f v2\n",
                sh.dump("e1"),
                sh.dump("e2")
            ),
            Sh::Elvish => format!("{}\n{}\n{}\n", sh.dump("e1"), sh.load(), sh.dump("e2")),
            Sh::Xonsh => format!(
                "{}\nv1 = sorted(${{...}}.keys())\n\
                 import io, contextlib\nout, err = io.StringIO(), io.StringIO()\n\
                 with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n    \
                 {}\n\
                 open('load.out', 'w').write(out.getvalue())\n\
                 open('load.err', 'w').write(err.getvalue())\n\
                 open('v1', 'w').write('\\n'.join(v1))\n\
                 open('v2', 'w').write('\\n'.join(sorted(${{...}}.keys())))\n{}\n",
                sh.dump("e1"),
                sh.load(),
                sh.dump("e2")
            ),
        };
        // nushell's `source` is read before the script runs; the file is loaded by the line
        // below in a second run, checked for silence on its own.
        let out = run(&w, sh, &script, &[]);
        assert!(
            out.status.success() && out.stderr.is_empty() && out.stdout.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        assert_eq!(env_of(&w, "e1"), env_of(&w, "e2"), "{sh:?}");
        if sh == Sh::Nu {
            let out = run(&w, sh, sh.load(), &[]);
            assert!(
                out.status.success() && out.stderr.is_empty() && out.stdout.is_empty(),
                "{sh:?}: {}",
                describe(&out)
            );
        } else {
            assert_eq!(read(&w, "load.out"), "", "{sh:?}: loading printed");
            assert_eq!(read(&w, "load.err"), "", "{sh:?}: loading complained");
        }
        if sh != Sh::Elvish {
            assert_eq!(read(&w, "v1"), read(&w, "v2"), "{sh:?}: variables changed");
        }
    }
}

#[test]
fn awsuse_sets_switches_back_and_clears() {
    for sh in ALL {
        let w = World::new().with_browser();
        let prompt = match sh {
            Sh::Nu => "ssoenv_prompt | save -f p1",
            _ => "ssoenv_prompt > p1",
        };
        let script = [
            sh.load().to_string(),
            sh.outcome("awsuse dev", "st1"),
            sh.dump("e1"),
            prompt.to_string(),
            sh.outcome("awsuse prod", "st2"),
            sh.dump("e2"),
            sh.outcome("awsuse -", "st3"),
            sh.dump("e3"),
            sh.outcome("awsuse --unset", "st4"),
            sh.dump("e4"),
            sh.outcome("awsuse -", "st5"),
            sh.dump("e5"),
        ]
        .join("\n");
        let out = run(&w, sh, &script, &[("AWS_PROFILE", "stale")]);
        assert!(out.status.success(), "{sh:?}: {}", describe(&out));
        assert_eq!(stdout(&out), "", "{sh:?}: awsuse printed on stdout");
        for step in 1..=5 {
            assert_eq!(
                read(&w, &format!("st{step}")).trim(),
                "ok",
                "{sh:?} step {step}: {}",
                describe(&out)
            );
        }
        let env = ["e1", "e2", "e3", "e4", "e5"].map(|e| env_of(&w, e));
        check_awsuse_round(&format!("{sh:?}"), &env, &read(&w, "p1"));
    }
}

#[test]
fn a_failing_awsuse_changes_nothing_and_fails() {
    for sh in ALL {
        let w = World::with_mock(MockSso::builder().interval(0).deny_authorize(true).start())
            .with_browser();
        let script = [
            sh.load().to_string(),
            sh.dump("before"),
            sh.outcome("awsuse nope", "st1"),
            sh.dump("after1"),
            sh.outcome("awsuse dev", "st2"),
            sh.dump("after2"),
            // No profile was switched from: there is no previous one.
            sh.outcome("awsuse -", "st3"),
            sh.dump("after3"),
        ]
        .join("\n");
        let held = [
            ("AWS_ACCESS_KEY_ID", "AKIAHELD"),
            ("AWS_SECRET_ACCESS_KEY", "held-secret"),
            ("AWS_PROFILE", "held-profile"),
            ("SSOENV_PROFILE", "held"),
        ];
        let out = run(&w, sh, &script, &held);
        assert!(out.status.success(), "{sh:?}: {}", describe(&out));
        assert_eq!(stdout(&out), "", "{sh:?}");
        let before = env_of(&w, "before");
        assert_eq!(before["AWS_ACCESS_KEY_ID"], "AKIAHELD");
        for step in 1..=3 {
            assert_eq!(
                read(&w, &format!("st{step}")).trim(),
                "failed",
                "{sh:?} step {step}: {}",
                describe(&out)
            );
            assert_eq!(
                env_of(&w, &format!("after{step}")),
                before,
                "{sh:?} step {step} changed the environment"
            );
        }
        let err = stderr(&out);
        assert!(err.contains("ssoenv: profile \"nope\""), "{sh:?}: {err}");
        assert!(err.contains("access_denied"), "{sh:?}: {err}");
        if sh != Sh::Xonsh {
            // nushell and elvish show an error only where nothing catches it: `awsuse -` alone.
            let out = run(&w, sh, &format!("{}\nawsuse -", sh.load()), &[]);
            assert!(!out.status.success(), "{}", describe(&out));
            assert!(
                stderr(&out).contains("awsuse: no previous profile"),
                "{}",
                describe(&out)
            );
        } else {
            assert!(err.contains("awsuse: no previous profile"), "{sh:?}: {err}");
        }
    }
}

#[test]
fn profile_names_complete_for_awsuse_and_ssoenv() {
    let w = World::new();
    for sh in ALL {
        // Each prints the names offered for `awsuse <TAB>` and `ssoenv use <TAB>` and none for
        // `ssoenv list <TAB>`, one a line.
        let script = match sh {
            Sh::Nu => "source ssoenv.nu\n_ssoenv_profiles | str join \"\\n\" | save -f names\n\
                       scope commands | where name =~ '^ssoenv ' | get name | str join \"\\n\" \
                       | save -f externs"
                .to_string(),
            Sh::Elvish => format!(
                "{}\nvar c = $completion[arg-completer]\n\
                 {{ $c[awsuse] awsuse ''; $c[ssoenv] ssoenv use ''; \
                 $c[ssoenv] ssoenv exec --no-browser ''; $c[ssoenv] ssoenv list '' }} \
                 | to-lines > names",
                sh.load()
            ),
            Sh::Xonsh => format!(
                "{}\nfrom xonsh.parsers.completion_context import CompletionContext, CommandContext, CommandArg\n\
                 def offered(*words):\n    \
                 args = tuple(CommandArg(w) for w in words[:-1])\n    \
                 got = _ssoenv_complete(CompletionContext(command=CommandContext(args=args, \
                 arg_index=len(args), prefix=words[-1])))\n    \
                 return sorted(got or [])\n\
                 names = offered('awsuse', '') + offered('ssoenv', 'use', '') \
                 + offered('ssoenv', 'exec', '--no-browser', '') + offered('ssoenv', 'list', '') \
                 + offered('awsuse', 'p')\n\
                 open('names', 'w').write('\\n'.join(names))",
                sh.load()
            ),
        };
        let out = run(&w, sh, &script, &[]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        let names = read(&w, "names");
        // clap's own completer answers where no profile goes (elvish: `ssoenv list <TAB>`).
        let (options, names): (Vec<&str>, Vec<&str>) =
            names.lines().partition(|n| n.starts_with('-'));
        assert_eq!(
            options.contains(&"--names"),
            sh == Sh::Elvish,
            "{sh:?}: {options:?}"
        );
        let profiles = ["dev", "legacy", "prod"];
        let expected: Vec<&str> = match sh {
            // nushell asks the one list for every position its signatures name.
            Sh::Nu => profiles.to_vec(),
            Sh::Elvish => profiles.repeat(3),
            Sh::Xonsh => [&profiles[..], &profiles, &profiles, &["prod"]].concat(),
        };
        let mut sorted = names.clone();
        sorted.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(sorted, want, "{sh:?}: {}", describe(&out));
        if sh == Sh::Nu {
            let externs = read(&w, "externs");
            for sub in [
                "use",
                "exec",
                "login",
                "logout",
                "status",
                "credential-process",
            ] {
                assert!(
                    externs.lines().any(|l| l == format!("ssoenv {sub}")),
                    "{sub}"
                );
            }
        }
    }
}

/// The README's forms without the integration, with no --shell and no $SSOENV_SHELL, in a shell
/// whose login shell ($SHELL) is bash: the output is for the shell that evaluates it, found as
/// ssoenv's parent process (Linux).
#[test]
#[cfg(target_os = "linux")]
fn use_prints_for_the_shell_that_evaluates_it() {
    let w = World::new().with_browser();
    let login = w.sb.run(&["use", "--shell", "bash", "dev"]);
    assert!(login.status.success(), "{}", describe(&login));
    let bash = tool("bash");
    for sh in ALL {
        let form = match sh {
            Sh::Nu => "ssoenv use dev | from json | load-env",
            Sh::Elvish => "eval (ssoenv use dev | slurp)",
            Sh::Xonsh => "execx($(ssoenv use dev))",
        };
        let script = format!("{form}\n{}", sh.dump("e"));
        let out = run(&w, sh, &script, &[("SHELL", &bash.to_string_lossy())]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        let env = env_of(&w, "e");
        assert_eq!(
            env.get("SSOENV_PROFILE").map(String::as_str),
            Some("dev"),
            "{sh:?}"
        );
        assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{sh:?}");
    }
}

/// The quiet refresh before the prompt, in interactive nu, elvish and xonsh on a terminal (tmux),
/// as shell_integration.rs checks it for bash, zsh and fish: role credentials that last 5 minutes
/// (inside the 10-minute window, so every prompt refreshes) are replaced before the next prompt
/// with nothing printed, but not while SSOENV_NO_REFRESH is set; once a sign-in is needed the
/// variables stay as they were and the prompt segment says "expiring", then "expired". No
/// sign-in starts.
#[test]
fn the_prompt_refreshes_credentials_quietly_and_keeps_them_when_a_sign_in_is_needed() {
    use crate::shell_integration::{REFRESH_MARK, RefreshSteps, check_prompt_refresh};
    for sh in ALL {
        let w = World::short_lived(8 * 3600);
        if sh == Sh::Nu {
            let out = w.sb.run(&["init", "nu"]);
            assert!(out.status.success(), "{}", describe(&out));
            std::fs::write(w.sb.home().join("ssoenv.nu"), &out.stdout).expect("save ssoenv.nu");
        }
        let program = tool(sh.program()).to_string_lossy().into_owned();
        let mut shell = vec![program.as_str()];
        shell.extend_from_slice(sh.flags());
        // The README's loading line, a prompt showing the segment, and refresh off at first.
        let setup = match sh {
            Sh::Nu => format!(
                "source ssoenv.nu; $env.PROMPT_COMMAND = {{|| $'[(ssoenv_prompt)] {REFRESH_MARK} ' }}; \
                 $env.PROMPT_COMMAND_RIGHT = ''; $env.PROMPT_INDICATOR = ''; \
                 $env.SSOENV_NO_REFRESH = '1'"
            ),
            // edit:add-var's commands exist from the next line on. A prompt late on a busy
            // machine would show the previous one meanwhile (elvish's stale prompt): waited for.
            Sh::Elvish => format!(
                "set edit:prompt = {{ print '['; ssoenv_prompt; print '] {REFRESH_MARK} ' }}; \
                 set edit:rprompt = {{ }}; set edit:prompt-stale-threshold = 10; \
                 set-env SSOENV_NO_REFRESH 1"
            ),
            Sh::Xonsh => format!(
                "{}; $PROMPT = lambda: '[' + ssoenv_prompt() + '] {REFRESH_MARK} '; \
                 $RIGHT_PROMPT = ''; $SSOENV_NO_REFRESH = '1'",
                sh.load()
            ),
        };
        let save_key = |n: usize| match sh {
            Sh::Nu => format!("$env.AWS_ACCESS_KEY_ID | save -f key{n}"),
            Sh::Elvish => format!("print $E:AWS_ACCESS_KEY_ID > key{n}"),
            Sh::Xonsh => format!("printf %s $AWS_ACCESS_KEY_ID > key{n}"),
        };
        let steps = RefreshSteps {
            first: (sh == Sh::Elvish).then_some("eval (ssoenv init elvish | slurp)"),
            setup,
            save_key: &save_key,
            allow_refresh: match sh {
                Sh::Nu => "hide-env SSOENV_NO_REFRESH",
                Sh::Elvish => "unset-env SSOENV_NO_REFRESH",
                Sh::Xonsh => "del $SSOENV_NO_REFRESH",
            },
            expire: match sh {
                Sh::Nu => {
                    "$env.SSOENV_EXPIRES_AT = ((date now | format date '%s' | into int) - 5 | into string)"
                }
                Sh::Elvish => "set-env SSOENV_EXPIRES_AT (to-string (- (e:date +%s) 5))",
                Sh::Xonsh => "$SSOENV_EXPIRES_AT = str(int(__import__('time').time()) - 5)",
            },
            nothing: "echo",
        };
        check_prompt_refresh(&w, &format!("{sh:?}"), &shell, &steps);
    }
}

/// Loading adds exactly one hook, the quiet refresh, before the prompt, whatever hooks are there
/// already, however often it is loaded; the user's own hook stays.
#[test]
fn loading_adds_one_refresh_hook_once() {
    let w = World::new();
    for sh in ALL {
        let script = match sh {
            Sh::Nu => "$env.config.hooks.pre_prompt = [{|| 'mine' }]\n\
                       source ssoenv.nu\nsource ssoenv.nu\n\
                       $env.config.hooks.pre_prompt | each {|h| view source $h } \
                       | str join \"\\n\" | save -f hooks"
                .to_string(),
            Sh::Elvish => "use str\n\
                           var completion = (ns [&arg-completer=[&]])\n\
                           var edit = (ns [&add-var~={|name v| } &completion:=$completion \
                           &complex-candidate~={|t &display=''| put $t } \
                           &before-readline=[{ echo mine }]])\n\
                           eval (ssoenv init elvish | slurp) &ns=(ns [&edit:=$edit])\n\
                           eval (ssoenv init elvish | slurp) &ns=(ns [&edit:=$edit])\n\
                           for h $edit[before-readline] { \
                           if (str:contains $h[body] _ssoenv_refresh_failed) { echo ours } \
                           else { echo $h[def] } } > hooks"
                .to_string(),
            Sh::Xonsh => format!(
                "@events.on_pre_prompt\ndef mine(**_): pass\n{load}\n{load}\n\
                 open('hooks', 'w').write('\\n'.join(sorted(h.__name__ for h in events.on_pre_prompt)))",
                load = sh.load()
            ),
        };
        let out = run(&w, sh, &script, &[]);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{sh:?}: {}",
            describe(&out)
        );
        let hooks = read(&w, "hooks");
        let hooks: Vec<&str> = hooks.lines().map(str::trim).collect();
        let want: &[&str] = match sh {
            Sh::Nu => &["{|| _ssoenv_refresh }", "{|| 'mine' }"],
            Sh::Elvish => &["ours", "{ echo mine }"],
            Sh::Xonsh => &["_ssoenv_refresh", "mine"],
        };
        assert_eq!(hooks, want, "{sh:?}");
    }
}

/// `awsuse` with no name in interactive nu, elvish and xonsh on a terminal (tmux), as
/// shell_integration.rs's picker test does for bash: the picker is drawn (on stderr, with the
/// terminal as its input while stdout is captured), a filter picks "prod" and Enter makes it this
/// shell's; Escape then picks nothing, changes nothing, fails with status 1 as the shell reports
/// it, and the shell takes the next line.
#[test]
fn awsuse_without_a_name_picks_a_profile_on_a_terminal() {
    use crate::shell_integration::{Tmux, current_line};
    const MARK: &str = "pick-test$";
    for sh in ALL {
        let w = World::new().with_browser();
        if sh == Sh::Nu {
            let out = w.sb.run(&["init", "nu"]);
            assert!(out.status.success(), "{}", describe(&out));
            std::fs::write(w.sb.home().join("ssoenv.nu"), &out.stdout).expect("save ssoenv.nu");
        }
        let program = tool(sh.program()).to_string_lossy().into_owned();
        let mut shell = vec![program.as_str()];
        shell.extend_from_slice(sh.flags());
        let t = Tmux::start(&w, &shell);
        let prompts = |p: &str| p.matches(MARK).count();
        // Types `line`, presses Enter and waits for the prompt after it.
        let run_line = |line: &str| {
            let before = prompts(&t.pane());
            t.type_text(line);
            t.keys(&["Enter"]);
            t.wait(&format!("{sh:?}: the prompt after {line:?}"), |p| {
                prompts(p) > before && current_line(p).ends_with(MARK)
            })
        };
        t.wait(&format!("{sh:?} to start"), |p| !p.trim().is_empty());
        // The README's loading line and a prompt that is easy to find.
        let setup = match sh {
            Sh::Nu => format!(
                "source ssoenv.nu; $env.PROMPT_COMMAND = {{|| '{MARK} ' }}; \
                 $env.PROMPT_COMMAND_RIGHT = ''; $env.PROMPT_INDICATOR = ''"
            ),
            // edit:add-var's commands exist from the next line on.
            Sh::Elvish => {
                t.type_text("eval (ssoenv init elvish | slurp)");
                t.keys(&["Enter"]);
                format!(
                    "set edit:prompt = {{ print '{MARK} ' }}; set edit:rprompt = {{ }}; \
                     set edit:prompt-stale-threshold = 10"
                )
            }
            Sh::Xonsh => format!("{}; $PROMPT = '{MARK} '; $RIGHT_PROMPT = ''", sh.load()),
        };
        run_line(&setup);
        // Writes the profile and whether a key is set to `file`.
        let save = |file: &str| match sh {
            Sh::Nu => format!(
                "$'($env.SSOENV_PROFILE? | default none) ($env.AWS_ACCESS_KEY_ID? | default none)' \
                 | save -f {file}"
            ),
            Sh::Elvish => {
                format!("print (or $E:SSOENV_PROFILE none) (or $E:AWS_ACCESS_KEY_ID none) > {file}")
            }
            Sh::Xonsh => format!(
                "echo -n @($SSOENV_PROFILE if 'SSOENV_PROFILE' in ${{...}} else 'none') \
                 @($AWS_ACCESS_KEY_ID if 'AWS_ACCESS_KEY_ID' in ${{...}} else 'none') > {file}"
            ),
        };

        t.type_text("awsuse");
        t.keys(&["Enter"]);
        let pane = t.wait(&format!("{sh:?}: the picker"), |p| {
            p.contains("AWS profile:") && p.contains("legacy")
        });
        assert!(
            pane.contains("111111111111/AdministratorAccess"),
            "{sh:?}:\n{pane}"
        );
        assert!(pane.contains("222222222222/ReadOnly"), "{sh:?}:\n{pane}");
        t.type_text("prod");
        t.wait(&format!("{sh:?}: prod alone"), |p| {
            let picker = p.rsplit("AWS profile:").next().unwrap_or_default();
            picker.contains("prod") && !picker.contains("AdministratorAccess")
        });
        let before = prompts(&t.pane());
        t.keys(&["Enter"]);
        t.wait(&format!("{sh:?}: the prompt after the pick"), |p| {
            prompts(p) > before && current_line(p).ends_with(MARK)
        });
        run_line(&save("picked"));
        let picked = read(&w, "picked");
        let (profile, key) = picked.split_once(' ').unwrap_or_default();
        assert_eq!(profile, "prod", "{sh:?}: {picked:?}\n{}", t.pane());
        assert!(key.starts_with("ASIA"), "{sh:?}: {picked:?}");

        // Escape: nothing picked, nothing changed, status 1, and the shell goes on.
        t.type_text("awsuse");
        t.keys(&["Enter"]);
        t.wait(&format!("{sh:?}: the picker again"), |p| {
            p.matches("AWS profile:").count() >= 2
        });
        let before = prompts(&t.pane());
        t.keys(&["Escape"]);
        let pane = t.wait(&format!("{sh:?}: the prompt after Escape"), |p| {
            prompts(p) > before && current_line(p).ends_with(MARK)
        });
        assert!(
            pane.contains("ssoenv: no profile chosen"),
            "{sh:?}:\n{pane}"
        );
        // elvish has no $?: a failing command is an exception, shown at the prompt.
        if sh == Sh::Elvish {
            assert!(pane.contains("ssoenv exited with 1"), "{sh:?}:\n{pane}");
        } else {
            run_line(match sh {
                Sh::Nu => "$env.LAST_EXIT_CODE | save -f status",
                _ => "echo -n @(__xonsh__.history[-1].rtn) > status",
            });
            assert_eq!(read(&w, "status").trim(), "1", "{sh:?}:\n{}", t.pane());
        }
        run_line(&save("after"));
        assert_eq!(
            read(&w, "after"),
            picked,
            "{sh:?}: Escape changed the environment"
        );
    }
}
