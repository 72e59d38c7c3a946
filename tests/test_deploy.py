"""The deployment files are valid for the tools that read them: nginx accepts the site (with a
self-signed certificate in place of the real one), systemd the units, and the production
endpoints name every setting from the environment."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.servers import ROOT

pytestmark = pytest.mark.cluster
DEPLOY = ROOT / "deploy"


def _certificate(folder: Path, name: str) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={name}", "-keyout", str(folder / f"{name}.key")]
        + ["-out", str(folder / f"{name}.crt")],
        check=True,
        capture_output=True,
    )


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    for name in ("chat.example.gov.vn", "canbo.example.gov.vn"):
        _certificate(tmp_path, name)
    site = (DEPLOY / "nginx" / "bot.conf").read_text(encoding="utf-8")
    site = site.replace("/opt/dvc-assistant", str(ROOT)).replace("/etc/ssl/bot", str(tmp_path))
    (tmp_path / "bot.conf").write_text(site, encoding="utf-8")
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n  access_log off;\n  include {tmp_path}/bot.conf;\n}}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)]
        + ["-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    for env_file in ("cluster.env", "bot.env"):  # the cluster's and the single host's
        (tmp_path / env_file).write_text("", encoding="utf-8")
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("bot-*")):
        text = unit.read_text(encoding="utf-8").replace("/opt/dvc-assistant", str(ROOT))
        text = text.replace("/etc/dvc-assistant/", f"{tmp_path}/")
        name = unit.name.replace("@.", "@5005.")  # a template is checked as an instance
        (tmp_path / name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / name))
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True
    )
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr


def test_production_endpoints_come_from_the_environment() -> None:
    text = (DEPLOY / "endpoints.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert config["tracker_store"]["dialect"] == "postgresql"
    assert config["lock_store"]["type"] == "bot.lock_store.SerializedRedisLockStore"
    values = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    named = set(re.findall(r"\$\{([A-Z_]+)\}", values))
    example = (DEPLOY / "cluster.env.example").read_text(encoding="utf-8")
    assert named <= set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
