"""What a claim evaluates to: numeric bounds, their inversions and concentration inequalities.

Turns the cards of :mod:`rlcert.theory` into fast numeric functions, vectorised over parameter
grids, and provides the concentration widths that the learners of :mod:`rlcert.estimators` use.
"""
