"""The one error type of file copy: every refused or broken transfer raises it (never OSError)."""


class FileCopyError(Exception):
    """A transfer that was refused or failed; nothing of it is left visible to the receiver."""
