//! Where the ledger lives: an explicit `ledgerHome`, else `RELAYBURN_HOME`, else `~/.relayburn`.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// File name of the ledger database inside the home directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";

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
