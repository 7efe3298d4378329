//! Root-cause reports against real repositories made with git in the test, with a known
//! history: which commit introduced the failing line, a formatting commit that
//! `.git-blame-ignore-revs` names, a commit after the cluster was first seen.

mod common;

use common::{json, suspects};

use common::git::{fetched_service, indexed_service, Repo};
use common::Luffy;
use serde_json::Value;

/// The code before the bug: a lookup that cannot fail. `fetch` is lines 8-10.
const DB_V0: &str = "\
class Repo:
    def __init__(self):
        self.rows = {}

    def count(self):
        return len(self.rows)

    def fetch(self, item_id):
        '''One row.'''
        return self.rows.get(item_id)
";

const API_PY: &str = "\
from app.db import Repo

repo = Repo()

def handler(item_id):
    return repo.fetch(item_id)
";

/// A Python traceback logged at `time` (`2024-01-05 12:00:00`): db.py's fetch at line 10,
/// through a plugin that is not in the repository, from api.py's handler.
fn trace(time: &str, item: &str) -> String {
    format!(
        "{time},000 ERROR [worker-1] app.api: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/srv/app/app/api.py\", line 6, in handler\n    \
         return repo.fetch(item_id)\n  \
         File \"/srv/app/plugins/legacy.py\", line 3, in wrap\n    \
         return fn()\n  \
         File \"/srv/app/app/db.py\", line 10, in fetch\n    \
         return self.rows[item_id]\n\
         KeyError: '{item}'\n"
    )
}

struct History {
    repo: Repo,
    introducing: String,
    formatting: String,
    after: String,
}

/// The history: the app (Jan 1), an unrelated change (Jan 2), the bug (Jan 3), a formatting
/// sweep over it (Jan 4), the ignore file naming the sweep (Jan 5), a change to the failing
/// function after the cluster was first seen (Jan 6). Each commit at 10:00 UTC.
fn history(path: &std::path::Path) -> History {
    let mut repo = Repo::init(path);
    repo.write("app/db.py", DB_V0);
    repo.write("app/api.py", API_PY);
    repo.commit("app: items API");
    repo.write(
        "app/db.py",
        DB_V0.replace("len(self.rows)", "len(self.rows) + 0"),
    );
    repo.commit("count: say it is a number");
    let v2 = DB_V0
        .replace("len(self.rows)", "len(self.rows) + 0")
        .replace("self.rows.get(item_id)", "self.rows[ item_id ]");
    repo.write("app/db.py", &v2);
    let introducing = repo.commit("repo: fail loudly on missing rows");
    let v3 = v2
        .replace("self.rows[ item_id ]", "self.rows[item_id]")
        .replace("'''One row.'''", "\"\"\"One row.\"\"\"");
    repo.write("app/db.py", &v3);
    let formatting = repo.commit("style: run the formatter");
    repo.write(
        ".git-blame-ignore-revs",
        format!("# the formatter\n{formatting}\n"),
    );
    repo.commit("blame: ignore the formatting sweep");
    repo.write(
        "app/db.py",
        v3.replace("\"\"\"One row.\"\"\"", "\"\"\"One row by id.\"\"\""),
    );
    let after = repo.commit("docs: fetch's docstring");
    History {
        repo,
        introducing,
        formatting,
        after,
    }
}

/// The report of cluster 1 once `log` is fetched, `repo` indexed and rca run, as JSON.
fn report_of(luffy: &Luffy, repo: &Repo, log: &str) -> Value {
    indexed_service(luffy, repo, log);
    luffy.ok(&["trigger", "rca", "app"]);
    json(&luffy.ok(&["rca", "show", "1", "--json"]))
}

fn reports_stored(luffy: &Luffy) -> i64 {
    luffy
        .read_db()
        .query_row("SELECT count(*) FROM rca_reports", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_introducing_commit_ranks_first_past_formatting_and_later_commits() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    let log = trace("2024-01-05 12:00:00", "a") + &trace("2024-01-05 12:10:00", "b");
    indexed_service(&luffy, &h.repo, &log);

    let run = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(run["status"], "ok", "{run}");
    let counts = &run["counts"];
    assert_eq!(
        (&counts["reports"], &counts["new"], &counts["with_suspects"]),
        (&Value::from(1), &Value::from(1), &Value::from(1)),
        "{counts}"
    );
    assert_eq!(counts["commit"], h.repo.head().as_str());

    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(report["cluster_id"], 1);
    assert_eq!(report["commit"], h.repo.head().as_str());
    let ranked = suspects(&report);
    assert_eq!(ranked[0], h.introducing, "{report:#}");
    assert!(!ranked.contains(&h.formatting), "{ranked:?}");
    assert!(!ranked.contains(&h.after), "{ranked:?}");
    let top = &report["suspects"][0];
    assert_eq!(top["summary"], "repo: fail loudly on missing rows");
    assert_eq!(top["author"], "Ada");
    assert_eq!(top["date"], "2024-01-03T10:00:00Z");
    assert_eq!(top["touched_lines"], serde_json::json!(["app/db.py:10"]));
    assert!(top["reasons"][0]
        .as_str()
        .unwrap()
        .contains("app/db.py:10, the line of frame #1, in Repo.fetch"));

    // frames: nearest the throw first; the plugin is not in the repository
    let frames = report["frames"].as_array().unwrap();
    let summary: Vec<(&str, bool, &str)> = frames
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["mapped"].as_bool().unwrap(),
                f["repo_path"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("/srv/app/app/db.py", true, "app/db.py"),
            ("/srv/app/plugins/legacy.py", false, "-"),
            ("/srv/app/app/api.py", true, "app/api.py"),
        ]
    );
    assert_eq!(frames[0]["symbol"], "Repo.fetch");
    assert_eq!(
        frames[0]["code"][3]["text"],
        "        return self.rows[item_id]"
    );
    assert_eq!(
        frames[1]["unmapped_reason"],
        "no file of the repository matches /srv/app/plugins/legacy.py"
    );

    // what: counts, first seen, sources
    assert_eq!(report["what"]["count"], 2);
    assert_eq!(report["what"]["first_seen"], "2024-01-05T12:00:00Z");
    assert_eq!(
        report["what"]["exception_chain"][0]["exception_type"],
        "KeyError"
    );
    assert_eq!(report["what"]["sources"][0]["source"], "log");
    assert_eq!(
        report["narrative_error"], "no [llm] is configured",
        "without [llm] the report says why it has no narrative"
    );

    let md = luffy.ok(&["rca", "show", "1"]);
    assert!(md.contains("## Suspect commits"), "{md}");
    assert!(
        md.contains(&format!(
            "1. **{}** repo: fail loudly on missing rows",
            &h.introducing[..12]
        )),
        "{md}"
    );
    assert!(
        md.contains("not mapped (no file of the repository matches"),
        "{md}"
    );
    assert_eq!(luffy.ok(&["rca", "show", "1", "--markdown"]), md);

    // the service's last_rca_generation is set, and the run is in the history
    let status = json(&luffy.ok(&["status", "app", "--json"]));
    let status = if status.is_array() {
        status[0].clone()
    } else {
        status
    };
    assert_eq!(status["last_rca_generation"], common::NOW);
    let history = json(&luffy.ok(&["history", "app", "--json"]));
    assert_eq!(history[0]["task"], "rca");
    assert_eq!(history[0]["counts"]["reports"], 1);
    // The table tells each task's run in its own terms.
    let table = luffy.ok(&["history", "app"]);
    let rca = table.lines().find(|l| l.contains(" rca ")).unwrap();
    assert!(
        rca.contains("1 reports of 1 clusters, 1 with suspects"),
        "{table}"
    );
    let index = table.lines().find(|l| l.contains(" index ")).unwrap();
    assert!(index.contains("files parsed"), "{table}");
    let fetch = table.lines().find(|l| l.contains(" fetch ")).unwrap();
    assert!(fetch.contains("new clusters"), "{table}");
}

#[test]
fn a_cluster_gets_a_new_generation_only_when_it_grew() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    luffy.ok(&["trigger", "rca", "app"]);
    let again = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(again["counts"]["reports"], 0);
    assert_eq!(again["counts"]["unchanged"], 1);

    let log = luffy.path("app.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&trace("2024-01-05 12:30:00", "c"));
    text.push_str("2024-01-05 12:31:00,000 INFO [main] app: still alive\n");
    std::fs::write(&log, text).unwrap();
    luffy.ok(&["trigger", "fetch", "app"]);
    let grown = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(
        (&grown["counts"]["reports"], &grown["counts"]["grown"]),
        (&Value::from(1), &Value::from(1)),
        "{grown}"
    );
    let all = json(&luffy.ok(&["rca", "show", "1", "--all", "--json"]));
    let generations: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["generation"].as_u64().unwrap())
        .collect();
    assert_eq!(generations, [2, 1]);
    assert_eq!(all[0]["what"]["count"], 2);
    let table = luffy.ok(&["rca", "show", "1", "--all"]);
    assert!(table.contains("GENERATION"), "{table}");
    assert!(table.contains(&h.introducing[..12]), "{table}");
}

#[test]
fn without_suspects_the_report_says_why() {
    // no index
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    fetched_service(
        &luffy,
        &h.repo,
        &(trace("2024-01-05 12:00:00", "a")
            + "2024-01-05 12:01:00,000 ERROR [w] app.db: connection to 10.0.0.1 refused\n"),
    );
    let run = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(run["counts"]["reports"], 2, "{run}");
    let exception = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(
        exception["no_suspects"],
        "app has no code index; build it with `luffy trigger index app`"
    );
    assert_eq!(exception["commit"], Value::Null);
    let template = json(&luffy.ok(&["rca", "show", "2", "--json"]));
    assert!(template["no_suspects"]
        .as_str()
        .unwrap()
        .contains("log template without a stack trace"));
}

#[test]
fn codeowners_name_the_owners_of_the_throwing_frame_by_the_last_matching_pattern() {
    let luffy = Luffy::new();
    let mut h = history(&luffy.path("web"));
    // first match and last match disagree on both files
    h.repo.write(
        ".github/CODEOWNERS",
        "# owners\n*            @acme/everyone\n/app/        @acme/app\napp/db.py    @acme/db @dba\n/app/api.py\n",
    );
    h.repo.commit("owners: who answers for what");
    let report = report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let owners = |frame: &Value| -> Vec<String> {
        frame["owners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string())
            .collect()
    };
    let frames = report["frames"].as_array().unwrap();
    let by_path = |path: &str| {
        frames
            .iter()
            .find(|f| f["repo_path"] == path)
            .unwrap_or_else(|| panic!("no frame maps to {path}: {report}"))
    };
    assert_eq!(owners(by_path("app/db.py")), ["@acme/db", "@dba"]);
    // a last pattern with no owners un-assigns
    assert!(owners(by_path("app/api.py")).is_empty(), "{report}");
    // the report's owners: the throwing frame's file (the innermost that maps)
    assert_eq!(report["owners"], serde_json::json!(["@acme/db", "@dba"]));
    let md = luffy.ok(&["rca", "show", "1", "--markdown"]);
    assert!(
        md.contains("Owners (CODEOWNERS) of the throwing frame's file: @acme/db, @dba"),
        "{md}"
    );
    // clusters by owner
    let owned = json(&luffy.ok(&["clusters", "--owner", "@dba", "--json"]));
    assert_eq!(owned.as_array().unwrap().len(), 1, "{owned}");
    assert_eq!(owned[0]["id"], 1);
    let none = json(&luffy.ok(&["clusters", "--owner", "@acme/everyone", "--json"]));
    assert_eq!(none, serde_json::json!([]));
}

#[test]
fn trigger_rca_all_writes_every_open_clusters_report_again() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let again = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(again["counts"]["reports"], 0, "{again}");
    assert_eq!(again["counts"]["unchanged"], 1, "{again}");
    let all = json(&luffy.ok(&["trigger", "rca", "app", "--all", "--json"]));
    assert_eq!(all["counts"]["reports"], 1, "{all}");
    assert_eq!(all["counts"]["rewritten"], 1, "{all}");
    assert_eq!(
        json(&luffy.ok(&["rca", "show", "1", "--json"]))["generation"],
        2
    );
    let err = luffy.fails(&["trigger", "fetch", "app", "--all"], 2);
    assert!(
        err.contains("--all applies to `luffy trigger rca` only, not to fetch"),
        "{err}"
    );
}

#[test]
fn log_text_in_a_markdown_report_is_never_markup() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    let title = "<img src=x onerror=alert(1)> [click](http://evil.example)";
    fetched_service(
        &luffy,
        &h.repo,
        &(trace("2024-01-05 12:00:00", "a")
            .replace("KeyError: 'a'", &format!("KeyError: {title}"))
            + "2024-01-05 12:01:00,000 ERROR [w] app.db: query `a``b` failed\n"),
    );
    luffy.ok(&["trigger", "rca", "app"]);
    let md = luffy.ok(&["rca", "show", "1", "--markdown"]);
    // every `<` of the log text is escaped (`\<`), and no link is left
    assert!(
        !md.replace("\\<", "").contains("<img") && !md.contains("[click]("),
        "{md}"
    );
    assert!(
        md.contains(
            r"KeyError: \<img src\=x onerror\=alert\(1\)\> \[click\]\(http://evil\.example\)"
        ),
        "{md}"
    );
    // a template's backticks stay inside its code span
    let md = luffy.ok(&["rca", "show", "2", "--markdown"]);
    assert!(md.contains("Template: ``query `<*>` failed``"), "{md}");
    // --json keeps the text exact
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(
        report["what"]["title"],
        format!("KeyError: {title}"),
        "{report}"
    );
}

#[test]
fn frames_that_map_nowhere_and_commits_too_old_are_said_plainly() {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("other"));
    repo.write("README.md", "# other\n");
    repo.write("lib/util.py", "def f():\n    return 1\n");
    repo.commit("other code");
    let report = report_of(&luffy, &repo, &trace("2024-01-05 12:00:00", "a"));
    assert!(report["no_suspects"]
        .as_str()
        .unwrap()
        .starts_with("no in-app frame's path maps to a file of the repository"));
    assert!(report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["mapped"] == false));

    // the same history, the cluster first seen more than 90 days after every commit
    let mut late = Luffy::new();
    late.now = "2024-07-01T10:00:00Z".into();
    let h = history(&late.path("web"));
    indexed_service(&late, &h.repo, &trace("2024-06-01 12:00:00", "a"));
    late.ok(&["trigger", "rca", "app"]);
    let report = json(&late.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(report["suspects"], serde_json::json!([]));
    let why = report["no_suspects"].as_str().unwrap();
    assert!(why.contains("are outside the window"), "{why}");
    assert!(why.contains("more than 90 days before it"), "{why}");
}

#[test]
fn rca_switched_off_writes_nothing() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    luffy.ok(&["service", "set", "app", "--rca", "off"]);
    let out = luffy.ok(&["trigger", "rca", "app"]);
    assert!(out.contains("rca is switched off for app"), "{out}");
    assert_eq!(reports_stored(&luffy), 0);
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let err = luffy.fails(&["rca", "show", "99"], 2);
    assert!(
        err.contains("no cluster 99 (see `luffy clusters`)"),
        "{err}"
    );
    let err = luffy.fails(&["rca", "show", "1"], 2);
    assert!(
        err.contains(
            "cluster 1 has no root-cause report yet; write one with `luffy trigger rca app`"
        ),
        "{err}"
    );
    let run = luffy.run(&["rca", "show", "one"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("invalid value 'one'"), "{}", run.stderr);
    let run = luffy.run(&["rca", "show", "1", "--since", "2d"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let err = luffy.fails(&["trigger", "rca", "nope"], 2);
    assert!(err.contains("no service 'nope'"), "{err}");
    let err = luffy.fails(&["trigger", "rca", "app", "--full"], 2);
    assert!(
        err.contains("--full applies to `luffy trigger index` only"),
        "{err}"
    );
    assert_eq!(reports_stored(&luffy), 0);
    luffy.ok(&["trigger", "rca", "app"]);
    let err = luffy.fails(&["rca", "show", "1", "--json", "--markdown"], 2);
    assert!(
        err.contains("--json and --markdown cannot be used together"),
        "{err}"
    );
    assert_eq!(reports_stored(&luffy), 1);
}

#[test]
fn a_change_after_first_seen_does_not_hide_the_commit_that_wrote_the_line() {
    let luffy = Luffy::new();
    let mut h = history(&luffy.path("web"));
    // Jan 7, after the cluster was first seen (Jan 5): a comment on the failing line itself.
    let db = std::fs::read_to_string(luffy.path("web/app/db.py")).unwrap();
    let failing = "return self.rows[item_id]";
    assert!(db.contains(failing));
    h.repo.write(
        "app/db.py",
        db.replace(failing, &format!("{failing}  # raises KeyError")),
    );
    let comment = h.repo.commit("db: say what fetch raises");
    let report = report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let ranked = suspects(&report);
    assert_eq!(ranked[0], h.introducing, "{report}");
    assert!(!ranked.contains(&comment), "{ranked:?}");
    assert!(!ranked.contains(&h.after), "{ranked:?}");
}

#[test]
fn a_jvm_frame_finds_its_file_by_the_package_of_its_class() {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("jvm"));
    let service = |package: &str, body: &str| {
        format!(
            "package {package};\n\npublic class UserService {{\n    public User find(long id) {{\n        {body}\n    }}\n}}\n"
        )
    };
    repo.write(
        "src/main/java/com/other/UserService.java",
        service("com.other", "return null;"),
    );
    repo.write(
        "src/main/java/com/acme/UserService.java",
        service("com.acme", "return repo.get(id);"),
    );
    repo.commit("users");
    repo.write(
        "src/main/java/com/acme/UserService.java",
        service("com.acme", "return repo.get(id).orElseThrow();"),
    );
    let introducing = repo.commit("users: fail on a missing user");
    indexed_service(
        &luffy,
        &repo,
        "2024-01-05 12:00:00.000 ERROR [main] c.a.Api - lookup failed\n\
         java.util.NoSuchElementException: No value present\n\
         \tat java.base/java.util.Optional.orElseThrow(Optional.java:377)\n\
         \tat com.acme.UserService$Cache.find(UserService.java:5)\n\
         \tat java.base/java.lang.Thread.run(Thread.java:833)\n",
    );
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    let frame = &report["frames"][0];
    assert_eq!(
        frame["repo_path"], "src/main/java/com/acme/UserService.java",
        "{report}"
    );
    assert_eq!(suspects(&report)[0], introducing, "{report}");
}

#[test]
fn a_report_without_suspects_is_rewritten_once_the_index_can_tell() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    fetched_service(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    luffy.ok(&["trigger", "rca", "app"]);
    let first = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert!(first["no_suspects"]
        .as_str()
        .unwrap()
        .contains("no code index"));
    // Nothing new: the same report stands.
    let again = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(again["counts"]["unchanged"], 1, "{again}");
    // The advice followed: the index is built, and the next run rewrites the report.
    luffy.ok(&["trigger", "index", "app"]);
    let out = luffy.ok(&["trigger", "rca", "app"]);
    assert!(out.contains("1 with suspects now"), "{out}");
    let second = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(second["generation"], 2);
    assert_eq!(suspects(&second)[0], h.introducing);
    // And once it has its suspects, an unchanged cluster is left alone.
    let third = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(third["counts"]["reports"], 0, "{third}");
    assert_eq!(reports_stored(&luffy), 2);
}

#[test]
fn a_frame_line_moved_by_later_commits_is_found_where_it_is_now() {
    let luffy = Luffy::new();
    let mut h = history(&luffy.path("web"));
    // Jan 7, after first-seen (Jan 5): three lines above the failing one (line 10 then).
    let db = std::fs::read_to_string(luffy.path("web/app/db.py")).unwrap();
    h.repo.write(
        "app/db.py",
        format!("import logging\n\nlog = logging.getLogger(__name__)\n{db}"),
    );
    h.repo.commit("db: a logger");
    let report = report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let frame = &report["frames"][0];
    assert_eq!(frame["line"], 10, "{report}");
    assert_eq!(frame["repo_line"], 13, "{report}");
    assert_eq!(frame["symbol"], "Repo.fetch", "{report}");
    assert_eq!(suspects(&report)[0], h.introducing, "{report}");
    let md = luffy.ok(&["rca", "show", "1", "--markdown"]);
    assert!(
        md.contains("at `/srv/app/app/db.py:10` → `app/db.py:13`"),
        "{md}"
    );
    assert!(
        md.contains(">   13 |         return self.rows[item_id]"),
        "{md}"
    );
}

/// The app on `main` (Jan 1); on a branch, the bug (authored Jan 2); on `main`, a change of the
/// handler's line (Jan 8); then the branch merged as of `merged`. Returns the repository, the
/// bug and the handler's change.
fn merged_history(path: &std::path::Path, merged: &str) -> (Repo, String, String) {
    let mut repo = Repo::init(path);
    repo.write("app/db.py", DB_V0);
    repo.write("app/api.py", API_PY);
    repo.commit_at("app: items API", "2024-01-01T10:00:00Z");
    repo.git(&["checkout", "-q", "-b", "strict"]);
    repo.write(
        "app/db.py",
        DB_V0.replace("self.rows.get(item_id)", "self.rows[item_id]"),
    );
    let bug = repo.commit_at("repo: fail loudly on missing rows", "2024-01-02T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "app/api.py",
        API_PY.replace("repo.fetch(item_id)", "repo.fetch(item_id)  # by id"),
    );
    let handler = repo.commit_at("api: say how items are found", "2024-01-08T10:00:00Z");
    repo.git_at(
        merged,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'strict'",
            "strict",
        ],
    );
    (repo, bug, handler)
}

#[test]
fn a_commit_of_a_merged_branch_counts_from_its_merge() {
    let luffy = Luffy::new();
    // Merged two hours before the error is first seen: the bug ran from then on, though it
    // was written eight days before, before the handler's change.
    let (repo, bug, handler) = merged_history(&luffy.path("web"), "2024-01-10T10:00:00Z");
    let report = report_of(&luffy, &repo, &trace("2024-01-10 12:00:00", "a"));
    let ranked = suspects(&report);
    assert_eq!(ranked[..2], [bug, handler], "{report}");
    let reasons = report["suspects"][0]["reasons"].to_string();
    assert!(
        reasons.contains("on the branch 2 hours before the cluster was first seen (authored 8 days before), adding 1 line of code"),
        "{reasons}"
    );
    // The suspect's date is still when it was written.
    assert_eq!(
        report["suspects"][0]["date"], "2024-01-02T10:00:00Z",
        "{report}"
    );
}

#[test]
fn a_branch_merged_after_first_seen_does_not_rank() {
    let luffy = Luffy::new();
    let mut h = history(&luffy.path("web"));
    // Written on a branch before the error was first seen (Jan 5) but merged after it (Jan
    // 9): the failing line as it ran is the introducing commit's.
    h.repo.git(&["checkout", "-q", "-b", "ids"]);
    let db = std::fs::read_to_string(luffy.path("web/app/db.py")).unwrap();
    h.repo.write(
        "app/db.py",
        db.replace("self.rows[item_id]", "self.rows[str(item_id)]"),
    );
    let unmerged = h
        .repo
        .commit_at("repo: ids are strings", "2024-01-04T12:00:00Z");
    h.repo.git(&["checkout", "-q", "main"]);
    h.repo.git_at(
        "2024-01-09T10:00:00Z",
        &["merge", "-q", "--no-ff", "-m", "Merge branch 'ids'", "ids"],
    );
    let report = report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let ranked = suspects(&report);
    assert_eq!(ranked[0], h.introducing, "{report}");
    assert!(!ranked.contains(&unmerged), "{ranked:?}");
}

#[test]
fn a_function_rewritten_after_first_seen_is_blamed_as_it_ran() {
    let luffy = Luffy::new();
    let mut h = history(&luffy.path("web"));
    // Jan 7, after first-seen (Jan 5): the fix rewrites fetch, and no line of its body is
    // what ran. Blame at the indexed commit sees only the fix there; the version that failed
    // still holds the line the bug wrote.
    let db = std::fs::read_to_string(luffy.path("web/app/db.py")).unwrap();
    let body = "        \"\"\"One row by id.\"\"\"\n        return self.rows[item_id]\n";
    assert!(db.contains(body), "{db}");
    h.repo.write(
        "app/db.py",
        db.replace(
            body,
            "        if item_id not in self.rows:\n            \
             raise LookupError(f\"no item {item_id}\")\n        \
             row = self.rows[item_id]\n        \
             return dict(row)\n",
        ),
    );
    let fix = h.repo.commit("db: say which item is missing");
    let report = report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    let ranked = suspects(&report);
    assert_eq!(ranked[0], h.introducing, "{report:#}");
    assert!(!ranked.contains(&fix), "{ranked:?}");
    let reasons = report["suspects"][0]["reasons"][0].as_str().unwrap();
    assert!(reasons.contains("the line of frame #1"), "{reasons}");
    // The lines it wrote as it ran: the fix's lines around it are not the bug's (blame at the
    // indexed commit, followed back past the fix, credits the bug with them all).
    assert_eq!(
        report["suspects"][0]["touched_lines"],
        serde_json::json!(["app/db.py:10"]),
        "{report:#}"
    );
}

#[test]
fn a_file_moved_after_first_seen_is_blamed_where_it_is_now() {
    let luffy = Luffy::new();
    let mut h = history(&luffy.path("web"));
    // Jan 7, after first-seen (Jan 5): the package moves under src/. The version that ran has
    // no src/app/db.py; blame at the indexed commit follows the move.
    std::fs::create_dir(luffy.path("web/src")).unwrap();
    h.repo.git(&["mv", "app", "src/app"]);
    let moved = h.repo.commit("layout: the package under src/");
    let report = report_of(&luffy, &h.repo, &trace("2024-01-05 12:00:00", "a"));
    assert_eq!(
        report["frames"][0]["repo_path"], "src/app/db.py",
        "{report:#}"
    );
    let ranked = suspects(&report);
    assert_eq!(ranked[0], h.introducing, "{report:#}");
    assert!(!ranked.contains(&moved), "{ranked:?}");
    assert!(!ranked.contains(&h.after), "{ranked:?}");
}
