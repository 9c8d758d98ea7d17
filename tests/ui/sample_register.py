"""A realistic small register for looking at the window (screenshots, the first-paint benchmark
before the demo database exists): three BCUs, a dozen managers above and below the limits,
part-time staff, a pooled team, RSOs in custody and missing.

    python tests/ui/sample_register.py OUT.sqlite3
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builders import AS_AT, Register  # noqa: E402

FAMILY = ("Ashworth", "Haworth", "Whittaker", "Hargreaves", "Pilling", "Greenwood", "Duckworth",
          "Kenyon", "Entwistle", "Sutcliffe", "Crossley", "Nuttall", "Riley", "Hussain", "Khan",
          "Patel", "Murphy", "Kelly", "Kowalski", "Swarbrick", "Bamber", "Cartmell", "Holt")
GIVEN = ("John", "David", "Michael", "Paul", "Mark", "Gary", "Kevin", "Darren", "Lee", "Craig",
         "Wayne", "Jason", "Imran", "Tariq", "Piotr", "Declan", "Keith", "Colin", "Ryan")
PLACES = {
    "East": ("Blackburn", "Burnley", "Accrington", "Nelson", "Darwen", "Clitheroe"),
    "South": ("Preston", "Chorley", "Leyland", "Ormskirk", "Skelmersdale", "Fulwood"),
    "West": ("Blackpool", "Lancaster", "Morecambe", "Fleetwood", "Heysham", "Kirkham"),
}
#: (id, name, bcu, team, fte, community RSOs, high, very high)
MANAGERS = (
    ("OM01", "DC Sarah Holt", "East", "East 1", 1.0, 58, 9, 1),
    ("OM02", "DC Imran Akhtar", "East", "East 1", 1.0, 47, 8, 0),
    ("OM03", "PC Julie Marsden", "East", "East 2", 0.5, 26, 3, 0),
    ("OM04", "DC Neil Booth", "East", "East 2", 1.0, 71, 12, 1),
    ("OM05", "DC Karen Livesey", "South", "South 1", 1.0, 44, 14, 2),
    ("OM06", "PC Tom Fletcher", "South", "South 1", 0.8, 39, 6, 0),
    ("OM07", "DC Gemma Rawcliffe", "South", "South 2", 1.0, 50, 10, 0),
    ("OM08", "DC Paul Singleton", "South", "South 2", 0.6, 35, 5, 0),
    ("OM09", "DC Michelle Cookson", "West", "West 1", 1.0, 66, 11, 1),
    ("OM10", "PC Dean Parkinson", "West", "West 1", 1.0, 52, 7, 0),
    ("OM11", "DC Laura Bradshaw", "West", "West 2", 0.75, 30, 4, 0),
    ("OM12", "DS Alan Catterall", "West", "West 2", 1.0, 0, 0, 0),
)


def sample_register(seed: int = 7) -> Register:
    rng = random.Random(seed)
    register = Register()

    def person(bcu: str, **kwargs: object) -> str:
        return register.rso(
            family_name=rng.choice(FAMILY), given_names=rng.choice(GIVEN), bcu=bcu,
            neighbourhood=rng.choice(PLACES[bcu]),
            date_of_birth=date(rng.randint(1950, 1995), rng.randint(1, 12), rng.randint(1, 28)),
            **kwargs)

    for manager_id, name, bcu, team, fte, community, high, very_high in MANAGERS:
        role = "supervisor" if name.startswith("DS") else "offender_manager"
        register.manager(manager_id, name=name, bcu=bcu, team=team, fte=fte, role=role)
        for number in range(community):
            risk = ("very_high" if number < very_high else "high" if number < very_high + high
                    else rng.choice(("low", "medium", "medium")))
            management = "reactive" if risk == "low" and rng.random() < 0.1 else "active"
            rso_id = person(bcu, manager_id=manager_id, team=team, risk_level=risk,
                            management=management)
            if rng.random() < 0.7:
                register.assessment(rso_id, AS_AT - timedelta(days=rng.randint(10, 500)),
                                    rng.choice(("low", "medium", "high")))
        for status in ("custody", "custody", "missing")[: rng.randint(0, 3)]:
            person(bcu, manager_id=manager_id, team=team, status=status)
    for _ in range(23):
        person("West", team="West 2", risk_level=rng.choice(("low", "medium", "high")))
    for _ in range(4):
        person("South", risk_level="medium")
    return register


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.unlink(missing_ok=True)
    sample_register().write(target).dispose()
    print(target)
