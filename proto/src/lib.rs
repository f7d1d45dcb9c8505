//! Protobuf types shared by the eiw host and the guest SDK, generated from
//! `proto/eiw.proto` at build time, plus conversions that make `Value`
//! pleasant to build.
#![no_std]
extern crate alloc;

#[allow(clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/eiw.v1.rs"));
}
pub use generated::*;

mod values;
pub use generated::value::Kind;
pub use values::{get_path, put_path};
