//! Instants: parsed from ISO-8601 strings, stored as integer epoch milliseconds, returned as
//! `YYYY-MM-DDTHH:MM:SS.mmmZ`. No string comparison of times happens anywhere else.
//! Calendar rules (a zone's days, weeks and months; bounds given as dates or calendar names)
//! live in [`Zone`].

use crate::error::{Error, Result};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

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

/// What a query bound may be, for error messages.
pub const BOUND_FORMS: &str = "an ISO-8601 instant, a date (2026-11-30), today, yesterday, this-week, this-month or a relative time like 30m, 24h, 7d, 4w, 3mo";

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
    // a year out of range); anything else is none of the forms.
    let dated =
        v.len() > 4 && v.as_bytes()[..4].iter().all(u8::is_ascii_digit) && v.as_bytes()[4] == b'-';
    parse_instant_ms(field, v).map_err(|e| {
        if dated {
            return e;
        }
        Error::invalid(field, format!("{value:?} is not {BOUND_FORMS}"))
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

/// The first day of a week: ISO Monday (default) or Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeekStart {
    #[default]
    Monday,
    Sunday,
}

impl WeekStart {
    /// `monday` or `sunday` (any case). `field` names the option in errors.
    pub fn parse(field: &str, value: &str) -> Result<WeekStart> {
        match value.trim().to_ascii_lowercase().as_str() {
            "monday" => Ok(WeekStart::Monday),
            "sunday" => Ok(WeekStart::Sunday),
            _ => Err(Error::invalid(
                field,
                format!("{value:?} is not a week start: use monday or sunday"),
            )),
        }
    }

    /// [`WeekStart::parse`] of an optional `weekStart` option: the default when not given.
    pub fn parse_or_default(value: Option<&str>) -> Result<WeekStart> {
        value.map_or(Ok(WeekStart::default()), |w| {
            WeekStart::parse("weekStart", w)
        })
    }

    /// Days from the week's first day to `date` (0..=6).
    fn offset(self, date: Date) -> i8 {
        match self {
            WeekStart::Monday => date.weekday().to_monday_zero_offset(),
            WeekStart::Sunday => date.weekday().to_sunday_zero_offset(),
        }
    }
}

/// A calendar period: what `day`/`week`/`month` groups and calendar bounds mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Day,
    Week,
    Month,
}

/// Which end of a window a bound is. A calendar bound (a date, `today`, `this-week`…) names
/// a whole period: as `since` it means the period's first instant, as `until` the first
/// instant after it (so `--since yesterday --until yesterday` is all of yesterday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Since,
    Until,
}

impl Edge {
    fn field(self) -> &'static str {
        match self {
            Edge::Since => "since",
            Edge::Until => "until",
        }
    }
}

/// Names that are UTC whatever the time zone database says (and even without one).
const UTC_NAMES: [&str; 8] = [
    "UTC",
    "Etc/UTC",
    "UCT",
    "Etc/UCT",
    "Universal",
    "Etc/Universal",
    "Zulu",
    "Etc/Zulu",
];

/// A time zone and a week start: how instants fall into days, weeks and months. Local
/// midnights, week and month starts are computed with jiff from the zone's rules, so days
/// around a DST change are 23 or 25 hours long.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: TimeZone,
    name: String,
    week_start: WeekStart,
}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            tz: TimeZone::UTC,
            name: "UTC".to_string(),
            week_start: WeekStart::Monday,
        }
    }

    /// An IANA zone by name (`Europe/Paris`; `None` is UTC) with a week start. Errors name
    /// the `timezone` field.
    pub fn new(timezone: Option<&str>, week_start: WeekStart) -> Result<Zone> {
        let mut zone = Zone::utc();
        zone.week_start = week_start;
        let Some(raw) = timezone else {
            return Ok(zone);
        };
        let n = raw.trim();
        if UTC_NAMES.iter().any(|u| u.eq_ignore_ascii_case(n)) {
            return Ok(zone);
        }
        let tz = TimeZone::get(n).map_err(|e| {
            Error::invalid(
                "timezone",
                format!("{raw:?} is not a known IANA time zone (e.g. Europe/Paris): {e}"),
            )
        })?;
        zone.name = tz.iana_name().unwrap_or(n).to_string();
        zone.tz = tz;
        Ok(zone)
    }

    /// The zone's IANA name (`UTC` for UTC and its aliases).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn week_start(&self) -> WeekStart {
        self.week_start
    }

    /// The local date of an instant.
    pub fn date_of(&self, ms: i64) -> Option<Date> {
        Timestamp::from_millisecond(ms)
            .ok()
            .map(|ts| ts.to_zoned(self.tz.clone()).date())
    }

    /// The local date of an instant as days since 1970-01-01: its UTC offset looked up, no
    /// calendar arithmetic (what a per-row grouping can afford).
    pub fn local_day(&self, ms: i64) -> Option<i64> {
        let ts = Timestamp::from_millisecond(ms).ok()?;
        let offset_ms = i64::from(self.tz.to_offset(ts).seconds()) * 1000;
        Some((ms + offset_ms).div_euclid(86_400_000))
    }

    /// The first date of the period that contains `date`.
    pub fn period_start(&self, period: Period, date: Date) -> Date {
        match period {
            Period::Day => date,
            Period::Week => date
                .checked_sub(i64::from(self.week_start.offset(date)).days())
                .unwrap_or(date),
            Period::Month => date.first_of_month(),
        }
    }

    /// The first date of the period after the one that contains `date`.
    fn next_period_start(
        &self,
        period: Period,
        date: Date,
    ) -> std::result::Result<Date, jiff::Error> {
        let start = self.period_start(period, date);
        match period {
            Period::Day => start.tomorrow(),
            Period::Week => start.checked_add(7.days()),
            Period::Month => start.last_of_month().tomorrow(),
        }
    }

    /// The first instant of `date` in the zone (midnight, or the end of a DST gap at midnight).
    pub fn start_of_date_ms(&self, date: Date) -> std::result::Result<i64, jiff::Error> {
        date.to_zoned(self.tz.clone())
            .map(|z| z.timestamp().as_millisecond())
    }

    /// Group key of an instant: `YYYY-MM-DD` (day), ISO `YYYY-Www` (week from Monday) or the
    /// week's first day `YYYY-MM-DD` (week from Sunday), `YYYY-MM` (month).
    pub fn key(&self, period: Period, ms: i64) -> Option<String> {
        let date = self.date_of(ms)?;
        Some(match period {
            Period::Day => format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()),
            Period::Week => match self.week_start {
                WeekStart::Monday => {
                    let w = date.iso_week_date();
                    format!("{:04}-W{:02}", w.year(), w.week())
                }
                WeekStart::Sunday => {
                    let s = self.period_start(Period::Week, date);
                    format!("{:04}-{:02}-{:02}", s.year(), s.month(), s.day())
                }
            },
            Period::Month => format!("{:04}-{:02}", date.year(), date.month()),
        })
    }

    /// A query bound in this zone: a date (`2026-11-30`) or `today`, `yesterday`,
    /// `this-week`, `this-month` (whole periods, see [`Edge`]), else an instant or a
    /// relative duration ([`parse_bound_ms`]).
    pub fn bound_ms(&self, edge: Edge, value: &str, now_ms: i64) -> Result<i64> {
        let field = edge.field();
        let v = value.trim();
        let today = || {
            self.date_of(now_ms)
                .ok_or_else(|| Error::invalid(field, "the current time is out of range"))
        };
        let (period, date) = match v.to_ascii_lowercase().as_str() {
            "today" => (Period::Day, today()?),
            "yesterday" => (
                Period::Day,
                today()?
                    .yesterday()
                    .map_err(|e| Error::invalid(field, e.to_string()))?,
            ),
            "this-week" => (Period::Week, today()?),
            "this-month" => (Period::Month, today()?),
            _ if is_date_shape(v) => (
                Period::Day,
                v.parse::<Date>().map_err(|e| {
                    Error::invalid(field, format!("{value:?} is not a valid date: {e}"))
                })?,
            ),
            _ => return parse_bound_ms(field, v, now_ms),
        };
        let first = match edge {
            Edge::Since => Ok(self.period_start(period, date)),
            Edge::Until => self.next_period_start(period, date),
        };
        first
            .and_then(|d| self.start_of_date_ms(d))
            .map_err(|e| Error::invalid(field, format!("{value:?} is out of range: {e}")))
    }
}

/// `YYYY-MM-DD` exactly (jiff would also accept a datetime as a date).
fn is_date_shape(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    fn ms(iso: &str) -> i64 {
        parse_instant_ms("t", iso).unwrap()
    }

    fn zone(name: &str) -> Zone {
        Zone::new(Some(name), WeekStart::Monday).unwrap()
    }

    fn bound(z: &Zone, edge: Edge, v: &str, now: &str) -> String {
        format_ms(z.bound_ms(edge, v, ms(now)).unwrap())
    }

    #[test]
    fn dates_cover_whole_local_days_across_dst_changes() {
        let noon = "2026-11-30T12:00:00Z";
        // Paris leaves summer time on 2026-10-25: that day is 25 hours long.
        let paris = zone("Europe/Paris");
        assert_eq!(
            bound(&paris, Edge::Since, "2026-10-25", noon),
            "2026-10-24T22:00:00.000Z"
        );
        assert_eq!(
            bound(&paris, Edge::Until, "2026-10-25", noon),
            "2026-10-25T23:00:00.000Z"
        );
        // Los Angeles enters summer time on 2026-03-08 (23 hours) and leaves it on 2026-11-01.
        let la = zone("America/Los_Angeles");
        assert_eq!(
            bound(&la, Edge::Since, "2026-03-08", noon),
            "2026-03-08T08:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Until, "2026-03-08", noon),
            "2026-03-09T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Until, "2026-11-01", noon),
            "2026-11-02T08:00:00.000Z"
        );
        // Santiago skips midnight on 2026-09-06: the day starts at 01:00 -03.
        let scl = zone("America/Santiago");
        assert_eq!(
            bound(&scl, Edge::Since, "2026-09-06", noon),
            "2026-09-06T04:00:00.000Z"
        );
        // UTC (the default) and its aliases.
        for z in [Zone::utc(), zone("Etc/UTC"), zone("utc")] {
            assert_eq!(z.name(), "UTC");
            assert_eq!(
                bound(&z, Edge::Since, "2026-10-25", noon),
                "2026-10-25T00:00:00.000Z"
            );
        }
        assert_eq!(paris.name(), "Europe/Paris");
        assert_eq!(zone("america/los_angeles").name(), "America/Los_Angeles");
    }

    #[test]
    fn calendar_names_are_periods_of_the_zone_around_now() {
        // A Sunday, during Los Angeles' repeated hour (01:30 PDT) and 09:30 in Paris (CET).
        let now = "2026-11-01T08:30:00Z";
        let la = zone("America/Los_Angeles");
        assert_eq!(
            bound(&la, Edge::Since, "today", now),
            "2026-11-01T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Until, "today", now),
            "2026-11-02T08:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Since, "yesterday", now),
            "2026-10-31T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Until, "yesterday", now),
            "2026-11-01T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Since, "this-week", now),
            "2026-10-26T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Until, "this-week", now),
            "2026-11-02T08:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Since, "This-Month", now),
            "2026-11-01T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la, Edge::Until, "this-month", now),
            "2026-12-01T08:00:00.000Z"
        );
        let la_sun = Zone::new(Some("America/Los_Angeles"), WeekStart::Sunday).unwrap();
        assert_eq!(
            bound(&la_sun, Edge::Since, "this-week", now),
            "2026-11-01T07:00:00.000Z"
        );
        assert_eq!(
            bound(&la_sun, Edge::Until, "this-week", now),
            "2026-11-08T08:00:00.000Z"
        );

        let paris = zone("Europe/Paris");
        assert_eq!(
            bound(&paris, Edge::Since, "today", now),
            "2026-10-31T23:00:00.000Z"
        );
        assert_eq!(
            bound(&paris, Edge::Since, "this-week", now),
            "2026-10-25T23:00:00.000Z"
        );
        assert_eq!(
            bound(&paris, Edge::Since, "this-month", now),
            "2026-10-31T23:00:00.000Z"
        );
        assert_eq!(
            bound(&paris, Edge::Until, "this-month", now),
            "2026-11-30T23:00:00.000Z"
        );
        assert_eq!(
            bound(&Zone::utc(), Edge::Since, "today", now),
            "2026-11-01T00:00:00.000Z"
        );

        // Instants and durations do not depend on the zone.
        for v in ["2026-05-21T12:00:00Z", "7d", "30m"] {
            assert_eq!(
                la.bound_ms(Edge::Since, v, ms(now)).unwrap(),
                parse_bound_ms("since", v, ms(now)).unwrap()
            );
        }
    }

    #[test]
    fn keys_follow_the_zone_and_the_week_start() {
        let paris = zone("Europe/Paris");
        let sunday = Zone::new(Some("Europe/Paris"), WeekStart::Sunday).unwrap();
        // 2026-10-31T23:30Z is Sunday 2026-11-01 00:30 in Paris, Saturday in UTC.
        let t = ms("2026-10-31T23:30:00Z");
        assert_eq!(paris.key(Period::Day, t).unwrap(), "2026-11-01");
        assert_eq!(paris.key(Period::Week, t).unwrap(), "2026-W44");
        assert_eq!(paris.key(Period::Month, t).unwrap(), "2026-11");
        assert_eq!(sunday.key(Period::Week, t).unwrap(), "2026-11-01");
        assert_eq!(Zone::utc().key(Period::Day, t).unwrap(), "2026-10-31");
        assert_eq!(Zone::utc().key(Period::Month, t).unwrap(), "2026-10");
        // A Saturday's Sunday-start week began the Sunday before.
        let sat = ms("2026-10-31T12:00:00Z");
        assert_eq!(sunday.key(Period::Week, sat).unwrap(), "2026-10-25");
    }

    #[test]
    fn bad_zones_week_starts_and_dates_name_their_field() {
        let e = Zone::new(Some("Mars/Olympus"), WeekStart::Monday).unwrap_err();
        assert_eq!(e.field(), Some("timezone"));
        assert_eq!(
            WeekStart::parse("weekStart", "tuesday")
                .unwrap_err()
                .field(),
            Some("weekStart")
        );
        assert_eq!(
            WeekStart::parse("weekStart", " Sunday ").unwrap(),
            WeekStart::Sunday
        );
        let z = Zone::utc();
        for (edge, field) in [(Edge::Since, "since"), (Edge::Until, "until")] {
            for bad in [
                "2026-02-30",
                "2026-13-01",
                "tomorrow",
                "last-week",
                "2026-11-30T10:00",
            ] {
                let e = z.bound_ms(edge, bad, 0).unwrap_err();
                assert_eq!(e.field(), Some(field), "{bad}");
                assert_eq!(e.code(), "INVALID_ARGUMENT");
            }
        }
    }
}
