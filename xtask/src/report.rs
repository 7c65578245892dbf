//! The Markdown report of `cargo xtask diff`: the operations added and removed, then each
//! request and response field changed (grouped across the operations that share it), then what
//! Redocly alone saw, the Rust surface, the versions and the changelog.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diff::{Analysis, RedoclySide, RustSide};
use crate::spec_diff::{Change, Impact, Place, What};

/// One line of a field table: the same change in several operations.
type Group<'a> = BTreeMap<(std::cmp::Reverse<Impact>, &'a str, What, &'a str), Vec<&'a Change>>;

/// The whole report.
pub fn render(a: &Analysis) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# API changes since `{}` ({})\n",
        a.base.rev, a.base.commit
    );
    let _ = writeln!(s, "Baseline: {}.\n", a.base.why);
    let rating = a
        .rating()
        .map_or_else(|| "no change".to_owned(), |r| format!("**{r}**"));
    let _ = writeln!(
        s,
        "Rating: {rating} (the spec, by `cargo xtask diff`'s own rules: {}; {}; {}).\n",
        crate::spec_diff::rating(&a.changes)
            .map_or_else(|| "no change".to_owned(), |r| r.to_string()),
        match &a.redocly {
            RedoclySide::Ran(r) => format!(
                "Redocly: {}",
                r.bump
                    .map_or_else(|| "no change".to_owned(), |b| b.to_string())
            ),
            RedoclySide::Skipped(_) => "Redocly: not run".to_owned(),
        },
        match &a.rust {
            RustSide::Ran(o) if o.findings.iter().any(|f| f.level == "failure") =>
                "Rust surface: breaking".to_owned(),
            RustSide::Ran(_) => "Rust surface: no break found".to_owned(),
            _ => "Rust surface: not checked".to_owned(),
        }
    );

    operations(&mut s, a);
    for (place, title) in [
        (Place::Request, "Request fields"),
        (Place::Response, "Response fields"),
    ] {
        fields(&mut s, a, place, title);
    }
    redocly(&mut s, a);
    rust(&mut s, a);
    versions(&mut s, a);
    let _ = writeln!(s, "## Changelog\n");
    let _ = writeln!(
        s,
        "{}\n",
        match (a.spec_changed, a.changelog_changed) {
            (false, _) => "The spec did not change since the baseline.".to_owned(),
            (true, true) =>
                "The spec and `CHANGELOG.md` both changed since the baseline.".to_owned(),
            (true, false) => "**The spec changed since the baseline but `CHANGELOG.md` did not** \
                              (draft an entry with `cargo xtask changelog --write`)."
                .to_owned(),
        }
    );
    s
}

fn operations(s: &mut String, a: &Analysis) {
    let ops: Vec<&Change> = a
        .changes
        .iter()
        .filter(|c| c.place == Place::Operation)
        .collect();
    let _ = writeln!(s, "## Operations\n");
    if ops.is_empty() {
        let _ = writeln!(s, "No operation added, removed or changed.\n");
        return;
    }
    for (what, title) in [(What::Added, "Added"), (What::Removed, "Removed")] {
        let list: Vec<&&Change> = ops
            .iter()
            .filter(|c| c.what == what && c.detail.contains("operation"))
            .collect();
        if !list.is_empty() {
            let _ = writeln!(s, "{title} ({}):\n", list.len());
            for c in list {
                let _ = writeln!(s, "- {} `{}`: {}", c.impact, c.operation, c.detail);
            }
            s.push('\n');
        }
    }
    let other: Vec<&&Change> = ops
        .iter()
        .filter(|c| {
            !(matches!(c.what, What::Added | What::Removed) && c.detail.contains("operation"))
        })
        .collect();
    if !other.is_empty() {
        let _ = writeln!(s, "Changed:\n");
        for c in other {
            let _ = writeln!(s, "- {} `{}`: {}", c.impact, c.operation, c.detail);
        }
        s.push('\n');
    }
}

fn fields(s: &mut String, a: &Analysis, place: Place, title: &str) {
    let mut groups: Group<'_> = BTreeMap::new();
    for c in a.changes.iter().filter(|c| c.place == place) {
        groups
            .entry((
                std::cmp::Reverse(c.impact),
                c.field.as_str(),
                c.what,
                c.detail.as_str(),
            ))
            .or_default()
            .push(c);
    }
    let _ = writeln!(s, "## {title}\n");
    if groups.is_empty() {
        let _ = writeln!(s, "No change.\n");
        return;
    }
    let _ = writeln!(s, "| Impact | Field | Change | Operations |");
    let _ = writeln!(s, "|---|---|---|---|");
    for ((impact, _, what, detail), changes) in &groups {
        let field = crate::spec_diff::field_name(changes[0]);
        let mut change = format!("{what}: {}", escape(detail));
        if let Some(note) = &changes[0].rust {
            let _ = write!(change, " — Rust: {}", escape(note));
        }
        let named: Vec<String> = changes
            .iter()
            .map(|c| format!("`{}`", c.operation))
            .collect();
        let ops = if named.len() > 3 {
            format!("{} and {} more", named[..2].join(", "), named.len() - 2)
        } else {
            named.join(", ")
        };
        let _ = writeln!(s, "| {} | `{field}` | {change} | {ops} |", impact.0);
    }
    s.push('\n');
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn redocly(s: &mut String, a: &Analysis) {
    let _ = writeln!(s, "## Redocly's `diff`\n");
    match &a.redocly {
        RedoclySide::Skipped(why) => {
            let _ = writeln!(s, "Not run: {why}.\n");
        }
        RedoclySide::Ran(r) => {
            let (major, minor, patch) = r.counts;
            let _ = writeln!(
                s,
                "Redocly rates the same change **{}** ({major} major, {minor} minor, {patch} patch). \
                 It rates by location in the document; the tables above are ours.",
                r.bump
                    .map_or_else(|| "no change".to_owned(), |b| b.to_string())
            );
            if r.extras.is_empty() {
                let _ = writeln!(
                    s,
                    "It found nothing outside the bodies and operations that our diff covers.\n"
                );
            } else {
                let _ = writeln!(
                    s,
                    "What it found outside the bodies and operations that our diff covers:\n"
                );
                for e in &r.extras {
                    let _ = writeln!(
                        s,
                        "- {} {} `{}`{}{}",
                        e.impact,
                        e.kind,
                        e.path,
                        e.property
                            .as_deref()
                            .map(|p| format!(" · `{p}`"))
                            .unwrap_or_default(),
                        e.message
                            .as_deref()
                            .map(|m| format!(": {}", escape(m)))
                            .unwrap_or_default()
                    );
                }
                s.push('\n');
            }
        }
    }
}

fn rust(s: &mut String, a: &Analysis) {
    let _ = writeln!(s, "## Rust surface (cargo-semver-checks)\n");
    match &a.rust {
        RustSide::Skipped(why) => {
            let _ = writeln!(s, "Not run: {why}.\n");
        }
        RustSide::Failed(e) => {
            let _ = writeln!(s, "**It failed to run**:\n\n```\n{e}\n```\n");
        }
        RustSide::Ran(o) => {
            let _ = writeln!(
                s,
                "Ran in {:.0} s against `{}`.\n",
                o.took.as_secs_f64(),
                a.base.rev
            );
            for line in &o.summaries {
                let _ = writeln!(s, "- {line}");
            }
            if o.findings.is_empty() {
                let _ = writeln!(s, "\nNo lint failed.\n");
            } else {
                let _ = writeln!(s, "\n| Crate | Level | Lint | Items |");
                let _ = writeln!(s, "|---|---|---|---|");
                for f in &o.findings {
                    let _ = writeln!(
                        s,
                        "| `{}` | {} | `{}`: {} | {} |",
                        f.krate,
                        f.level,
                        f.lint,
                        escape(&f.title),
                        escape(&f.items.join("; "))
                    );
                }
                s.push('\n');
            }
        }
    }
}

fn versions(s: &mut String, a: &Analysis) {
    let _ = writeln!(s, "## Versions\n");
    let _ = writeln!(
        s,
        "The crates follow every change, the Rust surface's included; `info.version` follows the \
         API alone.\n"
    );
    let _ = writeln!(
        s,
        "| | at the baseline | now | its change | a major change needs |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    let show = |v: Option<crate::versions::Version>| v.map_or("—".to_owned(), |v| v.to_string());
    for b in &a.bumps {
        let needs = b.before.map_or("—".to_owned(), |v| {
            v.next(Impact::Major, b.cargo).to_string()
        });
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} |",
            b.name,
            show(b.before),
            show(b.after),
            a.rating_for(b)
                .map_or_else(|| "none".to_owned(), |r| r.to_string()),
            needs
        );
    }
    let short = a.short_bumps();
    let _ = writeln!(
        s,
        "\n{}\n",
        match (
            a.bumps.iter().filter_map(|b| a.rating_for(b)).max(),
            short.is_empty()
        ) {
            (Some(Impact::Major), true) =>
                "The change is major and every version was bumped to match.",
            (Some(Impact::Major), false) =>
                "**The change is major and the versions above were not bumped to match**: \
                 `cargo xtask diff` fails.",
            _ => "No major change: no bump is required.",
        }
    );
}
