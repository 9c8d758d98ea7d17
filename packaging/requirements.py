"""Print the runtime dependencies of pyproject.toml, one a line, for the bundle's build
environment (``make bundle``): no development or test packages, plus the PostgreSQL driver
(the ``postgres`` extra) so the application can open a shared server's database."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml")
                        .read_text(encoding="utf-8"))["project"]
wanted = list(project["dependencies"]) + list(project["optional-dependencies"]["postgres"])
sys.stdout.write("".join(f"{requirement}\n" for requirement in wanted))
