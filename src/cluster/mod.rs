//! Log template mining and fingerprints (pure: values in, values out).
