"""Generate a synthetic register with numpy over whole arrays: no loop over RSOs or visits.

Dates are worked out as whole days before the as-at date ("offsets": 0 is the as-at date, 365 a
year before), so "nothing after the as-at date" is "no negative offset"; they become dates only at
the end. The only dates after the as-at date are those a register schedules: when notification and
civil orders end.

The rules the figures are judged by (visit intervals, ARMS age, the reactive criteria, the order
review window) are read from ``Policy``; the profile says what the register looks like.

One module per part of the register, in the order ``register.generate`` draws them:
``managers`` (offender managers, and who holds whom), ``people`` (timelines, names, who is
managed reactively), ``allocations`` (management decisions and the allocation history), ``arms``,
``orders``, ``visits``; ``arrays`` holds the helpers they share.
"""

from ncpi_desktop.demo.generate.register import Register, generate

__all__ = ["Register", "generate"]
