"""The mutation score of the last `make mutate`, per file, counted two ways.

Reads what mutmut left in ./mutants/ (the ``*.py.meta`` results and the mutated sources) and prints
one Markdown table: for each mutated file the mutants, the survivors, the score over all mutants,
and the score leaving out the message-only ones (docs/testing.md explains both).

A mutant is *message-only* when the only thing it changes is the text of a string literal inside
the message of a ``raise`` (the first argument of the exception raised, f-string text included):
what a person reads, never which exception, which ``field`` it names, or any decision. It is
decided on the code, not on the test results: the original and the mutated function are compared
with every string literal inside exception messages blanked; if they are then the same, the
mutant is message-only. A mutant that replaces a message by ``None`` or drops an argument is not.

Detected = killed or timed out (a mutant that makes the tests hang is caught). Survived, and "no
tests" (no test reaches the code), count as not detected. Run from the project root:

    .venv/bin/python scripts/mutation_score.py [--survivors]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from mutmut.mutation.diff_apply import (
    get_diff_for_mutant,
    read_functions_from_index,
    read_mutant_function,
    read_mutants_module,
    read_original_function,
)
from mutmut.stats import status_by_exit_code

DETECTED = {"killed", "timeout", "segfault", "caught by type check"}
NOT_COUNTED = {"skipped"}


class _BlankMessages(cst.CSTTransformer):
    """Blank the text of every string literal in the first argument of a raised exception."""

    def leave_Raise(self, original: cst.Raise, updated: cst.Raise) -> cst.Raise:
        exc = updated.exc
        if isinstance(exc, cst.Call) and exc.args and exc.args[0].keyword is None:
            message = exc.args[0].value.visit(_BlankStrings())
            args = [exc.args[0].with_changes(value=message), *exc.args[1:]]
            return updated.with_changes(exc=exc.with_changes(args=args))
        return updated


class _BlankStrings(cst.CSTTransformer):
    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString):
        return updated.with_changes(value='""')

    def leave_FormattedStringText(self, original, updated):
        return updated.with_changes(value="")


def _code(function: cst.FunctionDef, blank_messages: bool) -> str:
    if blank_messages:
        function = function.visit(_BlankMessages())
    return cst.Module([function]).code


def _functions(name: str, path: str) -> tuple[cst.FunctionDef, cst.FunctionDef]:
    found = read_functions_from_index(name, path)
    if found is None:
        module = read_mutants_module(path)
        found = (read_original_function(module, name), read_mutant_function(module, name))
    return found


def is_message_only(name: str, path: str) -> bool:
    """Whether mutant ``name`` of ``path`` changes nothing but exception message text."""
    original, mutant = _functions(name, path)
    if _code(original, False) == _code(mutant, False):
        return False  # an equivalent rewrite mutmut could not tell apart: not a message change
    return _code(original, True) == _code(mutant, True)


@dataclass
class FileScore:
    path: str
    total: int = 0
    detected: int = 0
    message_total: int = 0
    message_detected: int = 0
    survivors: list[tuple[str, str, bool]] = field(default_factory=list)

    def score(self, with_messages: bool) -> float:
        total, detected = self.total, self.detected
        if not with_messages:
            total -= self.message_total
            detected -= self.message_detected
        return 100.0 * detected / total if total else 100.0


def _meta_files(root: Path) -> Iterator[Path]:
    yield from sorted(root.glob("**/*.py.meta"))


def collect(root: Path = Path("mutants")) -> list[FileScore]:
    """Read every result file under ``root`` into one ``FileScore`` per mutated file."""
    scores = []
    for meta in _meta_files(root):
        path = str(meta.relative_to(root))[: -len(".meta")]
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not exit_codes:
            continue
        score = FileScore(path)
        for name, exit_code in sorted(exit_codes.items()):
            status = status_by_exit_code[exit_code]
            if status == "not checked":
                sys.exit(f"{name} was not checked: run `make mutate` to the end first")
            if status in NOT_COUNTED:
                continue
            message = is_message_only(name, path)
            detected = status in DETECTED
            score.total += 1
            score.detected += detected
            score.message_total += message
            score.message_detected += message and detected
            if not detected:
                score.survivors.append((name, status, message))
        scores.append(score)
    return scores


def _total(scores: list[FileScore]) -> FileScore:
    whole = FileScore("**all**")
    for s in scores:
        whole.total += s.total
        whole.detected += s.detected
        whole.message_total += s.message_total
        whole.message_detected += s.message_detected
    return whole


def table(scores: list[FileScore]) -> str:
    """The Markdown table docs/testing.md shows."""
    lines = [
        "| file | mutants | not caught | score | message-only mutants | score without them |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in [*scores, _total(scores)]:
        lines.append(
            f"| {s.path} | {s.total} | {s.total - s.detected} | {s.score(True):.1f}% "
            f"| {s.message_total} | {s.score(False):.1f}% |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--survivors", action="store_true", help="also print the diff of each survivor"
    )
    parser.add_argument(
        "--fail-under",
        type=float,
        metavar="PERCENT",
        help="exit 1 when the score without message-only mutants is below PERCENT",
    )
    args = parser.parse_args()
    if not Path("mutants").is_dir():
        sys.exit("no ./mutants/: run `make mutate` first")
    scores = collect()
    print(table(scores))
    if args.survivors:
        for s in scores:
            for name, status, message in s.survivors:
                kind = "message-only" if message else "real"
                print(f"\n# {name}: {status}, {kind}")
                print(get_diff_for_mutant(name, path=s.path))
    overall = _total(scores).score(with_messages=False)
    if args.fail_under is not None and overall < args.fail_under:
        sys.exit(f"score without message-only mutants {overall:.1f}% < {args.fail_under}%")


if __name__ == "__main__":
    main()
