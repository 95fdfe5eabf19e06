"""The local reverse proxy's configuration: loopback only, each service behind its prefix, the
live stream unbuffered, no file served or written, and a French problem document for a service
that does not answer; checked by nginx itself (`nginx -t`)."""

import json
import re
import subprocess
from pathlib import Path

from relais_cli.stack.proxy import NGINX, UNAVAILABLE, config

PORTS = {"reporting": 9100, "intake": 9101, "dispositifs": 9102, "employment": 9103}


def test_it_listens_on_loopback_only_and_routes_each_service():
    conf = config(Path("/tmp/relais-proxy"), 9180, PORTS)
    assert re.findall(r"listen ([^;]+);", conf) == ["127.0.0.1:9180"]
    for name, port in PORTS.items():
        assert f"upstream {name} {{ server 127.0.0.1:{port};" in conf
    for prefix in ("intake", "dispositifs", "employment"):
        assert f"location /{prefix}/ {{ proxy_pass http://{prefix}/; }}" in conf  # the prefix removed
    assert "location /desk/ { proxy_pass http://intake; }" in conf
    stream = conf[conf.index("location = /v1/indicators/stream") :]
    assert "proxy_buffering off;" in stream.split("}")[0]
    assert "root " not in conf and "alias " not in conf  # nginx serves no file of the project
    assert "proxy_max_temp_file_size 0;" in conf and "client_max_body_size 64k;" in conf


def test_a_service_that_does_not_answer_gets_a_french_problem_document():
    problem = json.loads(UNAVAILABLE.replace("\\'", "'"))
    assert problem["status"] == 503 and problem["title"] == "Service indisponible"
    assert problem["type"].endswith("/service-unavailable")


def test_nginx_accepts_the_configuration(tmp_path):
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / sub).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(config(tmp_path, 9180, PORTS))
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
