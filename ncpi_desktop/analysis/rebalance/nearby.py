"""Level mode's preference among equal receivers: a manager who already holds RSOs in the moving
RSO's neighbourhood (issue 13), before the team preference of ``placement``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.rebalance.model import CLASSES, Register


def held_neighbourhoods(register: Register) -> set[tuple[int, str]]:
    """(manager position, neighbourhood) of every community RSO held before the proposal."""
    if "neighbourhood" not in register.source.columns:
        return set()
    rsos = register.rsos
    held = rsos[rsos["holder"].to_numpy() >= 0]
    places = register.source["neighbourhood"].to_numpy(object)[held["row"].to_numpy()]
    known = pd.notna(places)
    return set(zip(held["holder"].to_numpy()[known].tolist(), places[known].tolist(),
                   strict=True))


def match_neighbourhood(sources: pd.DataFrame, sinks: pd.DataFrame, register: Register
                        ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Pair each levelled group's moving RSO (in continuity order) with an arrival of its class
    at a manager already holding RSOs in its neighbourhood, where there is one.

    Returns (moves paired, sources left, sinks left); the rest are paired by ``placement``.
    """
    held = held_neighbourhoods(register)
    empty = pd.DataFrame(columns=["rso_id", "from", "to", "code", "cls", "row"])
    if not held or not len(sources) or not len(sinks):
        return empty, sources, sinks
    sources = sources.sort_values("rank")
    places = register.source["neighbourhood"].to_numpy(object)[sources["row"].to_numpy()]
    level = np.isin(sources["code"].to_numpy(), list(register.level_codes))
    open_sinks: dict[tuple[int, int], list[int]] = {}  # (manager, class) -> sink rows
    for k, (to, cls) in enumerate(zip(sinks["to"].to_numpy().tolist(),
                                      sinks["cls"].to_numpy().tolist(), strict=True)):
        open_sinks.setdefault((to, cls), []).append(k)
    by_place: dict[tuple[int, int, str], list[int]] = {}  # (group, class, place) -> managers
    codes = register.staff["code"].to_numpy()
    for to, place in sorted(held):
        for cls in range(CLASSES):
            if (to, cls) in open_sinks:
                by_place.setdefault((int(codes[to]), cls, place), []).append(to)
    used_source, used_sink = [], []
    for i, (code, cls, place) in enumerate(zip(sources["code"].to_numpy().tolist(),
                                               sources["cls"].to_numpy().tolist(), places,
                                               strict=True)):
        if not level[i] or pd.isna(place):
            continue
        for to in by_place.get((code, cls, place), ()):
            free = open_sinks.get((to, cls))
            if free and sources["holder"].iat[i] != to:
                used_source.append(i)
                used_sink.append(free.pop())
                break
    if not used_source:
        return empty, sources, sinks
    paired = sources.iloc[used_source]
    moves = pd.DataFrame({"rso_id": paired["rso_id"].to_numpy(object),
                          "from": paired["holder"].to_numpy(np.int64),
                          "to": sinks["to"].to_numpy(np.int64)[used_sink],
                          "code": paired["code"].to_numpy(np.int64),
                          "cls": paired["cls"].to_numpy(np.int64),
                          "row": paired["row"].to_numpy(np.int64)})
    rest_sources = sources.drop(sources.index[used_source])
    rest_sinks = sinks.drop(sinks.index[used_sink])
    return moves, rest_sources, rest_sinks
