"""The Qt user interface: the only package that imports PySide6 or pyqtgraph.

The data layer is imported here, before any module of this package imports PySide6: PySide6
installs an import hook that makes every later import slower (about 0.3 s more at start-up for
pandas and SQLAlchemy), so the application starts quicker when they come first.
"""

import ncpi_desktop.analysis.figures  # noqa: F401 - imported before PySide6, see above
import ncpi_desktop.storage.history  # noqa: F401 - imported before PySide6, see above
import ncpi_desktop.storage.register_store  # noqa: F401 - read at start-up, see above
