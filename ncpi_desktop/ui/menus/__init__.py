"""The window's menus and what they run: its own items (File, Edit, View, Help), File's imports
and exports, Manage (rebalancing, with the RSO lists' drag and drop), Record."""
