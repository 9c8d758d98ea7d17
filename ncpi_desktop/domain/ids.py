"""Typed identifiers, so an RSO id is never passed where a manager id is meant."""

from typing import NewType

RsoId = NewType("RsoId", str)
ManagerId = NewType("ManagerId", str)
VisitId = NewType("VisitId", str)
OrderId = NewType("OrderId", str)
