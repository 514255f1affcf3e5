"""``lessonkit import``: turn a lesson written like the seed into snippets, claims and a page.

No MkDocs here: reading the lesson (:mod:`.lesson`), tidying its programs (:mod:`.tidy`),
running them and writing the files (:mod:`.importer`).
"""
