"""What the window writes out: the performance pack as a PDF."""
