"""What a user does, composed: a write whose rule needs the figures.

Storage's named operations write what storage can check; analysis holds the rules over a
snapshot. An action sits above both (as Anki's ``aqt/operations`` sits above its collection):
it reads what the rule needs, checks it with analysis, then calls the storage operation, whose
one transaction and audit row are unchanged. Undo and redo replay the storage operation's
``Change`` as before.
"""
