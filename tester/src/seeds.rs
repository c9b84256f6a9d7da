//! Which seeds a `cargo test` run uses: `RAFTLAB_SEED` fixes the first seed (default
//! [`DEFAULT_SEED`]), `RAFTLAB_SEEDS=n` runs n consecutive seeds from it.

use std::env;

/// The seed `cargo test` uses when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// The seeds to run, from the environment, or an error naming the bad variable.
pub fn from_env() -> Result<Vec<u64>, String> {
    let first = parse("RAFTLAB_SEED")?.unwrap_or(DEFAULT_SEED);
    let count = parse("RAFTLAB_SEEDS")?.unwrap_or(1);
    if count == 0 {
        return Err("RAFTLAB_SEEDS must be at least 1".to_string());
    }
    (0..count)
        .map(|i| {
            first
                .checked_add(i)
                .ok_or_else(|| format!("RAFTLAB_SEED {first} + {count} seeds overflows u64"))
        })
        .collect()
}

fn parse(var: &str) -> Result<Option<u64>, String> {
    match env::var(var) {
        Err(env::VarError::NotPresent) => Ok(None),
        Err(env::VarError::NotUnicode(_)) => Err(format!("{var} is not valid text")),
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{var}=\"{text}\" is not a non-negative integer")),
    }
}
