//! Which guest log lines a host delivers: a minimum level, and a token
//! bucket shared by all the host's threads so that a guest that logs in a
//! loop cannot flood the agent.
use crate::abi::LogLevel;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

pub(crate) struct LogGate {
    min_level: LogLevel,
    per_second: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Deliver,
    BelowLevel,
    RateLimited,
}

impl LogGate {
    pub fn new(min_level: LogLevel, per_second: u32, burst: u32) -> Self {
        LogGate {
            min_level,
            per_second: f64::from(per_second),
            burst: f64::from(burst),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(burst),
                refilled: Instant::now(),
            }),
        }
    }

    pub fn admit(&self, level: LogLevel) -> Verdict {
        if level < self.min_level {
            return Verdict::BelowLevel;
        }
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Verdict::Deliver
        } else {
            Verdict::RateLimited
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_level_then_rate() {
        let gate = LogGate::new(LogLevel::Info, 1, 3);
        assert_eq!(gate.admit(LogLevel::Debug), Verdict::BelowLevel);
        for _ in 0..3 {
            assert_eq!(gate.admit(LogLevel::Error), Verdict::Deliver);
        }
        assert_eq!(gate.admit(LogLevel::Error), Verdict::RateLimited);
    }
}
