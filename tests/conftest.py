import os
import sys
from pathlib import Path

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every command-line call signs in: as the demo's "manager", who every test database built by
# builders.Register also holds (with the administrator role as well).
os.environ["NCPI_USER"] = "manager"
os.environ["NCPI_PASSWORD"] = "demo-password"
os.environ.pop("NCPI_NEW_PASSWORD", None)
sys.path.insert(0, str(Path(__file__).parent))


import pytest  # noqa: E402 - after the platform is chosen and the path is set
from builders import signed_in_engine  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from ncpi_desktop.demo.build import build_demo  # noqa: E402


@pytest.fixture(scope="session")
def lancashire_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Lancashire 2017 demo, built once per session: read it, do not write to it."""
    path = tmp_path_factory.mktemp("demo") / "lancashire-2017.sqlite3"
    build_demo(path, "lancashire-2017")
    return path


@pytest.fixture(scope="session")
def lancashire(lancashire_path: Path) -> Engine:
    engine = signed_in_engine(lancashire_path)
    yield engine
    engine.dispose()


# Hypothesis: the suite runs the same examples on every run and every machine ("ci"), so a
# failure in CI is a failure anyone can rerun. Random exploration is opt-in: "explore" (also
# what `make fuzz` gets, through NCPI_FUZZ_EXAMPLES), e.g.
#   pytest tests/analysis -k rebalance --hypothesis-profile=explore --hypothesis-seed=7
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("explore" if os.environ.get("NCPI_FUZZ_EXAMPLES") else "ci")
