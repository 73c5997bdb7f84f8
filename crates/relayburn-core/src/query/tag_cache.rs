//! A per-process cache of tag indexes ([`TagIndex`]: folded stamps with their values handed
//! down session trees). Building one walks the trees below every stamped session, the
//! costly part of a query with a tag; a dashboard asks several such queries per page and
//! again on each refresh. An index is kept per (ledger file, keys) and reused while the
//! ledger's change counter (`ledger_clock`) has not moved: every write that can change an
//! index ticks it (a stamp, a new session, a parent link, a rebuild).

use super::tags::TagIndex;
use crate::error::Result;
use crate::ledger::{file_id, FileId, Ledger};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Indexes kept at most (the least recently used goes first).
const MAX_ENTRIES: usize = 8;

type Key = (PathBuf, Vec<String>);

/// One cached index and what it was built from.
struct Built {
    file: Option<FileId>,
    ticks: i64,
    index: Arc<TagIndex>,
}

/// A slot per key: its lock is held while the index is built, so queries that need the same
/// index at once (a page's concurrent requests) build it once.
type Slot = Arc<Mutex<Option<Built>>>;

#[derive(Default)]
struct Cache {
    slots: HashMap<Key, (u64, Slot)>,
    uses: u64,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn slot(key: Key) -> Slot {
    let Ok(mut c) = cache().lock() else {
        // A poisoned lock (a panic elsewhere): build without the cache.
        return Slot::default();
    };
    c.uses += 1;
    let now = c.uses;
    if let Some((used, s)) = c.slots.get_mut(&key) {
        *used = now;
        return s.clone();
    }
    if c.slots.len() >= MAX_ENTRIES {
        if let Some(oldest) = c
            .slots
            .iter()
            .min_by_key(|(_, (used, _))| *used)
            .map(|(k, _)| k.clone())
        {
            c.slots.remove(&oldest);
        }
    }
    let s = Slot::default();
    c.slots.insert(key, (now, s.clone()));
    s
}

/// The ledger's change counter.
fn ticks(ledger: &Ledger) -> Result<i64> {
    ledger
        .conn()?
        .query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
        .map_err(|e| ledger.err(e))
}

/// The tag index of `keys` (in that order) over `ledger`, built or reused.
pub(crate) fn tag_index(ledger: &Ledger, keys: &[String]) -> Result<Arc<TagIndex>> {
    // Read before building: a write landing during the build then only makes the next
    // query build again, never keeps an index older than the count it is filed under.
    let ticks = ticks(ledger)?;
    let file = file_id(ledger.path());
    let slot = slot((ledger.path().to_path_buf(), keys.to_vec()));
    let mut held = match slot.lock() {
        Ok(held) => held,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(b) = held.as_ref() {
        if b.ticks == ticks && b.file == file && file.is_some() {
            return Ok(b.index.clone());
        }
    }
    let index = Arc::new(TagIndex::load(ledger, keys)?);
    *held = Some(Built {
        file,
        ticks,
        index: index.clone(),
    });
    Ok(index)
}
