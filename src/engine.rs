//! The engine a host compiles its module with: Cranelift with the feature
//! set eiw accepts, CPU metering, and the memory and table caps. Each host
//! has its own engine, because a metering middleware serves exactly one
//! module.
use crate::limits::Limits;
use crate::memory_cap::CappedTunables;
use crate::metering::CpuMetering;
use std::sync::Arc;
use wasmer::sys::{CompilerConfig, Cranelift, EngineBuilder, NativeEngineExt};
use wasmer::Engine;

/// The engine for compiling `wasm` (the metering scans its code).
pub(crate) fn new_engine(limits: &Limits, wasm: &[u8]) -> Engine {
    let mut compiler = Cranelift::default();
    if let Some(threads) = limits.compile_threads {
        let threads = std::num::NonZeroUsize::new(threads.get() as usize)
            .unwrap_or(std::num::NonZeroUsize::MIN);
        compiler.num_threads(threads);
    }
    if let Some(points) = limits.cpu_points_per_call {
        compiler.push_middleware(Arc::new(CpuMetering::new(points, wasm)));
    }
    let features = crate::module_check::wasmer_features();
    let mut engine: Engine = EngineBuilder::new(compiler)
        .set_features(Some(features))
        .into();
    engine.set_tunables(CappedTunables::new(
        limits.max_memory_pages,
        limits.max_table_elements,
        limits.memory_reservation,
    ));
    engine
}
