//! Attribute macros for pottery, re-exported by the `pottery` crate (being written).
