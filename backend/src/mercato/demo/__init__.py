"""The demo shop (`mercato demo seed`, run by `make run`): catalog, content and discount codes.

At the top of the module map: it composes the domains, and no domain imports it.
"""
