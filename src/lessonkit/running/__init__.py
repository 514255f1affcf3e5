"""Running a program as a learner does: in a terminal, per start method, contained, limited, cached.

Nothing here imports MkDocs.
"""
