//! The `luffy` binary: parse the command line, run, map the result to an exit code.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;

/// luffy allocates many small strings per error event; mimalloc makes that ~10% cheaper than the
/// system allocator (bench_ingest). With the `override` feature it is also the C libraries'
/// malloc (tree-sitter, SQLite, libgit2): a full index takes about 9% less CPU (bench_index).
/// With `no_thp` it asks for no transparent huge pages: where the kernel grants them on request
/// (`madvise`, the common default), every page mimalloc returned and touched again came back
/// as 2 MiB zeroed, which was half of `luffy serve`'s CPU under load (bench_serve: 14-16% of
/// a core -> 8%, the slowest request 50-280 ms -> 8 ms) and a tenth of `run-due`'s; a fetch's
/// peak memory is 46 MB instead of 71.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use luffy::cli::Cli;
use luffy::error::{exit_code, is_broken_pipe};
use luffy::ui::to_stderr;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if err.use_stderr() => {
            let rendered = err.render().to_string();
            let message = rendered.strip_prefix("error: ").unwrap_or(&rendered);
            to_stderr(&format!("luffy: error: {}", message.trim_end()));
            return ExitCode::from(2);
        }
        Err(err) => {
            // --help and --version
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = luffy::run(&cli, &mut out).and_then(|()| out.flush().map_err(Into::into));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = out.flush();
            to_stderr(&format!("luffy: error: {err:#}"));
            ExitCode::from(exit_code(&err))
        }
    }
}
