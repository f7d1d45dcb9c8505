//! Attacks the host when an event's `attack` field says so: `loop` (spins
//! forever), `grow` (allocates until memory runs out), `recurse` (overflows
//! the stack), `unreachable`, `oob` (loads outside memory). Any other event
//! is emitted unchanged. Used by c-tests/hostile.c.
use eiw_sdk::{emit, emit_raw, Config, Error, Event, Module};
use std::hint::black_box;

pub struct Hostile;

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    black_box(recurse(black_box(depth + 1))) + 1
}

impl Module for Hostile {
    fn new(_config: &Config) -> Result<Self, Error> {
        Ok(Hostile)
    }

    fn process(&mut self, event: Event) -> Result<(), Error> {
        emit(&event)
    }

    fn process_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let event = Event::decode(bytes)?;
        match event.get_str("attack") {
            Some("loop") => {
                let mut spins = 0u64;
                loop {
                    spins = black_box(spins.wrapping_add(1));
                }
            }
            Some("grow") => {
                let mut hoard = Vec::new();
                loop {
                    hoard.push(black_box(vec![1u8; 1 << 20]));
                }
            }
            Some("recurse") => {
                black_box(recurse(0));
                Ok(())
            }
            Some("unreachable") => unreachable_instruction(),
            Some("oob") => {
                let address = black_box(0xffff_fff0usize) as *const u32;
                // SAFETY: deliberately not: the load traps in the sandbox.
                black_box(unsafe { std::ptr::read_volatile(address) });
                Ok(())
            }
            _ => emit_raw(bytes),
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn unreachable_instruction() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn unreachable_instruction() -> ! {
    std::process::abort()
}

eiw_sdk::export_module!(Hostile);
