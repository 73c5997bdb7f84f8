//! Reads ahead of the parse threads where the log files are not in the page cache. A parse
//! thread reads one file at a time, so with a cold cache each of the two waits on the disk for
//! every readahead window of every file, two reads in flight at most: the mixed corpus took
//! 5.1–5.8 s with the page cache dropped, against 1.7 s warm and ccusage's 2.5 s cold. A
//! helper thread asks the kernel for the coming files' pages (`posix_fadvise(WILLNEED)` starts
//! their reads and returns), at most [`AHEAD`] jobs and [`AHEAD_BYTES`] ahead of the parse
//! threads. With the parts of OpenCode's messages asked for too: 3.0–3.6 s cold, warm the
//! same within the noise (bench/RESULTS.md).
//!
//! It only asks where files are missing: it probes whether a coming file's first page is in the
//! page cache (`mincore`, which reads nothing), one file in [`SAMPLE`] while every probe
//! finds its file cached, and every file for the next [`DENSE`] once one does not. A warm pass
//! costs one probe per [`SAMPLE`] files. An OpenCode message found missing brings its parts
//! (read with it, not jobs of their own). Linux only: elsewhere no helper is started.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

use super::job::Job;
#[cfg(target_os = "linux")]
use std::sync::atomic::Ordering;
use std::sync::atomic::{AtomicBool, AtomicUsize};

/// Jobs the helper may run ahead of the parse threads (64, 256 and 1,024 measured; 256 and up
/// the same).
const AHEAD: usize = 256;
/// Bytes of files it may run ahead: what it asks for must still be cached when a parse thread
/// gets there (this VM keeps a page cache of a few GB), and a few large logs are enough to
/// keep the disk busy.
const AHEAD_BYTES: u64 = 64 << 20;
/// While every probe finds its file cached, one file in this many is probed.
const SAMPLE: usize = 16;
/// After a file is found missing, every one of this many next files is probed.
const DENSE: usize = 256;
/// A pass of fewer jobs starts no helper (a hook's or a watch's pass reads a file or two).
const MIN_JOBS: usize = 64;

/// Which coming files to probe, from what the probes found.
#[derive(Default)]
struct Policy {
    /// Files left to probe one by one since the last missing one.
    dense_left: usize,
}

impl Policy {
    fn probes(&self, job: usize) -> bool {
        self.dense_left > 0 || job % SAMPLE == 0
    }

    fn found(&mut self, cached: bool) {
        if cached {
            self.dense_left = self.dense_left.saturating_sub(1);
        } else {
            self.dense_left = DENSE;
        }
    }
}

/// The jobs the helper has passed that the parse threads have not taken yet: how far ahead it
/// is, in jobs and in bytes.
#[derive(Default)]
struct Window {
    from: usize,
    at: usize,
    bytes: u64,
}

impl Window {
    /// The parse threads have taken the jobs before `taken`: they leave the window (a helper
    /// they overtook starts again where they are).
    fn taken(&mut self, taken: usize, size: impl Fn(usize) -> u64) {
        if self.at <= taken {
            *self = Window {
                from: taken,
                at: taken,
                bytes: 0,
            };
            return;
        }
        while self.from < taken {
            self.bytes -= size(self.from);
            self.from += 1;
        }
    }

    fn full(&self) -> bool {
        self.at - self.from >= AHEAD || self.bytes >= AHEAD_BYTES
    }

    fn pass(&mut self, size: u64) {
        self.bytes += size;
        self.at += 1;
    }
}

/// Starts the helper for `jobs`, which the parse threads take in order through `next`, on
/// `scope`; it ends once they have taken the last job or the pass is cancelled.
pub(super) fn spawn<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    jobs: &'scope [Job],
    next: &'scope AtomicUsize,
    cancel: &'scope AtomicBool,
) {
    #[cfg(target_os = "linux")]
    if jobs.len() >= MIN_JOBS {
        scope.spawn(move || read_ahead(jobs, next, cancel));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (scope, jobs, next, cancel);
}

#[cfg(target_os = "linux")]
fn read_ahead(jobs: &[Job], next: &AtomicUsize, cancel: &AtomicBool) {
    let size = |job: usize| u64::try_from(jobs[job].meta.size).unwrap_or(0);
    let mut policy = Policy::default();
    let mut window = Window::default();
    while !cancel.load(Ordering::Relaxed) {
        window.taken(next.load(Ordering::Relaxed), size);
        if window.at >= jobs.len() {
            return;
        }
        if window.full() {
            std::thread::sleep(std::time::Duration::from_millis(2));
            continue;
        }
        if policy.probes(window.at) {
            let file = &jobs[window.at].file;
            let cached = cached_or_fetch(&file.path);
            if !cached && file.kind == super::discover::FileKind::OpenCodeMessage {
                fetch_parts(&file.path);
            }
            policy.found(cached);
        }
        window.pass(size(window.at));
    }
}

/// True when the first page of `path` is in the page cache (or it cannot be told: not a
/// regular file, unreadable, empty, a mapping refused); otherwise starts reading the whole file
/// into the cache and returns false.
#[cfg(target_os = "linux")]
fn cached_or_fetch(path: &std::path::Path) -> bool {
    // Regular files only, opened without blocking on a FIFO.
    let Ok(file) = crate::files::open_regular(path) else {
        return true;
    };
    if first_page_cached(&file) != Some(false) {
        return true;
    }
    will_need(&file);
    false
}

/// Whether the first page of `file` is in the page cache, asked with `mincore` on a one-page
/// mapping, which reads nothing. `None` when it cannot be told: an empty file, a mapping
/// refused. The probe used to be a one-byte read that fails rather than waits
/// (`preadv2(RWF_NOWAIT)`), but that read starts the kernel's readahead of a missing page and
/// succeeds when the I/O ends before the page is looked at again: on this project's CI host,
/// a disk backed by the host's cache, it did so in 20 probes in a row. The kernel answers
/// `mincore` only about files the caller owns or may write; for others it calls every page
/// present, and the helper then asks for nothing, as before.
#[cfg(target_os = "linux")]
fn first_page_cached(file: &std::fs::File) -> Option<bool> {
    use std::os::fd::AsRawFd;
    if file.metadata().ok()?.len() == 0 {
        return None;
    }
    let mut vec = [0u8; 1];
    // SAFETY: a read-only shared mapping of the first page of an open, non-empty file, asked
    // about (`mincore` reads no page; one byte of `vec` covers one page) and unmapped; nothing
    // reads the mapping.
    unsafe {
        let page = libc::mmap(
            std::ptr::null_mut(),
            1,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        );
        if page == libc::MAP_FAILED {
            return None;
        }
        let asked = libc::mincore(page, 1, vec.as_mut_ptr());
        libc::munmap(page, 1);
        (asked == 0).then_some(vec[0] & 1 == 1)
    }
}

/// Asks the kernel to read all of `file` into the page cache, without waiting.
#[cfg(target_os = "linux")]
fn will_need(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: advice on an open descriptor; the kernel queues the reads and returns.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED) };
}

/// An OpenCode message's parts are read with it (`storage::part_files`), not as jobs.
#[cfg(target_os = "linux")]
fn fetch_parts(message_file: &std::path::Path) {
    for path in crate::harness::opencode::storage::part_files(message_file) {
        if let Ok(part) = crate::files::open_regular(&path) {
            will_need(&part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files a run of probe results leads to probing.
    fn probed(results: impl Fn(usize) -> bool, jobs: usize) -> Vec<usize> {
        let mut policy = Policy::default();
        let mut out = Vec::new();
        for job in 0..jobs {
            if policy.probes(job) {
                out.push(job);
                policy.found(results(job));
            }
        }
        out
    }

    #[test]
    fn a_warm_pass_probes_one_file_in_sample_and_a_missing_one_probes_the_next_ones() {
        let all_cached = probed(|_| true, 10 * SAMPLE);
        assert_eq!(all_cached, (0..10).map(|i| i * SAMPLE).collect::<Vec<_>>());
        // File 2·SAMPLE missing: every file from there to DENSE past it, then sampling again.
        let missing = 2 * SAMPLE;
        let got = probed(|job| job != missing, missing + DENSE + 4 * SAMPLE);
        let dense: Vec<usize> = (missing..=missing + DENSE).collect();
        assert!(got.starts_with(&[0, SAMPLE]));
        assert_eq!(&got[2..2 + dense.len()], dense.as_slice());
        assert!(got[2 + dense.len()..].iter().all(|job| job % SAMPLE == 0));
        // A missing file among the dense ones starts their count again.
        let (first, second) = (3 * SAMPLE, 3 * SAMPLE + 200);
        let got = probed(|job| job != first && job != second, 1_000);
        let mut want: Vec<usize> = (0..=first).step_by(SAMPLE).collect();
        want.extend(first + 1..=second + DENSE);
        want.extend((second + DENSE + 1..1_000).filter(|job| job % SAMPLE == 0));
        assert_eq!(got, want);
    }

    #[test]
    fn the_helper_stays_within_its_jobs_and_bytes_ahead() {
        let size = |job: usize| if job < 1_000 { 1_000 } else { 16 << 20 };
        let mut w = Window::default();
        while !w.full() {
            w.pass(size(w.at));
        }
        assert_eq!((w.from, w.at), (0, AHEAD));
        w.taken(10, size);
        assert_eq!(
            (w.from, w.at, w.bytes),
            (10, AHEAD, (AHEAD as u64 - 10) * 1_000)
        );
        assert!(!w.full());
        // Large files: the bytes bound first.
        w.taken(1_000, size);
        while !w.full() {
            w.pass(size(w.at));
        }
        assert_eq!((w.from, w.at, w.bytes), (1_000, 1_004, AHEAD_BYTES));
        // Overtaken: it starts again where the parse threads are.
        w.taken(2_000, size);
        assert_eq!((w.from, w.at, w.bytes), (2_000, 2_000, 0));
    }

    /// The probe finds a file whose pages were just dropped missing, and the page then
    /// arrives without anyone reading it (on tmpfs, which keeps its pages, it finds it cached).
    #[cfg(target_os = "linux")]
    #[test]
    fn the_probe_finds_a_dropped_file_missing_and_reads_it_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        std::fs::write(&path, vec![b'x'; 256 * 1024]).unwrap();
        let (file, dropped) = drop_pages(&path);
        assert_eq!(cached_or_fetch(&path), !dropped);
        arrives(&file);
    }

    /// Drops what the page cache holds of `path` and returns it open, with whether its first
    /// page is gone: always, but on tmpfs (where the pages are the file).
    #[cfg(target_os = "linux")]
    fn drop_pages(path: &std::path::Path) -> (std::fs::File, bool) {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).unwrap();
        file.sync_all().unwrap();
        // `f_type` and `TMPFS_MAGIC` have different types on different targets.
        // SAFETY: advice on an open descriptor; `fstatfs` fills the zeroed struct it is given.
        #[allow(clippy::unnecessary_cast)]
        let tmpfs = unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
            let mut fs: libc::statfs = std::mem::zeroed();
            assert_eq!(libc::fstatfs(file.as_raw_fd(), &mut fs), 0);
            fs.f_type as i64 == libc::TMPFS_MAGIC as i64
        };
        let cached = first_page_cached(&file).expect("mincore answers about the test's file");
        let dropped = !cached;
        assert_eq!(dropped, !tmpfs, "the page cache kept a dropped page");
        (file, dropped)
    }

    /// Waits until the first page of `file` is cached, failing after 10 s.
    #[cfg(target_os = "linux")]
    fn arrives(file: &std::fs::File) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while first_page_cached(file) != Some(true) {
            assert!(std::time::Instant::now() < deadline, "never read in");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// An OpenCode message's parts (`part/<messageID>/`) are asked for with it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_missing_opencode_message_brings_its_parts() {
        let dir = tempfile::tempdir().unwrap();
        let message = dir.path().join("message").join("ses_1").join("msg_1.json");
        let parts = dir.path().join("part").join("msg_1");
        std::fs::create_dir_all(message.parent().unwrap()).unwrap();
        std::fs::create_dir_all(&parts).unwrap();
        std::fs::write(&message, b"{}").unwrap();
        let part = parts.join("prt_1.json");
        std::fs::write(&part, vec![b' '; 64 * 1024]).unwrap();
        let (part, _) = drop_pages(&part);
        fetch_parts(&message);
        arrives(&part);
    }

    /// The probe on real files: a file just written is cached; a FIFO is neither waited on nor
    /// read, and a missing path is no error.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_probe_answers_without_waiting_on_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.jsonl");
        std::fs::write(&file, b"{}\n").unwrap();
        assert!(cached_or_fetch(&file));
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(cached_or_fetch(&fifo));
        assert!(cached_or_fetch(&dir.path().join("gone.jsonl")));
    }
}
