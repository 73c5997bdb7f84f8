//! Core errors → JS errors. The thrown object is a real `Error` whose `code` is the core's
//! stable code (`INVALID_ARGUMENT`, `SCHEMA_TOO_NEW`, …) and which carries `field`/`path`
//! when the core names one. The TS facade rewraps it as `BurnError`.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, JsError, JsValue};

/// A napi status that is one of our codes instead of napi's own (`GenericFailure`, …).
struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Builds the JS error for `err`; falls back to a plain napi error if the JS object cannot be
/// decorated (the env is shutting down).
pub(crate) fn to_js(env: Env, err: &relayburn_core::Error) -> napi::Error {
    let js = JsError::from(napi::Error::new(Code(err.code()), err.to_string())).into_unknown(env);
    if let Ok(mut obj) = js.coerce_to_object() {
        if let Some(field) = err.field() {
            let _ = obj.set_named_property("field", field);
        }
        if let Some(path) = err.path() {
            let _ = obj.set_named_property("path", path.to_string_lossy().as_ref());
        }
    }
    napi::Error::from(js)
}
