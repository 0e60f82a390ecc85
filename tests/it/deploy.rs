//! The deployment files (`deploy/`, `.dockerignore`), checked without a
//! container engine or a cluster: they parse, every setting they give the
//! bot is a key it accepts (`helpdesk::config::keys()` and `LOGGING_KEYS`),
//! the probes and health checks reach the endpoints the binary serves, each
//! Kubernetes pod runs its own shard, the knowledge ConfigMap turns back
//! into the knowledge folder, the Docker build context holds what the build
//! needs, and the systemd unit passes `systemd-analyze` where it exists.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use helpdesk::config::{keys, ShardRange, DEFAULT_HTTP_ADDR, LOGGING_KEYS};
use yaml_rust2::{Yaml, YamlLoader};

// ------------------------------------------------------------------ helpers

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every environment key the binary reads.
fn accepted_keys() -> BTreeSet<String> {
    let logging = LOGGING_KEYS.iter().map(|(key, _)| (*key).to_owned());
    keys()
        .into_iter()
        .map(|(key, _)| key)
        .chain(logging)
        .collect()
}

fn default_port() -> u16 {
    DEFAULT_HTTP_ADDR
        .parse::<SocketAddr>()
        .expect("DEFAULT_HTTP_ADDR is an address")
        .port()
}

/// An HTTP address the probes, the engine's health check and Prometheus can
/// reach from outside the container: every interface, the default port.
fn assert_container_http_addr(value: &str, file: &str) {
    let addr: SocketAddr = value
        .parse()
        .unwrap_or_else(|_| panic!("{file}: HELPDESK_HTTP_ADDR `{value}` is not an address"));
    assert!(
        addr.ip().is_unspecified(),
        "{file}: HELPDESK_HTTP_ADDR `{value}` must listen on every interface (0.0.0.0) in a container"
    );
    assert_eq!(
        addr.port(),
        default_port(),
        "{file}: HELPDESK_HTTP_ADDR `{value}` is not on the default port of {DEFAULT_HTTP_ADDR}"
    );
}

/// Every document of a YAML file under the repository.
fn yaml(relative: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn one_yaml(relative: &str) -> Yaml {
    let mut documents = yaml(relative);
    assert_eq!(documents.len(), 1, "{relative}: expected one document");
    documents.remove(0)
}

/// A string field, or a panic naming what is missing.
fn text<'a>(node: &'a Yaml, what: &str) -> &'a str {
    node.as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, found {node:?}"))
}

fn list<'a>(node: &'a Yaml, what: &str) -> &'a [Yaml] {
    node.as_vec()
        .unwrap_or_else(|| panic!("{what}: expected a list, found {node:?}"))
}

fn map_keys(node: &Yaml) -> Vec<&str> {
    node.as_hash()
        .map(|hash| hash.keys().filter_map(Yaml::as_str).collect())
        .unwrap_or_default()
}

/// Files under `dir` (recursively) whose names end with one of `suffixes`,
/// relative to the repository root.
fn files_under(dir: &str, suffixes: &[&str]) -> Vec<String> {
    fn walk(path: &Path, out: &mut Vec<PathBuf>) {
        for item in std::fs::read_dir(path).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root().join(dir), &mut found);
    let mut names: Vec<String> = found
        .iter()
        .map(|path| {
            path.strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| suffixes.iter().any(|suffix| name.ends_with(suffix)))
        .collect();
    names.sort();
    names
}

// --------------------------------------------------------------------- YAML

#[test]
fn every_yaml_file_under_deploy_parses() {
    let files = files_under("deploy", &[".yaml", ".yml"]);
    for expected in [
        "deploy/docker-compose.yml",
        "deploy/kubernetes/knowledge.yaml",
        "deploy/kubernetes/kustomization.yaml",
        "deploy/kubernetes/networkpolicy.yaml",
        "deploy/kubernetes/secret.yaml",
        "deploy/kubernetes/service.yaml",
        "deploy/kubernetes/statefulset.yaml",
    ] {
        assert!(files.iter().any(|f| f == expected), "{expected} is missing");
    }
    for file in &files {
        let documents = yaml(file);
        assert!(!documents.is_empty(), "{file} has no document");
        for (n, document) in documents.iter().enumerate() {
            assert!(
                document.as_hash().is_some(),
                "{file}: document {} is not a mapping: {document:?}",
                n + 1
            );
        }
    }
    // The parser is strict where Compose and Kubernetes are: a key given
    // twice is an error, and every document of a stream is read.
    assert!(YamlLoader::load_from_str("a: 1\na: 2\n").is_err());
    assert_eq!(
        YamlLoader::load_from_str("a: 1\n---\nb: 2\n")
            .unwrap()
            .len(),
        2
    );
}

// ------------------------------------------------------------------ Compose

#[test]
fn the_compose_file_runs_the_bot_on_a_healthy_postgres_with_accepted_keys() {
    const FILE: &str = "deploy/docker-compose.yml";
    let compose = one_yaml(FILE);
    let services = &compose["services"];
    let names: BTreeSet<&str> = map_keys(services).into_iter().collect();
    assert_eq!(
        names,
        BTreeSet::from(["helpdesk", "postgres"]),
        "{FILE}: services"
    );
    let bot = &services["helpdesk"];
    let postgres = &services["postgres"];

    // The bot's environment: accepted keys only, the token not among them.
    let environment: BTreeMap<String, String> = match &bot["environment"] {
        Yaml::Hash(hash) => hash
            .iter()
            .map(|(key, value)| {
                let value = match value {
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Null => String::new(),
                    other => text(other, "environment value").to_owned(),
                };
                (text(key, "environment key").to_owned(), value)
            })
            .collect(),
        Yaml::Array(items) => items
            .iter()
            .map(|item| {
                let item = text(item, "environment entry");
                let (key, value) = item.split_once('=').unwrap_or((item, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect(),
        other => panic!("{FILE}: helpdesk has no environment: {other:?}"),
    };
    let accepted = accepted_keys();
    for key in environment.keys() {
        assert!(
            accepted.contains(key.as_str()),
            "{FILE}: helpdesk's environment sets {key}, which the binary does not read"
        );
    }
    assert!(
        !environment.contains_key("DISCORD_TOKEN"),
        "{FILE}: the token belongs in the env_file (.env), not in the compose file"
    );
    let env_files: Vec<&str> = match &bot["env_file"] {
        Yaml::String(file) => vec![file.as_str()],
        Yaml::Array(files) => files
            .iter()
            .map(|f| {
                f.as_str()
                    .unwrap_or_else(|| text(&f["path"], "env_file path"))
            })
            .collect(),
        other => panic!("{FILE}: helpdesk has no env_file: {other:?}"),
    };
    assert!(
        env_files.contains(&".env"),
        "{FILE}: the token comes from .env"
    );
    assert_container_http_addr(&environment["HELPDESK_HTTP_ADDR"], FILE);
    let database = &environment["HELPDESK_DATABASE_URL"];
    assert!(
        database.starts_with("postgres://") && database.contains("@postgres:"),
        "{FILE}: the bot must use the postgres service, not {database}"
    );

    // Start order and health checks.
    assert_eq!(
        bot["depends_on"]["postgres"]["condition"].as_str(),
        Some("service_healthy"),
        "{FILE}: the bot waits for a healthy database"
    );
    let postgres_check: Vec<&str> = list(&postgres["healthcheck"]["test"], "postgres test")
        .iter()
        .map(|part| text(part, "postgres test"))
        .collect();
    assert!(
        postgres_check
            .iter()
            .any(|part| part.contains("pg_isready")),
        "{FILE}: postgres health check: {postgres_check:?}"
    );
    let bot_check: Vec<&str> = list(&bot["healthcheck"]["test"], "helpdesk test")
        .iter()
        .map(|part| text(part, "helpdesk test"))
        .collect();
    assert_eq!(
        bot_check,
        ["CMD", "helpdesk", "healthcheck"],
        "{FILE}: bot health check"
    );

    // The database lives in a named volume.
    let volumes = map_keys(&compose["volumes"]);
    let data_volume = list(&postgres["volumes"], "postgres volumes")
        .iter()
        .map(|v| text(v, "postgres volume"))
        .find(|v| v.ends_with(":/var/lib/postgresql/data"))
        .unwrap_or_else(|| panic!("{FILE}: postgres keeps no data volume"));
    let volume_name = data_volume.split(':').next().unwrap();
    assert!(
        volumes.contains(&volume_name),
        "{FILE}: `{volume_name}` is not a named volume (top-level volumes: {volumes:?})"
    );

    // The image is built from this repository with deploy/Dockerfile.
    let context = root()
        .join("deploy")
        .join(text(&bot["build"]["context"], "build context"));
    let dockerfile = context.join(text(&bot["build"]["dockerfile"], "build dockerfile"));
    assert_eq!(
        context.canonicalize().unwrap(),
        root().canonicalize().unwrap(),
        "{FILE}: the build context is the repository root"
    );
    assert_eq!(
        dockerfile.canonicalize().unwrap(),
        root().join("deploy/Dockerfile").canonicalize().unwrap()
    );
}

// --------------------------------------------------------------- Kubernetes

const STATEFULSET: &str = "deploy/kubernetes/statefulset.yaml";

/// Every Kubernetes object under deploy/kubernetes/, with its file.
fn kubernetes_objects() -> Vec<(String, Yaml)> {
    files_under("deploy/kubernetes", &[".yaml", ".yml"])
        .into_iter()
        .flat_map(|file| {
            yaml(&file)
                .into_iter()
                .map(move |document| (file.clone(), document))
        })
        .filter(|(_, document)| document["kind"].as_str() != Some("Kustomization"))
        .collect()
}

fn object(kind: &str, name: &str) -> Yaml {
    kubernetes_objects()
        .into_iter()
        .map(|(_, object)| object)
        .find(|o| o["kind"].as_str() == Some(kind) && o["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name} under deploy/kubernetes"))
}

fn statefulset() -> Yaml {
    one_yaml(STATEFULSET)
}

fn container<'a>(pod: &'a Yaml, list_name: &str, name: &str) -> &'a Yaml {
    list(&pod[list_name], list_name)
        .iter()
        .find(|c| c["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{STATEFULSET}: no {list_name} entry named {name}"))
}

fn env_value<'a>(container: &'a Yaml, name: &str) -> &'a Yaml {
    list(&container["env"], "env")
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{STATEFULSET}: {name} is not set"))
}

fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[test]
fn the_kubernetes_files_are_objects_that_kustomize_applies_without_the_secrets() {
    let known = [
        ("apps/v1", "StatefulSet"),
        ("v1", "Service"),
        ("v1", "Secret"),
        ("v1", "ConfigMap"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
    ];
    let objects = kubernetes_objects();
    assert!(objects.len() >= 5, "{} objects", objects.len());
    for (file, object) in &objects {
        let api_version = text(&object["apiVersion"], &format!("{file}: apiVersion"));
        let kind = text(&object["kind"], &format!("{file}: kind"));
        assert!(
            known.contains(&(api_version, kind)),
            "{file}: unexpected apiVersion/kind {api_version} {kind}"
        );
        let name = text(
            &object["metadata"]["name"],
            &format!("{file}: metadata.name"),
        );
        assert!(is_dns_label(name), "{file}: `{name}` is not a valid name");
    }

    let kustomization = one_yaml("deploy/kubernetes/kustomization.yaml");
    assert_eq!(
        kustomization["apiVersion"].as_str(),
        Some("kustomize.config.k8s.io/v1beta1")
    );
    let resources: BTreeSet<&str> = list(&kustomization["resources"], "resources")
        .iter()
        .map(|r| text(r, "resource"))
        .collect();
    for (file, object) in &objects {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let is_secret = object["kind"].as_str() == Some("Secret");
        assert_eq!(
            resources.contains(name),
            !is_secret,
            "kustomization.yaml must list {name} unless it holds secrets (it would overwrite the real ones)"
        );
    }
    for resource in &resources {
        assert!(
            root().join("deploy/kubernetes").join(resource).is_file(),
            "kustomization.yaml lists a missing file {resource}"
        );
    }
}

#[test]
fn the_statefulset_sets_only_accepted_keys_and_takes_secrets_from_secrets() {
    let statefulset = statefulset();
    let pod = &statefulset["spec"]["template"]["spec"];
    let accepted = accepted_keys();
    let mut containers: Vec<&Yaml> = list(&pod["containers"], "containers").iter().collect();
    if let Some(init) = pod["initContainers"].as_vec() {
        containers.extend(init);
    }
    for container in containers {
        let name = text(&container["name"], "container name");
        let env = container["env"].as_vec().map(Vec::as_slice).unwrap_or(&[]);
        let values: Vec<&str> = env.iter().filter_map(|e| e["value"].as_str()).collect();
        let mut seen = BTreeSet::new();
        for variable in env {
            let key = text(&variable["name"], "env name");
            // A second entry of a name silently replaces the first.
            assert!(
                seen.insert(key),
                "{STATEFULSET}: container {name} sets {key} twice"
            );
            // A helper such as POD_INDEX exists only to be expanded, as
            // $(POD_INDEX), into a setting of the same container.
            let expanded = values.iter().any(|v| v.contains(&format!("$({key})")));
            assert!(
                accepted.contains(key) || expanded,
                "{STATEFULSET}: container {name} sets {key}, which the binary does not read"
            );
        }
    }

    let bot = container(pod, "containers", "helpdesk");
    let secrets = yaml("deploy/kubernetes/secret.yaml");
    for key in ["DISCORD_TOKEN", "HELPDESK_DATABASE_URL"] {
        let variable = env_value(bot, key);
        assert!(
            variable["value"].is_badvalue(),
            "{STATEFULSET}: {key} must come from a Secret, not a literal value"
        );
        let reference = &variable["valueFrom"]["secretKeyRef"];
        let (secret, secret_key) = (text(&reference["name"], key), text(&reference["key"], key));
        let found = secrets
            .iter()
            .find(|s| {
                s["kind"].as_str() == Some("Secret")
                    && s["metadata"]["name"].as_str() == Some(secret)
            })
            .unwrap_or_else(|| panic!("secret.yaml has no Secret {secret} for {key}"));
        let value = text(
            &found["stringData"][secret_key],
            &format!("{secret}.{secret_key}"),
        );
        match key {
            "DISCORD_TOKEN" => assert_eq!(value, "", "secret.yaml is a template: no real token"),
            _ => assert!(
                value.starts_with("postgres://"),
                "pods share one database: PostgreSQL, not {value}"
            ),
        }
    }
}

#[test]
fn each_pod_runs_the_shard_of_its_ordinal() {
    let statefulset = statefulset();
    let replicas = statefulset["spec"]["replicas"]
        .as_i64()
        .expect("spec.replicas") as u16;
    assert!(replicas >= 1);
    let bot = container(
        &statefulset["spec"]["template"]["spec"],
        "containers",
        "helpdesk",
    );
    let shards = text(
        &env_value(bot, "HELPDESK_SHARDS")["value"],
        "HELPDESK_SHARDS",
    );

    // "$(INDEX)-$(INDEX)/TOTAL", INDEX being the pod's index label.
    let (range, total) = shards.split_once('/').expect("FIRST-LAST/TOTAL");
    let (first, last) = range.split_once('-').expect("FIRST-LAST");
    assert_eq!(first, last, "one shard per pod: {shards}");
    let index = first
        .strip_prefix("$(")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("HELPDESK_SHARDS `{shards}` is not built from the pod index"));
    assert_eq!(
        env_value(bot, index)["valueFrom"]["fieldRef"]["fieldPath"].as_str(),
        Some("metadata.labels['apps.kubernetes.io/pod-index']"),
        "{index} must be the pod's ordinal"
    );
    assert_eq!(
        total.parse::<u16>().ok(),
        Some(replicas),
        "{STATEFULSET}: HELPDESK_SHARDS total `{total}` differs from replicas {replicas}"
    );

    // What each pod gets, as the binary reads it: every shard exactly once.
    let mut covered = Vec::new();
    for ordinal in 0..replicas {
        let value = shards.replace(&format!("$({index})"), &ordinal.to_string());
        let range: ShardRange = value
            .parse()
            .unwrap_or_else(|e| panic!("pod {ordinal}: {value}: {e}"));
        assert_eq!(range.total, replicas);
        covered.extend(range.first..=range.last);
    }
    assert_eq!(covered, (0..replicas).collect::<Vec<_>>());
}

/// A container port given by name or number, as a number.
fn resolve_port(container: &Yaml, port: &Yaml) -> u16 {
    match port {
        Yaml::Integer(n) => *n as u16,
        Yaml::String(name) => list(&container["ports"], "ports")
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_i64())
            .unwrap_or_else(|| panic!("no container port named {name}"))
            as u16,
        other => panic!("not a port: {other:?}"),
    }
}

#[test]
fn probes_and_metrics_point_at_the_endpoints_on_the_default_port() {
    let statefulset = statefulset();
    let template = &statefulset["spec"]["template"];
    let bot = container(&template["spec"], "containers", "helpdesk");
    assert_container_http_addr(
        text(
            &env_value(bot, "HELPDESK_HTTP_ADDR")["value"],
            "HELPDESK_HTTP_ADDR",
        ),
        STATEFULSET,
    );
    for (probe, path) in [
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
        ("startupProbe", "/healthz"),
    ] {
        let get = &bot[probe]["httpGet"];
        assert_eq!(get["path"].as_str(), Some(path), "{probe} path");
        assert_eq!(
            resolve_port(bot, &get["port"]),
            default_port(),
            "{probe} port"
        );
    }

    let service = object("Service", "helpdesk");
    assert_eq!(
        statefulset["spec"]["serviceName"].as_str(),
        Some("helpdesk"),
        "the StatefulSet's governing Service"
    );
    let annotations = &service["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"].as_str(), Some("true"));
    assert_eq!(annotations["prometheus.io/path"].as_str(), Some("/metrics"));
    assert_eq!(
        annotations["prometheus.io/port"].as_str(),
        Some(default_port().to_string().as_str())
    );
    let port = &list(&service["spec"]["ports"], "service ports")[0];
    assert_eq!(resolve_port(bot, &port["targetPort"]), default_port());
    let selector = service["spec"]["selector"].as_hash().expect("selector");
    let labels = template["metadata"]["labels"]
        .as_hash()
        .expect("pod labels");
    for (key, value) in selector {
        assert_eq!(
            labels.get(key),
            Some(value),
            "the Service selects {key:?}={value:?}, which the pods lack"
        );
    }
}

/// Only the metrics scraper reaches the pods, and only on the HTTP port:
/// the policy selects the bot's pods, covers ingress, and each rule names
/// whom it admits (no open rule, no address range) and that one port.
#[test]
fn the_network_policy_admits_only_the_scraper_to_the_http_port() {
    let statefulset = statefulset();
    let template = &statefulset["spec"]["template"];
    let bot = container(&template["spec"], "containers", "helpdesk");
    let policy = object("NetworkPolicy", "helpdesk");
    let selector = policy["spec"]["podSelector"]["matchLabels"]
        .as_hash()
        .expect("podSelector.matchLabels");
    assert!(!selector.is_empty(), "an empty selector picks every pod");
    let labels = template["metadata"]["labels"]
        .as_hash()
        .expect("pod labels");
    for (key, value) in selector {
        assert_eq!(
            labels.get(key),
            Some(value),
            "the policy selects {key:?}={value:?}, which the pods lack"
        );
    }
    let types: Vec<&str> = list(&policy["spec"]["policyTypes"], "policyTypes")
        .iter()
        .map(|t| text(t, "policy type"))
        .collect();
    assert!(types.contains(&"Ingress"), "{types:?}");
    let rules = list(&policy["spec"]["ingress"], "ingress rules");
    assert!(!rules.is_empty());
    for rule in rules {
        let peers = list(&rule["from"], "ingress from");
        assert!(!peers.is_empty(), "a rule without `from` admits everyone");
        for peer in peers {
            assert!(peer["ipBlock"].is_badvalue(), "an address range: {peer:?}");
            for side in ["namespaceSelector", "podSelector"] {
                assert!(
                    peer[side]["matchLabels"]
                        .as_hash()
                        .is_some_and(|labels| !labels.is_empty()),
                    "{side} must name labels (an empty one matches all): {peer:?}"
                );
            }
        }
        let ports = list(&rule["ports"], "ingress ports");
        assert!(!ports.is_empty(), "a rule without `ports` opens every port");
        for port in ports {
            assert_eq!(port["protocol"].as_str(), Some("TCP"));
            assert_eq!(resolve_port(bot, &port["port"]), default_port());
        }
    }
}

#[test]
fn the_knowledge_configmap_is_generated_from_the_knowledge_folder() {
    let output = Command::new("sh")
        .arg("deploy/kubernetes/knowledge-configmap.sh")
        .arg("knowledge")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8(output.stdout).unwrap() == read("deploy/kubernetes/knowledge.yaml"),
        "deploy/kubernetes/knowledge.yaml is out of date with knowledge/; regenerate it:\n  \
         deploy/kubernetes/knowledge-configmap.sh knowledge > deploy/kubernetes/knowledge.yaml"
    );
}

/// The loader's view of a knowledge folder: `*.md`, `*.toml` and
/// `dialogues/*.toml`, by relative path.
fn knowledge_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for (sub, prefix) in [
        (dir.to_path_buf(), ""),
        (dir.join("dialogues"), "dialogues/"),
    ] {
        let Ok(items) = std::fs::read_dir(&sub) else {
            continue;
        };
        for item in items {
            let path = item.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let wanted = if prefix.is_empty() {
                name.ends_with(".md") || name.ends_with(".toml")
            } else {
                name.ends_with(".toml")
            };
            if wanted && path.is_file() {
                files.insert(format!("{prefix}{name}"), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn the_knowledge_configmap_becomes_the_knowledge_folder_in_the_pod() {
    let configmap = object("ConfigMap", "helpdesk-knowledge");
    let statefulset = statefulset();
    let pod = &statefulset["spec"]["template"]["spec"];
    let init = container(pod, "initContainers", "knowledge");
    let bot = container(pod, "containers", "helpdesk");

    // The wiring: ConfigMap -> init container -> emptyDir -> the bot's
    // HELPDESK_KNOWLEDGE.
    let volumes = list(&pod["volumes"], "volumes");
    let configmap_volume = volumes
        .iter()
        .find(|v| v["configMap"]["name"].as_str() == Some("helpdesk-knowledge"))
        .map(|v| text(&v["name"], "volume name").to_owned())
        .expect("a volume of the ConfigMap helpdesk-knowledge");
    let mount_of = |container: &Yaml, volume: &str| -> String {
        list(&container["volumeMounts"], "volumeMounts")
            .iter()
            .find(|m| m["name"].as_str() == Some(volume))
            .map(|m| text(&m["mountPath"], "mountPath").to_owned())
            .unwrap_or_else(|| panic!("{STATEFULSET}: volume {volume} is not mounted"))
    };
    let knowledge_path = text(
        &env_value(bot, "HELPDESK_KNOWLEDGE")["value"],
        "HELPDESK_KNOWLEDGE",
    );
    let knowledge_mount = list(&bot["volumeMounts"], "volumeMounts")
        .iter()
        .find(|m| m["mountPath"].as_str() == Some(knowledge_path))
        .unwrap_or_else(|| panic!("nothing is mounted over {knowledge_path}"));
    let knowledge_volume = text(&knowledge_mount["name"], "volume name");
    assert!(
        volumes
            .iter()
            .any(|v| v["name"].as_str() == Some(knowledge_volume) && !v["emptyDir"].is_badvalue()),
        "the knowledge folder is an emptyDir the init container fills"
    );
    let command: Vec<&str> = list(&init["command"], "command")
        .iter()
        .map(|c| text(c, "command"))
        .collect();
    assert_eq!(command, ["/bin/sh", "-c"]);
    let args: Vec<&str> = list(&init["args"], "args")
        .iter()
        .map(|a| text(a, "args"))
        .collect();
    let [script, arg0, from, to] = args[..] else {
        panic!("init args: script, $0, the ConfigMap folder, the knowledge folder: {args:?}");
    };
    assert_eq!(from, mount_of(init, &configmap_volume));
    assert_eq!(to, mount_of(init, knowledge_volume));
    assert_eq!(
        init["image"].as_str(),
        bot["image"].as_str(),
        "the init container runs the bot's own image"
    );

    // The ConfigMap as the kubelet lays it out: files in a timestamped
    // folder, `..data` pointing at it, and a symlink per key.
    let data = configmap["data"].as_hash().expect("ConfigMap data");
    let scratch = tempfile::tempdir().unwrap();
    let mounted = scratch.path().join("configmap");
    let stamped = mounted.join("..2026_01_01_00_00_00.000000001");
    std::fs::create_dir_all(&stamped).unwrap();
    std::os::unix::fs::symlink(stamped.file_name().unwrap(), mounted.join("..data")).unwrap();
    for (key, value) in data {
        let key = text(key, "ConfigMap key");
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)),
            "`{key}` is not a valid ConfigMap key"
        );
        std::fs::write(stamped.join(key), text(value, key)).unwrap();
        std::os::unix::fs::symlink(Path::new("..data").join(key), mounted.join(key)).unwrap();
    }
    let knowledge = scratch.path().join("knowledge");
    std::fs::create_dir(&knowledge).unwrap();

    // The init container's own script, with the real binary on PATH.
    let binary = Path::new(env!("CARGO_BIN_EXE_helpdesk"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .args(["-c", script, arg0])
        .arg(&mounted)
        .arg(&knowledge)
        .env("PATH", path)
        .env_remove("HELPDESK_KNOWLEDGE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("ok:"),
        "the init container failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let made = knowledge_files(&knowledge);
    let shipped = knowledge_files(&root().join("knowledge"));
    assert_eq!(
        made.keys().collect::<Vec<_>>(),
        shipped.keys().collect::<Vec<_>>(),
        "the pod's knowledge folder has other files than knowledge/"
    );
    for (name, bytes) in &shipped {
        assert!(made[name] == *bytes, "{name} differs in the pod");
    }
}

// ------------------------------------------------------------------- Docker

struct Instruction {
    keyword: String,
    arguments: String,
}

/// Instructions grouped by stage (each FROM starts one), continuation lines
/// joined and comments dropped.
fn dockerfile_stages() -> Vec<Vec<Instruction>> {
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in read("deploy/Dockerfile").lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                logical.push(std::mem::take(&mut current));
            }
        }
    }
    let mut stages: Vec<Vec<Instruction>> = Vec::new();
    for line in logical {
        let (keyword, arguments) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let instruction = Instruction {
            keyword: keyword.to_ascii_uppercase(),
            arguments: arguments.trim().to_owned(),
        };
        if instruction.keyword == "FROM" {
            stages.push(Vec::new());
        }
        if let Some(stage) = stages.last_mut() {
            stage.push(instruction);
        }
    }
    stages
}

fn arguments<'a>(stage: &'a [Instruction], keyword: &str) -> Vec<&'a str> {
    stage
        .iter()
        .filter(|i| i.keyword == keyword)
        .map(|i| i.arguments.as_str())
        .collect()
}

/// `ENV A=1 B=2` (and the older `ENV A 1`) as pairs.
fn env_pairs(stage: &[Instruction]) -> BTreeMap<String, String> {
    let mut pairs = BTreeMap::new();
    for line in arguments(stage, "ENV") {
        if !line.split_whitespace().next().unwrap_or("").contains('=') {
            let (key, value) = line.split_once(char::is_whitespace).unwrap();
            pairs.insert(key.to_owned(), value.trim().to_owned());
            continue;
        }
        for pair in line.split_whitespace() {
            let (key, value) = pair.split_once('=').expect("KEY=VALUE");
            pairs.insert(key.to_owned(), value.trim_matches('"').to_owned());
        }
    }
    pairs
}

/// COPY lines without `--from`: (sources, destination).
fn context_copies(stage: &[Instruction]) -> Vec<(Vec<String>, String)> {
    arguments(stage, "COPY")
        .into_iter()
        .filter(|line| !line.contains("--from="))
        .map(|line| {
            let mut words: Vec<String> = line
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .map(str::to_owned)
                .collect();
            let destination = words.pop().expect("COPY destination");
            (words, destination)
        })
        .collect()
}

#[test]
fn the_dockerfile_builds_locked_and_runs_as_a_non_root_user_with_a_health_check() {
    let stages = dockerfile_stages();
    assert!(
        stages.len() >= 2,
        "a multi-stage build: {} stage(s)",
        stages.len()
    );
    let build = &stages[0];
    let runtime = stages.last().unwrap();
    assert!(
        arguments(build, "RUN")
            .iter()
            .any(|run| run.contains("cargo build")
                && run.contains("--release")
                && run.contains("--locked")),
        "the build stage runs `cargo build --release --locked`"
    );

    let user = *arguments(runtime, "USER")
        .last()
        .expect("the runtime stage sets USER");
    let name = user.split(':').next().unwrap();
    assert!(!["", "0", "root"].contains(&name), "USER {user} is root");

    let checks = arguments(runtime, "HEALTHCHECK");
    assert_eq!(checks.len(), 1, "one HEALTHCHECK in the runtime stage");
    let command = checks[0]
        .split_once("CMD")
        .map(|(_, command)| command.trim())
        .expect("HEALTHCHECK ... CMD ...");
    let command: Vec<String> = serde_json::from_str(command)
        .unwrap_or_else(|_| command.split_whitespace().map(str::to_owned).collect());
    assert_eq!(command, ["helpdesk", "healthcheck"]);

    let env = env_pairs(runtime);
    let accepted = accepted_keys();
    for key in env.keys() {
        assert!(
            accepted.contains(key.as_str()),
            "deploy/Dockerfile sets {key}, which the binary does not read"
        );
    }
    assert_container_http_addr(&env["HELPDESK_HTTP_ADDR"], "deploy/Dockerfile");
    assert!(
        arguments(runtime, "EXPOSE").contains(&default_port().to_string().as_str()),
        "EXPOSE {}",
        default_port()
    );
    let knowledge = &env["HELPDESK_KNOWLEDGE"];
    assert!(
        context_copies(runtime)
            .iter()
            .any(|(sources, destination)| sources == &["knowledge"] && destination == knowledge),
        "the knowledge is baked in at HELPDESK_KNOWLEDGE ({knowledge})"
    );
    assert_eq!(
        arguments(runtime, "ENTRYPOINT"),
        [r#"["helpdesk"]"#],
        "the image runs the binary"
    );
}

/// `.dockerignore` as Docker applies it: a pattern matches a path or any of
/// its parent folders, `*` stays within a segment and `**` crosses them, `!`
/// brings a path back, and the last matching line wins.
fn dockerignore() -> impl Fn(&str) -> bool {
    let patterns: Vec<(bool, regex::Regex)> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (keep, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let pattern = pattern.trim_start_matches('/').trim_end_matches('/');
            let mut expression = String::from("^");
            let mut chars = pattern.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '*' if chars.peek() == Some(&'*') => {
                        chars.next();
                        expression.push_str(".*");
                    }
                    '*' => expression.push_str("[^/]*"),
                    '?' => expression.push_str("[^/]"),
                    other => expression.push_str(&regex::escape(&other.to_string())),
                }
            }
            expression.push('$');
            (keep, regex::Regex::new(&expression).unwrap())
        })
        .collect();
    move |path: &str| {
        let mut ignored = false;
        let parts: Vec<&str> = path.split('/').collect();
        for (keep, pattern) in &patterns {
            if (1..=parts.len()).any(|n| pattern.is_match(&parts[..n].join("/"))) {
                ignored = !keep;
            }
        }
        ignored
    }
}

#[test]
fn the_docker_build_context_holds_what_the_build_needs_and_nothing_private() {
    let ignored = dockerignore();
    for private in [
        "target/release/helpdesk",
        ".git/config",
        ".env",
        "deploy/.env",
        "helpdesk.db",
        "fuzz/corpus/x",
    ] {
        assert!(
            ignored(private),
            ".dockerignore lets {private} into the build context"
        );
    }

    // Copy the build stage's sources, as the context holds them, and let
    // cargo load the package and check the lock file there.
    let stages = dockerfile_stages();
    let scratch = tempfile::tempdir().unwrap();
    let mut copied = BTreeSet::new();
    for stage in &stages {
        for (sources, _) in context_copies(stage) {
            for source in sources {
                assert!(
                    root().join(&source).exists(),
                    "deploy/Dockerfile copies {source}, which does not exist"
                );
                assert!(
                    !ignored(&source),
                    "deploy/Dockerfile copies {source}, which .dockerignore leaves out"
                );
                copied.insert(source);
            }
        }
    }
    for source in &copied {
        let files = if root().join(source).is_dir() {
            files_under(source, &[""])
        } else {
            vec![source.clone()]
        };
        for file in files {
            if !ignored(&file) {
                let target = scratch.path().join(&file);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(root().join(&file), target).unwrap();
            }
        }
    }
    // What the sources compile in must be there too.
    let embedded = regex::Regex::new(
        r#"(?:migrate!\(\s*"(?:\./)?([^"/]+)|include_dir!\(\s*"\$CARGO_MANIFEST_DIR/([^"/]+))"#,
    )
    .unwrap();
    for file in files_under("src", &[".rs"]) {
        for found in embedded.captures_iter(&read(&file)) {
            let folder = found.get(1).or(found.get(2)).unwrap().as_str();
            assert!(
                scratch.path().join(folder).is_dir(),
                "{file} compiles in {folder}/, which the Docker build does not copy"
            );
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let version = Command::new(&cargo).arg("-vV").output().unwrap();
    let host = String::from_utf8_lossy(&version.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("cargo -vV names the host");
    let fetch = Command::new(&cargo)
        .args(["fetch", "--locked", "--offline", "--target", &host])
        .current_dir(scratch.path())
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        fetch.status.success(),
        "cargo cannot load the package from the Docker build's files:\n{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
}

// ------------------------------------------------------------------ systemd

/// The unit's `[Section]` -> (key, value) lines, in order.
fn unit() -> BTreeMap<String, Vec<(String, String)>> {
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut section = String::new();
    for line in read("deploy/helpdesk.service").lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let (key, value) = line.split_once('=').expect("KEY=VALUE");
        sections
            .entry(section.clone())
            .or_default()
            .push((key.trim().to_owned(), value.trim().to_owned()));
    }
    sections
}

#[test]
fn the_unit_is_hardened_and_reads_the_token_from_a_file() {
    let unit = unit();
    let service = &unit["Service"];
    let values = |key: &str| -> Vec<&str> {
        service
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let last = |key: &str| values(key).last().copied();
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("DynamicUser", "yes"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
    ] {
        assert_eq!(last(key), Some(value), "deploy/helpdesk.service: {key}");
    }
    let state = last("StateDirectory").expect("StateDirectory");
    let environment_file = last("EnvironmentFile").expect("EnvironmentFile");
    assert!(
        environment_file
            .trim_start_matches('-')
            .starts_with("/etc/"),
        "the token file lives in /etc: {environment_file}"
    );
    let exec = last("ExecStart").expect("ExecStart");
    assert!(
        exec.starts_with('/') && exec.ends_with("helpdesk serve"),
        "ExecStart: {exec}"
    );

    let accepted = accepted_keys();
    let mut environment = BTreeMap::new();
    for line in values("Environment") {
        for assignment in line.split_whitespace() {
            let (key, value) = assignment
                .trim_matches('"')
                .split_once('=')
                .expect("Environment=KEY=VALUE");
            assert!(
                accepted.contains(key),
                "deploy/helpdesk.service sets {key}, which the binary does not read"
            );
            environment.insert(key.to_owned(), value.to_owned());
        }
    }
    assert!(
        !environment.contains_key("DISCORD_TOKEN"),
        "the token belongs in the EnvironmentFile"
    );
    let database = environment
        .get("HELPDESK_DATABASE_URL")
        .expect("HELPDESK_DATABASE_URL");
    assert!(
        database.starts_with(&format!("sqlite:///var/lib/{state}/")),
        "the SQLite file lives in the StateDirectory: {database}"
    );
}

#[test]
fn the_unit_passes_systemd_analyze() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        println!("note: systemd-analyze is not installed here; the unit was not verified");
        return;
    };
    // Verify a copy whose ExecStart is the binary just built (verify
    // insists the executable exists).
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("helpdesk.service");
    let text = read("deploy/helpdesk.service").replace(
        "ExecStart=/usr/local/bin/helpdesk",
        &format!("ExecStart={}", env!("CARGO_BIN_EXE_helpdesk")),
    );
    assert!(
        text.contains(env!("CARGO_BIN_EXE_helpdesk")),
        "ExecStart is /usr/local/bin/helpdesk"
    );
    std::fs::write(&copy, text).unwrap();
    let verify = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    // verify exits 0 on unknown keys and bad values, only saying so.
    let complaints: Vec<&str> = said
        .lines()
        .filter(|line| line.contains("helpdesk.service"))
        .collect();
    assert!(
        verify.status.success() && complaints.is_empty(),
        "systemd-analyze verify:\n{said}"
    );

    // The exposure rating (0 = locked down, 10 = unprotected; the threshold
    // is in tenths), offline since systemd 250.
    let release: u32 = String::from_utf8_lossy(&version.stdout)
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if release < 250 {
        println!("note: systemd {release} cannot rate a unit file offline; exposure not checked");
        return;
    }
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=15", "--no-pager"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        security.status.success(),
        "the unit's exposure is above 1.5 (it was 1.1 with systemd 252):\n{}",
        String::from_utf8_lossy(&security.stdout)
    );
}

// ------------------------------------------------------------------- README

#[test]
fn the_deploy_readme_names_only_files_that_exist() {
    let readme = read("deploy/README.md");
    // Made by whoever deploys, not shipped.
    let made_by_hand = ["deploy/.env", "deploy/my-knowledge"];
    let paths = regex::Regex::new(r"deploy/[A-Za-z0-9_./-]*[A-Za-z0-9_]").unwrap();
    let links = regex::Regex::new(r"\]\(([^)#:]+)(?:#[^)]*)?\)").unwrap();
    let named: Vec<PathBuf> = paths
        .find_iter(&readme)
        .map(|found| found.as_str())
        .filter(|path| !made_by_hand.contains(path))
        .map(|path| root().join(path))
        .chain(
            links
                .captures_iter(&readme)
                .map(|link| root().join("deploy").join(&link[1])),
        )
        .collect();
    assert!(
        named.len() >= 10,
        "deploy/README.md names {} files",
        named.len()
    );
    for path in named {
        assert!(
            path.exists(),
            "deploy/README.md names {}, which does not exist",
            path.display()
        );
    }
}
