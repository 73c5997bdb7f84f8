//! Directory listings for discovery: every harness lists its directories through one
//! [`Lister`], which can serve a listing from the ledger's cache instead of reading the
//! directory again.
//!
//! Why a cached listing can be trusted: creating, deleting or renaming an entry updates the
//! directory's modification time (appending to a file inside does not, so files are still
//! stat'ed one by one when a pass is planned). A listing taken while the directory's stamp
//! (device, inode, mtime, ctime) was S is therefore still right while a `stat` of the
//! directory still gives S. One race remains: timestamps have a granularity (a clock tick; 1 or
//! 2 s on some filesystems), so an entry created in the same tick as a listing would leave S
//! unchanged. A listing is only kept when the directory's mtime was at least [`SETTLED`] old
//! when it was read; a directory that changed more recently is read again on every pass until
//! it settles.

use super::stat::{self, Stat, StatKind};
use rusqlite::{params, Connection};
use rustc_hash::FxHashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How old a directory's mtime must be for its listing to be kept (see the module doc).
pub const SETTLED: Duration = Duration::from_secs(3);

/// A directory that exists but could not be listed, and why (reported like an unreadable file).
pub type DirIssue = (PathBuf, std::io::Error);

/// What a directory entry is, as the directory says (symbolic links are not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Link,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: OsString,
    pub kind: EntryKind,
}

impl Entry {
    /// A regular file, or a link (which may lead to one: planning stats it).
    pub fn may_be_file(&self) -> bool {
        matches!(self.kind, EntryKind::File | EntryKind::Link)
    }
}

/// What identifies a directory's contents (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirStamp {
    pub dev: i64,
    pub ino: i64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
}

impl DirStamp {
    fn of(s: &Stat) -> DirStamp {
        DirStamp {
            dev: s.dev,
            ino: s.ino,
            mtime_ns: s.mtime_ns,
            ctime_ns: s.ctime_ns,
        }
    }
}

fn ns_since_epoch(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[derive(Clone)]
struct Listing {
    stamp: DirStamp,
    entries: Arc<[Entry]>,
}

/// What a `stat` of a directory said: its stamp, `None` when the path is not a directory.
type Fresh = std::io::Result<Option<DirStamp>>;

fn fresh_of(stat: std::io::Result<Stat>) -> Fresh {
    stat.map(|s| (s.kind == StatKind::Dir).then(|| DirStamp::of(&s)))
}

fn stat_dir(dir: &Path) -> Fresh {
    fresh_of(std::fs::metadata(dir).map(|m| Stat::of(&m)))
}

struct Known {
    listing: Listing,
    /// The directory's stamp now, when [`DirCache::prefetch`] took it.
    fresh: Option<Fresh>,
}

/// The listings kept in the ledger (`dir_listings`), and what this pass learned. Keyed by
/// the directory's path (only UTF-8 paths are stored).
#[derive(Default)]
pub struct DirCache {
    known: FxHashMap<String, Known>,
    /// Listings to store (`Some`) or forget (`None`) when the pass ends.
    changed: FxHashMap<String, Option<Listing>>,
}

impl DirCache {
    /// Every stored listing, in one query.
    pub fn load(conn: &Connection) -> rusqlite::Result<DirCache> {
        let mut stmt = conn.prepare_cached(
            "SELECT path, dev, ino, mtime_ns, ctime_ns, entries FROM dir_listings",
        )?;
        let mut rows = stmt.query([])?;
        let mut known = FxHashMap::default();
        while let Some(r) = rows.next()? {
            let stamp = DirStamp {
                dev: r.get(1)?,
                ino: r.get(2)?,
                mtime_ns: r.get(3)?,
                ctime_ns: r.get(4)?,
            };
            // A row this build cannot read is only a miss: the directory is listed again.
            if let Some(entries) = decode(r.get_ref(5)?.as_blob()?) {
                let listing = Listing { stamp, entries };
                known.insert(
                    r.get(0)?,
                    Known {
                        listing,
                        fresh: None,
                    },
                );
            }
        }
        Ok(DirCache {
            known,
            changed: FxHashMap::default(),
        })
    }

    /// Stats every known directory now, on up to one thread per core, so the listing that
    /// follows (one directory at a time) finds each stamp taken.
    pub fn prefetch(&mut self) {
        // Sorted, so directories sharing a parent are stat'ed relative to it.
        let mut dirs: Vec<&str> = self.known.keys().map(String::as_str).collect();
        dirs.sort_unstable();
        let stats = stat::stat_many(&dirs);
        let fresh: Vec<(String, Fresh)> = dirs
            .iter()
            .zip(stats)
            .map(|(d, s)| (d.to_string(), fresh_of(s)))
            .collect();
        for (dir, f) in fresh {
            if let Some(k) = self.known.get_mut(&dir) {
                k.fresh = Some(f);
            }
        }
    }

    /// The stored listings, for the next pass on this connection, when this pass learned
    /// nothing (else `None`: they are read again from the ledger). The stamps taken this pass
    /// are dropped, so the next pass stats every directory again.
    pub fn into_unchanged(mut self) -> Option<DirCache> {
        if self.is_dirty() {
            return None;
        }
        for k in self.known.values_mut() {
            k.fresh = None;
        }
        Some(self)
    }

    /// True when the pass learned something to store.
    pub fn is_dirty(&self) -> bool {
        !self.changed.is_empty()
    }

    /// Stores what this pass learned (inside the caller's write transaction).
    pub fn save(&self, conn: &Connection) -> rusqlite::Result<()> {
        let mut put = conn.prepare_cached(
            "INSERT INTO dir_listings (path, dev, ino, mtime_ns, ctime_ns, entries)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino,
                mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
                entries = excluded.entries",
        )?;
        let mut forget = conn.prepare_cached("DELETE FROM dir_listings WHERE path = ?1")?;
        for (path, listing) in &self.changed {
            match listing {
                Some(Listing { stamp: s, entries }) => {
                    let Some(blob) = encode(entries) else {
                        continue;
                    };
                    put.execute(params![path, s.dev, s.ino, s.mtime_ns, s.ctime_ns, blob])?;
                }
                None => {
                    forget.execute([path])?;
                }
            }
        }
        Ok(())
    }

    /// The directory's stamp now: prefetched, else stat'ed here.
    fn fresh(&mut self, dir: &Path) -> Fresh {
        dir.to_str()
            .and_then(|d| self.known.get_mut(d))
            .and_then(|k| k.fresh.take())
            .unwrap_or_else(|| stat_dir(dir))
    }

    fn hit(&self, dir: &Path, stamp: DirStamp) -> Option<Arc<[Entry]>> {
        let known = self.known.get(dir.to_str()?)?;
        (known.listing.stamp == stamp).then(|| known.listing.entries.clone())
    }

    fn remember(&mut self, dir: &Path, stamp: DirStamp, entries: &Arc<[Entry]>, now_ns: i64) {
        let settled = now_ns.saturating_sub(stamp.mtime_ns) >= SETTLED.as_nanos() as i64;
        match dir.to_str() {
            Some(d) if settled && encode(entries).is_some() => {
                let listing = Listing {
                    stamp,
                    entries: entries.clone(),
                };
                self.changed.insert(d.to_string(), Some(listing));
            }
            _ => self.forget(dir),
        }
    }

    fn forget(&mut self, dir: &Path) {
        if let Some(d) = dir.to_str().filter(|d| self.known.contains_key(*d)) {
            self.changed.insert(d.to_string(), None);
        }
    }
}

/// Entry names as one blob: a kind byte, the UTF-8 name and a NUL, per entry (`None` when a
/// name is not UTF-8: such a directory is not cached).
fn encode(entries: &[Entry]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(entries.len() * 40);
    for e in entries {
        out.push(match e.kind {
            EntryKind::File => b'f',
            EntryKind::Dir => b'd',
            EntryKind::Link => b'l',
            EntryKind::Other => b'o',
        });
        out.extend_from_slice(e.name.to_str()?.as_bytes());
        out.push(0);
    }
    Some(out)
}

fn decode(blob: &[u8]) -> Option<Arc<[Entry]>> {
    let mut out = Vec::new();
    for item in blob.split(|b| *b == 0) {
        let Some((&kind, name)) = item.split_first() else {
            continue;
        };
        let kind = match kind {
            b'f' => EntryKind::File,
            b'd' => EntryKind::Dir,
            b'l' => EntryKind::Link,
            b'o' => EntryKind::Other,
            _ => return None,
        };
        let name = OsString::from(std::str::from_utf8(name).ok()?);
        out.push(Entry { name, kind });
    }
    Some(out.into())
}

/// Lists directories for discovery, noting those that exist but cannot be listed. Listers
/// made by [`Lister::fork`] share one cache, so stores can be listed on several threads.
#[derive(Default)]
pub struct Lister {
    cache: Option<Arc<Mutex<DirCache>>>,
    pub issues: Vec<DirIssue>,
    /// Directories read from disk (the rest came from the cache).
    pub read: usize,
}

impl Lister {
    /// A lister that reads every directory.
    pub fn plain() -> Lister {
        Lister::default()
    }

    /// A lister that serves unchanged directories from `cache` (whose directories it stats
    /// first, in parallel).
    pub fn cached(mut cache: DirCache) -> Lister {
        cache.prefetch();
        Lister {
            cache: Some(Arc::new(Mutex::new(cache))),
            ..Lister::default()
        }
    }

    /// A lister for another thread, using the same cache (its issues and count are its own
    /// until [`Lister::join`]).
    pub fn fork(&self) -> Lister {
        Lister {
            cache: self.cache.clone(),
            ..Lister::default()
        }
    }

    /// Takes back what a [`Lister::fork`] found.
    pub fn join(&mut self, fork: Lister) {
        self.issues.extend(fork.issues);
        self.read += fork.read;
    }

    /// `work(i, lister)` for each `i < n`, the results in index order. With `two`, a second
    /// thread takes items in turn with this thread, through a fork of this lister. An item
    /// whose thread panicked is done again here (a panic is a bug, but a pass must not lose
    /// files to it; `stat::par_chunks` does the same).
    pub fn in_turn<T: Send>(
        &mut self,
        n: usize,
        two: bool,
        work: impl Fn(usize, &mut Lister) -> T + Sync,
    ) -> Vec<T> {
        let next = AtomicUsize::new(0);
        let take = |ls: &mut Lister| {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return done;
                }
                done.push((i, work(i, ls)));
            }
        };
        let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
        if two {
            let mut fork = self.fork();
            let (mine, theirs) = std::thread::scope(|scope| {
                let helper = scope.spawn(|| take(&mut fork));
                (take(self), helper.join())
            });
            if let Ok(theirs) = theirs {
                for (i, r) in theirs {
                    slots[i] = Some(r);
                }
                self.join(fork);
            }
            for (i, r) in mine {
                slots[i] = Some(r);
            }
        }
        let mut out = Vec::with_capacity(n);
        for (i, slot) in slots.into_iter().enumerate() {
            out.push(slot.unwrap_or_else(|| work(i, self)));
        }
        out
    }

    /// The cache with what this pass learned, to store (its forks are gone by then: joined,
    /// or dropped with a panicked thread's findings).
    pub fn into_cache(self) -> (Option<DirCache>, Vec<DirIssue>) {
        let cache = self.cache.map(|c| {
            Arc::into_inner(c)
                .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
                .unwrap_or_default()
        });
        (cache, self.issues)
    }

    /// Whether the cache holds stored listings: a pass then serves most directories from it.
    pub fn has_listings(&self) -> bool {
        self.cache().is_some_and(|c| !c.known.is_empty())
    }

    fn cache(&self) -> Option<MutexGuard<'_, DirCache>> {
        let cache = self.cache.as_ref()?;
        Some(cache.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The entries of `dir` (following a link to it), unsorted; `None` when it is missing or
    /// not a directory (silently) or cannot be read (noted).
    pub fn entries(&mut self, dir: &Path) -> Option<Arc<[Entry]>> {
        let Some(mut cache) = self.cache() else {
            return self.read_dir(dir);
        };
        let now_ns = ns_since_epoch(std::time::SystemTime::now());
        let stamp = match cache.fresh(dir) {
            Ok(Some(stamp)) => stamp,
            Ok(None) => {
                cache.forget(dir);
                return None;
            }
            Err(e) => {
                cache.forget(dir);
                drop(cache);
                return self.failed(dir, e);
            }
        };
        if let Some(entries) = cache.hit(dir, stamp) {
            return Some(entries);
        }
        // Not held while the directory is read: another thread may use the cache meanwhile.
        drop(cache);
        let entries = self.read_dir(dir);
        if let (Some(mut cache), Some(e)) = (self.cache(), &entries) {
            cache.remember(dir, stamp, e, now_ns);
        }
        entries
    }

    fn read_dir(&mut self, dir: &Path) -> Option<Arc<[Entry]>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return self.failed(dir, e),
        };
        self.read += 1;
        let list: Vec<Entry> = entries
            .flatten()
            .map(|e| {
                let kind = match e.file_type() {
                    Ok(t) if t.is_file() => EntryKind::File,
                    Ok(t) if t.is_dir() => EntryKind::Dir,
                    Ok(t) if t.is_symlink() => EntryKind::Link,
                    _ => EntryKind::Other,
                };
                Entry {
                    name: e.file_name(),
                    kind,
                }
            })
            .collect();
        Some(list.into())
    }

    /// A missing directory is `None` silently, any other failure is noted.
    fn failed<T>(&mut self, dir: &Path, e: std::io::Error) -> Option<T> {
        if !matches!(
            e.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
        ) {
            self.issues.push((dir.to_path_buf(), e));
        }
        None
    }

    /// The files (or links) in `dir` whose names `wanted` accepts, in listing order.
    pub fn files(&mut self, dir: &Path, wanted: impl Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        let Some(entries) = self.entries(dir) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter(|e| e.may_be_file() && wanted(&e.name))
            .map(|e| dir.join(&e.name))
            .collect()
    }

    /// [`Lister::files`] without links that lead elsewhere than to a regular file, sorted.
    pub fn regular_files(&mut self, dir: &Path, wanted: impl Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        let Some(entries) = self.entries(dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .iter()
            .filter(|e| e.may_be_file() && wanted(&e.name))
            .map(|e| (dir.join(&e.name), e.kind))
            .filter(|(p, kind)| *kind == EntryKind::File || p.is_file())
            .map(|(p, _)| p)
            .collect();
        out.sort();
        out
    }

    /// The subdirectories of `dir` (links to directories included), sorted.
    pub fn dirs(&mut self, dir: &Path) -> Vec<PathBuf> {
        let Some(entries) = self.entries(dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .iter()
            .filter_map(|e| {
                let path = dir.join(&e.name);
                let is_dir = match e.kind {
                    EntryKind::Dir => true,
                    EntryKind::Link => path.is_dir(),
                    _ => false,
                };
                is_dir.then_some(path)
            })
            .collect();
        out.sort();
        out
    }
}

/// `*.jsonl`, any case.
pub fn jsonl(name: &OsStr) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// A UTF-8 name with this prefix and suffix (both case-sensitive).
pub fn named(prefix: &'static str, suffix: &'static str) -> impl Fn(&OsStr) -> bool {
    move |n: &OsStr| {
        n.to_str()
            .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
    }
}
