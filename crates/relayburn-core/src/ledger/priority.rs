//! Stamps never wait behind an ingest. SQLite has no fair queue for its write lock: a writer
//! that finds it taken sleeps and retries, and an ingest that commits one write window and at
//! once begins the next would keep winning. So a priority writer (`writeStamp`,
//! `writePendingStamp`) holds a shared `flock` on `ledger.sqlite-priority` while it waits and
//! writes, and the ingest writer checks for it between batches (a non-blocking exclusive
//! attempt, about a microsecond): when one is waiting it commits what it has and, before its
//! next window, waits (at most [`MAX_YIELD`]) until no priority writer is left. Locks die with
//! their process, so a crash leaves nothing behind. Elsewhere than Unix this is a no-op (a
//! stamp may then wait up to one write window).

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

/// The lock file, in the ledger home.
pub use crate::home::PRIORITY_FILE;
/// The longest an ingest waits for priority writers before going on anyway (so a stream of
/// stamps cannot starve it).
pub const MAX_YIELD: Duration = Duration::from_millis(200);

fn open(home: &Path) -> Option<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(crate::home::FILE_MODE);
    }
    options.open(home.join(PRIORITY_FILE)).ok()
}

#[cfg(unix)]
fn flock(file: &File, op: libc::c_int) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: flock on a descriptor this `File` owns; no memory is passed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Held by a priority writer while it waits for the ledger and writes (dropped: released).
pub struct Announce {
    _file: Option<File>,
}

/// Announces a priority writer. Best effort: without the lock file the write still happens.
pub fn announce(home: &Path) -> Announce {
    let file = open(home);
    #[cfg(unix)]
    let file = file.filter(|f| flock(f, libc::LOCK_SH).is_ok());
    Announce { _file: file }
}

/// The ingest writer's view: is a priority writer waiting?
pub struct Probe {
    file: Option<File>,
}

impl Probe {
    pub fn new(home: &Path) -> Probe {
        Probe { file: open(home) }
    }

    /// True while some priority writer holds its shared lock.
    pub fn waiting(&self) -> bool {
        #[cfg(unix)]
        if let Some(f) = &self.file {
            return match flock(f, libc::LOCK_EX | libc::LOCK_NB) {
                Ok(()) => {
                    let _ = flock(f, libc::LOCK_UN);
                    false
                }
                Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
            };
        }
        #[cfg(not(unix))]
        let _ = &self.file;
        false
    }

    /// Waits until no priority writer is left (at most [`MAX_YIELD`]).
    pub fn yield_to_waiting(&self) {
        let started = Instant::now();
        while self.waiting() && started.elapsed() < MAX_YIELD {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_probe_sees_an_announced_writer_until_it_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let probe = Probe::new(dir.path());
        assert!(!probe.waiting());
        let a = announce(dir.path());
        let b = announce(dir.path());
        assert!(probe.waiting());
        drop(a);
        assert!(probe.waiting(), "one writer still waits");
        drop(b);
        assert!(!probe.waiting());
        let started = Instant::now();
        probe.yield_to_waiting();
        assert!(started.elapsed() < MAX_YIELD);
    }
}
