//! Host statistics: counters kept with relaxed atomics (no lock on the hot
//! path), read as a `HostStats` snapshot.
//!
//! The counters every call moves are kept in shards, one cache line set per
//! shard, and each thread writes to its own shard: threads calling one host
//! at once then do not bounce a shared cache line on every event. A
//! snapshot adds the shards up.
use crate::error::ResultCode;
use eiw_proto::{HostStats, LatencyHistogram};
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// Buckets: [0, 2^10 ns), [2^10, 2^11), ... [2^31, 2^32), [2^32, inf).
const FIRST_BOUND_LOG2: u32 = 10;
const LAST_BOUND_LOG2: u32 = 32;
const BUCKETS: usize = (LAST_BOUND_LOG2 - FIRST_BOUND_LOG2 + 2) as usize;
const CODES: usize = 32;
const SHARDS: usize = 16;

/// What one thread's calls add up; aligned so two shards never share a
/// cache line (or an adjacent-line prefetch pair).
#[derive(Default)]
#[repr(align(128))]
struct Shard {
    events_in: AtomicU64,
    events_passed: AtomicU64,
    events_dropped: AtomicU64,
    events_failed: AtomicU64,
    events_emitted: AtomicU64,
    failures: [AtomicU64; CODES],
    cpu_points_used: AtomicU64,
    cpu_points_max_per_call: AtomicU64,
    peak_memory_pages: AtomicU32,
    latency_counts: [AtomicU64; BUCKETS],
    latency_sum_ns: AtomicU64,
}

#[derive(Default)]
pub(crate) struct Stats {
    shards: [Shard; SHARDS],
    pub instances_created: AtomicU64,
    pub instances_recycled: AtomicU64,
    pub instances_live: AtomicU64,
    pub instances_released_idle: AtomicU64,
    pub register_calls: AtomicU64,
    pub register_replays: AtomicU64,
    pub log_lines_delivered: AtomicU64,
    pub log_lines_below_level: AtomicU64,
    pub log_lines_rate_limited: AtomicU64,
}

fn bucket(nanos: u64) -> usize {
    let log2 = 64 - nanos.leading_zeros();
    (log2.saturating_sub(FIRST_BOUND_LOG2) as usize).min(BUCKETS - 1)
}

/// The calling thread's shard number: threads take numbers in turn.
fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    INDEX
        .try_with(|index| {
            if index.get() == usize::MAX {
                index.set(NEXT.fetch_add(1, Relaxed) % SHARDS);
            }
            index.get()
        })
        .unwrap_or(0)
}

/// `fetch_max`, skipped when the maximum would not grow: most calls do
/// not raise it, and a load does not take the cache line exclusively.
fn raise_u64(max: &AtomicU64, value: u64) {
    if max.load(Relaxed) < value {
        max.fetch_max(value, Relaxed);
    }
}

fn raise_u32(max: &AtomicU32, value: u32) {
    if max.load(Relaxed) < value {
        max.fetch_max(value, Relaxed);
    }
}

impl Stats {
    fn shard(&self) -> &Shard {
        &self.shards[shard_index()]
    }

    /// Records one eiw_process call: its outcome (the number of events it
    /// emitted, or the failure) and its duration.
    pub fn record_process(&self, outcome: Result<u32, ResultCode>, elapsed: Duration) {
        self.record_batch(std::iter::once(outcome), elapsed);
    }

    /// Records the events of one batch, which took `elapsed` each: counted
    /// here and added to the shared counters once per outcome kind.
    pub fn record_batch(
        &self,
        outcomes: impl Iterator<Item = Result<u32, ResultCode>>,
        elapsed: Duration,
    ) {
        let (mut passed, mut dropped, mut failed) = (0, 0, 0);
        for outcome in outcomes {
            match outcome {
                Ok(0) => dropped += 1,
                Ok(_) => passed += 1,
                Err(code) => {
                    self.record_failure(code);
                    failed += 1;
                }
            }
        }
        let n = passed + dropped + failed;
        let shard = self.shard();
        shard.events_in.fetch_add(n, Relaxed);
        for (counter, value) in [
            (&shard.events_passed, passed),
            (&shard.events_dropped, dropped),
            (&shard.events_failed, failed),
        ] {
            if value > 0 {
                counter.fetch_add(value, Relaxed);
            }
        }
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        shard.latency_counts[bucket(nanos)].fetch_add(n, Relaxed);
        shard
            .latency_sum_ns
            .fetch_add(nanos.saturating_mul(n), Relaxed);
    }

    pub fn record_failure(&self, code: ResultCode) {
        if let Some(counter) = self.shard().failures.get(code as usize) {
            counter.fetch_add(1, Relaxed);
        }
    }

    pub fn record_emitted(&self, events: u64) {
        if events > 0 {
            self.shard().events_emitted.fetch_add(events, Relaxed);
        }
    }

    /// Records what one guest call used: metering points and memory size.
    pub fn record_usage(&self, cpu_points: u64, memory_pages: u32) {
        let shard = self.shard();
        shard.cpu_points_used.fetch_add(cpu_points, Relaxed);
        raise_u64(&shard.cpu_points_max_per_call, cpu_points);
        raise_u32(&shard.peak_memory_pages, memory_pages);
    }

    /// A snapshot. Counters are read one by one, so under concurrent calls
    /// a snapshot may be a few calls apart between counters.
    pub fn snapshot(&self) -> HostStats {
        let sum = |counter: fn(&Shard) -> &AtomicU64| -> u64 {
            self.shards
                .iter()
                .map(|s| counter(s).load(Relaxed))
                .fold(0, u64::wrapping_add)
        };
        let failures = (0..CODES)
            .filter_map(|i| {
                let n: u64 = self
                    .shards
                    .iter()
                    .map(|s| s.failures[i].load(Relaxed))
                    .sum();
                let code = ResultCode::from_u32(i as u32)?;
                (n > 0).then(|| (code.name().to_string(), n))
            })
            .collect();
        HostStats {
            events_in: sum(|s| &s.events_in),
            events_passed: sum(|s| &s.events_passed),
            events_dropped: sum(|s| &s.events_dropped),
            events_failed: sum(|s| &s.events_failed),
            events_emitted: sum(|s| &s.events_emitted),
            failures,
            instances_created: self.instances_created.load(Relaxed),
            instances_recycled: self.instances_recycled.load(Relaxed),
            instances_live: self.instances_live.load(Relaxed),
            instances_released_idle: self.instances_released_idle.load(Relaxed),
            register_calls: self.register_calls.load(Relaxed),
            register_replays: self.register_replays.load(Relaxed),
            cpu_points_used: sum(|s| &s.cpu_points_used),
            cpu_points_max_per_call: self
                .shards
                .iter()
                .map(|s| s.cpu_points_max_per_call.load(Relaxed))
                .max()
                .unwrap_or(0),
            peak_memory_pages: self
                .shards
                .iter()
                .map(|s| s.peak_memory_pages.load(Relaxed))
                .max()
                .unwrap_or(0),
            process_latency: Some(LatencyHistogram {
                upper_bounds_ns: (FIRST_BOUND_LOG2..=LAST_BOUND_LOG2)
                    .map(|b| 1u64 << b)
                    .collect(),
                counts: (0..BUCKETS)
                    .map(|b| {
                        self.shards
                            .iter()
                            .map(|s| s.latency_counts[b].load(Relaxed))
                            .sum()
                    })
                    .collect(),
                sum_ns: sum(|s| &s.latency_sum_ns),
            }),
            log_lines_delivered: self.log_lines_delivered.load(Relaxed),
            log_lines_below_level: self.log_lines_below_level.load(Relaxed),
            log_lines_rate_limited: self.log_lines_rate_limited.load(Relaxed),
            // Filled in by the host, which knows how its module was loaded.
            module_loaded_from_cache: false,
            module_cache_note: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_result_code_has_a_failure_counter() {
        assert!(ResultCode::from_u32(CODES as u32 - 1).is_none());
    }

    #[test]
    fn latencies_land_in_log_scale_buckets() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1023), 0);
        assert_eq!(bucket(1024), 1);
        assert_eq!(bucket(2047), 1);
        assert_eq!(bucket(2048), 2);
        assert_eq!(bucket((1 << 32) - 1), BUCKETS - 2);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        let stats = Stats::default();
        stats.record_process(Ok(1), Duration::from_nanos(1500));
        let histogram = stats.snapshot().process_latency.unwrap();
        assert_eq!(histogram.counts.len(), histogram.upper_bounds_ns.len() + 1);
        assert_eq!(histogram.upper_bounds_ns[1], 2048);
        assert_eq!(histogram.counts[1], 1);
        assert_eq!(histogram.sum_ns, 1500);
    }
}
