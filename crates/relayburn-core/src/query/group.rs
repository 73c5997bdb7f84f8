//! Group dimensions of `summary` and the keys they give a turn.

use crate::error::{Error, Result};
use crate::time::{Period, Zone};
use crate::validate::MAX_KEY_CHARS;
use rustc_hash::FxHashMap;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// The normalized model (`PriceTable::model_key`): one row per model however spelled.
    Model,
    /// The model id exactly as the harness wrote it.
    ModelRaw,
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
    "model, modelRaw, provider, harness, project, branch, session, root, day, week, month, tool or tag:<key>";

/// `summary` groups by model unless told otherwise.
impl Default for GroupBy {
    fn default() -> Self {
        GroupBy::Model
    }
}

impl GroupBy {
    /// Parses an optional dimension; none given is the default ([`GroupBy::Model`]).
    pub fn parse_or_default(value: Option<&str>) -> Result<GroupBy> {
        value.map_or_else(|| Ok(GroupBy::default()), GroupBy::parse)
    }

    pub fn parse(value: &str) -> Result<GroupBy> {
        Ok(match value {
            "model" => GroupBy::Model,
            "modelRaw" => GroupBy::ModelRaw,
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
                Some(key) if !key.trim().is_empty() && key.chars().count() <= MAX_KEY_CHARS => {
                    if key.chars().any(char::is_control) {
                        return Err(Error::invalid(
                            "groupBy",
                            "tag:<key>: keys must not contain control characters",
                        ));
                    }
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

    /// Parses the dimensions of a grouping by several (`["day", "model"]`): one to
    /// [`MAX_GROUP_DIMS`] distinct dimensions; `tool` (which splits a turn) only alone.
    pub fn parse_list(values: &[String]) -> Result<Vec<GroupBy>> {
        if values.is_empty() || values.len() > MAX_GROUP_DIMS {
            return Err(Error::invalid(
                "groupBy",
                format!(
                    "give 1 to {MAX_GROUP_DIMS} dimensions, got {}",
                    values.len()
                ),
            ));
        }
        let dims = values
            .iter()
            .map(|v| GroupBy::parse(v))
            .collect::<Result<Vec<_>>>()?;
        for (i, d) in dims.iter().enumerate() {
            if dims[..i].contains(d) {
                return Err(Error::invalid(
                    "groupBy",
                    format!("dimension {:?} given twice", values[i]),
                ));
            }
        }
        if dims.len() > 1 && dims.contains(&GroupBy::Tool) {
            return Err(Error::invalid(
                "groupBy",
                "tool splits each turn across its tools and cannot be combined with other dimensions",
            ));
        }
        Ok(dims)
    }

    /// Time groups are listed in time order; the others by cost.
    pub fn is_time(&self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Week | GroupBy::Month)
    }
}

/// Most dimensions one `summary` groups by at once.
pub const MAX_GROUP_DIMS: usize = 3;

/// Key of a group with no value (a turn without a project, branch, tag or tool).
pub const NONE_KEY: &str = "(none)";

/// Day/week/month keys of instants in a [`Zone`], by 15-minute bucket (time zone offsets are
/// whole quarter hours, so every instant of a bucket falls on the same local day). Each
/// distinct period gets a small id, so rows are grouped per period, not per bucket; a bucket
/// finds it from its local day (the zone's offset, no calendar arithmetic), and a period's key
/// is built once, from the first day of it met.
pub struct Calendar {
    zone: Zone,
    /// (period, local day number) → index in `keys`: the days of one week or month share it.
    ids: FxHashMap<(Period, i64), u32>,
    /// (period, key) → index in `keys`.
    by_key: HashMap<(Period, String), u32>,
    keys: Vec<String>,
}

pub const BUCKET_MS: i64 = 900_000;
pub const HOUR_MS: i64 = 3_600_000;

impl Calendar {
    pub fn new(zone: Zone) -> Calendar {
        Calendar {
            zone,
            ids: FxHashMap::default(),
            by_key: HashMap::new(),
            keys: Vec::new(),
        }
    }

    /// The id of the day, week or month (`dim`) holding `ts_ms`.
    pub fn id(&mut self, dim: &GroupBy, ts_ms: i64) -> u32 {
        let bucket = ts_ms - ts_ms.rem_euclid(BUCKET_MS);
        let period = match dim {
            GroupBy::Week => Period::Week,
            GroupBy::Month => Period::Month,
            _ => Period::Day,
        };
        // Keyed by period too: `groupBy: ['day', 'week']` asks both of one bucket.
        let day = self.zone.local_day(bucket).unwrap_or(i64::MIN);
        if let Some(id) = self.ids.get(&(period, day)) {
            return *id;
        }
        let key = self
            .zone
            .key(period, bucket)
            .unwrap_or_else(|| NONE_KEY.to_string());
        let next = self.keys.len() as u32;
        let id = *self.by_key.entry((period, key.clone())).or_insert(next);
        if id == next {
            self.keys.push(key);
        }
        self.ids.insert((period, day), id);
        id
    }

    /// Whether the four quarter hours from `hour_ms` fall in one day, week or month (`dim`):
    /// always where the zone's offset is a whole number of hours; not for the hour holding a
    /// local midnight of a zone off the whole hour (India, Nepal, Newfoundland…).
    pub fn whole_hour(&mut self, dim: &GroupBy, hour_ms: i64) -> bool {
        let first = self.id(dim, hour_ms);
        (1..4).all(|q| self.id(dim, hour_ms + q * BUCKET_MS) == first)
    }

    /// The key of a period id from [`Calendar::id`].
    pub fn key_of(&self, id: u32) -> &str {
        self.keys.get(id as usize).map_or(NONE_KEY, String::as_str)
    }
}
