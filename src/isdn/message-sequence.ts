// What to do with a well-formed message that does not fit the call it names:
// Q.931 clause 5.8.3.2 (no call has that call reference) and clause 5.8.4
// (the call is in a state that does not expect it). The state machines ask
// these after decodeMessage said "process".
import { Cause } from '../call/q850.js';
import { firstIe, type Q931Action, type Q931Message } from './message.js';
import { MessageType, isMaintenanceDiscriminator } from './message-type.js';

const { INVALID_CALL_REFERENCE, RESPONSE_TO_STATUS_ENQUIRY, WRONG_CALL_STATE } = Cause;
/** Call state value 0, the Null state (Q.931 clause 4.5.7). */
const NULL_STATE = 0;

/** A message whose call reference matches no call of this D-channel (Q.931 clause 5.8.3.2). */
export function unknownCallReferenceAction(msg: Q931Message): Q931Action {
  const cr = msg.callReference;
  if (isMaintenanceDiscriminator(msg.protocolDiscriminator) || cr.length === 0 || cr.value === 0) return { kind: 'process' };
  switch (msg.messageType) {
    // Clause 5.8.3.2 a): SETUP and RESUME open a call reference.
    case MessageType.SETUP:
    case MessageType.RESUME:
      return { kind: 'process' };
    // Clause 5.8.3.2 c): RELEASE COMPLETE for an unknown call -> no action.
    case MessageType.RELEASE_COMPLETE:
      return { kind: 'ignore', clause: 'Q.931 clause 5.8.3.2', reason: 'RELEASE COMPLETE for no call' };
    // Clause 5.8.10: STATUS ENQUIRY is answered with STATUS, call state Null, cause 30.
    case MessageType.STATUS_ENQUIRY:
      return { kind: 'status', clause: 'Q.931 clause 5.8.10', reason: 'STATUS ENQUIRY for no call', cause: RESPONSE_TO_STATUS_ENQUIRY };
    case MessageType.STATUS: {
      // Clause 5.8.11: a STATUS reporting Null for a call we do not have needs nothing;
      // any other state is cleared with RELEASE COMPLETE cause 101.
      const state = firstIe(msg, 'call-state');
      if (state?.value === NULL_STATE) return { kind: 'ignore', clause: 'Q.931 clause 5.8.11', reason: 'STATUS in the Null state reporting Null' };
      return { kind: 'release-complete', clause: 'Q.931 clause 5.8.11', reason: `STATUS reporting state ${state?.value ?? '?'} for no call`, cause: WRONG_CALL_STATE };
    }
    // Clause 5.8.3.2 a) and b): any other message (RELEASE included) -> RELEASE COMPLETE
    // cause 81, staying in the Null state (the alternative a) allows).
    default:
      return { kind: 'release-complete', clause: 'Q.931 clause 5.8.3.2', reason: `message 0x${msg.messageType.toString(16)} for no call`, cause: INVALID_CALL_REFERENCE };
  }
}

/**
 * A message the call's state does not expect (Q.931 clause 5.8.4): RELEASE and
 * RELEASE COMPLETE are still acted on; anything else gets STATUS cause 101.
 */
export function unexpectedMessageAction(msg: Q931Message): Q931Action {
  if (msg.messageType === MessageType.RELEASE || msg.messageType === MessageType.RELEASE_COMPLETE) return { kind: 'process' };
  return {
    kind: 'status',
    clause: 'Q.931 clause 5.8.4',
    reason: `message 0x${msg.messageType.toString(16)} not expected in this call state`,
    cause: WRONG_CALL_STATE,
  };
}
