//! argon2id password hashing, off the async runtime and with bounded concurrency, so a
//! flood of sign-ins queues up instead of eating every core.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
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
    /// A hash of a random password, verified when the user does not exist so that a
    /// missing user takes as long as a wrong password.
    decoy: Arc<String>,
}

impl PasswordHasherPool {
    /// `concurrency` hashes may run at once; the rest wait their turn.
    pub async fn new(concurrency: usize) -> Result<Self, HashError> {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let decoy_password = crate::auth::random_secret(24);
        let decoy = hash_blocking(decoy_password).await?;
        Ok(PasswordHasherPool {
            permits,
            decoy: Arc::new(decoy),
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
        let pool = PasswordHasherPool::new(2).await.unwrap();
        let phc = pool.hash("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(pool.verify("correct horse battery", &phc).await.unwrap());
        assert!(!pool.verify("wrong horse battery", &phc).await.unwrap());
        assert!(!pool.verify("anything", "not a phc string").await.unwrap());
        // Salted: the same password hashes differently each time.
        assert_ne!(phc, pool.hash("correct horse battery").await.unwrap());
    }
}
