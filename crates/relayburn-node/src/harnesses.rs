//! `harnessKeys`.

use napi_derive::napi;
use relayburn_core::vocab::Harness;

/// Every harness key the core reads, in its order (the order `status` lists them).
#[napi]
pub fn harness_keys() -> Vec<String> {
    Harness::ALL
        .iter()
        .map(|h| h.as_str().to_string())
        .collect()
}
