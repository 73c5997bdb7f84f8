//! napi-rs binding of `relayburn-core`. It converts JS objects to core requests and core
//! results to plain JS objects, runs every call on the libuv pool, and turns core errors into
//! JS errors whose `code` is the core's stable code. No product logic lives here.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The addon's own allocations (not Node's): records are made on parse threads and freed on
/// the writer's or a helper's, which the system allocator handles slowly (see the workspace
/// `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod analysis;
mod budgets;
mod errors;
mod harnesses;
mod ingest;
mod push;
mod queries;
mod stamps;
mod status;
mod statusline;
mod tags;
mod task;
