"""The emulator's injected faults: counted rules (:class:`FaultRule`) and random ones by rate (:class:`FaultRateRule`).

A :class:`FaultRule` answers the next N matching requests with a status (``inject_faults``). The rest of
this module is about faults by rate: 429s, 500s, 503s, added latency and dropped connections.

Spec syntax (``--faults SPEC``, ``POST /_emulator/fault-rates {"spec": ...}`` and
:meth:`~.server.PineconeEmulator.set_fault_rates`)::

    SPEC     := RULE (";" RULE)*
    RULE     := SETTING ("," SETTING)* ["@" [METHOD " "] PATH_REGEX]
    SETTING  := "429=" P | "500=" P | "503=" P | "drop=" P
              | "latency_ms=" MS | "retry_after=" SECONDS

``P`` is a probability (0-1); a rule's probabilities add up to at most 1. Each matching
request draws once: it is dropped (the connection closes with no response), answered with
429/500/503 in the plane's error shape (429 and 503 with ``Retry-After``, default 1 s), or
served normally; ``latency_ms`` is added to every request the rule matches. Without ``@`` a
rule matches every path; ``PATH_REGEX`` is searched (``re.search``) in the path and
``METHOD`` (e.g. ``POST``) narrows it. The first matching rule applies. Examples::

    429=0.2,503=0.2                     # 20 % 429s and 20 % 503s everywhere
    latency_ms=50,drop=0.01@^/bulk/imports
    500=0.1@POST ^/vectors/upsert;429=0.05

Admin (``/_emulator/``) routes are never faulted. The random generator is seeded
(``seed``), so one sequence of requests sees the same faults on every run.
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from airflow_provider_pinecone.testing.emulator.errors import InvalidArgument, require_number

FAULT_STATUSES = (429, 500, 503)
DEFAULT_RETRY_AFTER = 1.0
CONNECTION_SCOPE_KEY = "pinecone_emulator.connection"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclasses.dataclass
class FaultRule:
    """Answer the next ``remaining`` requests matching ``pattern`` (and ``method``) with ``status``.

    With ``after_processing`` the request is served first and only its answer is replaced: a lost
    response, which leaves the client unsure whether its request took effect.
    """

    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float | None = None
    method: str | None = None
    after_processing: bool = False

    @classmethod
    def build(
        cls,
        path_regex: str,
        status: int,
        count: int,
        retry_after: float | None = None,
        method: str | None = None,
        after_processing: bool = False,
    ) -> FaultRule:
        """Validate ``inject_faults`` arguments (Python API and HTTP admin route alike)."""
        require_number("status", status, minimum=400, maximum=599, integer=True)
        require_number("count", count, minimum=1, integer=True)
        if retry_after is not None:
            require_number("retry_after", retry_after, minimum=0)
        if method is not None and not isinstance(method, str):
            raise InvalidArgument(f"method must be an HTTP method name or null, got {type(method).__name__}.")
        if not isinstance(path_regex, str):
            raise InvalidArgument(f"path_regex must be a regular expression string, got {type(path_regex).__name__}.")
        try:
            pattern = re.compile(path_regex)
        except re.error as exc:
            raise InvalidArgument(f"path_regex is not a valid regular expression: {exc}") from None
        return cls(
            pattern=pattern,
            status=status,
            remaining=count,
            retry_after=retry_after,
            after_processing=bool(after_processing),
            method=method.upper() if method else None,
        )

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is targeted by this rule."""
        if self.method is not None and self.method != method.upper():
            return False
        return self.pattern.search(path) is not None


@dataclasses.dataclass(frozen=True)
class FaultRateRule:
    """Fault probabilities and added latency for the requests one pattern (and method) matches."""

    rates: dict[int, float] = dataclasses.field(default_factory=dict)
    drop: float = 0.0
    latency_ms: float = 0.0
    retry_after: float = DEFAULT_RETRY_AFTER
    path_regex: str | None = None
    method: str | None = None

    def __post_init__(self) -> None:
        for status, rate in self.rates.items():
            if status not in FAULT_STATUSES:
                raise InvalidArgument(
                    f"Fault rates exist for HTTP {', '.join(map(str, FAULT_STATUSES))}, not {status!r}."
                )
            require_number(str(status), rate, minimum=0, maximum=1)
        require_number("drop", self.drop, minimum=0, maximum=1)
        require_number("latency_ms", self.latency_ms, minimum=0)
        require_number("retry_after", self.retry_after, minimum=0)
        if sum(self.rates.values()) + self.drop > 1 + 1e-9:
            raise InvalidArgument("A fault rule's probabilities (429, 500, 503, drop) add up to more than 1.")
        if self.path_regex is not None:
            try:
                re.compile(self.path_regex)
            except re.error as exc:
                raise InvalidArgument(f"Invalid path regex {self.path_regex!r}: {exc}") from None
        if self.method is not None and self.method.upper() not in _METHODS:
            raise InvalidArgument(f"Unknown HTTP method {self.method!r}; use one of {', '.join(_METHODS)}.")

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_regex is None or re.search(self.path_regex, path) is not None


@dataclasses.dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: wait ``latency`` seconds, then drop, fail or serve it."""

    latency: float = 0.0
    drop: bool = False
    status: int | None = None
    retry_after: float | None = None


NO_FAULT = FaultDecision()


def parse_fault_spec(spec: str) -> list[FaultRateRule]:
    """Parse the spec syntax of this module's docstring; raises :class:`InvalidArgument`."""
    if not isinstance(spec, str):
        raise InvalidArgument(f"The fault spec must be a string, got {type(spec).__name__}.")
    rules = []
    for text in filter(None, (part.strip() for part in spec.split(";"))):
        settings, _, target = text.partition("@")
        method, path_regex = None, target.strip() or None
        if path_regex is not None:
            first, _, rest = path_regex.partition(" ")
            if first.upper() in _METHODS:
                method, path_regex = first.upper(), rest.strip() or None
        values: dict[str, float] = {}
        for setting in filter(None, (s.strip() for s in settings.split(","))):
            key, eq, raw = setting.partition("=")
            key = key.strip()
            if not eq or key not in ("429", "500", "503", "drop", "latency_ms", "retry_after"):
                raise InvalidArgument(
                    f"Invalid fault setting {setting!r}: expected 429=P, 500=P, 503=P, drop=P, "
                    "latency_ms=MS or retry_after=S (see the emulator's fault spec syntax)."
                )
            try:
                values[key] = float(raw)
            except ValueError:
                raise InvalidArgument(f"Invalid number in fault setting {setting!r}.") from None
        rules.append(
            FaultRateRule(
                rates={int(k): v for k, v in values.items() if k.isdigit()},
                drop=values.get("drop", 0.0),
                latency_ms=values.get("latency_ms", 0.0),
                retry_after=values.get("retry_after", DEFAULT_RETRY_AFTER),
                path_regex=path_regex,
                method=method,
            )
        )
    return rules


class FaultRates:
    """The active fault-rate rules and their seeded random generator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRateRule] = []
        self._rng = random.Random(0)

    def set(self, rules: list[FaultRateRule], seed: int | None = 0) -> None:
        """Replace the rules and reseed the generator (``None``: unpredictable)."""
        with self._lock:
            self._rules = list(rules)
            self._rng = random.Random(seed)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules = []

    def decide(self, method: str, path: str) -> FaultDecision:
        """Draw the fate of one request."""
        if not self._rules:  # lock-free fast path, as for one-shot faults
            return NO_FAULT
        with self._lock:
            rule = next((r for r in self._rules if r.matches(method, path)), None)
            if rule is None:
                return NO_FAULT
            draw = self._rng.random()
        latency = rule.latency_ms / 1000.0
        if draw < rule.drop:
            return FaultDecision(latency, drop=True)
        threshold = rule.drop
        for status in FAULT_STATUSES:
            threshold += rule.rates.get(status, 0.0)
            if draw < threshold:
                retry_after = rule.retry_after if status in (429, 503) else None
                return FaultDecision(latency, status=status, retry_after=retry_after)
        return FaultDecision(latency)


# --------------------------------------------------------------------- dropping connections
ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


def expose_connection(app: ASGIApp) -> ASGIApp:
    """Wrap the ASGI app uvicorn runs so handlers can reach the request's connection.

    uvicorn's ``send`` is a bound method of its request cycle, which owns the transport; the
    middlewares inside the app wrap ``send``, so it is remembered in the scope here, outside.
    """

    async def wrapped(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            scope[CONNECTION_SCOPE_KEY] = getattr(send, "__self__", None)
        await app(scope, receive, send)

    return wrapped


def drop_connection(scope: MutableMapping[str, Any]) -> bool:
    """Close the request's connection without a response; ``False`` if that is not possible.

    Marking uvicorn's cycle as disconnected makes it discard whatever the app sends next
    instead of writing a 500 into the closed socket.
    """
    cycle = scope.get(CONNECTION_SCOPE_KEY)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(cycle, "disconnected"):
        return False
    cycle.disconnected = True
    transport.close()
    return True
