"""Deployment files agree with the code (issue 17 item 11): Dockerfile, deploy/, .env.example, README.

Docs cannot drift: every setting of `bot.config.Settings` is in `.env.example` and in the README table of
"Running in production", with its real default, and no deployment file names a PARTNERBOT_/SLACK_/TELEGRAM_
variable that the Settings class does not read. The `docker` test builds the image and starts the compose
stack; without a Docker engine it is skipped with the reason.
"""

from __future__ import annotations

import configparser
import fnmatch
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETTING_NAME = re.compile(r"\b(?:PARTNERBOT|SLACK|TELEGRAM)_[A-Z0-9_]*[A-Z0-9]\b")
FIELDS: dict[str, FieldInfo] = {field.alias: field for field in Settings.model_fields.values() if field.alias}
DATABASE_URL = "postgresql+asyncpg://partnerbot:partnerbot@postgres/partnerbot"


def is_secret(field: FieldInfo) -> bool:
    return SecretStr in (get_args(field.annotation) or (field.annotation,))


def shown_default(field: FieldInfo) -> str | None:
    """The default as the docs write it: None for unset, booleans as `true`/`false`."""
    if field.default is None:
        return None
    if isinstance(field.default, bool):
        return "true" if field.default else "false"
    return str(field.default)


def phantom_names(text: str) -> set[str]:
    return set(SETTING_NAME.findall(text)) - set(FIELDS)


def test_every_settings_field_has_an_alias() -> None:
    assert len(FIELDS) == len(Settings.model_fields)
    assert {"PARTNERBOT_DATABASE_URL", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"} <= set(FIELDS)


# .env.example


ENV_LINE = re.compile(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def env_example() -> list[tuple[str, str, bool]]:
    """(name, value without quotes, commented out) for each assignment line of .env.example."""
    entries = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if match := ENV_LINE.match(line.strip()):
            value = match["value"].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            entries.append((match["name"], value, match["comment"] is not None))
    return entries


def test_env_example_lists_every_setting_once_with_its_default_and_secrets_empty() -> None:
    entries = env_example()
    names = [name for name, _, _ in entries]
    assert sorted(set(FIELDS) - set(names)) == [], "settings missing from .env.example"
    assert sorted(set(names) - set(FIELDS)) == [], ".env.example names variables Settings does not read"
    assert sorted(name for name in names if names.count(name) > 1) == []
    for name, value, _ in entries:
        field = FIELDS[name]
        if is_secret(field):
            assert value == "", f"{name} is a secret: .env.example must leave it empty"
        else:
            assert value == (shown_default(field) or ""), f"{name}: .env.example shows {value!r}"
    # Copying the file must change nothing: an empty SLACK_BOT_TOKEN= would turn Slack on with no token.
    assert [name for name, _, commented in entries if not commented] == []
    assert phantom_names((ROOT / ".env.example").read_text(encoding="utf-8")) == set()


def test_env_example_uncommented_gives_exactly_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The values as written (quotes included) are read back by pydantic-settings as the defaults."""
    monkeypatch.delenv("PARTNERBOT_KB_SENTENCE_MODEL", raising=False)
    dotenv = tmp_path / "uncommented.env"
    dotenv.write_text(
        "".join(
            f"{line.strip().removeprefix('#').strip()}\n"
            for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
            if (match := ENV_LINE.match(line.strip())) and match["value"] and not is_secret(FIELDS[match["name"]])
        ),
        encoding="utf-8",
    )
    assert dotenv.read_text(encoding="utf-8").count("\n") >= 10
    from_file = Settings(_env_file=dotenv)  # type: ignore[call-arg]
    assert from_file.model_dump() == Settings(_env_file=None).model_dump()  # type: ignore[call-arg]


# README "Running in production"


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Running in production\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def readme_table() -> list[list[str]]:
    lines = readme_section().splitlines()
    header = lines.index("| Setting | Default | What it is |")
    assert lines[header + 1].replace(" ", "") == "|---|---|---|"
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_readme_table_lists_every_setting_once_with_its_default() -> None:
    rows = readme_table()
    assert all(len(row) == 3 and row[2] for row in rows), "each row: setting, default, what it is"
    names = [row[0].strip("`") for row in rows]
    assert sorted(set(FIELDS) - set(names)) == [], "settings missing from the README table"
    assert sorted(set(names) - set(FIELDS)) == [], "the README table names variables Settings does not read"
    assert sorted(name for name in names if names.count(name) > 1) == []
    for name, default, _ in rows:
        field = FIELDS[name.strip("`")]
        expected = shown_default(field)
        if is_secret(field) or expected is None:
            assert default == "unset", f"{name}: default column {default!r}"
        else:
            assert default == f"`{expected}`", f"{name}: default column {default!r}, Settings says {expected!r}"
    assert phantom_names(readme_section()) == set()


def test_readme_section_sits_before_operations_and_names_the_deployment_files() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.index("\n## Running in production\n") < text.index("\n## Operations\n")
    section = readme_section()
    for needle in ("docker build", "deploy/compose.yaml", "deploy/partnerbot.service", ".env.example", "/healthz"):
        assert needle in section


# deploy/compose.yaml


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): str(value) for key, value in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command") or []
    return cmd.split() if isinstance(cmd, str) else [str(part) for part in cmd]


def test_compose_runs_two_servers_of_one_image_after_migrations_and_postgres() -> None:
    services = compose()["services"]
    servers = sorted(name for name, service in services.items() if command(service)[:1] == ["serve"])
    assert servers == ["partnerbot-1", "partnerbot-2"]
    migrate = services["migrate"]
    assert command(migrate) == ["db", "upgrade"]
    image = migrate["image"]
    for name in servers:
        assert services[name]["image"] == image, f"{name} must run the same image as migrate"
        assert services[name].get("build") == migrate.get("build")
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    assert (DEPLOY / migrate["build"]["context"] / migrate["build"]["dockerfile"]).resolve() == ROOT / "Dockerfile"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"

    postgres = services["postgres"]
    assert str(postgres["image"]).startswith("postgres:15")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume, _, _mount = next(v for v in postgres["volumes"] if v.endswith(":/var/lib/postgresql/data")).partition(":")
    assert volume in compose()["volumes"], "the database lives in a named volume"


def test_compose_passes_only_real_settings_to_partnerbot() -> None:
    services = compose()["services"]
    image = services["migrate"]["image"]
    ours = {name: service for name, service in services.items() if service.get("image") == image}
    assert set(ours) == {"migrate", "partnerbot-1", "partnerbot-2"}
    for name, service in ours.items():
        env = environment(service)
        assert sorted(set(env) - set(FIELDS)) == [], f"{name} sets variables Settings does not read"
        assert env["PARTNERBOT_DATABASE_URL"] == DATABASE_URL
        assert env["PARTNERBOT_HOST"] == "0.0.0.0"
        env_files = [item["path"] if isinstance(item, dict) else item for item in service["env_file"]]
        assert [(DEPLOY / path).resolve() for path in env_files] == [ROOT / ".env"]
        settings = Settings(_env_file=None, **env)  # type: ignore[call-arg]
        assert settings.database_url == DATABASE_URL
    for name, service in services.items():
        if name not in ours:
            assert phantom_names(" ".join(environment(service))) == set()
            assert not set(environment(service)) & set(FIELDS), f"{name} is not partnerbot"
    assert phantom_names((DEPLOY / "compose.yaml").read_text(encoding="utf-8")) == set()


def test_compose_proxy_alone_publishes_a_port_and_balances_both_servers() -> None:
    services = compose()["services"]
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert list(published) == ["proxy"], "only the reverse proxy is reachable from the host"
    assert any(str(port).split(":")[-2:-1] == ["8080"] for port in published["proxy"]), published
    config_mounts = [v.split(":")[0] for v in services["proxy"]["volumes"] if v.startswith("./")]
    assert config_mounts, "the proxy's configuration comes from deploy/"
    config = "\n".join((DEPLOY / path).read_text(encoding="utf-8") for path in config_mounts)
    port = environment(services["partnerbot-1"])["PARTNERBOT_PORT"]
    for name in ("partnerbot-1", "partnerbot-2"):
        assert environment(services[name])["PARTNERBOT_PORT"] == port
        assert f"{name}:{port}" in config, f"the proxy does not send requests to {name}:{port}"
    assert "/healthz" in config
    assert set(services["proxy"]["depends_on"]) >= {"partnerbot-1", "partnerbot-2"}


# Dockerfile and .dockerignore


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Instructions per stage, continuation lines joined as Docker joins them; comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", "")
    stages: list[list[tuple[str, str]]] = [[]]
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, rest = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for kw, rest in stage if kw == keyword]


def test_dockerfile_builds_in_one_stage_and_runs_unprivileged_in_a_slim_one() -> None:
    preamble, *stages = dockerfile_stages()
    args = dict(rest.split("=", 1) for rest in instructions(preamble, "ARG"))
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], instructions(stage, "FROM")[0]).split()[0] for stage in stages
    ]
    assert len(stages) >= 2 and set(bases) == {"python:3.11-slim"}, bases
    builder, final = stages[0], stages[-1]

    users = instructions(final, "USER")
    assert users, "the final stage must switch to an unprivileged user"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    assert any(rest.startswith("--from=") and "/opt/venv" in rest for rest in instructions(final, "COPY"))
    assert not instructions(final, "RUN") or all("pip install" not in rest for rest in instructions(final, "RUN"))

    assert str(Settings.model_fields["port"].default) in " ".join(instructions(final, "EXPOSE")).split()
    assert instructions(final, "ENTRYPOINT") == ['["partnerbot"]']
    assert instructions(final, "CMD") == ['["serve"]']
    assert any(re.search(r"\bPARTNERBOT_HOST=0\.0\.0\.0\b", rest) for rest in instructions(final, "ENV"))

    # The builder copies every package the wheel is made of (and README.md, the package's readme).
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {rest.split()[0].rstrip("/") for rest in instructions(builder, "COPY")}
    assert packages | {"pyproject.toml", pyproject["project"]["readme"]} <= copied
    assert phantom_names((ROOT / "Dockerfile").read_text(encoding="utf-8")) == set()


def healthcheck_command() -> str:
    (healthcheck,) = instructions(dockerfile_stages()[-1], "HEALTHCHECK")
    _options, _, cmd = healthcheck.partition(" CMD ")
    assert cmd, "HEALTHCHECK needs a CMD"
    return cmd.strip()


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = type(self).status if self.path == "/healthz" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Health", (_Health,), {"status": 200})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def test_dockerfile_healthcheck_asks_healthz_with_urllib_and_fails_on_an_error(
    health_server: tuple[int, type[_Health]],
) -> None:
    """The HEALTHCHECK line itself, run by /bin/sh as Docker runs it, against a stand-in /healthz."""
    cmd = healthcheck_command()
    assert "/healthz" in cmd and "urllib" in cmd and "${PARTNERBOT_PORT:-8080}" in cmd
    assert not re.search(r"\b(curl|wget)\b", cmd), "python:3.11-slim has neither curl nor wget"
    port, handler = health_server
    shell = shutil.which("sh")
    assert shell is not None
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # `python` is this one

    def probe(env_port: int) -> int:
        env = {**os.environ, "PATH": path, "PARTNERBOT_PORT": str(env_port)}
        return subprocess.run([shell, "-c", cmd], env=env, capture_output=True, timeout=30).returncode

    assert probe(port) == 0
    handler.status = 503
    assert probe(port) == 1, "a 503 from /healthz must make the container unhealthy"
    handler.status = 200
    with socket.socket() as unused:  # bound, not listening: the connection is refused
        unused.bind(("127.0.0.1", 0))
        assert probe(unused.getsockname()[1]) == 1


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").removeprefix("**/")
        if fnmatch.fnmatch(path, bare) or fnmatch.fnmatch(path.rsplit("/", 1)[-1], bare):
            result = not negated
    return result


def test_dockerignore_keeps_secrets_out_and_what_the_build_copies_in() -> None:
    patterns = dockerignore_patterns()
    for path in (".env", ".git", "partnerbot.db", "tests", ".pytest_cache", "benchmarks"):
        assert ignored(path, patterns), f"{path} must not reach the build context"
    copied = [rest.split()[0].rstrip("/") for rest in instructions(dockerfile_stages()[1], "COPY")]
    for path in copied:
        assert not ignored(path, patterns), f"the Dockerfile copies {path}, but .dockerignore drops it"
    assert not ignored("knowledge_base/articles/en/register-a-deal.md", patterns)
    assert not ignored("migrations/script.py.mako", patterns)


# deploy/partnerbot.service


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "partnerbot.service").read_text(encoding="utf-8"))
    return parser


def test_systemd_unit_serves_unprivileged_after_migrating_and_is_hardened() -> None:
    parsed = unit()
    assert set(parsed.sections()) == {"Unit", "Service", "Install"}
    service = parsed["Service"]
    assert service["User"] not in ("", "root", "0")
    assert re.fullmatch(r"/\S+/partnerbot serve", service["ExecStart"]), "absolute path, then `serve`"
    assert re.fullmatch(r"/\S+/partnerbot db upgrade", service["ExecStartPre"])
    assert service["EnvironmentFile"] == "/etc/partnerbot/partnerbot.env"
    assert service["Restart"] == "on-failure"
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "true"
    assert service["WorkingDirectory"] in service["ReadWritePaths"].split(), "the data dir must stay writable"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    assert phantom_names((DEPLOY / "partnerbot.service").read_text(encoding="utf-8")) == set()


# The real thing, where a Docker engine answers


def docker_unavailable() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "no Docker engine: docker info failed (no docker client on PATH)"
    try:
        info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"no Docker engine: docker info failed ({exc})"
    if info.returncode != 0:
        lines = (info.stderr or info.stdout).strip().splitlines()
        return f"no Docker engine: docker info failed ({lines[-1] if lines else f'exit status {info.returncode}'})"
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60)
    if plugin.returncode != 0:
        return "no Docker Compose: docker compose version failed (install the compose plugin, 2.24+)"
    return None


@pytest.mark.docker
@pytest.mark.slow
def test_compose_stack_answers_healthz_through_the_proxy() -> None:
    reason = docker_unavailable()
    if reason:
        pytest.skip(reason)
    docker = shutil.which("docker") or "docker"
    # Its own project name: `down -v` must never touch the volumes of a real `partnerbot` project.
    stack = [docker, "compose", "-p", f"partnerbot-test-{os.getpid()}", "-f", str(DEPLOY / "compose.yaml")]
    try:
        up = subprocess.run([*stack, "up", "-d", "--build"], capture_output=True, text=True, timeout=1800)
        assert up.returncode == 0, up.stderr[-4000:]
        deadline = time.monotonic() + 300
        last = "nothing yet"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=5) as response:
                    assert response.status == 200
                    assert json.loads(response.read()) == {"status": "ok", "database": "ok"}
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = repr(exc)
            time.sleep(2)
        else:
            logs = subprocess.run([*stack, "logs", "--no-color", "--tail", "40"], capture_output=True, text=True)
            pytest.fail(f"/healthz did not answer 200 through the proxy within 300 s ({last}):\n{logs.stdout[-6000:]}")
    finally:
        subprocess.run([*stack, "down", "-v", "--remove-orphans"], capture_output=True, timeout=600)
