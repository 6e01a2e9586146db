//! The listener on 127.0.0.1 that a PKCE login's browser is redirected to. Anything on this
//! machine can connect to it, so it holds its ground: one thread, a few connections at a time
//! (the oldest is closed to make room for a new one), slow ones closed within seconds, small
//! requests only, and a failed `accept` (no descriptors left) is a pause, not the end of the
//! login. Only the deadline ends the wait.

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

/// One request: its target (path and query), and the connection to answer on.
pub struct Request {
    pub target: String,
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
            if let Some(target) = target(&conn.head) {
                let conn = self.open.remove(i);
                return Some(Request {
                    target,
                    stream: conn.stream,
                });
            }
            if conn.head.len() > MAX_REQUEST {
                let conn = self.open.remove(i);
                let _ = respond(conn.stream, 431, "Request header fields too large.");
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
        let _ = respond(self.stream, status, text);
    }
}

/// The request target once the head (request line and headers) is complete.
fn target(head: &[u8]) -> Option<String> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&head[..end]);
    let line = head.lines().next()?;
    let mut words = line.split(' ');
    let (_method, target) = (words.next()?, words.next()?);
    Some(target.to_owned())
}

fn respond(mut stream: TcpStream, status: u16, text: &str) -> io::Result<()> {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>ssoenv</title>\
         <p style=\"font:1.2em sans-serif\">{text}</p>"
    );
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Request Header Fields Too Large",
    };
    stream.set_nonblocking(false)?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)
}
