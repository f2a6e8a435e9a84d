"""State ``bulkhead_image.built``: a template of ``bulkhead:images`` is built and current.

.. code-block:: yaml

    bulkhead-image-debian-12:
      bulkhead_image.built:
        - image: debian-12
"""

from saltext.bulkhead.image.image_state import image_built
from saltext.bulkhead.saltret import run_state

__virtualname__ = "bulkhead_image"


def __virtual__():
    return __virtualname__


def built(name, image=None, lock_timeout=None):
    """The image ``image`` (default: the state's name) of ``bulkhead:images`` is built under
    /var/cache/bulkhead/images, from the same inputs as the pillar says; a no-op when it is.

    name
        The state's name.
    image
        The ``bulkhead:images`` entry; absent: ``name``.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-image-debian-12:
          bulkhead_image.built:
            - image: debian-12
    """
    wanted = image or name
    return run_state(
        name,
        __pillar__,
        lambda model: image_built(model, wanted, test=__opts__["test"]),
        test=__opts__["test"],
        lock_timeout=lock_timeout,
        minion_id=__opts__.get("id"),
    )
