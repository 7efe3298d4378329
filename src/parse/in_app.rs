//! Deciding which frames are application code: per-service path and package prefixes, and a
//! default that recognises standard libraries, dependency folders and language runtimes.

use serde::{Deserialize, Serialize};

use super::trace::{Frame, Language, ParsedException};

/// A service's in-app rules. Empty rules mean "everything that is not a library is in-app".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InAppRules {
    /// Path prefixes of application code (`/app/`, `src/`); a leading `./` is ignored.
    pub app_paths: Vec<String>,
    /// Package/module/namespace prefixes of application code (`com.acme.`, `github.com/acme/`,
    /// `Acme.`, `myapp::`).
    pub app_packages: Vec<String>,
}

impl InAppRules {
    /// Whether no rule is configured.
    pub fn is_empty(&self) -> bool {
        self.app_paths.is_empty() && self.app_packages.is_empty()
    }

    /// Whether `frame` is application code. With rules, a frame is in-app when its path starts
    /// with an app path (and no dependency folder — `node_modules`, `site-packages`, `vendor`,
    /// gems, the Cargo registry, the Go module cache — follows the prefix), or when its
    /// module/function starts with an app package. An app path may itself lie under
    /// `site-packages`. Without rules, every frame that is not a library or runtime frame is.
    pub fn is_in_app(&self, frame: &Frame, language: Language) -> bool {
        if self.is_empty() {
            return !is_library_frame(frame, language);
        }
        if let Some(p) = frame.path.as_deref() {
            if let Some(rest) = self.app_paths.iter().find_map(|a| strip_path_prefix(p, a)) {
                // an app installed under site-packages is the app; its own node_modules are not
                return !scan_path(rest, language, true);
            }
        }
        let name = frame.module.as_deref().unwrap_or(&frame.function);
        self.app_packages.iter().any(|pkg| {
            !pkg.is_empty()
                && (name.starts_with(pkg.as_str()) || frame.function.starts_with(pkg.as_str()))
        })
    }

    /// Set `in_app` on every frame of `parsed`.
    pub fn apply(&self, parsed: &mut ParsedException) {
        let language = parsed.language;
        for e in &mut parsed.chain {
            for f in &mut e.frames {
                f.in_app = self.is_in_app(f, language);
            }
        }
    }
}

/// Drop `file://` and a leading `./`.
fn trim_path(p: &str) -> &str {
    let p = p.strip_prefix("file://").unwrap_or(p);
    p.strip_prefix("./")
        .or_else(|| p.strip_prefix(".\\"))
        .unwrap_or(p)
}

/// What follows `prefix` in `path`, comparing `/` and `\` alike and ignoring `file://` and `./`.
fn strip_path_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let (path, prefix) = (trim_path(path), trim_path(prefix));
    let same = |a: u8, b: u8| a == b || (matches!(a, b'/' | b'\\') && matches!(b, b'/' | b'\\'));
    let matches = !prefix.is_empty()
        && path.len() >= prefix.len()
        && path.bytes().zip(prefix.bytes()).all(|(a, b)| same(a, b));
    // the prefix ends on an ASCII byte it shares with the path, so this is a char boundary
    (matches && path.is_char_boundary(prefix.len())).then(|| &path[prefix.len()..])
}

/// Standard library, runtime and dependency frames (the default when a service has no rules).
pub fn is_library_frame(frame: &Frame, language: Language) -> bool {
    if frame
        .path
        .as_deref()
        .is_some_and(|p| scan_path(p, language, false))
    {
        return true;
    }
    let name = frame.module.as_deref().unwrap_or(&frame.function);
    match language {
        Language::Java => JVM_LIBRARIES.iter().any(|p| name.starts_with(p)),
        Language::DotNet => DOTNET_LIBRARIES.iter().any(|p| name.starts_with(p)),
        Language::Go => {
            frame.path.is_none()
                && match frame.module.as_deref() {
                    Some(m) => is_go_std_package(m),
                    None => true,
                }
        }
        Language::Rust => is_rust_runtime_symbol(&frame.function),
        Language::Node => match frame.path.as_deref() {
            None => true,
            // core modules of old Node versions are printed as bare file names (`events.js`)
            Some(p) => !p.bytes().any(|b| matches!(b, b'/' | b'\\' | b':')),
        },
        // `[internal function]` frames (`array_map`, `call_user_func`) carry no path
        Language::Php => frame.path.is_none(),
        Language::Python | Language::Ruby => false,
    }
}

/// The JDK and JVM languages' runtimes, plus the most common frameworks, whose frames are never
/// the service's own code (JVM frames carry no path that would tell).
const JVM_LIBRARIES: [&str; 19] = [
    "java.",
    "javax.",
    "jakarta.",
    "jdk.",
    "sun.",
    "com.sun.",
    "kotlin.",
    "kotlinx.",
    "scala.",
    "org.springframework.",
    "org.apache.",
    "org.hibernate.",
    "org.eclipse.jetty.",
    "io.netty.",
    "reactor.",
    "com.fasterxml.jackson.",
    "com.zaxxer.hikari.",
    "io.grpc.",
    "okhttp3.",
];

/// The .NET base class library, ASP.NET and Json.NET.
const DOTNET_LIBRARIES: [&str; 3] = ["System.", "Microsoft.", "Newtonsoft."];

/// One pass over a path's components. `deps_only` limits the test to dependency folders
/// (`site-packages`, `node_modules`, `vendor`, gems, the Cargo registry, the Go module cache);
/// otherwise interpreter and compiler paths count too (`/usr/lib/python3.12/`, `/rustc/`,
/// `node:internal/`, GOROOT, `<frozen ...>`, Ruby's `<internal:...>`).
///
/// Components are split on the bytes `/` and `\` and compared as bytes: both separators are
/// ASCII, so this finds the same components as splitting the `str` would, without decoding chars.
fn scan_path(path: &str, language: Language, deps_only: bool) -> bool {
    let p = trim_path(path);
    if !deps_only {
        const PREFIXES: [&str; 5] = ["node:", "<frozen", "<internal:", "<anonymous>", "<unknown>"];
        if PREFIXES.iter().any(|x| p.starts_with(x))
            || (language == Language::Node && p.starts_with("internal/"))
            // Rails prints gem frames as `activesupport (7.1.2) lib/...`
            || (language == Language::Ruby && p.contains(") lib/"))
        {
            return true;
        }
    }
    let (mut prev2, mut prev): (&[u8], &[u8]) = (b"", b"");
    let mut goroot_candidate = false;
    for comp in p.as_bytes().split(|&b| b == b'/' || b == b'\\') {
        if goroot_candidate {
            return true; // `go/src/<pkg without a dot>/<more>`
        }
        let dep = matches!(
            comp,
            b"site-packages" | b"dist-packages" | b"node_modules" | b"vendor" | b"gems"
        ) || (prev == b".cargo" && matches!(comp, b"registry" | b"git"))
            || (prev == b"pkg" && comp == b"mod");
        if dep {
            return true;
        }
        if !deps_only {
            let runtime = matches!(comp, b"rustc" | b"rubies" | b"nptl" | b"sysdeps")
                || (matches!(prev, b"lib" | b"lib64")
                    && (comp.starts_with(b"python") || comp == b"ruby"))
                || (prev == b"library" && matches!(comp, b"std" | b"core" | b"alloc"))
                || (language == Language::Python && comp == b"Lib")
                || (language == Language::DotNet && prev == b"dotnet" && comp == b"shared")
                // PEAR and distribution packages: `/usr/share/php/`
                || (language == Language::Php && prev == b"share" && comp == b"php");
            if runtime {
                return true;
            }
            goroot_candidate = language == Language::Go
                && matches!(prev2, b"go" | b"golang")
                && prev == b"src"
                && !comp.contains(&b'.');
        }
        prev2 = prev;
        prev = comp;
    }
    false
}

/// A Go package of the standard library: its first path element has no dot (`net/http`,
/// `runtime`), except `main`.
fn is_go_std_package(module: &str) -> bool {
    let first = module.split('/').next().unwrap_or(module);
    first != "main" && !first.contains('.')
}

fn is_rust_runtime_symbol(f: &str) -> bool {
    const PREFIXES: [&str; 14] = [
        "std::",
        "core::",
        "alloc::",
        "std[",
        "core[",
        "alloc[",
        "<std",
        "<core",
        "<alloc",
        "__rust",
        "rust_begin_unwind",
        "__rustc",
        "__libc_start",
        "<unknown>",
    ];
    PREFIXES.iter().any(|p| f.starts_with(p))
        || matches!(f, "_start" | "start_thread" | "clone" | "clone3" | "main")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str, module: Option<&str>, path: Option<&str>) -> Frame {
        Frame {
            function: function.into(),
            module: module.map(Into::into),
            path: path.map(Into::into),
            ..Frame::default()
        }
    }

    #[test]
    fn defaults_per_language() {
        let none = InAppRules::default();
        let py = |p| none.is_in_app(&frame("f", None, Some(p)), Language::Python);
        assert!(py("/srv/app/orders.py"));
        assert!(!py("/usr/local/lib/python3.12/json/decoder.py"));
        assert!(!py(
            "/srv/app/.venv/lib/python3.12/site-packages/requests/api.py"
        ));
        assert!(!py("<frozen importlib._bootstrap>"));
        let java = |m| none.is_in_app(&frame("run", Some(m), Some("X.java")), Language::Java);
        assert!(java("com.acme.App"));
        assert!(!java("java.lang.Thread"));
        assert!(!java("kotlin.coroutines.jvm.internal.BaseContinuationImpl"));
        assert!(!java("scala.collection.immutable.List"));
        assert!(!java("org.springframework.web.servlet.FrameworkServlet"));
        let go = |m, p| none.is_in_app(&frame("f", Some(m), Some(p)), Language::Go);
        assert!(go("main", "/app/main.go"));
        assert!(
            go("orders/internal/api", "/app/internal/api/x.go"),
            "module without a dot"
        );
        assert!(!go("net/http", "/usr/local/go/src/net/http/server.go"));
        assert!(!go(
            "github.com/go-chi/chi/v5",
            "/root/go/pkg/mod/github.com/go-chi/chi/v5@v5.0.12/mux.go"
        ));
        assert!(go(
            "github.com/acme/x",
            "/home/ci/go/src/github.com/acme/x/a.go"
        ));
        assert!(!none.is_in_app(&frame("panic", None, None), Language::Go));
        let node = |p: Option<&str>| none.is_in_app(&frame("f", None, p), Language::Node);
        assert!(node(Some("/app/src/x.js")));
        assert!(!node(Some("node:internal/timers")));
        assert!(!node(Some("/app/node_modules/express/lib/router/layer.js")));
        assert!(!node(Some("events.js")));
        assert!(!node(None));
        let rs = |f, p: Option<&str>| none.is_in_app(&frame(f, None, p), Language::Rust);
        assert!(rs("orders::handle", Some("./src/main.rs")));
        assert!(!rs("core::panicking::panic", None));
        assert!(!rs("std[e28293b1aa0f68bd]::panicking::default_hook", None));
        assert!(!rs(
            "tokio::runtime::x",
            Some("/home/ci/.cargo/registry/src/tokio/x.rs")
        ));
        let net = |m| none.is_in_app(&frame("M", Some(m), None), Language::DotNet);
        assert!(net("Acme.Orders.Service"));
        assert!(!net("System.Linq.Enumerable"));
        assert!(!net(
            "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor"
        ));
        let rb = |p| none.is_in_app(&frame("m", None, Some(p)), Language::Ruby);
        assert!(rb("/srv/app/lib/invoice.rb"));
        assert!(!rb("/usr/local/bundle/gems/activesupport-7.1.2/lib/x.rb"));
        assert!(!rb("<internal:kernel>"));
        assert!(!rb("/usr/local/lib/ruby/3.2.0/benchmark.rb"));
        assert!(!rb("activesupport (7.1.2) lib/active_support/callbacks.rb"));
        let php = |p: Option<&str>| none.is_in_app(&frame("f", None, p), Language::Php);
        assert!(php(Some("/var/www/src/Cart.php")));
        assert!(php(Some("/var/www/public/index.php")));
        assert!(!php(Some(
            "/var/www/vendor/laravel/framework/src/Illuminate/Routing/Route.php"
        )));
        assert!(!php(Some("/usr/share/php/Mail.php")));
        assert!(!php(None), "[internal function]");
    }

    #[test]
    fn service_rules() {
        let rules = InAppRules {
            app_paths: vec!["/srv/app/".into(), "src/".into()],
            app_packages: vec!["com.acme.".into(), "github.com/acme/".into()],
        };
        assert!(rules.is_in_app(&frame("f", None, Some("/srv/app/x.py")), Language::Python));
        assert!(rules.is_in_app(&frame("f", None, Some("./src/main.rs")), Language::Rust));
        assert!(!rules.is_in_app(&frame("f", None, Some("/srv/other/x.py")), Language::Python));
        assert!(!rules.is_in_app(
            &frame("f", None, Some("/srv/app/node_modules/x/index.js")),
            Language::Node
        ));
        assert!(rules.is_in_app(
            &frame("run", Some("com.acme.App"), Some("App.java")),
            Language::Java
        ));
        assert!(!rules.is_in_app(
            &frame("run", Some("org.spring.X"), Some("X.java")),
            Language::Java
        ));
        assert!(rules.is_in_app(
            &frame("(*S).Get", Some("github.com/acme/x"), None),
            Language::Go
        ));
        let installed = InAppRules {
            app_paths: vec!["/usr/local/lib/python3.12/site-packages/orders/".into()],
            app_packages: vec![],
        };
        let py = |p| installed.is_in_app(&frame("f", None, Some(p)), Language::Python);
        assert!(py("/usr/local/lib/python3.12/site-packages/orders/api.py"));
        assert!(!py(
            "/usr/local/lib/python3.12/site-packages/requests/api.py"
        ));
        assert!(!py(
            "/usr/local/lib/python3.12/site-packages/orders/vendor/six.py"
        ));
    }

    #[test]
    fn apply_marks_every_frame() {
        let text = include_str!("../../tests/data/traces/java_caused_suppressed.txt");
        let mut p = super::super::java::parse(text).unwrap();
        InAppRules::default().apply(&mut p);
        let marks: Vec<bool> = p.chain[0].frames.iter().map(|f| f.in_app).collect();
        assert_eq!(marks, [true, false]);
    }
}
