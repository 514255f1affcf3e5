"""The MkDocs layer: the plugin, its options, fences and pages, rendering, the 404 pages, a static server.

Keep it thin: another front end should need only a new layer like this one.
"""
