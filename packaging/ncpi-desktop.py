"""The one-folder application's entry point (``packaging/ncpi-desktop.spec``): the same
``ncpi-desktop`` command the package installs, with its commands and exit statuses."""

import sys

from ncpi_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
