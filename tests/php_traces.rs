//! PHP traces end to end through a file source: Laravel's log and PHP's own trace after a log
//! header are parsed as PHP, grouped by their in-app frames, shown with PHP's frames, and mapped
//! onto a real repository for a root-cause report (PHP has no grammar here: files, no symbols).

mod common;

use common::json;

use common::git::{indexed_service, Repo};
use common::Luffy;
use serde_json::Value;

/// A Laravel error record for invoice `id`, with a previous exception.
fn laravel_error(second: u32, id: u32) -> String {
    include_str!("data/traces/php_laravel.txt")
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("[2026-11-27 08:00:02]"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "[2026-11-27 08:00:01]",
            &format!("[2024-01-15 10:00:{second:02}]"),
        )
        .replace("invoice 42", &format!("invoice {id}"))
        + "\n"
}

#[test]
fn laravel_errors_of_one_bug_group_and_show_php_frames() {
    let luffy = Luffy::new();
    let log = format!(
        "[2024-01-15 10:00:00] production.INFO: cart viewed {{\"user\":7}}\n{}{}\
         [2024-01-15 10:00:09] production.INFO: cart viewed {{\"user\":8}}\n",
        laravel_error(1, 42),
        laravel_error(5, 43),
    );
    let path = luffy.file("laravel.log", &log);
    luffy.ok(&["service", "add", "web"]);
    let path = path.to_str().unwrap();
    luffy.ok(&[
        "source", "add", "web", "app", "--kind", "file", "--path", path,
    ]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters = json(&luffy.ok(&["clusters", "web", "--json"]));
    let exceptions: Vec<&Value> = clusters
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "exception")
        .collect();
    assert_eq!(exceptions.len(), 1, "{clusters}");
    assert_eq!(exceptions[0]["exception_type"], "RuntimeException");
    assert_eq!(exceptions[0]["count"], 2);
    let id = exceptions[0]["id"].as_i64().unwrap().to_string();
    let shown = json(&luffy.ok(&["cluster", "show", &id, "--json"]));
    assert_eq!(shown["fingerprint_inputs"]["by_frames"], true, "{shown}");
    let frames = shown["frames"].as_array().unwrap();
    assert_eq!(
        frames[0]["function"],
        "App\\Services\\InvoiceService->render"
    );
    assert_eq!(
        frames[0]["path"],
        "/var/www/app/Services/InvoiceService.php"
    );
    assert_eq!(frames[0]["line"], 27);
    assert_eq!(frames[0]["in_app"], true);
    assert_eq!(frames[2]["in_app"], false, "vendor/ is library code");
    let text = luffy.ok(&["cluster", "show", &id]);
    assert!(text.contains("exception chain (php):"), "{text}");
    assert!(
        text.contains("caused by PDOException: SQLSTATE[HY000] [2002] Connection refused"),
        "{text}"
    );
}

#[test]
fn a_php_chain_after_a_log_header_is_one_event_outermost_first() {
    let luffy = Luffy::new();
    let log = format!(
        "2024-01-15T10:00:01Z ERROR {}2024-01-15T10:00:02Z INFO next request\n",
        include_str!("data/traces/php_chained.txt")
    );
    let path = luffy.file("php.log", &log);
    luffy.ok(&["service", "add", "web"]);
    let path = path.to_str().unwrap();
    luffy.ok(&[
        "source", "add", "web", "app", "--kind", "file", "--path", path,
    ]);
    luffy.ok(&["trigger", "fetch", "web"]);
    let clusters = json(&luffy.ok(&["clusters", "web", "--json"]));
    let all = clusters.as_array().unwrap();
    assert_eq!(all.len(), 1, "{clusters}");
    assert_eq!(all[0]["exception_type"], "LogicException");
    let id = all[0]["id"].as_i64().unwrap().to_string();
    let text = luffy.ok(&["cluster", "show", &id]);
    assert!(
        text.contains("at App\\Billing\\InvoiceController::show (/var/www/src/Billing/InvoiceController.php:14)  [in-app]"),
        "{text}"
    );
    assert!(text.contains("caused by RuntimeException"), "{text}");
    assert!(text.contains("caused by PDOException"), "{text}");
}

/// `Prices::of` before the bug (lines 8-11): an unknown sku costs nothing.
const PRICES_V0: &str = "<?php\nnamespace App;\n\nfinal class Prices\n{\n    private const TABLE = ['mug' => 1200];\n\n    public static function of(string $sku): int\n    {\n        return self::TABLE[$sku] ?? 0;\n    }\n}\n";

#[test]
fn a_php_frame_maps_to_its_file_and_blames_the_commit_that_wrote_the_line() {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("shop"));
    repo.write("src/Prices.php", PRICES_V0);
    repo.write("composer.lock", "{}\n");
    repo.commit("prices");
    repo.write(
        "src/Prices.php",
        PRICES_V0.replace(
            "return self::TABLE[$sku] ?? 0;",
            "return self::TABLE[$sku] ?? throw new \\RuntimeException(\"no price for sku {$sku}\");",
        ),
    );
    let introducing = repo.commit("prices: refuse unknown skus");
    let log = "2024-01-05T12:00:00Z ERROR PHP Fatal error:  Uncaught RuntimeException: no price for sku gift-card in /srv/app/src/Prices.php:10\n\
               Stack trace:\n\
               #0 /srv/app/src/Cart.php(16): App\\Prices::of()\n\
               #1 [internal function]: App\\Cart->App\\{closure}()\n\
               #2 {main}\n  \
               thrown in /srv/app/src/Prices.php on line 10\n\
               2024-01-05T12:00:01Z INFO next request\n";
    indexed_service(&luffy, &repo, log);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    let frame = &report["frames"][0];
    assert_eq!(frame["function"], "App\\Prices::of", "{report}");
    assert_eq!(frame["repo_path"], "src/Prices.php", "{report}");
    assert_eq!(frame["line"], 10);
    assert_eq!(frame["symbol"], Value::Null, "no PHP grammar: no symbol");
    assert_eq!(
        report["suspects"][0]["commit"],
        introducing.as_str(),
        "{report}"
    );
}
