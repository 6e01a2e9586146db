//! Timestamps as the AWS caches write them (`2026-11-22T10:00:28Z`) and read them leniently, as
//! botocore's `dateutil.parser` does: `Z`, `UTC`, `+0000`, `+00:00`, other offsets, fractions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// 9999-12-31T23:59:59Z: RFC 3339 has four-digit years.
const LAST: i64 = 253_402_300_799;

/// `%Y-%m-%dT%H:%M:%SZ`, the format the AWS CLI writes. Times outside 1970..=9999 are clamped
/// to those bounds rather than written in a form no reader accepts.
pub fn format_rfc3339(epoch: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(epoch.clamp(0, LAST).unsigned_abs());
    humantime::format_rfc3339_seconds(t).to_string()
}

/// `%Y-%m-%dT%H:%M:%S+00:00`, Python's `isoformat()` of a UTC time, which the AWS CLI v2 writes
/// for the times in AssumeRole responses it caches.
pub fn format_iso_offset(epoch: i64) -> String {
    let z = format_rfc3339(epoch);
    format!("{}+00:00", z.trim_end_matches('Z'))
}

/// `HH:MM` of `epoch` on the local clock, for a person (`valid until 14:05`). Where the local
/// zone is unknown, the UTC time with `UTC` after it.
pub fn local_clock(epoch: i64) -> String {
    #[cfg(unix)]
    {
        // localtime_r reads $TZ and the zone files itself; no crate keeps a zone database here.
        let t = epoch.clamp(0, LAST) as libc::time_t;
        // SAFETY: `tm` is plain data that localtime_r fills, or leaves as is when it fails.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        if !unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
            return format!("{:02}:{:02}", tm.tm_hour, tm.tm_min);
        }
    }
    let secs = epoch.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

/// Epoch seconds of a cache timestamp, or None when it is not one.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    // Split off the zone: everything after the seconds (and any fraction).
    let date_end = text.find(['T', 't', ' '])?;
    let time = &text[date_end + 1..];
    let zone_at = time
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let offset = match zone.trim() {
        "" | "Z" | "z" | "UTC" | "GMT" => 0,
        z => parse_offset(z)?,
    };
    let naive = format!("{}T{}Z", &text[..date_end], clock);
    let t = humantime::parse_rfc3339_weak(naive.trim_end_matches('Z')).ok()?;
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok()?,
        Err(e) => -i64::try_from(e.duration().as_secs()).ok()?,
    };
    Some(secs - offset)
}

/// `+0200`, `-05:30`, `+02` → seconds east of UTC.
fn parse_offset(zone: &str) -> Option<i64> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits[..2].parse::<i64>().ok()?,
            digits[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_spelling_the_caches_use() {
        let want = Some(1795341628); // 2026-11-22T10:00:28Z
        for text in [
            "2026-11-22T10:00:28Z",
            "2026-11-22T10:00:28UTC",
            "2026-11-22T10:00:28+0000",
            "2026-11-22T10:00:28+00:00",
            "2026-11-22T10:00:28.123456Z",
            "2026-11-22T12:00:28+02:00",
            "2026-11-22T05:00:28-0500",
            "2026-11-22 10:00:28",
        ] {
            assert_eq!(parse(text), want, "{text}");
        }
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("2026-13-40T99:00:00Z"), None);
    }

    #[test]
    fn writes_the_cli_format() {
        assert_eq!(format_rfc3339(1795341628), "2026-11-22T10:00:28Z");
        assert_eq!(format_rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(-5), "1970-01-01T00:00:00Z");
    }
}
