"""Content: blog posts, CMS pages, site settings and product editorial, in Sanity's document shape.

Two sources behind one port (`providers/port.py`): `local` (documents in our database, managed
through the admin API, moved in and out as a Sanity dataset export) and `sanity` (GROQ over
Sanity's HTTP query API). ADR 0029.
"""
