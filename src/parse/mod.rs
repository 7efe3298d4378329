//! Multi-line assembly and stack-trace parsers, one file per language (pure: values in, values out).
