//! Rate limits and the login throttle: counters per client address, in memory per
//! process.

use super::*;

/// The rate-limit buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    Login,
    Intake,
    /// Pages read without an account: a few addresses must not be able to keep the
    /// server busy for everyone.
    Read,
}

/// At most `max` posts per `window` per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowLimit {
    pub max: u32,
    pub window: Duration,
}

/// Growing delays after wrong passwords, instead of a lock: failures for one account
/// from one address slow only that address's next tries at that account, so a stranger
/// elsewhere cannot keep its owner out; failures from one address at any account slow
/// that address. A right password is never counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottlePolicy {
    /// Wrong passwords for one account from one address before the delays start.
    pub account_free: u32,
    /// Wrong passwords from one address, at any account, before the delays start.
    pub address_free: u32,
    /// The first delay; each further wrong password doubles it.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Failures are forgotten after this long without another.
    pub forget_after: Duration,
}

impl Default for LoginThrottlePolicy {
    fn default() -> Self {
        LoginThrottlePolicy {
            account_free: 5,
            address_free: 20,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(3600),
        }
    }
}

/// The failed logins this server has seen, per (account, address) and per address,
/// keyed by salted hashes (the salt is new at every start, as the rate limiter's).
pub struct LoginThrottle {
    pub(super) salt: [u8; 16],
    pub(super) failures: Mutex<HashMap<[u8; 16], Failures>>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Failures {
    pub(super) count: u32,
    pub(super) last: Instant,
    /// No attempt is checked before this.
    pub(super) not_before: Instant,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system provides random bytes");
        LoginThrottle {
            salt,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl LoginThrottle {
    fn keys(&self, username: &str, client: &str) -> [[u8; 16]; 2] {
        let key = |parts: &[&str]| {
            let mut hasher = Sha256::new();
            hasher.update(self.salt);
            for p in parts {
                hasher.update(p.as_bytes());
                hasher.update([0]);
            }
            let mut key = [0u8; 16];
            key.copy_from_slice(&hasher.finalize()[..16]);
            key
        };
        let username = username.trim().to_lowercase();
        [
            key(&["account", &username, client]),
            key(&["address", client]),
        ]
    }

    /// Takes one try at `username` from `client`: `Err(wait)` while this address must
    /// wait (the guess is not to be checked). A try is counted as a wrong password
    /// before the password is checked, so a burst of guesses sent at once is slowed as
    /// one sent in turn; a right password takes its try back ([`Self::succeeded`]).
    pub fn attempt(
        &self,
        username: &str,
        client: &str,
        policy: LoginThrottlePolicy,
    ) -> Result<(), Duration> {
        let now = Instant::now();
        let keys = self.keys(username, client);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.not_before.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(wait);
        }
        if failures.len() > 100_000 {
            failures.retain(|_, f| now.duration_since(f.last) < policy.forget_after);
        }
        for (key, free) in keys
            .into_iter()
            .zip([policy.account_free, policy.address_free])
        {
            let slot = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                not_before: now,
            });
            if now.duration_since(slot.last) >= policy.forget_after {
                slot.count = 0;
            }
            slot.count += 1;
            slot.last = now;
            if slot.count > free {
                let doublings = (slot.count - free - 1).min(20);
                slot.not_before = now
                    + policy
                        .first_delay
                        .saturating_mul(1 << doublings)
                        .min(policy.max_delay);
            }
        }
        Ok(())
    }

    /// How long this address must now wait before another try at this account.
    pub fn wait(&self, username: &str, client: &str) -> Duration {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        self.keys(username, client)
            .iter()
            .filter_map(|k| failures.get(k))
            .map(|f| f.not_before.saturating_duration_since(now))
            .max()
            .unwrap_or_default()
    }

    /// A right password: its try was no failure. The address's failures at this
    /// account are forgotten; its count at all accounts loses this try.
    pub fn succeeded(&self, username: &str, client: &str, policy: LoginThrottlePolicy) {
        let now = Instant::now();
        let [account, address] = self.keys(username, client);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&account);
        if let Some(slot) = failures.get_mut(&address) {
            slot.count = slot.count.saturating_sub(1);
            if slot.count <= policy.address_free {
                slot.not_before = now;
            }
        }
    }
}

/// Fixed-window counters per (bucket, connection). Connections are keyed by a salted
/// hash of their address, so not even memory holds the addresses of anonymous reporters,
/// and the salt is new at every start.
pub struct RateLimiter {
    pub(super) salt: [u8; 16],
    pub(super) counters: Mutex<HashMap<(Limit, [u8; 16]), Window>>,
}

/// When a connection's window started and how many attempts it has used.
pub(super) type Window = (Instant, u32);

impl Default for RateLimiter {
    fn default() -> Self {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system provides random bytes");
        RateLimiter {
            salt,
            counters: Mutex::new(HashMap::new()),
        }
    }
}

impl RateLimiter {
    /// Counts one attempt; `Err(retry_after)` once the window's budget is spent.
    pub fn check(&self, bucket: Limit, client: &str, limit: WindowLimit) -> Result<(), Duration> {
        let mut hasher = Sha256::new();
        hasher.update(self.salt);
        hasher.update(client.as_bytes());
        let digest = hasher.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if counters.len() > 100_000 {
            counters.retain(|_, (start, _)| now.duration_since(*start) < limit.window);
        }
        let slot = counters.entry((bucket, key)).or_insert((now, 0));
        if now.duration_since(slot.0) >= limit.window {
            *slot = (now, 0);
        }
        if slot.1 >= limit.max {
            return Err(limit.window.saturating_sub(now.duration_since(slot.0)));
        }
        slot.1 += 1;
        Ok(())
    }
}
