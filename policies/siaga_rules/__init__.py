"""Siaga CrossGuard rules, one policy per module; `siaga_rules.registry` lists them."""
