//! Moment-matched simulation (filled in by its issue).
