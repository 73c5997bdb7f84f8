//! Group dimensions of `summary` and the keys they give a turn (DESIGN §8).

use crate::error::{Error, Result};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    Model,
    Provider,
    Harness,
    Project,
    Branch,
    Session,
    /// The root session of the turn's session tree.
    Root,
    Day,
    Week,
    Month,
    Tool,
    Tag(String),
}

pub const GROUP_BY_NAMES: &str =
    "model, provider, harness, project, branch, session, root, day, week, month, tool or tag:<key>";

impl GroupBy {
    pub fn parse(value: &str) -> Result<GroupBy> {
        Ok(match value {
            "model" => GroupBy::Model,
            "provider" => GroupBy::Provider,
            "harness" => GroupBy::Harness,
            "project" => GroupBy::Project,
            "branch" => GroupBy::Branch,
            "session" => GroupBy::Session,
            "root" => GroupBy::Root,
            "day" => GroupBy::Day,
            "week" => GroupBy::Week,
            "month" => GroupBy::Month,
            "tool" => GroupBy::Tool,
            other => match other.strip_prefix("tag:") {
                Some(key) if !key.trim().is_empty() && key.chars().count() <= 128 => {
                    GroupBy::Tag(key.to_string())
                }
                _ => {
                    return Err(Error::invalid(
                        "groupBy",
                        format!("unknown dimension {other:?}: expected {GROUP_BY_NAMES}"),
                    ))
                }
            },
        })
    }

    /// Time groups are listed in time order; the others by cost.
    pub fn is_time(&self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Week | GroupBy::Month)
    }
}

/// Key of a group with no value (a turn without a project, branch, tag or tool).
pub const NONE_KEY: &str = "(none)";

/// Parses an IANA time zone name (`Europe/Paris`); `None` is UTC.
pub fn time_zone(name: Option<&str>) -> Result<TimeZone> {
    match name {
        None => Ok(TimeZone::UTC),
        Some(n) => TimeZone::get(n.trim()).map_err(|e| {
            Error::invalid(
                "timezone",
                format!("{n:?} is not a known IANA time zone (e.g. Europe/Paris): {e}"),
            )
        }),
    }
}

/// Day/week/month keys of instants, cached per 15-minute bucket (time zone offsets are
/// whole quarter hours, so every instant of a bucket falls on the same local day).
pub struct Calendar {
    tz: TimeZone,
    cache: HashMap<i64, String>,
}

pub const BUCKET_MS: i64 = 900_000;

impl Calendar {
    pub fn new(tz: TimeZone) -> Calendar {
        Calendar {
            tz,
            cache: HashMap::new(),
        }
    }

    pub fn key(&mut self, dim: &GroupBy, ts_ms: i64) -> &str {
        let bucket = ts_ms - ts_ms.rem_euclid(BUCKET_MS);
        let tz = &self.tz;
        self.cache.entry(bucket).or_insert_with(|| {
            let Ok(ts) = Timestamp::from_millisecond(bucket) else {
                return NONE_KEY.to_string();
            };
            let date = ts.to_zoned(tz.clone()).date();
            match dim {
                GroupBy::Week => {
                    let w = date.iso_week_date();
                    format!("{:04}-W{:02}", w.year(), w.week())
                }
                GroupBy::Month => format!("{:04}-{:02}", date.year(), date.month()),
                _ => format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()),
            }
        })
    }
}
