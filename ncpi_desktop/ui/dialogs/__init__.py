"""Dialogs: recording, reassigning, proposals, absences, imports, an RSO's detail."""
