"""deploy/: the compose file and the Kubernetes manifests parse, describe the topology deploy/README.md
promises (PostgreSQL, migrations once, two `serve` behind a proxy, two workers, health checks), and
carry no secret, only references and placeholders. (No container engine runs here: the topology itself
is tried as plain processes by deploy/local-topology.sh.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S = DEPLOY / "kubernetes"
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|_KEY$")


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _manifests() -> list[dict[str, Any]]:
    return [d for path in sorted(K8S.glob("*.yaml")) for d in _documents(path)]


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.yaml")), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    assert _documents(path), f"{path} holds no document"


def test_compose_runs_postgres_migrate_once_two_serve_behind_the_proxy_and_two_workers() -> None:
    [compose] = _documents(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "serve-1", "serve-2", "worker", "proxy"}
    assert services["migrate"]["command"] == ["casebridge", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("serve-1", "serve-2", "worker"):
        service = services[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["env_file"] == ".env"
        assert service["build"]["context"] == ".."  # the repository's Dockerfile
    for name in ("serve-1", "serve-2"):
        assert services[name]["command"] == ["casebridge", "serve"]
        assert services[name]["environment"]["CASEBRIDGE_WORKERS"] == "0"
        assert "/ready" in " ".join(services[name]["healthcheck"]["test"])
        assert "ports" not in services[name]  # reached through the proxy only
    assert services["worker"]["command"] == ["casebridge", "worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["proxy"]["depends_on"] == {
        "serve-1": {"condition": "service_healthy"},
        "serve-2": {"condition": "service_healthy"},
    }
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy serve-1:8000 serve-2:8000" in caddy
    assert "health_uri /ready" in caddy


def test_compose_takes_every_secret_from_the_environment() -> None:
    [compose] = _documents(DEPLOY / "compose.yaml")
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert str(value).startswith("${"), f"{name}: {key} is written in the file"
            assert "REPLACE" not in str(value)
    assert "POSTGRES_PASSWORD:?" in (DEPLOY / "compose.yaml").read_text()


def test_env_example_holds_placeholders_only() -> None:
    lines = [line for line in (DEPLOY / ".env.example").read_text().splitlines() if "=" in line]
    for line in lines:
        key, value = line.lstrip("# ").split("=", 1)
        if SECRET_NAME.search(key):
            assert value.startswith("replace-with-"), line
    assert (DEPLOY / ".gitignore").read_text().split() == [".env"]


def test_kubernetes_has_serve_with_two_replicas_and_probes_a_service_workers_and_a_migrate_job() -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in _manifests():
        by_kind.setdefault(doc["kind"], []).append(doc)
    deployments = {d["metadata"]["name"]: d for d in by_kind["Deployment"]}
    serve, worker = deployments["casebridge-serve"], deployments["casebridge-worker"]
    assert serve["spec"]["replicas"] == 2
    [serve_container] = serve["spec"]["template"]["spec"]["containers"]
    assert serve_container["command"] == ["casebridge", "serve"]
    assert serve_container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert serve_container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {"name": "CASEBRIDGE_WORKERS", "value": "0"} in serve_container["env"]
    [worker_container] = worker["spec"]["template"]["spec"]["containers"]
    assert worker_container["command"] == ["casebridge", "worker"]
    [service] = by_kind["Service"]
    assert service["spec"]["selector"] == serve["spec"]["selector"]["matchLabels"]
    [job] = by_kind["Job"]
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["casebridge", "migrate"]
    images = {c["image"] for c in (serve_container, worker_container, migrate)}
    assert len(images) == 1
    for container in (serve_container, worker_container, migrate):
        sources = [next(iter(s.values()))["name"] for s in container["envFrom"]]
        assert sources == ["casebridge", "casebridge"]  # the ConfigMap and the Secret


def test_kubernetes_secret_is_an_example_of_placeholders_left_out_of_the_kustomization() -> None:
    [secret] = [d for d in _manifests() if d["kind"] == "Secret"]
    assert all("REPLACE_ME" in value for value in secret["stringData"].values())
    [kustomization] = _documents(K8S / "kustomization.yaml")
    assert "secret.example.yaml" not in kustomization["resources"]
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file()


def test_the_pods_run_as_the_images_numeric_user() -> None:
    user = re.search(r"^USER (\d+)", (DEPLOY.parent / "Dockerfile").read_text(), re.MULTILINE)
    assert user is not None
    for doc in _manifests():
        if doc["kind"] in ("Deployment", "Job"):
            context = doc["spec"]["template"]["spec"]["securityContext"]
            assert (context["runAsNonRoot"], str(context["runAsUser"])) == (True, user.group(1))
