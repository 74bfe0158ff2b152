"""Signed messages have one implementation: the HMAC of the Standard Webhooks scheme is computed in
dvk_core/webhooks.py only, and the three places that sign (notify's webhooks, the feed's pages, dvk-subscribe
--post) call it."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIGNING_PLACES = ("services/notify/src/notify/dispatcher.py", "services/feed/src/feed/api/feed.py",
                  "libs/subscriber/src/dvk_subscriber/delivery.py")


def test_the_hmac_is_computed_in_one_module_which_notify_the_feed_and_the_subscriber_use():
    """No hmac.new/hmac.digest and no other use of the Standard Webhooks library anywhere in the platform's or the
    services' code but dvk_core/webhooks.py; the three places that sign call its signed_headers."""
    one = ROOT / "libs/core/src/dvk_core/webhooks.py"
    offenders = []
    sources = [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]
    assert len(sources) > 50
    for path in sources:
        if path == one:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "hmac" \
                    and node.attr in {"new", "digest", "HMAC"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} hmac.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {"hmac", "standardwebhooks"}:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module} import …")
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "standardwebhooks" for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} import standardwebhooks")
    assert offenders == []
    for place in SIGNING_PLACES:
        text = (ROOT / place).read_text(encoding="utf-8")
        assert "webhooks.signed_headers(" in text and "import webhooks" in text, place
        assert "X-DVK-Signature" not in text, place
