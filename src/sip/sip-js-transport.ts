// What sip.js asks of a transport besides send(): a connection state it can
// watch and the callbacks it sets. Ours are listening sockets, "connected"
// from connect() until disconnect() or close().
import { EmitterImpl, TransportState, type Emitter, type Transport } from 'sip.js';

export abstract class SipJsTransport implements Transport {
  /** The token sip.js writes in Via ('UDP', 'TCP', 'TLS'). */
  abstract readonly protocol: string;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;
  protected _state = TransportState.Disconnected;
  private readonly _stateChange = new EmitterImpl<TransportState>();

  get state(): TransportState {
    return this._state;
  }

  get stateChange(): Emitter<TransportState> {
    return this._stateChange;
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  connect(): Promise<void> {
    this.transition(TransportState.Connected);
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    this.transition(TransportState.Disconnected);
    return Promise.resolve();
  }

  private transition(state: TransportState): void {
    if (this._state === state) return;
    this._state = state;
    this._stateChange.emit(state);
    if (state === TransportState.Connected) this.onConnect?.();
    if (state === TransportState.Disconnected) this.onDisconnect?.();
  }

  async dispose(): Promise<void> {
    await this.close();
  }

  abstract send(message: string): Promise<void>;
  abstract close(): Promise<void>;
}
