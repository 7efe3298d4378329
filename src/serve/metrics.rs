//! `GET /metrics` in the Prometheus text format.

use super::{Handler, Reply, Req};

/// The metrics page; `None` for a method other than GET or HEAD.
pub fn route(_handler: &Handler, req: &Req) -> Option<Reply> {
    if !req.is_read() {
        return None;
    }
    None
}
