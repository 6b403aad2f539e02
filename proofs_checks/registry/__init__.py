"""The registered checks, one module per area (each module calls
:func:`rlcert.proofs_checks.framework.register`)."""
