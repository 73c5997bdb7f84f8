//! `push`: what a device sends to a team server. The outbox (migration 10) orders every change
//! to turns, sessions and stamps by a sequence number; [`batch`] reads the changes after a
//! server's acknowledged high-water mark, in order, as privacy-filtered rows, and [`ack`]
//! moves the mark once the server has committed them. The HTTP exchange is the SDK's.
//!
//! Nothing a user typed or a model wrote leaves the machine: no content, prompts, titles, tool
//! calls or arguments. Projects are sent per [`ProjectMode`]. Each turn carries its cost, model
//! key and provider as this core prices and groups them, so a server never prices on its own.

use crate::error::{Error, Result};
use crate::home::CONFIG_FILE;
use crate::ledger::Ledger;
use crate::pricing::{route_provider, PriceTable, Tokens};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;

/// At most this many rows per batch (the server refuses more).
pub const MAX_BATCH_ROWS: i64 = 5_000;
/// A push retries a failed batch (network error, 429, 5xx) this many times by default, and at
/// most [`MAX_RETRIES`] times.
pub const DEFAULT_RETRIES: i64 = 6;
pub const MAX_RETRIES: i64 = 100;
pub const ENV_SERVER: &str = "RELAYBURN_SERVER";
pub const ENV_TOKEN: &str = "RELAYBURN_TOKEN";

/// How a turn's project (its working directory) is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectMode {
    /// The last path segment (`/home/a/src/app` → `app`).
    #[default]
    Name,
    /// The whole path.
    Full,
    /// 16 hex characters of SHA-256 of the whole path.
    Hash,
    /// Not sent.
    None,
}

impl ProjectMode {
    pub fn parse(field: &str, value: &str) -> Result<ProjectMode> {
        match value {
            "name" => Ok(ProjectMode::Name),
            "full" => Ok(ProjectMode::Full),
            "hash" => Ok(ProjectMode::Hash),
            "none" => Ok(ProjectMode::None),
            _ => Err(Error::invalid(
                field,
                format!("must be name, full, hash or none (got {value:?})"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectMode::Name => "name",
            ProjectMode::Full => "full",
            ProjectMode::Hash => "hash",
            ProjectMode::None => "none",
        }
    }

    pub fn apply(self, project: Option<String>) -> Option<String> {
        let p = project.filter(|p| !p.is_empty())?;
        match self {
            ProjectMode::Full => Some(p),
            ProjectMode::None => None,
            ProjectMode::Hash => Some(crate::hash::short_hex(p.as_bytes())),
            ProjectMode::Name => {
                let trimmed = p.trim_end_matches(['/', '\\']);
                let last = trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed);
                Some(if last.is_empty() { p } else { last.to_string() })
            }
        }
    }
}

/// Where and how to push: call options win over `RELAYBURN_SERVER`/`RELAYBURN_TOKEN`, which
/// win over `config.json`'s `push` section (`{"push": {"server", "token", "projects"}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSettings {
    /// The server's base URL, without a trailing slash.
    pub server: String,
    pub token: String,
    pub projects: ProjectMode,
    /// Rows per batch (at most [`MAX_BATCH_ROWS`], the default).
    pub batch_size: i64,
    /// Retries of a failed batch.
    pub retries: i64,
}

/// The push options besides where to send: checked and defaulted here.
#[derive(Debug, Clone, Copy, Default)]
pub struct PushLimits {
    pub batch_size: Option<i64>,
    pub retries: Option<i64>,
}

/// Resolves [`PushSettings`]. A missing server or token is `INVALID_ARGUMENT` naming it.
pub fn settings(
    home: &Path,
    server: Option<&str>,
    token: Option<&str>,
    projects: Option<&str>,
    limits: PushLimits,
) -> Result<PushSettings> {
    let batch_size = limits.batch_size.unwrap_or(MAX_BATCH_ROWS);
    check_batch_size(batch_size)?;
    let retries = limits.retries.unwrap_or(DEFAULT_RETRIES);
    if !(0..=MAX_RETRIES).contains(&retries) {
        return Err(Error::invalid(
            "retries",
            format!("must be between 0 and {MAX_RETRIES}"),
        ));
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let config = read_config(home)?;
    let cfg = |key: &str| {
        config
            .as_ref()
            .and_then(|c| c.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let server = server
        .map(str::to_string)
        .or_else(|| env(ENV_SERVER))
        .or_else(|| cfg("server"))
        .ok_or_else(|| {
            Error::invalid(
                "server",
                format!(
                    "no team server: pass server, set {ENV_SERVER} or push.server in {CONFIG_FILE}"
                ),
            )
        })?;
    let token = token
        .map(str::to_string)
        .or_else(|| env(ENV_TOKEN))
        .or_else(|| cfg("token"))
        .ok_or_else(|| {
            Error::invalid(
                "token",
                format!("no token: pass token, set {ENV_TOKEN} or push.token in {CONFIG_FILE}"),
            )
        })?;
    let projects = match projects.map(str::to_string).or_else(|| cfg("projects")) {
        Some(p) => ProjectMode::parse("projects", &p)?,
        None => ProjectMode::default(),
    };
    Ok(PushSettings {
        server: normalize_server(&server)?,
        token: check_token(&token)?,
        projects,
        batch_size,
        retries,
    })
}

fn read_config(home: &Path) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    let path = home.join(CONFIG_FILE);
    let text = match crate::files::read_regular_to_string(&path, crate::files::MAX_CONFIG_BYTES) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid("config", format!("{}: invalid JSON: {e}", path.display())))?;
    match value.get("push") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(Error::invalid(
            "config",
            format!("{}: push must be an object", path.display()),
        )),
    }
}

/// `http(s)://host[:port][/path]`, trailing slashes dropped (the mark is kept per server).
pub fn normalize_server(server: &str) -> Result<String> {
    let s = server.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    match rest {
        Some(r) if !r.is_empty() && !r.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Ok(s.to_string())
        }
        _ => Err(Error::invalid(
            "server",
            format!("must be an http:// or https:// URL (got {server:?})"),
        )),
    }
}

fn check_token(token: &str) -> Result<String> {
    let t = token.trim();
    if t.is_empty() || t.len() > 512 || !t.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid(
            "token",
            "must be a non-empty printable ASCII string",
        ));
    }
    Ok(t.to_string())
}

/// One turn as sent. `revision` is its outbox sequence: a later change has a higher one.
#[derive(Debug, Clone, PartialEq)]
pub struct PushTurn {
    /// The turn's id (SHA-256 prefix of its natural key) as 16 hex characters.
    pub key: String,
    pub revision: i64,
    pub harness: String,
    pub session_id: String,
    pub message_id: String,
    pub request_id: Option<String>,
    pub ts_ms: i64,
    /// The model id as the harness wrote it.
    pub model: String,
    /// The model group key ([`PriceTable::model_key`], `(unknown)` for none).
    pub model_key: String,
    /// The provider group key (route, turn's provider, price entry's), if any.
    pub provider: Option<String>,
    pub priced: bool,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
    pub cost_usd: f64,
    pub stop_reason: Option<String>,
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSession {
    pub revision: i64,
    pub harness: String,
    pub session_id: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub parent_session_id: Option<String>,
    /// The parent's own harness when this ledger has its real row.
    pub parent_harness: Option<String>,
    pub relationship: String,
    pub placeholder: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushStamp {
    pub revision: i64,
    pub id: String,
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    /// Key-sorted JSON object of string values.
    pub enrichment: String,
    pub ts_ms: i64,
}

/// The changes after `after`, up to `up_to` (the last sequence read; `after` when empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PushBatch {
    pub after: i64,
    pub up_to: i64,
    /// More changes wait after `up_to`.
    pub more: bool,
    /// Changes not yet acknowledged, this batch included.
    pub pending: i64,
    pub sessions: Vec<PushSession>,
    pub turns: Vec<PushTurn>,
    pub stamps: Vec<PushStamp>,
}

/// The acknowledged high-water mark for `server` (0 before the first push).
pub fn mark(ledger: &Ledger, server: &str) -> Result<i64> {
    let conn = ledger.conn()?;
    conn.query_row(
        "SELECT seq FROM push_marks WHERE server = ?1",
        [server],
        |r| r.get(0),
    )
    .optional()
    .map(|v| v.unwrap_or(0))
    .map_err(|e| ledger.err(e))
}

/// Named as the SDK's option (`push({ batchSize })`), which is passed on as it is.
fn check_batch_size(limit: i64) -> Result<()> {
    if !(1..=MAX_BATCH_ROWS).contains(&limit) {
        return Err(Error::invalid(
            "batchSize",
            format!("must be between 1 and {MAX_BATCH_ROWS}"),
        ));
    }
    Ok(())
}

/// True once the outbox is kept ([`arm`]).
pub fn armed(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM push_armed)")?
        .query_row([], |r| r.get(0))
}

/// Starts keeping the outbox, in the first push from this ledger (schema migration 22): every
/// session, turn and stamp there is gets one entry (sessions by first activity, turns and
/// stamps in row order), and from then on the triggers and the ingest writer queue each
/// change. A ledger that never pushes keeps no outbox. Inside the caller's write transaction;
/// an outbox already kept is left as it is.
pub fn arm(tx: &Connection) -> rusqlite::Result<()> {
    if tx.execute(
        "INSERT INTO push_armed (id) VALUES (1) ON CONFLICT DO NOTHING",
        [],
    )? == 0
    {
        return Ok(());
    }
    tx.execute_batch(
        "DELETE FROM push_outbox;
         INSERT INTO push_outbox (kind, harness, session_id)
             SELECT 's', harness, session_id FROM sessions ORDER BY first_ts_ms, harness, session_id;
         INSERT INTO push_outbox (kind, rid) SELECT 't', rid FROM turns ORDER BY rid;
         INSERT INTO push_outbox (kind, rid) SELECT 'p', seq FROM stamps ORDER BY seq;",
    )
}

/// Reads the next batch for `server`: at most `limit` (≤ [`MAX_BATCH_ROWS`]) outbox entries
/// after its mark, in sequence order. The first push from the ledger arms the outbox first
/// ([`arm`]).
pub fn batch(
    ledger: &mut Ledger,
    server: &str,
    limit: i64,
    projects: ProjectMode,
) -> Result<PushBatch> {
    check_batch_size(limit)?;
    if !armed(ledger.conn()?).map_err(|e| ledger.err(e))? {
        let path = ledger.path().to_path_buf();
        ledger.write(|tx| arm(tx).map_err(|e| Error::sqlite(&path, e)))?;
    }
    let after = mark(ledger, server)?;
    let prices = PriceTable::load(ledger.home())?;
    let conn = ledger.conn()?;
    let e = |err| ledger.err(err);
    let mut out = PushBatch {
        after,
        up_to: after,
        ..PushBatch::default()
    };
    out.pending = conn
        .query_row(
            "SELECT count(*) FROM push_outbox WHERE seq > ?1",
            [after],
            |r| r.get(0),
        )
        .map_err(e)?;
    let mut entries = conn
        .prepare_cached(
            "SELECT seq, kind, rid, harness, session_id FROM push_outbox
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )
        .map_err(e)?;
    let rows: Vec<(i64, String, i64, String, String)> = entries
        .query_map(params![after, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(e)?
        .collect::<rusqlite::Result<_>>()
        .map_err(e)?;
    out.more = out.pending > rows.len() as i64;
    let mut turn_q = conn
        .prepare_cached(
            "SELECT id, harness, session_id, message_id, request_id, ts_ms, model, provider, project,
                    branch, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
                    stop_reason, complete, COALESCE(reported_cost_usd, 0)
             FROM turns WHERE rid = ?1",
        )
        .map_err(e)?;
    let mut session_q = conn
        .prepare_cached(
            "SELECT project, branch, parent_session_id, relationship, placeholder,
                    (SELECT p.harness FROM sessions p
                     WHERE p.session_id = s.parent_session_id AND p.placeholder = 0
                     ORDER BY p.harness LIMIT 1)
             FROM sessions s WHERE harness = ?1 AND session_id = ?2",
        )
        .map_err(e)?;
    let mut stamp_q = conn
        .prepare_cached(
            "SELECT id, session_id, message_id, enrichment, ts_ms FROM stamps WHERE seq = ?1",
        )
        .map_err(e)?;
    let mut models: HashMap<String, (String, Option<String>, Option<crate::pricing::ModelPrice>)> =
        HashMap::new();
    for (seq, kind, rid, harness, session_id) in rows {
        out.up_to = seq;
        match kind.as_str() {
            "t" => {
                let row = turn_q
                    .query_row([rid], |r| {
                        let reported: f64 = r.get(18)?;
                        let turn = PushTurn {
                            key: format!("{:016x}", r.get::<_, i64>(0)?),
                            revision: seq,
                            harness: r.get(1)?,
                            session_id: r.get(2)?,
                            message_id: r.get(3)?,
                            request_id: r.get(4)?,
                            ts_ms: r.get(5)?,
                            model: r.get(6)?,
                            model_key: String::new(),
                            provider: r.get(7)?,
                            priced: false,
                            project: r.get(8)?,
                            branch: r.get(9)?,
                            input: r.get(10)?,
                            output: r.get(11)?,
                            reasoning: r.get(12)?,
                            cache_read: r.get(13)?,
                            cache_write_5m: r.get(14)?,
                            cache_write_1h: r.get(15)?,
                            cost_usd: 0.0,
                            stop_reason: r.get(16)?,
                            complete: r.get::<_, i64>(17)? != 0,
                        };
                        Ok((turn, reported))
                    })
                    .optional()
                    .map_err(e)?;
                // A turn deleted since (a rebuild) left its entry behind: nothing to send.
                let Some((mut t, reported)) = row else {
                    continue;
                };
                let (key, route, price) = models.entry(t.model.clone()).or_insert_with(|| {
                    let key = prices.model_key(&t.model);
                    (
                        if key.is_empty() {
                            "(unknown)".to_string()
                        } else {
                            key
                        },
                        route_provider(&t.model),
                        prices.lookup(&t.model).cloned(),
                    )
                });
                t.model_key = key.clone();
                t.provider = route
                    .clone()
                    .or_else(|| t.provider.take().filter(|p| !p.is_empty()))
                    .or_else(|| price.as_ref().and_then(|p| p.provider.clone()));
                let tokens = Tokens {
                    input: t.input,
                    output: t.output,
                    cache_read: t.cache_read,
                    cache_write_5m: t.cache_write_5m,
                    cache_write_1h: t.cache_write_1h,
                };
                // The same cost the local summary shows: the price table's, else what the
                // harness reported for the call.
                t.priced = price.is_some();
                t.cost_usd = crate::pricing::cost_or_reported(
                    price.as_ref(),
                    tokens.context_class(),
                    &tokens,
                    reported,
                );
                t.project = projects.apply(t.project.take());
                out.turns.push(t);
            }
            "s" => {
                let row = session_q
                    .query_row(params![harness, session_id], |r| {
                        Ok(PushSession {
                            revision: seq,
                            harness: harness.clone(),
                            session_id: session_id.clone(),
                            project: r.get(0)?,
                            branch: r.get(1)?,
                            parent_session_id: r.get(2)?,
                            relationship: r.get(3)?,
                            placeholder: r.get::<_, i64>(4)? != 0,
                            parent_harness: r.get(5)?,
                        })
                    })
                    .optional()
                    .map_err(e)?;
                let Some(mut s) = row else { continue };
                s.project = projects.apply(s.project.take());
                out.sessions.push(s);
            }
            _ => {
                let row = stamp_q
                    .query_row([rid], |r| {
                        Ok(PushStamp {
                            revision: seq,
                            id: r.get(0)?,
                            session_id: r.get(1)?,
                            message_id: r.get(2)?,
                            enrichment: r.get(3)?,
                            ts_ms: r.get(4)?,
                        })
                    })
                    .optional()
                    .map_err(e)?;
                if let Some(s) = row {
                    out.stamps.push(s);
                }
            }
        }
    }
    Ok(out)
}

/// Records that `server` acknowledged every change up to `up_to`. The mark never moves back
/// (a late acknowledgement of an earlier batch changes nothing). Returns the mark.
pub fn ack(ledger: &mut Ledger, server: &str, up_to: i64) -> Result<i64> {
    if up_to < 0 {
        return Err(Error::invalid("upTo", "must be 0 or more"));
    }
    ledger.write(|tx| {
        tx.execute(
            "INSERT INTO push_marks (server, seq) VALUES (?1, ?2)
             ON CONFLICT (server) DO UPDATE SET seq = max(seq, excluded.seq)",
            params![server, up_to],
        )
        .map_err(|e| Error::Internal(format!("push mark: {e}")))?;
        tx.query_row(
            "SELECT seq FROM push_marks WHERE server = ?1",
            [server],
            |r| r.get(0),
        )
        .map_err(|e| Error::Internal(format!("push mark: {e}")))
    })
}

/// A query window resolved as `summary` resolves it: `(since_ms, until_ms, zone name)`.
pub fn window(
    since: Option<&str>,
    until: Option<&str>,
    timezone: Option<&str>,
    week_start: Option<&str>,
) -> Result<(Option<i64>, Option<i64>, String)> {
    use crate::time::{Edge, WeekStart, Zone};
    let ws = match week_start {
        Some(w) => WeekStart::parse("weekStart", w)?,
        None => WeekStart::default(),
    };
    let zone = Zone::new(timezone, ws)?;
    let now = crate::time::now_ms();
    let lo = since
        .map(|s| zone.bound_ms(Edge::Since, s, now))
        .transpose()?;
    let hi = until
        .map(|u| zone.bound_ms(Edge::Until, u, now))
        .transpose()?;
    Ok((lo, hi, zone.name().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_modes() {
        let p = || Some("/home/a/src/app/".to_string());
        assert_eq!(ProjectMode::Name.apply(p()).as_deref(), Some("app"));
        assert_eq!(
            ProjectMode::Full.apply(p()).as_deref(),
            Some("/home/a/src/app/")
        );
        assert_eq!(ProjectMode::None.apply(p()), None);
        assert_eq!(ProjectMode::Hash.apply(p()).map(|h| h.len()), Some(16));
        assert_eq!(ProjectMode::Name.apply(Some(String::new())), None);
        assert!(ProjectMode::parse("projects", "path").is_err());
    }

    #[test]
    fn servers_are_urls() {
        assert_eq!(
            normalize_server("https://burn.example.com/")
                .ok()
                .as_deref(),
            Some("https://burn.example.com")
        );
        assert!(normalize_server("ftp://x").is_err());
        assert!(normalize_server("http://").is_err());
    }

    /// Writes a stamp (`team=a`) on `session`.
    fn stamp(ledger: &mut Ledger, session: &str) {
        crate::stamp::write_stamp(
            ledger,
            &crate::stamp::StampRequest {
                session_id: Some(session.into()),
                message_id: None,
                enrichment: [("team".to_string(), "a".to_string())]
                    .into_iter()
                    .collect(),
                ts: None,
            },
        )
        .unwrap();
    }

    /// A ledger that never pushed keeps no outbox; its first push queues everything there is,
    /// once, and every change after it is queued as it happens.
    #[test]
    fn the_first_push_arms_the_outbox_with_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path()).unwrap();
        const TURN: &str =
            "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, input, output,
                reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
             VALUES (?1, 'claude-code', ?2, ?3, 1779364800000, 'm', 10, 5, 0, 0, 0, 0, 1, '[]')";
        let entries = |ledger: &Ledger| {
            crate::ledger::tests::column_texts(
                ledger.conn().unwrap(),
                "SELECT kind || '|' || rid || '|' || session_id FROM push_outbox ORDER BY seq",
            )
        };
        crate::ingest::with_upkeep(ledger.conn().unwrap(), |c| {
            c.execute(TURN, params![1, "s1", "m1"])?;
            c.execute(TURN, params![2, "s2", "m2"])
        })
        .unwrap();
        stamp(&mut ledger, "s1");
        ledger
            .conn()
            .unwrap()
            .execute("UPDATE turns SET output = 6 WHERE id = 1", [])
            .unwrap();
        assert!(!armed(ledger.conn().unwrap()).unwrap());
        assert!(entries(&ledger).is_empty(), "{:?}", entries(&ledger));

        let b = batch(&mut ledger, "http://x", 10, ProjectMode::Name).unwrap();
        assert!(armed(ledger.conn().unwrap()).unwrap());
        assert_eq!(
            (b.sessions.len(), b.turns.len(), b.stamps.len(), b.more),
            (2, 2, 1, false)
        );
        assert_eq!(b.turns[0].output, 6);
        assert_eq!(
            entries(&ledger),
            ["s|0|s1", "s|0|s2", "t|1|", "t|2|", "p|1|"]
        );
        ack(&mut ledger, "http://x", b.up_to).unwrap();

        // Armed: changes are queued as they happen, and arming again changes nothing.
        crate::ingest::with_upkeep(ledger.conn().unwrap(), |c| {
            c.execute(TURN, params![3, "s3", "m3"])
        })
        .unwrap();
        stamp(&mut ledger, "s3");
        arm(ledger.conn().unwrap()).unwrap();
        let next = batch(&mut ledger, "http://x", 10, ProjectMode::Name).unwrap();
        assert_eq!(
            (next.sessions.len(), next.turns.len(), next.stamps.len()),
            (1, 1, 1)
        );
        assert_eq!(next.turns[0].session_id, "s3");
        assert_eq!(
            entries(&ledger),
            ["s|0|s1", "s|0|s2", "t|1|", "t|2|", "p|1|", "s|0|s3", "t|3|", "p|2|"]
        );
    }

    #[test]
    fn outbox_orders_changes_and_marks_move_forward() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path()).unwrap();
        stamp(&mut ledger, "s1");
        let b = batch(&mut ledger, "http://x", 10, ProjectMode::Name).unwrap();
        assert_eq!((b.after, b.stamps.len(), b.more), (0, 1, false));
        assert!(b.up_to > 0);
        assert_eq!(ack(&mut ledger, "http://x", b.up_to).unwrap(), b.up_to);
        assert_eq!(ack(&mut ledger, "http://x", 0).unwrap(), b.up_to);
        let again = batch(&mut ledger, "http://x", 10, ProjectMode::Name).unwrap();
        assert!(again.stamps.is_empty());
        assert_eq!(again.up_to, b.up_to);
        // Another server has its own mark.
        assert_eq!(
            batch(&mut ledger, "http://y", 10, ProjectMode::Name)
                .unwrap()
                .stamps
                .len(),
            1
        );
    }
}
