//! The few git questions the diff asks: which revision is the baseline, what a file was there,
//! and whether a file changed since.

use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    } else {
        Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The baseline and how it was chosen.
#[derive(Debug, Clone)]
pub struct Base {
    /// The revision as given or found (a tag name, or a commit).
    pub rev: String,
    /// Its commit, abbreviated.
    pub commit: String,
    /// How it was chosen, for the report.
    pub why: String,
}

/// The baseline: `given` if any; otherwise the last release tag reachable from HEAD; otherwise
/// the merge-base of HEAD with `main` (or `origin/main`), which on main itself is HEAD, so
/// that only the work tree's changes are rated.
pub fn resolve_base(root: &Path, given: Option<&str>) -> Result<Base, String> {
    let (rev, why) = match given {
        Some(rev) => (rev.to_owned(), "given on the command line".to_owned()),
        None => default_base(root)?,
    };
    let commit = git(
        root,
        &["rev-parse", "--short", &format!("{rev}^{{commit}}")],
    )
    .map_err(|_| format!("BASE `{rev}` is not a commit of this repository"))?;
    // A merge-base comes back as a full hash: show it short, as git does.
    let rev = if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        commit.clone()
    } else {
        rev
    };
    Ok(Base { rev, commit, why })
}

/// The default baseline and why it was picked.
pub fn default_base(root: &Path) -> Result<(String, String), String> {
    if let Ok(tag) = git(root, &["describe", "--tags", "--abbrev=0", "HEAD"])
        && !tag.is_empty()
    {
        return Ok((tag.clone(), format!("the last release tag, `{tag}`")));
    }
    for main in ["main", "origin/main"] {
        if let Ok(commit) = git(root, &["merge-base", "HEAD", main]) {
            return Ok((
                commit,
                format!("no release tag; the merge-base of HEAD with `{main}`"),
            ));
        }
    }
    Ok((
        "HEAD".to_owned(),
        "no release tag and no `main` branch; HEAD".to_owned(),
    ))
}

/// A file's text at `rev`, or `None` when it did not exist there.
pub fn show(root: &Path, rev: &str, path: &str) -> Result<Option<String>, String> {
    let spec = format!("{rev}:{path}");
    if git(root, &["cat-file", "-e", &spec]).is_err() {
        return Ok(None);
    }
    git(root, &["show", &spec]).map(Some)
}

/// Whether `path` in the work tree differs from `rev` (an untracked new file counts).
pub fn changed_since(root: &Path, rev: &str, path: &str) -> Result<bool, String> {
    let then = show(root, rev, path)?;
    let now = std::fs::read_to_string(root.join(path)).ok();
    Ok(then.as_deref().map(str::trim_end) != now.as_deref().map(str::trim_end))
}
