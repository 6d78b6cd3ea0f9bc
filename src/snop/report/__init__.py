"""Pictures and documents of a plan: the charts shared by the executive pack, ``snop sheet
--html``, ``snop forecast --plot`` and the web app, and the pack's HTML, PDF and Excel forms.

Pure like the domain packages: frames and typed results in, figures and files out; nothing
here reads the store (the services gather the numbers, see :mod:`snop.services.pack`).
"""

PACK_FORMATS = ("html", "pdf", "xlsx")
