//! A command run to its end while ssoenv stays alive beside it (`exec --serve` keeps answering
//! credential requests), with the same outcome as if ssoenv had become the command (plain `exec`):
//! Ctrl-C and Ctrl-\ reach the command alone (the terminal sends them to the whole foreground
//! process group; ssoenv lets them pass), SIGTERM and SIGHUP sent to ssoenv are passed on to the
//! command, and ssoenv exits with the command's status, or 128+N when a signal N killed it, as a
//! shell reports it.

use std::process::Command;

/// Runs `command` and returns the status to exit with, or the error from starting it.
pub fn run_to_end(command: &mut Command) -> std::io::Result<u8> {
    imp::run_to_end(command)
}

#[cfg(unix)]
mod imp {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The command's pid once started; 0 before.
    static CHILD: AtomicI32 = AtomicI32::new(0);
    /// A signal to pass on that came before the command started.
    static PENDING: AtomicI32 = AtomicI32::new(0);

    extern "C" fn pass_on(signal: libc::c_int) {
        match CHILD.load(Ordering::SeqCst) {
            // SAFETY: kill is async-signal-safe and takes plain integers.
            pid if pid > 0 => unsafe {
                libc::kill(pid, signal);
            },
            _ => PENDING.store(signal, Ordering::SeqCst),
        }
    }

    /// A handler that does nothing, rather than SIG_IGN: a handled signal is reset to its default
    /// in the command (execve), an ignored one would stay ignored there and Ctrl-C would no longer
    /// stop it.
    extern "C" fn let_pass(_signal: libc::c_int) {}

    /// Installs `handler` for `signal`, unless the signal is ignored already (`nohup`, a shell's
    /// background job): then it stays ignored, for ssoenv and, inherited, for the command, as it
    /// would be after plain `exec`.
    fn install(signal: libc::c_int, handler: extern "C" fn(libc::c_int)) {
        // SAFETY: sigaction reads and writes local structs; the handlers only touch atomics and
        // call kill, both async-signal-safe.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut old) != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                return;
            }
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = handler as *const () as libc::sighandler_t;
            new.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut new.sa_mask);
            libc::sigaction(signal, &new, std::ptr::null_mut());
        }
    }

    pub fn run_to_end(command: &mut Command) -> std::io::Result<u8> {
        for signal in [libc::SIGINT, libc::SIGQUIT] {
            install(signal, let_pass);
        }
        for signal in [libc::SIGTERM, libc::SIGHUP] {
            install(signal, pass_on);
        }
        let mut child = command.spawn()?;
        let pid = i32::try_from(child.id()).unwrap_or(0);
        CHILD.store(pid, Ordering::SeqCst);
        let pending = PENDING.swap(0, Ordering::SeqCst);
        if pending != 0 && pid > 0 {
            // SAFETY: kill takes plain integers.
            unsafe { libc::kill(pid, pending) };
        }
        let status = child.wait()?;
        Ok(match (status.code(), status.signal()) {
            (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
            (None, Some(signal)) => u8::try_from(128 + (signal & 0x7f)).unwrap_or(255),
            (None, None) => 1,
        })
    }
}

#[cfg(not(unix))]
mod imp {
    use std::process::Command;

    /// Ctrl-C reaches every process on the console: with a handler that does nothing, ssoenv
    /// stays alive to hand on the command's exit code, and the command alone decides what Ctrl-C
    /// means.
    pub fn run_to_end(command: &mut Command) -> std::io::Result<u8> {
        #[cfg(windows)]
        let _ = ctrlc::set_handler(|| {});
        let status = command.status()?;
        Ok(u8::try_from(status.code().unwrap_or(1) & 0xff).unwrap_or(1))
    }
}
