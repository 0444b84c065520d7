//! [`ContextTimer`]: wall-clock timing of code snippets, Python pottery's
//! `ContextTimer`.

use std::fmt;
use std::time::{Duration, Instant};

/// Measures the wall-clock (not CPU) time of a stretch of code.
///
/// Start it, read [`elapsed`](Self::elapsed) while it runs, stop it, and read the
/// frozen figure after. Or use a [`scope`](Self::scope): it starts the timer and
/// stops it when dropped, like Python's `with ContextTimer() as timer:`. Using it
/// out of order (reading before starting, starting twice, stopping twice) is a
/// [`TimerError`], never a panic.
///
/// # Example
///
/// ```
/// use pottery::ContextTimer;
/// use std::time::Duration;
///
/// let mut timer = ContextTimer::new();
/// {
///     let _scope = timer.scope()?;
///     std::thread::sleep(Duration::from_millis(20));
/// } // stopped here
/// assert!(timer.elapsed()? >= Duration::from_millis(20));
/// assert!(timer.elapsed_ms()? >= 20);
/// assert!(timer.start().is_err()); // a stopped timer does not restart
/// # Ok::<(), pottery::TimerError>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ContextTimer {
    started: Option<Instant>,
    stopped: Option<Instant>,
}

/// What went wrong using a [`ContextTimer`] out of order.
///
/// ```
/// let timer = pottery::ContextTimer::new();
/// assert_eq!(timer.elapsed().unwrap_err(), pottery::TimerError::NotStarted);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimerError {
    /// The timer has not been started (Python: "timer hasn't yet been started").
    NotStarted,
    /// The timer was started already.
    AlreadyStarted,
    /// The timer was stopped already; a timer runs once.
    AlreadyStopped,
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimerError::NotStarted => "timer hasn't yet been started",
            TimerError::AlreadyStarted => "timer has already been started",
            TimerError::AlreadyStopped => "timer has already been stopped",
        })
    }
}

impl std::error::Error for TimerError {}

impl ContextTimer {
    /// A timer that has not started.
    ///
    /// ```
    /// let timer = pottery::ContextTimer::new();
    /// assert!(!timer.is_running());
    /// ```
    pub fn new() -> Self {
        ContextTimer::default()
    }

    /// A timer started now.
    ///
    /// ```
    /// let timer = pottery::ContextTimer::started();
    /// assert!(timer.is_running());
    /// ```
    pub fn started() -> Self {
        ContextTimer {
            started: Some(Instant::now()),
            stopped: None,
        }
    }

    /// Starts the timer; an error if it was started (or stopped) before.
    ///
    /// ```
    /// let mut timer = pottery::ContextTimer::new();
    /// timer.start()?;
    /// assert_eq!(timer.start(), Err(pottery::TimerError::AlreadyStarted));
    /// # Ok::<(), pottery::TimerError>(())
    /// ```
    pub fn start(&mut self) -> Result<(), TimerError> {
        match (self.started, self.stopped) {
            (_, Some(_)) => Err(TimerError::AlreadyStopped),
            (Some(_), None) => Err(TimerError::AlreadyStarted),
            (None, None) => {
                self.started = Some(Instant::now());
                Ok(())
            }
        }
    }

    /// Stops the timer, freezing [`elapsed`](Self::elapsed); an error if it is
    /// not running.
    ///
    /// ```
    /// let mut timer = pottery::ContextTimer::started();
    /// timer.stop()?;
    /// assert_eq!(timer.stop(), Err(pottery::TimerError::AlreadyStopped));
    /// # Ok::<(), pottery::TimerError>(())
    /// ```
    pub fn stop(&mut self) -> Result<(), TimerError> {
        match (self.started, self.stopped) {
            (_, Some(_)) => Err(TimerError::AlreadyStopped),
            (None, None) => Err(TimerError::NotStarted),
            (Some(_), None) => {
                self.stopped = Some(Instant::now());
                Ok(())
            }
        }
    }

    /// Starts the timer and returns a guard that stops it when dropped.
    ///
    /// ```
    /// let mut timer = pottery::ContextTimer::new();
    /// drop(timer.scope()?);
    /// assert!(!timer.is_running());
    /// # Ok::<(), pottery::TimerError>(())
    /// ```
    pub fn scope(&mut self) -> Result<TimerScope<'_>, TimerError> {
        self.start()?;
        Ok(TimerScope { timer: self })
    }

    /// Whether the timer has started and not stopped.
    ///
    /// ```
    /// assert!(!pottery::ContextTimer::new().is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.started.is_some() && self.stopped.is_none()
    }

    /// The time from start to now (running) or to the stop (stopped).
    ///
    /// ```
    /// let timer = pottery::ContextTimer::started();
    /// assert!(timer.elapsed()? < std::time::Duration::from_secs(1));
    /// # Ok::<(), pottery::TimerError>(())
    /// ```
    pub fn elapsed(&self) -> Result<Duration, TimerError> {
        let started = self.started.ok_or(TimerError::NotStarted)?;
        let until = self.stopped.unwrap_or_else(Instant::now);
        Ok(until.saturating_duration_since(started))
    }

    /// [`elapsed`](Self::elapsed) in whole milliseconds, as Python's
    /// `timer.elapsed()` returns it.
    ///
    /// ```
    /// let timer = pottery::ContextTimer::started();
    /// assert!(timer.elapsed_ms()? < 1000);
    /// # Ok::<(), pottery::TimerError>(())
    /// ```
    pub fn elapsed_ms(&self) -> Result<u64, TimerError> {
        Ok(u64::try_from(self.elapsed()?.as_millis()).unwrap_or(u64::MAX))
    }
}

/// A running [`ContextTimer`] that stops when dropped; see [`ContextTimer::scope`].
///
/// ```
/// let mut timer = pottery::ContextTimer::new();
/// let scope = timer.scope()?;
/// assert!(scope.elapsed() < std::time::Duration::from_secs(1));
/// drop(scope);
/// # Ok::<(), pottery::TimerError>(())
/// ```
#[derive(Debug)]
pub struct TimerScope<'a> {
    timer: &'a mut ContextTimer,
}

impl TimerScope<'_> {
    /// The time since the scope started.
    ///
    /// ```
    /// let mut timer = pottery::ContextTimer::new();
    /// let scope = timer.scope()?;
    /// let _ = scope.elapsed();
    /// # Ok::<(), pottery::TimerError>(())
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.timer.elapsed().unwrap_or_default()
    }
}

impl Drop for TimerScope<'_> {
    fn drop(&mut self) {
        // The scope started the timer, so it is running: stopping cannot fail.
        let _ = self.timer.stop();
    }
}
