"""Workflows as transition tables, the same in every service: {action: {state it may start from: state it leads to}}.

A step the table does not hold is refused with one problem: 409 `invalid-transition`, naming the record's current
state (`current_status`) so a client can show it; each service words the title and detail for its own records.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from .errors import InvalidTransition

Transitions = Mapping[str, Mapping[str, str]]


def invalid_transition(title: str, detail: str | None, current: str) -> InvalidTransition:
    return InvalidTransition(title, detail, current)


def next_state(transitions: Transitions, action: str, current: str,
               refusal: Callable[[tuple[str, ...]], tuple[str, str | None]]) -> str:
    """The state `action` leads to from `current`; otherwise the 409 problem, its title and detail from
    `refusal(states the action may start from)`."""
    allowed = transitions.get(action, {})
    if current not in allowed:
        raise invalid_transition(*refusal(tuple(allowed)), current)
    return allowed[current]
