//! CPU metering that pays where code starts to run, not at every branch.
//!
//! wasmer's `Metering` middleware updates its counter at the end of every
//! basic block; on code such as protobuf decoding that costs 40–90% of a
//! call. This middleware keeps its rules (a budget of points, a trap when
//! it runs out) but charges each stretch of code once, upfront, by its
//! size:
//!
//! - a function's code outside loops, when the function is entered;
//! - a loop's body (without the loops nested in it), at the top of the body,
//!   so once per iteration.
//!
//! Code can run only after its stretch was paid for in the same call or
//! iteration: a function's code outside loops runs at most once per call,
//! and a loop body runs again only through its header. So points are never
//! fewer than the operators executed (outside host calls), and a guest
//! cannot run longer than its budget allows. They can be more: an `if` arm
//! that was skipped is paid for all the same.
//!
//! The sizes come from a scan of the module's code before it is compiled
//! (a middleware sees a function's operators one at a time, and a charge
//! must come before the code it pays for).
use std::sync::{Mutex, OnceLock};
use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator, Parser, Payload};
use wasmer::{ExportIndex, GlobalInit, GlobalType, LocalFunctionIndex, Mutability, Type};
use wasmer_types::{GlobalIndex, ModuleInfo};

/// The exported globals: points left in the current call, and a flag set
/// just before the trap when they run out.
pub(crate) const REMAINING: &str = "eiw_cpu_points_remaining";
pub(crate) const EXHAUSTED: &str = "eiw_cpu_points_exhausted";
/// What the two exports' names start with (tools hide them).
pub(crate) const EXPORT_PREFIX: &str = "eiw_cpu_points_";

/// Part of the module cache key: artifacts compiled with other metering
/// rules are never loaded.
pub(crate) const SCHEME: &str = "metering: upfront per function entry and loop iteration, v2";

/// The middleware for one module (it records that module's global indexes
/// and code sizes, so each host, which compiles one module, has its own).
#[derive(Debug)]
pub(crate) struct CpuMetering {
    initial_points: u64,
    wasm: Vec<u8>,
    /// Per local function: the size of its code outside loops, then of each
    /// loop's body in the order the loops start. Scanned on first use, so
    /// a module loaded from the cache is never scanned.
    costs: OnceLock<Result<Vec<Vec<u64>>, String>>,
    globals: Mutex<Option<(GlobalIndex, GlobalIndex)>>,
}

impl CpuMetering {
    pub fn new(initial_points: u64, wasm: &[u8]) -> Self {
        CpuMetering {
            initial_points,
            wasm: wasm.to_vec(),
            costs: OnceLock::new(),
            globals: Mutex::new(None),
        }
    }
}

/// The sizes of each function's stretches of code (see `CpuMetering`), in
/// operators. A loop's own `loop` operator belongs to the code around it;
/// its `end` to its body.
fn stretch_sizes(wasm: &[u8]) -> Result<Vec<Vec<u64>>, String> {
    let mut functions = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? else {
            continue;
        };
        let mut sizes = vec![0u64];
        // The stretch each open block belongs to, innermost last.
        let mut open = vec![0usize];
        let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !reader.eof() {
            let operator = reader.read().map_err(|e| e.to_string())?;
            let current = *open.last().ok_or("operators after the function's end")?;
            sizes[current] += 1;
            match operator {
                Operator::Loop { .. } => {
                    open.push(sizes.len());
                    sizes.push(0);
                }
                Operator::Block { .. }
                | Operator::If { .. }
                | Operator::Try { .. }
                | Operator::TryTable { .. } => open.push(current),
                // `delegate` closes a legacy `try` as `end` does.
                Operator::End | Operator::Delegate { .. } => {
                    open.pop();
                }
                _ => {}
            }
        }
        functions.push(sizes);
    }
    Ok(functions)
}

impl ModuleMiddleware for CpuMetering {
    fn generate_function_middleware<'a>(
        &self,
        index: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let globals = *self
            .globals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let sizes = match self.costs.get_or_init(|| stretch_sizes(&self.wasm)) {
            Ok(all) => all
                .get(index.as_u32() as usize)
                .cloned()
                .ok_or_else(|| format!("no code scanned for function {}", index.as_u32())),
            Err(e) => Err(e.clone()),
        };
        Box::new(FunctionMetering {
            globals,
            sizes,
            next: 0,
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let mut globals = self
            .globals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if globals.is_some() {
            return Err(MiddlewareError::new(
                "CpuMetering",
                "one metering middleware serves one module",
            ));
        }
        let remaining = info
            .globals
            .push(GlobalType::new(Type::I64, Mutability::Var));
        info.global_initializers
            .push(GlobalInit::I64Const(self.initial_points as i64));
        info.exports
            .insert(REMAINING.to_string(), ExportIndex::Global(remaining));
        let exhausted = info
            .globals
            .push(GlobalType::new(Type::I32, Mutability::Var));
        info.global_initializers.push(GlobalInit::I32Const(0));
        info.exports
            .insert(EXHAUSTED.to_string(), ExportIndex::Global(exhausted));
        *globals = Some((remaining, exhausted));
        Ok(())
    }
}

#[derive(Debug)]
struct FunctionMetering {
    /// (remaining points, exhausted flag); None only if the module info
    /// was never transformed, which fails the compile.
    globals: Option<(GlobalIndex, GlobalIndex)>,
    /// This function's stretch sizes, or why they are missing.
    sizes: Result<Vec<u64>, String>,
    /// The next stretch to pay for: 0 before the first operator.
    next: usize,
}

impl FunctionMetering {
    /// if remaining < points { exhausted = 1; unreachable } remaining -= points
    fn charge(&mut self, state: &mut MiddlewareReaderState<'_>) -> Result<(), MiddlewareError> {
        let fail = |why: String| MiddlewareError::new("CpuMetering", why);
        let (remaining, exhausted) = self.globals.ok_or_else(|| fail("no globals".into()))?;
        let sizes = self.sizes.as_ref().map_err(|e| fail(e.clone()))?;
        let points = *sizes
            .get(self.next)
            .ok_or_else(|| fail(format!("no size for stretch {}", self.next)))?;
        self.next += 1;
        if points == 0 {
            return Ok(());
        }
        let (remaining, exhausted) = (remaining.as_u32(), exhausted.as_u32());
        let points = points as i64;
        state.extend(&[
            Operator::GlobalGet {
                global_index: remaining,
            },
            Operator::I64Const { value: points },
            Operator::I64LtU,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::I32Const { value: 1 },
            Operator::GlobalSet {
                global_index: exhausted,
            },
            Operator::Unreachable,
            Operator::End,
            Operator::GlobalGet {
                global_index: remaining,
            },
            Operator::I64Const { value: points },
            Operator::I64Sub,
            Operator::GlobalSet {
                global_index: remaining,
            },
        ]);
        Ok(())
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionMetering {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        // The function's code outside loops, before its first operator.
        if self.next == 0 {
            self.charge(state)?;
        }
        let is_loop = matches!(operator, Operator::Loop { .. });
        state.push_operator(operator);
        // A loop's body, at its top: every iteration starts here.
        if is_loop {
            self.charge(state)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_function_has_its_outside_code_then_its_loops() {
        let wasm = wat::parse_str(
            r#"(module
              (func (result i32) (i32.const 1))
              (func (param i32)
                (loop $a (br_if $a (local.get 0)))
                (block (loop $b (loop $c (br $c)) (br $b)))))"#,
        )
        .unwrap();
        // f0: i32.const, end. f1 outside loops: loop $a, block, loop $b,
        // end (block), end (function); $a: local.get, br_if, end; $b:
        // loop $c, br, end; $c: br, end.
        assert_eq!(
            stretch_sizes(&wasm).unwrap(),
            vec![vec![2], vec![5, 3, 3, 2]]
        );
    }
}
