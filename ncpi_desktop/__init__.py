"""ncpi_desktop: caseload planning for police Sex Offender Management Units."""

__version__ = "0.1.0"
