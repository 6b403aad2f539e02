"""The verifier and the command line.

Runs estimators on instances, measures the outcome exactly with the oracles of
:mod:`rlcert.mdp`, and holds it against the cards of :mod:`rlcert.theory` evaluated by
:mod:`rlcert.bounds`. The console command ``rlcert`` lives in :mod:`rlcert.proofs_checks.cli`.
"""
