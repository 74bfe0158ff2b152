"""`make run`: every service, relay and consumer plus the gateway on the embedded default
(SQLite files and the embedded log under var/), supervised in one terminal; Ctrl-C stops all."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .auth import generate_key_pair
from .spec import load_spec

# (service, port offset); what each runs beside its web process comes from its ServiceSpec
SERVICES = [
    ("registration", 1),
    ("reporting", 2),
    ("awards", 3),
    ("notify", 4),
    ("feed", 5),
    ("gateway", 0),
]


def _token_keys(var: Path, common: dict[str, str]) -> dict[str, str]:
    """The service-token keys: those of the environment when given, else a development pair made once under var/
    (private key readable by its owner only). Moves the private key out of `common` and returns it for the gateway."""
    signing = {name: common.pop(name) for name in ("DVK_SERVICE_TOKEN_PRIVATE_KEY", "DVK_SERVICE_TOKEN_PRIVATE_KEY_FILE")
               if name in common}
    if signing or common.get("DVK_SERVICE_TOKEN_PUBLIC_KEYS") or common.get("DVK_SERVICE_TOKEN_PUBLIC_KEYS_FILE"):
        return signing
    private_path, public_path = var / "service-token-private.pem", var / "service-token-public.pem"
    if not (private_path.exists() and public_path.exists()):
        private_pem, public_pem = generate_key_pair()
        private_path.touch(mode=0o600)
        private_path.write_text(private_pem, encoding="utf-8")
        public_path.write_text(public_pem, encoding="utf-8")
    common["DVK_SERVICE_TOKEN_PUBLIC_KEYS_FILE"] = str(public_path)
    return {"DVK_SERVICE_TOKEN_PRIVATE_KEY_FILE": str(private_path)}


def main() -> int:
    var = Path(os.environ.get("DVK_VAR_DIR", "var")).resolve()
    var.mkdir(parents=True, exist_ok=True)
    base_port = int(os.environ.get("DVK_PORT_BASE", "8000"))
    bin_dir = Path(sys.executable).parent
    common = {
        **os.environ,
        "DVK_BUS": "embedded",
        "DVK_EMBEDDED_BUS_PATH": str(var / "bus.db"),
        "DVK_COOKIE_SECURE": os.environ.get("DVK_COOKIE_SECURE", "false"),
        "PYTHONUNBUFFERED": "1",
    }
    for service, offset in SERVICES:
        common[f"DVK_{service.upper()}_URL"] = f"http://127.0.0.1:{base_port + offset}"
    signing = _token_keys(var, common)

    def env_for(service: str) -> dict[str, str]:
        env = {**common, "DVK_DATABASE_URL": f"sqlite:///{var / (service + '.db')}"}
        if service == "gateway":
            env.update(signing)  # the private key goes to the gateway's processes only
        return env

    print("Chuẩn bị cơ sở dữ liệu (migrate, seed)...", flush=True)
    for service, _ in SERVICES:
        for step in ("migrate", "seed"):
            # stdout passes through: the gateway's seed prints the demo logins once, when it creates them
            done = subprocess.run([str(bin_dir / "dvk-worker"), step, service], env=env_for(service),
                                  stderr=subprocess.PIPE, text=True)
            if done.returncode != 0:
                print(f"{service} {step} failed:\n{done.stderr}", file=sys.stderr)
                return 1

    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    logs = var / "logs"
    logs.mkdir(exist_ok=True)

    def spawn(name: str, args: list[str], env: dict[str, str]) -> None:
        with open(logs / f"{name}.log", "ab") as log:
            processes.append((name, subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)))

    for service, offset in SERVICES:
        env = env_for(service)
        spawn(f"{service}-web", [str(bin_dir / "gunicorn"), f"{service}.wsgi:app", "--bind",
                                 f"127.0.0.1:{base_port + offset}", "--workers", "1", "--threads", "8",
                                 "--graceful-timeout", "5"], env)
        spec = load_spec(service)
        if spec.publishes:
            spawn(f"{service}-relay", [str(bin_dir / "dvk-worker"), "relay", service], env)
        if spec.subscribes:
            spawn(f"{service}-consumer", [str(bin_dir / "dvk-worker"), "consume", service], env)
        for process in spec.processes:
            spawn(f"{service}-{process.name}", [sys.executable, "-m", process.module, *process.args], env)

    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    deadline = time.monotonic() + 60
    pending = {service: base_port + offset for service, offset in SERVICES}
    while pending and not stopping and time.monotonic() < deadline:
        for service, port in list(pending.items()):
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:  # not answering yet: ask again next round
                    del pending[service]
        time.sleep(0.3)
    if pending and not stopping:
        print(f"Không khởi động được: {', '.join(pending)} (xem {logs})", file=sys.stderr)
    elif not stopping:
        print(f"\nDân Vận Khéo — phường {os.environ.get('DVK_WARD_NAME', 'Minh Xuân')} đã sẵn sàng.")
        print(f"Mở trình duyệt: http://127.0.0.1:{base_port}/")
        print(f"Nhật ký: {logs}   Dừng: Ctrl-C\n", flush=True)

    while not stopping:
        for name, process in processes:
            if process.poll() is not None:
                print(f"{name} đã dừng (mã {process.returncode}); xem {logs / (name + '.log')}", file=sys.stderr)
                stopping = True
                break
        time.sleep(0.5)

    print("Đang dừng các dịch vụ...", flush=True)
    for _, process in processes:
        if process.poll() is None:
            process.terminate()
    for name, process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            print(f"{name} không dừng kịp, buộc dừng", file=sys.stderr)
            process.kill()
            process.wait()
    print("Đã dừng.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
