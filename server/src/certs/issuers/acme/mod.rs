//! ACME (RFC 8555) through instant-acme, for any CA the host can reach: Let's Encrypt with
//! DNS-01, an internal step-ca, Pebble in the tests. HTTP-01 is answered by a small listener
//! of bosun's own (`BOSUN_ACME_HTTP_LISTEN`, only `/.well-known/acme-challenge/`); DNS-01
//! records are set by a hook program (`BOSUN_ACME_DNS_HOOK set|clear NAME VALUE`).

mod dns01;
mod http;
mod http01;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{CertSource, Challenge};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};

use self::http::Http;
pub use self::http01::{Http01Answers, bind_http01};
use super::{Issuer, Order, Pem, Progress};
use crate::fsx::write_atomic;

pub struct Acme {
    directory: String,
    email: Option<String>,
    http01: Option<Http01Answers>,
    dns_hook: Option<PathBuf>,
    client: reqwest::Client,
    account_file: PathBuf,
    account: tokio::sync::Mutex<Option<Account>>,
}

impl Acme {
    pub fn new(
        directory: String,
        email: Option<String>,
        http01: Option<Http01Answers>,
        dns_hook: Option<PathBuf>,
        roots: Arc<rustls::RootCertStore>,
        data_dir: &Path,
    ) -> Result<Self, String> {
        let client = crate::net::Https::trusting(roots)
            .timeout(Duration::from_secs(30))
            .build()?;
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(directory.as_bytes()));
        Ok(Acme {
            account_file: data_dir
                .join("acme")
                .join(format!("account-{}.json", &digest[..16])),
            directory,
            email,
            http01,
            dns_hook,
            client,
            account: tokio::sync::Mutex::new(None),
        })
    }

    pub fn directory(&self) -> &str {
        &self.directory
    }

    /// The challenges this configuration can answer.
    pub fn challenges(&self) -> Vec<Challenge> {
        let mut v = Vec::new();
        if self.http01.is_some() {
            v.push(Challenge::Http01);
        }
        if self.dns_hook.is_some() {
            v.push(Challenge::Dns01);
        }
        v
    }

    /// The challenge to use for `names` when none was asked for.
    pub fn pick(&self, names: &[String], asked: Option<Challenge>) -> Result<Challenge, String> {
        let can = self.challenges();
        let wildcard = names.iter().any(|n| n.starts_with("*."));
        let ip = names.iter().any(|n| n.parse::<IpAddr>().is_ok());
        let chosen = match asked {
            Some(c) => c,
            None if wildcard => Challenge::Dns01,
            None => can.first().copied().ok_or(
                "ACME has no challenge configured: set BOSUN_ACME_HTTP_LISTEN (HTTP-01) or BOSUN_ACME_DNS_HOOK (DNS-01)",
            )?,
        };
        if !can.contains(&chosen) {
            return Err(match chosen {
                Challenge::Http01 => "HTTP-01 needs BOSUN_ACME_HTTP_LISTEN (e.g. 0.0.0.0:80), reachable by the ACME CA".into(),
                Challenge::Dns01 => "DNS-01 needs BOSUN_ACME_DNS_HOOK, a program that sets the TXT record".into(),
            });
        }
        if wildcard && chosen != Challenge::Dns01 {
            return Err("a wildcard name (*.) can only be validated with DNS-01".into());
        }
        if ip && chosen != Challenge::Http01 {
            return Err("an IP address can only be validated with HTTP-01".into());
        }
        Ok(chosen)
    }

    async fn account(&self) -> Result<Account, String> {
        let mut cached = self.account.lock().await;
        if let Some(a) = cached.as_ref() {
            return Ok(a.clone());
        }
        let builder = || Account::builder_with_http(Box::new(Http(self.client.clone())));
        let account = match std::fs::read(&self.account_file) {
            Ok(bytes) => {
                let creds: AccountCredentials = serde_json::from_slice(&bytes).map_err(|e| {
                    format!(
                        "{} is damaged ({e}); remove it to register a new ACME account",
                        self.account_file.display()
                    )
                })?;
                builder()
                    .from_credentials(creds)
                    .await
                    .map_err(|e| self.unreachable(&e))?
            }
            Err(_) => {
                let contact: Vec<String> =
                    self.email.iter().map(|e| format!("mailto:{e}")).collect();
                let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
                let (account, creds) = builder()
                    .create(
                        &NewAccount {
                            contact: &contact,
                            terms_of_service_agreed: true,
                            only_return_existing: false,
                        },
                        self.directory.clone(),
                        None,
                    )
                    .await
                    .map_err(|e| self.unreachable(&e))?;
                let json = serde_json::to_vec(&creds).map_err(|e| e.to_string())?;
                if let Some(dir) = self.account_file.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                write_atomic(&self.account_file, &json, 0o600, None)?;
                tracing::info!(directory = %self.directory, "registered an ACME account");
                account
            }
        };
        *cached = Some(account.clone());
        Ok(account)
    }

    fn unreachable(&self, e: &instant_acme::Error) -> String {
        format!(
            "the ACME CA at {} did not answer as expected ({e}). Check BOSUN_ACME_DIRECTORY, that bosun can reach it, and BOSUN_CERT_TRUST if it uses a private CA",
            self.directory
        )
    }

    async fn hook(&self, verb: &str, name: &str, value: &str) -> Result<(), String> {
        let hook = self.dns_hook.as_ref().ok_or("DNS-01 is not configured")?;
        dns01::run(hook, verb, name, value).await
    }

    /// Orders a certificate for `names`, answers the challenges, and returns chain and key.
    async fn order(
        &self,
        names: &[String],
        challenge: Challenge,
        step: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Pem, String> {
        step(format!("ordering from {}", self.directory));
        let account = self.account().await?;
        let identifiers: Vec<Identifier> = names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => Identifier::Ip(ip),
                Err(_) => Identifier::Dns(n.clone()),
            })
            .collect();
        let mut order = account
            .new_order(&NewOrder::new(&identifiers))
            .await
            .map_err(|e| format!("the ACME CA refused the order: {e}"))?;
        let mut tokens = Vec::new();
        let mut records = Vec::new();
        let answered = self
            .answer(&mut order, challenge, step, &mut tokens, &mut records)
            .await;
        let result = match answered {
            Ok(()) => self.finish(&mut order, names, step).await,
            Err(e) => Err(e),
        };
        // Clean up whatever happened.
        if let Some(a) = &self.http01 {
            for t in &tokens {
                a.remove(t);
            }
        }
        for (name, value) in &records {
            if let Err(e) = self.hook("clear", name, value).await {
                tracing::warn!(error = %e, record = %name, "the DNS hook could not clear a record");
            }
        }
        result
    }

    async fn answer(
        &self,
        order: &mut instant_acme::Order,
        challenge: Challenge,
        step: &(dyn Fn(String) + Send + Sync),
        tokens: &mut Vec<String>,
        records: &mut Vec<(String, String)>,
    ) -> Result<(), String> {
        let kind = match challenge {
            Challenge::Http01 => ChallengeType::Http01,
            Challenge::Dns01 => ChallengeType::Dns01,
        };
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz =
                authz.map_err(|e| format!("the ACME CA did not send an authorization: {e}"))?;
            match authz.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                other => return Err(format!("an authorization is {other:?}; order again")),
            }
            let mut ch = authz.challenge(kind.clone()).ok_or_else(|| {
                format!(
                    "the ACME CA offers no {} challenge for this name",
                    challenge.as_str()
                )
            })?;
            let ident = ch.identifier().to_string();
            let key_auth = ch.key_authorization();
            match challenge {
                Challenge::Http01 => {
                    let answers = self.http01.as_ref().ok_or("HTTP-01 is not configured")?;
                    answers.insert(&ch.token, key_auth.as_str());
                    tokens.push(ch.token.clone());
                    step(format!("answering HTTP-01 for {ident}"));
                }
                Challenge::Dns01 => {
                    let name = format!("_acme-challenge.{}", ident.trim_start_matches("*."));
                    let value = key_auth.dns_value();
                    step(format!("setting the TXT record {name}"));
                    self.hook("set", &name, &value).await?;
                    records.push((name, value));
                }
            }
            ch.set_ready()
                .await
                .map_err(|e| format!("the ACME CA refused the challenge for {ident}: {e}"))?;
        }
        Ok(())
    }

    async fn finish(
        &self,
        order: &mut instant_acme::Order,
        names: &[String],
        step: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Pem, String> {
        step(format!(
            "waiting for the ACME CA to validate {}",
            names.join(", ")
        ));
        let retry = RetryPolicy::new()
            .initial_delay(Duration::from_millis(250))
            .timeout(Duration::from_secs(120));
        let status = order
            .poll_ready(&retry)
            .await
            .map_err(|e| format!("validation failed: {e}. Check that the CA can reach bosun (HTTP-01) or see the TXT record (DNS-01)"))?;
        if status != OrderStatus::Ready {
            return Err(format!(
                "the ACME CA did not validate the names (order {status:?}). Check that the CA can reach bosun (HTTP-01) or see the TXT record (DNS-01)"
            ));
        }
        step("finalizing the order".into());
        let key_pem = order
            .finalize()
            .await
            .map_err(|e| format!("the ACME CA refused to finalize: {e}"))?;
        let chain_pem = order
            .poll_certificate(&retry)
            .await
            .map_err(|e| format!("the ACME CA did not hand out the certificate: {e}"))?;
        Ok(Pem { chain_pem, key_pem })
    }
}

#[async_trait]
impl Issuer for Acme {
    fn source(&self) -> CertSource {
        CertSource::Acme
    }

    fn challenge(
        &self,
        names: &[String],
        asked: Option<Challenge>,
    ) -> Result<Option<Challenge>, String> {
        self.pick(names, asked).map(Some)
    }

    async fn issue(&self, order: &Order<'_>, progress: Progress<'_>) -> Result<Pem, AppError> {
        let challenge = order.challenge.ok_or_else(|| {
            AppError::bad_request("challenge", "Choose an ACME challenge (http-01 or dns-01).")
        })?;
        self.order(order.names, challenge, progress)
            .await
            .map_err(|e| AppError::upstream_failed(format!("{e}. The current certificate stays.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme(http: bool, dns: bool) -> Acme {
        let dir = tempfile::tempdir().unwrap();
        Acme::new(
            "https://ca.lan/directory".into(),
            None,
            http.then(Http01Answers::default),
            dns.then(|| PathBuf::from("/bin/true")),
            Arc::new(rustls::RootCertStore::empty()),
            dir.path(),
        )
        .unwrap()
    }

    #[test]
    fn the_challenge_fits_the_names_and_the_configuration() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let both = acme(true, true);
        assert_eq!(both.pick(&names(&["a.lan"]), None), Ok(Challenge::Http01));
        assert_eq!(both.pick(&names(&["*.a.lan"]), None), Ok(Challenge::Dns01));
        assert!(
            both.pick(&names(&["*.a.lan"]), Some(Challenge::Http01))
                .is_err()
        );
        assert!(
            both.pick(&names(&["10.0.0.1"]), Some(Challenge::Dns01))
                .is_err()
        );
        let dns = acme(false, true);
        assert_eq!(dns.pick(&names(&["a.lan"]), None), Ok(Challenge::Dns01));
        assert!(
            dns.pick(&names(&["a.lan"]), Some(Challenge::Http01))
                .unwrap_err()
                .contains("BOSUN_ACME_HTTP_LISTEN")
        );
        assert!(acme(false, false).pick(&names(&["a.lan"]), None).is_err());
    }
}
