//! SKELETON: one builder per kind.
