//! `cargo xtask changelog [BASE]`: drafts the next version's `CHANGELOG.md` entry (Keep a
//! Changelog sections) from the spec diff and the Rust surface diff; `--write` inserts it under
//! `## [Unreleased]`. The draft is a start: a maintainer edits the wording.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::DiffOptions;
use crate::diff::{self, Analysis, CHANGELOG, RustSide};
use crate::spec_diff::{Change, Impact, Place, What};

/// `cargo xtask changelog`.
pub fn run(root: &Path, opts: &DiffOptions) -> Result<(), String> {
    let analysis = diff::analyse(root, opts)?;
    let entry = draft(&analysis);
    print!("{entry}");
    if let Some(path) = &opts.output {
        std::fs::write(path, &entry)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if opts.write {
        let path = root.join(CHANGELOG);
        let current = std::fs::read_to_string(&path).unwrap_or_else(|_| HEADER.to_owned());
        std::fs::write(&path, insert(&current, &entry))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("xtask changelog: inserted the draft into {CHANGELOG}");
    }
    Ok(())
}

/// The head of a new changelog.
const HEADER: &str = "# Changelog\n\nAll notable changes to this project are documented in this \
file. The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and this \
project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n## [Unreleased]\n";

/// `changelog` with `entry` inserted after `## [Unreleased]` (or before the first release).
pub fn insert(changelog: &str, entry: &str) -> String {
    if let Some(at) = changelog.find("## [Unreleased]") {
        let end = changelog[at..]
            .find('\n')
            .map_or(changelog.len(), |n| at + n + 1);
        format!("{}\n{entry}{}", &changelog[..end], &changelog[end..])
    } else if let Some(at) = changelog.find("\n## [") {
        format!("{}\n{entry}{}", &changelog[..=at], &changelog[at + 1..])
    } else {
        format!("{}\n{entry}", changelog.trim_end())
    }
}

/// The version the entry is for: the crates' version if it was already bumped past the
/// baseline, else the baseline's bumped by the rating.
fn next_version(a: &Analysis) -> String {
    let Some(krate) = a.bumps.iter().find(|b| b.cargo) else {
        return "Unreleased".to_owned();
    };
    match (krate.before, krate.after) {
        (Some(before), Some(after)) if after > before => after.to_string(),
        (Some(before), _) => before
            .next(a.rating().unwrap_or(Impact::Patch), true)
            .to_string(),
        (None, Some(after)) => after.to_string(),
        (None, None) => "Unreleased".to_owned(),
    }
}

/// The drafted entry.
pub fn draft(a: &Analysis) -> String {
    let mut sections: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut texts = 0;
    let mut grouped: BTreeMap<(Place, &str, What, &str), Vec<&Change>> = BTreeMap::new();
    for c in &a.changes {
        if c.place == Place::Operation {
            let section = match c.what {
                What::Added => "Added",
                What::Removed => "Removed",
                _ if c.impact == Impact::Patch => {
                    texts += 1;
                    continue;
                }
                _ => "Changed",
            };
            let line = format!("`{}`: {}", c.operation, c.detail);
            sections
                .entry(section)
                .or_default()
                .push(mark(c.impact, line));
            continue;
        }
        if c.impact == Impact::Patch {
            texts += 1;
            continue;
        }
        grouped
            .entry((c.place, c.field.as_str(), c.what, c.detail.as_str()))
            .or_default()
            .push(c);
    }
    for ((place, _, what, detail), changes) in grouped {
        let side = if place == Place::Request {
            "Request"
        } else {
            "Response"
        };
        let ops = changes
            .iter()
            .map(|c| format!("`{}`", c.operation))
            .collect::<Vec<_>>();
        let ops = if ops.len() > 3 {
            format!("{} operations", ops.len())
        } else {
            ops.join(", ")
        };
        let mut line = format!(
            "{side} field `{}` ({ops}): {detail}",
            crate::spec_diff::field_name(changes[0])
        );
        if let Some(note) = &changes[0].rust {
            let _ = write!(line, " (Rust: {note})");
        }
        let section = match what {
            What::Added => "Added",
            What::Removed => "Removed",
            _ => "Changed",
        };
        let impact = changes
            .iter()
            .map(|c| c.impact)
            .max()
            .unwrap_or(Impact::Patch);
        sections
            .entry(section)
            .or_default()
            .push(mark(impact, line));
    }
    if texts > 0 {
        sections.entry("Changed").or_default().push(format!(
            "Documentation: {texts} summaries and descriptions reworded."
        ));
    }
    if let RustSide::Ran(o) = &a.rust {
        for f in &o.findings {
            let line = format!(
                "`{}` ({}): {} — {}",
                f.krate,
                f.lint,
                f.title,
                f.items.join("; ")
            );
            let impact = if f.level == "failure" {
                Impact::Major
            } else {
                Impact::Minor
            };
            sections
                .entry("Rust API")
                .or_default()
                .push(mark(impact, line));
        }
    }

    let mut s = format!("## [{}] - {}\n\n", next_version(a), crate::clock::today());
    let _ = writeln!(
        s,
        "<!-- drafted by `cargo xtask changelog` against {} ({}); rating: {}. Edit before release. -->\n",
        a.base.rev,
        a.base.commit,
        a.rating()
            .map_or_else(|| "no change".to_owned(), |r| r.to_string())
    );
    for section in ["Added", "Changed", "Removed", "Rust API"] {
        if let Some(lines) = sections.get(section) {
            let _ = writeln!(s, "### {section}\n");
            for line in lines {
                let _ = writeln!(s, "- {line}");
            }
            s.push('\n');
        }
    }
    s
}

/// A breaking line starts with **Breaking:**.
fn mark(impact: Impact, line: String) -> String {
    if impact == Impact::Major {
        format!("**Breaking:** {line}")
    } else {
        line
    }
}
