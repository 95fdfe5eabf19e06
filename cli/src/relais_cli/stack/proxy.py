"""The reverse proxy in front of the four services: nginx from Debian's packages, on 127.0.0.1
only, as production has one. One address for the counselor's desk and the dashboard, so the
pages call every service from their own origin (no cross-origin request, no CORS to get right):

    /intake/…, /dispositifs/…, /employment/…   the write services' APIs, prefix removed
    /desk/                                      the counselor's desk (pages served by intake)
    /                                           reporting: the dashboard and its API

nginx serves no file itself and writes no temporary file (bodies are under 64 KiB, answers are
streamed), so its workers need no access to the project's folders whoever runs it. The live
stream is passed through unbuffered. Its configuration, pid and logs live in `.relais/proxy/`.
"""

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from relais_runtime.problems import PROBLEM_BASE
from relais_runtime.settings import SERVICE_PORTS, Settings

from relais_cli.errors import CommandFailed
from relais_cli.stack.process import port_open, read_pid, tail, terminate, wait_until

NGINX = "/usr/sbin/nginx"
# What the proxy answers for a service that does not answer, in nginx's single quotes.
UNAVAILABLE = json.dumps(
    {
        "type": PROBLEM_BASE + "service-unavailable",
        "title": "Service indisponible",
        "status": 503,
        "detail": "Ce service ne répond pas pour l'instant ; réessayez dans quelques secondes.",
    },
    ensure_ascii=False,
).replace("'", "\\'")
WRITE_SERVICES = ("intake", "dispositifs", "employment")


def config(home: Path, listen: int, ports: Mapping[str, int] = SERVICE_PORTS) -> str:
    """nginx.conf for a proxy on 127.0.0.1:`listen` in front of the services' `ports`."""
    upstreams = "\n".join(
        f"  upstream {name} {{ server 127.0.0.1:{port}; keepalive 16; }}" for name, port in ports.items()
    )
    apis = "\n".join(f"    location /{name}/ {{ proxy_pass http://{name}/; }}" for name in WRITE_SERVICES)
    return f"""# Written by `relais stack up` (relais_cli/stack/proxy.py); changes here are overwritten.
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  server_tokens off;
  client_body_temp_path {home}/tmp/body;
  proxy_temp_path {home}/tmp/proxy;
  fastcgi_temp_path {home}/tmp/fastcgi;
  uwsgi_temp_path {home}/tmp/uwsgi;
  scgi_temp_path {home}/tmp/scgi;
  # The services refuse bodies over 64 KiB themselves; here, no body ever goes to disk.
  client_max_body_size 64k;
  client_body_buffer_size 64k;
  proxy_max_temp_file_size 0;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_read_timeout 60s;
{upstreams}
  server {{
    listen 127.0.0.1:{listen};
{apis}
    location /desk/ {{ proxy_pass http://intake; }}
    location = /v1/indicators/stream {{
      proxy_pass http://reporting;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }}
    location / {{ proxy_pass http://reporting; }}
    # A service that is down (or starting) answers as the services do: a problem document.
    error_page 502 503 504 = @unavailable;
    location @unavailable {{
      default_type application/problem+json;
      return 503 '{UNAVAILABLE}';
    }}
  }}
}}
"""


class Proxy:
    """The local proxy: on `RELAIS_PROXY_PORT` in front of the services' default ports, or, for
    a test, on `port` in front of services started on `ports`."""

    def __init__(
        self, settings: Settings, root: Path, *, port: int | None = None, ports: Mapping[str, int] | None = None
    ):
        self.home = (root / "proxy").resolve()
        self.conf = self.home / "nginx.conf"
        self.port = port or settings.proxy_port
        self.ports = ports or SERVICE_PORTS

    def pid(self) -> int | None:
        return read_pid(self.home / "nginx.pid")

    def _nginx(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [NGINX, "-p", str(self.home), "-c", str(self.conf), "-e", str(self.home / "error.log"), *args],
            capture_output=True,
            text=True,
        )

    def start(self) -> str:
        if shutil.which(NGINX) is None and not Path(NGINX).exists():
            raise CommandFailed("nginx is not installed: run `sudo apt-get install nginx-light` (setup.sh does it)")
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.home / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(config(self.home, self.port, self.ports))
        checked = self._nginx("-t", "-q")
        if checked.returncode != 0:
            raise CommandFailed("nginx refused its configuration", details=checked.stderr[-2000:])
        if (pid := self.pid()) is not None:
            self._nginx("-s", "reload")  # the configuration may have changed
            return f"Proxy running (pid {pid}) on {self.address}"
        if port_open("127.0.0.1", self.port):
            raise CommandFailed(f"port {self.port} is taken by another program (RELAIS_PROXY_PORT)")
        started = self._nginx()
        if started.returncode != 0 or not wait_until(lambda: port_open("127.0.0.1", self.port), 10):
            raise CommandFailed(
                "nginx did not start", details=started.stderr[-2000:] + "\n" + tail(self.home / "error.log")
            )
        return f"Proxy running (pid {self.pid()}) on {self.address}"

    def stop(self) -> str:
        pid = self.pid()
        if pid is None:
            return "Proxy not running"
        terminate(pid)
        return "Proxy stopped"

    def status(self) -> tuple[bool, str]:
        """One line in the shape of the other parts of the stack's."""
        pid = self.pid()
        if pid is None or not port_open("127.0.0.1", self.port):
            return False, f"{'proxy':<12}stopped  127.0.0.1:{self.port}"
        return True, f"{'proxy':<12}running  pid {pid}  127.0.0.1:{self.port}  conf {self.conf}"

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"
