"""Small widgets the pages and dialogs share: tables, summary cards, the scope filter."""
