"""deploy/docker-compose.yml and deploy/Dockerfile: one image, a container per service, each
scalable (``--scale routing=3``), a one-shot migrate step, the broker's definitions at boot. The
docker engine (and compose) is not on the build machines, so the file's structure is checked here."""

from __future__ import annotations

import re

import yaml

from liaison.config import REPO_ROOT
from services import catalogue

DEPLOY = REPO_ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES = catalogue.NAMES


def test_one_image_a_container_per_service_chosen_by_its_command():
    services = COMPOSE["services"]
    for name in SERVICES:
        spec = services[name]
        assert spec["image"] == "liaison:latest"
        assert spec["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert spec["command"] == ["run", name]
        assert "container_name" not in spec  # a fixed name cannot be scaled
        assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert spec["healthcheck"]["test"][:3] == ["CMD", "liaison", "health"]
        assert spec["stop_grace_period"] == "60s"


def test_consumers_publish_no_host_port_and_the_gateway_a_range():
    services = COMPOSE["services"]
    for name in catalogue.CONSUMERS:
        assert "ports" not in services[name]
    (published,) = services["gateway"]["ports"]
    assert "8000-8004" in published and published.endswith(":8000")


def test_migrate_is_one_shot_and_waits_for_broker_and_database():
    migrate = COMPOSE["services"]["migrate"]
    assert migrate["command"] == ["liaison migrate && liaison topology"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"rabbitmq": {"condition": "service_healthy"},
                                     "postgres": {"condition": "service_healthy"}}


def test_the_broker_loads_the_rendered_definitions():
    rabbitmq = COMPOSE["services"]["rabbitmq"]
    assert "./rabbitmq/rabbitmq.conf:/etc/rabbitmq/rabbitmq.conf:ro" in rabbitmq["volumes"]
    assert "rabbitmq-definitions:/etc/rabbitmq/definitions:ro" in rabbitmq["volumes"]
    assert "management" in rabbitmq["image"]
    render = COMPOSE["services"]["rabbitmq-definitions"]
    assert render["entrypoint"][:2] == ["python", "deploy/rabbitmq/render.py"]


def test_no_password_is_written_in_the_compose_file():
    text = (DEPLOY / "docker-compose.yml").read_text()
    for variable in ("LIAISON_AMQP_PASSWORD", "POSTGRES_PASSWORD", "RABBITMQ_ADMIN_PASSWORD"):
        uses = re.findall(r"\$\{" + variable + r"([^}]*)\}", text)
        assert uses and all(u.startswith(":?") for u in uses), variable  # required, no default


def test_dockerfile_builds_one_non_root_image_running_liaison():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", text, re.M)
    assert "pip install -r requirements.lock" in text
    assert re.search(r"^USER 10001$", text, re.M)
    assert 'ENTRYPOINT ["liaison"]' in text
    for path in ("liaison", "services", "deploy/config.yaml", "deploy/rabbitmq"):
        assert f"COPY {path} " in text
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)
