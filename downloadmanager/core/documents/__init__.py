"""PDF documents of the program, Qt-free so that the CLI writes them too.

* ``receipt``    – the transfer receipt ("Übertragungsprotokoll");
* ``code_sheet`` – the access-code sheet (code, QR code, expiry, instructions);
* ``share``      – creating an access code on the portal (``POST /api/codes``);
* ``fonts``, ``texts``, ``pdf_base`` – font lookup, wording, page frame.
"""
