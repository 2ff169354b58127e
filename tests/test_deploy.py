"""From one laptop to a cluster: compose.yaml, the Kubernetes manifests and the image.

For every option combination the template tests cover, the rendered compose file validates
against the Compose Specification's JSON schema, both Kustomize overlays render with
`kubectl kustomize` and validate with `kubernetes-validate --strict`, and the manifests hold
what production needs (probes, grace periods, a numeric non-root user, no write access, no
service-account token, autoscaling and disruption budgets per process). Rendering is
in-process and without hooks: no `uv sync`, seconds in all.

The last test runs the service from a read-only copy of the project, on Postgres.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy

from tooling.env import clean_env
from tooling.processes import Web, free_port, in_project, request

from .conftest import DEFAULT_ANSWERS, SERVICE_SLUG
from .test_variants import VARIANTS

BIN = Path(sys.executable).parent
# The Kubernetes versions the manifests must validate against: the oldest API we promise and
# the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]
OVERLAYS = ["dev", "prod"]
RENDERED = {
    **VARIANTS,
    "offline-only-analyze": {"llm_providers": [], "use_cases": ["analyze"]},
}
IMAGE_USER = 10001


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is required: `apt-get install kubectl` (.ci/run installs it)")
    return kubectl


def _run(*cmd: str, cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Rendered:
    """A project rendered with some answers, and what it says about itself."""

    def __init__(self, path: Path, answers: dict[str, Any]) -> None:
        self.path = path
        self.answers = {**DEFAULT_ANSWERS, **answers}
        self.slug = answers.get("project_slug", "acme-helper")
        self.package = answers.get("package_name", "acme_helper")
        use_cases = answers.get("use_cases", ["chat", "generate", "analyze"])
        self.with_jobs = bool({"generate", "analyze"} & set(use_cases))
        self.ci = answers.get("ci", "github")
        self.python = answers.get("python_version", "3.12")

    def kustomize(self, overlay: str) -> list[dict[str, Any]]:
        overlays = self.path / "deploy" / "kubernetes" / "overlays"
        text = _run(_kubectl(), "kustomize", str(overlays / overlay))
        return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="module", params=RENDERED.values(), ids=RENDERED.keys())
def rendered(
    request: pytest.FixtureRequest, copier_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Rendered:
    answers: dict[str, Any] = request.param
    path = tmp_path_factory.mktemp("deploy") / "project"
    data = {**DEFAULT_ANSWERS, **answers}
    run_copy(str(copier_template), path, data=data, defaults=True, skip_tasks=True, quiet=True)
    return Rendered(path, answers)


# ---- compose.yaml and the Makefile ------------------------------------------------------


def test_compose_file_follows_the_compose_specification(rendered: Rendered) -> None:
    compose_file = rendered.path / "compose.yaml"
    _run(
        str(BIN / "check-jsonschema"),
        "--builtin-schema",
        "vendor.compose-spec",
        str(compose_file),
    )
    compose = yaml.safe_load(compose_file.read_text())  # merge keys (<<) resolved
    services = compose["services"]
    expected = {"postgres", "redis", "migrate", "web"}
    expected |= {"worker"} if rendered.with_jobs else set()
    assert set(services) == expected
    assert re.fullmatch(r"postgres:\d+\.\d+", services["postgres"]["image"])
    assert re.fullmatch(r"redis:\d+\.\d+\.\d+", services["redis"]["image"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]

    migrate = services["migrate"]
    assert migrate["command"] == ["admin", "migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    processes = ["web", "worker"] if rendered.with_jobs else ["web"]
    for name in ["migrate", *processes]:
        service = services[name]
        assert service["image"] == f"{rendered.slug}:dev"
        assert service["build"]["context"] == "."
        assert set(service["build"]["args"]) == {
            "RELEASE_VERSION",
            "RELEASE_COMMIT",
            "RELEASE_BUILT_AT",
        }
        assert service["env_file"] == [{"path": ".env", "required": False}]
        environment = service["environment"]
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
        assert service["cap_drop"] == ["ALL"]
    for name in processes:
        service = services[name]
        assert service["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
        check = service["healthcheck"]["test"]
        assert check == ["CMD", "python", "-m", f"{rendered.package}.healthcheck"]
    assert services["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]
    if rendered.with_jobs:
        assert services["worker"]["command"] == ["worker"]
        assert services["worker"]["environment"]["WORKER_HEALTH_PORT"] == "8001"
        assert services["web"]["environment"]["WORKER_HEALTH_PORT"] == "0"


def test_the_compose_schema_check_catches_a_mistake(rendered: Rendered, tmp_path: Path) -> None:
    """The schema check above is worth something: a misspelt condition fails it."""
    text = (rendered.path / "compose.yaml").read_text()
    broken = tmp_path / "compose.yaml"
    broken.write_text(text.replace("service_completed_successfully", "service_completed", 1))
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout


def test_makefile_brings_compose_up_and_down_with_the_release_stamp(rendered: Rendered) -> None:
    makefile = (rendered.path / "Makefile").read_text()
    targets = re.findall(r"^([a-z-]+):", makefile, flags=re.M)
    assert {"up", "down", "kustomize", "test", "lint"} <= set(targets)
    assert "\tdocker compose up --build -d\n" in makefile
    assert "\tdocker compose down\n" in makefile
    assert "RELEASE_COMMIT ?= $(shell git rev-parse HEAD" in makefile
    assert "RELEASE_BUILT_AT ?= $(shell date -u" in makefile
    assert "export RELEASE_VERSION RELEASE_COMMIT RELEASE_BUILT_AT" in makefile
    assert not re.search(r"^ +\S", makefile.split(".PHONY", 1)[1], flags=re.M)  # tabs


# ---- The image ----------------------------------------------------------------------------

# The newest CPython patch release per minor that uv 0.13.9 lists (`uv python list
# --all-versions`): the Dockerfile's base images.
PYTHON_PATCHES = {"3.11": "3.11.18", "3.12": "3.12.16", "3.13": "3.13.18"}


def test_dockerfile_pins_its_images_runs_as_a_numeric_user_and_checks_health(
    rendered: Rendered,
) -> None:
    dockerfile = (rendered.path / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", dockerfile, flags=re.M)
    assert froms == [f"python:{PYTHON_PATCHES[rendered.python]}-slim-trixie"] * 2
    assert "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv" in dockerfile
    assert f"USER {IMAGE_USER}:{IMAGE_USER}" in dockerfile
    assert f"--uid {IMAGE_USER}" in dockerfile
    assert "chown" not in dockerfile  # root owns /app: the service writes nothing there
    healthcheck = f'CMD ["python", "-m", "{rendered.package}.healthcheck"]'
    assert "HEALTHCHECK " in dockerfile and healthcheck in dockerfile
    run_stage = dockerfile.split("\nFROM ", 2)[2]
    for name in ("RELEASE_VERSION", "RELEASE_COMMIT", "RELEASE_BUILT_AT"):
        assert re.search(rf"^ARG .*\b{name}=", run_stage, flags=re.M), name
        assert f"{name}=${{{name}}}" in run_stage, name
    ignored = (rendered.path / ".dockerignore").read_text().split()
    assert {".env", "deploy/", "compose.yaml"} <= set(ignored)


def test_dependabot_keeps_images_dependencies_and_actions_current(rendered: Rendered) -> None:
    config = rendered.path / ".github" / "dependabot.yml"
    assert config.exists() == (rendered.ci == "github")
    if not config.exists():
        return
    _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(config))
    updates = yaml.safe_load(config.read_text())["updates"]
    assert {u["package-ecosystem"] for u in updates} == {"docker", "uv", "github-actions"}
    assert all(u["schedule"]["interval"] == "weekly" and u["groups"] for u in updates)


# ---- Kubernetes ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overlays(rendered: Rendered) -> dict[str, list[dict[str, Any]]]:
    return {overlay: rendered.kustomize(overlay) for overlay in OVERLAYS}


def test_overlays_validate_strictly(
    rendered: Rendered, overlays: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    files = []
    for overlay, documents in overlays.items():
        path = tmp_path / f"{overlay}.yaml"
        path.write_text(yaml.safe_dump_all(documents))
        files.append(str(path))
    files.append(str(rendered.path / "deploy/kubernetes/base/secret.example.yaml"))
    for version in KUBERNETES_VERSIONS:
        output = _run(str(BIN / "kubernetes-validate"), "--strict", "-k", version, *files)
        assert "passed" in output and "failed" not in output, output


def test_strict_validation_catches_an_unknown_field(
    overlays: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The validation above is worth something: a misplaced field fails it."""
    web = _by_kind(overlays["prod"], "Deployment")["web"]
    web["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(web))
    cmd = [str(BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSIONS[0], str(path)]
    assert subprocess.run(cmd, capture_output=True).returncode != 0


def _by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """The documents of one kind, by their component label (web, worker, migrate)."""
    found = {}
    for doc in documents:
        if doc["kind"] == kind:
            labels = doc["metadata"].get("labels", {})
            found[labels.get("app.kubernetes.io/component", doc["metadata"]["name"])] = doc
    return found


def _sleep_seconds(container: dict[str, Any]) -> float:
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep", command
    return float(command[1])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_manifests_hold_what_production_needs(
    rendered: Rendered, overlays: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    documents = overlays[overlay]
    kinds = {doc["kind"] for doc in documents}
    assert "Secret" not in kinds  # the user creates it; the repository holds only an example
    (config_map,) = [doc for doc in documents if doc["kind"] == "ConfigMap"]
    config = config_map["data"]
    assert config["APP_ENV"] == ("production" if overlay == "prod" else "development")
    grace = float(config["SHUTDOWN_GRACE_S"])

    deployments = _by_kind(documents, "Deployment")
    processes = {"web", "worker"} if rendered.with_jobs else {"web"}
    assert set(deployments) == processes
    hpas = _by_kind(documents, "HorizontalPodAutoscaler")
    pdbs = _by_kind(documents, "PodDisruptionBudget")
    assert set(hpas) == set(pdbs) == processes
    jobs = _by_kind(documents, "Job")
    assert set(jobs) == {"migrate"}

    pods = {name: d["spec"]["template"] for name, d in deployments.items()}
    pods["migrate"] = jobs["migrate"]["spec"]["template"]
    for name, pod in pods.items():
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False, name
        security = spec["securityContext"]
        assert security["runAsNonRoot"] is True
        assert (security["runAsUser"], security["runAsGroup"]) == (IMAGE_USER, IMAGE_USER)
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        (container,) = spec["containers"]
        assert container["image"].split("/")[-1].startswith(f"{rendered.slug}:")
        restricted = container["securityContext"]
        assert restricted["readOnlyRootFilesystem"] is True
        assert restricted["allowPrivilegeEscalation"] is False
        assert restricted["capabilities"] == {"drop": ["ALL"]}
        assert {"requests", "limits"} <= set(container["resources"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        (mount,) = container["volumeMounts"]
        assert mount["mountPath"] == "/tmp"
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "emptyDir" in volumes[mount["name"]]
        sources = {next(iter(source)): source for source in container["envFrom"]}
        assert sources["configMapRef"]["configMapRef"]["name"] == config_map["metadata"]["name"]
        assert sources["secretRef"]["secretRef"]["name"] == f"{rendered.slug}-secrets"
        if name != "migrate":
            # SIGTERM comes after the preStop pause; the drain then takes SHUTDOWN_GRACE_S.
            total = spec["terminationGracePeriodSeconds"]
            assert total > _sleep_seconds(container) + grace, (name, total, grace)

    web = pods["web"]["spec"]["containers"][0]
    assert web["args"] == ["serve"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    if rendered.with_jobs:
        worker = pods["worker"]["spec"]["containers"][0]
        assert worker["args"] == ["worker"]
        env = {item["name"]: item["value"] for item in worker["env"]}
        port = int(env["WORKER_HEALTH_PORT"])
        probe = worker["livenessProbe"]["httpGet"]
        named = {p["name"]: p["containerPort"] for p in worker["ports"]}
        assert probe["path"] == "/healthz" and named[probe["port"]] == port
    assert pods["migrate"]["spec"]["containers"][0]["args"] == ["admin", "migrate"]
    assert pods["migrate"]["spec"]["restartPolicy"] == "Never"

    (service,) = [doc for doc in documents if doc["kind"] == "Service"]
    assert service["spec"]["selector"].items() <= pods["web"]["metadata"]["labels"].items()
    least = 2 if overlay == "prod" else 1
    for name, deployment in deployments.items():
        replicas = deployment["spec"]["replicas"]
        assert replicas == 1 if overlay == "dev" else replicas >= 2, (name, replicas)
        hpa, pdb = hpas[name], pdbs[name]
        assert hpa["apiVersion"] == "autoscaling/v2" and pdb["apiVersion"] == "policy/v1"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
        assert hpa["spec"]["minReplicas"] == least
        assert hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"]
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pods[name]["metadata"]["labels"].items()
        assert selector == deployment["spec"]["selector"]["matchLabels"]


# Measured (docs/deploying.md): one process holds at most its pool, DATABASE_POOL_SIZE (10)
# plus DATABASE_MAX_OVERFLOW (5) by default, under 64 concurrent chats; the migrate Job holds
# 1 while it runs.
CONNECTIONS_PER_PROCESS = 15
MIGRATE_CONNECTIONS = 1
# Postgres's default max_connections (100) less its superuser_reserved_connections (3).
POSTGRES_CONNECTIONS = 100 - 3


def test_prod_autoscaling_ceiling_fits_one_default_postgres(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    hpas = _by_kind(overlays["prod"], "HorizontalPodAutoscaler").values()
    ceiling = sum(hpa["spec"]["maxReplicas"] for hpa in hpas) * CONNECTIONS_PER_PROCESS
    assert ceiling + MIGRATE_CONNECTIONS <= POSTGRES_CONNECTIONS, ceiling


def test_secret_example_names_keys_without_values(rendered: Rendered) -> None:
    base = rendered.path / "deploy/kubernetes/base"
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text())
    listed = [*kustomization.get("resources", []), *kustomization.get("components", [])]
    assert "secret.example.yaml" not in listed
    secret = yaml.safe_load((base / "secret.example.yaml").read_text())
    assert secret["kind"] == "Secret" and "data" not in secret
    assert secret["metadata"]["name"] == f"{rendered.slug}-secrets"
    keys = secret["stringData"]
    assert {"DATABASE_URL", "REDIS_URL", "API_KEYS"} <= set(keys)
    assert set(keys.values()) == {""}
    for provider in rendered.answers.get("llm_providers", ["openai"]):
        assert f"{provider.upper()}_API_KEY" in keys


# ---- Read-only: the service writes nothing into its project ---------------------------------


def _read_only(project: Path, tmp_path: Path) -> str:
    """A command that runs the project's console script with the project read-only.

    We are root: file modes stop nothing. A private mount namespace binds the project over
    itself read-only; the working directory is entered after, through the read-only mount.
    """
    wrapper = tmp_path / "read-only"
    wrapper.write_text(
        "#!/bin/sh\n"
        'exec unshare -m sh -c \'mount --bind "$0" "$0" && '
        'mount -o remount,ro,bind "$0" "$0" && cd "$0" && '
        f'exec "$0/.venv/bin/{SERVICE_SLUG}" "$@"\' "{project}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return str(wrapper)  # an absolute path: `project / ".venv/bin" / command` keeps it


@pytest.mark.slow
def test_service_runs_from_a_read_only_project_on_postgres(project: Path, tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("needs root and unshare(1) to mount the project read-only")
    writable = tmp_path / "writable"
    writable.mkdir()
    command = _read_only(project, tmp_path)
    base = clean_env(HOME=str(writable), TMPDIR=str(writable), PYTHONDONTWRITEBYTECODE="1")

    # The sandbox holds: the default configuration (an SQLite file in the working directory)
    # cannot migrate here.
    refused = subprocess.run(
        [command, "admin", "migrate"],
        env={k: v for k, v in base.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "unable to open database file" in refused.stdout + refused.stderr
    assert not list(project.glob("*.db"))

    helpers = "from tests.support.databases import *"
    url = in_project(project, f"{helpers}; print(create_postgres_database(postgres_server()))")
    try:
        env = {"DATABASE_URL": url, "HOME": str(writable), "TMPDIR": str(writable)}
        migrate = subprocess.run(
            [command, "admin", "migrate"],
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        web = Web(project, command, env, port=free_port())
        try:
            assert request(web.port, "GET", "/readyz")[0] == 200
            status, reply = web.call("POST", "/v1/chat", {"message": "read-only?"})
            assert status == 200, reply
            assert reply["reply"].startswith("Offline reply to turn 1")
        finally:
            assert web.stop() == 0
        assert web.process.stderr is not None and web.process.stderr.read() == ""
    finally:
        in_project(project, f"{helpers}; drop_postgres_database(postgres_server(), {url!r})")
