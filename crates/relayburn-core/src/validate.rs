//! Shared option validation. Each check names the field it rejects; the TypeScript facade
//! mirrors these rules with zod so JS callers fail early with the same messages.

use crate::error::{Error, Result};

/// Longest accepted selector (session or message id), in characters.
pub const MAX_SELECTOR_CHARS: usize = 256;
/// Longest accepted enrichment key, in characters.
pub const MAX_KEY_CHARS: usize = 128;
/// Largest accepted enrichment value, in UTF-8 bytes.
pub const MAX_VALUE_BYTES: usize = 4096;
/// Largest accepted enrichment (one stamp, or a tag filter) in all: keys and values, UTF-8 bytes.
pub const MAX_ENRICHMENT_BYTES: usize = 64 * 1024;
/// Longest accepted path option (a pending stamp's `cwd` / `sessionDirHint`, the stamps
/// export/import `path`), in characters.
pub const MAX_PATH_CHARS: usize = 4096;

/// Path options: non-blank, at most [`MAX_PATH_CHARS`] characters, no control characters.
pub fn path(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must be a non-empty path"));
    }
    if value.chars().count() > MAX_PATH_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_PATH_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// One entry of the `roots` option: its key names a harness (`roots.<key>` in errors) and
/// every directory is a path option.
pub fn roots(key: &str, dirs: &[String]) -> Result<crate::vocab::Harness> {
    let harness = crate::vocab::Harness::parse("roots", key)?;
    let field = format!("roots.{key}");
    for dir in dirs {
        path(&field, dir)?;
    }
    Ok(harness)
}

/// A session or message id: non-empty, not blank, at most 256 characters, no control characters.
pub fn selector(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(
            field,
            "must be a non-empty, non-blank string",
        ));
    }
    if value.chars().count() > MAX_SELECTOR_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_SELECTOR_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// Enrichment: at least one entry; keys non-empty (≤ 128 chars, no control characters);
/// values at most 4 KiB of UTF-8; keys and values together at most 64 KiB.
pub fn enrichment<'a>(
    field: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<()> {
    let mut count = 0usize;
    let mut total = 0usize;
    for (key, value) in entries {
        count += 1;
        total += key.len() + value.len();
        if total > MAX_ENRICHMENT_BYTES {
            return Err(Error::invalid(
                field,
                format!(
                    "must be at most {MAX_ENRICHMENT_BYTES} bytes in all (keys and values, UTF-8)"
                ),
            ));
        }
        if key.trim().is_empty() {
            return Err(Error::invalid(
                field,
                "keys must be non-empty, non-blank strings",
            ));
        }
        if key.chars().count() > MAX_KEY_CHARS {
            return Err(Error::invalid(
                field,
                format!("key must be at most {MAX_KEY_CHARS} characters"),
            ));
        }
        if key.chars().any(char::is_control) {
            return Err(Error::invalid(
                field,
                "keys must not contain control characters",
            ));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(Error::invalid(
                format!("{field}.{key}"),
                format!("value must be at most {MAX_VALUE_BYTES} bytes of UTF-8"),
            ));
        }
    }
    if count == 0 {
        return Err(Error::invalid(field, "must have at least one key"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert!(selector("sessionId", "abc-123").is_ok());
        for bad in ["", "   ", "a\nb", "a\u{7f}"] {
            let e = selector("sessionId", bad).unwrap_err();
            assert_eq!(e.field(), Some("sessionId"), "{bad:?}");
        }
        assert!(selector("sessionId", &"x".repeat(256)).is_ok());
        assert!(selector("sessionId", &"x".repeat(257)).is_err());
        // Characters, not bytes.
        assert!(selector("sessionId", &"é".repeat(256)).is_ok());
    }

    #[test]
    fn enrichment_rules() {
        assert!(enrichment("enrichment", [("k", "v")]).is_ok());
        assert!(enrichment("enrichment", [("k", "")]).is_ok());
        assert!(enrichment("enrichment", std::iter::empty()).is_err());
        assert!(enrichment("enrichment", [("", "v")]).is_err());
        assert!(enrichment("enrichment", [(" ", "v")]).is_err());
        let big = "v".repeat(4097);
        let e = enrichment("enrichment", [("k", big.as_str())]).unwrap_err();
        assert_eq!(e.field(), Some("enrichment.k"));
        let value = "v".repeat(4096);
        let keys: Vec<String> = (0..16).map(|i| format!("k{i:02}")).collect();
        let fits: Vec<(&str, &str)> = keys[..15]
            .iter()
            .map(|k| (k.as_str(), value.as_str()))
            .collect();
        assert!(enrichment("enrichment", fits).is_ok());
        let over: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), value.as_str())).collect();
        let e = enrichment("enrichment", over).unwrap_err();
        assert_eq!(e.field(), Some("enrichment"));
        assert!(e.to_string().contains("in all"), "{e}");
        let long_key = "k".repeat(129);
        let e = enrichment("enrichment", [(long_key.as_str(), "v")]).unwrap_err();
        assert_eq!(e.field(), Some("enrichment"));
    }
}
