//! Ranking suspect commits from blame evidence. Pure: evidence in, ranked suspects out.
//!
//! A commit's score sums, over the frames it touches, the frame's depth weight (`1 / (1 +
//! depth / 4)`: the frame nearest the throw weighs most) times how it touched it (the frame's
//! own line: 1; only other lines of the enclosing function: 0.25 times the share of the
//! function's blamed lines it last changed, so that one line of a hundred says little), times
//! its closeness to the cluster's first-seen: the gap of the candidate nearest first-seen over
//! this one's gap, both measured from when the commit reached the branch (a commit of a merged
//! branch runs from the merge on, not from when it was written). The
//! error is new: had an older change on the stack caused it, it would have shown since that
//! change. How long a change waits before it fails is taken as log-uniform (as likely to be
//! minutes as days as months: the density of a gap is proportional to its inverse), so a change
//! made four times as long before first-seen as the newest candidate weighs a quarter, whether
//! the history moves in hours or in months.
//!
//! Last, the score is divided by the square root of the lines of code the commit added, against
//! the smallest candidate's. A frame lands on a commit's lines by chance in proportion to how
//! many lines it wrote, so a line blamed on a change of thousands of lines says less than one
//! blamed on a change of ten; but larger changes do hold more bugs, only fewer per line (defects
//! grow slower than size), and the square root stands between the two.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use super::Suspect;
use crate::code::blame::CommitInfo;

/// How much changing all of the enclosing function but the frame's line weighs against
/// touching the frame's line.
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
    /// Whether `line` is the frame's own line (as it ran: a line that only maps to the same
    /// number at the indexed commit is not).
    pub exact: bool,
    /// The enclosing symbol, when the index knows it.
    pub symbol: Option<String>,
    pub commit: CommitInfo,
}

/// What the checkout says of a candidate commit beyond blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitFacts {
    /// Lines of code it added.
    pub added: u32,
    /// When it reached the branch (and could run): its own commit time on the first-parent
    /// line, or the merge's that brought it in; or when a deploy that held it went out.
    pub landed: DateTime<Utc>,
    /// Whether `landed` is a deploy's time.
    pub deployed: bool,
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

/// A span in the largest unit that gives at least two, rounded to the nearest (2 h 56 min is
/// 3 hours, not 2).
pub fn ago(d: Duration) -> String {
    let minutes = d.num_minutes().max(1);
    let (hours, days) = ((minutes + 30) / 60, (minutes + 720) / 1440);
    if days >= 2 {
        format!("{days} days")
    } else if hours >= 2 {
        format!("{hours} hours")
    } else if minutes == 1 {
        "1 minute".to_string()
    } else {
        format!("{minutes} minutes")
    }
}

/// Ranks the commits of `evidence` authored before `first_seen` and within `window` of it;
/// returns the best `top`. `facts` holds what the checkout says of each commit, by id; a
/// commit without them is taken as landed when it was authored, and weighed as the smallest.
pub fn rank(
    evidence: &[Evidence],
    facts: &BTreeMap<String, CommitFacts>,
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
    // Lines blamed around each frame, by depth.
    let mut blamed: BTreeMap<usize, usize> = BTreeMap::new();
    for e in evidence {
        if shallowest[&(e.path.as_str(), e.frame_line)] != e.depth {
            continue;
        }
        *blamed.entry(e.depth).or_default() += 1;
        let acc = by_commit
            .entry(e.commit.id.as_str())
            .or_insert_with(|| Acc {
                commit: &e.commit,
                frames: BTreeMap::new(),
            });
        let frame = acc.frames.entry(e.depth).or_default();
        frame.0 |= e.exact;
        frame.1.push(e);
    }
    let mut ranking = Ranking {
        candidates: by_commit.len(),
        ..Ranking::default()
    };
    let in_window = |time: DateTime<Utc>| time < first_seen && time >= first_seen - window;
    let landed = |a: &Acc<'_>| facts.get(&a.commit.id).map_or(a.commit.time, |f| f.landed);
    let size = |a: &Acc<'_>| facts.get(&a.commit.id).map(|f| f64::from(f.added.max(1)));
    let nearest = by_commit
        .values()
        .map(landed)
        .filter(|&t| in_window(t))
        .map(|t| gap(t, first_seen))
        .fold(f64::INFINITY, f64::min);
    let smallest = by_commit
        .values()
        .filter(|a| in_window(landed(a)))
        .filter_map(size)
        .fold(f64::INFINITY, f64::min);
    let mut suspects = Vec::new();
    for acc in by_commit.values() {
        let time = landed(acc);
        if time >= first_seen {
            ranking.after_first_seen += 1;
            continue;
        }
        if time < first_seen - window {
            ranking.too_old += 1;
            continue;
        }
        let close = nearest / gap(time, first_seen);
        let specific = size(acc).map_or(1.0, |n| (smallest / n).sqrt());
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
                let share = lines.len() as f64 / blamed[&depth].max(1) as f64;
                score += weight * FUNCTION_WEIGHT * share;
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
        let authored = acc.commit.time;
        let deployed = facts.get(&acc.commit.id).is_some_and(|f| f.deployed);
        let mut when = if time - authored > Duration::minutes(1) {
            format!(
                "{} {} before the cluster was first seen (authored {} before)",
                if deployed {
                    "deployed"
                } else {
                    "on the branch"
                },
                ago(first_seen - time),
                ago(first_seen - authored)
            )
        } else {
            format!(
                "authored {} before the cluster was first seen",
                ago(first_seen - authored)
            )
        };
        if let Some(f) = facts.get(&acc.commit.id) {
            let s = if f.added == 1 { "" } else { "s" };
            let _ = write!(when, ", adding {} line{s} of code", f.added);
        }
        reasons.push(when);
        // By file, then line as a number (`:4` before `:10`).
        touched.sort_unstable();
        touched.dedup();
        suspects.push(Suspect {
            commit: acc.commit.id.clone(),
            score: (score * close * specific * 1000.0).round() / 1000.0,
            author: acc.commit.author.clone(),
            email: acc.commit.email.clone(),
            date: acc.commit.time,
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

    #[test]
    fn spans_are_rounded_to_the_nearest_unit() {
        let ago = |minutes| super::ago(Duration::minutes(minutes));
        assert_eq!(ago(176), "3 hours");
        assert_eq!(ago(150), "3 hours");
        assert_eq!(ago(149), "2 hours");
        assert_eq!(ago(119), "2 hours");
        assert_eq!(ago(89), "89 minutes");
        assert_eq!(ago(0), "1 minute");
        assert_eq!(ago(47 * 60 + 50), "2 days");
        assert_eq!(ago(8 * 1440 + 700), "8 days");
    }

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
            exact: line == frame_line,
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
        let ranking = rank(&evidence, &BTreeMap::new(), seen, Duration::days(90), 5);
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
        let ranking = rank(&evidence, &BTreeMap::new(), seen, Duration::days(90), 5);
        let scores: Vec<(&str, f64)> = ranking
            .suspects
            .iter()
            .map(|s| (s.commit.as_str(), s.score))
            .collect();
        // Four times the gap: a quarter of the frame nearest the throw's weight of 1.
        assert_eq!(scores, [("near", 0.8), ("far", 0.25)]);
    }

    #[test]
    fn a_large_change_is_weaker_evidence_than_a_small_one() {
        let seen = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let small = commit("small", seen - Duration::hours(2));
        let large = commit("large", seen - Duration::hours(2));
        // The large change is on the frame nearest the throw, the small one a frame below.
        let evidence = [evidence(0, 31, 31, &large), evidence(1, 20, 20, &small)];
        let facts = |added| CommitFacts {
            deployed: false,
            added,
            landed: seen - Duration::hours(2),
        };
        let known = BTreeMap::from([
            ("small".to_string(), facts(40)),
            ("large".to_string(), facts(2560)),
        ]);
        let ranking = rank(&evidence, &known, seen, Duration::days(90), 5);
        let scores: Vec<(&str, f64)> = ranking
            .suspects
            .iter()
            .map(|s| (s.commit.as_str(), s.score))
            .collect();
        // 64 times the lines: an eighth of the weight.
        assert_eq!(scores, [("small", 0.8), ("large", 0.125)]);
        assert!(ranking.suspects[1].reasons[1].ends_with("adding 2560 lines of code"));
        // Without sizes, depth decides.
        let ranking = rank(&evidence, &BTreeMap::new(), seen, Duration::days(90), 5);
        assert_eq!(ranking.suspects[0].commit, "large");
    }

    #[test]
    fn a_change_around_the_frame_weighs_by_its_share_of_the_function() {
        let seen = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let wrote = commit("wrote", seen - Duration::hours(2));
        let most = commit("most", seen - Duration::hours(2));
        let one = commit("one", seen - Duration::hours(2));
        // Ten lines blamed around the frame's line 31: its own, six of `most`, three of `one`.
        let mut blamed = vec![evidence(0, 31, 31, &wrote)];
        blamed.extend((21..27).map(|l| evidence(0, l, 31, &most)));
        blamed.extend((27..30).map(|l| evidence(0, l, 31, &one)));
        let ranking = rank(&blamed, &BTreeMap::new(), seen, Duration::days(90), 5);
        let scores: Vec<(&str, f64)> = ranking
            .suspects
            .iter()
            .map(|s| (s.commit.as_str(), s.score))
            .collect();
        // A quarter, times six or three tenths.
        assert_eq!(scores, [("wrote", 1.0), ("most", 0.15), ("one", 0.075)]);
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
        let ranking = rank(&evidence, &BTreeMap::new(), seen, Duration::days(90), 5);
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
