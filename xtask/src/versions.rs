//! The versions a release bumps: the published crates' (`nicerouter-kling-raw`,
//! `nicerouter-kling`) and the spec's `info.version`, and whether a bump is big enough for a
//! change.

use std::fmt;
use std::path::Path;

use crate::git;
use crate::spec_diff::Impact;

/// The crates whose public surface users see, with their manifests.
pub const CRATES: [(&str, &str); 2] = [
    ("nicerouter-kling-raw", "generated/Cargo.toml"),
    ("nicerouter-kling", "wrapper/Cargo.toml"),
];

/// A `MAJOR.MINOR.PATCH` version (pre-release and build suffixes are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// Parses `1.2.3` (and `1.2.3-rc.1`, read as `1.2.3`).
    pub fn parse(s: &str) -> Option<Version> {
        let core = s.trim().trim_matches('"').split(['-', '+']).next()?;
        let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
        Some(Version(
            it.next()??,
            it.next()??,
            it.next().flatten().unwrap_or(0),
        ))
    }

    /// The smallest version after `self` that a change of `impact` needs, by Cargo's rules for
    /// crates (`0.y.z`: a breaking change bumps `y`, anything else bumps `z`) when `cargo` is
    /// true, and by plain semver otherwise.
    pub fn next(self, impact: Impact, cargo: bool) -> Version {
        let Version(x, y, z) = self;
        match (impact, cargo && x == 0) {
            (Impact::Major, false) => Version(x + 1, 0, 0),
            (Impact::Major, true) => Version(0, y + 1, 0),
            (Impact::Minor, false) => Version(x, y + 1, 0),
            (Impact::Minor, true) | (Impact::Patch, _) => Version(x, y, z + 1),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// One versioned thing at the baseline and now.
#[derive(Debug, Clone)]
pub struct Bump {
    /// `nicerouter-kling` or `info.version`.
    pub name: String,
    /// At the baseline (none when it did not exist).
    pub before: Option<Version>,
    /// In the work tree.
    pub after: Option<Version>,
    /// Whether Cargo's `0.y.z` rules apply.
    pub cargo: bool,
}

impl Bump {
    /// Whether the bump is at least what `impact` needs (a new thing always is).
    pub fn enough_for(&self, impact: Impact) -> bool {
        match (self.before, self.after) {
            (Some(before), Some(after)) => after >= before.next(impact, self.cargo),
            _ => true,
        }
    }
}

/// The crates' and the spec's versions at `base` and now.
pub fn bumps(root: &Path, base: &str) -> Result<Vec<Bump>, String> {
    let mut out = Vec::new();
    let workspace_then = git::show(root, base, "Cargo.toml")?;
    let workspace_now = std::fs::read_to_string(root.join("Cargo.toml")).ok();
    for (name, manifest) in CRATES {
        let then = git::show(root, base, manifest)?;
        let now = std::fs::read_to_string(root.join(manifest)).ok();
        if then.is_none() && now.is_none() {
            continue;
        }
        out.push(Bump {
            name: name.to_owned(),
            before: crate_version(then.as_deref(), workspace_then.as_deref()),
            after: crate_version(now.as_deref(), workspace_now.as_deref()),
            cargo: true,
        });
    }
    let spec = nicerouter_kling_spec::SPEC_PATH;
    let then = git::show(root, base, spec)?;
    let now = std::fs::read_to_string(root.join(spec)).ok();
    out.push(Bump {
        name: "info.version".to_owned(),
        before: then.as_deref().and_then(info_version),
        after: now.as_deref().and_then(info_version),
        cargo: false,
    });
    Ok(out)
}

/// A crate's version from its manifest, following `version.workspace = true` to the
/// workspace's `[workspace.package]`.
fn crate_version(manifest: Option<&str>, workspace: Option<&str>) -> Option<Version> {
    let own = table_value(manifest?, "package", "version");
    match own {
        Some(v) => Version::parse(&v),
        None => Version::parse(&table_value(workspace?, "workspace.package", "version")?),
    }
}

/// `key = "value"` in `[table]` of a TOML text (enough for Cargo manifests).
fn table_value(toml: &str, table: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{table}]");
            continue;
        }
        if !inside {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() == key {
            let v = v.trim();
            return v.starts_with('"').then(|| v.trim_matches('"').to_owned());
        }
    }
    None
}

/// `info.version` of a spec's YAML.
pub fn info_version(yaml: &str) -> Option<Version> {
    let value = nicerouter_kling_spec::parse_value(yaml).ok()?;
    Version::parse(value.get("info")?.get("version")?.as_str()?)
}
