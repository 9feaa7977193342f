"""Static checks of the Docker stack: docker-compose.yml, Dockerfile, .env.example and the files
under docker/. Nothing here needs a Docker engine; the files are parsed and read."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from echolot import migrations, sources
from echolot.app import airflow_pools

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"

BACKING_SERVICES = {"postgres", "rabbitmq"}
ONE_SHOT_SERVICES = {"airflow-init"}
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
AIRFLOW_SERVICES = {"airflow-init", *AIRFLOW_COMMANDS}
EXPECTED_SERVICES = BACKING_SERVICES | AIRFLOW_SERVICES
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

# Environment keys whose values are secrets; PASS also covers PASSWORD.
SECRET_KEY = re.compile(r"PASS|SECRET|TOKEN|FERNET|KEY")
# Secrets the stack cannot run without: compose must refuse to start while they are unset.
REQUIRED_SECRETS = {
    "POSTGRES_PASSWORD",
    "RABBITMQ_PASSWORD",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ...; `$${...}` is an escaped
# dollar for the container's shell and not interpolated by compose.
VAR_REF = re.compile(
    r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
)
WHOLE_VAR_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}")
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@]*:(?P<password>[^@]*)@", re.IGNORECASE)


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), (
        f"{COMPOSE.name} must be a YAML mapping, got {type(data).__name__}"
    )
    return data


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    """The environment of a service as a dict, from either the mapping or the list form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (the list form means service_started)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host source for every volume entry of a service (short or long form)."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, target, *_ = volume.split(":")
            mounts[target] = source
    return mounts


def split_outside_var_refs(text: str, separator: str) -> list[str]:
    """Split on `separator`, except inside ${...} (a default may hold one, as in ${PORT:-80})."""
    parts, current, depth = [], "", 0
    for index, char in enumerate(text):
        if text.startswith("${", index):
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if char == separator and not depth:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def published_ports(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host_ip, host_port, container_port) per ports entry; missing parts are empty strings."""
    result = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            result.append(
                (
                    str(port.get("host_ip", "")),
                    str(port.get("published", "")),
                    str(port.get("target", "")),
                )
            )
            continue
        parts = split_outside_var_refs(str(port), ":")  # [[ip:]host:]container
        host_ip, host_port, container_port = [""] * (3 - len(parts)) + parts
        result.append((host_ip, host_port, container_port))
    return result


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def healthcheck_test(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test", "")
    return " ".join(test) if isinstance(test, list) else str(test)


def strings(node: Any) -> list[str]:
    """Every string (keys and values) anywhere in a parsed YAML node."""
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in strings(key) + strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def compose_var_refs() -> list[re.Match[str]]:
    return [m for text in strings(compose()) for m in VAR_REF.finditer(text)]


def env_example_names() -> dict[str, str]:
    """NAME -> value for every uncommented assignment in .env.example."""
    names = {}
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env.example line {number} is neither a comment nor NAME=value: {line!r}"
        names[name.strip()] = value.strip()
    return names


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            result.append((instruction.upper(), " ".join(args.split())))
    return result


def pinned_version(package: str) -> str:
    text = (REPO / "constraints.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.MULTILINE | re.IGNORECASE)
    assert match, f"constraints.txt pins no version of {package} (expected a line {package}==X)"
    return match.group(1)


# --- compose: structure and dependencies ---------------------------------------------------


def test_compose_parses_and_defines_the_expected_services() -> None:
    assert isinstance(compose().get("services"), dict), "docker-compose.yml has no services mapping"
    missing = EXPECTED_SERVICES - set(services())
    assert not missing, f"docker-compose.yml lacks the services {sorted(missing)}"


def test_airflow_services_share_the_x_airflow_common_anchor() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert re.search(r"^x-airflow-common:\s*&airflow-common\s*$", text, re.MULTILINE), (
        "docker-compose.yml must define the shared Airflow settings as `x-airflow-common: &airflow-common`"
    )
    common = compose()["x-airflow-common"]
    for name in sorted(AIRFLOW_SERVICES):
        service = services()[name]
        for key in ("image", "build", "volumes"):
            assert service.get(key) == common.get(key), (
                f"{name}.{key} differs from x-airflow-common.{key}: {service.get(key)!r}"
            )
        env = environment(service)
        for key, value in environment(common).items():
            assert env.get(key) == value, (
                f"{name} does not inherit {key}={value!r} from x-airflow-common (has {env.get(key)!r})"
            )


def test_every_depends_on_target_exists_with_a_known_condition() -> None:
    for name, service in services().items():
        for target, condition in depends_on(service).items():
            assert target in services(), f"{name} depends on {target!r}, which is not a service"
            assert condition in CONDITIONS, (
                f"{name} waits for {target} with unknown condition {condition!r}"
            )


def test_services_awaited_as_healthy_have_healthchecks() -> None:
    for name, service in services().items():
        for target, condition in depends_on(service).items():
            if condition == "service_healthy":
                assert healthcheck_test(services()[target]), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck"
                )


def test_services_awaited_as_completed_are_one_shot() -> None:
    for name, service in services().items():
        for target, condition in depends_on(service).items():
            if condition == "service_completed_successfully":
                assert target in ONE_SHOT_SERVICES, (
                    f"{name} waits for {target} to complete, but {target} is not a one-shot service"
                )
                restart = str(services()[target].get("restart", "no"))
                assert restart == "no", (
                    f"{target} must not restart (restart: {restart!r}); "
                    f"{name} waits for it to exit successfully"
                )


def test_long_running_services_have_healthchecks() -> None:
    for name, service in services().items():
        if name in ONE_SHOT_SERVICES:
            continue
        healthcheck = service.get("healthcheck") or {}
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        test = healthcheck_test(service)
        assert test and test != "NONE", f"long-running service {name} has no healthcheck test"


def test_airflow_services_wait_for_init_and_healthy_backing_services() -> None:
    for name in sorted(AIRFLOW_SERVICES):
        deps = depends_on(services()[name])
        for backing in sorted(BACKING_SERVICES):
            assert deps.get(backing) == "service_healthy", (
                f"{name} must depend on {backing} with condition service_healthy, has {deps.get(backing)!r}"
            )
        if name not in ONE_SHOT_SERVICES:
            assert deps.get("airflow-init") == "service_completed_successfully", (
                f"{name} must depend on airflow-init with condition service_completed_successfully, "
                f"has {deps.get('airflow-init')!r}"
            )
    worker_deps = depends_on(services()["airflow-worker"])
    assert worker_deps.get("airflow-apiserver") == "service_healthy", (
        "airflow-worker must wait for a healthy airflow-apiserver: task runners talk to its execution API"
    )


def test_airflow_services_run_their_component() -> None:
    for name, expected in AIRFLOW_COMMANDS.items():
        assert command_text(services()[name]).strip() == expected, (
            f"{name} must run `{expected}`, runs `{command_text(services()[name])}`"
        )


def test_airflow_init_migrates_both_databases_and_creates_the_admin() -> None:
    script = command_text(services()["airflow-init"])
    assert "set -e" in script or "set -euo pipefail" in script, (
        "airflow-init's script must stop at the first failing step (set -e)"
    )
    steps = ["airflow db migrate", "airflow users create", "echolot db migrate"]
    for step in steps:
        assert step in script, f"airflow-init does not run `{step}`"
    # Every pool the DAGs assign tasks to must exist, or those tasks never start: the script
    # creates each pool the source plug-ins name, as echolot.app.airflow_pools lists them.
    assert "python -m echolot.app.airflow_pools" in script, "airflow-init does not list the pools"
    # ($$ is compose's escape for a shell $.)
    assert 'airflow pools set "$$pool" "$$slots" "$$text"' in script, (
        "airflow-init does not create the listed pools"
    )
    listed = {pool for pool, _, _ in airflow_pools.pools()}
    assert listed == set(sources.api_pools().values()) >= {"echolot_x_api", "echolot_reddit_api"}
    assert "--role Admin" in script, "airflow-init must create the admin user with --role Admin"
    env = environment(services()["airflow-init"])
    for key in ("AIRFLOW_ADMIN_USERNAME", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_ADMIN_EMAIL"):
        assert key in env, f"airflow-init gets no {key} (the admin user comes from .env)"


def test_airflow_uses_celery_over_rabbitmq_and_postgres_databases() -> None:
    env = environment(compose()["x-airflow-common"])
    expected = {
        "AIRFLOW__CORE__EXECUTOR": r"CeleryExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": r"(?i)false",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": r"http://airflow-apiserver:8080/execution/",
        "AIRFLOW__CELERY__BROKER_URL": r"amqp://[^@]+@rabbitmq:5672/.*",
        "AIRFLOW__CELERY__RESULT_BACKEND": r"db\+postgresql://[^@]+@postgres:5432/airflow",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": r"postgresql\+psycopg2://[^@]+@postgres:5432/airflow",
        "ECHOLOT_DATABASE_URL": r"postgresql://[^@]+@postgres:5432/echolot",
        "ECHOLOT_AMQP_URL": r"amqp://[^@]+@rabbitmq:5672/.*",
    }
    for key, pattern in expected.items():
        assert key in env, f"x-airflow-common.environment lacks {key}"
        assert re.fullmatch(pattern, env[key]), f"{key}={env[key]!r} does not match {pattern!r}"


def test_dags_and_config_folders_are_mounted_where_airflow_and_echolot_look() -> None:
    for name in sorted(AIRFLOW_SERVICES):
        service = services()[name]
        env, mounts = environment(service), bind_mounts(service)
        for key, folder in (
            ("AIRFLOW__CORE__DAGS_FOLDER", "dags"),
            ("ECHOLOT_CONFIG_DIR", "config"),
        ):
            target = env.get(key)
            assert target, f"{name} does not set {key}"
            source = mounts.get(target)
            assert source is not None, f"{name}: nothing is mounted at {key}={target}"
            assert Path(source).as_posix().removeprefix("./") == folder, (
                f"{name} mounts {source!r} at {target} ({key}); expected ./{folder}"
            )


def test_postgres_init_script_creates_the_echolot_database() -> None:
    postgres = services()["postgres"]
    assert environment(postgres).get("POSTGRES_DB") == "airflow", (
        "postgres must create the Airflow metadata database `airflow` as POSTGRES_DB"
    )
    init = {
        t: s
        for t, s in bind_mounts(postgres).items()
        if t.startswith("/docker-entrypoint-initdb.d/")
    }
    assert init, "postgres mounts no init script into /docker-entrypoint-initdb.d/"
    sql = ""
    for target, source in init.items():
        path = REPO / source
        assert path.is_file(), f"postgres init script {source} (mounted at {target}) does not exist"
        sql += path.read_text(encoding="utf-8")
    assert re.search(
        r"^\s*CREATE\s+DATABASE\s+\"?echolot\"?\s*[;\s]", sql, re.IGNORECASE | re.MULTILINE
    ), f"no postgres init script ({', '.join(init.values())}) runs CREATE DATABASE echolot"


def test_postgres_healthcheck_goes_over_tcp() -> None:
    test = healthcheck_test(services()["postgres"])
    assert "pg_isready" in test, f"postgres healthcheck must use pg_isready, is {test!r}"
    assert re.search(r"-h\s*(127\.0\.0\.1|localhost)\b", test), (
        "postgres healthcheck must check over TCP (pg_isready -h 127.0.0.1): the socket answers "
        "while init scripts still run, before the echolot database exists"
    )


# --- compose: secrets and variables --------------------------------------------------------


def test_no_hard_coded_secrets_in_environment() -> None:
    blocks = {"x-airflow-common": compose()["x-airflow-common"], **services()}
    for name, service in blocks.items():
        for key, value in environment(service).items():
            if SECRET_KEY.search(key):
                assert WHOLE_VAR_REF.fullmatch(value), (
                    f"{name}: {key} must be exactly one ${{VAR}} reference to .env, is {value!r}"
                )
                match = VAR_REF.fullmatch(value)
                assert match and not (match["op"] in {"-", ":-"} and match["arg"]), (
                    f"{name}: {key}={value!r} has a default value; a secret may not have one"
                )
            url = URL_PASSWORD.match(value)
            if url:
                assert WHOLE_VAR_REF.fullmatch(url["password"]), (
                    f"{name}: {key} embeds the password {url['password']!r}; use a ${{VAR}} reference"
                )


def test_required_secrets_stop_compose_when_unset() -> None:
    required = {m["name"] for m in compose_var_refs() if m["op"] == ":?"}
    missing = REQUIRED_SECRETS - required
    assert not missing, (
        f"docker-compose.yml must reference {sorted(missing)} as ${{VAR:?message}} at least once"
    )


def test_every_compose_variable_is_listed_in_env_example() -> None:
    used = {m["name"] for m in compose_var_refs()}
    listed = set(env_example_names())
    assert not used - listed, f".env.example does not list {sorted(used - listed)}"
    assert not listed - used, (
        f".env.example lists {sorted(listed - used)}, unused by docker-compose.yml"
    )


def test_env_example_holds_no_values_and_env_is_ignored() -> None:
    filled = {name: value for name, value in env_example_names().items() if value}
    assert not filled, f".env.example must leave every value empty, has {sorted(filled)}"
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored, ".gitignore must list .env (real secrets live there)"


# --- compose: ports and scaling ------------------------------------------------------------


def test_worker_can_scale() -> None:
    worker = services()["airflow-worker"]
    for key in ("container_name", "hostname"):
        assert key not in worker, (
            f"airflow-worker sets {key}; `--scale airflow-worker=N` needs it unset"
        )
    fixed = [p for p in published_ports(worker) if p[1]]
    assert not fixed, (
        f"airflow-worker publishes fixed host ports {fixed}; scaled copies would clash"
    )


def test_published_ports_listen_on_loopback_only() -> None:
    for name, service in services().items():
        assert service.get("network_mode") != "host", f"{name} uses network_mode: host"
        for host_ip, host_port, container_port in published_ports(service):
            assert host_ip == "127.0.0.1", (
                f"{name} publishes {host_port or '?'}->{container_port} on {host_ip or 'all interfaces'}, "
                "not 127.0.0.1"
            )


# --- Dockerfile ----------------------------------------------------------------------------


def test_dockerfile_base_image_matches_the_lock_and_python() -> None:
    froms = [args for instruction, args in dockerfile_instructions() if instruction == "FROM"]
    assert len(froms) == 1, f"Dockerfile must have exactly one FROM, has {froms}"
    match = re.fullmatch(r"apache/airflow:(?P<airflow>[\d.]+)-python(?P<python>[\d.]+)", froms[0])
    assert match, f"Dockerfile FROM {froms[0]!r} is not apache/airflow:<version>-python<version>"
    assert match["airflow"] == pinned_version("apache-airflow"), (
        f"Dockerfile builds on Airflow {match['airflow']}, "
        f"constraints.txt pins apache-airflow=={pinned_version('apache-airflow')}"
    )
    assert match["python"] == "3.11", (
        f"Dockerfile builds on Python {match['python']}, Echolot needs 3.11"
    )


def test_dockerfile_copies_the_project_and_the_lock() -> None:
    copied = set()
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY":
            sources = [a for a in args.split() if not a.startswith("--")][:-1]
            copied |= {s.rstrip("/") for s in sources}
    expected = {"pyproject.toml", "constraints.txt", "README.md", "sql", "dags", "config"}
    expected |= distribution_packages()
    assert not expected - copied, f"Dockerfile does not COPY {sorted(expected - copied)}"


def distribution_packages() -> set[str]:
    """The top-level packages pyproject.toml's package find ships, as folders of the repo.

    Derived, not listed: a new stage package must reach the image without anyone editing this.
    """
    find = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"][
        "find"
    ]
    patterns = [pattern.removesuffix("*") for pattern in find["include"]]
    packages = {
        path.parent.name
        for path in REPO.glob("*/__init__.py")
        if any(path.parent.name.startswith(prefix) for prefix in patterns)
    }
    assert packages, "pyproject.toml's [tool.setuptools.packages.find] matches no package"
    return packages


def test_distribution_packages_include_every_stage() -> None:
    # The derivation itself must see the stages, or the Dockerfile check above proves nothing.
    assert {"echolot", "ingest", "nlp", "reach", "routing"} <= distribution_packages()


def pip_installs() -> list[str]:
    return [
        args
        for instruction, args in dockerfile_instructions()
        if instruction == "RUN" and re.search(r"\bpip install\b", args)
    ]


def test_dockerfile_installs_with_the_lock() -> None:
    installs = pip_installs()
    assert installs, "Dockerfile runs no pip install"
    for args in installs:
        assert re.search(r"(-c|--constraint)[ =]constraints\.txt\b", args), (
            f"Dockerfile pip install without -c constraints.txt: {args!r}"
        )


def test_dockerfile_takes_torch_from_the_cpu_index() -> None:
    pinned_version("torch")  # the lock pins torch; the CPU index must supply that wheel
    assert any(
        "--extra-index-url https://download.pytorch.org/whl/cpu" in args for args in pip_installs()
    ), (
        "Dockerfile pip install must add the PyTorch CPU index, or PyPI's CUDA build of torch is installed"
    )


def test_dockerfile_install_keeps_the_sql_migrations_reachable() -> None:
    assert any(re.search(r"(-e|--editable)[ =]\.(\s|$)", args) for args in pip_installs()), (
        f"echolot.migrations reads {migrations.MIGRATIONS_DIR} from the source tree, "
        "which a wheel install does not ship: the Dockerfile must install with -e ."
    )


def test_dockerfile_runs_as_the_airflow_user() -> None:
    users = [args for instruction, args in dockerfile_instructions() if instruction == "USER"]
    assert users and users[-1].split(":")[0] == "airflow", (
        f"the image must end as USER airflow, ends as {users[-1] if users else 'the base image user'}"
    )
