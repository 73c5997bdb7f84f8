//! Opening files named by callers, found in log stores or kept in the home directory: only
//! regular files are read. A FIFO would block the open (or the read) forever and a device such
//! as `/dev/zero` never ends, so anything else is refused with an error saying what it is.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Largest `config.json` read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// Largest `prices.json` override read.
pub const MAX_PRICES_BYTES: u64 = 16 << 20;

/// The write-ahead log of the SQLite database at `db`: its path with `-wal` appended.
pub fn wal_of(db: &Path) -> PathBuf {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}

/// What a non-regular file is, for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// The error for a file that is not a regular file.
pub fn not_regular(meta: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({}); refused", kind_of(meta)),
    )
}

/// Opens `path` for reading if it is a regular file (symlinks followed). On Unix the open does
/// not block on a FIFO (`O_NONBLOCK`, harmless for regular files); the type is checked on the
/// open descriptor, so a file swapped after a stat is caught too.
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_regular_sized(path).map(|(file, _)| file)
}

/// [`open_regular`], with the file's size as found on the open descriptor.
fn open_regular_sized(path: &Path) -> io::Result<(File, u64)> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file (see [`open_regular`]): what `std::fs::read` does, refusing a
/// FIFO or a device instead of blocking on it or reading it forever.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let (mut file, size) = open_regular_sized(path)?;
    read_expecting(&mut file, usize::try_from(size).unwrap_or(usize::MAX))
}

/// Reads `file` to its end, expecting `expected` bytes: one read asking one byte more. A
/// regular file gives fewer bytes than asked only at its end, so getting exactly `expected`
/// is the whole file, without the second read `read_to_end` makes to see the end (a system
/// call per file, and OpenCode keeps a file per part). Any other count (the file changed size
/// since it was opened) reads on to the end.
fn read_expecting(file: &mut File, expected: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; expected.saturating_add(1).min(FIRST_READ_MAX)];
    let n = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            read => break read?,
        }
    };
    bytes.truncate(n);
    if n != expected {
        // Through `Take`: `File`'s own `read_to_end` would stat the file again.
        Read::take(file, u64::MAX).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// The largest buffer [`read_regular`] allocates from the size found on open (a larger file is
/// read on to its end).
const FIRST_READ_MAX: usize = 64 << 20;

/// Reads a regular file of at most `max_bytes` as UTF-8 text.
pub fn read_regular_to_string(path: &Path, max_bytes: u64) -> io::Result<String> {
    let file = open_regular(path)?;
    let mut text = String::new();
    file.take(max_bytes + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max_bytes {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max_bytes} bytes; refused"),
        ));
    }
    Ok(text)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for (path, what) in [
            (fifo.as_path(), "FIFO"),
            (Path::new("/dev/zero"), "character device"),
            (dir.path(), "directory"),
        ] {
            let err = open_regular(path).err().unwrap();
            assert!(err.to_string().contains(what), "{err}");
        }
        let file = dir.path().join("f.json");
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(read_regular_to_string(&file, 2).unwrap(), "{}");
        assert_eq!(read_regular(&file).unwrap(), b"{}");
        for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
            assert!(read_regular(path).is_err(), "{}", path.display());
        }
        assert!(read_regular_to_string(&file, 1).is_err());
    }

    /// The whole file whatever size was expected: the one-read path when it matches, reading on
    /// when the file is longer or shorter than that (it changed after it was opened).
    #[test]
    fn a_file_is_read_whole_whatever_size_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 1, 700, (1 << 20) + 3] {
            let path = dir.path().join(format!("{len}.json"));
            let body: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            std::fs::write(&path, &body).unwrap();
            assert_eq!(read_regular(&path).unwrap(), body, "{len} bytes");
            for expected in [0, len / 2, len.saturating_sub(1), len + 1, len + 4096] {
                let mut file = File::open(&path).unwrap();
                let got = read_expecting(&mut file, expected).unwrap();
                assert_eq!(got, body, "{len} bytes, {expected} expected");
            }
        }
    }
}
