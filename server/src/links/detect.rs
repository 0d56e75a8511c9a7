//! Which services are monitors worth linking to: by label, or recognised by image and port;
//! and which scheme (http or https) a published port is reached with.

use bosun_frontend::model::{LinkDto, LinkSource};

use crate::docker::record::Record;

pub const URL_LABEL: &str = "bosun.link.url";
pub const TITLE_LABEL: &str = "bosun.link.title";

/// TLS ports by convention; everything else is plain HTTP.
pub fn scheme(container_port: u16) -> &'static str {
    if matches!(container_port, 443 | 8443 | 9443) {
        "https"
    } else {
        "http"
    }
}

/// Well-known monitors: (image name contains, container port, title). An empty image
/// pattern matches any image (Flower usually runs from the application's own image).
const KNOWN: &[(&str, u16, &str)] = &[
    ("", 5555, "Celery Flower"),
    ("grafana", 3000, "Grafana"),
    ("rabbitmq", 15672, "RabbitMQ management"),
    ("influxdb", 8086, "InfluxDB"),
    ("pgadmin", 80, "pgAdmin"),
    ("pgadmin", 443, "pgAdmin"),
    ("prometheus", 9090, "Prometheus"),
];

/// The links of one service (its containers given, any order). `host` is the host the
/// browser used; it replaces `{host}`, and `{port:N}` becomes the host port published for
/// container port N.
pub fn service_links(
    project: &str,
    service: &str,
    members: &[&Record],
    host: &str,
) -> Vec<LinkDto> {
    let Some(newest) = members
        .iter()
        .max_by_key(|r| (r.created, r.number()))
        .copied()
    else {
        return Vec::new();
    };
    let published = |container_port: Option<u16>| {
        members.iter().flat_map(|r| r.ports.iter()).find(|p| {
            p.protocol == "tcp"
                && p.host_port.is_some()
                && container_port.is_none_or(|c| c == p.container_port)
        })
    };
    let link = |title: &str, url: String, source| LinkDto {
        project: Some(project.to_owned()),
        service: Some(service.to_owned()),
        title: title.to_owned(),
        url,
        source,
        check: None,
    };
    let title = newest.label(TITLE_LABEL);
    if let Some(template) = newest.label(URL_LABEL) {
        let url = expand(template, host, |n| {
            published(Some(n)).and_then(|p| p.host_port)
        });
        return url
            .map(|url| vec![link(title.unwrap_or(service), url, LinkSource::Label)])
            .unwrap_or_default();
    }
    if let Some(title) = title {
        // A title alone links to the first published port.
        return published(None)
            .and_then(|p| Some((p.container_port, p.host_port?)))
            .map(|(c, h)| {
                vec![link(
                    title,
                    format!("{}://{host}:{h}/", scheme(c)),
                    LinkSource::Label,
                )]
            })
            .unwrap_or_default();
    }
    let image = newest.image.to_ascii_lowercase();
    let image_name = image.rsplit('/').next().unwrap_or_default();
    let mut links = Vec::new();
    for (pattern, port, title) in KNOWN {
        if !image_name.contains(pattern) || links.iter().any(|l: &LinkDto| l.title == *title) {
            continue;
        }
        if let Some(h) = published(Some(*port)).and_then(|p| p.host_port) {
            links.push(link(
                title,
                format!("{}://{host}:{h}/", scheme(*port)),
                LinkSource::Detected,
            ));
        }
    }
    links
}

/// Fills `{host}` and `{port:N}`; None when a port is not published, or the result is not
/// an http(s) URL (a label must not smuggle in `javascript:`).
fn expand(template: &str, host: &str, port: impl Fn(u16) -> Option<u16>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let key = &rest[start + 1..end];
        match key {
            "host" => out.push_str(host),
            _ => {
                let n = key.strip_prefix("port:")?.parse().ok()?;
                out.push_str(&port(n)?.to_string());
            }
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let parsed = url::Url::parse(&out).ok()?;
    matches!(parsed.scheme(), "http" | "https").then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(image: &str, labels: &[(&str, &str)], ports: &[(u16, u16)]) -> Record {
        Record::running("x", image, labels, ports)
    }

    #[test]
    fn labels_fill_host_and_published_ports() {
        let r = rec(
            "app",
            &[
                (URL_LABEL, "http://{host}:{port:8080}/admin"),
                (TITLE_LABEL, "Admin"),
            ],
            &[(8080, 49200)],
        );
        let links = service_links("p", "web", &[&r], "nas.lan");
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "http://nas.lan:49200/admin");
        assert_eq!(links[0].title, "Admin");
    }

    #[test]
    fn a_title_alone_links_the_first_published_port() {
        let r = rec("busybox", &[(TITLE_LABEL, "Demo web")], &[(8080, 49201)]);
        let links = service_links("p", "web", &[&r], "10.0.0.2");
        assert_eq!(links[0].url, "http://10.0.0.2:49201/");
    }

    #[test]
    fn well_known_monitors_are_found_by_image_and_port() {
        let grafana = rec("grafana/grafana:10", &[], &[(3000, 3000)]);
        let rabbit = rec(
            "rabbitmq:3-management",
            &[],
            &[(5672, 5672), (15672, 15672)],
        );
        let flower = rec("myapp:latest", &[], &[(5555, 49300)]);
        let plain = rec("nginx", &[], &[(80, 8080)]);
        assert_eq!(
            service_links("p", "g", &[&grafana], "h")[0].title,
            "Grafana"
        );
        assert_eq!(
            service_links("p", "r", &[&rabbit], "h")[0].url,
            "http://h:15672/"
        );
        assert_eq!(
            service_links("p", "f", &[&flower], "h")[0].title,
            "Celery Flower"
        );
        assert!(service_links("p", "n", &[&plain], "h").is_empty());
    }

    #[test]
    fn labels_cannot_inject_other_schemes_or_unpublished_ports() {
        let js = rec("app", &[(URL_LABEL, "javascript:alert(1)")], &[]);
        assert!(service_links("p", "s", &[&js], "h").is_empty());
        let missing = rec("app", &[(URL_LABEL, "http://{host}:{port:9999}/")], &[]);
        assert!(service_links("p", "s", &[&missing], "h").is_empty());
    }
}
