"""travelmap installs like any Python web application: a wheel built from a clean export of the checkout,
installed into a fresh virtual environment, serves the demo trip from an empty folder with no settings,
with every asset, and writes nothing outside its data folder."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _export_checkout(target: Path) -> None:
    """Copy what git would commit (tracked and new, unignored files): a clean export, no venv, no caches."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout, so there is no clean export to build a wheel from")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=PROJECT_ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {log.read_text()[-3000:]}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within 120 s: {log.read_text()[-3000:]}")


def _files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel built from a clean export installed in it."""
    root = tmp_path_factory.mktemp("install")
    export, wheels, venv = root / "export", root / "wheels", root / "venv"
    _export_checkout(export)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(export)],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(wheels.glob("travelmap-*.whl"))
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True)
    return venv


def test_the_wheel_carries_templates_static_files_migrations_demo_trip_and_licence(installed: Path) -> None:
    site = next(installed.glob("lib/python*/site-packages"))
    package = site / "travelmap"
    for needed in ("templates/base.html", "templates/public/trip.html", "static/travelmap.css",
                   "migrations/env.py", "migrations/script.py.mako", "migrations/versions/0001_initial_schema.py",
                   "demo/trip.toml", "demo/gpx", "demo/photos"):
        assert (package / needed).exists(), needed
    licences = list(site.glob("travelmap-*.dist-info/licenses/LICENSE")) + list(
        site.glob("travelmap-*.dist-info/LICENSE")
    )
    assert licences and "MIT License" in licences[0].read_text()


def test_the_wheel_carries_every_python_module_of_the_source_tree(installed: Path) -> None:
    package = next(installed.glob("lib/python*/site-packages")) / "travelmap"
    source = PROJECT_ROOT / "travelmap"
    modules = {str(p.relative_to(source)) for p in source.rglob("*.py") if "__pycache__" not in p.parts}
    shipped = {str(p.relative_to(package)) for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    assert modules - shipped == set(), "a subpackage is missing from [tool.setuptools] packages"


def test_the_installed_version_comes_from_the_package_metadata(installed: Path) -> None:
    out = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import travelmap; print(travelmap.__version__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=installed,
    ).stdout.strip()
    declared = re.search(r'^version = "([^"]+)"', (PROJECT_ROOT / "pyproject.toml").read_text(), re.M)
    assert declared is not None and out == declared.group(1)


def test_python_dash_m_travelmap_runs_the_command_line(installed: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-m", "travelmap", "--help"], capture_output=True, text=True, cwd=installed
    )
    assert result.returncode == 0
    assert "serve" in result.stdout and "import-gpx" in result.stdout


def test_travelmap_serve_from_an_empty_folder_serves_the_demo_trip_and_writes_only_to_its_data_folder(
    installed: Path, tmp_path: Path
) -> None:
    home, work = tmp_path / "home", tmp_path / "empty"
    home.mkdir()
    work.mkdir()
    site = next(installed.glob("lib/python*/site-packages"))
    before = _files_under(site)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}  # no TRAVELMAP_* settings at all
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(installed / "bin" / "travelmap"), "serve", "--port", str(port)],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/", process, log)
        status, index = _get(base + "/")
        assert status == 200
        slug = re.search(rb'href="/trips/([a-z0-9-]+)"', index)
        assert slug is not None, "the front page lists the demo trip"
        status, page = _get(f"{base}/trips/{slug.group(1).decode()}")
        assert status == 200 and b"Baotou" in page
        assets = set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', page))
        assert any(a.endswith(b"leaflet.js") for a in assets) and any(a.endswith(b".css") for a in assets)
        for asset in assets:
            assert _get(base + asset.decode())[0] == 200, asset
    finally:
        process.terminate()
        process.wait(timeout=30)
    data = home / ".local" / "share" / "travelmap"
    assert (data / "travelmap.sqlite3").is_file() and (data / "media").is_dir()
    assert list(work.iterdir()) == [], "nothing is written to the folder travelmap was started in"
    assert _files_under(site) == before, "nothing is written into site-packages"
    written = {p for p in home.rglob("*") if p.is_file()}
    assert all(data in p.parents for p in written), sorted(
        map(str, written - {p for p in written if data in p.parents})
    )


def test_gunicorn_serves_the_app_factory(installed: Path, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TRAVELMAP_HOME": str(tmp_path / "data")}
    subprocess.run(
        [str(installed / "bin" / "travelmap"), "init-db"], env=env, check=True, capture_output=True, cwd=tmp_path
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(installed / "bin" / "gunicorn"), "-b", f"127.0.0.1:{port}", "travelmap:create_app()"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/", process, log)
        assert _get(f"http://127.0.0.1:{port}/")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
