"""C-ECHO: "is the PACS there and does it accept us?"."""

from __future__ import annotations

from dataclasses import dataclass, replace

from downloadmanager.core.dicomnet import pdu
from downloadmanager.core.dicomnet.association import Association
from downloadmanager.core.dicomnet.dimse import (
    C_ECHO_RSP,
    SUCCESS,
    VERIFICATION_SOP_CLASS,
    c_echo_rq,
    status_text,
)
from downloadmanager.core.dicomnet.errors import AssociationError, DimseError
from downloadmanager.core.dicomnet.nodes import DicomNode, Timeouts

IMPLICIT_VR_LE = "1.2.840.10008.1.2"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"


@dataclass(frozen=True, slots=True)
class EchoResult:
    """The answer of a C-ECHO."""

    status: int

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS

    @property
    def text(self) -> str:
        return status_text(self.status)


def echo(node: DicomNode, timeout: float | None = None) -> EchoResult:
    """Associate with NODE, send one C-ECHO, release.

    Raises
    ------
    AssociationError
        connection refused, association rejected (e.g. unknown calling AE
        title) or Verification not accepted.
    DimseError
        no or an unexpected response.
    """
    context = pdu.ProposedContext(1, VERIFICATION_SOP_CLASS, (EXPLICIT_VR_LE, IMPLICIT_VR_LE))
    if timeout:
        node = replace(node, timeouts=Timeouts(timeout, timeout, timeout, timeout))
    assoc = Association.to_node(node, [context])
    try:
        if 1 not in assoc.contexts:
            raise AssociationError("no_verification")
        message_id = assoc.next_message_id()
        assoc.send_message(1, c_echo_rq(message_id))
        _, response = assoc.receive_response()
        if response.command_field != C_ECHO_RSP or response.message_id_responded != message_id:
            raise DimseError("unexpected_response")
    except BaseException:
        assoc.abort()
        raise
    assoc.release()
    return EchoResult(response.status)
