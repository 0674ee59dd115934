"""The one exception type the CLI turns into a one-line message and exit status 2."""


class DigitnetError(Exception):
    """Bad input or environment: the message names the file or field and the problem."""
