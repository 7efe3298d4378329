//! Ranking suspect commits from blame evidence. Pure: evidence in, ranked suspects out.
//!
//! A commit's score sums, over the frames it touches, the frame's depth weight (`1 / (1 +
//! depth / 4)`: the frame nearest the throw weighs most) times how it touched it (the frame's
//! own line: 1; only other lines of the enclosing function: 0.25), times its closeness to the
//! cluster's first-seen: the gap of the candidate nearest first-seen over this one's gap. The
//! error is new: had an older change on the stack caused it, it would have shown since that
//! change. How long a change waits before it fails is taken as log-uniform (as likely to be
//! minutes as days as months: the density of a gap is proportional to its inverse), so a change
//! made four times as long before first-seen as the newest candidate weighs a quarter, whether
//! the history moves in hours or in months.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::Suspect;
use crate::code::blame::CommitInfo;

/// How much touching only the enclosing function weighs against touching the frame's line.
const FUNCTION_WEIGHT: f64 = 0.25;

/// A line of a frame's file and the commit that last changed it.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The frame's depth: 0 nearest the throw.
    pub depth: usize,
    pub path: String,
    /// The line the commit changed.
    pub line: u32,
    /// The frame's own line.
    pub frame_line: u32,
    /// The enclosing symbol, when the index knows it.
    pub symbol: Option<String>,
    pub commit: CommitInfo,
}

/// The ranking, and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    pub suspects: Vec<Suspect>,
    /// Distinct commits blame named.
    pub candidates: usize,
    /// Of those, authored at or after first-seen.
    pub after_first_seen: usize,
    /// Of those, authored before the window.
    pub too_old: usize,
}

/// Gaps shorter than this count as this: commits minutes apart are equally close.
const MIN_GAP_SECONDS: i64 = 10 * 60;

/// The gap between a commit authored at `time` and `first_seen`, in seconds (at least
/// [`MIN_GAP_SECONDS`]).
fn gap(time: DateTime<Utc>, first_seen: DateTime<Utc>) -> f64 {
    (first_seen - time).num_seconds().max(MIN_GAP_SECONDS) as f64
}

fn ago(d: Duration) -> String {
    if d.num_days() >= 2 {
        format!("{} days", d.num_days())
    } else if d.num_hours() >= 2 {
        format!("{} hours", d.num_hours())
    } else {
        format!("{} minutes", d.num_minutes().max(1))
    }
}

/// Ranks the commits of `evidence` authored before `first_seen` and within `window` of it;
/// returns the best `top`.
pub fn rank(
    evidence: &[Evidence],
    first_seen: DateTime<Utc>,
    window: Duration,
    top: usize,
) -> Ranking {
    struct Acc<'a> {
        commit: &'a CommitInfo,
        /// Per depth: the frame's line was touched, and the lines touched.
        frames: BTreeMap<usize, (bool, Vec<&'a Evidence>)>,
    }
    // A frame that stands on the stack more than once (recursion) is one piece of evidence, at
    // the depth nearest the throw.
    let mut shallowest: BTreeMap<(&str, u32), usize> = BTreeMap::new();
    for e in evidence {
        let depth = shallowest
            .entry((e.path.as_str(), e.frame_line))
            .or_insert(e.depth);
        *depth = (*depth).min(e.depth);
    }
    let mut by_commit: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for e in evidence {
        if shallowest[&(e.path.as_str(), e.frame_line)] != e.depth {
            continue;
        }
        let acc = by_commit
            .entry(e.commit.id.as_str())
            .or_insert_with(|| Acc {
                commit: &e.commit,
                frames: BTreeMap::new(),
            });
        let frame = acc.frames.entry(e.depth).or_default();
        frame.0 |= e.line == e.frame_line;
        frame.1.push(e);
    }
    let mut ranking = Ranking {
        candidates: by_commit.len(),
        ..Ranking::default()
    };
    let in_window = |time: DateTime<Utc>| time < first_seen && time >= first_seen - window;
    let nearest = by_commit
        .values()
        .map(|a| a.commit.time)
        .filter(|&t| in_window(t))
        .map(|t| gap(t, first_seen))
        .fold(f64::INFINITY, f64::min);
    let mut suspects = Vec::new();
    for acc in by_commit.values() {
        let time = acc.commit.time;
        if time >= first_seen {
            ranking.after_first_seen += 1;
            continue;
        }
        if time < first_seen - window {
            ranking.too_old += 1;
            continue;
        }
        let close = nearest / gap(time, first_seen);
        let mut score = 0.0;
        let mut reasons = Vec::new();
        let mut touched = Vec::new();
        for (&depth, (exact, lines)) in &acc.frames {
            let weight = 1.0 / (1.0 + depth as f64 / 4.0);
            let first = lines[0];
            let inside = first
                .symbol
                .as_deref()
                .map_or_else(String::new, |s| format!(", in {s}"));
            if *exact {
                score += weight;
                reasons.push(format!(
                    "last changed {}:{}, the line of frame #{}{inside}",
                    first.path,
                    first.frame_line,
                    depth + 1
                ));
            } else {
                score += weight * FUNCTION_WEIGHT;
                let nums: Vec<String> = lines.iter().map(|e| e.line.to_string()).collect();
                let what = first
                    .symbol
                    .as_deref()
                    .map_or_else(|| "the code".to_string(), |s| format!("the function {s}"));
                reasons.push(format!(
                    "changed {what} around frame #{} ({} line{} {})",
                    depth + 1,
                    first.path,
                    if nums.len() == 1 { "" } else { "s" },
                    nums.join(", ")
                ));
            }
            touched.extend(lines.iter().map(|e| (e.path.as_str(), e.line)));
        }
        reasons.push(format!(
            "authored {} before the cluster was first seen",
            ago(first_seen - time)
        ));
        // By file, then line as a number (`:4` before `:10`).
        touched.sort_unstable();
        touched.dedup();
        suspects.push(Suspect {
            commit: acc.commit.id.clone(),
            score: (score * close * 1000.0).round() / 1000.0,
            author: acc.commit.author.clone(),
            email: acc.commit.email.clone(),
            date: time,
            summary: acc.commit.summary.clone(),
            touched_lines: touched
                .iter()
                .map(|(path, line)| format!("{path}:{line}"))
                .collect(),
            reasons,
        });
    }
    // Best score first; a tie goes to the newer commit, then to the id (stable output).
    suspects.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.date.cmp(&a.date))
            .then(a.commit.cmp(&b.commit))
    });
    suspects.truncate(top);
    ranking.suspects = suspects;
    ranking
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn commit(id: &str, time: DateTime<Utc>) -> CommitInfo {
        CommitInfo {
            id: id.into(),
            author: "Ada".into(),
            email: "ada@example.com".into(),
            time,
            summary: format!("commit {id}"),
        }
    }

    fn evidence(depth: usize, line: u32, frame_line: u32, c: &CommitInfo) -> Evidence {
        Evidence {
            depth,
            path: "app/db.py".into(),
            line,
            frame_line,
            symbol: Some("Repo.fetch".into()),
            commit: c.clone(),
        }
    }

    #[test]
    fn depth_closeness_and_the_window_decide() {
        let seen = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let recent = commit("a", seen - Duration::hours(2));
        let older = commit("b", seen - Duration::days(10));
        let after = commit("c", seen + Duration::hours(1));
        let ancient = commit("d", seen - Duration::days(200));
        let deep = commit("e", seen - Duration::hours(2));
        let evidence = [
            evidence(0, 31, 31, &recent),
            evidence(0, 29, 31, &older),
            evidence(0, 30, 31, &after),
            evidence(1, 12, 12, &ancient),
            evidence(2, 40, 40, &deep),
        ];
        let ranking = rank(&evidence, seen, Duration::days(90), 5);
        let order: Vec<&str> = ranking.suspects.iter().map(|s| s.commit.as_str()).collect();
        assert_eq!(order, ["a", "e", "b"]);
        assert_eq!(
            (
                ranking.candidates,
                ranking.after_first_seen,
                ranking.too_old
            ),
            (5, 1, 1)
        );
        let a = &ranking.suspects[0];
        assert!(a.reasons[0].contains("app/db.py:31, the line of frame #1, in Repo.fetch"));
        assert_eq!(a.touched_lines, ["app/db.py:31"]);
        assert!(ranking.suspects[2].reasons[0].contains("changed the function Repo.fetch"));
    }

    #[test]
    fn closeness_is_the_inverse_of_the_gap() {
        let seen = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let near = commit("near", seen - Duration::hours(2));
        let far = commit("far", seen - Duration::hours(8));
        let evidence = [evidence(1, 20, 20, &near), evidence(0, 31, 31, &far)];
        let ranking = rank(&evidence, seen, Duration::days(90), 5);
        let scores: Vec<(&str, f64)> = ranking
            .suspects
            .iter()
            .map(|s| (s.commit.as_str(), s.score))
            .collect();
        // Four times the gap: a quarter of the frame nearest the throw's weight of 1.
        assert_eq!(scores, [("near", 0.8), ("far", 0.25)]);
    }

    #[test]
    fn a_frame_repeated_by_recursion_counts_once() {
        let seen = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let c = commit("c", seen - Duration::hours(2));
        let evidence = [
            evidence(0, 31, 31, &c),
            evidence(1, 31, 31, &c),
            evidence(2, 31, 31, &c),
        ];
        let ranking = rank(&evidence, seen, Duration::days(90), 5);
        assert!(
            (ranking.suspects[0].score - 1.0).abs() < 1e-9,
            "counted once"
        );
        assert_eq!(
            ranking.suspects[0].reasons.len(),
            2,
            "one frame, and the age"
        );
    }
}
