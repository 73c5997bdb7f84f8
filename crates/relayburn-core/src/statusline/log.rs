//! `statusline.log` in the ledger home: one line per error, `<time> <CODE> <message>`, mode
//! 0600, emptied once past 1 MiB so it never grows without bound. Writing it never fails the
//! status line.

use crate::error::Error;
use std::io::Write;
use std::path::PathBuf;

/// The log's file name in the ledger home.
pub const FILE: &str = "statusline.log";
/// Past this size the log is emptied before the next line.
pub const MAX_BYTES: u64 = 1 << 20;

/// Where the log is: in the ledger home as the ledger resolves it.
pub fn path(ledger_home: Option<&str>) -> Option<PathBuf> {
    crate::home::resolve_home(ledger_home)
        .ok()
        .map(|home| home.join(FILE))
}

/// Appends `err` with the current time; errors writing the log are ignored.
pub fn append(ledger_home: Option<&str>, err: &Error) {
    let Ok(home) = crate::home::resolve_home(ledger_home) else {
        return;
    };
    let _ = write_line(home, err);
}

fn write_line(home: PathBuf, err: &Error) -> std::io::Result<()> {
    create_home(&home)?;
    let file = home.join(FILE);
    if std::fs::metadata(&file).is_ok_and(|m| m.len() > MAX_BYTES) {
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&file)?;
    }
    let message = err
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let line = format!(
        "{} {} {message}\n",
        crate::time::format_ms(crate::time::now_ms()),
        err.code()
    );
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(crate::home::FILE_MODE);
        let mut f = options.open(&file)?;
        // A log created looser by someone else is tightened like the ledger's files.
        f.set_permissions(std::fs::Permissions::from_mode(crate::home::FILE_MODE))?;
        f.write_all(line.as_bytes())
    }
    #[cfg(not(unix))]
    {
        options.open(&file)?.write_all(line.as_bytes())
    }
}

fn create_home(home: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(crate::home::HOME_DIR_MODE)
            .create(home)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(home)
    }
}
