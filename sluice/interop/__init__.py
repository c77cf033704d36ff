"""Interoperability with other systems' IRs (DaCe SDFGs)."""
