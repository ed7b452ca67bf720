"""Exit statuses of the command line (the contract's, plus interrupted and strict)."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # analysis complete (warnings are reported, not fatal)
    ERROR = 1  # could not run: unreadable case, no evidence, output not writable
    USAGE = 2  # bad command line
    WARNINGS = 3  # --strict and the analysis produced warnings
    VERIFY_FAILED = 4  # `verify`: evidence changed or missing
    INTERRUPTED = 130


class CaseError(Exception):
    """A problem with the case itself (manifest, paths) that stops the run."""
