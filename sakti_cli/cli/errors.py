"""The one table that turns core exceptions into exit codes (documented in README)."""

from __future__ import annotations

from sakti_cli.errors import (
    ConfigError,
    EnvironmentProblem,
    InputError,
    RegisterCorrupt,
    SaktiError,
    SigningKeyError,
    StateConflict,
    UsageError,
)

OK, NEGATIVE, USAGE, BAD_INPUT, ENVIRONMENT, CONFLICT = 0, 1, 2, 3, 4, 5

EXIT_CODES: list[tuple[type[SaktiError], int]] = [
    (UsageError, USAGE),
    (InputError, BAD_INPUT),
    (ConfigError, ENVIRONMENT),
    (EnvironmentProblem, ENVIRONMENT),
    (SigningKeyError, ENVIRONMENT),
    (RegisterCorrupt, ENVIRONMENT),
    (StateConflict, CONFLICT),
]


def exit_code_for(exc: SaktiError) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return ENVIRONMENT
