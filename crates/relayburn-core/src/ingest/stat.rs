//! `stat` of many paths at once, for a sweep: on up to one thread per core, and (on Unix)
//! relative to an open ancestor directory shared by the paths around each one.
//!
//! Most of a `stat`'s cost is the kernel walking the path one component at a time, and a
//! store's paths are long and share their leading directories (`…/projects/<slug>/` holds
//! dozens of sessions). `fstatat` on a descriptor of `<slug>` walks one or two components
//! instead of ten.

use std::io;
use std::path::Path;

/// What a `stat` (following links) says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub kind: StatKind,
    pub dev: i64,
    pub ino: i64,
    pub size: i64,
    /// Modification time in ms since the epoch (0 before it), as `FileMeta` keeps it.
    pub mtime_ms: i64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    /// The path itself is a symbolic link (the rest describes what it leads to).
    pub link: bool,
    /// Hard links to the file (1 where the platform does not say).
    pub nlink: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatKind {
    File,
    Dir,
    Other,
}

impl Stat {
    pub fn of(meta: &std::fs::Metadata) -> Stat {
        let kind = if meta.is_file() {
            StatKind::File
        } else if meta.is_dir() {
            StatKind::Dir
        } else {
            StatKind::Other
        };
        let since_epoch = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        #[cfg(unix)]
        let (dev, ino, mtime_ns, ctime_ns, nlink) = {
            use std::os::unix::fs::MetadataExt;
            (
                meta.dev() as i64,
                meta.ino() as i64,
                ns(meta.mtime(), meta.mtime_nsec()),
                ns(meta.ctime(), meta.ctime_nsec()),
                meta.nlink(),
            )
        };
        #[cfg(not(unix))]
        let (dev, ino, mtime_ns, ctime_ns, nlink) = (
            0i64,
            0i64,
            since_epoch.map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
            0i64,
            1u64,
        );
        Stat {
            kind,
            dev,
            ino,
            size: meta.len() as i64,
            mtime_ms: since_epoch.map_or(0, |d| d.as_millis() as i64),
            mtime_ns,
            ctime_ns,
            link: false,
            nlink,
        }
    }

    /// The `stat` of `path`, noting whether the path itself is a link.
    pub fn of_path(path: &Path) -> io::Result<Stat> {
        let link = std::fs::symlink_metadata(path)?;
        if link.file_type().is_symlink() {
            let meta = std::fs::metadata(path)?;
            return Ok(Stat {
                link: true,
                ..Stat::of(&meta)
            });
        }
        Ok(Stat::of(&link))
    }
}

#[cfg(unix)]
fn ns(secs: i64, nsec: i64) -> i64 {
    secs.saturating_mul(1_000_000_000).saturating_add(nsec)
}

/// Items per thread at least (a thread costs about as much as a hundred `stat` calls).
const PER_THREAD: usize = 256;

/// `run` over consecutive chunks of `items` on up to one thread per core, results in order.
pub fn par_chunks<T: Sync, R: Send>(items: &[T], run: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len() / PER_THREAD)
        .max(1);
    if threads == 1 {
        return run(items);
    }
    let chunk = items.len().div_ceil(threads);
    let run = &run;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || run(part)))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (part, handle) in items.chunks(chunk).zip(parts) {
            // A panicked thread's chunk is run again here (a panic is a bug, but a sweep
            // must not lose files to it).
            out.extend(handle.join().unwrap_or_else(|_| run(part)));
        }
        out
    })
}

/// The `stat` of each path, in order, in parallel.
pub fn stat_many<P: AsRef<Path> + Sync>(paths: &[P]) -> Vec<io::Result<Stat>> {
    par_chunks(paths, stat_run)
}

/// The `stat` of each path, in order, on this thread.
#[cfg(not(unix))]
pub fn stat_run<P: AsRef<Path>>(paths: &[P]) -> Vec<io::Result<Stat>> {
    paths.iter().map(|p| Stat::of_path(p.as_ref())).collect()
}

/// An ancestor is opened when at least this many of the next [`LOOKAHEAD`] paths are below it.
#[cfg(unix)]
const MIN_SHARED: usize = 4;
#[cfg(unix)]
const LOOKAHEAD: usize = 8;
/// How far up an ancestor is looked for.
#[cfg(unix)]
const MAX_UP: usize = 4;

/// The `stat` of each path, in order, on this thread.
#[cfg(unix)]
pub fn stat_run<P: AsRef<Path>>(paths: &[P]) -> Vec<io::Result<Stat>> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::with_capacity(paths.len());
    // The open ancestor (its path's bytes, its descriptor) and the relative path buffer.
    let mut base: Option<(Vec<u8>, std::fs::File)> = None;
    let mut rel = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let path = p.as_ref().as_os_str().as_bytes();
        if !base.as_ref().is_some_and(|(b, _)| under(path, b)) {
            let next: Vec<&[u8]> = paths[i..]
                .iter()
                .take(LOOKAHEAD)
                .map(|q| q.as_ref().as_os_str().as_bytes())
                .collect();
            base = shared_ancestor(p.as_ref(), &next)
                .and_then(|a| Some((a.as_os_str().as_bytes().to_vec(), open_dir(a)?)));
        }
        match &base {
            Some((b, dir)) if under(path, b) => {
                rel.clear();
                rel.extend_from_slice(&path[b.len() + 1..]);
                rel.push(0);
                out.push(stat_at(dir, &rel));
            }
            _ => out.push(Stat::of_path(p.as_ref())),
        }
    }
    out
}

/// `path` is strictly below the directory `dir` (both absolute or both relative, as given).
#[cfg(unix)]
fn under(path: &[u8], dir: &[u8]) -> bool {
    path.len() > dir.len() + 1 && path.starts_with(dir) && path[dir.len()] == b'/'
}

/// The deepest ancestor of `path` (up to [`MAX_UP`] levels) that at least [`MIN_SHARED`] of
/// `next` (which starts with `path`) are below.
#[cfg(unix)]
fn shared_ancestor<'p>(path: &'p Path, next: &[&[u8]]) -> Option<&'p Path> {
    use std::os::unix::ffi::OsStrExt;
    path.ancestors()
        .skip(1)
        .take(MAX_UP)
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| {
            let a = a.as_os_str().as_bytes();
            next.iter().filter(|q| under(q, a)).count() >= MIN_SHARED
        })
}

#[cfg(unix)]
fn open_dir(dir: &Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)
        .ok()
}

/// `fstatat(dir, rel)` following links (noting whether `rel` itself is one); `rel` ends
/// with its NUL.
#[cfg(unix)]
// The `stat` field types differ across platforms (32-bit `st_dev` on macOS, …).
#[allow(clippy::unnecessary_cast)]
fn stat_at(dir: &std::fs::File, rel: &[u8]) -> io::Result<Stat> {
    use std::os::fd::AsRawFd;
    let name = std::ffi::CStr::from_bytes_with_nul(rel)
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let at = |flags: libc::c_int| {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `name` is NUL-terminated, `st` is a writable `stat` buffer, and the
        // descriptor stays open for the call (borrowed from `dir`).
        let r = unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), flags) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fstatat` succeeded, so it filled `st`.
        Ok(unsafe { st.assume_init() })
    };
    // The link itself first: one call for a file that is not a link (the usual case).
    let mut st = at(libc::AT_SYMLINK_NOFOLLOW)?;
    let link = st.st_mode & libc::S_IFMT == libc::S_IFLNK;
    if link {
        st = at(0)?;
    }
    let kind = match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => StatKind::File,
        libc::S_IFDIR => StatKind::Dir,
        _ => StatKind::Other,
    };
    let (secs, nsec) = (st.st_mtime as i64, st.st_mtime_nsec as i64);
    // As `SystemTime::duration_since(UNIX_EPOCH).as_millis()`: 0 before the epoch.
    let mtime_ms = if secs < 0 {
        0
    } else {
        secs * 1000 + nsec / 1_000_000
    };
    Ok(Stat {
        kind,
        dev: st.st_dev as i64,
        ino: st.st_ino as i64,
        size: st.st_size as i64,
        mtime_ms,
        mtime_ns: ns(secs, nsec),
        ctime_ns: ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
        link,
        nlink: st.st_nlink as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn stats_equal_the_standard_library_s_for_files_dirs_links_and_missing_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let mut paths: Vec<PathBuf> = Vec::new();
        for d in 0..3 {
            let dir = tmp.path().join(format!("d{d}"));
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            for f in 0..6 {
                let p = dir.join(format!("f{f}.jsonl"));
                std::fs::write(&p, "x".repeat(f * 10)).unwrap();
                paths.push(p);
                let q = dir.join("sub").join(format!("g{f}.jsonl"));
                std::fs::write(&q, "y").unwrap();
                paths.push(q);
            }
            paths.push(dir.join("sub"));
            paths.push(dir.join("missing.jsonl"));
        }
        #[cfg(unix)]
        {
            let link = tmp.path().join("d0").join("link.jsonl");
            std::os::unix::fs::symlink(tmp.path().join("d1").join("f2.jsonl"), &link).unwrap();
            paths.push(link);
            let dangling = tmp.path().join("d0").join("dangling.jsonl");
            std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
            paths.push(dangling);
        }
        // Many times over, so the parallel path runs too.
        let many: Vec<PathBuf> = (0..40).flat_map(|_| paths.clone()).collect();
        let got = stat_many(&many);
        assert_eq!(got.len(), many.len());
        for (p, g) in many.iter().zip(got) {
            let link = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            match (std::fs::metadata(p), g) {
                (Ok(m), Ok(g)) => assert_eq!(
                    Stat {
                        link,
                        ..Stat::of(&m)
                    },
                    g,
                    "{}",
                    p.display()
                ),
                (Err(e), Err(g)) => assert_eq!(e.kind(), g.kind(), "{}", p.display()),
                (want, got) => panic!("{}: {want:?} vs {got:?}", p.display()),
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_ancestor_is_shared_only_by_paths_below_it() {
        assert!(under(b"/a/b/c", b"/a/b"));
        assert!(!under(b"/a/bc", b"/a/b"));
        assert!(!under(b"/a/b", b"/a/b"));
        let next: Vec<&[u8]> = vec![b"/r/s/1", b"/r/s/2", b"/r/s/t/3", b"/r/s/t/4", b"/r/u/5"];
        assert_eq!(
            shared_ancestor(Path::new("/r/s/1"), &next),
            Some(Path::new("/r/s"))
        );
        assert_eq!(shared_ancestor(Path::new("/r/u/5"), &next[4..]), None);
    }
}
