"""The house rules of imports, read from the source with `ast` (nothing is imported):

- the kernel (`echolot/` without its wiring) imports no stage package and no wiring;
- no stage imports another stage, or the wiring;
- neither the kernel nor a stage imports Airflow.

The wiring is `echolot/app/`, the command line and `echolot.tasks`: the only modules that may
import the stages. Imports inside functions count too; tests, benchmarks and DAG files are not
part of the package and are not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

STAGES = ("ingest", "nlp", "reach", "routing")
WIRING = ("echolot.app", "echolot.cli", "echolot.tasks", "echolot.__main__")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every module a source file imports, relative imports resolved against `module`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            # `from echolot import tasks` imports the module echolot.tasks.
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def layer(module: str) -> str:
    """'wiring', 'kernel', or the stage package a module belongs to."""
    if any(within(module, w) for w in WIRING):
        return "wiring"
    top = module.split(".")[0]
    return "kernel" if top == "echolot" else top


def violations(module: str, imports: set[str]) -> list[str]:
    own = layer(module)
    if own == "wiring":
        return []
    found = []
    for name in sorted(imports):
        if within(name, "airflow"):
            found.append(f"{module} ({own}) imports Airflow ({name})")
        elif any(within(name, w) for w in WIRING):
            found.append(f"{module} ({own}) imports the wiring ({name})")
        elif name.split(".")[0] in STAGES and name.split(".")[0] != own:
            what = "a stage" if own == "kernel" else "another stage"
            found.append(f"{module} ({own}) imports {what} ({name})")
    return found


def package_modules() -> list[Path]:
    return sorted(p for top in ("echolot", *STAGES) for p in (REPO / top).rglob("*.py"))


def test_the_kernel_imports_no_stage_and_no_stage_imports_another() -> None:
    problems = []
    for path in package_modules():
        module = module_name(path)
        imports = imported_modules(path.read_text(encoding="utf-8"), module,
                                   path.name == "__init__.py")  # fmt: skip
        problems += violations(module, imports)
    assert problems == [], "\n".join(problems)


def test_every_layer_is_seen() -> None:
    layers = {layer(module_name(p)) for p in package_modules()}
    assert layers == {"wiring", "kernel", *STAGES}


def test_the_checker_catches_each_kind_of_violation() -> None:
    kernel = imported_modules(
        "import nlp.analyse\ndef f():\n    from echolot import tasks\n", "echolot.store", False
    )
    assert violations("echolot.store", kernel) == [
        "echolot.store (kernel) imports the wiring (echolot.tasks)",
        "echolot.store (kernel) imports a stage (nlp.analyse)",
    ]
    stage = imported_modules(
        "from reach import graph\nfrom . import base\nfrom ..words import tokens\nimport airflow.sdk\n",
        "routing.detectors.spike",
        False,
    )
    assert violations("routing.detectors.spike", stage) == [
        "routing.detectors.spike (routing) imports Airflow (airflow.sdk)",
        "routing.detectors.spike (routing) imports another stage (reach)",
        "routing.detectors.spike (routing) imports another stage (reach.graph)",
    ]
    assert {"routing.detectors.base", "routing.words.tokens"} <= stage  # relative, resolved
    wiring = imported_modules("import ingest.runner\nimport routing\n", "echolot.app.stages", False)
    assert violations("echolot.app.stages", wiring) == []
