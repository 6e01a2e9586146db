//! The listener on 127.0.0.1 that a PKCE login's browser is redirected to, and that `exec --serve`
//! answers credential requests on. Anything on this machine can connect to it, so it holds its
//! ground: one thread, a few connections at a time (the oldest is closed to make room for a new
//! one), slow ones closed within seconds, small requests only, and a failed `accept` (no
//! descriptors left) is a pause, not the end of the wait. Only the deadline ends a wait.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::deadline::Deadline;

/// Connections held at once; a browser opens two or three.
const MAX_CONNECTIONS: usize = 16;
/// New connections taken per round, so that a flood cannot evict one before it was read.
const ACCEPT_BATCH: usize = 4;
/// A browser sends its request at once; a connection that has not sent it all by then is dropped
/// (a browser that kept a spare connection simply opens another).
const HEAD_TIME: Duration = Duration::from_secs(5);
/// The request line and headers; a redirect carries a code and a state, far less than this.
const MAX_REQUEST: usize = 16 * 1024;
/// The pause when there is nothing to do, or after a failed accept.
const TICK: Duration = Duration::from_millis(20);
const PAUSE_AFTER_ERROR: Duration = Duration::from_millis(100);
/// Where a login's browser is sent back to, as the AWS CLI has it for both of its PKCE sign-ins
/// (`sso login` and `aws login`).
pub const CALLBACK_PATH: &str = "/oauth/callback";

pub struct Listener {
    listener: TcpListener,
    port: u16,
    open: Vec<Connection>,
    /// The last accept failure, for the message if the login then times out.
    pub trouble: Option<String>,
}

struct Connection {
    stream: TcpStream,
    head: Vec<u8>,
    accepted: Instant,
}

/// One request: its method, target (path and query) and headers, and the connection to answer on.
pub struct Request {
    pub method: String,
    pub target: String,
    /// Names as sent (compare them without case), values without surrounding blanks.
    pub headers: Vec<(String, String)>,
    stream: TcpStream,
}

impl Listener {
    pub fn bind() -> io::Result<Listener> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        Ok(Listener {
            listener,
            port,
            open: Vec::new(),
            trouble: None,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The next complete request, or None once `deadline` passes.
    pub fn next(&mut self, deadline: Deadline) -> Option<Request> {
        loop {
            let accepted = self.accept();
            if let Some(request) = self.read_ready() {
                return Some(request);
            }
            if deadline.passed() {
                return None;
            }
            match accepted {
                Ok(0) => {
                    deadline.sleep(TICK);
                }
                Ok(_) => {}
                Err(()) => {
                    deadline.sleep(PAUSE_AFTER_ERROR);
                }
            }
        }
    }

    /// The next request to `CALLBACK_PATH` that carries our `state`, with its query parameters;
    /// None once `deadline` passes. Anything can knock on a loopback port, and only our own
    /// redirect carries our state: other requests are answered (404 off the path, 400 without
    /// our state) and passed over.
    pub fn next_callback(&mut self, deadline: Deadline, state: &str) -> Option<Callback> {
        loop {
            let request = self.next(deadline)?;
            let target = request.target.clone();
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            if path != CALLBACK_PATH {
                request.respond(404, "Not found.");
                continue;
            }
            let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let callback = Callback { request, params };
            if callback.param("state") != Some(state) {
                callback.respond(
                    400,
                    "This sign-in link is not the one ssoenv is waiting for.",
                );
                continue;
            }
            return Some(callback);
        }
    }

    /// Takes up to `ACCEPT_BATCH` waiting connections; how many, or Err after a failure.
    fn accept(&mut self) -> Result<usize, ()> {
        let mut taken = 0;
        while taken < ACCEPT_BATCH {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    if self.open.len() >= MAX_CONNECTIONS {
                        self.open.remove(0);
                    }
                    self.open.push(Connection {
                        stream,
                        head: Vec::new(),
                        accepted: Instant::now(),
                    });
                    taken += 1;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    // Most likely out of descriptors: closing the oldest connection frees one.
                    if !self.open.is_empty() {
                        self.open.remove(0);
                    }
                    self.trouble = Some(e.to_string());
                    return Err(());
                }
            }
        }
        Ok(taken)
    }

    /// Reads what each connection has sent; returns the first whose head is complete, and drops
    /// connections that closed, were too slow or sent too much. Kept in the order they came, so
    /// that the oldest is the one to make room.
    fn read_ready(&mut self) -> Option<Request> {
        let mut i = 0;
        while i < self.open.len() {
            let conn = &mut self.open[i];
            let mut chunk = [0u8; 2048];
            let keep = match conn.stream.read(&mut chunk) {
                Ok(0) => false,
                Ok(n) => {
                    conn.head.extend_from_slice(&chunk[..n]);
                    true
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                    true
                }
                Err(_) => false,
            };
            if !keep {
                self.open.remove(i);
                continue;
            }
            if let Some(head) = parse(&conn.head) {
                let conn = self.open.remove(i);
                return Some(Request {
                    method: head.method,
                    target: head.target,
                    headers: head.headers,
                    stream: conn.stream,
                });
            }
            if conn.head.len() > MAX_REQUEST {
                let conn = self.open.remove(i);
                let _ = respond(
                    conn.stream,
                    431,
                    HTML,
                    &page("Request header fields too large."),
                );
                continue;
            }
            if conn.accepted.elapsed() >= HEAD_TIME {
                self.open.remove(i);
                continue;
            }
            i += 1;
        }
        None
    }
}

impl Request {
    /// Answers with a small HTML page and closes the connection.
    pub fn respond(self, status: u16, text: &str) {
        let _ = respond(self.stream, status, HTML, &page(text));
    }

    /// Answers with a JSON body and closes the connection.
    pub fn respond_json(self, status: u16, body: &str) {
        let _ = respond(self.stream, status, "application/json", body);
    }

    /// The values of header `name` (any case), in the order sent.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Our own redirect: its query parameters, and the request to answer.
pub struct Callback {
    request: Request,
    params: Vec<(String, String)>,
}

impl Callback {
    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Answers with a small HTML page and closes the connection.
    pub fn respond(self, status: u16, text: &str) {
        self.request.respond(status, text);
    }

    /// The authorization code, when the redirect carries one: the browser is told the sign-in
    /// is done. Otherwise the callback back, unanswered.
    pub fn accept_code(self) -> Result<String, Callback> {
        match self.param("code") {
            Some(code) => {
                let code = code.to_string();
                self.respond(
                    200,
                    "Signed in. You can close this tab and go back to your terminal.",
                );
                Ok(code)
            }
            None => Err(self),
        }
    }
}

/// A request's head: the request line and the header fields.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

/// The head once it is complete (up to the blank line); None while more is to come. Whatever the
/// bytes, never a panic: a line that is not a header (no colon) is skipped, and bytes that are not
/// UTF-8 become U+FFFD, which no caller's comparison will accept.
fn parse(head: &[u8]) -> Option<Head> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&head[..end]);
    let mut lines = head.split("\r\n");
    let mut words = lines.next()?.split(' ');
    let (method, target) = (words.next()?, words.next()?);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Some(Head {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
    })
}

const HTML: &str = "text/html; charset=utf-8";

fn page(text: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>ssoenv</title>\
         <p style=\"font:1.2em sans-serif\">{text}</p>"
    )
}

fn respond(mut stream: TcpStream, status: u16, content_type: &str, body: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };
    stream.set_nonblocking(false)?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_parsed_once_complete() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        let head = parse(b"GET /a?b HTTP/1.1\r\nHost: x\r\nAuthorization:  tok \r\n\r\n").unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/a?b");
        assert_eq!(
            head.headers,
            [
                ("Host".into(), "x".into()),
                ("Authorization".into(), "tok".into())
            ]
        );
    }

    #[test]
    fn garbage_never_panics() {
        for bytes in [
            &b"\r\n\r\n"[..],
            b"GET\r\n\r\n",
            b" \r\n\r\n",
            b"\xff\xfe /\xc3 HTTP/1.1\r\nno colon\r\n:\r\n\r\n",
        ] {
            let _ = parse(bytes);
        }
    }
}
