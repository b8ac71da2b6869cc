//! Typed settings for `spcure simulate` (filled in by its issue).
