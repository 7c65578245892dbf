//! `cargo xtask diff [BASE]`: gathers the spec diff (ours and Redocly's), the Rust surface diff
//! (cargo-semver-checks) and the versions, prints the report, and applies the two gates: a
//! major change needs bumped crate versions and `info.version`, and a spec change needs a
//! `CHANGELOG.md` change.

use std::path::Path;
use std::process::Command;

use crate::DiffOptions;
use crate::git::{self, Base};
use crate::semver::Outcome;
use crate::spec_diff::{Change, Impact};
use crate::versions::{self, Bump};
use crate::{fields, redocly, report, semver, spec_diff};

/// The changelog's path, relative to the workspace root.
pub const CHANGELOG: &str = "CHANGELOG.md";

/// What happened to the Rust side.
#[derive(Debug)]
pub enum RustSide {
    /// cargo-semver-checks ran.
    Ran(Outcome),
    /// It did not run, and why.
    Skipped(String),
    /// It ran and broke.
    Failed(String),
}

/// What happened to Redocly's diff.
#[derive(Debug)]
pub enum RedoclySide {
    /// It ran.
    Ran(redocly::Report),
    /// It did not run, and why.
    Skipped(String),
}

/// Everything the report and the gates need.
#[derive(Debug)]
pub struct Analysis {
    /// The baseline.
    pub base: Base,
    /// Our structural diff of the spec.
    pub changes: Vec<Change>,
    /// Redocly's diff.
    pub redocly: RedoclySide,
    /// cargo-semver-checks' diff.
    pub rust: RustSide,
    /// The versions at BASE and now.
    pub bumps: Vec<Bump>,
    /// Whether the spec file changed since BASE.
    pub spec_changed: bool,
    /// Whether the changelog changed since BASE.
    pub changelog_changed: bool,
}

impl Analysis {
    /// The rating of everything: the spec changes, Redocly's extra findings, and a failed
    /// cargo-semver-checks lint (a break of the Rust surface) as major.
    pub fn rating(&self) -> Option<Impact> {
        let spec = spec_diff::rating(&self.changes);
        let extra = match &self.redocly {
            RedoclySide::Ran(r) => r.extras.iter().map(|e| e.impact).max(),
            RedoclySide::Skipped(_) => None,
        };
        let rust = match &self.rust {
            RustSide::Ran(o) if o.findings.iter().any(|f| f.level == "failure") => {
                Some(Impact::Major)
            }
            _ => None,
        };
        spec.max(extra).max(rust)
    }

    /// The rating of the API itself (what `info.version` follows): the spec changes and
    /// Redocly's extra findings, without the Rust surface.
    pub fn spec_rating(&self) -> Option<Impact> {
        let extra = match &self.redocly {
            RedoclySide::Ran(r) => r.extras.iter().map(|e| e.impact).max(),
            RedoclySide::Skipped(_) => None,
        };
        spec_diff::rating(&self.changes).max(extra)
    }

    /// The rating a version must match: the crates follow everything, `info.version` the API.
    pub fn rating_for(&self, bump: &Bump) -> Option<Impact> {
        if bump.cargo {
            self.rating()
        } else {
            self.spec_rating()
        }
    }

    /// The versions that were not bumped enough for a major change.
    pub fn short_bumps(&self) -> Vec<&Bump> {
        self.bumps
            .iter()
            .filter(|b| self.rating_for(b) == Some(Impact::Major) && !b.enough_for(Impact::Major))
            .collect()
    }

    /// What fails the diff: a major change without bumps, a spec change without a changelog.
    pub fn gate_failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        let short = self.short_bumps();
        if !short.is_empty() {
            out.push(format!(
                "a major change needs {}",
                short
                    .iter()
                    .map(|b| match b.before {
                        Some(v) => format!(
                            "{} ≥ {} (is {})",
                            b.name,
                            v.next(Impact::Major, b.cargo),
                            b.after
                                .map_or_else(|| "missing".to_owned(), |v| v.to_string())
                        ),
                        None => b.name.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.spec_changed && !self.changelog_changed {
            out.push(format!(
                "{} changed since {} but {CHANGELOG} did not; run `cargo xtask changelog --write` \
                 and edit the entry",
                nicerouter_kling_spec::SPEC_PATH,
                self.base.rev
            ));
        }
        out
    }
}

/// Runs every diff against the baseline.
pub fn analyse(root: &Path, opts: &DiffOptions) -> Result<Analysis, String> {
    let base = git::resolve_base(root, opts.base.as_deref())?;
    let spec_path = nicerouter_kling_spec::SPEC_PATH;
    let old_yaml = git::show(root, &base.rev, spec_path)?.unwrap_or_default();
    let new_yaml = std::fs::read_to_string(root.join(spec_path))
        .map_err(|e| format!("cannot read {spec_path}: {e}"))?;
    let old_ops = if old_yaml.is_empty() {
        Default::default()
    } else {
        let spec = nicerouter_kling_spec::parse(&old_yaml)
            .map_err(|e| format!("{spec_path} at {}: {e}", base.rev))?;
        fields::operations(&spec)
    };
    let new_spec =
        nicerouter_kling_spec::parse(&new_yaml).map_err(|e| format!("{spec_path}: {e}"))?;
    let changes = spec_diff::diff(&old_ops, &fields::operations(&new_spec));

    let redocly = if opts.no_redocly {
        RedoclySide::Skipped("skipped (--no-redocly)".to_owned())
    } else if old_yaml.is_empty() {
        RedoclySide::Skipped(format!("no {spec_path} at the baseline"))
    } else {
        match redocly::locate(root) {
            None => RedoclySide::Skipped(
                "Redocly CLI is not installed (run `bash tools/semver/install.sh`)".to_owned(),
            ),
            Some(bin) => match redocly::run(&bin, &old_yaml, &new_yaml) {
                Ok(r) => RedoclySide::Ran(r),
                Err(e) => RedoclySide::Skipped(format!("Redocly's diff failed: {e}")),
            },
        }
    };

    let rust = rust_side(root, opts, &base)?;
    Ok(Analysis {
        bumps: versions::bumps(root, &base.rev)?,
        spec_changed: git::changed_since(root, &base.rev, spec_path)?,
        changelog_changed: git::changed_since(root, &base.rev, CHANGELOG)?,
        base,
        changes,
        redocly,
        rust,
    })
}

/// The sources the published crates are built from: a change elsewhere cannot change their
/// public surface.
const RUST_SOURCES: [&str; 6] = [
    "openapi",
    "codegen",
    "generated",
    "wrapper",
    "Cargo.toml",
    "Cargo.lock",
];

fn rust_side(root: &Path, opts: &DiffOptions, base: &Base) -> Result<RustSide, String> {
    if opts.no_rust {
        return Ok(RustSide::Skipped("skipped (--no-rust)".to_owned()));
    }
    let Some(bin) = semver::locate(root) else {
        return Ok(RustSide::Skipped(
            "**cargo-semver-checks is not installed**: the Rust surface was NOT checked \
             (install it with `bash tools/semver/install.sh`)"
                .to_owned(),
        ));
    };
    let unchanged = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["diff", "--quiet", &base.rev, "--"])
        .args(RUST_SOURCES)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if unchanged {
        return Ok(RustSide::Skipped(format!(
            "not needed: nothing the published crates are built from ({}) changed since {}",
            RUST_SOURCES.join(", "),
            base.rev
        )));
    }
    let crates: Vec<&str> = versions::CRATES.iter().map(|(name, _)| *name).collect();
    Ok(match semver::run(&bin, root, &base.rev, &crates) {
        Ok(outcome) => RustSide::Ran(outcome),
        Err(e) => RustSide::Failed(e),
    })
}

/// `cargo xtask diff`.
pub fn run(root: &Path, opts: &DiffOptions) -> Result<(), String> {
    let analysis = analyse(root, opts)?;
    let text = report::render(&analysis);
    print!("{text}");
    if let Some(path) = &opts.output {
        std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let RustSide::Failed(e) = &analysis.rust {
        return Err(e.clone());
    }
    let failures = analysis.gate_failures();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n  "))
    }
}
