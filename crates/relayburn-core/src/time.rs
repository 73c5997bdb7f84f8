//! Instants: parsed from ISO-8601 strings, stored as integer epoch milliseconds, returned as
//! `YYYY-MM-DDTHH:MM:SS.mmmZ`. No string comparison of times happens anywhere else.

use crate::error::{Error, Result};
use jiff::Timestamp;

/// The one range of instants accepted anywhere (stamps, bounds, imports): from
/// `0001-01-01T00:00:00Z` up to, not including, `9999-01-01T00:00:00Z` (years 1 to 9998 in
/// UTC). Every instant in it can be written back as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub const MIN_INSTANT_MS: i64 = -62_135_596_800_000;
/// See [`MIN_INSTANT_MS`] (exclusive).
pub const MAX_INSTANT_MS: i64 = 253_370_764_800_000;
/// The range above, as messages state it.
pub const INSTANT_RANGE: &str = "0001-01-01T00:00:00Z to 9998-12-31T23:59:59.999Z";

/// Parses an ISO-8601 instant with a `Z` or numeric offset into UTC epoch milliseconds.
/// Sub-millisecond digits (at most 9 fraction digits) are truncated toward the past; the
/// instant must lie in [`INSTANT_RANGE`]. `field` names the option in errors, which never
/// carry the parser's own wording.
pub fn parse_instant_ms(field: &str, value: &str) -> Result<i64> {
    let trimmed = value.trim();
    let not_instant = || {
        Error::invalid(
            field,
            format!(
                "{value:?} is not an ISO-8601 instant with an offset (e.g. 2026-05-21T12:00:00Z)"
            ),
        )
    };
    let out_of_range = || {
        Error::invalid(
            field,
            format!("{value:?} is out of range ({INSTANT_RANGE})"),
        )
    };
    let b = trimmed.as_bytes();
    // `YYYY-`: four digits, no sign, no expanded years.
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return Err(not_instant());
    }
    let year: i32 = trimmed[..4].parse().map_err(|_| not_instant())?;
    // A fraction: the digits after the seconds' `.` or `,`.
    if let Some(i) = trimmed.find(['.', ',']) {
        let digits = trimmed[i + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits > 9 {
            return Err(Error::invalid(
                field,
                format!("{value:?} has {digits} fraction digits; at most 9 (nanoseconds)"),
            ));
        }
    }
    // Years 0 and 9999 may fall outside the parser's own range once the offset is applied.
    if year == 0 || year >= 9999 {
        return Err(out_of_range());
    }
    let ts: Timestamp = trimmed.parse().map_err(|_| not_instant())?;
    let ms = ts.as_millisecond();
    if !(MIN_INSTANT_MS..MAX_INSTANT_MS).contains(&ms) {
        return Err(out_of_range());
    }
    Ok(ms)
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, always three fraction digits).
pub fn format_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S.%3fZ").to_string(),
        // Only reachable for values outside ±9999 years, which no parser here produces.
        Err(_) => format!("invalid-timestamp({ms})"),
    }
}

/// Current time as epoch milliseconds.
pub fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_to_utc_ms() {
        let z = parse_instant_ms("ts", "2026-05-21T12:00:00Z").unwrap();
        let off = parse_instant_ms("ts", "2026-05-21T14:00:00+02:00").unwrap();
        assert_eq!(z, off);
        assert_eq!(format_ms(z), "2026-05-21T12:00:00.000Z");
    }

    #[test]
    fn keeps_milliseconds_and_truncates_finer_precision() {
        let ms = parse_instant_ms("ts", "2026-05-21T12:00:00.123456789Z").unwrap();
        assert_eq!(format_ms(ms), "2026-05-21T12:00:00.123Z");
        let second = parse_instant_ms("ts", "2026-05-21T12:00:01Z").unwrap();
        assert!(
            second > ms,
            "second precision must compare numerically, not lexically"
        );
    }

    /// Issue 23: one documented range, clear messages, no parser internals.
    #[test]
    fn one_range_and_clear_messages() {
        let min = parse_instant_ms("ts", "0001-01-01T00:00:00Z").unwrap();
        assert_eq!(min, MIN_INSTANT_MS);
        assert_eq!(format_ms(min), "0001-01-01T00:00:00.000Z");
        let max = parse_instant_ms("ts", "9998-12-31T23:59:59.999Z").unwrap();
        assert_eq!(max, MAX_INSTANT_MS - 1);
        assert_eq!(format_ms(max), "9998-12-31T23:59:59.999Z");
        assert!(parse_instant_ms("ts", "2026-05-21T12:00:00.123456789Z").is_ok());
        for (bad, says) in [
            (
                "0000-06-01T00:00:00Z",
                "out of range (0001-01-01T00:00:00Z to",
            ),
            ("0001-01-01T00:30:00+01:00", "out of range"),
            ("9999-01-01T00:00:00Z", "out of range"),
            ("9999-12-31T23:59:59Z", "out of range"),
            ("9998-12-31T23:30:00-01:00", "out of range"),
            (
                "2026-05-21T12:00:00.1234567890Z",
                "10 fraction digits; at most 9",
            ),
            ("+002026-05-21T12:00:00Z", "is not an ISO-8601 instant"),
            ("2026-02-30T12:00:00Z", "is not an ISO-8601 instant"),
        ] {
            let err = parse_instant_ms("ts", bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_ARGUMENT", "{bad}");
            let msg = err.to_string();
            assert!(msg.contains(says), "{bad}: {msg}");
            assert!(
                !msg.contains("failed to") && !msg.contains("parse"),
                "{bad}: {msg}"
            );
        }
        let err = parse_bound_ms("since", "2026-05-21T12:00:00.1234567890Z", 0).unwrap_err();
        assert!(err.to_string().contains("fraction digits"), "{err}");
    }

    #[test]
    fn rejects_non_instants_naming_the_field() {
        for bad in [
            "",
            "yesterday",
            "2026-05-21",
            "2026-05-21T12:00:00",
            "2026-13-01T00:00:00Z",
        ] {
            let err = parse_instant_ms("ts", bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_ARGUMENT", "{bad}");
            assert_eq!(err.field(), Some("ts"));
        }
    }
}

/// Parses a query bound: an ISO-8601 instant, or a duration before `now_ms` written as a
/// number and a unit: `m` minutes, `h` hours, `d` days, `w` weeks, `mo` months (30 days).
pub fn parse_bound_ms(field: &str, value: &str, now_ms: i64) -> Result<i64> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, unit) = v.split_at(split);
    if !digits.is_empty() && !unit.is_empty() && unit.chars().all(|c| c.is_ascii_alphabetic()) {
        let n: i64 = digits
            .parse()
            .map_err(|_| Error::invalid(field, format!("{value:?} is too large")))?;
        let unit_ms: i64 = match unit {
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            "mo" => 30 * 86_400_000,
            _ => {
                return Err(Error::invalid(
                    field,
                    format!("{value:?}: unknown unit {unit:?} (use m, h, d, w or mo)"),
                ))
            }
        };
        return n
            .checked_mul(unit_ms)
            .map(|d| now_ms - d)
            .ok_or_else(|| Error::invalid(field, format!("{value:?} is too large")));
    }
    // Something shaped like a date (`YYYY-…`) gets the instant's own message (a bad fraction,
    // a year out of range); anything else is neither form.
    let dated =
        v.len() > 4 && v.as_bytes()[..4].iter().all(u8::is_ascii_digit) && v.as_bytes()[4] == b'-';
    parse_instant_ms(field, v).map_err(|e| {
        if dated {
            return e;
        }
        Error::invalid(
            field,
            format!("{value:?} is neither an ISO-8601 instant nor a relative time like 30m, 24h, 7d, 4w, 3mo"),
        )
    })
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn relative_and_absolute_bounds() {
        let now = 1_000_000_000_000;
        assert_eq!(
            parse_bound_ms("since", "30m", now).unwrap(),
            now - 1_800_000
        );
        assert_eq!(
            parse_bound_ms("since", "24h", now).unwrap(),
            now - 86_400_000
        );
        assert_eq!(
            parse_bound_ms("since", "7d", now).unwrap(),
            now - 7 * 86_400_000
        );
        assert_eq!(
            parse_bound_ms("since", "4w", now).unwrap(),
            now - 28 * 86_400_000
        );
        assert_eq!(
            parse_bound_ms("since", "3mo", now).unwrap(),
            now - 90 * 86_400_000
        );
        assert_eq!(
            parse_bound_ms("since", "2026-01-01T00:00:00Z", now).unwrap(),
            parse_instant_ms("x", "2026-01-01T00:00:00.000Z").unwrap()
        );
        for bad in ["7x", "d7", "", "soon", "-5d", "9999-01-01T00:00:00Z"] {
            assert_eq!(
                parse_bound_ms("since", bad, now).unwrap_err().field(),
                Some("since")
            );
        }
    }
}
