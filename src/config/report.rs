//! Typed settings for `spcure report` (filled in by its issue).
