"""bandit over libs/ and services/: no finding beyond those justified in security/audit-justifications.md."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_nothing_new():
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent))
    assert bandit, "bandit is not installed in the venv (requirements/dev.txt)"
    sources = [str(p.relative_to(ROOT)) for p in sorted(ROOT.glob("libs/*/src"))]
    done = subprocess.run([bandit, "-q", "-c", "security/bandit.yaml", "-r", *sources, "services",
                           "-b", "security/bandit-baseline.json", "-f", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    new = [f"{r['test_id']} {r['filename']}:{r['line_number']} {r['issue_text']}" for r in report["results"]]
    assert not new, "bandit findings not justified in security/audit-justifications.md:\n" + "\n".join(new)
    assert done.returncode == 0, done.stderr
    justified = (ROOT / "security" / "audit-justifications.md").read_text()
    baseline = json.loads((ROOT / "security" / "bandit-baseline.json").read_text())["results"]
    for finding in baseline:  # every accepted finding is explained
        assert finding["test_id"] in justified and Path(finding["filename"]).name in justified, finding["filename"]
