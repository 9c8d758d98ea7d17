"""The window's pages (tabs): Caseload, Visits, ARMS, Reactive, Orders, Register."""
