"""What is claimed: the theorem catalog.

One card per theorem (upper and lower bounds alike): the bound as a sympy expression in named
symbols, the source's constants and log factors (or the label ``order`` when only the rate is
known), the guarantee type, units, domain and reference. This subpackage imports only sympy.
"""
