//! `spcure check`: compare results against expected values (filled in by its issue).
