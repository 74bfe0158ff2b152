"""What the feed declares to the platform (`create_app`, `dvk-worker`, `dvk-dev`): its API behind API keys, its
audited keys; it consumes every ward's events on the
cluster, publishes none, and adds the command `dvk-worker feed-key feed {issue … | list | revoke ID | rotate-secret ID}`."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask

from dvk_core.wards import load_registry
from dvk_platform.spec import Audit, Command, CommandRefused, Handler, ServiceSpec

from .config import DEFAULTS


def _blueprints() -> Sequence[Any]:
    from .api import feed, keys

    return [feed.blp, keys.blp]


def _audited() -> Sequence[type]:
    from .models import ApiKey

    return [ApiKey]


def _setup(app: Flask, api: Any) -> None:
    api.spec.components.security_scheme("apiKey", {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "a subscriber's API key (also accepted as Authorization: ApiKey <key>)"})
    # a registry file that cannot be read or is invalid stops the service here, with the file, entry and reason
    load_registry(app.config["WARDS_FILE"] or None)
    api.refinements.append(lambda document: name_known_wards(document, app.config["WARDS_FILE"] or None))


def name_known_wards(document: dict[str, Any], wards_file: str | None) -> None:
    """A key's scope as the service accepts it: "*" or a ward code of the province's registry (the file this
    deployment reads), so a client knows the codes before asking; anything else is a 422 listing them."""
    codes = ["*", *load_registry(wards_file).codes()]
    items = document["components"]["schemas"]["KeyCreate"]["properties"]["wards"]["items"]
    items["enum"] = codes
    items["description"] = "\"*\" (every ward) or a ward code of the province's registry"


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


def _key_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--subscriber", help="issue: the receiving system's name")
    group.add_argument("--ward", action="append", default=[], help="issue: ward code of the key's scope (repeatable; '*' = every ward)")
    group.add_argument("--note", default=None, help="issue: a note kept with the key")


USAGE = ("feed-key feed issue --subscriber TÊN --ward MÃ | feed-key feed list | feed-key feed revoke ID "
         "| feed-key feed rotate-secret ID")


def _check_keys(args: argparse.Namespace) -> str | None:
    action = args.action[:1]
    with_id = action in (["revoke"], ["rotate-secret"])
    if action not in (["issue"], ["list"], ["revoke"], ["rotate-secret"]) or with_id != (len(args.action) == 2) \
            or (not with_id and len(args.action) != 1):
        return USAGE
    if with_id and not args.action[1].isdigit():
        return f"mã khóa phải là số, không phải {args.action[1]!r} / the key id is a number"
    if action == ["issue"] and not (args.subscriber and args.ward):
        return "feed-key feed issue cần --subscriber và ít nhất một --ward / needs --subscriber and --ward"
    return None


def _keys(app: Flask, args: argparse.Namespace) -> int:
    from dvk_platform.errors import Problem

    from . import cli

    action = args.action[0]
    try:
        if action == "issue":
            print(cli.dumps(cli.issue(app, args.subscriber, args.ward, args.note)))
            print("Khóa (api_key) và bí mật ký (signing_secret) chỉ hiện lần này. / api_key and signing_secret are "
                  "shown this once only.", file=sys.stderr)
        elif action == "list":
            print(cli.dumps(cli.listing(app)))
        elif action == "rotate-secret":  # the old secret still signs during the overlap
            print(cli.dumps(cli.rotate_secret(app, int(args.action[1]))))
            print("Bí mật ký mới chỉ hiện lần này. / The new signing_secret is shown this once only.", file=sys.stderr)
        else:
            print(cli.dumps(cli.revoke(app, int(args.action[1]))))
    except Problem as exc:
        raise CommandRefused(f"{exc.title} {exc.detail or ''}".strip()) from None
    return 0


SPEC = ServiceSpec(
    name="feed",
    title="Dân Vận Khéo — Nguồn sự kiện cho cấp trên",
    defaults=DEFAULTS,
    blueprints=_blueprints,
    # keys issued, revoked and given a new signing secret go to the append-only audit log (GET /audit). Never
    # logged: key_hash (the key's SHA-256, enough to test a guessed key offline) and the salts (inputs of the
    # key's signing secrets).
    audit=Audit(_audited, hidden=frozenset({"key_hash", "salt", "previous_salt"})),
    setup=_setup,
    subscribes=("registration", "reporting", "awards", "notify"),
    handlers=_handlers,
    all_wards=True,  # the feed serves every ward of the province that publishes to this cluster
    publishes=False,
    commands=(Command("feed-key", "khóa API của nguồn sự kiện (feed): issue | list | revoke ID | rotate-secret ID", _keys,
                      arguments=_key_arguments, check=_check_keys, takes_actions=True),),
)
