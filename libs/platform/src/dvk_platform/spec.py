"""What a service declares to the platform, in one place: `<service>.spec.SPEC`, a `ServiceSpec`.

`dvk_platform.app.create_app` builds the web app from it (title, configuration defaults, API blueprints, pages,
audited records, the service's own setup); `dvk-worker` and `dvk-dev` read it (which topics a service consumes and
with which handlers, whether it publishes, its seed, its own one-off commands, its further long-running processes)
instead of guessing module and attribute names."""
from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

# fn(session, event) run in the consumer's transaction
Handler = Callable[[Any, Any], None]


class CommandRefused(Exception):
    """A one-off command that cannot go ahead; its message (Vietnamese / English) is shown as is."""


@dataclass(frozen=True)
class Command:
    """A one-off command a service adds to `dvk-worker`: `dvk-worker NAME SERVICE [ACTION …] [options]`."""

    name: str
    help: str
    run: Callable[[Flask, argparse.Namespace], int]
    # adds the command's options to its own argument group
    arguments: Callable[[argparse._ArgumentGroup], None] = lambda group: None
    # a usage problem of the parsed arguments (shown with the usage, exit 2), or None
    check: Callable[[argparse.Namespace], str | None] = lambda args: None
    # whether it takes positional ACTION words (e.g. `feed-key feed revoke 3`)
    takes_actions: bool = False


@dataclass(frozen=True)
class Seed:
    """`dvk-worker seed SERVICE`: the service's starting data."""

    run: Callable[[Flask, argparse.Namespace], Any]
    # demo accounts with published passwords: refused under DVK_ENV=production
    demo_only: bool = False
    # adds the seed's own options
    arguments: Callable[[argparse._ArgumentGroup], None] = lambda group: None


@dataclass(frozen=True)
class Process:
    """A further long-running process beside web, relay and consumer: `python -m MODULE ARGS…`."""

    name: str
    module: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Audit:
    """The records whose every insert, update and delete goes to the append-only audit log."""

    # the mapped classes, imported when the app is built
    records: Callable[[], Sequence[type]]
    # further columns never written to the log (hashes of secrets, salts, timestamps of no interest)
    hidden: frozenset[str] = frozenset()
    # who acts in a request when no service token says so (the gateway's signed-in user): (id, role) or None
    actor: Callable[[], tuple[str, str] | None] | None = None
    # serve GET /audit (the gateway's accounts are read with SQL instead)
    endpoint: bool = True


def _none() -> tuple[Any, ...]:
    return ()


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    # the OpenAPI document's title
    title: str = ""
    # configuration defaults, each overridable by a DVK_* variable
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # the flask-smorest blueprints of its API (in /openapi.json), imported when the app is built
    blueprints: Callable[[], Sequence[Any]] = _none
    # plain Flask blueprints outside the API document (the gateway's pages)
    pages: Callable[[], Sequence[Any]] = _none
    audit: Audit | None = None
    # the service's own wiring, run after the platform's and before the blueprints: fn(app, api)
    setup: Callable[[Flask, Any], None] | None = None
    # the services whose topics it consumes; empty: it runs no consumer
    subscribes: tuple[str, ...] = ()
    # its consumer's {event type: handler}, built for the app
    handlers: Callable[[Flask], Mapping[str, Handler]] | None = None
    # gathers the events of every ward on the cluster (the province's pull feed), not only its own ward's
    all_wards: bool = False
    # has an outbox and runs a relay
    publishes: bool = True
    seed: Seed | None = None
    commands: tuple[Command, ...] = ()
    processes: tuple[Process, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.subscribes and self.handlers is None:
            raise ValueError(f"{self.name}: subscribes to {self.subscribes} but declares no handlers")


class UnknownService(LookupError):
    """No service of that name declares a ServiceSpec (`<service>.spec.SPEC`)."""


def load_spec(service: str) -> ServiceSpec:
    """The service's declaration, from its `spec` module."""
    try:
        module = importlib.import_module(f"{service}.spec")
    except ModuleNotFoundError as exc:
        if exc.name in (service, f"{service}.spec"):
            raise UnknownService(service) from None
        raise
    spec = module.SPEC
    if not isinstance(spec, ServiceSpec) or spec.name != service:
        raise TypeError(f"{service}.spec.SPEC must be the ServiceSpec named {service!r}")
    return spec
