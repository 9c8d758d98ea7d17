"""File › Export performance pack: the format, whether RSO names go in, and where."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.exchange.pack import MARKING
from ncpi_desktop.formats import uk_date
from ncpi_desktop.ui.dialogs.import_parts import DIALOG_STYLE
from ncpi_desktop.ui.exports.table_export import XLSX, file_suffix

PDF = "PDF document (*.pdf)"


class PackDialog(QDialog):
    """Format, names or not, and where: the choices of File › Export performance pack."""

    def __init__(self, as_at: date, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export performance pack")
        self.setStyleSheet(DIALOG_STYLE)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = QLabel(f"Performance pack as at {uk_date(as_at)}")
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        intro = QLabel("The figures shown on every page of this window (change the date with "
                       "the As at control first if the meeting needs another). Every page "
                       f"carries the as-at date, the policy values and who produced it, and is "
                       f"marked {MARKING}.")
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        layout.addLayout(self._build_form(path))

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._formats.buttonToggled.connect(self._on_format)
        self.names_box.toggled.connect(self._on_names)
        self.browse_button.clicked.connect(self._on_browse)
        self.path_edit.textChanged.connect(
            lambda text: self.export_button.setEnabled(bool(text.strip())))
        self.resize(640, self.sizeHint().height())

    def _build_form(self, path: Path) -> QFormLayout:
        """Format, RSO names or not, and where."""
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        formats = QVBoxLayout()
        self.pdf_button = QRadioButton("PDF: A4 pages for the meeting, with the charts")
        self.xlsx_button = QRadioButton("XLSX: the same figures on named sheets, for analysts")
        self.pdf_button.setChecked(path.suffix.lower() != ".xlsx")
        self.xlsx_button.setChecked(path.suffix.lower() == ".xlsx")
        self._formats = QButtonGroup(self)
        for button in (self.pdf_button, self.xlsx_button):
            self._formats.addButton(button)
            formats.addWidget(button)
        form.addRow("Format", formats)

        self.names_box = QCheckBox("Include RSO names")
        self.names_box.setChecked(False)
        self.names_warning = QLabel(
            "Names are personal data. Without them every RSO appears by id only, which is "
            "enough for the meeting; include names only when it needs them, and store and send "
            "the pack as personal data.")
        self.names_warning.setWordWrap(True)
        self.names_warning.setObjectName("infoNote")
        names = QVBoxLayout()
        names.addWidget(self.names_box)
        names.addWidget(self.names_warning)
        form.addRow("RSOs", names)

        self.path_edit = QLineEdit(str(path))
        self.path_edit.setMinimumWidth(420)
        self.path_edit.setAccessibleName("Save as")
        self.browse_button = QPushButton("Choose…")
        self.browse_button.setAccessibleDescription("Choose the file to save the pack as")
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(self.browse_button)
        form.addRow("Save as", where)
        return form

    @property
    def suffix(self) -> str:
        return ".xlsx" if self.xlsx_button.isChecked() else ".pdf"

    @property
    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    @property
    def names(self) -> bool:
        return self.names_box.isChecked()

    def _on_format(self, *_args: object) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(self.suffix)))

    def _on_names(self, checked: bool) -> None:
        self.names_warning.setObjectName("warningNote" if checked else "infoNote")
        self.names_warning.style().unpolish(self.names_warning)
        self.names_warning.style().polish(self.names_warning)

    def _on_browse(self) -> None:
        filters = [PDF, XLSX] if self.suffix == ".pdf" else [XLSX, PDF]
        path, selected = QFileDialog.getSaveFileName(self, "Save performance pack as",
                                                     str(self.path), ";;".join(filters),
                                                     filters[0])
        if path:
            chosen = Path(path)
            if chosen.suffix.lower() not in (".pdf", ".xlsx"):
                chosen = chosen.with_name(chosen.name + file_suffix(selected or filters[0]))
            self.xlsx_button.setChecked(chosen.suffix.lower() == ".xlsx")
            self.pdf_button.setChecked(chosen.suffix.lower() != ".xlsx")
            self.path_edit.setText(str(chosen))

    def _on_accept(self) -> None:
        path = self.path
        if path.suffix.lower() != self.suffix:
            path = path.with_name(path.name + self.suffix)
            self.path_edit.setText(str(path))
        if not path.parent.is_dir():
            QMessageBox.warning(self, "Export performance pack",
                                f"The folder {path.parent} does not exist.")
            return
        if path.exists():
            answer = QMessageBox.question(self, "Export performance pack",
                                          f"{path.name} already exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.accept()
