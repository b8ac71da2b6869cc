//! Typed settings for `spcure power` (filled in by its issue).
