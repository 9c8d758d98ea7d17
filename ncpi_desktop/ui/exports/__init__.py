"""What the window writes out: the performance pack as a PDF, and a table as it is shown."""
