import sys

from ncpi_desktop.cli import main

sys.exit(main())
