//! [`Choices`]: the tester's random stream, and the edits ([`ChoiceEdits`])
//! that shrinking makes to it.
//!
//! A scenario takes every choice of its own (how long to wait, which server to
//! crash, which command to start, which client does what) from the tester's
//! stream. That stream is a sequence of 32-bit words drawn from the seed; each
//! number the tester asks for reads the next word or words (a `u64` two, the
//! low word first, and bytes four to a word), exactly as the seed's ChaCha8
//! stream gives them, so a run with no edits is the seed's own run.
//!
//! An edit names words by their position in the seed's stream: `zero` gives
//! 0 in their place (the smallest choice: no wait, the first server, the
//! first option), `skip` passes over them as if the seed had never drawn them
//! (every later choice moves up). Either way the scenario makes choices it
//! could have made from some seed, so an edited run is a genuine run of the
//! same code: shrinking a failure looks for edits that make it fail sooner.
//!
//! On the command line the edits are `seed` (none), or a list such as
//! `zero:0-40,skip:57,skip:90-99`.

use std::convert::Infallible;
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use rand::{Rng, TryRng};

use crate::seed::SimRng;

/// What an edit does to the words it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edit {
    /// Each word reads as 0.
    Zero,
    /// The words are passed over: the next word of the seed's stream is read
    /// in their place.
    Skip,
}

impl Edit {
    fn name(self) -> &'static str {
        match self {
            Edit::Zero => "zero",
            Edit::Skip => "skip",
        }
    }
}

/// Edits of the tester's stream, by the positions of its words in the seed's
/// stream: sorted, disjoint ranges, neighbours with the same edit merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChoiceEdits {
    ranges: Vec<(u64, u64, Edit)>,
}

impl ChoiceEdits {
    /// The longest range one edit may cover.
    pub const MAX_RANGE: u64 = 1 << 32;

    /// No edit: the seed's own stream.
    pub fn none() -> ChoiceEdits {
        ChoiceEdits::default()
    }

    /// Whether there is no edit.
    pub fn is_none(&self) -> bool {
        self.ranges.is_empty()
    }

    /// These edits with `edit` made to the words at `positions` too (it
    /// replaces what covered them before).
    pub fn with(&self, positions: RangeInclusive<u64>, edit: Edit) -> ChoiceEdits {
        let (a, b) = (*positions.start(), *positions.end());
        if b < a {
            return self.clone();
        }
        let mut ranges: Vec<(u64, u64, Edit)> = Vec::with_capacity(self.ranges.len() + 2);
        for &(s, e, k) in &self.ranges {
            if e < a || s > b {
                ranges.push((s, e, k));
                continue;
            }
            if s < a {
                ranges.push((s, a - 1, k));
            }
            if e > b {
                ranges.push((b + 1, e, k));
            }
        }
        ranges.push((a, b, edit));
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64, Edit)> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if last.2 == r.2 && last.1.checked_add(1) == Some(r.0) => last.1 = r.1,
                _ => merged.push(r),
            }
        }
        ChoiceEdits { ranges: merged }
    }

    /// The edit of the word at `position`, if any.
    pub fn at(&self, position: u64) -> Option<Edit> {
        self.covering(position).map(|(_, _, k)| k)
    }

    /// The edited ranges, in order: first and last position, and the edit.
    pub fn ranges(&self) -> impl Iterator<Item = (RangeInclusive<u64>, Edit)> + '_ {
        self.ranges.iter().map(|&(s, e, k)| (s..=e, k))
    }

    /// These edits without those at `end` or later: for a run that read
    /// `end` words, the same run.
    pub fn below(&self, end: u64) -> ChoiceEdits {
        let ranges = self
            .ranges
            .iter()
            .filter(|&&(s, _, _)| s < end)
            .map(|&(s, e, k)| (s, e.min(end - 1), k))
            .collect();
        ChoiceEdits { ranges }
    }

    /// How many words the edits cover.
    pub fn words(&self) -> u64 {
        self.ranges.iter().map(|&(s, e, _)| e - s + 1).sum()
    }

    fn covering(&self, position: u64) -> Option<(u64, u64, Edit)> {
        let i = self.ranges.partition_point(|&(s, _, _)| s <= position);
        let &(s, e, k) = self.ranges.get(i.checked_sub(1)?)?;
        (s..=e).contains(&position).then_some((s, e, k))
    }
}

impl fmt::Display for ChoiceEdits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ranges.is_empty() {
            return f.write_str("seed");
        }
        for (i, &(s, e, k)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if s == e {
                write!(f, "{}:{s}", k.name())?;
            } else {
                write!(f, "{}:{s}-{e}", k.name())?;
            }
        }
        Ok(())
    }
}

/// Why edits did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceEditsError {
    /// The part that is wrong.
    pub part: String,
}

impl fmt::Display for ChoiceEditsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an edit of the tester's choices: edits are `seed` (none), or a list of \
             `zero:` or `skip:` and a word's position or range, such as `zero:0-40,skip:57` \
             (a range covers at most {} words)",
            self.part,
            ChoiceEdits::MAX_RANGE
        )
    }
}

impl std::error::Error for ChoiceEditsError {}

impl FromStr for ChoiceEdits {
    type Err = ChoiceEditsError;

    fn from_str(s: &str) -> Result<ChoiceEdits, ChoiceEditsError> {
        let s = s.trim();
        if s.is_empty() || s == "seed" {
            return Ok(ChoiceEdits::none());
        }
        let mut edits = ChoiceEdits::none();
        for part in s.split(',') {
            let bad = || ChoiceEditsError {
                part: part.to_string(),
            };
            let (kind, at) = part.trim().split_once(':').ok_or_else(bad)?;
            let edit = match kind {
                "zero" => Edit::Zero,
                "skip" => Edit::Skip,
                _ => return Err(bad()),
            };
            let number = |t: &str| t.trim().parse::<u64>().map_err(|_| bad());
            let (a, b) = match at.split_once('-') {
                Some((a, b)) => (number(a)?, number(b)?),
                None => (number(at)?, number(at)?),
            };
            if b < a || b - a >= ChoiceEdits::MAX_RANGE {
                return Err(bad());
            }
            edits = edits.with(a..=b, edit);
        }
        Ok(edits)
    }
}

/// The tester's random stream: the seed's, with [`ChoiceEdits`] made to it.
/// Use the methods of [`rand::RngExt`] on it, as on any random stream.
#[derive(Clone, Debug)]
pub struct Choices {
    stream: SimRng,
    edits: ChoiceEdits,
}

impl Choices {
    /// The stream `stream` gives, with `edits`. `stream` must not have been
    /// read yet: positions count from its first word.
    pub fn new(stream: SimRng, edits: ChoiceEdits) -> Choices {
        debug_assert_eq!(stream.get_word_pos(), 0);
        Choices { stream, edits }
    }

    /// How many words of the seed's stream have been read, skipped ones too:
    /// every position an edit could name so far is below this.
    pub fn words_read(&self) -> u64 {
        self.stream.get_word_pos() as u64
    }

    /// The edits made to the stream.
    pub fn edits(&self) -> &ChoiceEdits {
        &self.edits
    }

    fn word(&mut self) -> u32 {
        loop {
            let position = self.words_read();
            match self.edits.covering(position) {
                None => return self.stream.next_u32(),
                Some((_, _, Edit::Zero)) => {
                    self.stream.next_u32();
                    return 0;
                }
                Some((_, end, Edit::Skip)) => self.stream.set_word_pos(u128::from(end) + 1),
            }
        }
    }
}

impl TryRng for Choices {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        if self.edits.is_none() {
            return self.stream.try_next_u32();
        }
        Ok(self.word())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        if self.edits.is_none() {
            return self.stream.try_next_u64();
        }
        let low = self.word();
        let high = self.word();
        Ok((u64::from(high) << 32) | u64::from(low))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if self.edits.is_none() {
            return self.stream.try_fill_bytes(dst);
        }
        for chunk in dst.chunks_mut(4) {
            let word = self.word().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{TESTER_STREAM, derive};
    use rand::RngExt;

    /// Reads a mix of every kind of draw, as a scenario does.
    fn draws(rng: &mut impl Rng) -> Vec<u64> {
        let mut out = Vec::new();
        for i in 0..40 {
            out.push(u64::from(rng.next_u32()));
            out.push(rng.next_u64());
            let mut bytes = [0u8; 7];
            rng.fill_bytes(&mut bytes[..i % 8]);
            out.extend(bytes.iter().map(|&b| u64::from(b)));
            out.push(rng.random_range(0..1000));
        }
        out
    }

    /// An edit that changes nothing, so that `Choices` reads word by word.
    fn word_by_word() -> ChoiceEdits {
        ChoiceEdits::none().with(u64::MAX..=u64::MAX, Edit::Zero)
    }

    #[test]
    fn read_word_by_word_it_is_the_seeds_own_stream() {
        let seed = draws(&mut derive(9, TESTER_STREAM));
        let mut plain = Choices::new(derive(9, TESTER_STREAM), ChoiceEdits::none());
        assert_eq!(draws(&mut plain), seed);
        let mut words = Choices::new(derive(9, TESTER_STREAM), word_by_word());
        assert_eq!(draws(&mut words), seed);
        assert_eq!(plain.words_read(), words.words_read());
        assert!(plain.words_read() > 200);
    }

    #[test]
    fn zeroed_words_read_as_zero_and_skipped_ones_move_the_rest_up() {
        let seed: Vec<u32> = {
            let mut rng = derive(4, TESTER_STREAM);
            (0..20).map(|_| rng.next_u32()).collect()
        };
        let edits = "zero:2-3,skip:5-6".parse::<ChoiceEdits>().unwrap();
        let mut choices = Choices::new(derive(4, TESTER_STREAM), edits);
        let got: Vec<u32> = (0..8).map(|_| choices.next_u32()).collect();
        assert_eq!(
            got,
            [seed[0], seed[1], 0, 0, seed[4], seed[7], seed[8], seed[9]]
        );
        assert_eq!(choices.words_read(), 10);
        // A u64 is two words, the low one first.
        let mut choices = Choices::new(derive(4, TESTER_STREAM), "skip:0".parse().unwrap());
        assert_eq!(
            choices.next_u64(),
            (u64::from(seed[2]) << 32) | u64::from(seed[1])
        );
        // All zero: the smallest choice of every range.
        let mut zero = Choices::new(derive(4, TESTER_STREAM), "zero:0-1000".parse().unwrap());
        assert_eq!(zero.random_range(300..600), 300);
        assert_eq!(zero.random_range(0..5usize), 0);
    }

    #[test]
    fn edits_merge_replace_and_print_as_they_parse() {
        let edits = ChoiceEdits::none()
            .with(10..=20, Edit::Zero)
            .with(21..=25, Edit::Zero)
            .with(15..=16, Edit::Skip)
            .with(40..=40, Edit::Skip);
        assert_eq!(
            edits.to_string(),
            "zero:10-14,skip:15-16,zero:17-25,skip:40"
        );
        assert_eq!(edits.to_string().parse::<ChoiceEdits>().unwrap(), edits);
        assert_eq!(edits.at(16), Some(Edit::Skip));
        assert_eq!(edits.at(26), None);
        assert_eq!(edits.words(), 17);
        assert_eq!(edits.below(16).to_string(), "zero:10-14,skip:15");
        assert_eq!(edits.below(10), ChoiceEdits::none());
        assert_eq!(ChoiceEdits::none().to_string(), "seed");
        assert!("seed".parse::<ChoiceEdits>().unwrap().is_none());
    }

    #[test]
    fn malformed_edits_name_their_bad_part() {
        for (bad, part) in [
            ("zero:3,x", "x"),
            ("drop:1-2", "drop:1-2"),
            ("skip:5-2", "skip:5-2"),
            ("zero:", "zero:"),
            ("skip:0-99999999999", "skip:0-99999999999"),
        ] {
            let e = bad.parse::<ChoiceEdits>().unwrap_err();
            assert_eq!(e.part, part, "{bad}");
            assert!(
                e.to_string()
                    .contains("is not an edit of the tester's choices")
            );
        }
    }
}
