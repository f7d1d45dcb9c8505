//! Batches: many events, each with its own result, in as few guest calls
//! as the module allows, and records in JSON or msgpack transcoded around
//! them.
use super::Host;
use crate::abi;
use crate::error::{Error, Result, ResultCode};
use crate::format::EventFormat;
use crate::host_format::{self, FormatSink, Scratch};
use crate::sink::Sink;
use std::time::Instant;

impl Host {
    /// Runs many events, each with its own result, in as few guest calls as
    /// possible: ABI 1.1 modules that export `process_batch` get the batch
    /// in one call; other modules get one `process` call per event. Before
    /// the output of event `i`, the sink is told `set_event(i)`.
    ///
    /// A failure of event k (a trap, say) leaves the results and outputs of
    /// the events before it; event k gets the error, and the events after
    /// it are processed on a fresh instance.
    pub fn process_batch(&self, events: &[&[u8]], sink: &mut dyn Sink) -> Vec<Result<u32>> {
        match self.shared.limits.event_format {
            EventFormat::Protobuf => self.process_batch_wire(events, sink),
            format => self.process_batch_records(format, events, sink),
        }
    }

    /// A batch of records in JSON or msgpack; those that do not transcode
    /// fail alone, the others run as one batch.
    fn process_batch_records(
        &self,
        format: EventFormat,
        records: &[&[u8]],
        sink: &mut dyn Sink,
    ) -> Vec<Result<u32>> {
        let max = self.shared.limits.max_event_bytes;
        host_format::with_scratch(|scratch| {
            scratch.wire.clear();
            scratch.ranges.clear();
            let mut results: Vec<Option<Result<u32>>> = vec![None; records.len()];
            let mut indices = Vec::with_capacity(records.len());
            for (i, record) in records.iter().enumerate() {
                match host_format::event_to_wire(scratch, format, record, max) {
                    Ok(range) => {
                        indices.push(i);
                        scratch.ranges.push(range);
                    }
                    Err(e) => {
                        self.shared
                            .stats
                            .record_process(Err(e.code()), std::time::Duration::ZERO);
                        results[i] = Some(Err(e));
                    }
                }
            }
            let Scratch {
                transcoder,
                wire,
                ranges,
                out,
            } = scratch;
            let wires: Vec<&[u8]> = ranges.iter().map(|r| &wire[r.clone()]).collect();
            let inputs: Vec<(&[u8], &[u8])> = indices
                .iter()
                .zip(&wires)
                .map(|(&i, &w)| (w, records[i]))
                .collect();
            let mut mapped = MappedSink {
                inner: sink,
                indices: &indices,
            };
            let mut sink = FormatSink {
                inner: &mut mapped,
                format,
                transcoder,
                out,
                inputs: &inputs,
                current: 0,
            };
            for (k, result) in self
                .process_batch_wire(&wires, &mut sink)
                .into_iter()
                .enumerate()
            {
                results[indices[k]] = Some(result);
            }
            every_result(results)
        })
    }

    fn process_batch_wire(&self, events: &[&[u8]], sink: &mut dyn Sink) -> Vec<Result<u32>> {
        let start = Instant::now();
        let mut results: Vec<Option<Result<u32>>> = vec![None; events.len()];
        // Inputs that are not valid events fail here and never reach the guest.
        let mut pending: Vec<usize> = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            match self.check_input(event) {
                Ok(()) => pending.push(i),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        if !self.shared.abi.has_process_batch {
            for i in pending.drain(..) {
                sink.set_event(i);
                results[i] = Some(self.process_checked(events[i], sink, start));
            }
        }
        // The guest calls of one batch share one budget per event: after a
        // failure the rest of the batch gets what is left of it.
        let per_call = self.shared.limits.cpu_points_per_call.unwrap_or(0);
        let total = per_call.saturating_mul(pending.len() as u64);
        let mut left = total;
        while !pending.is_empty() {
            if per_call > 0 && left == 0 {
                let message = format!(
                    "the batch used up its CPU budget of {total} points ({} events x {per_call})",
                    total / per_call
                );
                for &i in &pending {
                    results[i] = Some(Err(Error::new(ResultCode::CpuExhausted, message.clone())));
                }
                break;
            }
            let batch: Vec<&[u8]> = pending.iter().map(|&i| events[i]).collect();
            let budget = left.min(per_call.saturating_mul(batch.len() as u64));
            let mut reported = Vec::with_capacity(batch.len());
            let mut mapped = MappedSink {
                inner: &mut *sink,
                indices: &pending,
            };
            let mut used = 0;
            let outcome = self.with_instance(start, &mut mapped, |instance, sink| {
                let outcome = instance.process_batch(&batch, budget, sink, &mut reported);
                used = instance.last_points_used;
                outcome
            });
            left = left.saturating_sub(used);
            for (&i, &(status, emits)) in pending.iter().zip(&reported) {
                results[i] = Some(match status {
                    abi::status::OK => Ok(emits),
                    other => Err(Error::new(
                        ResultCode::GuestStatus,
                        format!(
                            "`process_batch` reported status {} for this event",
                            abi::status::describe(other)
                        ),
                    )),
                });
            }
            let done = reported.len();
            match outcome {
                Ok(()) => {
                    for &i in &pending[done..] {
                        results[i] = Some(Err(Error::new(
                            ResultCode::GuestBadArgument,
                            "`process_batch` returned without a result for this event",
                        )));
                    }
                    pending.clear();
                }
                Err(e) if done < pending.len() => {
                    // The failure belongs to the first unreported event; the
                    // rest go to a fresh instance (or this one, if it is fine).
                    results[pending[done]] = Some(Err(e));
                    pending.drain(..=done);
                }
                Err(e) => {
                    // All events reported, then the call failed (for example
                    // an emit after the last result): the last event carries it.
                    if let Some(&last) = pending.last() {
                        results[last] = Some(Err(e));
                    }
                    pending.clear();
                }
            }
        }
        let results = every_result(results);
        let each = start.elapsed() / events.len().max(1) as u32;
        self.shared.stats.record_batch(
            results
                .iter()
                .map(|r| r.as_ref().map(|n| *n).map_err(Error::code)),
            each,
        );
        results
    }
}

/// Translates the batch-local event indices of one guest call into the
/// caller's indices.
/// The results of a batch, each event's own; one left without a result
/// (a bug in eiw) is an error, not a gap.
fn every_result(results: Vec<Option<Result<u32>>>) -> Vec<Result<u32>> {
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Error::new(
                    ResultCode::Panic,
                    "batch event left without a result",
                ))
            })
        })
        .collect()
}

struct MappedSink<'a> {
    inner: &'a mut dyn Sink,
    indices: &'a [usize],
}

impl Sink for MappedSink<'_> {
    fn emit(&mut self, event: &[u8]) {
        self.inner.emit(event)
    }

    fn deliver(&mut self, event: &[u8]) -> std::result::Result<(), String> {
        self.inner.deliver(event)
    }

    fn log(&mut self, level: crate::abi::LogLevel, message: &str) {
        self.inner.log(level, message)
    }

    fn set_event(&mut self, index: usize) {
        if let Some(&i) = self.indices.get(index) {
            self.inner.set_event(i);
        }
    }
}
