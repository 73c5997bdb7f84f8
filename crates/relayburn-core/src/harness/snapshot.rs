//! Spreading a session total over time. Droid, Goose and Crush keep one running total per
//! session, not one record per API call; what their logs do show per reply is when it came
//! (and, for Crush, which model gave it). The total is split over the 15-minute buckets
//! (UTC) of those replies, in proportion to the number of replies in each bucket and model,
//! so a session that ran over several days lands on those days in any time zone (zone offsets
//! are whole quarter hours). The split is exact: every token class of the parts adds up to
//! the total. With no reply to go by, the whole total sits at one fallback instant.

use crate::vocab::records::Usage;
use std::collections::BTreeMap;

/// Width of a bucket: the ledger rollup's.
pub const BUCKET_MS: i64 = 900_000;

/// One reply the source shows: when, and the model that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub ts_ms: i64,
    pub model: String,
}

/// One part of a spread total: the first reply's time in its bucket, the model, its share.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub bucket_ms: i64,
    pub ts_ms: i64,
    pub model: String,
    pub usage: Usage,
    /// Replies in this part, and in all parts: the share of a total that is not a count
    /// (a cost) is `total × replies / of`.
    pub replies: i64,
    pub of: i64,
}

/// Splits `total` over `replies` (see the module notes); `fallback` places it when there is
/// no reply. Parts come in bucket order, then model order.
pub fn spread(total: &Usage, replies: &[Reply], fallback: Reply) -> Vec<Part> {
    let mut groups: BTreeMap<(i64, &str), (i64, i64)> = BTreeMap::new();
    let fallback_list = [fallback];
    let replies = if replies.is_empty() {
        &fallback_list[..]
    } else {
        replies
    };
    for r in replies {
        let bucket = r.ts_ms.div_euclid(BUCKET_MS) * BUCKET_MS;
        let e = groups
            .entry((bucket, r.model.as_str()))
            .or_insert((r.ts_ms, 0));
        e.0 = e.0.min(r.ts_ms);
        e.1 += 1;
    }
    let of = replies.len() as i64;
    let mut seen = 0i64;
    let mut parts = Vec::with_capacity(groups.len());
    for ((bucket_ms, model), (ts_ms, n)) in groups {
        let before = seen;
        seen += n;
        // Cumulative floors: the parts of each class add up to the class's total exactly.
        let share = |v: i64| cut(v, seen, of) - cut(v, before, of);
        parts.push(Part {
            bucket_ms,
            ts_ms,
            model: model.to_string(),
            usage: Usage {
                input: share(total.input),
                output: share(total.output),
                reasoning: share(total.reasoning),
                cache_read: share(total.cache_read),
                cache_write_5m: share(total.cache_write_5m),
                cache_write_1h: share(total.cache_write_1h),
            },
            replies: n,
            of,
        });
    }
    parts
}

/// ⌊v × k / n⌋ without overflow.
fn cut(v: i64, k: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    ((v as i128 * k as i128) / n as i128) as i64
}

/// A time read from a harness database: epoch seconds or milliseconds (as a number or a
/// string of digits), `YYYY-MM-DD HH:MM:SS[.fff]` (SQLite's `CURRENT_TIMESTAMP`, UTC) or any
/// ISO-8601 instant.
pub fn parse_db_time(value: &str) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(n) = v.parse::<i64>() {
        return epoch_ms(n);
    }
    if let Ok(f) = v.parse::<f64>() {
        return epoch_ms(f as i64);
    }
    if let Ok(ms) = crate::time::parse_instant_ms("time", v) {
        return Some(ms);
    }
    // `2025-01-02 03:04:05` (no zone: SQLite writes UTC).
    let iso = if v.len() >= 19 && v.as_bytes().get(10) == Some(&b' ') {
        format!("{}T{}Z", &v[..10], &v[11..])
    } else {
        return None;
    };
    crate::time::parse_instant_ms("time", &iso).ok()
}

/// Seconds or milliseconds since the epoch, told apart by size.
pub fn epoch_ms(n: i64) -> Option<i64> {
    match n {
        n if n <= 0 => None,
        n if n >= 100_000_000_000 => Some(n),
        n => n.checked_mul(1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(ts_ms: i64, model: &str) -> Reply {
        Reply {
            ts_ms,
            model: model.into(),
        }
    }

    #[test]
    fn a_total_is_split_exactly_by_replies_per_bucket() {
        let total = Usage {
            input: 1001,
            output: 7,
            reasoning: 3,
            cache_read: 99_999,
            cache_write_5m: 10,
            cache_write_1h: 0,
        };
        let day = 86_400_000;
        let replies = [
            reply(1_000, "m"),
            reply(2_000, "m"),
            reply(day + 5, "m"),
            reply(2 * day, "m"),
            reply(2 * day + 10, "other"),
        ];
        let parts = spread(&total, &replies, reply(0, "m"));
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0].ts_ms, 1_000);
        assert_eq!(parts[0].replies, 2);
        let sum = |f: fn(&Usage) -> i64| parts.iter().map(|p| f(&p.usage)).sum::<i64>();
        assert_eq!(sum(|u| u.input), 1001);
        assert_eq!(sum(|u| u.output), 7);
        assert_eq!(sum(|u| u.reasoning), 3);
        assert_eq!(sum(|u| u.cache_read), 99_999);
        assert_eq!(sum(|u| u.cache_write_5m), 10);
        // Two of five replies: 2/5 of the input, rounded down.
        assert_eq!(parts[0].usage.input, 400);
        assert_eq!(parts[3].model, "other");
    }

    #[test]
    fn without_replies_the_total_sits_at_the_fallback() {
        let total = Usage {
            input: 5,
            ..Default::default()
        };
        let parts = spread(&total, &[], reply(1_234_567, "m"));
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].ts_ms, 1_234_567);
        assert_eq!(parts[0].usage.input, 5);
    }

    #[test]
    fn database_times_in_every_shape() {
        assert_eq!(parse_db_time("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_db_time("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(
            parse_db_time("2023-11-14 22:13:20"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_db_time("2023-11-14T22:13:20Z"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_db_time("soon"), None);
        assert_eq!(parse_db_time("0"), None);
    }
}

/// What a reader knows of one session's total.
pub struct SessionTotal {
    pub harness: crate::vocab::Harness,
    pub session_id: String,
    pub project: Option<String>,
    pub provider: Option<String>,
    pub total: Usage,
    /// The cost the harness wrote for the session, spread like the tokens.
    pub cost: Option<f64>,
    pub replies: Vec<Reply>,
    /// Where the total sits when no reply is known (model included).
    pub fallback: Reply,
}

/// The session's snapshot group: one turn per part of its spread total, keyed by harness,
/// session, bucket and model (the snapshot key), so a later total replaces each part.
pub fn group(s: SessionTotal) -> crate::vocab::records::SnapshotGroup {
    use crate::vocab::records::{SnapshotGroup, TurnRecord};
    let parts = spread(&s.total, &s.replies, s.fallback);
    let mut seen = 0i64;
    let turns = parts
        .into_iter()
        .map(|p| {
            // Cumulative shares, like the counts: the parts' costs add up to the total.
            let before = seen;
            seen += p.replies;
            let share = |k: i64| s.cost.map(|c| c * k as f64 / p.of.max(1) as f64);
            let cost = share(seen).zip(share(before)).map(|(to, from)| to - from);
            (p, cost)
        })
        .map(|(p, reported_cost_usd)| TurnRecord {
            harness: s.harness,
            key: format!(
                "{}|{}|{}|{}",
                s.harness.as_str(),
                s.session_id,
                p.bucket_ms,
                p.model
            ),
            session_id: s.session_id.clone(),
            message_id: format!("{}@{}", s.session_id, p.bucket_ms),
            request_id: None,
            ts_ms: p.ts_ms,
            model: p.model,
            provider: s.provider.clone(),
            project: s.project.clone(),
            branch: None,
            usage: p.usage,
            stop_reason: None,
            complete: true,
            tool_calls: Vec::new(),
            reported_cost_usd,
        })
        .collect();
    SnapshotGroup {
        harness: s.harness,
        session_id: s.session_id,
        turns,
    }
}

/// Counts a skipped line (or, with `line` 0, document or row) and keeps the first messages.
pub(crate) fn skip(out: &mut crate::vocab::records::Records, line: i64, message: String) {
    out.lines_skipped += 1;
    if out.bad_lines.len() < 100 {
        out.bad_lines.push((line, message));
    }
}

/// Cursor state of a database of session totals: a digest of what was last written for each
/// session, so a pass hands the writer only the sessions that changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DigestState {
    #[serde(default)]
    pub sessions: BTreeMap<String, i64>,
}

impl DigestState {
    /// Keeps the group (and its session info) in `out` only when it differs from the last
    /// pass's; notes its digest either way.
    pub fn emit(
        &mut self,
        info: crate::vocab::records::SessionInfo,
        group: Option<crate::vocab::records::SnapshotGroup>,
        out: &mut crate::vocab::records::Records,
    ) {
        let digest = crate::hash::id64(&format!("{info:?}|{group:?}"));
        if self.sessions.insert(info.session_id.clone(), digest) == Some(digest) {
            return;
        }
        out.sessions.push(info);
        out.snapshots.extend(group);
    }
}
