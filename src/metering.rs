//! CPU metering that counts where execution can repeat, not at every
//! branch.
//!
//! wasmer's `Metering` middleware updates its counter at the end of every
//! basic block; on code such as protobuf decoding that costs 40–70% of a
//! call. This middleware keeps its rules (one point per operator, a budget
//! that traps when it runs out) but charges only where execution can come
//! back or leave a function:
//!
//! - before a `loop` (the operators since the last charge, once per entry),
//! - at a branch back to a loop header (the operators of the loop body up
//!   to that branch, once per iteration),
//! - when the function returns, throws, or tail-calls (the operators since
//!   the last charge).
//!
//! Code between two charges is counted by its size: an `if` arm that was
//! skipped still counts, and the last, partial pass through a loop that
//! exits by a forward branch does not. Points therefore track operators
//! executed closely but not exactly. The bound holds: every iteration of a
//! loop passes a back-edge and pays at least one point, every call that
//! returns or throws pays for its function's code, and calls that do not
//! return are bounded by the stack, so a guest cannot run unboundedly
//! without using up its budget. (A `try_table` catch that lands on a loop
//! header needs no rule: it is reached only through a throw, and a throw
//! pays before it leaves its function.)
use std::sync::Mutex;
use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
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
pub(crate) const SCHEME: &str = "metering: loop entries, back-edges and exits, v1";

/// The middleware for one module (it records that module's global indexes,
/// so each host, which compiles one module, has its own).
#[derive(Debug)]
pub(crate) struct CpuMetering {
    initial_points: u64,
    globals: Mutex<Option<(GlobalIndex, GlobalIndex)>>,
}

impl CpuMetering {
    pub fn new(initial_points: u64) -> Self {
        CpuMetering {
            initial_points,
            globals: Mutex::new(None),
        }
    }
}

impl ModuleMiddleware for CpuMetering {
    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let globals = self
            .globals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .expect("transform_module_info runs before functions are compiled");
        Box::new(FunctionMetering {
            remaining: globals.0.as_u32(),
            exhausted: globals.1.as_u32(),
            pending: 0,
            frames: vec![Frame::Other],
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

/// The control frames open at an operator, innermost last: a branch to a
/// `Loop` frame goes back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Frame {
    Loop,
    Other,
}

#[derive(Debug)]
struct FunctionMetering {
    remaining: u32,
    exhausted: u32,
    /// Operators since the last charge.
    pending: u64,
    /// Starts with the function body's own frame.
    frames: Vec<Frame>,
}

impl FunctionMetering {
    fn targets_loop(&self, relative_depth: u32) -> bool {
        let depth = relative_depth as usize;
        self.frames.len() > depth && self.frames[self.frames.len() - 1 - depth] == Frame::Loop
    }

    /// Whether the operator can send execution back to a loop header or
    /// out of the function, so the points counted so far must be paid first.
    fn charges_before(&self, operator: &Operator) -> bool {
        match operator {
            Operator::Loop { .. }
            | Operator::Return
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. }
            | Operator::Delegate { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. } => true,
            // The `end` of the function body.
            Operator::End => self.frames.len() == 1,
            Operator::Br { relative_depth }
            | Operator::BrIf { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth }
            | Operator::BrOnCast { relative_depth, .. }
            | Operator::BrOnCastFail { relative_depth, .. } => self.targets_loop(*relative_depth),
            Operator::BrTable { targets } => {
                self.targets_loop(targets.default())
                    || targets
                        .targets()
                        .any(|t| t.map_or(true, |depth| self.targets_loop(depth)))
            }
            _ => false,
        }
    }

    fn track_frames(&mut self, operator: &Operator) {
        match operator {
            Operator::Loop { .. } => self.frames.push(Frame::Loop),
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => self.frames.push(Frame::Other),
            // `delegate` closes a legacy `try` as `end` does.
            Operator::End | Operator::Delegate { .. } => {
                self.frames.pop();
            }
            _ => {}
        }
    }

    /// if remaining < points { exhausted = 1; unreachable } remaining -= points
    fn charge(&mut self, state: &mut MiddlewareReaderState<'_>) {
        let points = std::mem::take(&mut self.pending) as i64;
        state.extend(&[
            Operator::GlobalGet {
                global_index: self.remaining,
            },
            Operator::I64Const { value: points },
            Operator::I64LtU,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::I32Const { value: 1 },
            Operator::GlobalSet {
                global_index: self.exhausted,
            },
            Operator::Unreachable,
            Operator::End,
            Operator::GlobalGet {
                global_index: self.remaining,
            },
            Operator::I64Const { value: points },
            Operator::I64Sub,
            Operator::GlobalSet {
                global_index: self.remaining,
            },
        ]);
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionMetering {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        let is_loop = matches!(operator, Operator::Loop { .. });
        // A branch or exit pays for itself; a loop header belongs to the
        // body it starts, so the charge before it leaves it out.
        if !is_loop {
            self.pending += 1;
        }
        if self.charges_before(&operator) && self.pending > 0 {
            self.charge(state);
        }
        if is_loop {
            self.pending += 1;
        }
        self.track_frames(&operator);
        state.push_operator(operator);
        Ok(())
    }
}
