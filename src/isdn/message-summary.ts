// One line per Q.931 message for logs and `sipline` traces, in the words a
// D-channel engineer reads on a protocol analyser.
import type { InformationElement } from './information-element.js';
import type { Q931Message } from './message.js';
import { messageTypeName } from './message-type.js';

function ieSummary(ie: InformationElement): string {
  switch (ie.kind) {
    case 'bearer-capability':
      return `BC ${ie.transferCapability === 0 ? 'speech' : ie.transferCapability === 0x10 ? '3.1k' : `itc=${ie.transferCapability}`}${ie.layer1Protocol === 2 ? ' ulaw' : ie.layer1Protocol === 3 ? ' alaw' : ''}`;
    case 'channel-identification': {
      const where = ie.channels?.length ? `B${ie.channels.join(',')}` : ie.slotMap ? 'map' : ie.selection === 3 ? 'any' : ie.dChannel ? 'D' : 'none';
      return `CHAN ${where}${ie.exclusive ? ' excl' : ' pref'}${ie.interfaceIdentifier !== undefined ? ` if=${ie.interfaceIdentifier}` : ''}`;
    }
    case 'called-party-number':
      return `CDPN ${ie.digits}`;
    case 'calling-party-number':
      return `CGPN ${ie.digits}${ie.presentation === 1 ? ' restricted' : ''}`;
    case 'connected-number':
      return `COLP ${ie.digits}`;
    case 'redirecting-number':
      return `RDNIS ${ie.digits}`;
    case 'cause':
      return `CAUSE ${ie.value} loc=${ie.location}`;
    case 'progress-indicator':
      return `PI ${ie.description}`;
    case 'display':
      return `DISPLAY "${ie.text}"`;
    case 'call-state':
      return `STATE ${ie.value}`;
    case 'restart-indicator':
      return `RESTART-CLASS ${ie.restartClass}`;
    case 'change-status':
      return `CHANGE-STATUS ${ie.status}`;
    case 'notification-indicator':
      return `NOTIFY ${ie.description}`;
    case 'sending-complete':
      return 'SENDING-COMPLETE';
    case 'shift':
      return `${ie.locking ? 'LSHIFT' : 'SHIFT'} ${ie.codeset}`;
    case 'facility':
    case 'high-layer-compatibility':
    case 'low-layer-compatibility':
      return `${ie.kind === 'facility' ? 'FACILITY' : ie.kind === 'high-layer-compatibility' ? 'HLC' : 'LLC'} ${ie.data.length}B`;
    case 'opaque':
      return `IE ${ie.codeset}/0x${ie.identifier.toString(16)}`;
  }
}

/** "SETUP cr=1/0 BC speech ulaw | CHAN B1 excl | CGPN 2125551212 | CDPN 3125551234". */
export function summarizeMessage(msg: Q931Message): string {
  const name = messageTypeName(msg.messageType, msg.protocolDiscriminator)?.replace(/_/g, ' ') ?? `type 0x${msg.messageType.toString(16)}`;
  const cr = msg.callReference;
  const ref = cr.length === 0 ? 'dummy' : cr.value === 0 ? 'global' : `${cr.value}/${cr.flag}`;
  const ies = msg.ies.map(ieSummary);
  return `${name} cr=${ref}${ies.length ? ` ${ies.join(' | ')}` : ''}`;
}
