//! The committed completion scripts must match what `luffy completions` generates.

use std::path::Path;
use std::process::Command;

#[test]
fn committed_completions_are_current() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/completions"));
    for (shell, file) in [
        ("bash", "luffy.bash"),
        ("zsh", "_luffy"),
        ("fish", "luffy.fish"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_luffy"))
            .args(["completions", shell])
            .output()
            .expect("run luffy");
        assert!(output.status.success());
        let generated = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(
            generated.contains("service"),
            "{shell} script lacks subcommands"
        );
        let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            committed == generated,
            "completions/{file} is stale; regenerate it with: \
             cargo run -- completions {shell} > completions/{file}"
        );
    }
}
