//! JSON written the way Python's `json.dumps` writes it, because the AWS CLI's cache file names are
//! SHA-1 hashes of `json.dumps` output and its cache files are `json.dumps` output: `ensure_ascii`
//! escapes (`é` → `\u00e9`, astral characters as surrogate pairs) and its separators, `", "` and
//! `": "` by default or `","` and `":"` when compact. serde_json has neither built in, but takes a
//! custom `Formatter`, which is all this is.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

#[derive(Clone, Copy)]
pub enum Separators {
    /// `json.dumps(v)`: `", "` and `": "`.
    Default,
    /// `json.dumps(v, separators=(",", ":"))`.
    Compact,
}

struct PyFormatter(Separators);

impl Formatter for PyFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.comma(w, first)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.comma(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.0 {
            Separators::Default => w.write_all(b": "),
            Separators::Compact => w.write_all(b":"),
        }
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // ASCII runs are written whole: byte-at-a-time writes were most of the cost of the cache
        // keys `list` computes for every profile.
        let mut rest = fragment;
        while !rest.is_empty() {
            let ascii = rest.bytes().take_while(u8::is_ascii).count();
            w.write_all(&rest.as_bytes()[..ascii])?;
            let mut chars = rest[ascii..].chars();
            if let Some(c) = chars.next() {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
            rest = chars.as_str();
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        // Python writes control characters as \u00XX, lower-case, like serde_json.
        let s: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::Solidus => b"/",
            CharEscape::AsciiControl(byte) => return write!(w, "\\u{byte:04x}"),
        };
        w.write_all(s)
    }
}

impl PyFormatter {
    fn comma<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        match (first, self.0) {
            (true, _) => Ok(()),
            (false, Separators::Default) => w.write_all(b", "),
            (false, Separators::Compact) => w.write_all(b","),
        }
    }
}

/// Field order is the value's own: a struct's declaration order, a `serde_json::Map`'s sorted order
/// (which is `sort_keys=True`).
pub fn dumps<T: Serialize + ?Sized>(value: &T, separators: Separators) -> String {
    // Room for a cache key's document at once: growing from empty cost four reallocations each.
    let mut out = Vec::with_capacity(128);
    let mut ser = Serializer::with_formatter(&mut out, PyFormatter(separators));
    // Serializing plain data structs to memory cannot fail; an empty string would only ever
    // mean a bug, and every caller writes or hashes a non-empty document.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    // Only ASCII is written (ensure_ascii), so this cannot fail either.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_json_dumps() {
        // Outputs of Python 3.11: json.dumps(v, sort_keys=True) and with separators=(",", ":").
        let v = json!({"b": [1, null], "a": "é😀\"\n\u{1}"});
        assert_eq!(
            dumps(&v, Separators::Default),
            r#"{"a": "\u00e9\ud83d\ude00\"\n\u0001", "b": [1, null]}"#
        );
        assert_eq!(
            dumps(&v, Separators::Compact),
            r#"{"a":"\u00e9\ud83d\ude00\"\n\u0001","b":[1,null]}"#
        );
    }
}
