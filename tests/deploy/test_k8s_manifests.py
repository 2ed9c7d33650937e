"""deploy/k8s: every manifest passes a schema check (the offline equivalent of kubeconform):
Kubernetes kinds against the official schemas of the ``kubernetes-validate`` package, strictly
(unknown fields fail); KEDA's kinds against deploy/k8s/schemas (the default schemas lack CRDs)."""

from __future__ import annotations

import json

import jsonschema
import kubernetes_validate
import pytest
import yaml

from liaison.config import REPO_ROOT
from liaison.messaging import topology
from services import catalogue

K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
NOT_RESOURCES = {"kustomization.yaml"}
SERVICES = catalogue.NAMES


def _documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name not in NOT_RESOURCES:
            docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


DOCS = _documents()
KEDA_SCHEMAS = {kind: json.loads((K8S / "schemas" / f"{kind.lower()}-keda-v1alpha1.json").read_text())
                for kind in ("ScaledObject", "TriggerAuthentication")}


@pytest.mark.parametrize("name,doc", DOCS, ids=[f"{n}:{d['kind']}" for n, d in DOCS])
def test_manifest_passes_its_schema(name, doc):
    if doc["apiVersion"].startswith("keda.sh/"):
        jsonschema.validate(doc, KEDA_SCHEMAS[doc["kind"]])
    else:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_keda_schema_rejects_what_keda_would():
    good = next(d for _, d in DOCS if d["kind"] == "ScaledObject"
                and d["spec"]["triggers"][0]["type"] == "rabbitmq")
    bad = json.loads(json.dumps(good))
    bad["spec"]["triggers"][0]["metadata"].pop("queueName")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, KEDA_SCHEMAS["ScaledObject"])
    bad = json.loads(json.dumps(good))
    bad["spec"]["scaleTargetRef"]["nmae"] = "typo"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, KEDA_SCHEMAS["ScaledObject"])


def _by_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for _, d in DOCS if d["kind"] == kind}


def test_a_deployment_per_service_with_probes_resources_and_graceful_stop():
    deployments = _by_kind("Deployment")
    assert set(deployments) == {f"liaison-{s}" for s in SERVICES}
    for service in SERVICES:
        spec = deployments[f"liaison-{service}"]["spec"]
        pod = spec["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["run", service]
        assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
        assert {"livenessProbe", "readinessProbe"} <= set(container)
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["METRICS_PORT"] == str(catalogue.entry(service).metrics_port)
        assert pod["terminationGracePeriodSeconds"] >= 30
        refs = [list(r.values())[0]["name"] for r in container["envFrom"]]
        assert refs == ["liaison-config", "liaison-secrets"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()


def test_each_consuming_service_scales_on_its_own_queue():
    scaled = _by_kind("ScaledObject")
    queues = {"intake": "intake.submissions", "routing": "routing.cases",
              "archive": "archive.case-events", "notify": "notify.case-events"}
    for service, queue in queues.items():
        assert queue in topology.CONSUMER_QUEUES
        spec = scaled[f"liaison-{service}"]["spec"]
        assert spec["scaleTargetRef"]["name"] == f"liaison-{service}"
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "rabbitmq" and trigger["metadata"]["queueName"] == queue
        assert trigger["authenticationRef"]["name"] in _by_kind("TriggerAuthentication")
        assert spec["minReplicaCount"] >= 1  # a consumer at zero would leave its queue unread
    for service in set(catalogue.NAMES) - set(catalogue.CONSUMERS):  # HTTP and RPC only
        assert scaled[f"liaison-{service}"]["spec"]["triggers"][0]["type"] == "cpu"


def test_kustomization_lists_every_resource_but_the_example_secret():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - NOT_RESOURCES - {"secret.example.yaml"}
    assert listed == present


def test_no_real_secret_in_the_manifests():
    secret = _by_kind("Secret")["liaison-secrets"]["stringData"]
    assert all("REPLACE-ME" in v for v in (secret["AMQP_URI"], secret["DATABASE_URL"]))
