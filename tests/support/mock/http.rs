//! HTTP plumbing every service of the mock shares: the request as a handler sees it
//! (`Incoming`), what it answers (`Reply`), what the mock records (`RecordedRequest`), and query
//! strings, encoded and decoded with `form_urlencoded` as ssoenv itself does.

use std::io::{Read, Write};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::portal::BEARER_HEADER;

/// Bodies are read up to this size; the mock's APIs never need more.
const MAX_BODY: u64 = 1 << 20;

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path without the query, e.g. `/token`.
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// All headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status answered (0 while the request is still being handled).
    pub status: u16,
    /// The error type answered (`x-amzn-ErrorType` without the namespace), if any.
    pub error_type: Option<String>,
    /// The OIDC `error` code answered (`authorization_pending`...), if any.
    pub error: Option<String>,
}

impl RecordedRequest {
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// `grantType` of a `/token` request.
    pub fn grant_type(&self) -> Option<String> {
        self.json()?.get("grantType")?.as_str().map(str::to_string)
    }

    pub fn bearer_token(&self) -> Option<&str> {
        self.header(BEARER_HEADER)
    }
}

/// `s` percent-encoded for a query string or form value (`application/x-www-form-urlencoded`).
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `name=value&...`, each part encoded as [`url_encode`] does.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Decode a query string (`+` is a space).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub(super) struct Incoming {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
    pub(super) body_ok: bool,
}

impl Incoming {
    /// Reads `rq` up to its body (cut at `MAX_BODY`); a body that cannot be read leaves
    /// `body_ok` false, for the service to answer in its own words.
    pub(super) fn read(rq: &mut tiny_http::Request) -> Incoming {
        let method = rq.method().as_str().to_ascii_uppercase();
        let url = rq.url().to_string();
        let headers: Vec<(String, String)> = rq
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect();
        let mut raw = Vec::new();
        let body_ok = rq.as_reader().take(MAX_BODY).read_to_end(&mut raw).is_ok();
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        Incoming {
            method,
            path: path.to_string(),
            query: parse_query(query),
            headers,
            body: String::from_utf8_lossy(&raw).into_owned(),
            body_ok,
        }
    }

    /// The record of this request, before it is answered.
    pub(super) fn record(&self) -> RecordedRequest {
        RecordedRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            status: 0,
            error_type: None,
            error: None,
        }
    }

    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    pub(super) body: Vec<u8>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) error_type: Option<String>,
    pub(super) error: Option<String>,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            headers: Vec::new(),
            error_type: None,
            error: None,
        }
    }

    pub(super) fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: Vec::new(),
            headers: Vec::new(),
            error_type: None,
            error: None,
        }
    }

    pub(super) fn page(status: u16, title: &str, text: &str) -> Reply {
        let body = format!(
            "<!doctype html>\n<html><head><title>{t}</title></head>\
             <body><h1>{t}</h1><p>{x}</p></body></html>\n",
            t = html_escape(title),
            x = html_escape(text)
        );
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
            headers: Vec::new(),
            error_type: None,
            error: None,
        }
    }

    pub(super) fn redirect(location: String) -> Reply {
        let mut r = Reply::page(302, "Found", "Redirecting to the application.");
        r.headers.push(("Location".into(), location));
        r
    }

    /// Answers `rq`, with an `x-amzn-RequestId`. With `drip`, the whole response (headers
    /// included) goes out one byte every `drip`, written by hand since tiny_http buffers.
    pub(super) fn send(self, rq: tiny_http::Request, request_id: String, drip: Option<Duration>) {
        let mut headers = self.headers;
        if !self.body.is_empty() {
            headers.push(("Content-Type".into(), self.content_type.into()));
        }
        headers.push(("x-amzn-RequestId".into(), request_id));
        if let Some(every) = drip {
            let mut raw = format!("HTTP/1.1 {} Mock\r\n", self.status);
            for (name, value) in &headers {
                raw.push_str(&format!("{name}: {value}\r\n"));
            }
            raw.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                self.body.len()
            ));
            let mut writer = rq.into_writer();
            for byte in raw.into_bytes().into_iter().chain(self.body) {
                if writer
                    .write_all(&[byte])
                    .and_then(|()| writer.flush())
                    .is_err()
                {
                    return; // the client gave up
                }
                thread::sleep(every);
            }
            return;
        }
        let mut response = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        for (name, value) in headers {
            match tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                Ok(h) => response.add_header(h),
                Err(()) => {
                    response = tiny_http::Response::from_data(b"unencodable header".to_vec())
                        .with_status_code(500);
                    break;
                }
            }
        }
        let _ = rq.respond(response);
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn json_object(body: &str) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("The request body must be a JSON object".into()),
        Err(e) => Err(format!("The request body is not valid JSON: {e}")),
    }
}

pub(super) fn append_query(uri: &str, query: &str) -> String {
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}
