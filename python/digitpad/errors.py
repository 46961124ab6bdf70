"""The one exception type the CLI turns into a one-line error (no traceback)."""


class UserError(Exception):
    """A problem the user can fix: bad data, a missing model, an unwritable folder."""
