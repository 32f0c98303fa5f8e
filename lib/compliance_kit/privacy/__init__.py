"""What makes output safe to share: pseudonyms, small-cell suppression, escaping.

A ground-floor package: analyses, charts, notebooks and the report pages all use it, and
it imports nothing above it. Policy and threat model: docs/sharing.md.
"""

from .pseudonyms import pseudonym, pseudonymise, run_salt
from .suppression import suppress_small_counts

__all__ = ["pseudonym", "pseudonymise", "run_salt", "suppress_small_counts"]
