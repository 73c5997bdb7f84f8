//! Export and import of stamps as JSONL: stamps are written by users and cannot
//! be re-derived from logs, so they can be carried to another ledger.
//!
//! One stamp per line, in fold order, shaped like the SDK's `Stamp`:
//! `{"id","sessionId"?,"messageId"?,"enrichment","ts","seq"}` (`ts` in UTC milliseconds, the
//! stored precision). Import validates every line with the stamp rules before writing
//! anything, inserts in the order of the exported `seq` (so stamps that share a `ts` keep
//! their order) in one transaction, and skips ids the ledger already has: importing a file
//! twice changes nothing. Unclaimed pending stamps are not exported: they are tied to
//! processes on this machine and expire within a day.

use super::{list_stamps, StampFilter, StampRequest};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::time;
use crate::validate;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Line {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_id: Option<String>,
    enrichment: BTreeMap<String, String>,
    ts: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<i64>,
}

/// What `export_stamps` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReceipt {
    /// Absolute path of the file written.
    pub path: PathBuf,
    pub stamps: i64,
    /// Budgets written after the stamps (`budget::transfer`).
    pub budgets: i64,
}

/// What `import_stamps` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReceipt {
    /// Stamps added to the ledger.
    pub imported: i64,
    /// Lines whose stamp id the ledger already had (left as they were).
    pub skipped: i64,
    /// Budgets added or replaced by a newer version (`budget::transfer`).
    pub budgets_imported: i64,
    /// Budget lines the ledger already had in that version or a newer one.
    pub budgets_skipped: i64,
}

fn check_path(path: &str) -> Result<PathBuf> {
    validate::path("path", path)?;
    Ok(std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path)))
}

/// Checks the options of `export_stamps` / `import_stamps` without touching the disk.
pub fn validate_path(path: &str) -> Result<()> {
    check_path(path).map(|_| ())
}

/// Writes every stamp to `path` as JSONL, atomically (a temporary file renamed into place).
pub fn export_stamps(ledger: &Ledger, path: &str) -> Result<ExportReceipt> {
    let path = check_path(path)?;
    let all = list_stamps(ledger, &StampFilter::default())?;
    let budgets = crate::budget::list_budgets(ledger)?;
    let (file, tmp) = create_temp(&path).map_err(|e| Error::io(&path, e))?;
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(file);
        for s in &all {
            let line = Line {
                id: s.id.clone(),
                session_id: s.session_id.clone(),
                message_id: s.message_id.clone(),
                enrichment: s.enrichment.clone(),
                ts: time::format_ms(s.ts_ms),
                seq: Some(s.seq),
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        crate::budget::transfer::write_lines(&budgets, &mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    if let Err(e) = write() {
        // Only ever the file this call created (never a name someone else planted).
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&path, e));
    }
    Ok(ExportReceipt {
        path,
        stamps: all.len() as i64,
        budgets: budgets.len() as i64,
    })
}

/// Creates `<path>.<pid>-<n>.tmp` exclusively (`O_CREAT | O_EXCL`, and `O_NOFOLLOW` on Unix):
/// a file or symlink already at that name is never opened, truncated or followed; the next
/// name is tried instead. `n` is unique per process and call, so concurrent exports to one
/// path never share a temporary file.
fn create_temp(path: &Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut last = None;
    for _ in 0..64 {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".{}-{n}.tmp", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        match options.open(&tmp) {
            Ok(file) => return Ok((file, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary file name")))
}

/// Longest import line: a stamp at [`validate::MAX_ENRICHMENT_BYTES`] with every character
/// JSON-escaped (`\uXXXX`, 6 bytes) and its other fields is far below.
const MAX_LINE_BYTES: usize = 1 << 20;

struct Parsed {
    order: (i64, usize),
    request: StampRequest,
    id: String,
    ts_ms: i64,
}

fn parse_line(path: &Path, n: usize, text: &str) -> Result<Parsed> {
    let bad =
        |message: String| Error::invalid("path", format!("{} line {n}: {message}", path.display()));
    // A stamp within the limits is far shorter even with every character escaped: refuse a
    // longer line before parsing it (its map would be built in memory first).
    if text.len() > MAX_LINE_BYTES {
        return Err(bad(format!("longer than {MAX_LINE_BYTES} bytes")));
    }
    let line: Line = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    validate::selector("id", &line.id).map_err(|e| bad(e.to_string()))?;
    let request = StampRequest {
        session_id: line.session_id,
        message_id: line.message_id,
        enrichment: line.enrichment,
        ts: Some(line.ts),
    };
    let ts_ms = request.validate().map_err(|e| bad(e.to_string()))?;
    Ok(Parsed {
        order: (line.seq.unwrap_or(i64::MAX), n),
        request,
        id: line.id,
        ts_ms,
    })
}

/// Reads stamps from a JSONL file written by [`export_stamps`] (or by hand: `seq` optional)
/// and adds those whose id the ledger lacks, all in one transaction. A malformed line fails
/// the whole import (`INVALID_ARGUMENT`, field `path`, naming the line) before any write.
pub fn import_stamps(ledger: &mut Ledger, path: &str) -> Result<ImportReceipt> {
    let path = check_path(path)?;
    // Only a regular file: a FIFO or a device would hang the read (files.rs).
    let mut bytes = Vec::new();
    crate::files::open_regular(&path)
        .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
        .map_err(|e| Error::io(&path, e))?;
    let mut parsed = Vec::new();
    let mut budgets = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = std::str::from_utf8(raw).map_err(|e| {
            Error::invalid(
                "path",
                format!(
                    "{} line {}: is not valid UTF-8 (bad byte at column {})",
                    path.display(),
                    i + 1,
                    e.valid_up_to() + 1
                ),
            )
        })?;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        if let Some(budget) = crate::budget::transfer::parse_line(&path, i + 1, raw) {
            budgets.push(budget?);
            continue;
        }
        parsed.push(parse_line(&path, i + 1, raw)?);
    }
    parsed.sort_by_key(|p| p.order);
    let db = ledger.path().to_path_buf();
    ledger.write(|tx| {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO stamps (id, session_id, message_id, enrichment, ts_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
            )
            .map_err(|e| Error::sqlite(&db, e))?;
        let mut receipt = ImportReceipt {
            imported: 0,
            skipped: 0,
            budgets_imported: 0,
            budgets_skipped: 0,
        };
        for p in &parsed {
            let enrichment = serde_json::to_string(&p.request.enrichment)
                .map_err(|e| Error::Internal(format!("cannot encode enrichment: {e}")))?;
            let added = stmt
                .execute(params![
                    p.id,
                    p.request.session_id,
                    p.request.message_id,
                    enrichment,
                    p.ts_ms
                ])
                .map_err(|e| Error::sqlite(&db, e))?;
            if added == 1 {
                receipt.imported += 1;
            } else {
                receipt.skipped += 1;
            }
        }
        (receipt.budgets_imported, receipt.budgets_skipped) =
            crate::budget::transfer::import(tx, &db, &budgets)?;
        Ok(receipt)
    })
}
