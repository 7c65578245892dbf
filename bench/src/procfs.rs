//! What Linux says about this process in `/proc`: resident memory and its peak, and CPU time.

use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Resident memory now and its peak (`VmRSS`, `VmHWM`), in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// `VmRSS`.
    pub rss: u64,
    /// `VmHWM`: the peak of `VmRSS` since the process started or [`reset_peak`].
    pub peak: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/self/status`.
pub fn memory() -> Result<Memory> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    parse_memory(&status)
}

fn parse_memory(status: &str) -> Result<Memory> {
    let field = |name: &str| -> Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("no {name} in /proc/self/status"))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .with_context(|| format!("unreadable {line:?}"))?;
        Ok(kib * 1024)
    };
    Ok(Memory {
        rss: field("VmRSS:")?,
        peak: field("VmHWM:")?,
    })
}

/// Resets `VmHWM` to the current `VmRSS` (writes `5` to `/proc/self/clear_refs`, Linux 4.0+).
pub fn reset_peak() -> Result<()> {
    std::fs::write("/proc/self/clear_refs", "5").context("writing 5 to /proc/self/clear_refs")
}

/// User plus system CPU time of the whole process (`utime + stime` of `/proc/self/stat`, in
/// clock ticks of 10 ms: Linux's `USER_HZ` is 100 on every mainstream architecture).
pub fn process_cpu() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    parse_cpu_ticks(&stat).map(|ticks| Duration::from_millis(ticks * 10))
}

fn parse_cpu_ticks(stat: &str) -> Result<u64> {
    // The command name (field 2) is in parentheses and may contain spaces: count from the last `)`.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        bail!("unreadable /proc/self/stat");
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let tick = |i: usize| -> Result<u64> {
        fields
            .get(i - 3)
            .context("short /proc/self/stat")?
            .parse()
            .context("unreadable CPU ticks")
    };
    Ok(tick(14)? + tick(15)?)
}

/// CPU time of the calling thread, in nanoseconds (`/proc/thread-self/schedstat`, field 1).
pub fn thread_cpu() -> Result<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")
        .context("reading /proc/thread-self/schedstat")?;
    let ns: u64 = text
        .split_whitespace()
        .next()
        .context("empty schedstat")?
        .parse()
        .context("unreadable schedstat")?;
    Ok(Duration::from_nanos(ns))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn status_fields_are_read_in_bytes() {
        let status = "Name:\tx\nVmHWM:\t   2048 kB\nVmRSS:\t    1024 kB\n";
        let m = parse_memory(status).unwrap();
        assert_eq!((m.rss, m.peak), (1024 * 1024, 2048 * 1024));
        assert!(parse_memory("Name: x\n").is_err());
    }

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces() {
        let stat = "42 (a b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 0 0 20 0 1 0";
        // Fields after `)`: 3=S … 14=11, 15=12.
        assert_eq!(parse_cpu_ticks(stat).unwrap(), 23);
    }

    #[test]
    fn this_process_has_memory_and_cpu() {
        let m = memory().unwrap();
        assert!(m.rss > 0 && m.peak >= m.rss);
        let spin: u64 = (0..2_000_000u64).fold(0, |a, b| a.wrapping_add(b * b));
        assert!(spin > 0);
        assert!(thread_cpu().unwrap() > Duration::ZERO);
        process_cpu().unwrap();
    }
}
