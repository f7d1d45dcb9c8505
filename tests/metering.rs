//! CPU metering (src/metering.rs): every way a guest can run without end —
//! loops by each kind of branch, recursion that returns — uses up its
//! budget, and the points a call uses are never fewer than the operators it
//! executes, and close to them on straight code.
mod common;

use common::*;
use eiw::{Collect, Host, Limits, ResultCode};
use serde_json::json;

fn limits(points: u64) -> Limits {
    Limits {
        cpu_points_per_call: Some(points),
        ..Limits::default()
    }
}

fn process(host: &Host) -> eiw::Result<u32> {
    host.process(
        &event_bytes(json!({"message": "x"})),
        &mut Collect::default(),
    )
}

/// `process` runs `body` (then returns 0); `extra` adds functions.
fn exhausts(body: &str, extra: &str) {
    let host = Host::new(
        &guest(&format!("{body} (i32.const 0)"), extra),
        limits(100_000),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let error = process(&host).unwrap_err();
    assert_eq!(error.code(), ResultCode::CpuExhausted, "{error}");
    assert_eq!(
        error.message(),
        "`process` used up its CPU budget of 100000 points"
    );
    // The next call runs on a fresh instance with a full budget.
    let stats = host.stats();
    assert_eq!(stats.instances_recycled, 1);
    assert_eq!(stats.cpu_points_max_per_call, 100_000);
}

#[test]
fn loops_by_br_br_if_and_br_table_are_stopped() {
    exhausts("(loop $l (br $l))", "");
    exhausts("(loop $l (br_if $l (i32.const 1)))", "");
    exhausts(
        "(block $out (loop $l (br_table $l $out $l (i32.const 0))))",
        "",
    );
    // The back-edge from inside nested blocks and an `if`.
    exhausts(
        "(loop $l (block (block (if (i32.const 1) (then (br $l))))))",
        "",
    );
    // A loop with a parameter, which its back-edge carries.
    exhausts(
        "i32.const 7 loop $l (param i32) (result i32) i32.const 1 br_if $l end drop",
        "",
    );
    // A loop inside an `if` inside a loop.
    exhausts(
        "(loop $outer (if (i32.const 1) (then (loop $inner (br_if $inner (i32.const 0))))) (br $outer))",
        "",
    );
}

#[test]
fn recursion_that_returns_is_charged_per_call() {
    // 2^40 calls, each returning: no loop anywhere.
    exhausts(
        "(call $tree (i32.const 40))",
        "(func $tree (param $d i32)
           (if (local.get $d) (then
             (call $tree (i32.sub (local.get $d) (i32.const 1)))
             (call $tree (i32.sub (local.get $d) (i32.const 1))))))",
    );
}

/// Tail calls could loop with no back-edge and no return. The metering
/// charges before `return_call`, and this wasmer refuses them anyway.
#[test]
fn tail_calls_are_refused_at_load() {
    let wasm = guest(
        "(call $spin (i32.const 0)) (i32.const 0)",
        "(func $spin (param i32) (return_call $spin (local.get 0)))",
    );
    let error = Host::new(&wasm, limits(100_000)).err().unwrap();
    assert_eq!(error.code(), ResultCode::InvalidModule);
    assert!(error.message().contains("tail calls"), "{error}");
}

#[test]
fn points_used_track_the_operators_executed() {
    // 1000 iterations of a 9-operator loop body, plus a few operators
    // around it: about 9000 points.
    let body = "(local.set $len (i32.const 1000))
        (loop $l
          (local.set $len (i32.sub (local.get $len) (i32.const 1)))
          (br_if $l (i32.ne (local.get $len) (i32.const 0))))
        (i32.const 0)";
    let host = Host::new(&guest(body, ""), limits(1_000_000)).unwrap();
    assert_eq!(process(&host).unwrap(), 0);
    let used = host.stats().cpu_points_used;
    assert!((9_000..9_100).contains(&used), "{used} points");
    // The same loop a second time doubles it: the budget is per call, the
    // count is the host's total.
    process(&host).unwrap();
    assert_eq!(host.stats().cpu_points_used, 2 * used);
}

/// Points never fall short of the operators executed, however the code
/// leaves a loop: here each pass runs the operators of an inner loop body
/// and leaves it by a forward branch, never reaching its back-edge.
/// (Charging at back-edges would pay only for the outer loop's few
/// operators, and let a guest run many times its budget.)
#[test]
fn code_left_by_a_forward_branch_is_paid_for() {
    left_by_a_forward_branch(12);
    // A loop body larger than a small loop's (64 operators).
    left_by_a_forward_branch(30);
}

fn left_by_a_forward_branch(repeat: usize) {
    let work = "(drop (i32.add (i32.const 1) (i32.const 2)))".repeat(repeat);
    let ops = 4 * repeat as u64 + 2;
    let body = format!(
        "(local.set $len (i32.const 1000))
        (loop $outer
          (block $exit (loop $inner {work} (br_if $exit (i32.const 1)) (br $inner)))
          (local.set $len (i32.sub (local.get $len) (i32.const 1)))
          (br_if $outer (local.get $len)))
        (i32.const 0)"
    );
    let host = Host::new(&guest(&body, ""), limits(10_000_000)).unwrap();
    assert_eq!(process(&host).unwrap(), 0);
    let used = host.stats().cpu_points_used;
    assert!(
        (1000 * ops..1000 * (ops + 20)).contains(&used),
        "{used} points"
    );
    // With a budget below what the call executes, it stops.
    let host = Host::new(&guest(&body, ""), limits(800 * ops)).unwrap();
    assert_eq!(process(&host).unwrap_err().code(), ResultCode::CpuExhausted);
}

/// An exception caught by a handler that lands on a loop header would
/// start an iteration with no branch back (the metering charges every loop
/// top in functions with handlers), but exception handling is not in the
/// feature set: such a module is refused at load, naming the feature.
#[test]
fn a_loop_driven_by_exceptions_is_refused_at_load() {
    let wasm = guest(
        "(loop $l (try_table (catch_all $l) (throw $t))) (i32.const 0)",
        "(tag $t)",
    );
    let e = Host::new(&wasm, Limits::default()).err().expect("refused");
    assert_eq!(e.code(), ResultCode::InvalidModule);
    assert!(
        e.message().contains("exceptions proposal not enabled"),
        "{e}"
    );
}

/// Bulk operations pay for their length: short ones through their static
/// price (64 bytes prepaid), long ones when they run; a loop of either
/// kind is stopped, and the points cover every byte.
#[test]
fn bulk_operations_pay_for_every_byte() {
    let body = |len: u32, times: u32| {
        format!(
            "(local $i i32)
             (loop $l
               (memory.fill (i32.const 0) (i32.const 0) (i32.const {len}))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get $i) (i32.const {times}))))
             (i32.const 0)"
        )
    };
    for (len, times) in [(64, 1000), (65, 1000), (60_000, 10)] {
        let host = Host::new(&guest(&body(len, times), ""), limits(10_000_000)).unwrap();
        process(&host).unwrap();
        let used = host.stats().cpu_points_used;
        assert!(
            used >= u64::from(len * times),
            "{times} fills of {len} bytes used {used} points"
        );
    }
    exhausts(
        "(loop $l (memory.fill (i32.const 0) (i32.const 0) (i32.const 64)) (br $l))",
        "",
    );
    exhausts(
        "(loop $l (memory.copy (i32.const 0) (i32.const 100) (i32.const 1000)) (br $l))",
        "",
    );
}
