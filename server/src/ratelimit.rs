//! Token-bucket rate limits, one bucket per key (a tenant, or a client address).
//!
//! A bucket holds up to `burst` tokens and refills at `per_sec`; a request takes one token, and
//! an empty bucket answers 429 with the seconds until a token is back. In memory, per process:
//! several servers behind a balancer each apply the limit (documented in the README).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before full (idle) ones are dropped: bounds memory under a spray of addresses.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_sec: f64,
    pub burst: f64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    /// `None`: unlimited.
    rate: Option<Rate>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(rate: Option<Rate>) -> RateLimiter {
        RateLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` when `key` may make a request now; else `Err(seconds to wait)`, at least 1.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        let Some(rate) = self.rate else { return Ok(()) };
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-update; the map is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            buckets.retain(|_, b| refilled(b, rate, now) < rate.burst);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        bucket.tokens = refilled(bucket, rate, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - bucket.tokens) / rate.per_sec).ceil() as u64).max(1))
        }
    }
}

fn refilled(bucket: &Bucket, rate: Rate, now: Instant) -> f64 {
    let elapsed = now.duration_since(bucket.at).as_secs_f64();
    (bucket.tokens + elapsed * rate.per_sec).min(rate.burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refused_with_wait() {
        let limiter = RateLimiter::new(Some(Rate { per_sec: 0.5, burst: 3.0 }));
        for _ in 0..3 {
            assert_eq!(limiter.take("acme"), Ok(()));
        }
        // One token needs 2 s at 0.5/s.
        assert_eq!(limiter.take("acme"), Err(2));
        // Buckets are per key.
        assert_eq!(limiter.take("globex"), Ok(()));
        assert_eq!(RateLimiter::new(None).take("x"), Ok(()));
    }
}
