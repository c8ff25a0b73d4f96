/**
 * The handler methods both clients have (EventgateClient and
 * SharedEventgateClient): `on(type)`, `onGap`, `onDropped`, `onOverflow`,
 * `onShutdown`, `onReady`, `onError`, `onControl` and `onState`. Each returns
 * a function that removes the handler.
 */
import type { AnyEvent, GatewayEvent } from '../protocol.ts';
import { call, Listeners } from './listeners.ts';
import type { ClientError, ConnectionState, ControlMessage, DroppedNotice, EventInfo, GapNotice, Off, OverflowNotice, ReadyNotice, ShutdownNotice, StateDetail } from './types.ts';

export abstract class ClientHandlers<E, D extends StateDetail = StateDetail> {
  protected readonly listeners = new Listeners();

  abstract get state(): ConnectionState;
  /** The detail handed to an onState handler when it is added. */
  protected abstract currentDetail(): D;

  /** Every event. */
  on(type: '*', handler: (event: AnyEvent<E>, info: EventInfo) => void): Off;
  /** Events of one type, with their metadata typed. */
  on<K extends keyof E & string>(type: K, handler: (event: GatewayEvent<K, E[K]>, info: EventInfo) => void): Off;
  on(type: string, handler: (event: any, info: EventInfo) => void): Off {
    return this.listeners.on(type === '*' ? '*' : `type:${type}`, handler);
  }
  onGap(handler: (gap: GapNotice) => void): Off {
    return this.listeners.on('gap', handler);
  }
  onDropped(handler: (dropped: DroppedNotice) => void): Off {
    return this.listeners.on('dropped', handler);
  }
  onOverflow(handler: (overflow: OverflowNotice) => void): Off {
    return this.listeners.on('overflow', handler);
  }
  onShutdown(handler: (shutdown: ShutdownNotice) => void): Off {
    return this.listeners.on('shutdown', handler);
  }
  onReady(handler: (ready: ReadyNotice) => void): Off {
    return this.listeners.on('ready', handler);
  }
  /** Refusals, unexpected closes, dead sockets, storage failures. */
  onError(handler: (error: ClientError) => void): Off {
    return this.listeners.on('error', handler);
  }
  /** Every control message, including WebSocket `ack`, `error` and `pong`. */
  onControl(handler: (control: ControlMessage) => void): Off {
    return this.listeners.on('control', handler);
  }
  /** Called at once with the current state, then on every change. */
  onState(handler: (state: ConnectionState, detail: D) => void): Off {
    const off = this.listeners.on('state', handler);
    call(handler, this.state, this.currentDetail());
    return off;
  }

  /** Hands an event to `on('*')` and `on(type)` handlers. */
  protected deliver(event: GatewayEvent, info: EventInfo): void {
    this.listeners.emit('*', event, info);
    this.listeners.emit(`type:${event.type}`, event, info);
  }
}
