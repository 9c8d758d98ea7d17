"""What every room of the window stands on: the style, work off the GUI thread, undo."""
