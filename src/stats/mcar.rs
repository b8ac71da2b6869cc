//! Little's (1988) MCAR test (filled in by its issue).
