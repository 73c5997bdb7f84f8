//! Content store settings: mode and retention, resolved once per call with the precedence
//! call option > environment (`RELAYBURN_CONTENT_STORE`, `RELAYBURN_CONTENT_TTL_DAYS`; empty =
//! unset) > `$RELAYBURN_HOME/config.json` (`{"content": {"mode", "ttlDays"}}`) > defaults
//! (`full`, 90 days). An invalid environment value or config entry is reported and ignored (the
//! next source, finally the default, applies); it never fails the call.

use crate::error::{Error, Result};
use std::path::Path;

/// File name of the optional settings file inside the home directory.
pub use crate::home::CONFIG_FILE;
pub const ENV_MODE: &str = "RELAYBURN_CONTENT_STORE";
pub const ENV_TTL: &str = "RELAYBURN_CONTENT_TTL_DAYS";
/// Default retention, by message time.
pub const DEFAULT_TTL_DAYS: u32 = 90;
/// Largest accepted retention in days (about 270 years): anything longer is `forever`.
pub const MAX_TTL_DAYS: u32 = 100_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What the content store keeps per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentMode {
    /// Text, thinking, tool inputs and tool results, compressed.
    #[default]
    Full,
    /// SHA-256 and byte length per block, no text.
    HashOnly,
    /// Nothing is captured.
    Off,
}

impl ContentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentMode::Full => "full",
            ContentMode::HashOnly => "hash-only",
            ContentMode::Off => "off",
        }
    }

    /// Parses a wire name; `field` names the option in the error.
    pub fn parse(field: &str, value: &str) -> Result<ContentMode> {
        match value {
            "full" => Ok(ContentMode::Full),
            "hash-only" => Ok(ContentMode::HashOnly),
            "off" => Ok(ContentMode::Off),
            other => Err(Error::invalid(
                field,
                format!("unknown content mode {other:?}: expected full, hash-only or off"),
            )),
        }
    }
}

/// How long content is kept, by message time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    Days(u32),
    Forever,
}

impl Default for Retention {
    fn default() -> Self {
        Retention::Days(DEFAULT_TTL_DAYS)
    }
}

impl Retention {
    /// Parses `"forever"` or a whole number of days `0..=MAX_TTL_DAYS`.
    pub fn parse(field: &str, value: &str) -> Result<Retention> {
        let v = value.trim();
        if v == "forever" {
            return Ok(Retention::Forever);
        }
        match v.parse::<u32>() {
            Ok(n) if n <= MAX_TTL_DAYS => Ok(Retention::Days(n)),
            _ => Err(Error::invalid(
                field,
                format!(
                    "expected a whole number of days 0..={MAX_TTL_DAYS} or \"forever\", got {value:?}"
                ),
            )),
        }
    }

    /// `pruneContent`'s `olderThanDays` as given: a number of days or `"forever"`; required.
    pub fn older_than(field: &str, value: Option<OlderThan>) -> Result<Retention> {
        match value {
            None => Err(Error::invalid(
                field,
                "is required: a number of days or \"forever\"",
            )),
            Some(OlderThan::Days(d)) => Retention::from_days(field, d),
            Some(OlderThan::Text(t)) if t == "forever" => Ok(Retention::Forever),
            Some(OlderThan::Text(t)) => Err(Error::invalid(
                field,
                format!("expected a whole number of days or \"forever\", got {t:?}"),
            )),
        }
    }

    /// A day count given as a JS number: a whole number `0..=MAX_TTL_DAYS`.
    pub fn from_days(field: &str, days: f64) -> Result<Retention> {
        if days.fract() == 0.0 && (0.0..=f64::from(MAX_TTL_DAYS)).contains(&days) {
            return Ok(Retention::Days(days as u32));
        }
        Err(Error::invalid(
            field,
            format!(
                "expected a whole number of days 0..={MAX_TTL_DAYS} or \"forever\", got {days}"
            ),
        ))
    }

    /// Messages older than this instant (epoch ms) are not kept; `None` keeps everything.
    pub fn cutoff_ms(self, now_ms: i64) -> Option<i64> {
        match self {
            Retention::Forever => None,
            Retention::Days(n) => Some(now_ms - i64::from(n) * DAY_MS),
        }
    }
}

/// A retention as a caller passes it (a JS number or string).
#[derive(Debug, Clone, PartialEq)]
pub enum OlderThan {
    Days(f64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContentSettings {
    pub mode: ContentMode,
    pub retention: Retention,
}

/// A setting that was present but invalid, and ignored: where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingIssue {
    /// The environment variable or the config file path.
    pub source: String,
    pub message: String,
}

/// Resolves the settings for `home`. `option_mode` is the call's `contentMode`, already valid.
pub fn resolve(
    home: &Path,
    option_mode: Option<ContentMode>,
) -> (ContentSettings, Vec<SettingIssue>) {
    let mut issues = Vec::new();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (cfg_mode, cfg_ttl) = read_config(home, &mut issues);

    let env_mode = env(ENV_MODE).and_then(|v| {
        ContentMode::parse(ENV_MODE, v.trim())
            .map_err(|e| issue(&mut issues, ENV_MODE, e))
            .ok()
    });
    let env_ttl = env(ENV_TTL).and_then(|v| {
        Retention::parse(ENV_TTL, &v)
            .map_err(|e| issue(&mut issues, ENV_TTL, e))
            .ok()
    });
    let settings = ContentSettings {
        mode: option_mode.or(env_mode).or(cfg_mode).unwrap_or_default(),
        retention: env_ttl.or(cfg_ttl).unwrap_or_default(),
    };
    (settings, issues)
}

fn issue(issues: &mut Vec<SettingIssue>, source: &str, e: Error) {
    let message = match e {
        Error::InvalidArgument { message, .. } => message,
        other => other.to_string(),
    };
    issues.push(SettingIssue {
        source: source.to_string(),
        message: format!("ignored invalid setting: {message}"),
    });
}

/// Reads `config.json`'s `content` section. A missing file is fine; unreadable or invalid
/// JSON, or a wrong-typed entry, is an issue (and that source is skipped).
fn read_config(
    home: &Path,
    issues: &mut Vec<SettingIssue>,
) -> (Option<ContentMode>, Option<Retention>) {
    let path = home.join(CONFIG_FILE);
    let source = path.to_string_lossy().into_owned();
    let text = match crate::files::read_regular_to_string(&path, crate::files::MAX_CONFIG_BYTES) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, None),
        Err(e) => {
            issues.push(SettingIssue {
                source,
                message: format!("ignored unreadable config: {e}"),
            });
            return (None, None);
        }
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            issues.push(SettingIssue {
                source,
                message: format!("ignored invalid JSON config (defaults used): {e}"),
            });
            return (None, None);
        }
    };
    let Some(section) = value.get("content") else {
        return (None, None);
    };
    if !section.is_object() {
        issues.push(SettingIssue {
            source,
            message: "ignored config entry content: expected an object".into(),
        });
        return (None, None);
    }
    let mode = match section.get("mode") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => ContentMode::parse("content.mode", s)
            .map_err(|e| issue(issues, &source, e))
            .ok(),
        Some(_) => {
            issue(
                issues,
                &source,
                Error::invalid(
                    "content.mode",
                    "content.mode must be full, hash-only or off",
                ),
            );
            None
        }
    };
    let ttl = match section.get("ttlDays") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Retention::parse("content.ttlDays", s)
            .map_err(|e| issue(issues, &source, e))
            .ok(),
        Some(serde_json::Value::Number(n)) => Retention::parse("content.ttlDays", &n.to_string())
            .map_err(|e| issue(issues, &source, e))
            .ok(),
        Some(_) => {
            issue(
                issues,
                &source,
                Error::invalid(
                    "content.ttlDays",
                    "content.ttlDays must be a whole number of days or \"forever\"",
                ),
            );
            None
        }
    };
    (mode, ttl)
}
