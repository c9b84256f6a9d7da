//! [`FaultSet`]: which of a run's drawn faults the network injects.
//!
//! The unreliable network draws its faults (a request or a reply lost, a
//! reply held back, a request duplicated) from the run's seed. The faults
//! are numbered from 0 in the order they are drawn, and a run injects those
//! its fault set keeps: all of them by default, which is the run the seed
//! alone gives. A fault left out is spared: its message goes on as if the
//! draw had been benign, at the shortest latency, and the draws that follow
//! are the ones the seed gives, so that the run is the same up to where the
//! spared message changes what the servers do. Every fault set gives a
//! genuine run of the same code, replayable from the seed and the set:
//! shrinking a failure searches for a small set that still fails.
//!
//! On the command line a set is `all`, `none`, or a list of indices and
//! ranges (`3,17,40-44`).

use std::fmt;
use std::str::FromStr;

/// Which drawn faults a run injects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FaultSet {
    /// Every fault the seed draws.
    #[default]
    All,
    /// Only these, by the order in which they are drawn (sorted, distinct).
    Only(Vec<u64>),
}

impl FaultSet {
    /// The set of exactly `indices` (in any order, repeats ignored).
    pub fn only(indices: impl IntoIterator<Item = u64>) -> FaultSet {
        let mut kept: Vec<u64> = indices.into_iter().collect();
        kept.sort_unstable();
        kept.dedup();
        FaultSet::Only(kept)
    }

    /// Whether the `index`-th drawn fault is injected.
    pub fn contains(&self, index: u64) -> bool {
        match self {
            FaultSet::All => true,
            FaultSet::Only(kept) => kept.binary_search(&index).is_ok(),
        }
    }

    /// Whether this is every fault.
    pub fn is_all(&self) -> bool {
        matches!(self, FaultSet::All)
    }
}

impl fmt::Display for FaultSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = match self {
            FaultSet::All => return f.write_str("all"),
            FaultSet::Only(kept) if kept.is_empty() => return f.write_str("none"),
            FaultSet::Only(kept) => kept,
        };
        let mut first = true;
        let mut i = 0;
        while i < kept.len() {
            let start = kept[i];
            let mut end = start;
            while i + 1 < kept.len() && kept[i + 1] == end + 1 {
                i += 1;
                end = kept[i];
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if end == start {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
            i += 1;
        }
        Ok(())
    }
}

/// Why a fault set did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSetError {
    /// The part that is wrong.
    pub part: String,
}

impl fmt::Display for FaultSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a fault index or range: a fault set is `all`, `none`, or indices and ranges such as `3,17,40-44`",
            self.part
        )
    }
}

impl std::error::Error for FaultSetError {}

impl FromStr for FaultSet {
    type Err = FaultSetError;

    fn from_str(s: &str) -> Result<FaultSet, FaultSetError> {
        match s.trim() {
            "all" => return Ok(FaultSet::All),
            "none" | "" => return Ok(FaultSet::Only(Vec::new())),
            _ => {}
        }
        let mut kept = Vec::new();
        for part in s.split(',') {
            let bad = || FaultSetError {
                part: part.to_string(),
            };
            let number = |t: &str| t.trim().parse::<u64>().map_err(|_| bad());
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (number(a)?, number(b)?);
                    if b < a || b - a > 1 << 24 {
                        return Err(bad());
                    }
                    kept.extend(a..=b);
                }
                None => kept.push(number(part)?),
            }
        }
        Ok(FaultSet::only(kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_prints_as_ranges_and_parses_back() {
        let set = FaultSet::only([40, 3, 41, 17, 42, 3, 44]);
        assert_eq!(set.to_string(), "3,17,40-42,44");
        assert_eq!("3,17,40-42,44".parse::<FaultSet>().unwrap(), set);
        assert_eq!("all".parse::<FaultSet>().unwrap(), FaultSet::All);
        assert_eq!(FaultSet::only([]).to_string(), "none");
        assert_eq!("none".parse::<FaultSet>().unwrap(), FaultSet::only([]));
        assert!(set.contains(41) && !set.contains(43) && FaultSet::All.contains(7));
    }

    #[test]
    fn a_malformed_set_names_its_bad_part() {
        for bad in ["3,x", "5-2", "1,,2", "-4", "all,3"] {
            let e = bad.parse::<FaultSet>().unwrap_err();
            assert!(
                e.to_string().contains("is not a fault index or range"),
                "{bad}: {e}"
            );
        }
        assert_eq!("3,x".parse::<FaultSet>().unwrap_err().part, "x");
    }
}
