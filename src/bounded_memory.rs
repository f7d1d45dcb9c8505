//! A guest's linear memory with its address space reserved once, sized
//! from the cap: the most pages it may reach (`max_memory_pages`, or the
//! module's declared maximum when that is lower) plus a guard region.
//! Growing makes reserved pages accessible in place; the memory never
//! moves. wasmer's own memories reserve 8 GiB each (4 GiB of wasm32 address
//! space and a 4 GiB guard, so compiled code needs no bounds checks) or,
//! in its dynamic style, copy the whole memory on every `memory.grow`.
//!
//! Code compiled for this memory uses wasmer's dynamic style: each access
//! is checked against the current length, and an access whose constant
//! offset plus size fits in the guard needs only that one compare.
use crate::memory_cap::note_refused;
use std::cell::UnsafeCell;
use std::ptr::NonNull;
use wasmer::sys::vm::{LinearMemory, MemoryError, MemoryStyle, Mmap, MmapType, VMMemoryDefinition};
use wasmer::{MemoryType, Pages};

/// Bytes kept inaccessible after the largest the memory can be (64 KiB:
/// larger static offsets than this are rare in compiled code, and they
/// only cost an add before the compare).
pub(crate) const GUARD_BYTES: u64 = 64 * 1024;

/// The style compiled code is generated for.
pub(crate) fn style() -> MemoryStyle {
    MemoryStyle::Dynamic {
        offset_guard_size: GUARD_BYTES,
    }
}

/// Bytes of address space one memory of type `ty` reserves under `cap`.
pub(crate) fn reserved_bytes(ty: &MemoryType, cap: Pages) -> usize {
    limit(ty, cap).bytes().0 + GUARD_BYTES as usize
}

fn limit(ty: &MemoryType, cap: Pages) -> Pages {
    ty.maximum.map_or(cap, |max| max.min(cap))
}

/// Where the definition compiled code reads (base, current length) lives.
#[derive(Debug)]
enum Definition {
    /// In the instance's VM context, which outlives the memory.
    Instance(NonNull<VMMemoryDefinition>),
    /// Owned: a memory created outside an instance.
    Owned(Box<UnsafeCell<VMMemoryDefinition>>),
}

#[derive(Debug)]
pub(crate) struct BoundedMemory {
    mmap: Mmap,
    definition: Definition,
    ty: MemoryType,
    size: Pages,
    /// The most pages this memory may have.
    limit: Pages,
}

// SAFETY: the definition is plain data that only the thread running the
// instance touches (wasmer's own memories make the same promise); the
// mapping is owned.
unsafe impl Send for BoundedMemory {}
// SAFETY: as above; `&self` methods only read.
unsafe impl Sync for BoundedMemory {}

impl BoundedMemory {
    /// Reserves the memory's whole address space, with its minimum
    /// accessible. `location`: the instance's definition slot, if any.
    ///
    /// # Safety
    /// `location`, if given, is valid and exclusive for the memory's life
    /// (as `Tunables::create_vm_memory` promises its slot).
    pub(crate) unsafe fn new(
        ty: &MemoryType,
        cap: Pages,
        location: Option<NonNull<VMMemoryDefinition>>,
    ) -> Result<Self, MemoryError> {
        let limit = limit(ty, cap);
        if ty.minimum > limit {
            return Err(MemoryError::MinimumMemoryTooLarge {
                min_requested: ty.minimum,
                max_allowed: limit,
            });
        }
        let mut mmap = Mmap::accessible_reserved(
            ty.minimum.bytes().0,
            reserved_bytes(ty, cap),
            None,
            MmapType::Private,
        )
        .map_err(MemoryError::Region)?;
        let initial = VMMemoryDefinition {
            base: mmap.as_mut_ptr(),
            current_length: ty.minimum.bytes().0,
        };
        let definition = match location {
            Some(mut slot) => {
                // SAFETY: the caller's contract.
                unsafe { *slot.as_mut() = initial };
                Definition::Instance(slot)
            }
            None => Definition::Owned(Box::new(UnsafeCell::new(initial))),
        };
        Ok(BoundedMemory {
            mmap,
            definition,
            ty: *ty,
            size: ty.minimum,
            limit,
        })
    }

    fn definition(&self) -> NonNull<VMMemoryDefinition> {
        match &self.definition {
            Definition::Instance(slot) => *slot,
            // SAFETY: a Box is never null.
            Definition::Owned(cell) => unsafe { NonNull::new_unchecked(cell.get()) },
        }
    }

    fn set_length(&mut self, pages: Pages) {
        self.size = pages;
        // SAFETY: the definition is valid while the memory lives, and the
        // guest is not running while its memory grows from outside, or is
        // suspended in `memory.grow`.
        unsafe { self.definition().as_mut().current_length = pages.bytes().0 };
    }

    fn refuse(&self, delta: Pages) -> MemoryError {
        note_refused();
        MemoryError::CouldNotGrow {
            current: self.size,
            attempted_delta: delta,
        }
    }
}

impl LinearMemory for BoundedMemory {
    fn ty(&self) -> MemoryType {
        self.ty
    }

    fn size(&self) -> Pages {
        self.size
    }

    fn style(&self) -> MemoryStyle {
        style()
    }

    fn grow(&mut self, delta: Pages) -> Result<Pages, MemoryError> {
        let old = self.size;
        let new = match old.0.checked_add(delta.0) {
            Some(pages) if pages <= self.limit.0 => Pages(pages),
            _ => return Err(self.refuse(delta)),
        };
        if delta.0 > 0 {
            if let Err(e) = self.mmap.make_accessible(old.bytes().0, delta.bytes().0) {
                note_refused();
                return Err(MemoryError::Region(e));
            }
        }
        self.set_length(new);
        Ok(old)
    }

    fn grow_at_least(&mut self, min_size: u64) -> Result<(), MemoryError> {
        let have = self.size.bytes().0 as u64;
        if min_size <= have {
            return Ok(());
        }
        let pages = (min_size - have).div_ceil(wasmer::WASM_PAGE_SIZE as u64);
        match u32::try_from(pages) {
            Ok(pages) => self.grow(Pages(pages)).map(drop),
            Err(_) => Err(self.refuse(Pages(u32::MAX))),
        }
    }

    fn reset(&mut self) -> Result<(), MemoryError> {
        self.set_length(Pages(0));
        Ok(())
    }

    fn vmmemory(&self) -> NonNull<VMMemoryDefinition> {
        self.definition()
    }

    fn try_clone(&self) -> Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Err(MemoryError::Generic(
            "a bounded memory is not shared between stores".into(),
        ))
    }

    fn copy(&self) -> Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        let length = self.size.bytes().0;
        let mut mmap = self.mmap.copy(Some(length)).map_err(MemoryError::Region)?;
        let definition = Definition::Owned(Box::new(UnsafeCell::new(VMMemoryDefinition {
            base: mmap.as_mut_ptr(),
            current_length: length,
        })));
        Ok(Box::new(BoundedMemory {
            mmap,
            definition,
            ty: self.ty,
            size: self.size,
            limit: self.limit,
        }))
    }
}
