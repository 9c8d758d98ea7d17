"""The window's menus beyond its own: File's imports and exports, Manage, Record."""
