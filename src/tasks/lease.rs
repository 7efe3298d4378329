//! Who holds a lease: this process, named by host, pid and start time, so that a lease left by a
//! killed process on this machine is taken over at once and one left elsewhere expires.

use std::sync::OnceLock;

/// This process's lease holder name: `host:pid:nanos`.
pub fn holder() -> &'static str {
    static HOLDER: OnceLock<String> = OnceLock::new();
    HOLDER.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{}:{}:{nanos}", host(), std::process::id())
    })
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".into(), |h| h.trim().to_string())
}

/// Whether `other` names a process of this machine that has exited.
pub fn is_dead(other: &str) -> bool {
    let mut parts = other.split(':');
    let (Some(host_name), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    host_name == host()
        && pid.parse::<u32>().is_ok_and(|pid| {
            pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_process_is_not_dead() {
        assert!(!is_dead(holder()));
        assert!(!is_dead("elsewhere:1:0"));
        assert!(is_dead(&format!("{}:{}:0", host(), u32::MAX - 1)));
    }
}
