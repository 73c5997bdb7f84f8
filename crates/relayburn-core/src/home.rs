//! Where the ledger lives: an explicit `ledgerHome`, else `RELAYBURN_HOME`, else `~/.relayburn`.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

// The names of every file relayburn keeps in the home directory live here, so the modules
// that own the files and this list of private files agree without importing each other.

/// File name of the ledger database inside the home directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";
/// The ledger's priority lock file (see `ledger::priority`).
pub const PRIORITY_FILE: &str = "ledger.sqlite-priority";
/// File name of the content store inside the home directory.
pub const CONTENT_FILE: &str = "content.sqlite";
/// File name of the optional settings file inside the home directory.
pub const CONFIG_FILE: &str = "config.json";
/// The user's price override file (see `pricing`).
pub const OVERRIDE_FILE: &str = "prices.json";

/// Resolves the home directory. An explicit value must be a non-blank string; an empty
/// `RELAYBURN_HOME` counts as unset.
pub fn resolve_home(explicit: Option<&str>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if dir.trim().is_empty() {
            return Err(Error::invalid("ledgerHome", "must be a non-empty path"));
        }
        if dir.contains('\0') {
            return Err(Error::invalid(
                "ledgerHome",
                "must not contain a NUL character",
            ));
        }
        return Ok(absolute(Path::new(dir)));
    }
    if let Some(dir) = std::env::var_os("RELAYBURN_HOME").filter(|v| !v.is_empty()) {
        return Ok(absolute(Path::new(&dir)));
    }
    let user_home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE").filter(|v| !v.is_empty()))
        .ok_or_else(|| {
            Error::invalid(
                "ledgerHome",
                "cannot locate a home directory: set RELAYBURN_HOME or pass ledgerHome",
            )
        })?;
    Ok(PathBuf::from(user_home).join(".relayburn"))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Files relayburn keeps in the home directory, all owner-only (0600 on Unix): the ledger and
/// content store with their SQLite side files, and the user's settings and price overrides.
pub const PRIVATE_FILES: &[&str] = &[
    LEDGER_FILE,
    "ledger.sqlite-wal",
    "ledger.sqlite-shm",
    "ledger.sqlite-journal",
    PRIORITY_FILE,
    CONTENT_FILE,
    "content.sqlite-wal",
    "content.sqlite-shm",
    "content.sqlite-journal",
    CONFIG_FILE,
    OVERRIDE_FILE,
];

/// Mode of the home directory (Unix).
pub const HOME_DIR_MODE: u32 = 0o700;
/// Mode of every file in it (Unix).
pub const FILE_MODE: u32 = 0o600;

/// Creates the home directory owner-only (0700) if missing, and tightens a looser mode on an
/// existing one and on the files of [`PRIVATE_FILES`] it holds (group/other bits removed).
/// Tightening is best effort: a file or directory owned by someone else is left as it is.
pub fn prepare_home(home: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(HOME_DIR_MODE)
            .create(home)
            .map_err(|e| Error::io(home, e))?;
        // The home may be a symlink to the real directory (that one is tightened); the files
        // in it never are followed.
        tighten(home, HOME_DIR_MODE, true);
        for name in PRIVATE_FILES {
            tighten(&home.join(name), FILE_MODE, false);
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(home).map_err(|e| Error::io(home, e))?;
    Ok(())
}

/// Creates `path` empty and owner-only when it does not exist yet (SQLite then opens it as an
/// empty database and gives its `-wal`/`-shm` files the same mode). An existing file is kept.
pub fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Removes group/other permission bits from `path` if it has any; a symlink is followed only
/// with `follow`.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32, follow: bool) {
    use std::os::unix::fs::PermissionsExt;
    let meta = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    };
    let Ok(meta) = meta else {
        return;
    };
    if meta.file_type().is_symlink() {
        return;
    }
    let current = meta.permissions().mode() & 0o7777;
    if current & !mode != 0 {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode));
    }
}

#[cfg(test)]
mod tests {
    /// Issue 23: a NUL is a bad argument, not an I/O failure.
    #[test]
    fn nul_in_ledger_home_is_invalid() {
        let err = super::resolve_home(Some("/tmp/a\0b")).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert_eq!(err.field(), Some("ledgerHome"));
    }
}
