//! Stable ids. Every id is a hash of a natural key, documented here and stable across versions:
//! the first 8 bytes of SHA-256 over the UTF-8 key. `short_hex` renders them as 16 lowercase hex
//! characters (tool `argsHash`); `id64` as a signed 64-bit integer (ledger row ids).
//!
//! | id | key |
//! |---|---|
//! | turn (Claude) | `claude-code|<message.id>|<requestId or "">` |
//! | user turn | `<harness>|<sessionId>|<uuid>` |
//! | compaction | `<harness>|<sessionId>|<uuid or ts ms>` |
//! | argsHash | key-sorted compact JSON of the tool input |

use sha2::{Digest, Sha256};

fn first8(input: &[u8]) -> [u8; 8] {
    first8_of(Sha256::new_with_prefix(input))
}

fn first8_of(hasher: Sha256) -> [u8; 8] {
    let digest = hasher.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// First 16 hex characters of SHA-256 of `input`.
pub fn short_hex(input: &[u8]) -> String {
    short_hex_of(Sha256::new_with_prefix(input))
}

/// [`short_hex`] of what `hasher` was given (input written to it piece by piece).
pub fn short_hex_of(hasher: Sha256) -> String {
    // Written digit by digit: a `format!` per byte was half the cost of a tool call's hash.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for b in first8_of(hasher) {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// First 8 bytes of SHA-256 of `input`, big-endian, as an `i64` (SQLite integer key).
pub fn id64(input: &str) -> i64 {
    i64::from_be_bytes(first8(input.as_bytes()))
}

/// [`id64`] of the key `parts` joined by `|`, hashed piece by piece: the same id as
/// `id64(&parts.join("|"))` without building the key (a user turn's id is computed per row).
pub fn id64_joined(parts: &[&str]) -> i64 {
    let mut hasher = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update(b"|");
        }
        hasher.update(part.as_bytes());
    }
    i64::from_be_bytes(first8_of(hasher))
}

/// Hash of a file head, for cursor identity checks.
pub fn head_hash(bytes: &[u8]) -> i64 {
    i64::from_be_bytes(first8(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_vectors() {
        assert_eq!(short_hex(br#"{"command":"ls"}"#), "4cf29611a6693486");
        assert_eq!(short_hex(b"{}"), "44136fa355b3678a");
        assert_eq!(
            short_hex(br#"{"file_path":"/src/a.ts"}"#),
            "8bdf173e0d60f93b"
        );
        assert_eq!(short_hex(b""), "e3b0c44298fc1c14");
        assert_eq!(id64("x"), id64("x"));
        assert_ne!(id64("a"), id64("b"));
        assert_eq!(
            id64_joined(&["claude-code", "s1", "u1"]),
            id64("claude-code|s1|u1")
        );
        assert_eq!(id64_joined(&["a|b", ""]), id64("a|b|"));
        assert_eq!(id64_joined(&[]), id64(""));
    }
}
