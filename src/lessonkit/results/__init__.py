"""What the runs mean: whether a run went the way its block says.

Pure data; nothing here imports MkDocs.
"""
