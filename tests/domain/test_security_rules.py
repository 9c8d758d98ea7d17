"""The security contract's roles and scopes (SECURITY.md), as pure rules."""

import pytest

from ncpi_desktop.domain.security import (
    NotPermitted,
    Operation,
    Place,
    Role,
    Scope,
    ScopeKind,
    User,
    permits,
    require,
    require_in_scope,
)

EAST = Scope(ScopeKind.BCU, ("East",))
SUP = User("supervisor.east", "Sup East", frozenset({Role.SUPERVISOR}), EAST)
OM = User("om009", "OM 9", frozenset({Role.OFFENDER_MANAGER}), Scope.parse("caseload:OM009"),
          manager_id="OM009")
ANALYST = User("analyst", "An", frozenset({Role.ANALYST}))
ADMIN_MANAGER = User("admin", "Ad", frozenset({Role.ADMINISTRATOR, Role.MANAGER}))


def test_refusal_names_the_rule_and_the_scope() -> None:
    with pytest.raises(NotPermitted) as refused:
        require_in_scope(SUP, Operation.REASSIGN, [("R1204", Place("West", "West 2", "OM031"))])
    assert str(refused.value) == ("supervisor.east may not reassign R1204: it is in team West 2 "
                                  "(West) (scope: BCU East)")
    require_in_scope(SUP, Operation.REASSIGN, [("R1", Place("East", "East 1", "OM009")),
                                               ("OM011", Place("East", "East 2", "OM011"))])


def test_offender_manager_records_only_for_their_own_caseload() -> None:
    require_in_scope(OM, Operation.RECORD_VISIT, [("R1", Place("East", "East 1", "OM009"))])
    with pytest.raises(NotPermitted, match="R2: it is in team East 1"):
        require_in_scope(OM, Operation.RECORD_VISIT, [("R2", Place("East", "East 1", "OM010"))])
    with pytest.raises(NotPermitted, match="om009 may not reassign: not permitted to "
                                           "offender_manager"):
        require(OM, Operation.REASSIGN)


def test_roles_add_up_and_analysts_never_see_names() -> None:
    assert permits(ADMIN_MANAGER, Operation.MANAGE_USERS)
    assert permits(ADMIN_MANAGER, Operation.PACK_WITH_NAMES)
    assert not permits(ANALYST, Operation.SEE_NAMES)
    assert permits(ANALYST, Operation.PACK)
    assert not permits(ANALYST, Operation.RECORD_VISIT)


def test_a_disabled_user_may_do_nothing() -> None:
    gone = User("x", "X", frozenset({Role.MANAGER}), active=False)
    assert not permits(gone, Operation.SEE_FIGURES)
    with pytest.raises(NotPermitted, match="disabled"):
        require(gone, Operation.REPORT)


@pytest.mark.parametrize("text", ["force", "bcu:East", "team:East 1", "caseload:OM009",
                                  "neighbourhood:Ashton,Preston North"])
def test_scope_text_round_trips(text: str) -> None:
    assert Scope.parse(text).text() == text


@pytest.mark.parametrize("text", ["county:X", "force:East", "bcu:", "caseload:A,B"])
def test_a_scope_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="scope"):
        Scope.parse(text)
