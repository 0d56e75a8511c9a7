use std::net::IpAddr;

use super::*;

fn load(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    // clap reads the environment itself; tests pass it through flags instead, so
    // only the unknown-variable check sees `env`.
    Config::load(std::iter::once("bosun").chain(args.iter().copied()), env)
}

#[test]
fn defaults() {
    let c = load(&[], &[]).unwrap();
    assert_eq!(c.listen, "0.0.0.0:8443".parse().unwrap());
    assert_eq!(c.data_dir, PathBuf::from("./data"));
    assert_eq!(c.tls, TlsMode::Auto);
    assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
    assert_eq!(c.session_absolute, Duration::from_secs(12 * 3600));
    assert!(c.https());
    assert_eq!(
        c.backup_keep_manual,
        KeepFor(Some(Duration::from_secs(30 * 86_400)))
    );
}

#[test]
fn manual_backups_are_kept_a_day_or_more_or_for_ever() {
    let keep = |v: &str| load(&["--backup-keep-manual", v], &[]).map(|c| c.backup_keep_manual);
    assert_eq!(keep("forever").unwrap(), KeepFor(None));
    assert_eq!(
        keep("2weeks").unwrap(),
        KeepFor(Some(Duration::from_secs(14 * 86_400)))
    );
    let e = keep("5m").unwrap_err().to_string();
    assert!(
        e.contains("BOSUN_BACKUP_KEEP_MANUAL") || e.contains("at least a day"),
        "{e}"
    );
}

#[test]
fn the_backup_timeout_is_six_hours_unless_set_and_at_least_a_minute() {
    let timeout = |args: &[&str]| load(args, &[]).map(|c| c.backup_timeout);
    assert_eq!(timeout(&[]).unwrap(), Duration::from_secs(6 * 3600));
    assert_eq!(
        timeout(&["--backup-timeout", "90m"]).unwrap(),
        Duration::from_secs(90 * 60)
    );
    let e = timeout(&["--backup-timeout", "30s"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("BOSUN_BACKUP_TIMEOUT") && e.contains("at least 1 minute"),
        "{e}"
    );
}

#[test]
fn flags_parse_into_types() {
    let c = load(
        &[
            "--listen",
            "127.0.0.1:9000",
            "--session-idle",
            "10m",
            "--trusted-proxies",
            "10.0.0.0/8,192.168.1.5",
            "--public-url",
            "https://bosun.lan:8443",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.session_idle, Duration::from_secs(600));
    assert_eq!(c.trusted_proxies.len(), 2);
    assert!(c.trusted_proxies[1].contains(&"192.168.1.5".parse::<IpAddr>().unwrap()));
    assert_eq!(c.public_url.unwrap().host_str(), Some("bosun.lan"));
}

#[test]
fn unknown_variable_is_named() {
    let err = load(&[], &[("BOSUN_LISTN", "x")]).unwrap_err();
    assert!(err.to_string().contains("BOSUN_LISTN"), "{err}");
    // Other programs' variables are not ours to judge.
    assert!(load(&[], &[("PATH", "/bin"), ("LEPTOS_SITE_ROOT", "site")]).is_ok());
}

#[test]
fn invalid_values_name_flag_and_variable() {
    let err = load(&["--listen", "nonsense"], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--listen") && err.contains("BOSUN_LISTEN"),
        "{err}"
    );
    let err = load(&["--session-idle", "5s"], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("BOSUN_SESSION_IDLE") && err.contains("at least 1 minute"),
        "{err}"
    );
    let err = load(&["--trusted-proxies", "not-an-ip"], &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("BOSUN_TRUSTED_PROXIES"), "{err}");
    let err = load(&["--public-url", "ftp://x"], &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("BOSUN_PUBLIC_URL"), "{err}");
    let err = load(&["--docker-host", "ssh://x"], &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("DOCKER_HOST"), "{err}");
    let err = load(&["--tls", "maybe"], &[]).unwrap_err().to_string();
    assert!(err.contains("BOSUN_TLS"), "{err}");
}

#[test]
fn empty_values_mean_unset() {
    let c = load(&["--tls-names", "", "--admin-password", ""], &[]).unwrap();
    assert!(c.tls_names.is_empty());
    assert!(c.admin_password.is_none());
    let c = load(&["--tls-names", "bosun.lan,,10.0.0.1"], &[]).unwrap();
    assert_eq!(
        c.tls_names,
        vec!["bosun.lan".to_owned(), "10.0.0.1".to_owned()]
    );
}

#[test]
fn cross_field_rules() {
    let err = load(&["--tls", "files"], &[]).unwrap_err().to_string();
    assert!(err.contains("BOSUN_TLS_CERT"), "{err}");
    let err = load(&["--session-idle", "13h"], &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("BOSUN_SESSION_ABSOLUTE"), "{err}");
}

#[test]
fn certificate_settings() {
    let c = load(&[], &[]).unwrap();
    assert_eq!(
        c.cert_warn_days,
        WarnDays {
            warn: 30,
            critical: 7
        }
    );
    assert!((c.cert_renew_at - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(c.ca_cert_days, 90);
    let c = load(
        &[
            "--cert-dirs",
            "/srv/a,,/srv/b",
            "--cert-warn-days",
            "14,3",
            "--cert-renew-at",
            "50",
            "--acme-directory",
            "https://ca.lan/acme/directory",
            "--acme-http-listen",
            "0.0.0.0:80",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(c.cert_dirs.len(), 2);
    assert_eq!(c.cert_warn_days.critical, 3);
    assert!((c.cert_renew_at - 0.5).abs() < 1e-12);
    for (given, share) in [("3/4", 0.75), ("66.7%", 0.667), (" 80 ", 0.8)] {
        let c = load(&["--cert-renew-at", given], &[]).unwrap();
        assert!((c.cert_renew_at - share).abs() < 1e-12, "{given}");
    }
    for (args, needle) in [
        (&["--cert-warn-days", "7,30"][..], "BOSUN_CERT_WARN_DAYS"),
        (&["--cert-warn-days", "x"][..], "BOSUN_CERT_WARN_DAYS"),
        (&["--cert-renew-at", "100%"][..], "BOSUN_CERT_RENEW_AT"),
        (&["--cert-renew-at", "2/0"][..], "BOSUN_CERT_RENEW_AT"),
        (&["--cert-renew-at", "1/20"][..], "BOSUN_CERT_RENEW_AT"),
        (
            &["--cert-renew-at", "two thirds"][..],
            "BOSUN_CERT_RENEW_AT",
        ),
        (
            &["--acme-directory", "http://ca.lan/dir"][..],
            "BOSUN_ACME_DIRECTORY",
        ),
        (&["--acme-email", "nobody"][..], "BOSUN_ACME_EMAIL"),
        (&["--cert-dirs", "relative/dir"][..], "BOSUN_CERT_DIRS"),
        (
            &["--acme-http-listen", "0.0.0.0:80"][..],
            "BOSUN_ACME_DIRECTORY",
        ),
        (&["--ca-cert-days", "0"][..], "BOSUN_CA_CERT_DAYS"),
    ] {
        let err = load(args, &[]).unwrap_err().to_string();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn names_the_internal_ca_may_issue_without_a_confirmation() {
    assert_eq!(load(&[], &[]).unwrap().ca_allowed_names, None);
    assert_eq!(
        load(&["--ca-allowed-names", ""], &[])
            .unwrap()
            .ca_allowed_names,
        None,
        "empty means not set"
    );
    let c = load(
        &[
            "--ca-allowed-names",
            ".LAN, nas.home., 10.1.2.3/8,fd00::/8,192.168.1.10",
        ],
        &[],
    )
    .unwrap();
    let a = c.ca_allowed_names.unwrap();
    assert_eq!(
        a.to_string(),
        ".lan,nas.home,10.0.0.0/8,fd00::/8,192.168.1.10/32"
    );
    for ok in [
        "portal.lan",
        "a.b.lan",
        "*.lan",
        "nas.home",
        "10.9.8.7",
        "fd00::1",
        "192.168.1.10",
    ] {
        assert!(a.allows(ok), "{ok}");
    }
    for no in [
        "lan",
        "evil.com",
        "lan.evil.com",
        "x.nas.home",
        "home",
        "11.0.0.1",
        "192.168.1.11",
        "fe80::1",
    ] {
        assert!(!a.allows(no), "{no}");
    }
    for bad in ["*.lan", "a b", "10.0.0.0/33", "-x.lan", ".", "..lan"] {
        let arg = format!("--ca-allowed-names={bad}");
        let err = load(&[&arg], &[]).unwrap_err().to_string();
        assert!(err.contains("BOSUN_CA_ALLOWED_NAMES"), "{bad}: {err}");
    }
}

#[test]
fn the_admin_password_never_shows_in_debug_output() {
    let c = load(&["--admin-password", "s3cret-value-xyz"], &[]).unwrap();
    assert_eq!(
        c.admin_password.as_ref().map(Secret::expose),
        Some("s3cret-value-xyz")
    );
    assert!(!format!("{c:?}").contains("s3cret-value-xyz"));
}

#[test]
fn the_stats_history_is_on_by_default_and_a_refusal_names_its_variable() {
    let history = |v: &str| load(&["--stats-history", v], &[]).map(|c| c.stats_history);
    assert_eq!(
        load(&[], &[]).unwrap().stats_history,
        StatsHistoryConfig::default()
    );
    assert_eq!(history("off").unwrap(), StatsHistoryConfig::Off);
    let e = history("0s/1m").unwrap_err().to_string();
    assert!(
        e.contains("BOSUN_STATS_HISTORY") && e.contains("at least 1s") && e.contains("1m/24h"),
        "{e}"
    );
}

#[test]
fn an_identity_provider_needs_its_client_and_role_map_and_passwords_need_it_to_be_limited() {
    let provider = [
        "--oidc-issuer",
        "https://id.example.org/realms/ops",
        "--oidc-client-id",
        "bosun",
        "--oidc-client-secret",
        "s3cret",
        "--oidc-roles",
        "admin:ops,viewer:*",
    ];
    let c = load(&provider, &[]).unwrap();
    assert_eq!(
        c.oidc.issuer.as_deref(),
        Some("https://id.example.org/realms/ops")
    );
    assert_eq!(c.oidc.scopes.0, ["openid", "profile", "email", "groups"]);
    let err = load(&provider[..6], &[]).unwrap_err().to_string();
    assert!(err.contains("BOSUN_OIDC_ROLES"), "{err}");
    let issuer_only = [
        "--oidc-issuer",
        "https://id.example.org",
        "--oidc-roles",
        "viewer:*",
    ];
    let err = load(&issuer_only, &[]).unwrap_err().to_string();
    assert!(err.contains("BOSUN_OIDC_CLIENT_ID"), "{err}");
    let err = load(&["--password-login", "admins"], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("BOSUN_PASSWORD_LOGIN") && err.contains("BOSUN_OIDC_ISSUER"),
        "{err}"
    );
    // Forward-auth only from a trusted proxy, and with a role map.
    let err = load(
        &["--auth-header", "Remote-User", "--oidc-roles", "viewer:*"],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("BOSUN_TRUSTED_PROXIES"), "{err}");
    let forward = [
        "--auth-header",
        "Remote-User",
        "--trusted-proxies",
        "10.0.0.5/32",
    ];
    let err = load(&forward, &[]).unwrap_err().to_string();
    assert!(err.contains("BOSUN_OIDC_ROLES"), "{err}");
    let fw = load(&[&forward[..], &["--oidc-roles", "viewer:*"]].concat(), &[]).unwrap();
    assert_eq!(
        fw.oidc.auth_header.as_ref().unwrap().as_str(),
        "remote-user"
    );
    let err = load(&["--oidc-issuer", "http://id.example.org"], &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("BOSUN_OIDC_ISSUER") && err.contains("https"),
        "{err}"
    );
    // The secret never shows in the configuration's debug output.
    assert!(!format!("{c:?}").contains("s3cret"));
    // An empty secret (compose's `${X:-}`) is a missing one, named, not a secret of "".
    let empty_secret = [&provider[..5], &[""], &provider[6..]].concat();
    assert_eq!(empty_secret[4], "--oidc-client-secret");
    let err = load(&empty_secret, &[]).unwrap_err().to_string();
    assert!(err.contains("BOSUN_OIDC_CLIENT_SECRET"), "{err}");
}
