"""A row of filters that wraps onto a second line when the window is too narrow for it, instead
of making the window wider (a 1366x768 laptop)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QSpacerItem, QWidget


class FlowRow(QLayout):
    """Widgets left to right, wrapping to a new line where the next does not fit. Its
    minimum width is the widest single item's. ``addSpacing`` and ``addStretch`` work as in a
    QHBoxLayout (a stretch only ends the row's items: the row is left-aligned)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    # --- QHBoxLayout's way of adding ------------------------------------------------------

    def addSpacing(self, size: int) -> None:  # noqa: N802
        self.addItem(QSpacerItem(size, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum))

    def addStretch(self, _stretch: int = 0) -> None:  # noqa: N802
        """Nothing to do: the row is left-aligned already."""

    # --- QLayout ------------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        width = sum(item.sizeHint().width() for item in self._items)
        width += self.spacing() * max(len(self._items) - 1, 0)
        height = max((item.sizeHint().height() for item in self._items), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items (``move``) within ``rect``; the height they take."""
        x, y, line = rect.x(), rect.y(), 0
        placed: list[tuple[QLayoutItem, QPoint, QSize]] = []
        rows: list[list[int]] = [[]]
        for item in self._items:
            if item.isEmpty() and item.widget() is not None:
                continue
            size = item.sizeHint().boundedTo(QSize(rect.width(), item.sizeHint().height()))
            size = size.expandedTo(item.minimumSize())
            is_space = item.widget() is None
            if x > rect.x() and x + size.width() > rect.right() + 1:
                x, y, line = rect.x(), y + line + self.spacing(), 0
                rows.append([])
                if is_space:
                    continue  # no spacing at the start of a line
            rows[-1].append(len(placed))
            placed.append((item, QPoint(x, y), size))
            x += size.width() + (0 if is_space else self.spacing())
            line = max(line, size.height())
        if move:
            for row in rows:
                tallest = max((placed[i][2].height() for i in row), default=0)
                for i in row:
                    item, point, size = placed[i]
                    point.setY(point.y() + (tallest - size.height()) // 2)
                    item.setGeometry(QRect(point, size))
        return y + line - rect.y()
