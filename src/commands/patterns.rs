//! Placeholder until the template miner lands (owned by the miner work).
use std::io::Write;

pub fn run(
    _args: &crate::cli::PatternsArgs,
    _json: bool,
    _out: &mut dyn Write,
) -> anyhow::Result<()> {
    anyhow::bail!("patterns is being built")
}
