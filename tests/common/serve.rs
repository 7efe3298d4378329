//! `luffy serve` as a test's real HTTP server: started on 127.0.0.1 with port 0, its address read
//! from the line it prints, stopped (SIGTERM) when dropped.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};

/// A running `luffy serve`.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Served {
    /// Starts `luffy serve --listen 127.0.0.1:0` for `luffy`'s database, with `env` added.
    pub fn start(luffy: &super::Luffy, env: &[(&str, &str)]) -> Served {
        let mut cmd = luffy.command(&["serve", "--listen", "127.0.0.1:0"]);
        for (name, value) in env {
            cmd.env(name, value);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn luffy serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the serve line");
        let base = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("luffy serve did not say where it listens: {line:?}"))
            .to_string();
        Served { child, base }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server with SIGTERM and waits for it; returns whether it exited cleanly.
    pub fn stop(mut self) -> bool {
        terminate(&mut self.child)
    }
}

fn terminate(child: &mut Child) -> bool {
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    child.wait().is_ok_and(|s| s.success())
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            terminate(&mut self.child);
        }
    }
}
