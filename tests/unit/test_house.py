"""The shape of the house: the shared kit (``liaison/``) knows no service, and the list of
services exists once (``services/catalogue.py``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from services import catalogue

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "liaison"
# "services.intake…", "services/routing/…", import_module(f"services.{name}…")
NAMES_A_SERVICE = re.compile(r"\bservices\s*[./]|\bservices\.\{|[\"']services[\"']")


def _kit_files() -> list[Path]:
    return sorted(KIT.rglob("*.py"))


def test_the_kit_imports_no_service():
    offenders = []
    for path in _kit_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}"
                          for n in names if n == "services" or n.startswith(("services.", "tools"))]
    assert offenders == []


def test_the_kit_names_no_service_by_string_or_path():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _kit_files()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if NAMES_A_SERVICE.search(line)]
    assert offenders == []


def test_the_pattern_catches_what_it_is_for():
    for line in ('importlib.import_module(f"services.{service}.models")',
                 'from services.routing import policy', '"services/routing/data/stations.yaml"'):
        assert NAMES_A_SERVICE.search(line), line
    assert not NAMES_A_SERVICE.search("shared by the services: engines")


def test_every_service_folder_is_in_the_catalogue_once():
    folders = sorted(p.parent.name for p in (ROOT / "services").glob("*/service.py"))
    assert sorted(catalogue.NAMES) == folders
    assert len(set(catalogue.NAMES)) == len(catalogue.NAMES)


def test_no_other_file_lists_the_services():
    """The names of all the services together appear only in the catalogue."""
    pattern = re.compile(r"\(\s*[\"']intake[\"']\s*,\s*[\"']routing[\"']")
    offenders = [str(p.relative_to(ROOT)) for base in ("liaison", "services", "tools", "bench",
                                                         "deploy")
                 for p in (ROOT / base).rglob("*.py")
                 if p.name != "catalogue.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_readme_tables_of_events_and_queues_are_generated_from_the_code():
    """``liaison contracts`` writes them; a change of events.py or topology.py needs it run."""
    from tools import contracts

    text = contracts.README.read_text(encoding="utf-8")
    assert set(contracts.blocks(text)) == {"events", "queues"}
    assert contracts.render(text) == text, "run: liaison contracts"


def test_every_setting_of_the_config_file_is_in_the_readme_and_back():
    """deploy/config.yaml holds every setting with its one default; the README's table names
    each (and only settings the file has, or the per-service overrides it explains)."""
    config = (ROOT / "deploy" / "config.yaml").read_text(encoding="utf-8")
    in_file = {name for line in config.splitlines() if not line.lstrip().startswith("#")
               for name in re.findall(r"\$\{([A-Z_]+):", line)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Configuration", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    in_table = {name for row in rows for name in re.findall(r"`([A-Z][A-Z_]+)`", row.split("|")[1])}
    per_service = {"LIAISON_CONFIG"}  # and the <SERVICE>_… overrides, written with <SERVICE>
    assert in_file - in_table == set(), "settings missing from the README's table"
    assert in_table - in_file - per_service == set(), "README settings the config file lacks"
