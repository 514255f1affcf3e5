"""``lessonkit import``: turn a lesson written like the seed into snippets, claims and a page.

No MkDocs here: reading the lesson (:mod:`.lesson`), telling its Python 2 programs from broken
ones and converting them (:mod:`.python2`), tidying its programs (:mod:`.tidy`), running them
and writing the files (:mod:`.importer`).
"""
