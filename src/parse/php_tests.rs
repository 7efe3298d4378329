//! PHP parser tests over the corpora in `tests/data/traces/php*.txt`.

use super::*;
use crate::parse::{parse_exception, InAppRules};

fn types(p: &ParsedException) -> Vec<&str> {
    p.chain.iter().map(|e| e.exception_type.as_str()).collect()
}

/// (function, path, line, in_app) of each frame of exception `i`.
fn frames(p: &ParsedException, i: usize) -> Vec<(&str, Option<&str>, Option<u32>, bool)> {
    p.chain[i]
        .frames
        .iter()
        .map(|f| (f.function.as_str(), f.path.as_deref(), f.line, f.in_app))
        .collect()
}

#[test]
fn uncaught_after_fpm_header_from_real_php() {
    let text = include_str!("../../tests/data/traces/php_uncaught_fpm.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(p.language, Language::Php);
    assert_eq!(types(&p), ["RuntimeException"]);
    assert_eq!(p.chain[0].message, "no price for sku gift-card");
    assert_eq!(
        frames(&p, 0),
        [
            (
                "App\\Prices::of",
                Some("/var/www/src/Prices.php"),
                Some(13),
                true
            ),
            (
                "App\\Cart->App\\{closure}",
                Some("/var/www/src/Cart.php"),
                Some(16),
                true
            ),
            ("array_map", None, None, false),
            (
                "App\\Cart->total",
                Some("/var/www/src/Cart.php"),
                Some(15),
                true
            ),
            (
                "App\\Checkout->summary",
                Some("/var/www/src/Checkout.php"),
                Some(14),
                true
            ),
            ("{closure}", Some("/var/www/src/routes.php"), Some(9), true),
            ("call_user_func_array", None, None, false),
            (
                "Acme\\Router\\Router->dispatch",
                Some("/var/www/vendor/acme/router/src/Router.php"),
                Some(19),
                false
            ),
            ("{main}", Some("/var/www/public/index.php"), Some(14), true),
        ]
    );
}

#[test]
fn next_chain_is_reversed_outermost_first() {
    let text = include_str!("../../tests/data/traces/php_chained.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(
        types(&p),
        ["LogicException", "RuntimeException", "PDOException"]
    );
    assert_eq!(p.chain[0].message, "invoice page failed");
    assert_eq!(p.chain[0].relation, None);
    assert_eq!(p.chain[1].relation, Some(Relation::Cause));
    assert_eq!(p.chain[2].parent, Some(1));
    assert_eq!(
        p.root_cause().unwrap().message,
        "SQLSTATE[HY000] [2002] Connection refused"
    );
    let outer = frames(&p, 0);
    assert_eq!(outer.len(), 5);
    assert_eq!(
        outer[0],
        (
            "App\\Billing\\InvoiceController::show",
            Some("/var/www/src/Billing/InvoiceController.php"),
            Some(14),
            true
        )
    );
    assert_eq!(
        frames(&p, 2)[0],
        (
            "App\\Billing\\InvoiceRepository->find",
            Some("/var/www/src/Billing/InvoiceRepository.php"),
            Some(10),
            true
        )
    );
    assert_eq!(p.chain[2].frames.len(), 7);
}

#[test]
fn display_form_multi_line_message_eval_and_anonymous_class() {
    let text = include_str!("../../tests/data/traces/php_display.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["DomainException"]);
    assert_eq!(
        p.chain[0].message,
        "order 9f1c has no customer\nchecked: billing, shipping"
    );
    assert_eq!(
        frames(&p, 0),
        [
            (
                "class@anonymous->customer",
                Some("/var/www/public/receipt.php"),
                Some(9),
                true
            ),
            ("eval", Some("/var/www/src/Receipt.php"), Some(23), true),
            (
                "App\\Receipt->renderInline",
                Some("/var/www/src/Receipt.php"),
                Some(23),
                true
            ),
            (
                "{main}",
                Some("/var/www/public/receipt.php"),
                Some(13),
                true
            ),
        ]
    );
}

#[test]
fn php5_exception_with_message() {
    let text = include_str!("../../tests/data/traces/php5_uncaught.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["InvalidArgumentException"]);
    assert_eq!(p.chain[0].message, "quantity 'ten' is not a number");
    let f = frames(&p, 0);
    assert_eq!(
        f[0],
        ("Cart->add", Some("/var/www/lib/Cart.php"), Some(88), true)
    );
    assert_eq!(f[2].0, "require_once");
    assert_eq!(
        f[3],
        (
            "{main}",
            Some("/var/www/public/checkout.php"),
            Some(5),
            true
        )
    );

    let text = include_str!("../../tests/data/traces/php5_chained.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["RuntimeException", "PDOException"]);
    assert_eq!(p.chain[0].message, "orders for customer 88 unavailable");
    assert_eq!(p.chain[1].relation, Some(Relation::Cause));
    let f = frames(&p, 1);
    assert_eq!(
        f[0],
        (
            "PDO->__construct",
            Some("/var/www/lib/Db.php"),
            Some(21),
            true
        )
    );
    assert_eq!(f[2].0, "Orders->listFor");
    assert_eq!(
        f[3],
        (
            "Slim\\Route->dispatch",
            Some("/var/www/vendor/slim/slim/Slim/Route.php"),
            Some(462),
            false
        )
    );
    assert_eq!(f[4], ("call_user_func", None, None, false));
}

#[test]
fn laravel_log_with_previous_exception() {
    let text = include_str!("../../tests/data/traces/php_laravel.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(p.language, Language::Php);
    assert_eq!(types(&p), ["RuntimeException", "PDOException"]);
    assert_eq!(p.chain[0].message, "could not load invoice 42");
    assert_eq!(
        p.chain[1].message,
        "SQLSTATE[HY000] [2002] Connection refused"
    );
    assert_eq!(p.chain[1].relation, Some(Relation::Cause));
    let f = frames(&p, 0);
    assert_eq!(f.len(), 13);
    assert_eq!(
        f[0],
        (
            "App\\Services\\InvoiceService->render",
            Some("/var/www/app/Services/InvoiceService.php"),
            Some(27),
            true
        )
    );
    assert_eq!(f[1].0, "App\\Http\\Controllers\\InvoiceController->show");
    assert_eq!(f[1].2, Some(19));
    assert!(!f[2].3, "a vendor/ frame is library code");
    assert_eq!(
        f[12],
        ("{main}", Some("/var/www/public/index.php"), Some(52), true)
    );
    let prev = frames(&p, 1);
    assert_eq!(prev.len(), 7);
    assert_eq!(
        prev[3],
        ("call_user_func", None, None, false),
        "[internal function]"
    );
    assert_eq!(prev[4].0, "App\\Repositories\\InvoiceRepository->find");
    assert!(prev[4].3);
}

#[test]
fn frame_lines() {
    assert!(is_frame_line("#0 /a/b.php(12): f()"));
    assert!(is_frame_line("#12 [internal function]: App\\Foo->bar()"));
    assert!(is_frame_line("#3 {main}"));
    assert!(!is_frame_line("#0  0x00007f3a in main () at x.c:5"));
    assert!(!is_frame_line("# comment"));
    assert!(!is_frame_line("#1 something else"));
    assert_eq!(
        function_of("{closure:/app/x.php:12}()"),
        "{closure:/app/x.php:12}"
    );
    assert_eq!(
        function_of("App\\Foo::bar(Object(App\\X), 'a(b')"),
        "App\\Foo::bar"
    );
    assert_eq!(function_of("include('/var/www/t...')"), "include");
}

#[test]
fn bare_and_cut_short_traces() {
    // `error_log((string) $e)`: no `Uncaught`, no `thrown in`
    let text = "App\\Err\\Oops: bad in /app/src/A.php:7\nStack trace:\n#0 /app/src/B.php(3): App\\A->run()\n";
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["App\\Err\\Oops"]);
    assert_eq!(
        frames(&p, 0),
        [
            ("App\\A->run", Some("/app/src/A.php"), Some(7), true),
            ("", Some("/app/src/B.php"), Some(3), true),
        ]
    );
    let p = parse_exception("PHP Fatal error:  Uncaught Error in /a/x.php:2\nStack trace:\n#0 {main}\n  thrown in /a/x.php on line 2\n").unwrap();
    assert_eq!(types(&p), ["Error"]);
    assert_eq!(p.chain[0].message, "");
    assert_eq!(frames(&p, 0), [("{main}", Some("/a/x.php"), Some(2), true)]);
    assert_eq!(
        parse_exception("#8 {main}\n  thrown in /a/x.php on line 2\n"),
        None
    );
    let p = parse_exception("#0 /a/x.php(3): f()\n").unwrap();
    assert_eq!(
        frames(&p, 0),
        [
            ("f", None, None, false),
            ("", Some("/a/x.php"), Some(3), true)
        ]
    );
    let rules = InAppRules {
        app_paths: vec!["/var/www/".into()],
        app_packages: vec![],
    };
    let text = include_str!("../../tests/data/traces/php_laravel.txt");
    let p = crate::parse::parse_exception_with(text, &rules).unwrap();
    assert!(!p.chain[0].frames[2].in_app, "vendor/ under an app path");
    assert!(p.chain[0].frames[0].in_app);
}

#[test]
fn next_with_multi_line_message_and_limits() {
    let text = "PHP Fatal error:  Uncaught Exception: inner in /a/x.php:3\nStack trace:\n#0 {main}\n\nNext App\\Outer: line one\n  line two in /a/y.php:9\nStack trace:\n#0 {main}\n  thrown in /a/y.php on line 9\n";
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["App\\Outer", "Exception"]);
    assert_eq!(p.chain[0].message, "line one\n  line two");
    assert_eq!(frames(&p, 0), [("{main}", Some("/a/y.php"), Some(9), true)]);
    let calls = "#1 /a/x.php(2): f()\n".repeat(50_000);
    let p = parse_exception(&format!(
        "Uncaught E: m in /a/x.php:1\nStack trace:\n{calls}"
    ))
    .unwrap();
    assert_eq!(p.chain[0].frames.len(), crate::parse::trace::MAX_FRAMES);
    let next = "\nNext E: m in /a/x.php:1\nStack trace:\n#0 {main}\n".repeat(1000);
    let p = parse_exception(&format!(
        "Uncaught E: m in /a/x.php:1\nStack trace:\n#0 {{main}}\n{next}"
    ))
    .unwrap();
    assert_eq!(p.chain.len(), crate::parse::trace::MAX_CHAIN);
    let long = "x\n".repeat(10_000);
    let p = parse_exception(&format!(
        "Uncaught E: m in /a/x.php:1\nStack trace:\n#0 {{main}}\n\nNext E: {long}"
    ))
    .unwrap();
    assert_eq!(p.chain.len(), 2, "a header cut after its first lines");
}

#[test]
fn type_error_message_holds_other_locations() {
    // PHP 8.2's own words: the message names the call site, the throw site follows the last ` in `
    let text = "PHP Fatal error:  Uncaught TypeError: App\\Cart::add(): Argument #2 ($qty) must be of type int, string given, called in /var/www/src/Checkout.php on line 16 and defined in /var/www/src/Cart.php:8\nStack trace:\n#0 /var/www/src/Checkout.php(16): App\\Cart->add()\n#1 /var/www/public/index.php(20): App\\fromRequest()\n#2 {main}\n  thrown in /var/www/src/Cart.php on line 8\n";
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["TypeError"]);
    assert_eq!(
        p.chain[0].message,
        "App\\Cart::add(): Argument #2 ($qty) must be of type int, string given, called in /var/www/src/Checkout.php on line 16 and defined"
    );
    assert_eq!(
        frames(&p, 0)[0],
        (
            "App\\Cart->add",
            Some("/var/www/src/Cart.php"),
            Some(8),
            true
        )
    );
}

#[test]
fn include_and_static_closure_from_real_php() {
    let text = include_str!("../../tests/data/traces/php_include.txt");
    let p = parse_exception(text).unwrap();
    assert_eq!(types(&p), ["UnexpectedValueException"]);
    assert_eq!(
        frames(&p, 0),
        [
            (
                "load_config",
                Some("/var/www/config/load.php"),
                Some(8),
                true
            ),
            ("{closure}", Some("/var/www/bootstrap.php"), Some(7), true),
            ("include", Some("/var/www/bootstrap.php"), Some(8), true),
            ("{main}", Some("/var/www/index.php"), Some(4), true),
        ]
    );
}
