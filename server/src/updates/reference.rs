//! Image references as compose files write them (`nginx:1.27`, `127.0.0.1:5000/demo:stable`,
//! `ghcr.io/org/app@sha256:…`): which registry, which repository, and whether the reference
//! can change at all.

/// A parsed reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Without tag or digest, as written.
    pub repository: String,
    /// The registry host the logins are looked up by (`docker.io` when none is written).
    pub registry: String,
    /// Referenced by digest: it always means the same build.
    pub pinned: bool,
}

impl Reference {
    pub fn parse(reference: &str) -> Reference {
        let (name, pinned) = match reference.split_once('@') {
            Some((name, _)) => (name, true),
            None => (reference, false),
        };
        // A tag is after the last ':' that comes after the last '/' (a port is before it).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let repository = match name[last_slash..].rfind(':') {
            Some(colon) => &name[..last_slash + colon],
            None => name,
        };
        let first = repository.split('/').next().unwrap_or_default();
        let registry = if repository.contains('/')
            && (first.contains('.') || first.contains(':') || first == "localhost")
        {
            first.to_owned()
        } else {
            "docker.io".to_owned()
        };
        Reference {
            repository: repository.to_owned(),
            registry,
            pinned,
        }
    }

    /// The registry digest of an image for this repository, from the image's `RepoDigests`
    /// (`repository@sha256:…`); None for an image never pushed there or pulled from there.
    pub fn digest_in(&self, repo_digests: &[String]) -> Option<String> {
        let mine = canonical(&self.repository);
        repo_digests.iter().find_map(|d| {
            let (repo, digest) = d.split_once('@')?;
            (canonical(repo) == mine).then(|| digest.to_owned())
        })
    }
}

/// Docker Hub's short names and long names as one: `nginx`, `library/nginx` and
/// `docker.io/library/nginx` are the same repository.
fn canonical(repository: &str) -> String {
    let r = repository
        .strip_prefix("docker.io/")
        .or_else(|| repository.strip_prefix("index.docker.io/"))
        .unwrap_or(repository);
    r.strip_prefix("library/").unwrap_or(r).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_repository_and_pinning_are_read_as_docker_reads_them() {
        let r = Reference::parse("127.0.0.1:5000/demo:stable");
        assert_eq!(
            (r.repository.as_str(), r.registry.as_str(), r.pinned),
            ("127.0.0.1:5000/demo", "127.0.0.1:5000", false)
        );
        let hub = Reference::parse("nginx:1.27");
        assert_eq!(
            (hub.repository.as_str(), hub.registry.as_str()),
            ("nginx", "docker.io")
        );
        let org = Reference::parse("grafana/grafana");
        assert_eq!(
            (org.repository.as_str(), org.registry.as_str()),
            ("grafana/grafana", "docker.io")
        );
        let port_no_tag = Reference::parse("localhost:5000/app");
        assert_eq!(port_no_tag.repository, "localhost:5000/app");
        assert_eq!(port_no_tag.registry, "localhost:5000");
        assert!(Reference::parse("ghcr.io/org/app:1@sha256:abc").pinned);
    }

    #[test]
    fn the_running_digest_is_the_one_of_the_same_repository() {
        let digests = [
            "other/app@sha256:1111".to_owned(),
            "nginx@sha256:2222".to_owned(),
        ];
        assert_eq!(
            Reference::parse("docker.io/library/nginx:1")
                .digest_in(&digests)
                .as_deref(),
            Some("sha256:2222")
        );
        assert_eq!(Reference::parse("nginx:1").digest_in(&[]), None);
        assert_eq!(
            Reference::parse("127.0.0.1:5000/nginx:1").digest_in(&digests),
            None
        );
    }
}
