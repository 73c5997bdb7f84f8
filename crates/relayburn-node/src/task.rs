//! One way to run core work off the JS thread: a `Task` on the libuv pool whose output is the
//! core `Result`. Core errors become JS errors with a stable `code` (see `errors.rs`); panics
//! are caught so none crosses into Node.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `work`, turning a panic into an `INTERNAL` core error.
pub(crate) fn run_guarded<T>(
    work: impl FnOnce() -> relayburn_core::Result<T>,
) -> relayburn_core::Result<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(relayburn_core::Error::Internal(format!(
                "panic in relayburn core: {what}"
            )))
        }
    }
}

/// Declares a libuv-pool task: `$name` holds `$input`, `compute` runs `$work` guarded
/// against panics, and `resolve` converts the output with `Into` or throws a coded error.
macro_rules! core_task {
    ($name:ident, $input:ty, $core_out:ty => $js:ty, $work:expr) => {
        pub struct $name(pub(crate) Option<$input>);

        #[napi_derive::napi]
        impl napi::Task for $name {
            type Output = relayburn_core::Result<$core_out>;
            type JsValue = $js;

            fn compute(&mut self) -> napi::Result<Self::Output> {
                let input = self.0.take();
                Ok($crate::task::run_guarded(move || match input {
                    Some(input) => ($work)(input),
                    None => Err(relayburn_core::Error::Internal(
                        "task input consumed twice".into(),
                    )),
                }))
            }

            fn resolve(
                &mut self,
                env: napi::Env,
                output: Self::Output,
            ) -> napi::Result<Self::JsValue> {
                match output {
                    Ok(value) => Ok(value.into()),
                    Err(err) => Err($crate::errors::to_js(env, &err)),
                }
            }
        }
    };
}

pub(crate) use core_task;
