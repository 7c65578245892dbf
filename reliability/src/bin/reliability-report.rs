//! Writes `RELIABILITY.md` at the workspace root from the figures the reliability tests wrote
//! (see the crate documentation for the command that regenerates everything).

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = nicerouter_kling_reliability::figures_dir();
    match nicerouter_kling_reliability::report::render(&dir) {
        Ok(markdown) => {
            let path = nicerouter_kling_reliability::workspace_root().join("RELIABILITY.md");
            match std::fs::write(&path, markdown) {
                Ok(()) => {
                    println!("wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot write {}: {e}", path.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
