//! The guest instances of the calling thread, one per host it calls, and
//! when they are released.
//!
//! wasmer's `Store` is `!Send`, and Go moves goroutines between OS threads,
//! so instances are kept per OS thread rather than handed between threads.
//! A call takes its thread's instance for the host out of its slot, runs,
//! and puts it back (`Checkout`). An instance is released:
//! - on the thread that frees its host, at once;
//! - on any other thread, at that thread's next call on any host: freeing a
//!   host bumps `HOSTS_GONE`, and a thread that sees it moved sweeps its
//!   slots for hosts that are gone;
//! - when its thread has not used it for its host's `instance_idle`, at one
//!   of that thread's next calls (the idle check runs at most once a second
//!   per thread);
//! - by `release_thread` (`eiw_thread_release`), and when the thread exits.
use crate::error::{Error, Result, ResultCode};
use crate::instance::GuestInstance;
use std::any::Any;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Weak;
use std::time::{Duration, Instant};

/// How many hosts have been freed in this process.
static HOSTS_GONE: AtomicU64 = AtomicU64::new(0);

/// The idle check runs at most this often per thread.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(1);

/// What a thread needs to know about a host to keep its instance, and
/// the time of the call.
pub(crate) struct HostRef<'a> {
    pub id: u64,
    /// Makes a reference that is dead once the host is freed; called only
    /// for a new slot, so that a call costs no reference counting.
    pub alive: &'a dyn Fn() -> Weak<dyn Any + Send + Sync>,
    pub idle_after: Duration,
    pub now: Instant,
}

struct Slot {
    host_id: u64,
    alive: Weak<dyn Any + Send + Sync>,
    idle_after: Duration,
    last_used: Instant,
    /// None while a call on this thread is using the instance.
    instance: Option<Box<GuestInstance>>,
}

#[derive(Default)]
struct Slots {
    slots: Vec<Slot>,
    /// `HOSTS_GONE` when this thread last swept.
    hosts_gone_seen: u64,
    next_idle_check: Option<Instant>,
}

thread_local! {
    static SLOTS: RefCell<Slots> = RefCell::new(Slots::default());
}

/// The calling thread's instance for one host, taken out of its slot for
/// one call. Dropping it puts the instance back, or, if the instance was
/// discarded or a panic is unwinding, removes the slot.
pub(crate) struct Checkout {
    host_id: u64,
    pub instance: Option<Box<GuestInstance>>,
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let instance = self.instance.take().filter(|_| !std::thread::panicking());
        let removed = SLOTS.try_with(|s| {
            let slots = &mut s.borrow_mut().slots;
            let pos = slots.iter().position(|s| s.host_id == self.host_id)?;
            match instance {
                Some(instance) => {
                    slots[pos].instance = Some(instance);
                    None
                }
                None => Some(slots.swap_remove(pos)),
            }
        });
        drop(removed);
    }
}

/// Takes this thread's instance for `host` (None inside: the caller makes
/// one), after releasing the instances this thread should no longer keep.
pub(crate) fn checkout(host: HostRef<'_>) -> Result<Checkout> {
    let (existing, released) = SLOTS
        .try_with(|s| {
            let mut s = s.borrow_mut();
            let existing = take_or_add(&mut s.slots, &host)?;
            Ok::<_, Error>((existing, sweep(&mut s, host.now)))
        })
        .map_err(|_| Error::new(ResultCode::Panic, "called while this thread is exiting"))??;
    // Dropped outside the borrow: dropping an instance runs wasmer code.
    drop(released);
    Ok(Checkout {
        host_id: host.id,
        instance: existing,
    })
}

fn take_or_add(slots: &mut Vec<Slot>, host: &HostRef<'_>) -> Result<Option<Box<GuestInstance>>> {
    match slots.iter_mut().find(|s| s.host_id == host.id) {
        Some(slot) => {
            slot.last_used = host.now;
            slot.instance.take().map(Some).ok_or_else(|| {
                Error::new(
                    ResultCode::Reentrant,
                    "a callback called back into the host that is calling it",
                )
            })
        }
        None => {
            slots.push(Slot {
                host_id: host.id,
                alive: (host.alive)(),
                idle_after: host.idle_after,
                last_used: host.now,
                instance: None,
            });
            Ok(None)
        }
    }
}

/// Takes out the instances of freed hosts when a host was freed since the
/// last sweep, and those idle too long when the idle check is due.
fn sweep(s: &mut Slots, now: Instant) -> Vec<Slot> {
    let gone = HOSTS_GONE.load(Ordering::Acquire);
    let idle_check = s.next_idle_check.is_none_or(|due| now >= due);
    if gone == s.hosts_gone_seen && !idle_check {
        return Vec::new();
    }
    s.hosts_gone_seen = gone;
    if idle_check {
        s.next_idle_check = Some(now + IDLE_CHECK_EVERY);
    }
    let (released, kept) = std::mem::take(&mut s.slots).into_iter().partition(|slot| {
        // A slot whose instance is out is in use by a call on this thread.
        let Some(instance) = &slot.instance else {
            return false;
        };
        if slot.alive.strong_count() == 0 {
            return true;
        }
        let idle = idle_check && now.saturating_duration_since(slot.last_used) >= slot.idle_after;
        if idle {
            instance.note_idle_release();
        }
        idle
    });
    s.slots = kept;
    released
}

/// Releases this thread's instance of a host being freed, and tells the
/// other threads to release theirs. Called once the host can no longer be
/// called, so that every thread's next sweep finds it gone.
pub(crate) fn host_gone(host_id: u64) {
    let removed = SLOTS.try_with(|s| {
        let slots = &mut s.borrow_mut().slots;
        let (gone, kept) = std::mem::take(slots)
            .into_iter()
            .partition::<Vec<_>, _>(|s| s.host_id == host_id && s.instance.is_some());
        *slots = kept;
        gone
    });
    drop(removed);
    HOSTS_GONE.fetch_add(1, Ordering::Release);
}

/// Releases every instance the calling thread holds, of every host, except
/// those in use by a call on this thread (from inside a callback). Returns
/// how many were released.
pub fn release_thread() -> usize {
    let released = SLOTS
        .try_with(|s| {
            let slots = &mut s.borrow_mut().slots;
            let (released, kept): (Vec<_>, Vec<_>) = std::mem::take(slots)
                .into_iter()
                .partition(|s| s.instance.is_some());
            *slots = kept;
            released
        })
        .unwrap_or_default();
    released.len()
}
