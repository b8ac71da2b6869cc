//! Typed settings for `spcure check` (filled in by its issue).
