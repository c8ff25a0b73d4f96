/**
 * Types of eventgate/client/shared (shared.js): one subscription for all
 * tabs of an origin, led by the tab holding a Web Lock and relayed over a
 * BroadcastChannel.
 */
import type {
  AnyEvent,
  BuiltinEvents,
  ClientError,
  ClientOptions,
  ConnectionState,
  ControlMessage,
  DroppedNotice,
  EventInfo,
  Filter,
  GapNotice,
  GatewayEvent,
  OverflowNotice,
  ReadyNotice,
  ShutdownNotice,
  StateDetail,
} from './eventgate-client.js';

export interface SharedClientOptions<T extends string = string> extends Omit<ClientOptions<T>, 'connect'> {
  /** Tabs with the same name share one subscription (and its filter). Default `default`. */
  name?: string;
}

type Off = () => void;

export declare class SharedEventgateClient<E = BuiltinEvents> {
  constructor(options?: SharedClientOptions<NoInfer<keyof E & string>>);
  /** Whether this tab holds the connection. */
  readonly leader: boolean;
  /** The leading tab's connection state. */
  readonly state: ConnectionState;
  readonly lastEventId: string | null;
  readonly filter: Filter<keyof E & string>;
  on(type: '*', handler: (event: AnyEvent<E>, info: EventInfo) => void): Off;
  on<K extends keyof E & string>(type: K, handler: (event: GatewayEvent<K, E[K]>, info: EventInfo) => void): Off;
  onGap(handler: (gap: GapNotice) => void): Off;
  onDropped(handler: (dropped: DroppedNotice) => void): Off;
  onOverflow(handler: (overflow: OverflowNotice) => void): Off;
  onShutdown(handler: (shutdown: ShutdownNotice) => void): Off;
  onReady(handler: (ready: ReadyNotice) => void): Off;
  onState(handler: (state: ConnectionState, detail: StateDetail & { leader: boolean }) => void): Off;
  onError(handler: (error: ClientError) => void): Off;
  onControl(handler: (control: ControlMessage) => void): Off;
  /** Changes the shared filter, for every tab; resolves when the leading tab's subscription has it. */
  setFilter(filter: Filter<keyof E & string>): Promise<void>;
  /** Leaves the sharing; if this tab led, another one takes over from the last cursor. */
  close(): void;
}
