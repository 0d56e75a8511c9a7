//! argon2id password hashing, off the async runtime and with bounded concurrency, so a
//! flood of sign-ins queues up instead of eating every core.

use std::sync::Arc;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use rand::RngCore;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing worker stopped: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("the hashing pool is closed")]
    Closed,
}

#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// A PHC string with the real hashes' parameters, verified when the user does not exist
    /// so that a missing user takes as long as a wrong password.
    decoy: Arc<String>,
}

/// A PHC string that costs one full argon2id run to check, as a stored hash does, and that
/// no password matches: the salt and the expected output are random bytes. It is made
/// without hashing anything: hashing a decoy password at every start cost 40-50 ms of the
/// start and 19 MiB of memory for nothing.
fn decoy() -> Result<String, HashError> {
    let mut rng = rand::rng();
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rng.fill_bytes(&mut salt);
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    rng.fill_bytes(&mut output);
    let hash = |e: argon2::password_hash::phc::Error| HashError::Hash(e.to_string());
    Ok(PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(&Params::default())
            .map_err(|e| HashError::Hash(e.to_string()))?,
        salt: Some(Salt::new(&salt).map_err(hash)?),
        hash: Some(Output::new(&output).map_err(hash)?),
    }
    .to_string())
}

impl PasswordHasherPool {
    /// `concurrency` hashes may run at once; the rest wait their turn.
    pub fn new(concurrency: usize) -> Result<Self, HashError> {
        Ok(PasswordHasherPool {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy: Arc::new(decoy()?),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Closed)?;
        hash_blocking(password.to_owned()).await
    }

    /// True when `password` matches the PHC string `phc`.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Closed)?;
        let (password, phc) = (password.to_owned(), phc.to_owned());
        Ok(tokio::task::spawn_blocking(move || {
            Argon2::default()
                .verify_password(password.as_bytes(), phc.as_str())
                .is_ok()
        })
        .await?)
    }

    /// Spends the same effort as a real check, for a user that does not exist.
    pub async fn verify_decoy(&self, password: &str) -> Result<(), HashError> {
        let decoy = self.decoy.clone();
        self.verify(password, &decoy).await.map(|_| ())
    }
}

async fn hash_blocking(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify() {
        let pool = PasswordHasherPool::new(2).unwrap();
        let phc = pool.hash("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(pool.verify("correct horse battery", &phc).await.unwrap());
        assert!(!pool.verify("wrong horse battery", &phc).await.unwrap());
        assert!(!pool.verify("anything", "not a phc string").await.unwrap());
        // Salted: the same password hashes differently each time.
        assert_ne!(phc, pool.hash("correct horse battery").await.unwrap());
    }

    /// A missing user must cost what a wrong password costs: the decoy names the same
    /// algorithm, version, memory, passes, lanes and output length as a real hash, so checking
    /// it runs the same argon2id. And no password matches it.
    #[tokio::test]
    async fn the_decoy_costs_what_a_real_hash_costs_and_matches_nothing() {
        let pool = PasswordHasherPool::new(1).unwrap();
        let real = pool.hash("correct horse battery").await.unwrap();
        let (real, decoy) = (
            PasswordHash::new(&real).unwrap(),
            PasswordHash::new(&pool.decoy).unwrap(),
        );
        assert_eq!(decoy.algorithm, real.algorithm);
        assert_eq!(decoy.version, real.version);
        assert_eq!(decoy.params, real.params);
        assert_eq!(decoy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert_eq!(decoy.salt.map(|s| s.len()), real.salt.map(|s| s.len()));
        for guess in ["", "correct horse battery", "password"] {
            assert!(!pool.verify(guess, &pool.decoy).await.unwrap());
        }
        // Two starts do not share a decoy.
        assert_ne!(pool.decoy, PasswordHasherPool::new(1).unwrap().decoy);
    }
}
