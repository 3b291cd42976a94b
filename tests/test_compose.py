"""Policy checks on the production docker-compose.yml and Dockerfile, without a Docker engine."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.common import SearchAttributeIndexedValueType

from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

# A compose variable reference: `${NAME}`, `${NAME:-default}`, `${NAME:?message}`. `$${...}` is
# compose's escape for a literal `$` (a shell variable inside the container), so it is skipped.
_VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>[^}]*)\}")
_SECRET_NAME = re.compile(r"PASSWORD|PWD|SECRET|TOKEN|KEY", re.IGNORECASE)
_REQUIRED_REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def services(compose_text: str) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(compose_text)
    result: dict[str, dict[str, Any]] = document["services"]
    return result


@pytest.fixture(scope="module")
def configs(compose_text: str) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(compose_text)
    result: dict[str, dict[str, Any]] = document.get("configs", {})
    return result


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {str(key): str(value) for key, value in environment.items()}


def _script(service: dict[str, Any], configs: dict[str, dict[str, Any]]) -> str:
    """Everything a service runs: its entrypoint, command and the config files it mounts."""
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        value = service.get(key, [])
        parts.extend([value] if isinstance(value, str) else [str(item) for item in value])
    for mount in service.get("configs", []):
        source = mount if isinstance(mount, str) else mount["source"]
        parts.append(str(configs[source].get("content", "")))
    return "\n".join(parts)


def _waits_for(service: dict[str, Any], condition: str) -> list[str]:
    depends_on = service.get("depends_on", {})
    if isinstance(depends_on, list):
        return []
    return [name for name, spec in depends_on.items() if spec.get("condition") == condition]


def _cli_type(indexed_value_type: SearchAttributeIndexedValueType) -> str:
    """The `temporal` CLI's spelling of a search attribute type: KEYWORD_LIST -> KeywordList."""
    return "".join(word.capitalize() for word in indexed_value_type.name.split("_"))


def test_every_image_is_pinned_to_a_version(services: dict[str, dict[str, Any]]) -> None:
    """A `docker compose pull` never moves the stack to an untested release of any image."""
    images = {name: service["image"] for name, service in services.items() if "image" in service}
    assert images, "the stack runs no published image"
    for name, image in images.items():
        reference = image.rsplit("/", 1)[-1]
        assert ":" in reference, f"{name}: {image} has no tag"
        tag = reference.split(":", 1)[1]
        assert tag != "latest", f"{name}: {image} floats on latest"
        assert re.match(r"^\d+(\.\d+)*", tag), f"{name}: {image} has no version in its tag"


def test_services_without_image_are_built_here(services: dict[str, dict[str, Any]]) -> None:
    """Every service is either a pinned image or built from this repository."""
    for name, service in services.items():
        assert "image" in service or "build" in service, name


def test_secret_variables_must_be_supplied(compose_text: str) -> None:
    """Compose refuses to start without each secret instead of falling back to a default."""
    secrets = [m for m in _VARIABLE.finditer(compose_text) if _SECRET_NAME.search(m["name"])]
    assert {m["name"] for m in secrets} >= {"POSTGRES_PASSWORD", "GRASSROOTS_SECRET_KEY"}
    for match in secrets:
        assert match["modifier"].startswith(":?"), f"{match[0]} must use the ${{VAR:?msg}} form"


def test_no_secret_setting_has_a_literal_value(services: dict[str, dict[str, Any]]) -> None:
    """No password or key is written into the file: each comes from a required variable."""
    for name, service in services.items():
        for key, value in _environment(service).items():
            if _SECRET_NAME.search(key):
                assert _REQUIRED_REFERENCE.match(value), f"{name}: {key} is not a required secret"


@pytest.mark.parametrize("name", ["postgres", "temporal", "api"])
def test_long_running_services_have_healthchecks(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    """Dependants start only once the database, the Temporal frontend and the API answer."""
    healthcheck = services[name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    assert healthcheck.get("test"), f"{name} has an empty healthcheck"


def test_temporal_waits_for_the_schema_job(
    services: dict[str, dict[str, Any]], configs: dict[str, dict[str, Any]]
) -> None:
    """The server never starts on a missing or half-migrated PostgreSQL schema."""
    jobs = _waits_for(services["temporal"], "service_completed_successfully")
    assert len(jobs) == 1, "temporal must wait for exactly one schema job"
    job = services[jobs[0]]
    assert job["image"].startswith("temporalio/admin-tools:")
    assert job.get("restart") == "no"
    assert "postgres" in _waits_for(job, "service_healthy")
    script = _script(job, configs)
    assert "temporal-sql-tool" in script
    for database in ("temporal", "temporal_visibility"):
        assert re.search(rf"\b{database}\b", script), f"the schema job skips {database}"
    for step in ("create", "setup-schema", "update-schema"):
        assert step in script, f"the schema job never runs {step}"


def test_admin_tools_match_the_server_version(services: dict[str, dict[str, Any]]) -> None:
    """The schema job migrates to exactly the schema version the server expects."""
    server_tag = services["temporal"]["image"].split(":", 1)[1]
    admin_tools = [s["image"] for s in services.values() if "admin-tools" in s.get("image", "")]
    assert admin_tools
    assert {image.split(":", 1)[1] for image in admin_tools} == {server_tag}


def test_worker_and_api_build_from_one_dockerfile(services: dict[str, dict[str, Any]]) -> None:
    """One image serves both roles, so the worker and the API never run different code."""
    worker, api = services["worker"], services["api"]
    assert worker["build"] == api["build"]
    build = worker["build"]
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    assert dockerfile == "Dockerfile"
    assert worker["command"] == ["grassroots", "worker"]
    assert api["command"] == ["grassroots", "api"]


def test_setup_job_creates_every_search_attribute(
    services: dict[str, dict[str, Any]], configs: dict[str, dict[str, Any]]
) -> None:
    """Cases can set and be filtered by every attribute in workflows/search_attributes.py."""
    jobs = [
        name
        for name, service in services.items()
        if "temporal" in _waits_for(service, "service_healthy")
        and "search-attribute create" in _script(service, configs)
    ]
    assert len(jobs) == 1, "exactly one job should create the search attributes"
    script = _script(services[jobs[0]], configs)
    created = dict(re.findall(r"--name\s+(\w+)\s+--type\s+(\w+)", script))
    expected = {key.name: _cli_type(key.indexed_value_type) for key in ALL_SEARCH_ATTRIBUTES}
    assert created == expected
    assert "namespace create" in script


def test_worker_and_api_wait_for_the_setup_job(services: dict[str, dict[str, Any]]) -> None:
    """No case starts before its namespace and search attributes exist."""
    setup_jobs = [
        name
        for name, service in services.items()
        if "temporal" in _waits_for(service, "service_healthy") and service.get("restart") == "no"
    ]
    assert setup_jobs
    for name in ("worker", "api"):
        assert set(setup_jobs) <= set(_waits_for(services[name], "service_completed_successfully"))


def test_worker_can_scale_out(services: dict[str, dict[str, Any]]) -> None:
    """`docker compose up --scale worker=N` works: no fixed name and no published port."""
    worker = services["worker"]
    assert "ports" not in worker
    assert "container_name" not in worker
    assert "expose" not in worker


def test_the_api_and_the_workers_share_the_rule_versions(
    services: dict[str, dict[str, Any]], compose_text: str
) -> None:
    """Every worker reads the rule versions the API activated (a case is pinned to one) from
    the same named volume at the state folder, and the volume outlives the containers."""
    env = {
        line.split("=", 1)[0].split()[-1]: line.split("=", 1)[1]
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if "GRASSROOTS_VAR_DIR=" in line
    }
    state = env["GRASSROOTS_VAR_DIR"].split()[0]
    mounts = {name: services[name].get("volumes", []) for name in ("worker", "api")}
    assert mounts["worker"] == mounts["api"]
    named = [m.split(":")[0] for m in mounts["worker"] if m.split(":")[1] == state]
    assert named, f"no volume at {state}"
    assert named[0] in yaml.safe_load(compose_text)["volumes"]


def test_the_rule_files_live_on_the_shared_volume_seeded_from_the_image(
    services: dict[str, dict[str, Any]],
) -> None:
    """Administrators' rule edits (written by the API) reach every worker: the rules folder is
    under the shared state folder, and its first content is the rules the image ships."""
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    state = dockerfile.split("GRASSROOTS_VAR_DIR=", 1)[1].split()[0]
    for name in ("worker", "api"):
        environment = services[name]["environment"]
        assert environment["GRASSROOTS_RULES_DIR"].startswith(state + "/")
        assert environment["GRASSROOTS_RULES_SEED_DIR"] == "/app/rules"
    assert "cp -r rules /app/" in dockerfile


def test_dockerfile_runs_as_a_non_root_user() -> None:
    """A compromised worker or API process does not hold root in its container."""
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    final_stage_start = max(
        i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")
    )
    users = [
        line.split(None, 1)[1].strip()
        for line in instructions[final_stage_start:]
        if line.upper().startswith("USER ")
    ]
    assert users, "the final stage never switches away from root"
    user = users[-1].split(":", 1)[0]
    assert user not in {"root", "0"}


def test_dockerfile_base_image_is_pinned() -> None:
    """The image builds on a named Python release, not on whatever `latest` is that day."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, flags=re.MULTILINE))
    for base in re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE):
        image = re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m[1], m[0]), base)
        if image in {"build", "runtime"}:
            continue
        assert re.match(r"^python:3\.11[.\w-]*$", image), f"unpinned base image {image}"
