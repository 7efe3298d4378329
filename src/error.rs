//! Error kinds that decide luffy's exit code: bad input (2) versus a failed task (1).

use std::fmt;

/// Bad usage or bad input: the message names what is wrong and luffy exits with code 2.
///
/// Wrap it in an `anyhow::Error` (see [`bad_input`]); `main` looks for it anywhere in the chain.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Builds an `anyhow::Error` that makes luffy exit with code 2.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// The exit code for an error: 2 when any error in its chain is [`BadInput`], else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if error.chain().any(<dyn std::error::Error>::is::<BadInput>) {
        2
    } else {
        1
    }
}

/// True when the error is a closed pipe on output (`luffy ... | head`), which is not a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_anywhere_in_the_chain_gives_two() {
        let err = bad_input("interval 0").context("could not set service");
        assert_eq!(exit_code(&err), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("boom")), 1);
    }
}
