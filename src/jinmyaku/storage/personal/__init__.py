"""The personal mode's files and store: your own contacts, kept on this machine only.

Readers (:mod:`.linkedin`, :mod:`.vcard`, :mod:`.template`) turn one file into a
:class:`~.records.Batch` of plain records, or refuse it with an
:class:`~jinmyaku.errors.InputError` naming every unreadable line; :mod:`.store`
writes a batch into the local SQLite store in one transaction. Nothing here
opens a network connection.
"""
