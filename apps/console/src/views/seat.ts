import type { MapView } from '../map/map-view';
import type { AddressSearch } from '../address-search';
import type { Session } from '../session';

/** What a seat (call-taker, dispatcher, commander) gets to draw in. */
export interface SeatContext {
  left: HTMLElement;
  right: HTMLElement;
  map: MapView;
  session: Session;
  addressSearch: () => AddressSearch;
}

export interface Seat {
  mount(ctx: SeatContext): void;
  unmount(): void;
}
