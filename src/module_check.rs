//! The load-time check: one pass over a module's bytes before Cranelift
//! sees them. It validates the module against the WebAssembly features eiw
//! accepts (naming any other feature the module uses) and refuses modules
//! whose counts would make compiling or instantiating them cost more than
//! a legitimate module does: time, memory or address space in the host.
use crate::error::{Error, Result, ResultCode};
use crate::limits::Limits;
use wasmer::wasmparser::{
    ElementItems, FuncValidatorAllocations, FunctionBody, Operator, Parser, Payload, ValidPayload,
    Validator, WasmFeatures,
};

/// WebAssembly 2.0: the MVP with mutable globals, bulk memory, reference
/// types, sign extension, saturating float-to-int, multi-value and SIMD,
/// all of them metered (docs/ABI.md). Everything newer (threads,
/// multi-memory, exceptions, tail calls, memory64, GC, relaxed SIMD, ...)
/// is refused at load, by name.
pub(crate) const FEATURES: WasmFeatures = WasmFeatures::WASM2;

/// The same set, as wasmer's engine takes it.
pub(crate) fn wasmer_features() -> wasmer::sys::Features {
    let mut f = wasmer::sys::Features::new();
    f.threads = false;
    f.reference_types = true;
    f.simd = true;
    f.bulk_memory = true;
    f.multi_value = true;
    f.tail_call = false;
    f.module_linking = false;
    f.multi_memory = false;
    f.memory64 = false;
    f.exceptions = false;
    f.relaxed_simd = false;
    f.extended_const = false;
    f.wide_arithmetic = false;
    f
}

/// What one module may hold. Each bound is far above what compilers emit
/// for modules of up to tens of megabytes (the 1.3 MB benchmark module
/// has 8,000 functions) and far below what costs the host seconds or
/// gigabytes to compile.
pub(crate) mod bounds {
    pub(crate) const TYPES: u64 = 10_000;
    pub(crate) const FUNCTIONS: u64 = 100_000;
    pub(crate) const IMPORTS: u64 = 1_000;
    pub(crate) const EXPORTS: u64 = 10_000;
    pub(crate) const GLOBALS: u64 = 10_000;
    pub(crate) const TABLES: u64 = 4;
    pub(crate) const LOCALS_PER_FUNCTION: u64 = 50_000;
    pub(crate) const FUNCTION_BODY_BYTES: u64 = 1 << 20;
    pub(crate) const NESTING: u64 = 10_000;
    pub(crate) const BR_TABLE_TARGETS: u64 = 65_536;
    /// All `br_table` targets of the module: Cranelift spends about 2 µs
    /// and 50 bytes on each (a 31 MB module of nothing else took 65 s and
    /// 1.6 GB to compile).
    pub(crate) const BR_TABLE_TARGETS_PER_MODULE: u64 = 1_000_000;
    pub(crate) const DATA_SEGMENTS: u64 = 100_000;
    pub(crate) const ELEMENT_SEGMENTS: u64 = 10_000;
}

/// Part of the module cache's file names: a module stored under other
/// bounds was checked against them, not these.
pub(crate) const BOUNDS_VERSION: u32 = 2;

fn over(what: &str, value: u64, limit: u64) -> Result<()> {
    if value > limit {
        return Err(Error::new(
            ResultCode::InvalidModule,
            format!("module exceeds a load limit: {what} is {value}, the limit is {limit}"),
        ));
    }
    Ok(())
}

fn invalid(e: wasmer::wasmparser::BinaryReaderError) -> Error {
    Error::new(
        ResultCode::InvalidModule,
        format!(
            "module is not valid WebAssembly 2.0 (the feature set eiw accepts, docs/ABI.md): {} (at byte offset {})",
            e.message(),
            e.offset()
        ),
    )
}

/// The size check, done before anything reads the module.
pub(crate) fn check_size(len: u64, limits: &Limits) -> Result<()> {
    over(
        "the module's size in bytes (max_module_bytes)",
        len,
        u64::from(limits.max_module_bytes),
    )
}

/// Validates `wasm` against `FEATURES` and the bounds.
pub(crate) fn check(wasm: &[u8], limits: &Limits) -> Result<()> {
    check_size(wasm.len() as u64, limits)?;
    let mut validator = Validator::new_with_features(FEATURES);
    let mut allocations = FuncValidatorAllocations::default();
    let mut functions = 0u64;
    let mut br_table_targets = 0u64;
    let memory_bytes = u64::from(limits.max_memory_pages) * wasmer::WASM_PAGE_SIZE as u64;
    let table_elements = u64::from(limits.max_table_elements);
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(invalid)?;
        let valid = validator.payload(&payload).map_err(invalid)?;
        match &payload {
            Payload::TypeSection(s) => {
                over("the number of types", s.count().into(), bounds::TYPES)?
            }
            Payload::ImportSection(s) => {
                let mut imports = 0u64;
                for import in s.clone().into_imports() {
                    let import = import.map_err(invalid)?;
                    imports += 1;
                    functions +=
                        u64::from(matches!(import.ty, wasmer::wasmparser::TypeRef::Func(_)));
                }
                over("the number of imports", imports, bounds::IMPORTS)?;
            }
            Payload::FunctionSection(s) => {
                functions += u64::from(s.count());
                over("the number of functions", functions, bounds::FUNCTIONS)?;
            }
            Payload::TableSection(s) => {
                over("the number of tables", s.count().into(), bounds::TABLES)?;
                for table in s.clone() {
                    let table = table.map_err(invalid)?;
                    over(
                        "a table's minimum size in elements (max_table_elements)",
                        table.ty.initial,
                        table_elements,
                    )?;
                }
            }
            Payload::GlobalSection(s) => {
                over("the number of globals", s.count().into(), bounds::GLOBALS)?
            }
            Payload::ExportSection(s) => {
                over("the number of exports", s.count().into(), bounds::EXPORTS)?
            }
            Payload::ElementSection(s) => {
                over(
                    "the number of element segments",
                    s.count().into(),
                    bounds::ELEMENT_SEGMENTS,
                )?;
                for element in s.clone() {
                    let items = match element.map_err(invalid)?.items {
                        ElementItems::Functions(f) => f.count(),
                        ElementItems::Expressions(_, e) => e.count(),
                    };
                    over(
                        "an element segment's length (max_table_elements)",
                        items.into(),
                        table_elements,
                    )?;
                }
            }
            Payload::DataSection(s) => {
                over(
                    "the number of data segments",
                    s.count().into(),
                    bounds::DATA_SEGMENTS,
                )?;
                for data in s.clone() {
                    over(
                        "a data segment's size in bytes (max_memory_pages x 64 KiB)",
                        data.map_err(invalid)?.data.len() as u64,
                        memory_bytes,
                    )?;
                }
            }
            _ => {}
        }
        if let ValidPayload::Func(func, body) = valid {
            check_body(&body, &mut br_table_targets)?;
            let mut func = func.into_validator(allocations);
            func.validate(&body).map_err(invalid)?;
            allocations = func.into_allocations();
        }
    }
    Ok(())
}

/// A function's size, locals, nesting and `br_table` widths; adds its
/// `br_table` targets to `module_targets`.
fn check_body(body: &FunctionBody, module_targets: &mut u64) -> Result<()> {
    let range = body.range();
    over(
        "a function body's size in bytes",
        range.end - range.start,
        bounds::FUNCTION_BODY_BYTES,
    )?;
    let mut locals = 0u64;
    for group in body.get_locals_reader().map_err(invalid)? {
        let (count, _) = group.map_err(invalid)?;
        locals += u64::from(count);
        over(
            "the number of locals in a function",
            locals,
            bounds::LOCALS_PER_FUNCTION,
        )?;
    }
    let mut depth = 0u64;
    let mut reader = body.get_operators_reader().map_err(invalid)?;
    while !reader.eof() {
        match reader.read().map_err(invalid)? {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                depth += 1;
                over(
                    "the nesting of blocks in a function",
                    depth,
                    bounds::NESTING,
                )?;
            }
            Operator::End => depth = depth.saturating_sub(1),
            Operator::BrTable { targets } => {
                over(
                    "the number of targets of a br_table",
                    targets.len().into(),
                    bounds::BR_TABLE_TARGETS,
                )?;
                *module_targets += u64::from(targets.len());
                over(
                    "the number of br_table targets in the module",
                    *module_targets,
                    bounds::BR_TABLE_TARGETS_PER_MODULE,
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}
