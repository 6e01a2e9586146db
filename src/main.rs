use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use ssoenv::cli::Cli;
use ssoenv::commands::{self, Outcome};
use ssoenv::ui;

fn main() -> ExitCode {
    no_core_dumps();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
            if err.use_stderr() {
                // A usage error quotes what was typed or set in the environment: plain text,
                // made printable like everything else on stderr.
                ui::eprint_text(&err.render().to_string());
            } else {
                // --help and --version go to stdout with status 0.
                let _ = err.print();
            }
            return code;
        }
    };
    match commands::run(cli.command, &ui::Stderr) {
        Ok(Outcome::Print(text)) => {
            // One write of the whole text: the shell never evaluates half of it.
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(1),
                Err(err) => {
                    ui::eprint(&format!("stdout: {err}"));
                    ExitCode::from(1)
                }
            }
        }
        Ok(Outcome::Exit(code)) => ExitCode::from(code),
        Err(err) => {
            ui::report(&err);
            ExitCode::from(err.exit_code())
        }
    }
}

/// The process holds a client secret, tokens and role credentials: a crash must not write them
/// to a core file, and (Linux) other processes of the same user must not read them through
/// ptrace or /proc/PID/mem. Only the soft core limit is lowered, so a command `exec` starts may
/// raise it again. Two system calls; failures change nothing else, so they are ignored.
fn no_core_dumps() {
    #[cfg(unix)]
    // SAFETY: getrlimit/setrlimit read and write a local struct; prctl takes plain integers.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            limit.rlim_cur = 0;
        }
        libc::setrlimit(libc::RLIMIT_CORE, &limit);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}
