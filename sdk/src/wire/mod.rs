//! The wire-level event API: read an event where it lies and edit it by
//! patching, without decoding it into a tree.
//!
//! [`EventView`] looks fields up by dotted path, scanning the serialized
//! bytes and borrowing what it finds. [`EventPatch`] records `put`,
//! `remove` and `rename` over the input; reading it sees the edits, and
//! encoding it copies every unedited field and subtree of the input as it
//! is and encodes only what changed. The result decodes to exactly the
//! [`crate::Event`] the tree API makes with the same edits.
//!
//! Bytes are read where a look-up passes: a look-up through bytes that do
//! not decode fails with `Status::InvalidArgument`, as `Event::decode`
//! would. One encoding `Event::decode` reads is refused: an object entry
//! whose value is encoded twice (protobuf merges the two; no encoder writes
//! it).
mod encode;
mod entries;
mod overlay;
mod patch;
mod path;
mod reader;
mod view;

pub use patch::EventPatch;
pub use view::{EventView, KindRef, ListView, StructView, ValueRef};
