"""Charts: the per-manager bar charts and the review pages' charts (pyqtgraph)."""
