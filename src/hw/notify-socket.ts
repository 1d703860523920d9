// The service manager's notification socket (sd_notify(3)): one datagram to
// the AF_UNIX socket named in $NOTIFY_SOCKET, sent by the addon because Node's
// dgram has no Unix datagram sockets.
import { addon } from './addon.js';

/** Sends `message` ("READY=1\nSTATUS=...") to the socket; throws an Error with the errno name as `code`. */
export function sendNotify(socket: string, message: string): void {
  addon().notifySocket(socket, message);
}
