"""Reverse-mode automatic differentiation on the IR (issue #14).

`expressions.vjp` differentiates value expressions (the rule for tasklets); the pass over
programs builds on it.
"""
