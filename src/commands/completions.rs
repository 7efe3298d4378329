//! `luffy completions bash|zsh|fish`: shell completion scripts generated from the CLI definition.

use std::io::Write;

use anyhow::Result;
use clap_complete::{generate, shells};

use crate::cli::{command, Shell};

/// Writes the completion script for `shell`.
pub fn run(shell: Shell, out: &mut dyn Write) -> Result<()> {
    let mut cmd = command();
    let mut buffer = Vec::new();
    match shell {
        Shell::Bash => generate(shells::Bash, &mut cmd, "luffy", &mut buffer),
        Shell::Zsh => generate(shells::Zsh, &mut cmd, "luffy", &mut buffer),
        Shell::Fish => generate(shells::Fish, &mut cmd, "luffy", &mut buffer),
    }
    out.write_all(&buffer)?;
    Ok(())
}

/// The file under `completions/` that holds the committed script for `shell`.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "luffy.bash",
        Shell::Zsh => "_luffy",
        Shell::Fish => "luffy.fish",
    }
}
