//! Whether a browser can be expected, and opening one. `$BROWSER` wins whenever it is set (even
//! with no display: it may be a script). Without it, an SSH session or a Linux machine with no
//! display gets no browser: one opened elsewhere could never reach our loopback listener.

use std::process::{Command, Stdio};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// `$BROWSER`, split into words like a shell would (no shell runs it).
    Command(Vec<String>),
    /// The desktop's default browser, through the `open` crate.
    System,
}

/// Reads the environment through `var` so tests need not change the process's own.
pub fn detect(var: &dyn Fn(&str) -> Option<String>) -> Option<Browser> {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    if let Some(value) = var("BROWSER").filter(|v| !v.trim().is_empty()) {
        // An unsplittable $BROWSER (an open quote) is taken as one program name.
        let words = shell_words::split(&value).unwrap_or_else(|_| vec![value.clone()]);
        return Some(Browser::Command(words));
    }
    if set("SSH_CONNECTION") || set("SSH_CLIENT") || set("SSH_TTY") {
        return None;
    }
    if cfg!(target_os = "linux") && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return None;
    }
    Some(Browser::System)
}

/// Whether `url` may be handed to a browser: an `https://` URL with a host (plain `http://` only
/// to a loopback host, which tests and local listeners use). The sign-in URL comes from a server,
/// and a browser given `--switch` may run a command, `file:` may show local files and
/// `javascript:` runs script; a URL with a `user@` part can pose as another host. The error says
/// what is wrong, without the URL (the caller names where it came from).
pub fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with('-') {
        return Err("it begins with `-` (a browser would read it as an option)".into());
    }
    // A real sign-in URL is percent-encoded ASCII; anything else could hide what it says.
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("it holds spaces, control characters or text that is not ASCII".into());
    }
    let uri: ureq::http::Uri = url.parse().map_err(|_| "it is not a URL".to_string())?;
    let Some(authority) = uri.authority() else {
        return Err("it is not an https URL with a host".into());
    };
    if authority.as_str().contains('@') {
        return Err("it holds a `user@` part before the host".into());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") && !host.is_empty() => Ok(()),
        Some(s) if s.eq_ignore_ascii_case("http") && loopback => Ok(()),
        Some(s) if s.eq_ignore_ascii_case("http") => {
            Err("it is plain http to a host other than this machine".into())
        }
        _ => Err("it is not an https URL".into()),
    }
}

/// Starts the browser on `url` without waiting for it. Its output is discarded: our stdout is
/// evaluated by a shell, and a browser's chatter must never land there. Refuses any URL that
/// `check_url` refuses, so nothing reaches a browser unchecked.
pub fn open(browser: &Browser, url: &str) -> Result<(), String> {
    check_url(url).map_err(|why| format!("not opening the browser on that URL: {why}"))?;
    match browser {
        Browser::Command(words) => {
            let Some((program, args)) = words.split_first() else {
                return Err("$BROWSER is empty".into());
            };
            // `%s` marks where the URL goes (as Python's webbrowser reads $BROWSER); else last.
            let mut args: Vec<String> = args.iter().map(|a| a.replace("%s", url)).collect();
            if !words.iter().any(|w| w.contains("%s")) {
                args.push(url.to_string());
            }
            let mut child = Command::new(program)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot run $BROWSER ({program}): {e}"))?;
            // Reap it in the background so it does not linger as a zombie while we poll.
            std::thread::spawn(move || child.wait());
            Ok(())
        }
        Browser::System => {
            open::that_detached(url).map_err(|e| format!("cannot open a browser: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn browser_variable_wins_even_over_ssh() {
        let e = env(&[("BROWSER", "sh '/a b/x.sh'"), ("SSH_TTY", "/dev/pts/1")]);
        assert_eq!(
            detect(&e),
            Some(Browser::Command(vec!["sh".into(), "/a b/x.sh".into()]))
        );
    }

    #[test]
    fn only_https_or_loopback_http_urls_open() {
        for good in [
            "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
            "HTTPS://example.com",
            "http://127.0.0.1:4321/device?user_code=X",
            "http://localhost/x",
            "http://[::1]:80/x",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for bad in [
            "--foo",
            "-https://example.com",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://example.com",
            "http://127.0.0.1.evil.com/",
            "https://portal.aws@evil.com/",
            "https:///path-only",
            "https://example.com/\x1b",
            "https://exa mple.com",
            "https://example.com/\u{202e}",
            "",
            "data:text/html,hi",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn no_browser_over_ssh_or_without_a_display() {
        assert_eq!(
            detect(&env(&[("SSH_CONNECTION", "1 2 3 4"), ("DISPLAY", ":0")])),
            None
        );
        if cfg!(target_os = "linux") {
            assert_eq!(detect(&env(&[])), None);
            assert_eq!(detect(&env(&[("DISPLAY", ":0")])), Some(Browser::System));
        }
    }
}
