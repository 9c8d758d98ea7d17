"""The command line's quality assurance and briefing commands (DOMAIN.md rules 15 and 16).

- ``record review --rso ID --on DATE --grade GRADE --findings TEXT [--action TEXT --owner NAME
  --due DATE]...``: a supervisor's or manager's case review of an RSO in their scope, with its
  actions (each ``--action`` takes the ``--owner`` and ``--due`` given after it).
- ``briefing --neighbourhood NAME --out FILE.pdf``: the neighbourhood briefing, for a
  ``frontline`` user and their own neighbourhoods only, written owner-only and audited as a
  disclosure naming every RSO in it.

Exit status (SECURITY.md): 0 done; 1 refused by a rule (an unknown RSO, a date in the future, a
neighbourhood nobody lives in); 2 an output that cannot be written; 3 not permitted for this user.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ncpi_desktop.cli_session import add_sign_in_arguments, signed_in
from ncpi_desktop.exits import EXIT_INVALID, EXIT_NOT_PERMITTED, EXIT_OK, EXIT_UNUSABLE, say

#: ``args.command`` of ``record review`` (the review's parser sets it, so that ``cli`` hands it
#: here rather than to ``cli_write``).
RECORD_REVIEW = "record-review"
GRADES = ("good", "requires_improvement", "inadequate")


class _ActionArgument(argparse.Action):
    """``--action``, ``--owner`` and ``--due`` gathered into one list of actions, in order."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        actions = list(getattr(namespace, "actions", None) or [])
        if option_string == "--action":
            actions.append({"text": values, "owner": None, "due": None})
        elif not actions:
            parser.error(f"{option_string} must follow an --action")
        else:
            actions[-1]["owner" if option_string == "--owner" else "due"] = values
        namespace.actions = actions


def add_record_review(kinds: argparse._SubParsersAction,
                      parse_date: Callable[[str], date]) -> None:
    """``record review``, added to ``record``'s kinds (``cli_write``)."""
    review = kinds.add_parser("review", help="a supervisor's case review (dip sample), graded, "
                                             "with its actions")
    add_sign_in_arguments(review)
    review.add_argument("--rso", required=True, metavar="ID", help="the RSO whose case it is")
    review.add_argument("--on", type=parse_date, required=True, help="the day of the review")
    review.add_argument("--grade", required=True, choices=GRADES)
    review.add_argument("--findings", required=True, help="what the review found")
    review.add_argument("--action", action=_ActionArgument, metavar="TEXT",
                        help="an action the review sets (repeat for several); give its --owner "
                             "and --due after it")
    review.add_argument("--owner", action=_ActionArgument, metavar="NAME",
                        help="who owns the action before it")
    review.add_argument("--due", action=_ActionArgument, type=parse_date, metavar="DATE",
                        help="when the action before it is due")
    review.set_defaults(command=RECORD_REVIEW, actions=[])


def register(commands: argparse._SubParsersAction, parse_date: Callable[[str], date]) -> None:
    """``briefing`` on the command line."""
    briefing = commands.add_parser(
        "briefing", help="write a neighbourhood briefing for patrol officers (frontline users)")
    add_sign_in_arguments(briefing)
    briefing.add_argument("--neighbourhood", required=True, metavar="NAME",
                          help="the neighbourhood (one of the user's own)")
    briefing.add_argument("--out", required=True, help="the PDF to write (FILE.pdf)")
    briefing.add_argument("--on", type=parse_date, default=None,
                          help="the date the briefing is as at (default: today)")


def cmd_record_review(args: argparse.Namespace) -> int:
    from ncpi_desktop.domain.ids import RsoId
    from ncpi_desktop.domain.security import NotPermitted
    from ncpi_desktop.storage.change import OperationError
    from ncpi_desktop.storage.operations.reviews import ActionSpec, record_review

    missing = [a["text"] for a in args.actions if a["owner"] is None or a["due"] is None]
    if missing:
        return say(f"the action {missing[0]!r} needs --owner NAME and --due DATE after it",
                   EXIT_INVALID)
    actions = [ActionSpec(a["text"], a["owner"], a["due"]) for a in args.actions]
    with signed_in(args) as session:
        try:
            change = record_review(session.engine, RsoId(args.rso), args.on, args.grade,
                                   args.findings, session.user, actions=actions)
        except NotPermitted as exc:
            return say(str(exc), EXIT_NOT_PERMITTED)
        except OperationError as exc:
            return say(str(exc), EXIT_INVALID)
    print(f"done: {change.summary}")
    return EXIT_OK


def cmd_briefing(args: argparse.Namespace) -> int:
    from ncpi_desktop.domain.security import NotPermitted, Operation, require
    from ncpi_desktop.exchange.briefing import BriefingError, produce_briefing

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        return say(f"cannot write a briefing as {out.name!r}: use a .pdf file", EXIT_UNUSABLE)
    if not out.parent.is_dir():
        return say(f"cannot write {out}: folder {out.parent} does not exist", EXIT_UNUSABLE)
    with signed_in(args) as session:
        try:
            require(session.user, Operation.BRIEFING)
            briefing = produce_briefing(session.engine, session.user, args.neighbourhood,
                                        on=args.on, file_name=out.name)
        except NotPermitted as exc:
            return say(str(exc), EXIT_NOT_PERMITTED)
        except BriefingError as exc:
            return say(str(exc), EXIT_INVALID)
    from ncpi_desktop.ui.exports.briefing_pdf import write_briefing_pdf
    from ncpi_desktop.ui.exports.pack_pdf import gui_application

    _app = gui_application()  # fonts need one; offscreen when there is no display
    try:
        pages = write_briefing_pdf(briefing, out)
    except OSError as exc:
        return say(f"cannot write {out}: {exc.strerror or exc}; choose another folder",
                   EXIT_UNUSABLE)
    print(f"wrote {out} ({len(briefing.rows)} RSOs, {pages} page{'s' if pages != 1 else ''}); "
          f"{briefing.destroy_line.lower()}")
    return EXIT_OK


def handlers() -> dict[str, Callable[[argparse.Namespace], int]]:
    """The commands this module runs, by ``args.command``."""
    return {RECORD_REVIEW: cmd_record_review, "briefing": cmd_briefing}
