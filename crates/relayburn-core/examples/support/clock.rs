//! CPU clocks for the native benches (`examples/`): the whole process's or the calling
//! thread's, in milliseconds. Each example uses the one it needs.
#![allow(dead_code)]

/// CPU time of the whole process (every thread).
pub fn process_ms() -> f64 {
    #[cfg(unix)]
    return read(libc::CLOCK_PROCESS_CPUTIME_ID);
    #[cfg(not(unix))]
    return f64::NAN;
}

/// CPU time of the calling thread.
pub fn thread_ms() -> f64 {
    #[cfg(unix)]
    return read(libc::CLOCK_THREAD_CPUTIME_ID);
    #[cfg(not(unix))]
    return f64::NAN;
}

#[cfg(unix)]
fn read(clock: libc::clockid_t) -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill; both clocks exist on every Unix
    // this builds for.
    unsafe { libc::clock_gettime(clock, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}
