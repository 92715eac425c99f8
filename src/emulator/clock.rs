//! The emulator's clock: system time plus an offset, optionally frozen, so
//! tests can expire a challenge without waiting ten minutes.

use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// A clock that can be advanced and frozen.
#[derive(Debug, Default)]
pub struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Default, Clone, Copy)]
struct ClockState {
    offset: Duration,
    frozen_at: Option<OffsetDateTime>,
}

impl Clock {
    /// Returns the emulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        let state = self.read();
        state
            .frozen_at
            .unwrap_or_else(|| OffsetDateTime::now_utc() + state.offset)
    }

    /// Moves the clock forward by `by`; a frozen clock stays frozen at the new
    /// time. Fails, leaving the clock as it was, when the new time would be
    /// past the largest date `time` can represent.
    pub fn advance(&self, by: Duration) -> Result<(), ClockRangeError> {
        let mut state = self.write();
        let offset = state.offset.checked_add(by).ok_or(ClockRangeError)?;
        let frozen_at = match state.frozen_at {
            Some(frozen) => Some(frozen.checked_add(by).ok_or(ClockRangeError)?),
            None => {
                OffsetDateTime::now_utc()
                    .checked_add(offset)
                    .ok_or(ClockRangeError)?;
                None
            }
        };
        state.offset = offset;
        state.frozen_at = frozen_at;
        Ok(())
    }

    /// Returns how far the clock is ahead of system time, rounded to whole
    /// seconds. A frozen clock falls further behind each second.
    pub fn offset_seconds(&self) -> i64 {
        let millis = (self.now() - OffsetDateTime::now_utc()).whole_milliseconds();
        i64::try_from((millis + 500).div_euclid(1000)).unwrap_or(i64::MAX)
    }

    /// Stops the clock at its current time.
    pub fn freeze(&self) {
        let now = self.now();
        self.write().frozen_at = Some(now);
    }

    /// Returns to system time.
    pub fn reset(&self) {
        *self.write() = ClockState::default();
    }

    /// Returns whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        self.read().frozen_at.is_some()
    }

    fn read(&self) -> ClockState {
        *self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The clock could not be moved that far.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the emulator's clock cannot go past the year 9999")]
pub struct ClockRangeError;

/// Formats a time as the API does: ISO 8601 UTC with milliseconds.
pub fn format_timestamp(time: OffsetDateTime) -> String {
    let utc = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
    )
}

/// Parses an RFC 3339 timestamp such as `2026-01-15T12:00:00.000Z`.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_frozen_clock() {
        let clock = Clock::default();
        clock.freeze();
        let before = clock.now();
        assert!(clock.advance(Duration::minutes(11)).is_ok());
        assert_eq!(clock.now() - before, Duration::minutes(11));
        assert_eq!(clock.offset_seconds(), 660);
    }

    #[test]
    fn advance_past_year_9999_fails() {
        let clock = Clock::default();
        assert!(clock.advance(Duration::days(3_000_000)).is_err());
        assert!(clock.offset_seconds().abs() < 2, "the clock did not move");
    }

    #[test]
    fn timestamp_has_milliseconds() {
        let time = OffsetDateTime::from_unix_timestamp(1_768_478_400)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(format_timestamp(time), "2026-01-15T12:00:00.000Z");
        assert_eq!(parse_timestamp("2026-01-15T12:00:00.000Z"), Some(time));
    }
}
