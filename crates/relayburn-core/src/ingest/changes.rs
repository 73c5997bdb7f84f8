//! What the kernel saw change in the stores between two sweeps on one connection, so a sweep
//! stats only the files that may have changed instead of every file.
//!
//! On Linux a sweep keeps an inotify instance with a watch on the directory of every file it
//! stats. A watch is added before the `stat` whose result a later sweep relies on, so a change
//! made after that `stat` is queued by the kernel, and a change made before it is in the
//! `stat`. The kernel queues an event in the writing call itself: a write that returned
//! before `ingest()` was called is in the queue that call reads (without waiting). `notify`'s
//! watcher is not used here: its thread forwards events some time after they happen.
//!
//! What the queue says: nothing (no file stat'ed through a watch can have changed), these
//! files had their contents or attributes changed (stat just those), or anything else (an
//! entry created, deleted or renamed, a watched directory gone, an overflow, a file the sweep
//! does not know): every file is stat'ed, as without the queue.
//!
//! A directory watch does not see a write through another hard link to a file (reported in
//! that link's directory): a file with more than one link is always stat'ed, and every file
//! at least once a minute (`memo::FULL_STAT_EVERY`), for a link made after its `stat`.
//!
//! A watch that cannot be added for lack of room (`fs.inotify.max_user_watches`) drops the
//! queue: sweeps stat every file, and try again after [`RETRY_AFTER`]. Files on filesystems
//! whose changes may come from elsewhere (NFS, SMB, FUSE, 9p, …) are always stat'ed, and
//! `RELAYBURN_SWEEP_INOTIFY=off` turns the queue off altogether.

use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long sweeps go without a queue after one could not be opened or a watch could not be
/// added for lack of room.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);

/// More changed files than this in one queue: stat them all.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const MAX_NAMED: usize = 256;

/// The environment variable that turns the queue off (`off`, `0`, `false` or `no`).
pub const ENV_OFF: &str = "RELAYBURN_SWEEP_INOTIFY";

/// What happened in the watched directories since the queue was last drained. (Only Linux
/// has a queue; elsewhere every sweep sees `Everything`.)
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub enum Seen {
    /// Nothing.
    Quiet,
    /// These files had their contents or attributes changed, and nothing else happened.
    Files(FxHashSet<PathBuf>),
    /// Anything else: every file must be stat'ed.
    Everything,
}

/// The change queue a connection keeps between sweeps, or when to try opening one again.
#[derive(Default)]
pub struct Tracker {
    queue: Option<Queue>,
    retry_at: Option<Instant>,
    /// Whether a sweep has begun with this tracker. The queue is opened from the second
    /// sweep on: a process that sweeps once (`burn ingest`, a status line) would pay for a
    /// watch per directory and never read what they report.
    swept: bool,
}

impl Tracker {
    /// The queue for this sweep, opened if there is none (unless turned off, unavailable,
    /// waiting out [`RETRY_AFTER`], or this is the tracker's first sweep), and what it saw
    /// since the last sweep. A new queue has seen nothing yet, so it says `Everything`.
    pub fn begin(&mut self) -> Seen {
        if turned_off() {
            self.queue = None;
            return Seen::Everything;
        }
        if let Some(q) = &mut self.queue {
            return q.drain();
        }
        if !std::mem::replace(&mut self.swept, true) {
            return Seen::Everything;
        }
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return Seen::Everything;
        }
        self.queue = Queue::open();
        // No instance (the per-user limit): not asked again on every sweep.
        self.retry_at = self.queue.is_none().then(|| Instant::now() + RETRY_AFTER);
        Seen::Everything
    }

    /// The queue, when there is one.
    pub fn queue(&mut self) -> Option<&mut Queue> {
        self.queue.as_mut()
    }

    /// Drops a queue that ran out of watches (its files are then stat'ed on every sweep
    /// until [`RETRY_AFTER`] has passed).
    pub fn end(&mut self) {
        if self.queue.as_ref().is_some_and(Queue::is_full) {
            self.queue = None;
            self.retry_at = Some(Instant::now() + RETRY_AFTER);
        }
    }

    #[cfg(test)]
    pub fn has_queue(&self) -> bool {
        self.queue.is_some()
    }
}

fn turned_off() -> bool {
    std::env::var(ENV_OFF).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

#[cfg(target_os = "linux")]
pub use linux::Queue;

#[cfg(not(target_os = "linux"))]
pub use other::Queue;

#[cfg(target_os = "linux")]
mod linux {
    use super::{Seen, MAX_NAMED};
    use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};
    use rustc_hash::{FxHashMap, FxHashSet};
    use std::path::{Path, PathBuf};

    /// Contents written or truncated, attributes (mtime, mode, link count) changed, entries
    /// created, deleted or renamed, the directory itself deleted or moved.
    fn mask() -> WatchMask {
        WatchMask::MODIFY
            | WatchMask::CLOSE_WRITE
            | WatchMask::ATTRIB
            | WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE_SELF
    }

    pub struct Queue {
        inotify: Inotify,
        /// Watched directories, by path and by watch.
        dirs: FxHashMap<PathBuf, WatchDescriptor>,
        paths: FxHashMap<WatchDescriptor, PathBuf>,
        /// Whether each device seen is a local filesystem (see [`local_fs`]).
        local: FxHashMap<i64, bool>,
        /// A watch could not be added for lack of room.
        full: bool,
        /// Tests: watches allowed before the queue counts as full.
        limit: Option<usize>,
    }

    impl Queue {
        pub fn open() -> Option<Queue> {
            Some(Queue {
                inotify: Inotify::init().ok()?,
                dirs: FxHashMap::default(),
                paths: FxHashMap::default(),
                local: FxHashMap::default(),
                full: false,
                limit: None,
            })
        }

        /// A queue that counts as full once it holds `limit` watches (as when the kernel's
        /// limit is reached), for tests.
        #[cfg(test)]
        pub fn with_limit(limit: usize) -> Option<Queue> {
            Queue::open().map(|q| Queue {
                limit: Some(limit),
                ..q
            })
        }

        pub fn is_full(&self) -> bool {
            self.full
        }

        /// True when `dir` is watched now (a watch is added if it was not). False when it
        /// cannot be (missing, no permission, no room: the queue is then full).
        #[cfg(test)]
        pub fn watch(&mut self, dir: &Path) -> bool {
            self.watch_all(&[dir]);
            self.watching(dir)
        }

        /// Watches each of `dirs` not watched yet, on up to one thread per core (a watch
        /// costs a path lookup, as a `stat` does); [`Queue::watching`] then says which are.
        /// A directory that cannot be watched (missing, no permission) is left out; no room
        /// for one makes the queue full.
        pub fn watch_all(&mut self, dirs: &[&Path]) {
            if self.full {
                return;
            }
            let mut new: Vec<&Path> = dirs
                .iter()
                .copied()
                .filter(|d| !self.dirs.contains_key(*d))
                .collect();
            if let Some(room) = self.limit.map(|l| l.saturating_sub(self.dirs.len())) {
                if new.len() > room {
                    new.truncate(room);
                    self.full = true;
                }
            }
            let inotify = &self.inotify;
            let added = crate::ingest::stat::par_chunks(&new, |part| {
                let mut watches = inotify.watches();
                part.iter().map(|d| watches.add(d, mask())).collect()
            });
            for (dir, added) in new.into_iter().zip(added) {
                match added {
                    Ok(wd) => {
                        // Two paths to one directory (a link) share a watch; events name the
                        // first, so files under the other are never matched (stat'ed in full).
                        self.paths
                            .entry(wd.clone())
                            .or_insert_with(|| dir.to_path_buf());
                        self.dirs.insert(dir.to_path_buf(), wd);
                    }
                    Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::ENOMEM)) => {
                        self.full = true;
                    }
                    Err(_) => {}
                }
            }
        }

        pub fn watching(&self, dir: &Path) -> bool {
            self.dirs.contains_key(dir)
        }

        /// True when changes to the files in `dir` (on device `dev`) are all seen by a watch
        /// on it: a local filesystem.
        pub fn local(&mut self, dir: &Path, dev: i64) -> bool {
            *self.local.entry(dev).or_insert_with(|| local_fs(dir))
        }

        /// Reads every queued event without waiting.
        pub fn drain(&mut self) -> Seen {
            let mut buffer = [0u8; 16 * 1024];
            let mut named: FxHashSet<PathBuf> = FxHashSet::default();
            let mut everything = false;
            loop {
                let events = match self.inotify.read_events(&mut buffer) {
                    Ok(events) => events,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(_) => return Seen::Everything,
                };
                for event in events {
                    let mask = event.mask;
                    let gone = EventMask::IGNORED
                        | EventMask::DELETE_SELF
                        | EventMask::MOVE_SELF
                        | EventMask::UNMOUNT;
                    if mask.intersects(gone) {
                        // The directory is not (or no longer) where it was watched: its
                        // path is watched again, as new, by the next sweep that stats it.
                        if let Some(dir) = self.paths.remove(&event.wd) {
                            self.dirs.remove(&dir);
                        }
                        let _ = self.inotify.watches().remove(event.wd.clone());
                        everything = true;
                        continue;
                    }
                    // Only contents or attributes of an entry that is not a directory.
                    let contents = EventMask::MODIFY | EventMask::CLOSE_WRITE | EventMask::ATTRIB;
                    let file_only = !mask.is_empty() && contents.contains(mask);
                    match (file_only, event.name, self.paths.get(&event.wd)) {
                        (true, Some(name), Some(dir)) if named.len() < MAX_NAMED => {
                            named.insert(dir.join(name));
                        }
                        _ => everything = true,
                    }
                }
            }
            match (everything, named.is_empty()) {
                (true, _) => Seen::Everything,
                (false, true) => Seen::Quiet,
                (false, false) => Seen::Files(named),
            }
        }
    }

    /// Filesystems whose files may change without this kernel seeing it (network and
    /// user-space filesystems, host folders shared with a VM): inotify cannot be trusted.
    fn local_fs(dir: &Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        const REMOTE: [u32; 15] = [
            0x6969,      // NFS
            0x517B,      // SMB
            0xFF53_4D42, // CIFS
            0xFE53_4D42, // SMB2
            0x6573_5546, // FUSE (sshfs, virtiofs, …)
            0x0102_1997, // 9p (WSL 2's Windows drives, VM shares)
            0x00C3_6400, // Ceph
            0x5346_414F, // AFS
            0x6B41_4653, // kAFS
            0x7375_7245, // Coda
            0x564C,      // NCP
            0x0116_1970, // GFS2
            0x7461_636F, // OCFS2
            0x0BD0_0BD0, // Lustre
            0x786F_4256, // VirtualBox shared folders
        ];
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        let mut st = std::mem::MaybeUninit::<libc::statfs>::uninit();
        // SAFETY: `c` is NUL-terminated and `st` is a writable `statfs` buffer.
        if unsafe { libc::statfs(c.as_ptr(), st.as_mut_ptr()) } != 0 {
            return false;
        }
        // SAFETY: `statfs` succeeded, so it filled `st`.
        let kind = unsafe { st.assume_init() }.f_type as u64 as u32;
        !REMOTE.contains(&kind)
    }
}

#[cfg(not(target_os = "linux"))]
mod other {
    use super::Seen;
    use std::path::Path;

    /// No change queue on this platform: every sweep stats every file.
    pub struct Queue;

    impl Queue {
        pub fn open() -> Option<Queue> {
            None
        }

        pub fn is_full(&self) -> bool {
            false
        }

        #[cfg(test)]
        pub fn watch(&mut self, _dir: &Path) -> bool {
            false
        }

        pub fn watch_all(&mut self, _dirs: &[&Path]) {}

        pub fn watching(&self, _dir: &Path) -> bool {
            false
        }

        pub fn local(&mut self, _dir: &Path, _dev: i64) -> bool {
            false
        }

        pub fn drain(&mut self) -> Seen {
            Seen::Everything
        }
    }
}

/// The directory a file's changes are reported in.
pub fn dir_of(file: &Path) -> Option<&Path> {
    file.parent().filter(|p| !p.as_os_str().is_empty())
}

#[cfg(test)]
impl Tracker {
    /// A tracker whose queue counts as full after `limit` watches.
    pub fn with_limit(limit: usize) -> Tracker {
        Tracker {
            queue: Queue::with_limit(limit),
            retry_at: None,
            swept: true,
        }
    }
}

#[cfg(all(test, not(target_os = "linux")))]
impl Queue {
    pub fn with_limit(_limit: usize) -> Option<Queue> {
        None
    }
}
