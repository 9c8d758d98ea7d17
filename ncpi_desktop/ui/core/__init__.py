"""What every room of the window stands on: the app context handed to each feature, the settings
keys, the reads of the figures, work off the GUI thread, undo, and the style."""
