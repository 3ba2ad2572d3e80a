"""Development helpers for nwbzarr and code built on it; nothing in the runtime imports them.

- :func:`tree_diff` / :func:`values_equal`: compare two trees the way round-trip checks require
  (re-exported from :mod:`nwbzarr.diff`, which the runtime uses too);
- :mod:`nwbzarr.testing.servers`: local S3 (moto) and Range-capable HTTP servers that count
  requests (``pip install nwbzarr[test]``; moto is imported when a server is made);
- :mod:`nwbzarr.testing.fuzz`: the fuzzing harness (``python -m nwbzarr.testing.fuzz``).
"""

from nwbzarr.diff import tree_diff, values_equal

__all__ = ["tree_diff", "values_equal"]
