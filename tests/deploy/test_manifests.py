"""deploy/: the Kubernetes manifests validated offline against Kubernetes' own schemas (the ones
the kubernetes-validate package ships), the production rules they must keep, and the Dockerfile
linted by hadolint."""

import importlib.util
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES = "v1.33.0-local-strict"
SECRETS = {
    "SHOP_DB_URL",
    "TRACKER_STORE_URL",
    "EVENT_BROKER_URL",
    "ANALYTICS_API_TOKEN",
    "RASA_AUTH_TOKEN",
    "ACTION_SERVER_TOKEN",
    "BOOKING_LINK_SECRET",
    "CHAT_SESSION_SECRET",
    "WEB_SECRET_KEY",
    "METRICS_TOKEN",
    "POSTGRES_PASSWORD",
}
# The channels' secrets: from shop-secrets too, but optional (a channel is off without them).
CHANNEL_SECRETS = {
    "FACEBOOK_VERIFY_TOKEN",
    "FACEBOOK_APP_SECRET",
    "FACEBOOK_PAGE_ACCESS_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "PRIVACY_API_TOKEN",
}


def documents() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


@cache
def schemas() -> Path:
    # Found, not imported: the package's own validator needs a newer jsonschema than Rasa pins.
    spec = importlib.util.find_spec("kubernetes_validate")
    assert spec is not None and spec.origin, "kubernetes-validate is a dev dependency: make install"
    return Path(spec.origin).parent / "kubernetes-json-schema" / KUBERNETES


@cache
def definitions() -> dict:
    return json.loads((schemas() / "_definitions.json").read_text())


def schema_of(doc: dict) -> Path:
    group, _, version = doc["apiVersion"].rpartition("/")
    group = group.split(".")[0]
    return schemas() / (
        f"{doc['kind'].lower()}-{group}-{version}.json" if group else f"{doc['kind'].lower()}-{version}.json"
    )


def containers(doc: dict) -> list[dict]:
    spec = doc.get("spec", {})
    template = spec.get("template", spec.get("jobTemplate", {}).get("spec", {}).get("template", {}))
    return template.get("spec", {}).get("containers", [])


@pytest.mark.parametrize(("name", "doc"), documents(), ids=lambda v: v if isinstance(v, str) else v.get("kind"))
def test_every_manifest_is_valid_kubernetes(name, doc):
    path = schema_of(doc)
    assert path.exists(), f"{name}: no schema for {doc['apiVersion']} {doc['kind']}"
    schema = json.loads(path.read_text())
    # Every schema refers to the shared definitions by their $id: served from the file, offline.
    resolver = jsonschema.RefResolver.from_schema(schema, store={definitions()["$id"]: definitions()})
    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(doc)


def test_the_kustomization_applies_every_manifest():
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def test_no_secret_has_a_value_in_the_manifests():
    for name, doc in documents():
        if doc["kind"] == "ConfigMap":
            assert not (SECRETS | CHANNEL_SECRETS) & set(doc["data"]), name
        for container in containers(doc):
            for variable in container.get("env", []):
                if variable["name"] in SECRETS | CHANNEL_SECRETS:
                    assert "value" not in variable, f"{name}: {variable['name']} must come from a Secret"
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "shop-secrets"
                    optional = variable["valueFrom"]["secretKeyRef"].get("optional", False)
                    assert optional is (variable["name"] in CHANNEL_SECRETS), f"{name}: {variable['name']}"


def env_of(deployment: str) -> set[str]:
    """The variables a Deployment's container gets: its own and its ConfigMaps'."""
    by_kind = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in documents()}
    (container,) = containers(by_kind[("Deployment", deployment)])
    given = {v["name"] for v in container.get("env", [])}
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref:
            given |= set(by_kind[("ConfigMap", ref["configMapRef"]["name"])]["data"])
    return given


def test_every_channel_can_be_turned_on_from_the_secret_and_the_config():
    from scripts import make_credentials as channels

    read = {
        *channels.REQUIRED.values(),
        *channels.OPTIONAL.values(),
        *channels.TWILIO_ACCOUNT.values(),
        *channels.TWILIO_NUMBERS.values(),
        *channels.TWILIO_OPTIONAL.values(),
    }
    assert read <= env_of("rasa"), read - env_of("rasa")  # scripts/make_credentials.py runs in the rasa pod
    assert {"TWILIO_AUTH_TOKEN", "PRIVACY_API_TOKEN"} <= env_of("web")  # status callbacks, erasure API
    by_kind = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in documents()}
    config = by_kind[("ConfigMap", "shop-config")]["data"]
    # Off by default: make_credentials.py turns a channel on only for values that are set.
    assert all(config[name] == "" for name in read & set(config)), config


def test_our_containers_run_as_non_root_with_limits_and_probes():
    ours = [(name, doc, c) for name, doc in documents() for c in containers(doc) if c["image"] == "shop-assistant"]
    assert {c["args"][0] for _, _, c in ours} == {"rasa", "actions", "web", "analytics", "outbound", "migrate"}
    for name, doc, container in ours:
        security = container["securityContext"]
        assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"], name
        assert not security["allowPrivilegeEscalation"] and security["capabilities"]["drop"] == ["ALL"]
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        if doc["kind"] == "Deployment":
            assert "readinessProbe" in container and "livenessProbe" in container, name


def test_the_action_server_is_not_exposed_outside_the_cluster():
    by_kind = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in documents()}
    assert by_kind[("Service", "actions")]["spec"].get("type", "ClusterIP") == "ClusterIP"
    policy = by_kind[("NetworkPolicy", "actions-from-rasa-only")]["spec"]
    assert policy["podSelector"]["matchLabels"] == {"app": "actions"}
    assert policy["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app": "rasa"}}}]
    routed = [
        (path["path"], path["backend"]["service"]["name"])
        for _, doc in documents()
        if doc["kind"] == "Ingress"
        for rule in doc["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert all(service != "actions" for _, service in routed)
    # Rasa's HTTP API (/conversations, /model, /status) stays inside: only the channels are routed.
    assert {p for p, s in routed if s == "rasa"} == {"/webhooks", "/socket.io"}


def test_each_conversation_is_hashed_to_one_rasa_server():
    hashed = {
        path["path"]: doc["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upstream-hash-by"]
        for _, doc in documents()
        if doc["kind"] == "Ingress"
        for rule in doc["spec"]["rules"]
        for path in rule["http"]["paths"]
        if path["backend"]["service"]["name"] == "rasa"
    }
    assert "$arg_sender" in hashed["/webhooks"]
    # A socket.io session's requests (the long-polling handshake has no sid yet) reach one server.
    assert hashed["/socket.io"] == "$remote_addr"


def test_the_dockerfile_passes_hadolint_and_runs_as_non_root():
    dockerfile = ROOT / "deploy" / "Dockerfile"
    hadolint = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    done = subprocess.run([hadolint, "--failure-threshold", "info", str(dockerfile)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    text = dockerfile.read_text()
    assert "FROM python:3.10" in text and "USER 10001" in text


def test_the_entrypoint_starts_each_process(tmp_path):
    done = subprocess.run(["sh", str(ROOT / "deploy" / "entrypoint.sh"), "nonsense"], capture_output=True, text=True)
    assert done.returncode == 2 and "rasa|actions|web|analytics|outbound|migrate" in done.stderr


@pytest.mark.parametrize(
    "broken",
    [
        {"spec": {"replicas": "two"}},  # a wrong type
        {"spec": {"replica": 2}},  # a misspelt field: the strict schemas refuse unknown fields
    ],
)
def test_the_validation_catches_a_broken_manifest(broken):
    doc = next(doc for name, doc in documents() if doc["kind"] == "Deployment")
    doc = {**doc, "spec": {**doc["spec"], **broken["spec"]}}
    with pytest.raises(jsonschema.ValidationError):
        test_every_manifest_is_valid_kubernetes("broken", doc)


def test_the_cluster_nginx_config_is_valid_nginx(tmp_path):
    from scripts.cluster import NGINX, NGINX_CONF
    from tests.support import services

    if not shutil.which("nginx") and not Path(NGINX).exists():
        services.missing("nginx", FileNotFoundError(NGINX))
    (tmp_path / "nginx-tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    servers = "        server 127.0.0.1:1;\n        server 127.0.0.1:2;"
    conf.write_text(
        NGINX_CONF.read_text().format(
            dir=tmp_path, port=3, actions_port=4, rate=10, burst=20, rasa=servers, actions=servers, web=servers
        )
    )
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_the_rasa_pods_set_every_variable_endpoints_yml_names():
    # Rasa refuses to start on an endpoints.yml variable that is unset (entrypoint.sh has no defaults).
    named = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))
    assert named <= env_of("rasa"), named - env_of("rasa")
