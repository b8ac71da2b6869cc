//! Error kinds shared by the library, and the mapping from an error chain to an exit code.
//!
//! Input problems (files, spec, flags) exit with 2; analysis failures exit with 1.

use thiserror::Error;

/// A problem with how spcure was called that clap cannot catch (for example a
/// contradiction between two flags, or an output directory that must not be touched).
#[derive(Debug, Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Exit code for an error chain: 2 when any cause is a bad-input or usage error, else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    let bad_input = err.chain().any(|cause| {
        cause.is::<UsageError>()
            || cause.is::<crate::load::LoadError>()
            || cause.is::<crate::spec::SpecError>()
            || cause.is::<std::io::Error>()
            || cause
                .downcast_ref::<crate::check::CheckError>()
                .is_some_and(crate::check::CheckError::is_bad_input)
    });
    if bad_input {
        2
    } else {
        1
    }
}
