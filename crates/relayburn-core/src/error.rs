//! One error type for the whole core. Every variant has a stable `code()` that the binding
//! surfaces to JavaScript as `BurnError.code`; messages name the offending field or path.

use std::path::PathBuf;

/// Stable error codes (packages/sdk/README.md, "Errors"). These strings are part of the public contract.
pub mod codes {
    pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
    pub const LEDGER_BUSY: &str = "LEDGER_BUSY";
    pub const LEDGER_CORRUPT: &str = "LEDGER_CORRUPT";
    pub const SCHEMA_TOO_NEW: &str = "SCHEMA_TOO_NEW";
    pub const IO: &str = "IO";
    pub const INTERNAL: &str = "INTERNAL";
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied option is missing, of the wrong shape, or out of range.
    #[error("{field}: {message}")]
    InvalidArgument { field: String, message: String },

    /// Another writer held the ledger longer than the busy timeout.
    #[error("ledger is busy (another process held it longer than the busy timeout): {path}")]
    LedgerBusy { path: PathBuf },

    /// The ledger file exists but is not a readable relayburn database.
    #[error("ledger is corrupt or not a relayburn database: {path}: {detail}")]
    LedgerCorrupt { path: PathBuf, detail: String },

    /// The ledger was written by a newer relayburn; it is left untouched.
    #[error("ledger schema version {found} is newer than this relayburn supports ({supported}); upgrade relayburn: {path}")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// A filesystem operation failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A bug: something that should not happen. The message says what.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code of this error (see [`codes`]).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument { .. } => codes::INVALID_ARGUMENT,
            Error::LedgerBusy { .. } => codes::LEDGER_BUSY,
            Error::LedgerCorrupt { .. } => codes::LEDGER_CORRUPT,
            Error::SchemaTooNew { .. } => codes::SCHEMA_TOO_NEW,
            Error::Io { .. } => codes::IO,
            Error::Internal(_) => codes::INTERNAL,
        }
    }

    /// The option field this error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidArgument { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The file this error is about, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::LedgerBusy { path }
            | Error::LedgerCorrupt { path, .. }
            | Error::SchemaTooNew { path, .. }
            | Error::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Maps a SQLite error on the ledger at `path` to the error a caller can act on.
    pub(crate) fn sqlite(path: &std::path::Path, err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        if let rusqlite::Error::SqliteFailure(ffi, _) = &err {
            match ffi.code {
                C::DatabaseBusy | C::DatabaseLocked => {
                    return Error::LedgerBusy {
                        path: path.to_path_buf(),
                    }
                }
                C::NotADatabase | C::DatabaseCorrupt => {
                    return Error::LedgerCorrupt {
                        path: path.to_path_buf(),
                        detail: err.to_string(),
                    }
                }
                C::CannotOpen
                | C::ReadOnly
                | C::PermissionDenied
                | C::DiskFull
                | C::SystemIoFailure => {
                    return Error::Io {
                        path: path.to_path_buf(),
                        source: std::io::Error::other(err.to_string()),
                    }
                }
                // Our statements are fixed: a missing table or column means the schema was
                // damaged under an open connection (checked at open otherwise).
                C::Unknown
                    if err.to_string().starts_with("no such table")
                        || err.to_string().starts_with("no such column") =>
                {
                    return Error::LedgerCorrupt {
                        path: path.to_path_buf(),
                        detail: format!("the relayburn schema is damaged ({err})"),
                    }
                }
                _ => {}
            }
        }
        Error::Internal(format!("sqlite error on {}: {err}", path.display()))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
