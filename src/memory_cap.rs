//! Caps the linear memory and the tables of every guest instance of a
//! host, and tells the calling thread whether its guest was refused memory.
//!
//! wasmer creates memories and tables through the engine's `Tunables`;
//! ours makes each memory a `BoundedMemory` (address space reserved for
//! the cap only; `bounded_memory`), or, for `MemoryReservation::Wasm32`,
//! wraps wasmer's own, so that `memory.grow` past the cap fails inside
//! the guest (it returns -1) and the refusal is remembered for the thread
//! running the guest, so a trap that follows can be reported as memory
//! exhaustion. A table is created with its maximum lowered to the cap, so
//! wasmer's own check makes `table.grow` past it return -1 (before any
//! allocation: a grow by 2^32-1 elements would otherwise abort the process).
use crate::bounded_memory::{self, BoundedMemory};
use crate::limits::MemoryReservation;
use std::cell::Cell;
use std::ptr::NonNull;
use wasmer::sys::vm::{
    LinearMemory, MemoryError, MemoryStyle, TableStyle, Trap, VMMemory, VMMemoryDefinition,
    VMTable, VMTableDefinition,
};
use wasmer::sys::{BaseTunables, Tunables};
use wasmer::{MemoryType, Pages, TableType, WASM_PAGE_SIZE};

thread_local! {
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// Remembers that the guest running on this thread was refused memory.
pub(crate) fn note_refused() {
    REFUSED.with(|r| r.set(true));
}

/// Whether a guest on this thread was refused memory since the last call;
/// clears the flag.
pub(crate) fn take_refused() -> bool {
    REFUSED.with(|r| r.replace(false))
}

pub(crate) struct CappedTunables {
    base: BaseTunables,
    max_pages: Pages,
    max_table_elements: u32,
    reservation: MemoryReservation,
}

impl CappedTunables {
    pub fn new(max_pages: u32, max_table_elements: u32, reservation: MemoryReservation) -> Self {
        CappedTunables {
            base: BaseTunables::new(),
            max_pages: Pages(max_pages),
            max_table_elements,
            reservation,
        }
    }

    /// A memory in the host's reservation style; `location` is the
    /// instance's definition slot, if any.
    ///
    /// # Safety
    /// `location`, if given, is as `Tunables::create_vm_memory` requires.
    unsafe fn create(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        location: Option<NonNull<VMMemoryDefinition>>,
    ) -> Result<VMMemory, MemoryError> {
        self.check(ty)?;
        if *style != self.memory_style(ty) {
            // Code compiled for another style could reach past this memory.
            return Err(MemoryError::Generic(format!(
                "the module was compiled for memory style {style:?}, this host makes {:?}",
                self.memory_style(ty)
            )));
        }
        match (self.reservation, location) {
            // SAFETY: forwarded from our caller's contract.
            (MemoryReservation::Cap, location) => Ok(VMMemory(Box::new(unsafe {
                BoundedMemory::new(ty, self.max_pages, location)?
            }))),
            (MemoryReservation::Wasm32, None) => {
                Ok(self.wrap(self.base.create_host_memory(ty, style)?))
            }
            // SAFETY: forwarded from our caller's contract.
            (MemoryReservation::Wasm32, Some(location)) => {
                Ok(self.wrap(unsafe { self.base.create_vm_memory(ty, style, location)? }))
            }
        }
    }

    /// The table type with its maximum lowered to the cap; an error for a
    /// minimum over it (the load check refuses those first).
    fn capped_table(&self, ty: &TableType) -> Result<TableType, String> {
        let cap = self.max_table_elements;
        if ty.minimum > cap {
            return Err(format!(
                "table minimum of {} elements is over max_table_elements ({cap})",
                ty.minimum
            ));
        }
        let mut capped = *ty;
        capped.maximum = Some(ty.maximum.map_or(cap, |max| max.min(cap)));
        Ok(capped)
    }

    fn wrap(&self, memory: VMMemory) -> VMMemory {
        VMMemory(Box::new(CappedMemory {
            inner: memory.0,
            max_pages: self.max_pages,
        }))
    }

    fn check(&self, ty: &MemoryType) -> Result<(), MemoryError> {
        if ty.minimum > self.max_pages {
            return Err(MemoryError::MinimumMemoryTooLarge {
                min_requested: ty.minimum,
                max_allowed: self.max_pages,
            });
        }
        Ok(())
    }
}

impl Tunables for CappedTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        match self.reservation {
            MemoryReservation::Cap => bounded_memory::style(),
            MemoryReservation::Wasm32 => self.base.memory_style(memory),
        }
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: no location.
        unsafe { self.create(ty, style, None) }
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: forwarded from our caller's contract.
        unsafe { self.create(ty, style, Some(vm_definition_location)) }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(&self.capped_table(ty)?, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        let ty = self.capped_table(ty)?;
        // SAFETY: forwarded from our caller's contract.
        unsafe {
            self.base
                .create_vm_table(&ty, style, vm_definition_location)
        }
    }
}

#[derive(Debug)]
struct CappedMemory {
    inner: Box<dyn LinearMemory + Send + Sync>,
    max_pages: Pages,
}

impl CappedMemory {
    fn refuse(&self, delta: Pages) -> MemoryError {
        note_refused();
        MemoryError::CouldNotGrow {
            current: self.inner.size(),
            attempted_delta: delta,
        }
    }
}

impl LinearMemory for CappedMemory {
    fn ty(&self) -> MemoryType {
        self.inner.ty()
    }

    fn size(&self) -> Pages {
        self.inner.size()
    }

    fn style(&self) -> MemoryStyle {
        self.inner.style()
    }

    fn grow(&mut self, delta: Pages) -> Result<Pages, MemoryError> {
        let wanted = self.inner.size().0.checked_add(delta.0);
        if wanted.is_none_or(|pages| pages > self.max_pages.0) {
            return Err(self.refuse(delta));
        }
        self.inner.grow(delta).inspect_err(|_| note_refused())
    }

    fn grow_at_least(&mut self, min_size: u64) -> Result<(), MemoryError> {
        if min_size > u64::from(self.max_pages.0) * WASM_PAGE_SIZE as u64 {
            return Err(self.refuse(Pages(0)));
        }
        self.inner.grow_at_least(min_size)
    }

    fn reset(&mut self) -> Result<(), MemoryError> {
        self.inner.reset()
    }

    fn vmmemory(&self) -> NonNull<VMMemoryDefinition> {
        self.inner.vmmemory()
    }

    fn try_clone(&self) -> Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Ok(Box::new(CappedMemory {
            inner: self.inner.try_clone()?,
            max_pages: self.max_pages,
        }))
    }

    unsafe fn initialize_with_data(&self, start: usize, data: &[u8]) -> Result<(), Trap> {
        // SAFETY: forwarded from our caller's contract.
        unsafe { self.inner.initialize_with_data(start, data) }
    }

    fn copy(&self) -> Result<Box<dyn LinearMemory + Send + Sync + 'static>, MemoryError> {
        Ok(Box::new(CappedMemory {
            inner: self.inner.copy()?,
            max_pages: self.max_pages,
        }))
    }
}
