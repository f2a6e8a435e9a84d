"""File copy between domains (the two ends of qubes.Filecopy), Salt-free.

    for chunk in send(["/home/user/report.pdf", "/home/user/photos"]):   # the sending domain
        channel.write(chunk)
    receive(channel, "/home/user/Incoming", "work", Limits())             # the receiving domain

The receiver writes only under ``incoming_root/<source>/``, refuses anything but plain files and
directories with safe relative names, enforces size and count limits, and makes a transfer visible
only when all of it arrived. The stream format is described in ``wire.py`` and docs/filecopy.md.
"""

from .errors import FileCopyError
from .limits import Limits
from .receive import Received, receive
from .send import send

__all__ = ["FileCopyError", "Limits", "Received", "receive", "send"]
