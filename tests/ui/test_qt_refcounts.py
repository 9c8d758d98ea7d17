"""Guard against a Qt binding that leaks or drops references to None/True (PySide6 6.12.0 on
CPython 3.11 aborted the interpreter after a few thousand void calls: 'deallocating None')."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QComboBox, QLabel

app = QApplication([])
label = QLabel()
combo = QComboBox()
combo.addItem("All BCUs", None)


class Emitter(QObject):
    changed = Signal(object)


emitter = Emitter()
emitter.changed.connect(lambda value: None)
none, true = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(20000):
    label.setText("x")
    label.hide()
    combo.currentData()
    emitter.changed.emit(1)
print(sys.getrefcount(None) - none, sys.getrefcount(True) - true)
"""


def test_qt_calls_keep_references_to_none_and_true():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    none_delta, true_delta = (int(v) for v in result.stdout.split())
    assert abs(none_delta) < 100 and abs(true_delta) < 100
