//! CPU metering that pays where code starts to run, not at every branch.
//!
//! wasmer's `Metering` middleware updates its counter at the end of every
//! basic block; on code such as protobuf decoding that costs 40–90% of a
//! call. This middleware keeps its rules (a budget of points, a trap when
//! it runs out) but pays for code upfront, by its size in operators, at
//! the points where it can start to run again:
//!
//! - at function entry: the function's code outside loops, with one
//!   iteration of each small loop in it (so a small loop that runs once
//!   costs nothing more);
//! - at the top of each iteration of a large loop (more than
//!   `SMALL_LOOP` operators): its body, with one iteration of each small
//!   loop in it;
//! - when a branch back to a small loop is taken: its body, likewise.
//!
//! Within one pass through a stretch of code control only moves forward,
//! so each loop in it is entered at most once; a small loop can repeat only
//! through a back-edge, which pays, and a large loop pays each time it
//! starts. Points are therefore never fewer than the operators executed
//! (outside host calls), and a guest cannot run longer than its budget
//! allows. They can be more: a skipped `if` arm, or a small loop that was
//! never entered, is paid for all the same (on the W1 benchmark, points
//! are many times the operators executed: budgets are upper bounds).
//!
//! An exception handler can land on a loop header with no branch. In a
//! function with handlers (`try`, `try_table`), every loop is treated as
//! large.
//!
//! Bulk operations (`memory.fill`, `memory.copy`, `memory.init`,
//! `table.fill`, `table.copy`, `table.init`) also pay for their length:
//! each is priced `BULK_PREPAID` points more than an operator in its
//! stretch, which pays for up to that many bytes or elements, and one that
//! is longer pays one point per byte or element of its whole length when it
//! runs. So a loop of 16 MiB copies costs (at least) what a loop that copies
//! 16 MiB byte by byte would (such copies fit about six times in the default
//! budget), while the short copies compilers emit everywhere (Rust's
//! `memcpy` of a field) cost only a compare and a branch not taken.
//!
//! A module's `start` function is not run by instantiation: it is exported
//! as `START` and the host calls it under the budget like any export, so
//! running out of points there is reported as such.
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
/// The module's start function, when it has one (the host calls it).
pub(crate) const START: &str = "eiw_cpu_points_start_function";

/// Bytes (or table elements) of a bulk operation paid for by its static
/// price; longer ones pay for their length when they run.
const BULK_PREPAID: u64 = 64;

fn is_bulk(operator: &Operator) -> bool {
    matches!(
        operator,
        Operator::MemoryFill { .. }
            | Operator::MemoryCopy { .. }
            | Operator::MemoryInit { .. }
            | Operator::TableFill { .. }
            | Operator::TableCopy { .. }
            | Operator::TableInit { .. }
    )
}
/// What the two exports' names start with (tools hide them).
pub(crate) const EXPORT_PREFIX: &str = "eiw_cpu_points_";

/// Part of the module cache key: artifacts compiled with other metering
/// rules are never loaded.
pub(crate) const SCHEME: &str =
    "metering: upfront at entry, taken back-edges of small loops, tops of large loops, bulk by length over 64, start exported, v5";

/// The middleware for one module (it records that module's global indexes
/// and code sizes, so each host, which compiles one module, has its own).
#[derive(Debug)]
pub(crate) struct CpuMetering {
    initial_points: u64,
    wasm: Vec<u8>,
    /// Per local function, scanned on first use, so a module loaded from
    /// the cache is never scanned.
    code: OnceLock<Result<Vec<FunctionCode>, String>>,
    globals: Mutex<Option<Globals>>,
}

/// The globals the middleware adds: points remaining, the exhausted flag,
/// and a scratch slot for a bulk operation's length.
#[derive(Debug, Clone, Copy)]
struct Globals {
    remaining: GlobalIndex,
    exhausted: GlobalIndex,
    scratch: GlobalIndex,
}

impl CpuMetering {
    pub fn new(initial_points: u64, wasm: &[u8]) -> Self {
        CpuMetering {
            initial_points,
            wasm: wasm.to_vec(),
            code: OnceLock::new(),
            globals: Mutex::new(None),
        }
    }
}

/// Loops up to this many operators (with the small loops inside them) are
/// paid for by the code around them and then per taken back-edge; larger
/// ones at the top of every iteration, where one charge is little beside
/// the body, so that a function does not pay for a large loop it seldom
/// enters on every call.
const SMALL_LOOP: u64 = 1024;

/// What the scan learned of one function. Stretch 0 is its code outside
/// loops; stretch k ≥ 1 the body of its k-th loop, in the order the loops
/// start (a loop's `loop` operator belongs to the code around it, its `end`
/// to its body).
#[derive(Clone, Debug, PartialEq)]
struct FunctionCode {
    /// The price of one pass through each stretch: its operators, plus one
    /// iteration of each small loop directly in it (recursively).
    price: Vec<u64>,
    /// Whether each loop is small (index 0, the function, is not a loop).
    small: Vec<bool>,
}

fn scan(wasm: &[u8]) -> Result<Vec<FunctionCode>, String> {
    let mut functions = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? else {
            continue;
        };
        let mut own = vec![0u64];
        let mut parent = vec![0usize];
        let mut handlers = false;
        // The stretch each open block belongs to, innermost last.
        let mut open = vec![0usize];
        let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !reader.eof() {
            let operator = reader.read().map_err(|e| e.to_string())?;
            let current = *open.last().ok_or("operators after the function's end")?;
            own[current] += 1 + if is_bulk(&operator) { BULK_PREPAID } else { 0 };
            match operator {
                Operator::Loop { .. } => {
                    open.push(own.len());
                    own.push(0);
                    parent.push(current);
                }
                Operator::Block { .. } | Operator::If { .. } => open.push(current),
                Operator::Try { .. } | Operator::TryTable { .. } => {
                    handlers = true;
                    open.push(current);
                }
                // `delegate` closes a legacy `try` as `end` does.
                Operator::End | Operator::Delegate { .. } => {
                    open.pop();
                }
                _ => {}
            }
        }
        // A loop's descendants come after it: going from the last loop
        // back, each loop's price is complete before its parent needs it.
        let mut price = own;
        let mut small = vec![false; price.len()];
        for k in (1..price.len()).rev() {
            small[k] = !handlers && price[k] <= SMALL_LOOP;
            if small[k] {
                price[parent[k]] += price[k];
            }
        }
        functions.push(FunctionCode { price, small });
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
        let code = match self.code.get_or_init(|| scan(&self.wasm)) {
            Ok(all) => all
                .get(index.as_u32() as usize)
                .cloned()
                .ok_or_else(|| format!("no code scanned for function {}", index.as_u32())),
            Err(e) => Err(e.clone()),
        };
        Box::new(FunctionMetering {
            globals,
            code,
            started: false,
            loops: 0,
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
        let scratch = info
            .globals
            .push(GlobalType::new(Type::I32, Mutability::Var));
        info.global_initializers.push(GlobalInit::I32Const(0));
        if let Some(start) = info.start_function.take() {
            info.exports
                .insert(START.to_string(), ExportIndex::Function(start));
        }
        *globals = Some(Globals {
            remaining,
            exhausted,
            scratch,
        });
        Ok(())
    }
}

/// An open block: a small loop (its stretch, and whether a branch to it
/// carries values) or anything else, large loops included.
#[derive(Debug, Clone, Copy)]
enum Frame {
    SmallLoop { stretch: usize, params: bool },
    Other,
}

#[derive(Debug)]
struct FunctionMetering {
    /// None only if the module info was never transformed, which fails
    /// the compile.
    globals: Option<Globals>,
    /// This function's sizes, or why they are missing.
    code: Result<FunctionCode, String>,
    started: bool,
    /// Loops started so far: the stretch of the next one is `loops + 1`.
    loops: usize,
    /// Open blocks, the function's own first.
    frames: Vec<Frame>,
}

fn fail(why: String) -> MiddlewareError {
    MiddlewareError::new("CpuMetering", why)
}

impl FunctionMetering {
    fn code(&self) -> Result<&FunctionCode, MiddlewareError> {
        self.code.as_ref().map_err(|e| fail(e.clone()))
    }

    /// The small loop a branch of `relative_depth` goes back to, if any.
    fn loop_target(&self, relative_depth: u32) -> Option<(usize, bool)> {
        let depth = relative_depth as usize;
        match self
            .frames
            .len()
            .checked_sub(depth + 1)
            .map(|i| self.frames[i])
        {
            Some(Frame::SmallLoop { stretch, params }) => Some((stretch, params)),
            _ => None,
        }
    }

    /// The price of one pass through `stretch`.
    fn iteration(&self, stretch: usize) -> Result<u64, MiddlewareError> {
        self.code()?
            .price
            .get(stretch)
            .copied()
            .ok_or_else(|| fail(format!("no size for stretch {stretch}")))
    }

    fn globals(&self) -> Result<Globals, MiddlewareError> {
        self.globals.ok_or_else(|| fail("no globals".into()))
    }

    /// if remaining < points { exhausted = 1; unreachable } remaining -= points
    fn charge(
        &self,
        points: u64,
        state: &mut MiddlewareReaderState<'_>,
    ) -> Result<(), MiddlewareError> {
        if points == 0 {
            return Ok(());
        }
        let price = [Operator::I64Const {
            value: points as i64,
        }];
        self.charge_with(&price, state)
    }

    /// `charge`, with the price computed by `price` (operators that push
    /// one i64).
    fn charge_with<'a>(
        &self,
        price: &[Operator<'a>],
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        let g = self.globals()?;
        let (remaining, exhausted) = (g.remaining.as_u32(), g.exhausted.as_u32());
        state.push_operator(Operator::GlobalGet {
            global_index: remaining,
        });
        state.extend(price);
        state.extend(&[
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
        ]);
        state.extend(price);
        state.extend(&[
            Operator::I64Sub,
            Operator::GlobalSet {
                global_index: remaining,
            },
        ]);
        Ok(())
    }

    /// Before a bulk operation, whose length (an i32) is on top of the
    /// stack: when it is over `BULK_PREPAID`, pays one point per unit of it.
    fn charge_length(&self, state: &mut MiddlewareReaderState<'_>) -> Result<(), MiddlewareError> {
        let scratch = self.globals()?.scratch.as_u32();
        let length = Operator::GlobalGet {
            global_index: scratch,
        };
        state.extend(&[
            Operator::GlobalSet {
                global_index: scratch,
            },
            length.clone(),
            Operator::I32Const {
                value: BULK_PREPAID as i32,
            },
            Operator::I32GtU,
            Operator::If {
                blockty: BlockType::Empty,
            },
        ]);
        self.charge_with(&[length.clone(), Operator::I64ExtendI32U], state)?;
        state.extend(&[Operator::End, length]);
        Ok(())
    }

    /// The price of the branch, paid before it whether it is taken or not,
    /// for the branches that may go back to a small loop (but `br_if`).
    fn back_edge_price(&self, operator: &Operator) -> Result<u64, MiddlewareError> {
        let depth = match operator {
            Operator::Br { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth }
            | Operator::BrOnCast { relative_depth, .. }
            | Operator::BrOnCastFail { relative_depth, .. } => *relative_depth,
            Operator::BrTable { targets } => {
                let mut price = 0;
                for depth in targets.targets().chain([Ok(targets.default())]) {
                    let depth = depth.map_err(|e| fail(e.to_string()))?;
                    if let Some((stretch, _)) = self.loop_target(depth) {
                        price = price.max(self.iteration(stretch)?);
                    }
                }
                return Ok(price);
            }
            _ => return Ok(0),
        };
        match self.loop_target(depth) {
            Some((stretch, _)) => self.iteration(stretch),
            None => Ok(0),
        }
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionMetering {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        if !self.started {
            self.started = true;
            self.charge(self.iteration(0)?, state)?;
        }
        match operator {
            Operator::Loop { blockty } => {
                self.loops += 1;
                let stretch = self.loops;
                let small = *self
                    .code()?
                    .small
                    .get(stretch)
                    .ok_or_else(|| fail(format!("no loop {stretch}")))?;
                state.push_operator(operator);
                if small {
                    self.frames.push(Frame::SmallLoop {
                        stretch,
                        params: matches!(blockty, BlockType::FuncType(_)),
                    });
                } else {
                    // A large loop pays at the top of every iteration.
                    self.frames.push(Frame::Other);
                    self.charge(self.iteration(stretch)?, state)?;
                }
            }
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => {
                self.frames.push(Frame::Other);
                state.push_operator(operator);
            }
            Operator::End | Operator::Delegate { .. } => {
                self.frames.pop();
                state.push_operator(operator);
            }
            // A taken `br_if` back to a loop pays; one not taken does not:
            // `if (then <pay> br L) end`, one level deeper.
            Operator::BrIf { relative_depth } => match self.loop_target(relative_depth) {
                Some((stretch, false)) => {
                    state.push_operator(Operator::If {
                        blockty: BlockType::Empty,
                    });
                    self.charge(self.iteration(stretch)?, state)?;
                    state.push_operator(Operator::Br {
                        relative_depth: relative_depth + 1,
                    });
                    state.push_operator(Operator::End);
                }
                // A loop with parameters: values ride on the branch, so
                // pay before it, taken or not.
                Some((stretch, true)) => {
                    self.charge(self.iteration(stretch)?, state)?;
                    state.push_operator(operator);
                }
                None => state.push_operator(operator),
            },
            _ if is_bulk(&operator) => {
                self.charge_length(state)?;
                state.push_operator(operator);
            }
            _ => {
                let price = self.back_edge_price(&operator)?;
                self.charge(price, state)?;
                state.push_operator(operator);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stretch_is_priced_with_its_small_loops() {
        let wasm = wat::parse_str(
            r#"(module
              (tag $t)
              (func (result i32) (i32.const 1))
              (func (param i32)
                (loop $a (br_if $a (local.get 0)))
                (block (loop $b (loop $c (br $c)) (br $b))))
              (func (try_table (loop $d (br $d)))))"#,
        )
        .unwrap();
        // f1 outside loops: loop $a, block, loop $b, end (block), end
        // (function); $a: local.get, br_if, end; $b: loop $c, br, end; $c:
        // br, end. All small: $b with one pass of $c; f1 with one of each.
        let code = scan(&wasm).unwrap();
        assert_eq!(code[0].price, vec![2]);
        assert_eq!(code[1].price, vec![5 + 3 + 5, 3, 5, 2]);
        assert_eq!(code[1].small, vec![false, true, true, true]);
        // With handlers every loop is large, paid at its top.
        assert_eq!(code[2].price, vec![4, 2]);
        assert_eq!(code[2].small, vec![false, false]);
        // A loop over the limit is large: its price is its own.
        let big = format!(
            "(func (loop $g (br $g) {}))",
            "(nop)".repeat(SMALL_LOOP as usize)
        );
        let code = scan(&wat::parse_str(format!("(module {big})")).unwrap()).unwrap();
        assert_eq!(code[0].price, vec![2, SMALL_LOOP + 2]);
        assert_eq!(code[0].small, vec![false, false]);
    }
}
