"""Many animations at once: config files to jobs, a process pool, ``--check``, the gallery page.

``convanim batch`` and ``convanim gallery`` (in :mod:`convanim.commands.batch`) are thin click
layers over these modules:

- :mod:`~convanim.gallery.jobs`: find config files, turn each entry into a :class:`Job` through
  the ``render`` command's own parameters, place outputs inside the output directory and
  refuse collisions before anything is drawn;
- :mod:`~convanim.gallery.work`: render or check one job (runs in worker processes);
- :mod:`~convanim.gallery.compare`: decoded frames on disk against freshly drawn ones;
- :mod:`~convanim.gallery.pool`: run jobs in parallel with progress and a summary;
- :mod:`~convanim.gallery.page`: alt text, ``index.html`` and ``gallery.md``.

>>> from convanim.gallery import find_configs
>>> find_configs(["configs/conv_arithmetic"])[0].path.name
'arbitrary_padding_no_strides.yaml'
"""

from convanim.gallery.jobs import Batch, Job, Problem, Source, find_configs, make_jobs
from convanim.gallery.work import Result

__all__ = ["Batch", "Job", "Problem", "Result", "Source", "find_configs", "make_jobs"]
